"""Read the YAML config with line numbers into a `Config`, reporting every problem at once."""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import errno
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from player.config import model, schema
from player.config.hours import ALL_DAY
from player.config.located import Context, Invalid, Located, shown
from player.wire.smallfile import NotReadable, read_small_file, yaml_too_deep
from player.wire.units import compact_size

MASK = "********"
MAX_DEPTH = 16  # deeper than any setting; also stops recursive YAML aliases
_MAX_NODES = 20_000  # far above any real config; stops alias "billion laughs" expansion
MAX_BYTES = 256 * 1024  # a config is a few kB; 256 KiB of YAML parses in ~2 s, not minutes


@dataclass(frozen=True)
class ConfigIssue:
    """One problem, printed as `PATH:LINE:COL: key.path: message` (1-based line and column).

    `line` 0 means the problem is the file as a whole (missing or unreadable): then the
    line is `PATH: key: message`.
    """

    path: Path
    line: int
    col: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line else f"{self.path}"
        return f"{where}: {self.key}: {self.message}"


class ConfigError(Exception):
    """The config cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


# --- reading -------------------------------------------------------------------------------


def load_config(path: Path) -> model.Config:
    """Read and check the config file; raises ConfigError with every problem found."""
    path = Path(path)
    return parse_config_text(read_config_text(path), path)


def read_config_text(path: Path) -> str:
    """The config file's text, bounded in size; ConfigError in one line when unreadable."""
    try:
        # Regular files only: a FIFO or a device (/dev/zero) would hang check-config and
        # the player's start; the size cap bounds the time the YAML parser can take.
        data = read_small_file(path, MAX_BYTES, "the player config")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(path, 0, 0, "(file)", _missing_help(path))]) from None
    except NotReadable as exc:
        raise ConfigError([ConfigIssue(path, 0, 0, "(file)", str(exc))]) from None
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc} (check its permissions)"
        raise ConfigError([ConfigIssue(path, 0, 0, "(file)", message)]) from None
    return _decode(data, path)


def _missing_help(path: Path) -> str:
    return (
        f"config file not found (looked for {path}). Create it from the commented example "
        "that ships with the player: "
        f"`sudo install -D -m 0640 -g videotron config/player.yaml {path}` "
        "(from the player's source folder), or point --config or VIDEOTRON_CONFIG at another file"
    )


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    col = len(before[line_start:].decode("utf-8", "replace")) + 1
    return before.count(b"\n") + 1, col


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = "the file is saved as UTF-16; save it as UTF-8 text (editors: Save As, UTF-8)"
        raise ConfigError([ConfigIssue(path, 1, 1, "(file)", message)])
    if b"\x00" in data:
        line, col = _position(data, data.index(b"\x00"))
        message = "this is a binary (or UTF-16) file, not YAML text; save it as plain UTF-8 text"
        raise ConfigError([ConfigIssue(path, line, col, "(file)", message)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        message = f"byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file as UTF-8"
        raise ConfigError([ConfigIssue(path, line, col, "(file)", message)]) from None


def parse_config_text(text: str, path: Path) -> model.Config:
    """Check YAML text as if read from `path` (relative file paths start at its folder)."""
    path = Path(path)
    if "\x00" in text:
        line, col = _position(text.encode(), text.encode().index(b"\x00"))
        message = "this is a binary file, not YAML text; save it as plain UTF-8 text"
        raise ConfigError([ConfigIssue(path, line, col, "(file)", message)])
    issues = _tab_issues(text, path)
    try:
        deep = yaml_too_deep(text, MAX_DEPTH)
        if deep is not None:  # composing it would recurse once per level
            message = f"nested more than {MAX_DEPTH} levels deep; this is not a player config"
            issue = ConfigIssue(path, deep.line + 1, deep.column + 1, "(file)", message)
            raise ConfigError([issue])
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        issue = _syntax_issue(exc, text, path)
        if not any(i.line == issue.line for i in issues):
            issues.append(issue)
        raise ConfigError(sorted(issues, key=lambda i: (i.line, i.col))) from None
    if root is None:
        message = "the file is empty (or only comments); copy the example config/player.yaml"
        raise ConfigError([*issues, ConfigIssue(path, 1, 1, "(file)", message)])
    tree_builder = _TreeBuilder(path)
    tree = tree_builder.located(root, ())
    issues += tree_builder.issues
    ctx = Context(base_dir=path.absolute().parent, read_head=_read_head)
    config, problems = build_config(tree, ctx, path)
    issues += problems
    if issues or config is None:
        raise ConfigError(sorted(issues, key=lambda i: (i.line, i.col)))
    return dataclasses.replace(config, path=path)


def _read_head(path: Path, limit: int) -> bytes:
    """Up to `limit` bytes of a file a setting names (a CA bundle); never a FIFO or device."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe or a device)")
        return f.read(limit)


class _TreeBuilder:
    """Turns composed YAML nodes into `Located` values; notes duplicate keys on the way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.issues: list[ConfigIssue] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes_left = _MAX_NODES

    def issue(self, mark: Any, keys: tuple[str, ...], message: str) -> None:
        key = ".".join(keys) or "(top level)"
        self.issues.append(ConfigIssue(self.path, mark.line + 1, mark.column + 1, key, message))

    def located(self, node: yaml.Node, keys: tuple[str, ...]) -> Located:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.nodes_left -= 1
        if len(keys) > MAX_DEPTH or self.nodes_left < 0:
            if self.nodes_left >= -1:  # say it once, not once per branch
                self.issue(node.start_mark, keys, "nested too deep or too big (YAML aliases?)")
            self.nodes_left = -2
            return Located(None, line, col)
        if isinstance(node, yaml.MappingNode):
            children: dict[str, Located] = {}
            for key_node, value_node in node.value:
                mark = key_node.start_mark
                if not isinstance(key_node, yaml.ScalarNode):
                    self.issue(mark, keys, "a key must be a plain name, not a list or mapping")
                    continue
                name = key_node.value
                if name in children:
                    first = children[name].key_line
                    message = f"duplicate key {name!r} (first set on line {first}); keep one"
                    self.issue(mark, (*keys, name), message)
                    continue
                child = self.located(value_node, (*keys, name))
                children[name] = dataclasses.replace(
                    child, key_line=mark.line + 1, key_col=mark.column + 1
                )
            return Located(children, line, col)
        if isinstance(node, yaml.SequenceNode):
            return Located([self.located(n, keys) for n in node.value], line, col)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            self.issue(node.start_mark, keys, f"cannot read this value: {exc}")
            value = node.value
        return Located(value, line, col, text=node.value)


# --- YAML syntax problems ------------------------------------------------------------------

_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_][\w.-]*)\s*:(?:\s|$)")
_BARE_WORD = re.compile(r"^(\s*)([A-Za-z_][\w.-]*)\s*$")  # a key that lost its ':'


