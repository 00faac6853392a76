"""Overall deadlines for HTTP requests: a watchdog cuts the connection of one that runs late.

A read timeout only bounds the wait for the next byte, so a server that trickles one byte a
second keeps a request alive for ever. Each request here gets a `Deadline`: a floor of
seconds, moved later by every byte received at the minimum rate (`received / min_rate`), so
a slow but steady download on 4G lives on while a trickle is cut within the floor. The
watchdog thread shuts the socket down when a deadline passes; the blocked read in the
requesting thread then fails, and the caller asks `expired` to say "server too slow".
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from player.wire.units import format_size

log = logging.getLogger(__name__)


class Deadline:
    """When one request must be done by: `floor` seconds from its start, plus the time its
    bytes so far would take at `min_rate` (bytes per second; None: a flat deadline)."""

    def __init__(
        self, floor: float, min_rate: float | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.floor = floor
        self.min_rate = min_rate if min_rate and min_rate > 0 else None
        self.started = clock()
        self.received = 0  # written by the requesting thread only
        self.expired = False  # set by the watchdog, once
        self._clock = clock
        self._sockets: list[socket.socket] = []

    @property
    def at(self) -> float:
        extra = self.received / self.min_rate if self.min_rate else 0.0
        return self.started + self.floor + extra

    def add(self, n: int) -> None:
        self.received += n

    def watch(self, sock: socket.socket) -> None:
        self._sockets.append(sock)
        if self.expired:  # sent after the deadline passed: cut at once
            self.cut()

    def cut(self) -> None:
        """Wake the requesting thread: its blocked read ends as if the peer had hung up."""
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                # The plain socket's shutdown, also for TLS: it leaves the SSL object to the
                # reading thread, which owns it.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def too_slow(self, url: str, settings: str = "source.deadline, source.min_rate") -> str:
        """The one-line reason a technician reads in the status and the journal."""
        elapsed = self._clock() - self.started
        rule = (
            f"at least {format_size(self.min_rate)}/s after the first {self.floor:g} s"
            if self.min_rate
            else f"the whole answer within {self.floor:g} s"
        )
        return (
            f"server too slow: {url} sent {format_size(self.received)} in {elapsed:.0f} s "
            f"(needed {rule}); will try again" + (f" ({settings})" if settings else "")
        )


class Watchdog:
    """Cuts requests that run past their deadline; one lazily started thread per session."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._deadlines: set[Deadline] = set()
        self._local = threading.local()  # the deadline of this thread's request being sent
        self._thread: threading.Thread | None = None
        self._closed = False
        self._wakes_at = float("-inf")  # when the thread looks again by itself, unwoken

    def start(self, floor: float, min_rate: float | None = None) -> Deadline:
        deadline = Deadline(floor, min_rate, self._clock)
        with self._cond:
            self._deadlines.add(deadline)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="http-deadline", daemon=True)
                self._thread.start()
            # Waking the thread costs two thread switches per request; a deadline no
            # earlier than its next look needs none (deadlines only move later).
            if deadline.at < self._wakes_at:
                self._cond.notify_all()
        return deadline

    def finish(self, deadline: Deadline) -> None:
        with self._cond:
            self._deadlines.discard(deadline)

    @contextlib.contextmanager
    def sending(self, deadline: Deadline) -> Iterator[None]:
        """Connections used by this thread meanwhile are cut when `deadline` passes."""
        self._local.current = deadline
        try:
            yield
        finally:
            self._local.current = None

    def watch(self, sock: socket.socket) -> None:
        """Called by a connection once it has sent a request (see `deadline_session`)."""
        deadline = getattr(self._local, "current", None)
        if deadline is not None:
            deadline.watch(sock)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                now = self._clock()
                live = [d for d in self._deadlines if not d.expired]
                due = [d for d in live if d.at <= now]
                if not due:
                    # Deadlines only move later, so waking early and looking again is enough.
                    wait = min(max(min((d.at - now for d in live), default=60.0), 0.01), 60.0)
                    self._wakes_at = now + wait
                    self._cond.wait(wait)
                    self._wakes_at = float("-inf")  # awake: looks at every deadline anew
                    continue
                for deadline in due:
                    deadline.expired = True
            for deadline in due:
                log.debug("cutting a request after %.1f s", now - deadline.started)
                deadline.cut()


class _Watched:
    """Mixed into urllib3's connections: tell the watchdog which connection a request uses."""

    watchdog: Watchdog

    def request(self, *args, **kwargs):
        result = super().request(*args, **kwargs)  # type: ignore[misc]
        # The socket itself, not the connection: http.client drops `sock` from a connection
        # whose answer says "Connection: close" while the body is still being read.
        sock = self.sock  # type: ignore[attr-defined]
        if sock is not None:
            self.watchdog.watch(sock)
        return result


class _DeadlineAdapter(HTTPAdapter):
    def __init__(self, watchdog: Watchdog, **kwargs) -> None:
        self._watchdog = watchdog  # before super().__init__, which builds the pool manager
        super().__init__(**kwargs)

    def _watched_pools(self) -> dict[str, type]:
        watchdog = self._watchdog
        plain = type("WatchedHTTPConnection", (_Watched, HTTPConnection), {"watchdog": watchdog})
        tls = type("WatchedHTTPSConnection", (_Watched, HTTPSConnection), {"watchdog": watchdog})
        return {
            "http": type("WatchedPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("WatchedTLSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
        }

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._watched_pools()

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # Through an HTTP(S) proxy ($https_proxy) too; a SOCKS manager has its own pools.
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:
            manager.pool_classes_by_scheme = self._watched_pools()
        return manager


class _EnvironmentOnceSession(requests.Session):
    """A Session that reads the environment's proxy and CA settings once per origin.

    requests looks them up again for every request ($http_proxy, $no_proxy against the
    host, $REQUESTS_CA_BUNDLE): about a quarter of a millisecond each time, a tenth of a
    sync's CPU on a small screen. The environment does not change while the player runs;
    the answer for one scheme and host is the same every time, so it is kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple, dict] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        parts = urlsplit(url)
        given = tuple(sorted(proxies.items())) if proxies else None
        key = (parts.scheme, parts.netloc, given, stream, verify, cert)
        settings = self._environment.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}  # callers may change it


def deadline_session(watchdog: Watchdog) -> requests.Session:
    """A requests.Session whose requests `watchdog` can cut (see `Watchdog.sending`)."""
    session = _EnvironmentOnceSession()
    adapter = _DeadlineAdapter(watchdog)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
