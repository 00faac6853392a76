"""The `weather:` section of central.yaml: BMKG's address, limits, and each group's village."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from central.weather.bmkg import ADM4, DEFAULT_URL
from player.wire.located import Context, Invalid, Located, shown
from player.wire.settings import Setting, integer, scalar_text, whole_seconds

BMKG_LIMIT = 60  # requests a minute per address, BMKG's published limit


@dataclass(frozen=True)
class WeatherSettings:
    url: str = DEFAULT_URL
    groups: Mapping[str, str] = field(default_factory=dict)  # group -> BMKG adm4 code
    deadline: int = 20  # seconds one whole answer may take
    max_bytes: int = 1024 * 1024  # one answer; three days for a village are about 30 kB
    requests_per_minute: int = 30  # half of BMKG's limit: other office tools share the address


def forecast_base_url(v: Located, ctx: Context) -> str:
    url = scalar_text(v, "an http(s) URL").strip()
    if not url.startswith(("http://", "https://")) or "?" in url:
        raise Invalid(f"expected an http(s) URL without a query, got {url!r}")
    return url


def village_codes(v: Located, ctx: Context) -> dict[str, str]:
    """`GROUP: ADM4` per group: BMKG's village code (Kemendagri's), e.g. 31.71.03.1001."""
    if not isinstance(v.value, dict):
        raise Invalid(f"expected a mapping of group: village code, got {shown(v)}")
    found, errors = {}, []
    for name, code in v.value.items():
        if not name or any(ch in name for ch in "+#/ "):
            errors.append(Invalid(f"{name!r} is not a group name", code.key_position()))
            continue
        text = scalar_text(code, "a village code").strip()
        if not ADM4.fullmatch(text):
            message = (
                f"expected a village code (adm4) such as 31.71.03.1001, got {text!r}; "
                "look it up in Kemendagri's area codes"
            )
            errors.append(Invalid(message, code, name))
            continue
        found[name] = text
    if errors:
        raise Invalid.joined(errors)
    return found


WEATHER_SETTINGS: tuple[Setting, ...] = (
    Setting("weather.url", forecast_base_url, DEFAULT_URL,
            "BMKG's forecast address; ?adm4=CODE is added"),
    Setting("weather.groups", village_codes, {}, "each group's village code (adm4) at BMKG"),
    Setting("weather.deadline", whole_seconds(1, 120), 20,
            "seconds one whole answer may take"),
    Setting("weather.max_bytes", integer(4096, 16 * 1024 * 1024), 1024 * 1024,
            "bytes one answer may have"),
    Setting("weather.requests_per_minute", integer(1, BMKG_LIMIT), 30,
            f"requests a minute to BMKG (its limit is {BMKG_LIMIT} per address)"),
)  # fmt: skip


def weather_settings(values: Mapping[str, Any]) -> WeatherSettings:
    """WeatherSettings from the checked `weather.*` values of central.yaml."""
    given = {p.removeprefix("weather."): v for p, v in values.items() if p.startswith("weather.")}
    return WeatherSettings(**given)
