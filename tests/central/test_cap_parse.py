"""CAP 1.2 parsing: schema-valid files read, hostile and invalid ones refused with a reason."""

from __future__ import annotations

import datetime as dt

import pytest

from central.cap.parse import CapError, CapSchema, index_links, parse_cap, safe_root
from tests.central.cap_files import BOGOR, area, cap, info, rss, square

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
LIMIT = 1024 * 1024


@pytest.fixture(scope="module")
def schema() -> CapSchema:
    return CapSchema()


def test_a_bmkg_shaped_alert_is_read_with_both_languages_and_its_areas(schema):
    data = cap(
        "CBT20260301001",
        [
            info("Hujan lebat di Bogor", [area("Kota Bogor", polygon=square(*BOGOR))],
                 expires=NOW + dt.timedelta(hours=2)),
            info("Heavy rain in Bogor", [area("Bogor", circle="-6.595,106.816 10")],
                 language="en"),
        ],
        sent=NOW,
    )  # fmt: skip
    message = parse_cap(data, schema, LIMIT)
    assert message.key == ("bmkg@bmkg.go.id", "CBT20260301001")
    assert (message.status, message.msg_type, message.scope) == ("Actual", "Alert", "Public")
    assert [i.language for i in message.infos] == ["id-ID", "en"]
    first = message.infos[0]
    assert first.expires == NOW + dt.timedelta(hours=2)
    assert first.areas[0].polygons[0][0] == pytest.approx((-6.695, 106.716))
    assert message.infos[1].areas[0].circles == ((-6.595, 106.816, 10.0),)


def test_references_name_the_earlier_messages(schema):
    data = cap("B", [], sent=NOW, msg_type="Cancel", references=(("A", NOW),))
    assert parse_cap(data, schema, LIMIT).references == (("bmkg@bmkg.go.id", "A"),)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BOMB, "declares a DTD"),
        (EXTERNAL, "declares a DTD"),
        (b"<alert", "not well-formed XML"),
        (b"<html/>", "not a CAP 1.2 alert"),
        # the schema: a status CAP does not know, and a missing msgType
        (cap("X", [], sent=NOW, status="Rumor"), "not valid CAP 1.2"),
        (cap("X", [], sent=NOW).replace(b"<msgType>Alert</msgType>", b""), "not valid CAP 1.2"),
        (cap("X", [info("h", [area("a", polygon="1,2 3,4 1,2")])], sent=NOW), "polygon"),
        (cap("X", [info("h", [area("a", polygon="91,2 3,4 5,6 91,2")])], sent=NOW), "globe"),
        (cap("X", [info("h", [area("a", circle="1,2 99999")])], sent=NOW), "radius"),
    ],
)
def test_hostile_or_invalid_files_are_refused_with_a_reason(schema, data, reason):
    with pytest.raises(CapError, match=reason):
        parse_cap(data, schema, LIMIT)


def test_a_file_over_the_cap_is_refused_before_parsing(schema):
    with pytest.raises(CapError, match="over the limit"):
        parse_cap(b" " * (LIMIT + 1), schema, LIMIT)


def test_rss_and_atom_indexes_list_their_cap_files():
    base = "https://example.go.id/alerts/nowcast/id"
    links = index_links(safe_root(rss(base, ["a_alert.xml", "b_alert.xml"])), base + "/rss.xml")
    assert links == [f"{base}/a_alert.xml", f"{base}/b_alert.xml"]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="c.xml"/></entry>'
            b'<entry><link href="file:///etc/passwd"/></entry></feed>')  # fmt: skip
    assert index_links(safe_root(atom), base + "/atom.xml") == [f"{base}/c.xml"]
