"""CAP 1.2 files and a BMKG-shaped RSS index, written the way BMKG's nowcast publishes them."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

SENDER = "bmkg@bmkg.go.id"
# Bogor, Jakarta and Bandung as lat,lon (what central.yaml and CAP both write).
BOGOR = (-6.595, 106.816)
JAKARTA = (-6.2, 106.85)
BANDUNG = (-6.917, 107.619)


def stamp(moment: dt.datetime) -> str:
    """CAP's dateTime: an explicit offset, no "Z" (the schema forbids it)."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")


def square(lat: float, lon: float, half: float = 0.1) -> str:
    """A CAP polygon around (lat, lon): 'lat,lon' pairs, the first repeated last."""
    corners = [(lat - half, lon - half), (lat - half, lon + half), (lat + half, lon + half),
               (lat + half, lon - half), (lat - half, lon - half)]  # fmt: skip
    return " ".join(f"{a:.4f},{b:.4f}" for a, b in corners)


def area(desc: str, *, polygon: str | None = None, circle: str | None = None,
         geocodes: tuple[tuple[str, str], ...] = ()) -> str:  # fmt: skip
    parts = [f"<areaDesc>{escape(desc)}</areaDesc>"]
    if polygon:
        parts.append(f"<polygon>{polygon}</polygon>")
    if circle:
        parts.append(f"<circle>{circle}</circle>")
    for name, value in geocodes:
        parts.append(f"<geocode><valueName>{name}</valueName><value>{value}</value></geocode>")
    return "<area>" + "".join(parts) + "</area>"


def info(
    headline: str,
    areas: list[str],
    *,
    language: str = "id-ID",
    expires: dt.datetime | None = None,
    severity: str = "Severe",
    urgency: str = "Immediate",
    certainty: str = "Observed",
    description: str = "",
    instruction: str = "",
) -> str:
    fields = [
        f"<language>{language}</language>",
        "<category>Met</category>",
        "<event>Hujan Lebat</event>",
        f"<urgency>{urgency}</urgency>",
        f"<severity>{severity}</severity>",
        f"<certainty>{certainty}</certainty>",
    ]
    if expires is not None:
        fields.append(f"<expires>{stamp(expires)}</expires>")
    fields.append("<senderName>BMKG</senderName>")
    fields.append(f"<headline>{escape(headline)}</headline>")
    if description:
        fields.append(f"<description>{escape(description)}</description>")
    if instruction:
        fields.append(f"<instruction>{escape(instruction)}</instruction>")
    return "<info>" + "".join(fields) + "".join(areas) + "</info>"


def cap(
    identifier: str,
    infos: list[str],
    *,
    sent: dt.datetime,
    msg_type: str = "Alert",
    status: str = "Actual",
    references: tuple[tuple[str, dt.datetime], ...] = (),
) -> bytes:
    """One CAP 1.2 alert message as bytes."""
    refs = " ".join(f"{SENDER},{ident},{stamp(when)}" for ident, when in references)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>{SENDER}</sender>"
        f"<sent>{stamp(sent)}</sent><status>{status}</status><msgType>{msg_type}</msgType>"
        "<scope>Public</scope>"
        + (f"<references>{refs}</references>" if refs else "")
        + "".join(infos)
        + "</alert>"
    ).encode("utf-8")


def rss(base: str, names: list[str]) -> bytes:
    """BMKG's nowcast index: an RSS 2.0 channel, one item per CAP file."""
    items = "".join(
        f"<item><title>Peringatan {n}</title><link>{base}/{n}</link>"
        f"<author>{SENDER}</author></item>"
        for n in names
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Peringatan Dini Cuaca</title><link>{base}</link>"
        f"<description>Nowcast</description>{items}</channel></rss>"
    ).encode()
