"""The partner's PDF report of a campaign (reportlab), in Indonesian or English, with its stamp.

Plays and seconds per screen and day against the goal, where the screens stand, a few of
the screens' own screenshots showing the campaign, and the fingerprint of the plays. The
stamp (campaign, period, zone, fingerprint) also rides in the PDF's Subject, so
`videotron report campaign --verify FILE` can recompute it from the database.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from sqlalchemy import Connection

from central.campaigns.report import CampaignReport
from central.config import CentralConfig
from central.db import campaigns as stored

MAX_SCREENSHOTS = 4
STAMP = re.compile(
    rb"videotron-campaign-report campaign=(\S+) from=(\d{4}-\d\d-\d\d) to=(\d{4}-\d\d-\d\d) "
    rb"tz=(\S+) sha256=([0-9a-f]{64})"
)
FONT_FILES = (  # DejaVu covers every Latin letter a partner's name may have; Debian ships it
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
WORDS = {
    "id": {
        "title": "Laporan Bukti Tayang Kampanye",
        "partner": "Mitra",
        "period": "Periode",
        "zone": "zona waktu",
        "goal": "Target",
        "plays_day": "{n} tayang per layar per hari",
        "share": "{p:.0%} waktu tayang",
        "made": "Dibuat",
        "summary": "Ringkasan",
        "totals": "{delivered} dari {planned} tayang terencana ({share}); {seconds} detik tayang; "
        "{short} hari-layar kurang dari rencana; {cut} tayang terpotong (tidak dihitung).",
        "table": "Tayang per layar per hari",
        "not_published": "belum terbit",
        "cut_short": "{n} terpotong",
        "day": "Hari",
        "screen": "Layar",
        "planned": "Rencana",
        "delivered": "Tayang",
        "seconds": "Detik",
        "note": "Keterangan",
        "offline": "layar offline",
        "display off": "layar mati",
        "alert": "peringatan tayang",
        "unknown": "kurang, sebab tidak diketahui",
        "locations": "Lokasi layar",
        "group": "Grup",
        "place": "Lokasi",
        "not_known": "tidak dicatat",
        "screenshots": "Tangkapan layar",
        "no_screenshots": "Belum ada tangkapan layar kampanye ini.",
        "fingerprint": "Sidik data",
        "fingerprint_text": "SHA-256 dari {n} catatan tayang periode ini (urutan baku): {digest}. "
        "Kantor dapat memeriksa laporan ini dengan "
        "<i>videotron report campaign --verify BERKAS</i>.",
    },
    "en": {
        "title": "Campaign Proof-of-Play Report",
        "partner": "Partner",
        "period": "Period",
        "zone": "time zone",
        "goal": "Goal",
        "plays_day": "{n} plays per screen per day",
        "share": "{p:.0%} of airtime",
        "made": "Made",
        "summary": "Summary",
        "totals": "{delivered} of {planned} planned plays ({share}); {seconds} seconds on screen; "
        "{short} screen-days short of plan; {cut} plays cut short (not counted).",
        "table": "Plays per screen and day",
        "not_published": "not yet published",
        "cut_short": "{n} cut short",
        "day": "Day",
        "screen": "Screen",
        "planned": "Planned",
        "delivered": "Played",
        "seconds": "Seconds",
        "note": "Note",
        "offline": "screen offline",
        "display off": "display off",
        "alert": "alert on screen",
        "unknown": "short, cause unknown",
        "locations": "Screen locations",
        "group": "Group",
        "place": "Location",
        "not_known": "not recorded",
        "screenshots": "Screenshots",
        "no_screenshots": "No screenshot of this campaign yet.",
        "fingerprint": "Fingerprint",
        "fingerprint_text": "SHA-256 of the period's {n} play records (canonical order): {digest}. "
        "The office checks this report with "
        "<i>videotron report campaign --verify FILE</i>.",
    },
}


@dataclass(frozen=True)
class Stamp:
    """What a report says it covers, and the fingerprint it printed."""

    campaign: str
    first: dt.date
    last: dt.date
    zone: str
    fingerprint: str


def stamp_text(report: CampaignReport) -> str:
    return (
        f"videotron-campaign-report campaign={quote(report.campaign.id, safe='')} "
        f"from={report.first} to={report.last} tz={report.zone} sha256={report.fingerprint}"
    )


def read_stamp(data: bytes) -> Stamp:
    """The stamp of a report PDF; ValueError when it carries none."""
    found = STAMP.search(data)
    if found is None:
        raise ValueError("not a campaign report of this office (no stamp in its Subject)")
    campaign, first, last, zone, digest = (part.decode("ascii") for part in found.groups())
    return Stamp(
        unquote(campaign), dt.date.fromisoformat(first), dt.date.fromisoformat(last), zone, digest
    )


def screenshots(connection: Connection, report: CampaignReport) -> list[dict]:
    """The newest screenshots the collector keeps that show the campaign's items during the
    report's period (one taken after it is no evidence of it)."""
    items = {item.id for item in report.campaign.items}
    players = [t.player for t in report.screens]
    start, end = report.utc_span()
    return stored.campaign_screenshots(
        connection, items, players, MAX_SCREENSHOTS, start=start, end=end
    )


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if all(path.is_file() for path in FONT_FILES):
        for name, path in zip(("DejaVuSans", "DejaVuSans-Bold"), FONT_FILES, strict=True):
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(  # so <b> and <i> in a paragraph find a face
            "DejaVuSans",
            normal="DejaVuSans",
            bold="DejaVuSans-Bold",
            italic="DejaVuSans",
            boldItalic="DejaVuSans-Bold",
        )
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"  # Latin-1 only, but always there


