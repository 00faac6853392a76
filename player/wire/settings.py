"""Settings declared in code: one `Setting` per key, typed value parsers, every problem at once."""

from __future__ import annotations

import difflib
import errno
import functools
import os
import re
import stat
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from player.wire.located import Context, Invalid, Located, Parser, shown
from player.wire.secret import Secret
from player.wire.units import compact_size, parse_duration
from player.wire.yamlconfig import ConfigIssue


@dataclass(frozen=True)
class Setting:
    """One config key: dotted path, parser (type and bounds), default and a one-line doc."""

    path: str
    parse: Parser
    default: Any
    doc: str
    nullable: bool = False  # an empty value means the default (None for optional keys)
    hint: str = ""  # added to the "needs a value" error
    secret: bool = False


def did_you_mean(name: str, candidates: Any, cutoff: float = 0.6) -> str | None:
    """The candidate closest to a mistyped `name`, or None when none is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return close[0] if close else None


# --- value types ---------------------------------------------------------------------------


def scalar_text(v: Located, what: str) -> str:
    if isinstance(v.value, dict | list):
        raise Invalid(f"expected {what}, got {shown(v)}")
    return v.text if v.text is not None else str(v.value)


def whole_number(v: Located, what: str) -> int:
    x = v.value
    if isinstance(x, int) and not isinstance(x, bool) and v.text and v.text.isdigit():
        return int(v.text)  # decimal even with a leading zero (YAML 1.1 would read 030 as octal)
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, str) and x.strip().isdigit():
        return int(x)
    if isinstance(x, bool) or not isinstance(x, int):
        raise Invalid(f"expected {what}, got {shown(v)}", v)
    return x


def integer(lo: int, hi: int) -> Parser:
    def parse(v: Located, ctx: Context) -> int:
        n = whole_number(v, f"a whole number from {lo} to {hi}")
        if not lo <= n <= hi:
            raise Invalid(f"{n} is out of range: must be from {lo} to {hi}")
        return n

    return parse


_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_SIZE_UNITS = MappingProxyType(
    {"": 1, "b": 1}
    | {f"{p}{suffix}": 1000 ** (i + 1) for i, p in enumerate("kmgt") for suffix in ("", "b")}
    | {f"{p}ib": 1024 ** (i + 1) for i, p in enumerate("kmgt")}
)


def _with_unit(v: Located, units: Mapping[str, int], usage: str) -> float:
    """A plain number, or text like `1.5GiB` / `5m` scaled by its (case-blind) unit."""
    if isinstance(v.value, str):
        m = _NUMBER_UNIT.match(v.value)
        if not m or m.group(2).lower() not in units:
            raise Invalid(f"expected {usage}, got {v.value!r}")
        return float(m.group(1)) * units[m.group(2).lower()]
    if isinstance(v.value, bool) or not isinstance(v.value, int | float):
        raise Invalid(f"expected {usage}, got {shown(v)}")
    return v.value


def _number(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:g}"


def duration(lo: float, hi: float) -> Parser:
    """Seconds as a number, or text such as `90s`, `5m`, `1h`."""

    def parse(v: Located, ctx: Context) -> float:
        if isinstance(v.value, bool) or not isinstance(v.value, int | float | str):
            raise Invalid(f"expected seconds, or a duration like 90s, 5m, 1h, got {shown(v)}")
        try:
            x = parse_duration(v.value) if isinstance(v.value, str) else v.value
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        if not lo <= x <= hi:
            raise Invalid(f"{_number(x)}s is out of range: must be from {_number(lo)}s to "
                          f"{_number(hi)}s")  # fmt: skip
        return float(x)

    return parse


def whole_seconds(lo: int, hi: int) -> Parser:
    """A `duration` rounded to whole seconds, for settings kept as an int."""
    parse_float = duration(lo, hi)

    def parse(v: Located, ctx: Context) -> int:
        return round(parse_float(v, ctx))

    return parse


def byte_size(lo: int, hi: int) -> Parser:
    """Bytes as a whole number or text like `8GB`, `500MB`, `1.5GiB` (GB = 1000^3, GiB = 1024^3)."""

    def parse(v: Located, ctx: Context) -> int:
        n = int(_with_unit(v, _SIZE_UNITS, "a size like 8GB, 500MB or 1.5GiB"))
        if not lo <= n <= hi:
            raise Invalid(f"{compact_size(n)} is out of range: must be from {compact_size(lo)} to "
                          f"{compact_size(hi)}")  # fmt: skip
        return n

    return parse


def boolean(v: Located, ctx: Context) -> bool:
    if not isinstance(v.value, bool):
        raise Invalid(f"expected true or false, got {shown(v)}")
    return v.value


def text(pattern: str | None = None, what: str = "text") -> Parser:
    regex = re.compile(pattern) if pattern else None

    def parse(v: Located, ctx: Context) -> str:
        s = scalar_text(v, what)
        if regex is not None and not regex.fullmatch(s):
            raise Invalid(f"{s!r} is not allowed here: expected {what}")
        return s

    return parse


def choice(options: tuple[Any, ...], *, aliases: dict[str, str] | None = None) -> Parser:
    names = [str(o) for o in options]

    def parse(v: Located, ctx: Context) -> Any:
        x = v.value
        if isinstance(x, str):
            key = x.strip()
            key = (aliases or {}).get(key.upper(), key)
            for option in options:
                if str(option).lower() == key.lower():
                    return option
        elif not isinstance(x, bool) and x in options:
            return options[options.index(x)]  # 90.0 -> 90
        close = difflib.get_close_matches(str(v.text or x).lower(), names, n=1, cutoff=0.6)
        tip = f"; did you mean {close[0]}?" if close else ""
        raise Invalid(f"must be one of {', '.join(names)}; got {shown(v)}{tip}")

    return parse


def secret_text(v: Located, ctx: Context) -> Secret:
    """A password or token: kept as a `Secret`, so no repr or log line shows it."""
    return Secret(scalar_text(v, "text"))


# Indonesian zone nicknames technicians use instead of IANA names.
_TZ_NICKNAMES = MappingProxyType(
    {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
)


def timezone_name(v: Located, ctx: Context) -> str:
    name = scalar_text(v, "a time zone name").strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        guess = _TZ_NICKNAMES.get(name.upper())
        if guess is None and name:
            close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), 1, 0.6)
            guess = close[0] if close else None
        tip = f"did you mean {guess}? " if guess else ""
        raise Invalid(
            f"unknown time zone {name!r}; {tip}Use an IANA name: Asia/Jakarta (WIB), "
            "Asia/Makassar (WITA) or Asia/Jayapura (WIT)"
        ) from None
    return name


def resolve_path(s: str, ctx: Context) -> Path:
    path = Path(s)
    return path if path.is_absolute() else ctx.base_dir / path


_READ_FAILURES = (
    (FileNotFoundError, "{what} {path} does not exist; check the path"),
    (IsADirectoryError, "{what} {path} is a folder, not a file"),
    (PermissionError, "cannot read {what} {path}: permission denied (the service's user "
     "needs read access)"),
    (OSError, "cannot read {what} {path}: {reason}"),
)  # fmt: skip


def read_file(path: Path, ctx: Context, limit: int, what: str) -> bytes:
    try:
        return ctx.read_head(path, limit)
    except OSError as exc:
        template = next(t for kind, t in _READ_FAILURES if isinstance(exc, kind))
        reason = exc.strerror or str(exc)
        raise Invalid(template.format(what=what, path=path, reason=reason)) from None


def directory(v: Located, ctx: Context) -> Path:
    s = scalar_text(v, "a folder path").strip()
    if not s:
        raise Invalid("expected a folder path, got an empty text")
    return resolve_path(s, ctx)


def file_path(v: Located, ctx: Context) -> Path:
    """A file's path, relative to the config file's folder; the file is not opened."""
    s = scalar_text(v, "a file path").strip()
    if not s:
        raise Invalid("expected a file path, got an empty text")
    return resolve_path(s, ctx)


def read_head(path: Path, limit: int) -> bytes:
    """Up to `limit` bytes of a file a setting names (a CA bundle); never a FIFO or device."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe or a device)")
        return f.read(limit)


