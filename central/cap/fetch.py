"""Fetching a CAP file or a forecast: conditional GET, byte cap while streaming, overall deadline.

A read timeout only bounds the wait for the next byte, so a server that trickles keeps a
request alive for ever; a timer shuts the socket down when the whole answer is late (the
player's sync does the same with its Deadline). Bodies are read in chunks and refused the
moment they pass the cap, so a 50 MB file costs at most the cap in memory.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import ssl
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from player import __version__

CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


class FetchError(Exception):
    """A source could not be read; the message says why (for the status and the log)."""

    def __init__(self, message: str, *, content: bool = False) -> None:
        super().__init__(message)
        self.content = content  # True: the answer itself is refused (retrying will not help)


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: unchanged since the validators given
    etag: str | None = None
    last_modified: str | None = None


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context()
        return http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=context
        )
    if parts.scheme == "http":
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    raise FetchError(f"{url}: only http:// and https:// are fetched")


def _read_capped(
    response: http.client.HTTPResponse, url: str, max_bytes: int, size_rule: str
) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(
            f"refused: {url} is {int(length)} bytes, over the limit of {max_bytes} "
            f"({size_rule}); not downloaded",
            content=True,
        )
    chunks, size = [], 0
    while True:
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                f"refused: {url} passed the limit of {max_bytes} bytes "
                f"({size_rule}) while downloading; the rest was not read",
                content=True,
            )
        chunks.append(chunk)


def _once(
    url: str, headers: dict[str, str], max_bytes: int, timer_box: list, size_rule: str
) -> tuple[int, str | None, Fetched | None]:
    connection = _connection(url, CONNECT_TIMEOUT)
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.connect()
        timer_box.append(connection.sock)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        if response.status in (301, 302, 303, 307, 308):
            return response.status, response.getheader("Location"), None
        if response.status == 304:
            return 304, None, Fetched(None)
        if response.status != 200:
            raise FetchError(f"{url}: HTTP {response.status} {response.reason}")
        body = _read_capped(response, url, max_bytes, size_rule)
        fetched = Fetched(body, response.getheader("ETag"), response.getheader("Last-Modified"))
        return 200, None, fetched
    finally:
        connection.close()


def fetch_url(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    deadline: float,
    agent: str = "videotron-cap",
    size_rule: str = "cap.max_bytes",
    time_rule: str = "cap.deadline",
) -> Fetched:
    """GET `url` (If-None-Match / If-Modified-Since when known) within `deadline` seconds.

    `size_rule` and `time_rule` name the limits in messages (the CAP watcher's settings by
    default; the office's feed fetch names its own).
    """
    headers = {"User-Agent": f"{agent}/{__version__}", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    sockets: list[socket.socket] = []
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    too_slow = (
        f"{url}: server too slow, no whole answer in {deadline:g} s ({time_rule}); will try again"
    )
    timer = threading.Timer(deadline, cut)
    timer.daemon = True
    timer.start()
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                status, location, fetched = _once(current, headers, max_bytes, sockets, size_rule)
            except (OSError, http.client.HTTPException) as exc:
                if expired.is_set():
                    raise FetchError(too_slow) from None
                raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}") from None
            if expired.is_set():  # a cut socket may read as a short, clean end
                raise FetchError(too_slow)
            if fetched is not None:
                return fetched
            if not location:
                raise FetchError(f"{url}: HTTP {status} without a Location")
            current = urljoin(current, location)
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
    finally:
        timer.cancel()


def read_capped_file(path: Path, max_bytes: int) -> bytes:
    """A dropped CAP file, refused once it passes `max_bytes` (never read whole)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FetchError(f"{path}: not a regular file", content=True)
        chunks, size = [], 0
        while chunk := os.read(fd, CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    f"refused: {path} is over the limit of {max_bytes} bytes (cap.max_bytes)",
                    content=True,
                )
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
