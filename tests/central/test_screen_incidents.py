"""The screen watch's rules and incidents: told once, grouped, recovered, kept; pure, then
one look at status messages stored in SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from central.config import load_central_config
from central.db import incidents as kept
from central.db.alerts import record_alert
from central.db.incidents import Incident
from central.db.store import Recorder, Report
from central.notifications.delivery import Notifier
from central.notifications.events import (
    SCREEN_ALERT_MISSED,
    SCREEN_BEHIND,
    SCREEN_DISK_FULL,
    SCREEN_HOT,
    SCREEN_KINDS,
    SCREEN_OFFLINE,
    SCREEN_SD_FAILING,
    SCREEN_UNDER_VOLTAGE,
    WORDS,
    render,
)
from central.notifications.incidents import BACK, DOWN, Step, step
from central.notifications.screenrules import (
    conditions,
    disk_nearly_full,
    hold,
    sd_read_only,
    too_hot,
    under_voltage,
)
from central.notifications.settings import NotificationSettings, ScreenRules
from central.notifications.watch import ScreenWatch, event_of

T0 = dt.datetime(2026, 12, 7, 1, 0, 0)
RULES = ScreenRules()  # the defaults: 2 minutes offline, 30 s window
S = dt.timedelta(seconds=1)


def screen(player, state="online", since=T0, behind=False, group="kota"):
    return {
        "player": player, "group": group, "state": state, "state_since": since,
        "last_seen": since, "offline_reason": None if state == "online" else "connection lost",
        "behind": behind, "manifest_sequence": 4, "latest_sequence": 5,
    }  # fmt: skip


class Watch:
    """What the database would keep between looks, applied as the watch applies it."""

    def __init__(self, rules: ScreenRules = RULES) -> None:
        self.rules, self.kept, self.next_id = rules, [], 1

    def look(self, now, fleet, health=None, alerts=()) -> Step:
        hot = frozenset(i.subject for i in self.kept if i.kind == SCREEN_HOT and not i.ended_at)
        found, unknown = conditions(fleet, health or {}, alerts, self.rules, hot_now=hot)
        result = step(self.kept, found, now, hold=hold(self.rules), window=self.rules.window,
                      unknown=unknown)  # fmt: skip
        told = {id(i) for i in result.told()}
        ended = {i.id: i for i in result.ended}
        back = {i.id for i in result.told_end()}
        kept = []
        for incident in self.kept:
            fields = dict(incident.__dict__)
            if incident.id in ended:
                fields["ended_at"] = now
            if id(incident) in told:
                fields["told_at"] = now
            if incident.id in back:
                continue  # told its end: no longer pending
            if fields["ended_at"] is not None and fields["told_at"] is None:
                continue  # ended untold: never pending again
            kept.append(Incident(**fields))
        for incident in result.found:
            fields = {**incident.__dict__, "id": self.next_id}
            self.next_id += 1
            if id(incident) in told:
                fields["told_at"] = now
            kept.append(Incident(**fields))
        self.kept = kept
        return result


def test_a_screen_offline_is_told_after_two_minutes_once_and_back_once():
    watch = Watch()
    down = [screen("p1", "offline", since=T0)]
    assert watch.look(T0 + 119 * S, down).notices == []
    told = watch.look(T0 + 120 * S, down).notices
    assert [(n.kind, n.outcome, [i.subject for i in n.incidents]) for n in told] == [
        (SCREEN_OFFLINE, DOWN, ["p1"])
    ]
    assert watch.look(T0 + 10 * 60 * S, down).notices == []  # not again
    up = [screen("p1", since=T0 + 11 * 60 * S)]
    assert watch.look(T0 + 11 * 60 * S, up).notices == []  # the window: others may follow
    back = watch.look(T0 + 11 * 60 * S + RULES.window, up).notices
    assert [(n.kind, n.outcome) for n in back] == [(SCREEN_OFFLINE, BACK)]
    assert watch.look(T0 + 20 * 60 * S, up).notices == [] and watch.kept == []


def test_fifty_screens_down_together_are_one_message_and_back_together_one_more():
    watch = Watch()
    # A district's power cut: the last wills arrive over twenty seconds.
    down = [screen(f"p{n:02}", "offline", since=T0 + (n % 21) * S) for n in range(50)]
    down.append(screen("other-group", "offline", since=T0, group="kabupaten"))
    notices = watch.look(T0 + 2 * 60 * S, down).notices
    assert sorted((n.group, len(n.incidents)) for n in notices) == [("kabupaten", 1), ("kota", 50)]
    event = event_of(next(n for n in notices if n.group == "kota"), T0, ZoneInfo("Asia/Jakarta"))
    title, body = render(event, "id")
    assert title == "Layar mati: 50 layar grup kota"
    assert "sejak 2026-12-07 08:00 WIB" in body and "(+30)" in body
    up = [screen(f"p{n:02}", since=T0 + 600 * S + n * S) for n in range(50)] + down[-1:]
    assert watch.look(T0 + 600 * S, up).notices == []
    back = watch.look(T0 + 700 * S, up).notices
    assert [(n.group, n.outcome, len(n.incidents)) for n in back] == [("kota", BACK, 50)]


def test_a_screen_back_before_it_was_told_is_never_told():
    watch = Watch()
    watch.look(T0 + 60 * S, [screen("p1", "offline", since=T0)])
    assert watch.look(T0 + 90 * S, [screen("p1")]).notices == []
    assert watch.look(T0 + 10 * 60 * S, [screen("p1")]).notices == []
    assert watch.kept == []


def test_kept_incidents_are_not_told_again_after_a_restart():
    watch = Watch()
    down = [screen("p1", "offline", since=T0)]
    assert len(watch.look(T0 + 3 * 60 * S, down).notices) == 1
    restarted = Watch()
    restarted.kept = list(watch.kept)  # what the database kept; nothing in memory
    assert restarted.look(T0 + 4 * 60 * S, down).notices == []


def test_behind_the_latest_publish_is_told_after_behind_after():
    watch = Watch()
    behind = [screen("p1", behind=True)]
    assert watch.look(T0, behind).notices == []
    assert watch.look(T0 + RULES.behind_after - S, behind).notices == []
    assert [n.kind for n in watch.look(T0 + RULES.behind_after, behind).notices] == [SCREEN_BEHIND]


def test_health_rules_read_a_plain_mapping():
    assert too_hot({"temp_c": 82.7, "throttled": True}) == {"detail": "82.7 °C throttled"}
    assert too_hot({"temp_c": 79.9}) is None
    assert too_hot({"temp_c": 76.0}, already=True) is not None  # hysteresis: still hot
    assert too_hot({"temp_c": 74.9}, already=True) is None
    assert too_hot({"temp_c": "hot"}) is None and too_hot({}) is None
    assert under_voltage({"under_voltage": True}) and not under_voltage({"under_voltage": False})
    assert disk_nearly_full({"disk_free_bytes": 1e9, "disk_total_bytes": 32e9})
    assert not disk_nearly_full({"disk_free_bytes": 8e9, "disk_total_bytes": 32e9})
    assert not disk_nearly_full({"disk_free_bytes": 1e9, "disk_total_bytes": 0})
    assert sd_read_only({"sd_read_only": True}) and not sd_read_only({})


def test_health_is_told_at_once_and_kept_while_the_screen_is_offline():
    watch = Watch()
    health = {"p1": {"temp_c": 85.0, "under_voltage": True, "disk_free_bytes": 1,
                     "disk_total_bytes": 100, "sd_read_only": True}}  # fmt: skip
    kinds = {n.kind for n in watch.look(T0, [screen("p1")], health).notices}
    assert kinds == {SCREEN_HOT, SCREEN_UNDER_VOLTAGE, SCREEN_DISK_FULL, SCREEN_SD_FAILING}
    # Offline: its temperature is unknown, not normal; only "offline" begins.
    watch.look(T0 + 60 * S, [screen("p1", "offline", since=T0 + 60 * S)], {})
    assert {i.kind for i in watch.kept if i.ended_at is None} == kinds | {SCREEN_OFFLINE}
    cooler = {"p1": {"temp_c": 78.0}}  # under the limit, within the hysteresis: still hot
    watch.look(T0 + 5 * 60 * S, [screen("p1")], cooler)
    later = watch.look(T0 + 10 * 60 * S, [screen("p1")], cooler).notices
    # Offline was never told (no look while it was two minutes old): no "back" for it.
    assert {n.kind for n in later} == {SCREEN_UNDER_VOLTAGE, SCREEN_DISK_FULL, SCREEN_SD_FAILING}
    assert all(n.outcome == BACK for n in later)


def test_an_alert_missing_on_some_screens_of_its_group_is_told():
    watch = Watch()
    alert = {"id": "banjir-1", "group": "kota", "in_force": True, "headline": "Banjir",
             "not_showing": ["p2"], "sent_at": T0}  # fmt: skip
    assert watch.look(T0 + 60 * S, [], alerts=[alert]).notices == []
    notices = watch.look(T0 + 2 * 60 * S, [], alerts=[alert]).notices
    assert [(n.kind, n.incidents[0].facts["detail"]) for n in notices] == [
        (SCREEN_ALERT_MISSED, "p2")
    ]
    shown = {**alert, "not_showing": []}
    watch.look(T0 + 3 * 60 * S, [], alerts=[shown])
    assert [n.outcome for n in watch.look(T0 + 4 * 60 * S, [], alerts=[shown]).notices] == [BACK]


def test_every_screen_kind_has_words_in_both_languages():

    for kind in SCREEN_KINDS:
        for outcome in (DOWN, BACK):
            assert f"{kind}/{outcome}" in WORDS


def test_central_yaml_sets_the_thresholds_and_leaves_the_rest_at_their_defaults(tmp_path):

    path = tmp_path / "central.yaml"
    path.write_text("notifications:\n  offline_after: 5m\n", encoding="utf-8")
    rules = load_central_config(path).notifications.screens
    assert rules.offline_after == dt.timedelta(minutes=5)
    assert rules.behind_after == RULES.behind_after and rules.window == RULES.window
    assert load_central_config(tmp_path / "central.yaml").notifications.targets == ()


def test_incidents_are_kept_and_read_back_on_both_databases(engine):

    found = Incident(SCREEN_OFFLINE, "p1", "kota", T0, {"detail": "connection lost"})
    hot = Incident(SCREEN_HOT, "p2", "kota", T0, {"detail": "85.0 °C"}, told_at=T0)
    with engine.begin() as connection:
        kept.claim(connection)
        kept.open_incidents(connection, [found, hot])
    with engine.begin() as connection:
        kept.claim(connection)
        offline, too_hot_ = kept.pending(connection)
        assert (offline.subject, offline.facts, offline.told_at) == (
            "p1", {"detail": "connection lost"}, None)  # fmt: skip
        kept.mark_ended(connection, [offline.id, too_hot_.id], T0 + S)
    with engine.begin() as connection:  # the untold one is gone; the told one owes "back"
        assert [i.subject for i in kept.pending(connection)] == ["p2"]
        kept.mark_told_end(connection, [too_hot_.id], T0 + 2 * S)
    with engine.connect() as connection:
        assert kept.pending(connection) == []
        assert len(kept.incident_log(connection)) == 2


def test_screens_quiet_while_the_collector_was_away_are_silent_only_from_its_start():
    watch = Watch()
    quiet = [screen("p1", "not reporting", since=T0)]  # its last message: an hour ago
    started = T0 + 3600 * S
    found, _ = conditions(quiet, {}, (), RULES, listening_since=started)
    assert found[0].since == started
    result = step(watch.kept, found, started + 60 * S, hold=hold(RULES), window=RULES.window)
    assert result.notices == []  # its next heartbeat, queued at the broker, is on its way
    assert conditions(quiet, {}, (), RULES)[0][0].since == T0


def test_a_look_reads_health_and_alerts_from_stored_status_messages(engine):
    def status(player, alert, health):
        return json.dumps({
            "online": True, "player": player, "group": "kota", "version": "1.0",
            "ts": "2026-12-07T01:02:50Z", "alert": alert, "machine": health,
        }).encode()  # fmt: skip

    heard = T0 + 170 * S
    hot = {
        "temp_c": 83.5,
        "throttled": True,
        "under_voltage": False,
        "disk_free_bytes": 10**9,
        "disk_total_bytes": 32 * 10**9,
        "sd_read_only": False,
    }
    fine = {"temp_c": 55.0, "under_voltage": False, "disk_free_bytes": 20 * 10**9,
            "disk_total_bytes": 32 * 10**9, "sd_read_only": False}  # fmt: skip
    with engine.begin() as connection:
        record_alert(connection, actor="ana", source="console", now=T0, payload={
            "type": "alert", "group": "kota", "id": "banjir-1", "text": "Banjir di Ciliwung",
            "level": "warning", "issued_at": "2026-12-07T01:00:00Z",
            "expires_at": "2026-12-07T03:00:00Z"})  # fmt: skip
        Recorder().write(connection, [
            Report("p1", "status", status("p1", "banjir-1", hot), heard),
            Report("p2", "status", status("p2", None, fine), heard),
        ])  # fmt: skip
    notifier = Notifier(NotificationSettings())  # no targets: the events are what we check
    watch = ScreenWatch(engine, notifier, RULES, dict, ZoneInfo("Asia/Jakarta"))
    events = watch.check(T0 + 180 * S)
    told = sorted((e.kind, e.facts["details"]) for e in events)
    assert told == [
        (SCREEN_ALERT_MISSED, "- Banjir di Ciliwung: p2"),
        (SCREEN_DISK_FULL, "- p1: 3% free (1.0 GB)"),
        (SCREEN_HOT, "- p1: 83.5 °C throttled"),
    ]
    assert watch.check(T0 + 190 * S) == []  # once
    notifier.close()