def _whole(value: float, lang: str) -> str:
    """A whole number with thousands grouped as the reader writes them: 1.080 or 1,080."""
    text = f"{value:,.0f}"
    return text.replace(",", ".") if lang == "id" else text


def _percent(share: float, lang: str) -> str:
    text = f"{share:.1%}"
    return text.replace(".", ",") if lang == "id" else text


def _note(day, words: dict) -> str:
    """A screen-day's note: not yet published, why it fell short, and plays cut short."""
    if not day.published:
        return words["not_published"]
    notes = [words[day.cause] if day.cause else words["unknown"]] if day.short else []
    if day.cut_short:
        notes.append(words["cut_short"].format(n=day.cut_short))
    return "; ".join(notes)


def render(report: CampaignReport, config: CentralConfig, shots: list[dict], lang: str) -> bytes:
    """The report as PDF bytes (A4), in `lang` ("id" or "en")."""
    from zoneinfo import ZoneInfo

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    words = WORDS[lang]
    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if style.name.startswith(("Heading", "Title")) else regular
    body, heading = styles["BodyText"], styles["Heading2"]
    tz = ZoneInfo(report.zone)
    campaign = report.campaign
    goal = (
        words["plays_day"].format(n=campaign.goal.plays_per_day)
        if campaign.goal.plays_per_day is not None
        else words["share"].format(p=campaign.goal.share)
    )
    planned = sum(d.planned for d in report.days)
    delivered = sum(d.delivered for d in report.days)
    story = [
        Paragraph(escape(words["title"]), styles["Title"]),
        Paragraph(
            f"<b>{escape(campaign.id)}</b> &middot; {words['partner']}: {escape(campaign.partner)}",
            body,
        ),
        Paragraph(
            f"{words['period']}: {report.first} &ndash; {report.last} "
            f"({words['zone']} {escape(report.zone)}) &middot; {words['goal']}: {goal}",
            body,
        ),
        Paragraph(f"{words['made']}: {report.made_at.astimezone(tz):%Y-%m-%d %H:%M %Z}", body),
        Paragraph(escape(words["summary"]), heading),
        Paragraph(
            words["totals"].format(
                delivered=delivered,
                planned=planned,
                share=_percent(delivered / planned, lang) if planned else "-",
                seconds=_whole(sum(d.seconds for d in report.days), lang),
                short=sum(1 for d in report.days if d.short),
                cut=sum(d.cut_short for d in report.days),
            ),
            body,
        ),
        Paragraph(escape(words["table"]), heading),
    ]
    head = [words[k] for k in ("day", "screen", "planned", "delivered", "seconds", "note")]
    rows = [head] + [
        [
            d.day.isoformat(),
            d.player,
            str(d.planned),
            str(d.delivered),
            _whole(d.seconds, lang),
            _note(d, words),
        ]
        for d in report.days
    ]
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 8),
                ("FONT", (0, 0), (-1, 0), bold, 8),
                ("ALIGN", (2, 0), (4, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f0f0f0")]),
                *[
                    ("TEXTCOLOR", (5, n), (5, n), colors.HexColor("#b00000"))
                    for n, d in enumerate(report.days, start=1)
                    if d.short
                ],
            ]
        )
    )
    story += [table, Paragraph(escape(words["locations"]), heading)]
    places = [[words["group"], words["screen"], words["place"]]]
    for target in report.screens:
        place = config.cap.groups.get(target.group)
        where = []
        if place is not None and place.point is not None:
            where.append(f"{place.point[0]:.5f}, {place.point[1]:.5f}")
        if place is not None and place.names:
            where.append(", ".join(place.names))
        places.append([target.group, target.player, "; ".join(where) or words["not_known"]])
    located = Table(places, hAlign="LEFT")
    located.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), regular, 8), ("FONT", (0, 0), (-1, 0), bold, 8)])
    )
    story += [located, Paragraph(escape(words["screenshots"]), heading)]
    if not shots:
        story.append(Paragraph(escape(words["no_screenshots"]), body))
    for shot in shots:
        taken = shot["taken_at"].replace(tzinfo=dt.UTC).astimezone(tz)
        image = Image(io.BytesIO(shot["jpeg"]))
        scale = min(80 * mm / image.imageWidth, 45 * mm / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        image.hAlign = "LEFT"
        caption = f"{shot['player']} &middot; {taken:%Y-%m-%d %H:%M:%S %Z} &middot; " + escape(
            shot["item"] or ""
        )
        story += [image, Paragraph(caption, body), Spacer(1, 3 * mm)]
    story += [
        Paragraph(escape(words["fingerprint"]), heading),
        Paragraph(
            words["fingerprint_text"].format(
                n=len(report.plays), digest=f"<b>{report.fingerprint}</b>"
            ),
            body,
        ),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{words['title']}: {campaign.id}",
        author=campaign.partner,
        subject=stamp_text(report),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(story)
    return out.getvalue()
