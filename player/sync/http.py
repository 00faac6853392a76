"""HTTP(S) source: one session, timeouts everywhere, retries with backoff and jitter, Range."""

from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
from collections.abc import Iterator
from http.client import HTTPException
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import requests
import urllib3

from player import __version__
from player.config.model import SourceConfig
from player.sync.deadline import Deadline, Watchdog, deadline_session
from player.sync.sources import (
    ManifestFetch,
    NotModified,
    NotModifiedType,
    RangeNotSatisfiable,
    SourceError,
    TooSlow,
)
from player.wire.backoff import backoff_delay
from player.wire.manifest import Media
from player.wire.secret import reveal

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
CHUNK = 64 * 1024
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
CONTENT_RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _describe(exc: BaseException) -> str:
    """A short human reason for a requests/urllib3 error (their str() is a wall of text)."""
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known",
                   "Temporary failure in name resolution", "Network is unreachable",
                   "CERTIFICATE_VERIFY_FAILED", "Connection reset", "Connection aborted",
                   "IncompleteRead"):  # fmt: skip
        if marker in text:
            return marker.lower()
    return f"{type(exc).__name__}: {text[:160]}"


class HttpMediaStream:
    """A streaming media body; `start` is where its bytes begin in the file."""

    def __init__(
        self,
        response: requests.Response,
        start: int,
        url: str,
        owner: HttpSource,
        deadline: Deadline,
    ) -> None:
        self.response = response
        self.start = start
        self.url = url
        self._owner = owner
        self._deadline = deadline

    def chunks(self) -> Iterator[bytes]:
        raw = self.response.raw
        deadline = self._deadline
        try:
            if not hasattr(raw, "read1"):  # urllib3 < 2.3
                for chunk in self.response.iter_content(CHUNK):
                    deadline.add(len(chunk))
                    yield chunk
            else:
                # read1 hands over whatever has arrived, so a cut loses nothing already
                # received (iter_content would drop the unfinished chunk, up to CHUNK bytes).
                while chunk := raw.read1(CHUNK):
                    deadline.add(len(chunk))
                    yield chunk
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            HTTPException,
            OSError,
        ) as exc:
            if deadline.expired:
                raise TooSlow(deadline.too_slow(self.url)) from exc
            raise SourceError(f"download of {self.url} interrupted: {_describe(exc)}") from exc
        except AttributeError as exc:
            # urllib3 raises this when another thread closed the response (stop requested).
            raise SourceError(f"download of {self.url} stopped") from exc
        if deadline.expired:  # a cut body without a length ends like a complete one
            raise TooSlow(deadline.too_slow(self.url))

    def close(self) -> None:
        self._owner._finish(self.response, self._deadline)
        self.response.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower() + f":{parts.port or ''}"


def split_login(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without `user:password@`, and that login (None when there is none)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    login = (unquote(parts.username or ""), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=netloc)), login


