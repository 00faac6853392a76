"""The content page's schedule preview worded in the reader's language."""

from __future__ import annotations

import datetime as dt

from central.console.i18n import translate
from player.wire.manifest import Rules

# Monday first, as Rules.days counts them.
WEEKDAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MAX_NAMED_ITEMS = 6


def weekday(language: str, day: int) -> str:
    return WEEKDAYS.get(language, WEEKDAYS["id"])[day]


def moment(language: str, value: dt.datetime, *, date: bool = True) -> str:
    """'Jum 2024-05-03 18:50:00', or the time alone."""
    if not date:
        return f"{value:%H:%M:%S}"
    return f"{weekday(language, value.weekday())} {value:%Y-%m-%d %H:%M:%S}"


def length(language: str, seconds: float) -> str:
    """'6 jam 00 mnt', '45 dtk' — as long as the row lasts."""
    t = lambda key: translate(language, key)  # noqa: E731
    whole = round(seconds)
    if whole < 60:
        return f"{round(seconds, 1):g} {t('unit_s')}"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} {t('unit_h')} {minutes:02d} {t('unit_min')}"
    return f"{minutes} {t('unit_min')} {secs:02d} {t('unit_s')}"


def days_text(language: str, days) -> str:
    """{0,1,2,3,4} -> 'Sen-Jum'; {0,2} -> 'Sen, Rab'."""
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{weekday(language, run[0])}-{weekday(language, run[-1])}")
        else:
            parts.extend(weekday(language, d) for d in run)
    return ", ".join(parts)


def rules_text(language: str, rules: Rules | None) -> str:
    """When a playlist may play, in words ('' when it may always play)."""
    if rules is None:
        return ""
    t = lambda key: translate(language, key)  # noqa: E731
    parts = []
    if rules.windows:
        hours = ", ".join(f"{w.start:%H:%M}-{w.end:%H:%M}" for w in rules.windows)
        parts.append(f"{t('rule_hours')} {hours}")
    if rules.days is not None:
        parts.append(days_text(language, rules.days))
    if rules.valid_from is not None:
        parts.append(f"{t('rule_from')} {rules.valid_from:%Y-%m-%d %H:%M}")
    if rules.valid_until is not None:
        parts.append(f"{t('rule_until')} {rules.valid_until:%Y-%m-%d %H:%M}")
    return ", ".join(parts)


def what_text(language: str, row: dict) -> str:
    """'10800 tayangan: psa-green, psa-blue', an alert's name, or '-'."""
    if row["items"]:
        named = ", ".join(row["items"][:MAX_NAMED_ITEMS])
        more = len(row["items"]) - MAX_NAMED_ITEMS
        if more > 0:
            named += f", … (+{more})"
        plays = translate(language, "play_one" if row["plays"] == 1 else "play_many")
        return f"{row['plays']} {plays}: {named}"
    if row["alert"] is not None:
        return f"{row['alert']['id']} ({translate(language, 'level_' + row['alert']['level'])})"
    return "-"


def why_text(language: str, row: dict) -> str:
    """Which rule put the row there: the playlist's priority and when it may play."""
    t = lambda key: translate(language, key)  # noqa: E731
    if row["kind"] == "alert":
        return t("why_alert")
    if row["kind"] == "off":
        return t("why_off")
    if row["kind"] == "idle":
        return t("why_idle")
    parts = [f"{t('priority')} {row['priority']}"]
    if row["default"]:
        parts.append(t("why_default"))
    rules = rules_text(language, row["rules"])
    if rules:
        parts.append(rules)
    return ", ".join(parts)


def preview_rows(language: str, rows: list[dict]) -> list[dict]:
    """Each preview row as the table's cells: start, end, kind, playlist, what, length, why."""
    out = []
    for row in rows:
        start, end = row["start"], row["end"]
        out.append(
            {
                "start": moment(language, start),
                "end": moment(language, end, date=end.date() != start.date()),
                "kind": translate(language, "kind_" + row["kind"]),
                "playlist": row["playlist"] or "-",
                "what": what_text(language, row),
                "length": length(language, row["seconds"]),
                "why": why_text(language, row),
            }
        )
    return out