def file_context(path: Path) -> Context:
    """What parsers of the config file at `path` need: relative paths start at its folder."""
    return Context(base_dir=path.absolute().parent, read_head=read_head)


# --- checking a located tree against a table -----------------------------------------------


def _shown_default(path: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "(not set)" if value is None else str(value)


@dataclass(frozen=True)
class SettingsTable:
    """Every setting of one config file, and how to word what is wrong at its top level."""

    settings: tuple[Setting, ...]
    top_level: tuple[str, ...]  # its sections and top-level settings, as listed in errors
    file_shape: str  # what the top level must hold, said when it holds something else
    foreign: Mapping[str, str] = field(default_factory=dict)  # another file's keys: what to say
    show_default: Callable[[str, Any], str] = _shown_default

    @functools.cached_property
    def by_path(self) -> Mapping[str, Setting]:
        return MappingProxyType({s.path: s for s in self.settings})


class Checked:
    """Parsed values by dotted path, where each came from, and every problem found."""

    def __init__(self, table: SettingsTable, ctx: Context, path: Path) -> None:
        self.table, self.ctx, self.path = table, ctx, path
        self.values: dict[str, Any] = {}
        self.where: dict[str, Located] = {}
        self.issues: list[ConfigIssue] = []

    def add(self, at: Located, key: str, message: str) -> None:
        self.issues.append(ConfigIssue(self.path, at.line, at.col, key, message))

    def setting(self, path: str, loc: Located) -> None:
        setting = self.table.by_path[path]
        self.where[path] = loc
        if loc.value is None or (setting.nullable and loc.value == ""):
            if setting.nullable:
                self.values[path] = setting.default
                return
            tip = f"; {setting.hint}" if setting.hint else ""
            shown_default = self.table.show_default(path, setting.default)
            message = f"needs a value (default: {shown_default}); remove "
            self.add(loc, path, f"{message}the line to use the default{tip}")
            return
        try:
            self.values[path] = setting.parse(loc, self.ctx)
        except Invalid as exc:
            for message, at, suffix in exc.items:
                key = path if not suffix else f"{path}{'' if suffix[0] == '[' else '.'}{suffix}"
                self.add(at or loc, key, message)

    def unknown(self, section: str, key: str, loc: Located) -> None:
        at, path = loc.key_position(), f"{section}.{key}" if section else key
        if key == "<<":
            self.add(at, path, "YAML merge keys (<<) are not supported; write the settings out")
            return
        by_path = self.table.by_path
        if section:
            here = [p.split(".", 1)[1] for p in by_path if p.startswith(f"{section}.")]
        else:
            here = list(self.table.top_level)
        close = did_you_mean(key, here)
        elsewhere = [p for p in by_path if p.rsplit(".", 1)[-1] == key]
        if not section and key in self.table.foreign:
            tip = self.table.foreign[key]
        elif close:
            tip = f"did you mean {section + '.' if section else ''}{close}?"
        elif elsewhere:
            tip = f"did you mean {elsewhere[0]}? (it belongs under {elsewhere[0].split('.')[0]}:)"
        else:
            tip = f"valid keys here: {', '.join(here)}"
        where = f"in {section}" if section else "at the top level"
        self.add(at, path, f"unknown key {key!r} {where}; {tip}")


def check_tree(tree: Located, table: SettingsTable, ctx: Context, path: Path) -> Checked:
    """Every setting of a located YAML tree parsed, and every problem with it, at once."""
    checked = Checked(table, ctx, path)
    if not isinstance(tree.value, dict):
        checked.add(tree, "(top level)", f"expected {table.file_shape}, got {shown(tree)}")
        return checked
    for name, loc in tree.value.items():
        if name in table.by_path:
            checked.setting(name, loc)
        elif name in table.top_level:  # a section
            if isinstance(loc.value, dict):
                for key, child in loc.value.items():
                    dotted = f"{name}.{key}"
                    if dotted in table.by_path:
                        checked.setting(dotted, child)
                    else:
                        checked.unknown(name, key, child)
            elif loc.value is not None:  # a section with every line commented out is fine
                checked.add(loc, name, f"expected the settings of {name} indented below "
                            f"'{name}:', got {shown(loc)}")  # fmt: skip
        else:
            checked.unknown("", name, loc)
    return checked
