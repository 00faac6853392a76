"""YAML config files read with positions: bounded, decoded, syntax problems at `file:line:col`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from player.wire.located import Located
from player.wire.smallfile import NotReadable, read_small_file, yaml_too_deep

_MAX_NODES = 20_000  # far above any real config; stops alias "billion laughs" expansion


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


def read_config_text(path: Path, max_bytes: int, kind: str, missing: str) -> str:
    """The text of the `kind` ("player", "central") config file, bounded in size.

    ConfigError in one line when it is missing (`missing` says what to do), unreadable or not
    UTF-8 text.
    """
    try:
        # Regular files only: a FIFO or a device (/dev/zero) would hang the command reading
        # it; the size cap bounds the time the YAML parser can take.
        data = read_small_file(path, max_bytes, f"the {kind} config")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(path, 0, 0, "(file)", missing)]) from None
    except NotReadable as exc:
        raise ConfigError([ConfigIssue(path, 0, 0, "(file)", str(exc))]) from None
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc} (check its permissions)"
        raise ConfigError([ConfigIssue(path, 0, 0, "(file)", message)]) from None
    return _decode(data, path)


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


def located_tree(
    text: str, path: Path, max_depth: int, kind: str
) -> tuple[Located | None, list[ConfigIssue]]:
    """YAML text as a `Located` tree (None when empty) and the problems that did not stop it.

    ConfigError, with every syntax problem found, when the text is not YAML at all.
    """
    if "\x00" in text:
        line, col = _position(text.encode(), text.encode().index(b"\x00"))
        message = "this is a binary file, not YAML text; save it as plain UTF-8 text"
        raise ConfigError([ConfigIssue(path, line, col, "(file)", message)])
    issues = _tab_issues(text, path)
    try:
        deep = yaml_too_deep(text, max_depth)
        if deep is not None:  # composing it would recurse once per level
            message = f"nested more than {max_depth} levels deep; this is not a {kind} config"
            issue = ConfigIssue(path, deep.line + 1, deep.column + 1, "(file)", message)
            raise ConfigError([issue])
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        issue = _syntax_issue(exc, text, path)
        if not any(i.line == issue.line for i in issues):
            issues.append(issue)
        raise ConfigError(sorted(issues, key=lambda i: (i.line, i.col))) from None
    if root is None:
        return None, issues
    builder = _TreeBuilder(path, max_depth)
    tree = builder.located(root, ())
    return tree, issues + builder.issues


class _TreeBuilder:
    """Turns composed YAML nodes into `Located` values; notes duplicate keys on the way."""

    def __init__(self, path: Path, max_depth: int) -> None:
        self.path = path
        self.max_depth = max_depth
        self.issues: list[ConfigIssue] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes_left = _MAX_NODES

    def issue(self, mark: Any, keys: tuple[str, ...], message: str) -> None:
        key = ".".join(keys) or "(top level)"
        self.issues.append(ConfigIssue(self.path, mark.line + 1, mark.column + 1, key, message))

    def located(self, node: yaml.Node, keys: tuple[str, ...]) -> Located:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.nodes_left -= 1
        if len(keys) > self.max_depth or self.nodes_left < 0:
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
