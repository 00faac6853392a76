"""`videotron cap-watch` as a subprocess for tests, watched through its status file and log."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.player import VIDEOTRON, StatusWatched


def put(path: Path, data: bytes) -> None:
    """Write a served file whole (temp + rename): nginx never serves half of it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def central_yaml(path: Path, *, broker: str, key: Path, sources: list[str], groups: str,
                 work: Path, poll: int = 2, deadline: int = 5,
                 database: str | None = None) -> Path:  # fmt: skip
    """A central.yaml with a cap section; `sources` are lines such as "url: http://…"."""
    source_lines = "".join(f"    - {line}\n" for line in sources)
    path.write_text(
        f"mqtt:\n  url: {broker}\n  topic_prefix: vt\n"
        f"collector:\n  database: {database or 'sqlite:///' + str(work / 'central.sqlite3')}\n"
        f"publish:\n  key: {key}\n"
        f"cap:\n  sources:\n{source_lines}"
        f"  poll_interval: {poll}\n  deadline: {deadline}\n"
        f"  status_file: {work / 'cap-status.json'}\n  state_file: {work / 'cap-state.json'}\n"
        f"  groups:\n{groups}",
        encoding="utf-8",
    )
    return path


class CapWatchProcess(StatusWatched):
    """`videotron cap-watch` running in the background."""

    label = "cap-watch"

    def __init__(self, config: Path, status: Path, log: Path) -> None:
        self.config = config
        self.status_path = status
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*VIDEOTRON, "--config", str(self.config), "cap-watch"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> Path:
        return self.log

    def verdict(self, identifier: str, timeout: float = 15) -> dict:
        """The recorded verdict on CAP message `identifier` (or on a file or URL)."""

        def find(status: dict) -> dict | None:
            for decision in status.get("recent", []):
                if identifier in (decision.get("identifier"), decision["where"]) or (
                    decision["where"].endswith("/" + identifier)
                ):
                    return decision
            return None

        return find(self.wait_for(f"a verdict on {identifier}", find, timeout))  # type: ignore

    def wait_polls(self, nginx, index_uri: str, polls: int, timeout: float = 30) -> None:
        """Until `polls` whole polls of the index at `index_uri` on `nginx` have ended after
        now: nginx has answered one more request for it than that (a poll writes its status
        and sends before the next one asks for the index)."""
        before = sum(1 for r in nginx.requests() if r.uri == index_uri)
        self.wait_for(
            f"{polls} more polls of {index_uri}",
            lambda _status: sum(1 for r in nginx.requests() if r.uri == index_uri) > before + polls,
            timeout,
        )

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            pytest.fail("cap-watch did not stop within 20 s of SIGTERM")
