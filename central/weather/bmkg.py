"""BMKG's public forecast answer ("prakiraan cuaca" by village code, adm4) into a `Forecast`.

BMKG publishes, per village (`?adm4=31.71.03.1001`), three days in 3-hour steps:

    {"lokasi": {"adm4": "31.71.03.1001", "desa": "...", "kecamatan": "...", "kotkab": "...",
                "provinsi": "...", "lat": -6.16, "lon": 106.84, "timezone": "Asia/Jakarta"},
     "data": [{"lokasi": {...}, "cuaca": [[{"utc_datetime": "2026-12-07 00:00:00",
        "local_datetime": "2026-12-07 07:00:00", "t": 26, "hu": 84, "weather": 3,
        "weather_desc": "Berawan", "weather_desc_en": "Mostly Cloudy", "ws": 7.2, "wd": "SE",
        "tcc": 75, "tp": 0, "vs_text": "> 10 km", "analysis_date": "2026-12-07T00:00:00"},
        ...], [...], [...]]}]}

(`cuaca` is a list per day.) The answer is foreign input: a period with a value out of
the wire's bounds is left out, an answer with no usable period or for another village is
refused. Pure: bytes and times in, a `Forecast` out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode

from player.wire.manifest import ManifestError
from player.wire.weather import (
    MAX_PERIODS,
    MAX_TEMPERATURE,
    MAX_WIND,
    MAX_WORDS,
    MIN_TEMPERATURE,
    Forecast,
    Period,
    forecast_json,
    parse_forecast,
)

DEFAULT_URL = "https://api.bmkg.go.id/publik/prakiraan-cuaca"
ADM4 = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")  # province.regency.district.village


class BmkgError(ValueError):
    """An answer that is not a usable BMKG forecast; the message says what was wrong."""


def forecast_url(base: str, adm4: str) -> str:
    """The forecast's address for one village code."""
    return f"{base}?{urlencode({'adm4': adm4})}"


# How BMKG writes its times, all in UTC: utc_datetime, datetime and analysis_date.
BMKG_TIMES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S")


def _utc(text: object) -> dt.datetime | None:
    """One of BMKG's UTC times ("2026-12-07 00:00:00") as an aware time, else None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    for form in BMKG_TIMES:
        try:
            return dt.datetime.strptime(text, form).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def _words(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value if 0 < len(value) <= MAX_WORDS else None


def _number(value: object, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def _period(entry: object) -> Period | None:
    """One 3-hour entry, or None when any value the screen shows is missing or absurd."""
    if not isinstance(entry, dict):
        return None
    at = _utc(entry.get("utc_datetime")) or _utc(entry.get("datetime"))
    temperature = _number(entry.get("t"), MIN_TEMPERATURE, MAX_TEMPERATURE)
    humidity = _number(entry.get("hu"), 0, 100)
    code = _number(entry.get("weather"), 0, 999)
    text = _words(entry.get("weather_desc"))
    wind = _number(entry.get("ws", 0), 0, MAX_WIND)
    if None in (at, temperature, humidity, code, text, wind):
        return None
    return Period(
        at=at,
        temperature=round(temperature),
        humidity=round(humidity),
        code=int(code),
        text=text,
        text_en=_words(entry.get("weather_desc_en")) or "",
        wind_kmh=round(wind, 1),
        wind_from=_words(entry.get("wd")) or "",
    )


def parse_bmkg(body: bytes, adm4: str, fetched_at: dt.datetime) -> Forecast:
    """BMKG's answer for village `adm4` as a `Forecast`; BmkgError when it is not usable."""
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BmkgError(f"not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list) or not raw["data"]:
        raise BmkgError("no `data` list: not a BMKG forecast answer")
    place = raw.get("lokasi") if isinstance(raw.get("lokasi"), dict) else {}
    if place.get("adm4") not in (None, adm4):
        raise BmkgError(f"the answer is for village {place.get('adm4')!r}, not {adm4!r}")
    block = raw["data"][0] if isinstance(raw["data"][0], dict) else {}
    days = block.get("cuaca") if isinstance(block.get("cuaca"), list) else []
    # A list per day, as BMKG sends it; a flat list is read too.
    entries = [e for day in days for e in (day if isinstance(day, list) else [day])]
    periods: dict[dt.datetime, Period] = {}
    issued: list[dt.datetime] = []
    for entry in entries[: MAX_PERIODS * 4]:
        period = _period(entry)
        if period is not None:
            periods.setdefault(period.at, period)
        analysed = _utc(entry.get("analysis_date")) if isinstance(entry, dict) else None
        if analysed is not None:
            issued.append(analysed)
    if not periods:
        raise BmkgError(f"no usable forecast period among {len(entries)} entries")
    names = [_words(place.get(key)) for key in ("desa", "kecamatan", "kotkab")]
    area = ", ".join(name for name in names if name) or adm4
    # BMKG's analysis time is when the forecast was made: it ages from there. Without one,
    # from the fetch (never later than it: a forecast is not made in the future).
    issued_at = min(max(issued), fetched_at) if issued else fetched_at
    forecast = Forecast(
        adm4=adm4,
        area=area[: MAX_WORDS * 2],
        issued_at=issued_at,
        fetched_at=fetched_at,
        periods=tuple(periods[at] for at in sorted(periods)[:MAX_PERIODS]),
    )
    try:  # what the screens will read back: any bound missed above is found here
        return parse_forecast(forecast_json(forecast))
    except ManifestError as exc:
        raise BmkgError(f"the forecast does not fit the wire format: {exc}") from None
