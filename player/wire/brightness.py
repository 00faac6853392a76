"""The manifest's `brightness` plan on the wire: its shape, bounds and parser, and its JSON.

Declared once here: the publisher checks an authoring file's plan with `brightness_from_raw`
(strict, every problem at once) and the player reads the signed manifest's plan with it.

    "brightness": {
      "steps": [{"at": "05:00", "level": 40}, {"at": "sunrise", "offset": 30, "level": 100},
                {"at": "sunset", "offset": -15, "level": 70}, {"at": "22:00", "level": 30}],
      "sensor": {"dark_lux": 5, "bright_lux": 20000, "dark_level": 20, "bright_level": 100},
      "screens": {"jkt-monas-01": {"steps": [{"at": "00:00", "level": 50}]}}
    }

A step holds from its moment of the local day until the next step; before the day's first
step the previous day's last one holds. `screens` gives single screens of the group a plan
of their own (a wall facing a toll road, one beside a hospital).
"""

from __future__ import annotations

from player.wire import fields
from player.wire.manifest import (
    MAX_NAME,
    Brightness,
    BrightnessPlan,
    BrightnessStep,
    ManifestError,
    ManifestProblems,
    SensorCurve,
)

SUN_EVENTS = ("sunrise", "sunset")
MAX_STEPS = 48  # one a half hour, and more than any real plan needs
MAX_SUN_OFFSET = 240  # minutes before or after sunrise or sunset
MAX_SCREENS = 1_000  # screens with a plan of their own, per group
MAX_LUX = 200_000.0  # direct tropical sun is about 120,000 lux
PLAN_KEYS = ("steps", "sensor")
STEP_KEYS = ("at", "offset", "level")
SENSOR_KEYS = ("dark_lux", "bright_lux", "dark_level", "bright_level")


def _known(raw: dict, known: tuple[str, ...], path: str) -> None:
    for key in raw:
        if key not in known:
            raise ManifestError(f"unknown key {fields.show(key)} (known: {', '.join(known)})", path)


def _level(value: object, path: str) -> int:
    return fields.integer(value, path, 0, 100)


def _step(raw: object, path: str) -> BrightnessStep:
    raw = fields.obj(raw, path)
    _known(raw, STEP_KEYS, path)
    level = _level(raw.get("level"), f"{path}.level")
    at = raw.get("at")
    if at in SUN_EVENTS:
        offset = fields.integer(
            raw.get("offset", 0), f"{path}.offset", -MAX_SUN_OFFSET, MAX_SUN_OFFSET
        )
        return BrightnessStep(level, sun=at, offset_minutes=offset)
    if "offset" in raw:
        raise ManifestError("an offset (minutes) goes with sunrise or sunset only", path)
    try:
        time = fields.clock_time(at, f"{path}.at")
    except ManifestError:
        raise ManifestError(
            f"must be a time 'HH:MM' (00:00-23:59), sunrise or sunset; got {fields.show(at)}",
            f"{path}.at",
        ) from None
    return BrightnessStep(level, at=time)


def _lux(value: object, path: str) -> float:
    return fields.positive(value, path, maximum=MAX_LUX)


def _sensor(raw: object, path: str) -> SensorCurve:
    raw = fields.obj(raw, path)
    _known(raw, SENSOR_KEYS, path)
    curve = SensorCurve(
        dark_lux=_lux(raw.get("dark_lux"), f"{path}.dark_lux"),
        bright_lux=_lux(raw.get("bright_lux"), f"{path}.bright_lux"),
        dark_level=_level(raw.get("dark_level"), f"{path}.dark_level"),
        bright_level=_level(raw.get("bright_level"), f"{path}.bright_level"),
    )
    if curve.bright_lux <= curve.dark_lux:
        raise ManifestError("bright_lux must be above dark_lux", path)
    return curve


def plan_from_raw(raw: object, path: str) -> BrightnessPlan:
    """One plan: its steps (at least one) and, optionally, the sensor's curve."""
    raw = fields.obj(raw, path)
    _known(raw, (*PLAN_KEYS, "screens") if path == "brightness" else PLAN_KEYS, path)
    entries = fields.list_of(raw.get("steps"), f"{path}.steps", MAX_STEPS)
    if not entries:
        raise ManifestError("needs at least one step", f"{path}.steps")
    problems: list[ManifestError] = []
    steps = [
        fields.noted(problems, _step, entry, f"{path}.steps[{i}]")
        for i, entry in enumerate(entries)
    ]
    sensor = None
    if raw.get("sensor") is not None:
        sensor = fields.noted(problems, _sensor, raw["sensor"], f"{path}.sensor")
    if problems:
        raise ManifestProblems(problems)
    return BrightnessPlan(tuple(steps), sensor)


def brightness_from_raw(raw: object) -> Brightness:
    """The manifest's `brightness` value; raises ManifestError (ManifestProblems: several)."""
    raw = fields.obj(raw, "brightness")
    problems: list[ManifestError] = []
    plan = None
    if "steps" in raw or "sensor" in raw:
        plan = fields.noted(problems, plan_from_raw, raw, "brightness")
    screens: dict[str, BrightnessPlan] = {}
    named = fields.noted(problems, fields.obj, raw.get("screens", {}), "brightness.screens")
    if named is not None and len(named) > MAX_SCREENS:
        problems.append(
            ManifestError(f"may name at most {MAX_SCREENS} screens", "brightness.screens")
        )
    for screen, entry in (named or {}).items():
        where = f"brightness.screens.{screen}"
        if fields.noted(problems, fields.string, screen, where, MAX_NAME) is None:
            continue
        own = fields.noted(problems, plan_from_raw, entry, where)
        if own is not None:
            screens[screen] = own
    if problems:
        raise ManifestProblems(problems)
    if plan is None and not screens:
        raise ManifestError("names no steps and no screens (leave it out instead)", "brightness")
    return Brightness(plan, screens)
