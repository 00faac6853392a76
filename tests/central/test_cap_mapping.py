"""From CAP messages to signed-alert payloads: levels, languages, areas, updates and cancels."""

from __future__ import annotations

import datetime as dt

import pytest

from central.cap.areas import groups_reached
from central.cap.mapping import compose_text, level_for, plan
from central.cap.parse import Area, CapSchema, Info, parse_cap
from central.cap.settings import GroupPlace
from central.cap.state import CapState
from player.wire.signing import MAX_ALERT_TEXT, parse_alert
from tests.central.cap_files import BANDUNG, BOGOR, JAKARTA, area, cap, info, square

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=3)
LIFETIME = dt.timedelta(hours=6)
PLACES = {
    "bogor": GroupPlace(point=BOGOR),
    "jakarta": GroupPlace(point=JAKARTA, exercises=True),
    "bandung": GroupPlace(point=BANDUNG, names=("Kota Bandung",)),
}


@pytest.fixture(scope="module")
def schema() -> CapSchema:
    return CapSchema()


def message(schema, data: bytes):
    return parse_cap(data, schema, 1 << 20)


@pytest.mark.parametrize(
    ("severity", "urgency", "certainty", "level"),
    [
        ("Extreme", "Immediate", "Observed", "emergency"),
        ("Extreme", "Expected", "Possible", "emergency"),
        ("Severe", "Immediate", "Likely", "emergency"),
        ("Severe", "Immediate", "Possible", "warning"),
        ("Severe", "Future", "Likely", "warning"),
        ("Moderate", "Expected", "Likely", "warning"),
        ("Moderate", "Future", "Likely", "info"),
        ("Minor", "Immediate", "Observed", "info"),
        ("Extreme", "Immediate", "Unlikely", "info"),
        ("Extreme", "Past", "Observed", "info"),
        ("Unknown", "Unknown", "Unknown", "info"),
    ],
)
def test_level_table(severity, urgency, certainty, level):
    assert level_for(severity, urgency, certainty) == level


def test_polygon_circle_and_names_reach_only_their_groups():
    polygon = Area("Bogor", polygons=(tuple(
        tuple(float(v) for v in p.split(",")) for p in square(*BOGOR).split()
    ),))  # fmt: skip
    circle = Area("Jakarta", circles=((-6.21, 106.84, 5.0),))
    named = Area("Kota Bandung, Kab. Bandung Barat")
    assert groups_reached([polygon], PLACES) == {"bogor"}
    assert groups_reached([circle], PLACES) == {"jakarta"}
    assert groups_reached([named], PLACES) == {"bandung"}
    assert groups_reached([Area("Kota Bandungan")], PLACES) == set()
    assert groups_reached([Area("x", geocodes=(("ADM", "kota bandung"),))], PLACES) == {"bandung"}
    # A group's own area meets a circle that misses its corners.
    wide = {"west-java": GroupPlace(area=((-7.0, 107.5), (-7.0, 107.7), (-6.8, 107.7)))}
    assert groups_reached([Area("c", circles=((-6.93, 107.65, 3.0),))], wide) == {"west-java"}


def test_an_alert_goes_to_its_groups_in_indonesian_and_an_update_replaces_it(schema):
    alert = message(schema, cap("A1", [
        info("Heavy rain", [area("Bogor", polygon=square(*BOGOR))], language="en",
             expires=LATER),
        info("Hujan lebat", [area("Bogor", polygon=square(*BOGOR))], expires=LATER,
             instruction="Hindari sungai."),
    ], sent=NOW))  # fmt: skip
    first = plan(alert, CapState(), PLACES, NOW, LIFETIME)
    assert first.verdict == "accepted" and first.groups == ("bogor",)
    [(group, payload, lifetime)] = first.sends
    assert group == "bogor" and payload["text"] == "Hujan lebat Hindari sungai."
    assert payload["level"] == "emergency" and payload["expires_at"] == "2026-03-01T11:00:00Z"
    assert lifetime == LATER - NOW  # the broker keeps it as long as it is valid, not longer

    update = message(schema, cap("A2", [
        info("Hujan lebat meluas", [area("Bogor", polygon=square(*BOGOR)),
                                    area("Jakarta", circle="-6.2,106.85 5")], expires=LATER),
    ], sent=NOW, msg_type="Update", references=(("A1", NOW),)))  # fmt: skip
    later = NOW + dt.timedelta(minutes=5)
    second = plan(update, first.state, PLACES, later, LIFETIME)
    assert second.verdict == "accepted" and second.groups == ("bogor", "jakarta")
    assert {p["id"] for _, p, _ in second.sends} == {payload["id"]}
    assert {p["text"] for _, p, _ in second.sends} == {"Hujan lebat meluas"}

    # Seen again (the feed still lists it): nothing is sent twice.
    assert plan(update, second.state, PLACES, later, LIFETIME).verdict == "duplicate"

    cancel = message(schema, cap("A3", [], sent=NOW, msg_type="Cancel",
                                 references=(("A2", NOW),)))  # fmt: skip
    third = plan(cancel, second.state, PLACES, later, LIFETIME)
    assert third.verdict == "cancelled"
    assert sorted((g, p["type"], p["id"]) for g, p, _ in third.sends) == [
        ("bogor", "alert-cancel", payload["id"]),
        ("jakarta", "alert-cancel", payload["id"]),
    ]
    assert third.state.shown == {}


