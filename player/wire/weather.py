"""The weather document the office publishes beside the manifest: a forecast's shape and bounds.

The office turns BMKG's answer (central/weather/bmkg.py) into this small document, stores
it as `media/<sha256>` (type "data") and names it in the manifest's `localinfo.weather`,
so it is exactly as signed as the manifest. The player reads only this shape, never
BMKG's, and refuses a document beyond its bounds as it refuses a bad manifest.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass

from player.wire import fields
from player.wire.isotime import format_utc, parse_utc
from player.wire.manifest import ManifestError, to_json

FORMAT_VERSION = 1
MAX_WEATHER_BYTES = 256 * 1024  # BMKG's three days for one village are about 20 kB here
MAX_PERIODS = 64  # 3-hourly for 3 days is 24; room for a longer forecast
MAX_WORDS = 64  # characters of a description, area name or wind direction
MIN_TEMPERATURE, MAX_TEMPERATURE = -30, 60  # degrees Celsius; Puncak Jaya to a hot street
MAX_WIND = 400.0  # km/h


@dataclass(frozen=True)
class Period:
    """The forecast for the three hours starting at `at`."""

    at: dt.datetime  # aware, UTC
    temperature: int  # degrees Celsius
    humidity: int  # percent
    code: int  # BMKG's weather code (0 clear, 3 cloudy, 60 light rain, 95 thunderstorm...)
    text: str  # BMKG's Indonesian words: "Berawan", "Hujan Ringan"
    text_en: str
    wind_kmh: float
    wind_from: str  # "SE", as BMKG writes it


@dataclass(frozen=True)
class Forecast:
    """One area's forecast as the office fetched it."""

    adm4: str  # BMKG's village code, e.g. "31.71.03.1001"
    area: str  # "Kemayoran, Kota Adm. Jakarta Pusat"
    issued_at: dt.datetime  # BMKG's analysis time (aware, UTC): how old the forecast is
    fetched_at: dt.datetime  # when the office fetched it
    periods: tuple[Period, ...]  # in time order
    source: str = "BMKG"  # shown on screen: attribution is a condition of BMKG's data


def forecast_json(forecast: Forecast) -> bytes:
    """The document's canonical bytes (what the manifest's sha256 names)."""
    return to_json(
        {
            "version": FORMAT_VERSION,
            "source": forecast.source,
            "adm4": forecast.adm4,
            "area": forecast.area,
            "issued_at": format_utc(forecast.issued_at),
            "fetched_at": format_utc(forecast.fetched_at),
            "periods": [
                {
                    "at": format_utc(p.at),
                    "t": p.temperature,
                    "hu": p.humidity,
                    "code": p.code,
                    "text": p.text,
                    "text_en": p.text_en,
                    "ws": p.wind_kmh,
                    "wd": p.wind_from,
                }
                for p in forecast.periods
            ],
        }
    )


def _time(value: object, path: str) -> dt.datetime:
    try:
        return parse_utc(value, path)
    except ValueError as exc:
        raise ManifestError(str(exc), path) from None


def _period(raw: object, path: str) -> Period:
    get = fields.obj(raw, path).get
    return Period(
        at=_time(get("at"), f"{path}.at"),
        temperature=fields.integer(get("t"), f"{path}.t", MIN_TEMPERATURE, MAX_TEMPERATURE),
        humidity=fields.integer(get("hu"), f"{path}.hu", 0, 100),
        code=fields.integer(get("code"), f"{path}.code", 0, 999),
        text=fields.string(get("text"), f"{path}.text", MAX_WORDS),
        text_en=_optional_words(get("text_en"), f"{path}.text_en"),
        wind_kmh=_wind(get("ws"), f"{path}.ws"),
        wind_from=_optional_words(get("wd"), f"{path}.wd"),
    )


def _optional_words(value: object, path: str) -> str:
    return "" if value in (None, "") else fields.string(value, path, MAX_WORDS)


def _wind(value: object, path: str) -> float:
    if value in (None, 0, 0.0):  # calm: BMKG writes 0
        return 0.0
    return fields.positive(value, path, MAX_WIND)


def parse_forecast(data: bytes) -> Forecast:
    """A weather document's bytes as a `Forecast`; ManifestError names what is wrong."""
    if len(data) > MAX_WEATHER_BYTES:
        raise ManifestError(f"{len(data)} bytes, over the limit of {MAX_WEATHER_BYTES}", "weather")
    try:
        raw = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ManifestError(f"not UTF-8 JSON ({exc})", "weather") from None
    get = fields.obj(raw, "weather").get
    if get("version") != FORMAT_VERSION:
        raise ManifestError(
            f"version {fields.show(get('version'))}; this player reads {FORMAT_VERSION}",
            "weather.version",
        )
    entries = fields.list_of(get("periods"), "weather.periods", MAX_PERIODS)
    periods = tuple(_period(e, f"weather.periods[{i}]") for i, e in enumerate(entries))
    if any(b.at <= a.at for a, b in itertools.pairwise(periods)):
        raise ManifestError("must be in time order, each once", "weather.periods")
    return Forecast(
        adm4=fields.string(get("adm4"), "weather.adm4", MAX_WORDS),
        area=fields.string(get("area"), "weather.area", MAX_WORDS * 2),
        issued_at=_time(get("issued_at"), "weather.issued_at"),
        fetched_at=_time(get("fetched_at"), "weather.fetched_at"),
        periods=periods,
        source=fields.string(get("source"), "weather.source", MAX_WORDS),
    )
