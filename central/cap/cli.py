"""`videotron cap-watch`: run the CAP watcher, or print its status with --status."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from central.broker import BrokerTarget, SendError, load_publisher_key, send_alert
from central.cap.settings import CapSettings
from central.cap.status import Decision, render_status
from central.config import CentralConfig, CentralConfigError, load_central_config

if TYPE_CHECKING:
    from central.cap.watcher import Send

log = logging.getLogger(__name__)


def _sender(config: CentralConfig) -> Send:
    """(payload, lifetime) -> sealed with the publisher key and published retained, as
    `videotron alert` does; SendError now when the broker or the key is unusable."""
    target = BrokerTarget.from_config(config)
    key = load_publisher_key(config.publish.key, config.path)

    def send(payload: dict, lifetime: dt.timedelta) -> None:
        topic = send_alert(target, key, payload, lifetime)
        log.info("sent %s %s to %s", payload["type"], payload["id"], topic)

    return send


class AuditLog:
    """Writes each verdict to the collector's audit table. The database is opened (and
    migrated) at the first record and again after a failure: a database that is down
    costs audit rows, which the log still has, never a warning on screen."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = None

    def __call__(self, decision: Decision) -> None:
        from central.collector.database import open_engine, upgrade
        from central.collector.schema import audit

        if self._engine is None:
            engine = open_engine(self.url)
            try:
                upgrade(engine)
            except Exception:
                engine.dispose()
                raise
            self._engine = engine
        detail = {k: v for k, v in decision.to_json().items() if k not in ("at", "identifier")}
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    audit.insert().values(
                        at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                        actor="cap-watch",
                        action=f"cap-{decision.verdict}",
                        target=(decision.identifier or decision.where)[:256],
                        detail=json.dumps(detail, ensure_ascii=False),
                    )
                )
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
        print(render_status(data))
        return 0
    return _run(config, settings)


def _run(config: CentralConfig, settings: CapSettings) -> int:
    from central.cap.watcher import CapWatcher
    from central.sdnotify import SdNotify, stop_on_signals

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
    try:
        send = _sender(config)
    except SendError as exc:
        print(f"videotron cap-watch: {exc}", file=sys.stderr)
        return 2
    audit = AuditLog(settings.audit_database) if settings.audit_database else None
    watcher = CapWatcher(settings, send, audit)
    stop = stop_on_signals()
    notifier = SdNotify()
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