def _key_path_at(text: str, line_no: int) -> str:
    """Best guess of the dotted key on a line, from the indentation of the lines above it."""
    stack: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines()[:line_no], start=1):
        line = raw.expandtabs(2)  # a guess: tabs usually stand for one YAML level
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        match = _KEY_LINE.match(line) or (_BARE_WORD.match(line) if number == line_no else None)
        if match:
            stack.append((indent, match.group(2)))
    return ".".join(name for _, name in stack)


def _tab_issues(text: str, path: Path) -> list[ConfigIssue]:
    issues = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)]
        if "\t" in indent and body and not body.startswith("#"):
            message = "tab used for indentation; YAML needs spaces: replace the tab with spaces"
            key = _key_path_at(text, number) or "(top level)"
            issues.append(ConfigIssue(path, number, indent.index("\t") + 1, key, message))
    return issues


_SYNTAX_HINTS = (
    ("'\\t'", "a tab character here; YAML needs spaces, replace the tab with spaces"),
    ("mapping values are not allowed", "unexpected ':'; check this line's indentation, or "
     "put quotes around a value that contains ': '"),
    ("could not find expected ':'", "expected `key: value`; a ':' is missing or a quote "
     "is not closed"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("expected ',' or ']'", "a [ list ] is not closed, or an item in it needs quotes"),
    ("expected ',' or '}'", "a { mapping } is not closed, or an item in it needs quotes"),
    ("expected <block end>", "this line's indentation does not line up with the lines above"),
    ("did not find expected key", "this line's indentation does not line up with the lines "
     "above"),
    ("but found another document", "only one YAML document is allowed; remove the '---' line"),
)  # fmt: skip


def _syntax_issue(exc: yaml.YAMLError, text: str, path: Path) -> ConfigIssue:
    if isinstance(exc, yaml.reader.ReaderError):
        encoded = text.encode("utf-8")
        offset = len(text[: exc.position].encode("utf-8"))
        line, col = _position(encoded, offset)
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        message = f"character U+{ord(char):04X} is not allowed in YAML; delete it"
    else:
        # An unclosed quote or a key missing its ':' is found lines later; point at its start.
        context = str(getattr(exc, "context", None) or "")
        starts_earlier = any(w in context for w in ("quoted scalar", "simple key", "flow "))
        marks = ("context_mark", "problem_mark") if starts_earlier else ("problem_mark",)
        mark = next((m for m in (getattr(exc, a, None) for a in marks) if m is not None), None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = str(getattr(exc, "problem", None) or exc)
        message = next((hint for needle, hint in _SYNTAX_HINTS if needle in problem), problem)
        message = f"YAML syntax error: {message}"
    return ConfigIssue(path, line, col, _key_path_at(text, line) or "(top level)", message)


# --- checking against the schema -----------------------------------------------------------


class _Build:
    """Accumulates parsed values by dotted path, where each came from, and every problem."""

    def __init__(self, ctx: Context, path: Path) -> None:
        self.ctx, self.path = ctx, path
        self.values: dict[str, Any] = {}
        self.where: dict[str, Located] = {}
        self.issues: list[ConfigIssue] = []

    def add(self, at: Located, key: str, message: str) -> None:
        self.issues.append(ConfigIssue(self.path, at.line, at.col, key, message))

    def setting(self, path: str, loc: Located) -> None:
        setting = schema.SETTINGS_BY_PATH[path]
        self.where[path] = loc
        if loc.value is None or (setting.nullable and loc.value == ""):
            if setting.nullable:
                self.values[path] = setting.default
                return
            tip = f"; {setting.hint}" if setting.hint else ""
            message = f"needs a value (default: {_shown_value(path, setting.default)}); remove "
            self.add(loc, path, f"{message}the line to use the default{tip}")
            return
        try:
            self.values[path] = setting.parse(loc, self.ctx)
        except Invalid as exc:
            for message, at, suffix in exc.items:
                self.add(at or loc, f"{path}.{suffix}" if suffix else path, message)

    def unknown(self, section: str, key: str, loc: Located) -> None:
        at, path = loc.key_position(), f"{section}.{key}" if section else key
        if key == "<<":
            self.add(at, path, "YAML merge keys (<<) are not supported; write the settings out")
            return
        if section:
            here = [
                p.split(".", 1)[1] for p in schema.SETTINGS_BY_PATH if p.startswith(f"{section}.")
            ]
        else:
            here = [*schema.SECTION_TYPES, "operating_hours"]
        close = difflib.get_close_matches(key, here, n=1, cutoff=0.6)
        elsewhere = [p for p in schema.SETTINGS_BY_PATH if p.rsplit(".", 1)[-1] == key]
        if close:
            tip = f"did you mean {section + '.' if section else ''}{close[0]}?"
        elif elsewhere:
            tip = f"did you mean {elsewhere[0]}? (it belongs under {elsewhere[0].split('.')[0]}:)"
        else:
            tip = f"valid keys here: {', '.join(here)}"
        where = f"in {section}" if section else "at the top level"
        self.add(at, path, f"unknown key {key!r} {where}; {tip}")


def build_config(
    tree: Located, ctx: Context, path: Path
) -> tuple[model.Config | None, list[ConfigIssue]]:
    """Check a located YAML tree against the schema: a Config, or every problem found."""
    build = _Build(ctx, path)
    if not isinstance(tree.value, dict):
        build.add(tree, "(top level)", "expected settings grouped in sections such as "
                  f"'player:' and 'display:', got {shown(tree)}")  # fmt: skip
        return None, build.issues
    for name, loc in tree.value.items():
        if name in schema.SECTION_TYPES:
            if isinstance(loc.value, dict):
                for key, child in loc.value.items():
                    dotted = f"{name}.{key}"
                    if dotted in schema.SETTINGS_BY_PATH:
                        build.setting(dotted, child)
                    else:
                        build.unknown(name, key, child)
            elif loc.value is not None:  # a section with every line commented out is fine
                build.add(loc, name, f"expected the settings of {name} indented below "
                          f"'{name}:', got {shown(loc)}")  # fmt: skip
        elif name in schema.SETTINGS_BY_PATH:
            build.setting(name, loc)
        else:
            build.unknown("", name, loc)
    _cross_check(build)
    if build.issues:
        return None, build.issues
    return assemble(build.values), []


def _cross_check(build: _Build) -> None:
    values, where = build.values, build.where
    size, area = values.get("display.size"), values.get("display.region")
    if size is not None and area is not None:
        w, h = size
        if area.x + area.w > w or area.y + area.h > h:
            build.add(where["display.region"], "display.region",
                      f"region {area.w}x{area.h} at ({area.x}, {area.y}) does not fit inside "
                      f"display.size {w}x{h}")  # fmt: skip
    batch, cap = values.get("report.batch_size"), values.get("report.max_records")
    if batch is not None and cap is not None and batch > cap:
        build.add(where["report.batch_size"], "report.batch_size",
                  f"{batch} is more than report.max_records ({cap})")  # fmt: skip
    if (
        values.get("source.url")
        and not values.get("source.allow_unsigned")
        and values.get("source.public_key") is None
        and "source.public_key" not in {i.key for i in build.issues}
    ):
        build.add(where["source.url"], "source.public_key",
                  "needed when source.url is set: paste the publisher's public key (base64), "
                  "or set source.allow_unsigned: true for demos")  # fmt: skip
    if values.get("mqtt.password") and not values.get("mqtt.username"):
        build.add(where["mqtt.password"], "mqtt.password",
                  "a password needs mqtt.username as well")  # fmt: skip


def assemble(values: dict[str, Any]) -> model.Config:
    """Config from parsed values by dotted path; keys not given keep the model defaults."""
    sections = {
        name: cls(**{p.split(".", 1)[1]: v for p, v in values.items() if p.split(".")[0] == name})
        for name, cls in schema.SECTION_TYPES.items()
    }
    hours = values.get("operating_hours") or model.OperatingHours()
    return model.Config(**sections, operating_hours=hours)


# --- showing -------------------------------------------------------------------------------


def _hours_plain(hours: model.OperatingHours) -> Any:
    if hours.always_on:
        return "always on"
    out = {}
    for index, day in enumerate(model.WEEKDAYS):
        windows = hours.days.get(index, ())
        if windows == ALL_DAY:
            out[day] = "on"
        else:
            out[day] = [f"{w.start:%H:%M}-{w.end:%H:%M}" for w in windows] or "off"
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, model.Region):
        return dataclasses.asdict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _mask_url(url: str | None) -> str | None:
    if not url or "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:{MASK}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def mask_secrets(config: model.Config) -> dict[str, Any]:
    """The effective config as plain JSON-friendly values, with tokens and passwords masked."""
    out: dict[str, Any] = {}
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        if not key:
            continue
        value = _plain(getattr(getattr(config, section), key))
        if setting.secret and value:
            value = MASK
        elif setting.path in ("source.url", "mqtt.url"):
            value = _mask_url(value)
        out.setdefault(section, {})[key] = value
    out["operating_hours"] = _hours_plain(config.operating_hours)
    return out


def _shown_value(path: str, value: Any) -> str:
    if path == "operating_hours" and isinstance(value, dict):
        return ", ".join(
            f"{day} {'+'.join(w) if isinstance(w, list) else w}" for day, w in value.items()
        )
    if path == "display.region" and isinstance(value, dict):
        return "{w}x{h} at x={x}, y={y}".format(**value)
    if path == "display.size":
        return "auto" if value is None else f"{value[0]}x{value[1]}"
    if path == "display.background" and isinstance(value, tuple | list):
        return "#{:02x}{:02x}{:02x}".format(*value)
    if path == "cache.max_size" and isinstance(value, int):
        return f"{compact_size(value)} ({value} bytes)"
    if isinstance(value, bool):
        return str(value).lower()
    return "(not set)" if value is None else str(value)


def summary_lines(config: model.Config) -> list[str]:
    """One line per setting (secrets masked); `*` marks values changed from the default."""
    shown, defaults = mask_secrets(config), mask_secrets(model.Config())
    lines = []
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        value = shown[section][key] if key else shown[section]
        default = defaults[section][key] if key else defaults[section]
        mark = "*" if value != default else " "
        lines.append(f" {mark} {setting.path:<24} {_shown_value(setting.path, value)}")
    return lines


def cmd_check_config(args: argparse.Namespace) -> int:
    """`videotron check-config [PATH]`: print every problem (exit 1) or the effective config."""
    path = Path(getattr(args, "path", None) or args.config_path)
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        count = len(exc.issues)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}; fix and run "
              f"`videotron check-config {path}` again", file=sys.stderr)  # fmt: skip
        return 1
    print(f"{path}: OK (* = changed from the default)")
    print("\n".join(summary_lines(config)))
    return 0


def changed_settings(old: model.Config, new: model.Config) -> list[str]:
    """`key: old → new` for every setting that differs (secrets masked), in schema order."""
    before, after = mask_secrets(old), mask_secrets(new)
    out = []
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        was = before[section][key] if key else before[section]
        now = after[section][key] if key else after[section]
        if setting.secret:
            if getattr(getattr(old, section), key) != getattr(getattr(new, section), key):
                out.append(f"{setting.path}: changed (secret, not shown)")
            continue
        if was != now:
            shown_was = _shown_value(setting.path, was)
            shown_now = _shown_value(setting.path, now)
            out.append(f"{setting.path}: {shown_was} → {shown_now}")
    return out
