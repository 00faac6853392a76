"""`videotron cap-watch`: run the CAP watcher, or print its status with --status."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from nacl.signing import SigningKey

from central.cap.settings import CapSettings
from central.cap.status import Decision, render_status
from central.config import CentralConfig, CentralConfigError, load_central_config
from central.notify import CliError, Target, publish_once
from player.wire.broker import make_topics, parse_broker_url

log = logging.getLogger(__name__)


def _sender(config: CentralConfig, key: SigningKey) -> Callable[[str, dict], None]:
    """(group, payload) -> sealed with the publisher key and published retained, as `alert`."""
    from player.wire import signing

    mqtt = config.mqtt
    target = Target(
        parse_broker_url(mqtt.url or ""),
        mqtt.topic_prefix,
        mqtt.username,
        mqtt.password,
        mqtt.ca_bundle,
    )

    def send(group: str, payload: dict) -> None:
        expires = dt.datetime.fromisoformat(payload["expires_at"])
        lifetime = (expires - dt.datetime.now(dt.UTC)).total_seconds()
        topic = make_topics(target.prefix, group, "cap-watch").alert
        publish_once(target, topic, signing.seal(payload, key), retain=True, expiry=lifetime)
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
    from central.signals import stop_on_signals
    from player.wire import signing
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
    try:
        key = signing.load_private_key(config.publish.key)
        send = _sender(config, key)
    except (ValueError, OSError, CliError) as exc:
        print(f"videotron cap-watch: {exc}", file=sys.stderr)
        return 2
    audit = AuditLog(settings.audit_database.reveal()) if settings.audit_database else None
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
