"""Bounded reads of the small files both ends load (configs, keys): size, depth, file type."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

_KINDS = (
    (stat.S_ISDIR, "a folder; give the path of the file itself"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a regular file; reading it could wait forever"),
    (stat.S_ISCHR, "a device, not a regular file"),
    (stat.S_ISBLK, "a block device, not a regular file"),
    (stat.S_ISSOCK, "a socket, not a regular file"),
)


class NotReadable(ValueError):
    """The path is not a regular file of at most the allowed size; the message says which."""


def read_small_file(path: Path, limit: int, what: str = "the right file") -> bytes:
    """The whole content of the regular file at `path`, refused when over `limit` bytes.

    Opened without blocking, so a FIFO with no writer or a device is refused at once
    instead of hanging the caller; /dev/zero is a device, and a file that grows while it
    is read stops at `limit` + 1 bytes. OSError (missing, permissions) passes through.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = next((text for test, text in _KINDS if test(mode)), "not a regular file")
            raise NotReadable(f"is {what}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise NotReadable(f"is over {limit // 1024} KiB; is this really {what}?")
    return b"".join(chunks)


def yaml_too_deep(text: str, limit: int) -> yaml.Mark | None:
    """Where YAML `text` first nests deeper than `limit` collections, else None.

    Reads the event stream, which PyYAML produces without recursion, so a file nested
    5,000 deep is measured before the (recursive) composer could raise RecursionError.
    Syntax errors raise yaml.YAMLError as composing would.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > limit:
                return event.start_mark
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
    return None