def test_an_update_that_leaves_a_group_takes_the_warning_off_there(schema):
    both = message(schema, cap("B1", [info("h", [area("Kota Bogor, Kota Bandung")],
                                            expires=LATER)], sent=NOW))  # fmt: skip
    first = plan(both, CapState(), PLACES, NOW, LIFETIME)
    assert first.groups == ("bandung",)  # names: only bandung lists one
    narrowed = message(
        schema,
        cap(
            "B2",
            [info("h", [area("Cimahi")], expires=LATER)],
            sent=NOW,
            msg_type="Update",
            references=(("B1", NOW),),
        ),
    )
    second = plan(narrowed, first.state, PLACES, NOW, LIFETIME)
    assert second.verdict == "unmatched"
    assert [(g, p["type"]) for g, p, _ in second.sends] == [("bandung", "alert-cancel")]


def test_exercises_reach_only_groups_that_asked_for_them(schema):
    everywhere = [area("all", circle="-6.5,107.0 200")]
    drill = message(schema, cap("E1", [info("Latihan", everywhere)], sent=NOW,
                                status="Exercise"))  # fmt: skip
    outcome = plan(drill, CapState(), PLACES, NOW, LIFETIME)
    assert outcome.groups == ("jakarta",)
    assert outcome.sends[0][1]["text"].startswith("LATIHAN / EXERCISE: ")
    real = message(schema, cap("E2", [info("Nyata", everywhere)], sent=NOW))
    assert plan(real, CapState(), PLACES, NOW, LIFETIME).groups == ("bandung", "bogor", "jakarta")
    # Over groups that take no exercises, the log names the setting, not the area.
    bandung = message(schema, cap("E3", [info("Latihan", [area("Kota Bandung")])], sent=NOW,
                                  status="Exercise"))  # fmt: skip
    outcome = plan(bandung, CapState(), PLACES, NOW, LIFETIME)
    assert (outcome.verdict, outcome.sends) == ("ignored", ())
    assert outcome.reason == (
        "status Exercise: bandung lies in its area but takes no exercises "
        "(exercises: true in cap.groups would show it): sent nowhere"
    )
    nowhere = message(schema, cap("E4", [info("Latihan", [area("Papua")])], sent=NOW,
                                  status="Exercise"))  # fmt: skip
    outcome = plan(nowhere, CapState(), PLACES, NOW, LIFETIME)
    assert outcome.verdict == "unmatched" and "no configured group lies" in outcome.reason


@pytest.mark.parametrize(
    ("data", "verdict", "reason"),
    [
        (cap("C", [], sent=NOW, msg_type="Cancel", references=(("nope", NOW),)), "refused",
         "Cancel for an unknown identifier"),
        (cap("X", [info("h", [area("Kota Bandung")], expires=NOW - dt.timedelta(seconds=1))],
             sent=NOW), "refused", "in the past"),
        (cap("X", [info("h", [area("Kota Bandung")])], sent=NOW, status="Draft"), "ignored",
         "status Draft"),
        (cap("X", [], sent=NOW), "refused", "no info block"),
        (cap("X", [info("h", [area("Papua")])], sent=NOW), "unmatched", "sent nowhere"),
    ],
)  # fmt: skip
def test_messages_that_show_nothing_say_why(schema, data, verdict, reason):
    outcome = plan(message(schema, data), CapState(), PLACES, NOW, LIFETIME)
    assert (outcome.verdict, outcome.sends) == (verdict, ())
    assert reason in outcome.reason


def test_long_texts_keep_headline_and_instruction_within_the_limit():
    text = compose_text(
        Info("id", "Banjir", "Immediate", "Severe", "Observed", headline="Banjir di Bogor",
             description="air naik " * 400, instruction="Segera mengungsi ke tempat tinggi."),
        exercise=False,
    )  # fmt: skip
    assert len(text) <= MAX_ALERT_TEXT
    assert text.startswith("Banjir di Bogor air naik")
    assert text.endswith("Segera mengungsi ke tempat tinggi.")
    assert "…" in text


def test_the_parts_of_a_warning_travel_apart_and_the_screen_can_read_them(schema):
    until = NOW + dt.timedelta(hours=2)
    bmkg = message(schema, cap("P1", [info(
        "Hujan lebat disertai petir", [area("Kota Bogor", circle="-6.5,107.0 200")],
        expires=until, description="Di Bogor Barat,   Bogor Tengah.",
        instruction="Hindari pohon.",
    )], sent=NOW, status="Exercise"))  # fmt: skip
    (group, payload, _lifetime), *_ = plan(bmkg, CapState(), PLACES, NOW, LIFETIME).sends
    alert = parse_alert(payload)
    assert group == "jakarta"
    assert alert.headline == "Hujan lebat disertai petir"
    assert alert.description == "Di Bogor Barat, Bogor Tengah."
    assert alert.instruction == "Hindari pohon."
    assert (alert.sender, alert.area, alert.status) == ("BMKG", "Kota Bogor", "exercise")
    assert alert.valid_until == until
    assert alert.text.startswith("LATIHAN / EXERCISE: Hujan lebat")  # older players
    # Without an expiry of its own, the warning names no validity on screen.
    plain = message(schema, cap("P2", [info("Hujan", [area("Kota Bandung")])], sent=NOW))
    assert (
        parse_alert(plan(plain, CapState(), PLACES, NOW, LIFETIME).sends[0][1]).valid_until is None
    )
