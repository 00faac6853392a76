"""The authoring YAML read with a line for every path, so each problem names its file:line."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from player.wire.smallfile import NotReadable, read_small_file

_ITEM_PATH = re.compile(r"playlists\[(\d+)\]\.items\[(\d+)\]")
MAX_DEPTH = 64  # nesting of the authoring YAML; a real playlist file needs about 8
MAX_AUTHORING_BYTES = 16 * 1024 * 1024  # as much as a player accepts of a manifest


class PublishError(Exception):
    """Authoring input that cannot be published; `problems` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _AuthoringLoader(yaml.SafeLoader):
    """YAML 1.1 reads `duration: 3e11` as the string '3e11' (its floats need a dot and a
    signed exponent); authors mean the number, and must get the number's bounds error."""


_AuthoringLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def _depth(node: yaml.Node) -> int:
    """How deeply `node` nests, walked without recursion (a 5,000-deep file must not crash)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(current, yaml.MappingNode):
            stack.extend((value, depth + 1) for _, value in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((value, depth + 1) for value in current.value)
    return deepest


def _line_map(node: yaml.Node, path: str, lines: dict[str, int], problems: list[str]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                problems.append(f"{key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _line_map(value_node, child, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, value_node in enumerate(node.value):
            lines[f"{path}[{index}]"] = value_node.start_mark.line + 1
            _line_map(value_node, f"{path}[{index}]", lines, problems)


class Authoring:
    """The parsed authoring file with a path → line map for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:  # a FIFO or a device named by mistake must not hang the publisher
            text = read_small_file(path, MAX_AUTHORING_BYTES, "a playlist").decode("utf-8")
        except (OSError, UnicodeDecodeError, NotReadable) as exc:
            raise PublishError([f"{path}: cannot read ({exc})"]) from None
        loader = _AuthoringLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and _depth(node) > MAX_DEPTH:
                raise PublishError(
                    [f"{path}:1: nested more than {MAX_DEPTH} levels deep; this is not a playlist"]
                )
            self.data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise PublishError([f"{where}: YAML syntax error: {exc}"]) from None
        except RecursionError:  # the composer recurses per level, before _depth can look
            raise PublishError(
                [f"{path}:1: nested too deeply to read; this is not a playlist"]
            ) from None
        finally:
            loader.dispose()
        if not isinstance(self.data, dict):
            raise PublishError([f"{path}:1: must be a mapping with group and playlists"])
        self.lines: dict[str, int] = {"": 1}
        problems: list[str] = []
        _line_map(node, "", self.lines, problems)
        if problems:
            raise PublishError([f"{path}:{problem}" for problem in problems])
        for key, line in list(self.lines.items()):  # manifest paths that differ from authoring
            if key.startswith(("ticker", "clock")):
                self.lines[f"layout.{key}"] = line
            if key.endswith(".file"):
                self.lines[f"{key[:-5]}.media"] = line

    def line_of(self, path: str) -> int:
        """The line of `path`, or of the nearest enclosing key that has one."""
        probe = path
        while probe not in self.lines:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.lines[probe]

    def at(self, path: str, message: str) -> str:
        """'FILE:LINE: path (item 'x'): message' for the nearest authored line."""
        label = path
        match = _ITEM_PATH.match(path)
        if match:
            try:
                item = self.data["playlists"][int(match[1])]["items"][int(match[2])]
                label = f"{path} (item {item['id']!r})"
            except (KeyError, IndexError, TypeError):
                pass
        prefix = f"{self.path}:{self.line_of(path)}"
        return f"{prefix}: {label}: {message}" if label else f"{prefix}: {message}"


def plain(value: object) -> object:
    """YAML timestamps back to ISO strings; everything else as JSON has it."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def fix_times(schedule: object) -> object:
    """YAML 1.1 reads an unquoted 18:00 as the base-60 integer 1080: turn it back."""
    if isinstance(schedule, dict):
        for key in ("from", "until"):
            value = schedule.get(key)
            if type(value) is int and 0 <= value <= 24 * 60:
                schedule[key] = f"{value // 60:02d}:{value % 60:02d}"
    return schedule


def brightness_times(raw: object) -> object:
    """A brightness plan's step times, as `fix_times` does for schedules (05:00 is 300)."""
    plans = [raw] if isinstance(raw, dict) else []
    screens = raw.get("screens") if isinstance(raw, dict) else None
    plans += [plan for plan in (screens or {}).values() if isinstance(plan, dict)]
    for plan in plans:
        for step in plan.get("steps") or ():
            if isinstance(step, dict) and type(step.get("at")) is int and 0 <= step["at"] < 1440:
                step["at"] = f"{step['at'] // 60:02d}:{step['at'] % 60:02d}"
    return raw


def unknown(doc: Authoring, raw: dict, known: tuple[str, ...], path: str) -> Iterator[str]:
    """An unknown key is a mistake (a typo would silently publish the default instead)."""
    for key in raw:
        if key not in known:
            child = f"{path}.{key}" if path else key
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            yield doc.at(child, f"unknown key {key!r} ({hint})")