class HttpSource:
    """A manifest URL and the media beside it, over one requests.Session."""

    def __init__(
        self,
        config: SourceConfig,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        attempts: int = 3,
        backoff: float = 1.0,
        backoff_cap: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if not config.url:
            raise SourceError("source.url is empty")
        # A login in the URL (nginx auth_basic) becomes request auth, so the URL that
        # reaches logs, status.json and MQTT status carries no password.
        self.url, self._login = split_login(config.url)
        self.description = self.url
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = config.deadline
        self.min_rate = config.min_rate
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self._rng = rng or random.Random()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._open: set[requests.Response] = set()
        self._watchdog = Watchdog()
        self.session = deadline_session(self._watchdog)
        self.session.headers["User-Agent"] = f"videotron-player/{__version__}"
        self._token = config.token  # a Secret: revealed only into the header
        self._origin = _origin(self.url)
        # Passed on every request: requests lets $REQUESTS_CA_BUNDLE override session.verify.
        self.verify: str | bool = str(config.ca_bundle) if config.ca_bundle else True
        parts = urlsplit(self.url)
        self.signature_url = urlunsplit(parts._replace(path=parts.path + ".sig"))

    # -- plumbing --------------------------------------------------------------------------

    def _track(self, response: requests.Response) -> None:
        with self._lock:
            self._open.add(response)

    def _finish(self, response: requests.Response, deadline: Deadline) -> None:
        self._watchdog.finish(deadline)
        with self._lock:
            self._open.discard(response)

    def _sleep_backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = backoff_delay(attempt, base=self.backoff, cap=self.backoff_cap, rng=self._rng)
        if retry_after and retry_after.isdigit():
            delay = min(self.backoff_cap, max(delay, float(retry_after)))
        if self._closed.wait(delay):
            raise SourceError("stopped")

    def _get(
        self, url: str, headers: dict[str, str], *, min_rate: float | None = None
    ) -> tuple[requests.Response, Deadline]:
        """GET (streamed) with retries on connection errors and transient statuses.

        Each attempt has its own deadline (see player.sync.deadline), which goes on with
        the returned response: the caller reads the body under it and finishes it. A
        server too slow for it is not retried here; the sync loop tries again later.
        """
        last = ""
        for attempt in range(self.attempts):
            if self._closed.is_set():
                raise SourceError("stopped")
            retry_after = None
            # Credentials go to the manifest's own server only, never to a CDN or S3 URL
            # that a manifest names for its media.
            own = _origin(url) == self._origin
            if own and self._token:
                headers = {**headers, "Authorization": f"Bearer {reveal(self._token)}"}
            deadline = self._watchdog.start(self.deadline, min_rate)
            try:
                with self._watchdog.sending(deadline):
                    response = self.session.get(
                        url,
                        headers=headers,
                        timeout=self.timeout,
                        stream=True,
                        verify=self.verify,
                        auth=self._login if own and not self._token else None,
                    )
            except requests.exceptions.SSLError as exc:  # not transient: no retry
                self._watchdog.finish(deadline)
                raise SourceError(
                    f"GET {url} failed: {_describe(exc)} (for a private CA set source.ca_bundle)"
                ) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._watchdog.finish(deadline)
                if deadline.expired:
                    raise TooSlow(deadline.too_slow(url)) from exc
                last = _describe(exc)
            except requests.RequestException as exc:
                self._watchdog.finish(deadline)
                raise SourceError(f"GET {url} failed: {_describe(exc)}") from exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response, deadline
                self._watchdog.finish(deadline)
                last = f"HTTP {response.status_code} {response.reason}"
                retry_after = response.headers.get("Retry-After")
                response.close()
            if attempt + 1 < self.attempts:
                log.debug("GET %s: %s; retrying", url, last)
                self._sleep_backoff(attempt, retry_after)
        raise SourceError(f"GET {url} failed after {self.attempts} tries: {last}")

    def _fail(self, response: requests.Response, deadline: Deadline, what: str) -> SourceError:
        hint = {
            401: "check source.token",
            403: "check source.token and the server's access rules",
            404: "check source.url and that the publish is complete",
        }.get(response.status_code, "")
        self._watchdog.finish(deadline)
        response.close()
        return SourceError(
            f"{what} {response.url}: HTTP {response.status_code} {response.reason}"
            + (f" ({hint})" if hint else "")
        )

    def _read_small(self, response: requests.Response, deadline: Deadline, url: str) -> bytes:
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK):
                body += chunk
                deadline.add(len(chunk))
                if len(body) > MAX_MANIFEST_BYTES:
                    raise SourceError(f"{url} is larger than {MAX_MANIFEST_BYTES} bytes")
        except (requests.RequestException, OSError) as exc:
            if deadline.expired:
                # What came over the wire, also what sits in a chunk not yet handed out.
                deadline.received = max(deadline.received, response.raw.tell())
                raise TooSlow(deadline.too_slow(url)) from exc
            raise SourceError(f"reading {url} failed: {_describe(exc)}") from exc
        finally:
            self._watchdog.finish(deadline)
            response.close()
        if deadline.expired:  # a cut body without a length ends like a complete one
            raise TooSlow(deadline.too_slow(url))
        return bytes(body)

    # -- Source interface ------------------------------------------------------------------

    def fetch_manifest(
        self, etag: str | None = None, last_modified: str | None = None
    ) -> ManifestFetch | NotModifiedType:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response, deadline = self._get(self.url, headers)
        if response.status_code == 304:
            self._watchdog.finish(deadline)
            response.close()
            return NotModified
        if response.status_code != 200:
            raise self._fail(response, deadline, "manifest")
        return ManifestFetch(
            data=self._read_small(response, deadline, self.url),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    def fetch_signature(self) -> bytes | None:
        response, deadline = self._get(self.signature_url, {})
        if response.status_code == 404:
            self._watchdog.finish(deadline)
            response.close()
            return None
        if response.status_code != 200:
            raise self._fail(response, deadline, "signature")
        return self._read_small(response, deadline, self.signature_url)

    def media_url(self, media: Media) -> str:
        return urljoin(self.url, media.url)

    def open_media(self, media: Media, offset: int = 0) -> HttpMediaStream:
        url = self.media_url(media)
        # identity: Range offsets must be offsets in the file, not in a compressed body
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        # Media get the floor plus their bytes at the minimum rate: a big file on a slow but
        # steady link lives on, a trickle is cut within the floor and resumed later.
        response, deadline = self._get(url, headers, min_rate=self.min_rate)
        if response.status_code == 416:
            self._watchdog.finish(deadline)
            response.close()
            raise RangeNotSatisfiable(f"{url}: server refused resuming at byte {offset}")
        if response.status_code == 200:
            start = 0
            if offset:
                log.info("%s: server ignored the Range request; restarting from 0", url)
        elif response.status_code == 206:
            match = CONTENT_RANGE_RE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                self._watchdog.finish(deadline)
                response.close()
                raise RangeNotSatisfiable(
                    f"{url}: asked for bytes from {offset}, got "
                    f"{response.headers.get('Content-Range')!r}"
                )
            start = offset
        else:
            raise self._fail(response, deadline, "media")
        self._track(response)
        return HttpMediaStream(response, start, url, self, deadline)

    def abort(self) -> None:
        self._closed.set()
        with self._lock:
            responses = list(self._open)
            self._open.clear()
        for response in responses:
            with contextlib.suppress(Exception):
                response.close()

    def close(self) -> None:
        self.abort()
        self._watchdog.close()
        self.session.close()
