"""Credentials go to the manifest's own server only, and never into URLs that get shown."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from player.config.model import SourceConfig
from player.sync.http import HttpSource, split_login
from player.wire.manifest import Media


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
        body = b"x" * 10
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[dict]]]:
    handler = type("Handler", (_Recorder,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


def test_token_and_login_reach_the_own_server_but_not_a_cdn_named_by_the_manifest() -> None:
    with recording_server() as (own, own_seen), recording_server() as (cdn, cdn_seen):
        login_url = own.replace("http://", "http://screen:pa%40ss@") + "/g/manifest.json"
        source = HttpSource(SourceConfig(url=login_url, token="s3cret"), attempts=1)
        try:
            assert "pa%40ss" not in source.description and "screen" not in source.description
            for url in (f"{cdn}/media/abc", "media/abc"):  # absolute on a CDN, then relative
                media = Media(sha256="0" * 64, size=10, type="image", url=url)
                stream = source.open_media(media)
                stream.close()
        finally:
            source.close()
    assert [s["auth"] for s in cdn_seen] == [None]
    (own_request,) = own_seen
    assert own_request["path"] == "/g/media/abc"
    # Only one Authorization header fits: the Bearer token wins over the URL's login.
    assert own_request["auth"] == "Bearer s3cret"


def test_split_login_keeps_host_port_and_path() -> None:
    assert split_login("https://u:p%2Fw@cdn.example.go.id:8443/a/m.json") == (
        "https://cdn.example.go.id:8443/a/m.json",
        ("u", "p/w"),
    )
    assert split_login("https://cdn.example.go.id/m.json") == (
        "https://cdn.example.go.id/m.json",
        None,
    )
