"""`videotron cap-watch`: run the CAP watcher, or print its status with --status."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from central.broker import BrokerTarget, SendError, load_publisher_key, send_alert
from central.cap.settings import CapSettings
from central.cap.status import Decision, render_status
from central.config import CentralConfig, CentralConfigError, load_central_config

if TYPE_CHECKING:
    from central.cap.watcher import Send

log = logging.getLogger(__name__)


def _sender(config: CentralConfig, sent: Callable[[str, dict], None] | None = None) -> Send:
    """(payload, lifetime) -> sealed with the publisher key and published retained, as
    `videotron alert` does, then `sent(group, payload)` (the audit log's); SendError now
    when the broker or the key is unusable."""
    target = BrokerTarget.from_config(config)
    key = load_publisher_key(config.publish.key, config.path)

    def send(payload: dict, lifetime: dt.timedelta) -> None:
        topic = send_alert(target, key, payload, lifetime)
        log.info("sent %s %s to %s", payload["type"], payload["id"], topic)
        if sent is not None:
            sent(payload["group"], payload)

    return send


class AuditLog:
    """Writes each verdict, and each alert sent for it, to the office's audit log. The
    database is opened (and migrated) at the first record and again after a failure: a
    database that is down costs audit rows, which the log still has, never a warning on
    screen."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = None
        self._sent: list[tuple[str, dict]] = []  # sent for the verdict still to come

    def sent(self, group: str, payload: dict) -> None:
        """Keep an alert sent to `group` until the verdict that names its CAP message."""
        self._sent.append((group, payload))

    def __call__(self, decision: Decision) -> None:
        from central.db.alerts import record_alert
        from central.db.audit import record
        from central.db.database import open_engine, upgrade

        if self._engine is None:
            engine = open_engine(self.url)
            try:
                upgrade(engine)
            except Exception:
                engine.dispose()
                raise
            self._engine = engine
        detail = {k: v for k, v in decision.to_json().items() if k not in ("at", "identifier")}
        sent, self._sent = self._sent, []
        now = dt.datetime.now(dt.UTC)
        try:
            with self._engine.begin() as connection:
                target = decision.identifier or decision.where
                record(connection, now, "cap-watch", f"cap-{decision.verdict}", target,
                       detail=detail)  # fmt: skip
                for group, payload in sent:
                    record_alert(connection, payload={**payload, "group": group},
                                 actor="cap-watch", source="cap-watch", now=now,
                                 cap_identifier=decision.identifier)  # fmt: skip
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def cmd_cap_watch(args: argparse.Namespace) -> int:
    """Poll the CAP sources of central.yaml until SIGTERM/SIGINT; --status prints the status."""
    logging.basicConfig(
        level=(getattr(args, "log_level", None) or "INFO").upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        config = load_central_config(Path(args.config_path))
    except CentralConfigError as exc:
        print(f"videotron cap-watch: {exc}", file=sys.stderr)
        return 2
    settings = config.cap
    if args.status:
        try:
            data = json.loads(settings.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(
                f"videotron cap-watch: no status in {settings.status_file} ({exc}); "
                "is the watcher running (systemctl status videotron-cap)?",
                file=sys.stderr,
            )
            return 1
        print(render_status(data, ZoneInfo(config.console.timezone)))
        return 0
    return _run(config, settings)


def _run(config: CentralConfig, settings: CapSettings) -> int:
    from central.cap.watcher import CapWatcher
    from central.signals import stop_on_signals
    from player.wire.sdnotify import Notifier

    problems = []
    if not settings.sources:
        problems.append("no cap.sources")
    if not settings.groups:
        problems.append("no cap.groups")
    if not config.mqtt.url:
        problems.append("no mqtt.url")
    if config.publish.key is None:
        problems.append("no publish.key to sign the alerts with")
    if problems:
        print(f"videotron cap-watch: {'; '.join(problems)} in {config.path}", file=sys.stderr)
        return 2
    audit = AuditLog(settings.audit_database.reveal()) if settings.audit_database else None
    try:
        send = _sender(config, audit.sent if audit is not None else None)
    except SendError as exc:
        print(f"videotron cap-watch: {exc}", file=sys.stderr)
        return 2
    watcher = CapWatcher(settings, send, audit)
    stop = stop_on_signals()
    notifier = Notifier()
    sources = ", ".join(s.name for s in settings.sources)
    log.info(
        "CAP watcher polling %s every %d s for groups %s",
        sources,
        settings.poll_interval,
        ", ".join(settings.groups),
    )
    notifier.ready(f"polling {len(settings.sources)} CAP sources")
    try:
        watcher.run(stop, tick=notifier.watchdog)
    finally:
        notifier.stopping()
        notifier.close()
        if audit is not None:
            audit.close()
    return 0
