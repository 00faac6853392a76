"""`videotron weather`: fetch each group's forecast from BMKG and publish it with the content.

For each group of central.yaml's `weather.groups`, in turn and within BMKG's rate limit:
fetch (deadline, byte cap), turn the answer into the wire's small weather document
(player/wire/weather.py), store it as `media/<sha256>` in the group's published folder
and name it in the manifest's `localinfo.weather`; then sign the manifest again with a
new sequence. The items are not touched, so their content and approvals stay as they
were: refreshing the weather never asks anyone to approve content again.

A group whose fetch fails keeps its last forecast (the screens hide it once it is 24 h
old); the others go on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey

from central.cap.fetch import FetchError, fetch_url
from central.config import CentralConfig
from central.publish import next_sequence, write_manifest
from central.publishlock import PublishBusy, publish_lock, who
from central.weather.bmkg import BmkgError, forecast_url, parse_bmkg
from central.weather.ratelimit import TokenBucket
from player.wire.atomicfile import atomic_write
from player.wire.isotime import format_utc
from player.wire.manifest import DATA_TYPE, ManifestError, to_json
from player.wire.parse import parse
from player.wire.signing import SignatureError, verify
from player.wire.smallfile import NotReadable, read_small_file
from player.wire.weather import Forecast, forecast_json

log = logging.getLogger(__name__)

MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # as the players' sources accept


class WeatherError(Exception):
    """One group's forecast could not be published; the message says why and what to do."""


@dataclass(frozen=True)
class Refreshed:
    """What one group's refresh did: `error` None when its forecast was published."""

    group: str
    adm4: str
    sequence: int | None = None
    sha256: str | None = None  # of the weather document
    periods: int = 0
    issued_at: dt.datetime | None = None
    error: str | None = None


def attach_forecast(
    folder: Path, forecast: Forecast, key: SigningKey | None, now: dt.datetime
) -> tuple[int, str]:
    """Put `forecast` into the published tree in `folder` and sign its manifest again.

    Returns (new sequence, sha256 of the document). The manifest already there must be
    signed by `key` (or unsigned when key is None): the refresh re-signs only what this
    office published. Raises WeatherError naming what is wrong. Runs under the folder's
    publish lock, so a content publish at the same moment is never undone by it.
    """
    if not folder.is_dir():
        raise WeatherError(f"{folder}: no such folder; publish the group's content first")
    try:
        with publish_lock(folder, f"videotron weather ({who()})"):
            return _attach_forecast(folder, forecast, key, now)
    except PublishBusy as exc:
        raise WeatherError(str(exc)) from None


def _attach_forecast(
    folder: Path, forecast: Forecast, key: SigningKey | None, now: dt.datetime
) -> tuple[int, str]:
    manifest_path = folder / "manifest.json"
    try:
        data = read_small_file(manifest_path, MAX_MANIFEST_BYTES, "a manifest")
        parse(data)
    except (OSError, NotReadable) as exc:
        raise WeatherError(
            f"{manifest_path}: cannot read ({exc}); publish the group's content first"
        ) from None
    except ManifestError as exc:
        raise WeatherError(f"{manifest_path}: not a valid manifest ({exc})") from None
    if key is not None:
        try:
            signature = (folder / "manifest.json.sig").read_bytes()
            verify(data, signature, key.verify_key)
        except (OSError, SignatureError) as exc:
            raise WeatherError(
                f"{manifest_path}: not signed by publish.key ({exc}); publish it with that key"
            ) from None
    raw = json.loads(data)
    document = forecast_json(forecast)
    sha = hashlib.sha256(document).hexdigest()
    media_dir = folder / "media"
    media_dir.mkdir(exist_ok=True)
    if not (media_dir / sha).is_file():
        atomic_write(media_dir / sha, document, durable=True, mode=0o644)
    localinfo = dict(raw.get("localinfo") or {})
    media = dict(raw.get("media") or {})
    old = (localinfo.get("weather") or {}).get("sha256")
    if old != sha and old in media and media[old].get("type") == DATA_TYPE:
        del media[old]  # its file stays: a screen syncing the previous manifest still finds it
    media[sha] = {"size": len(document), "type": DATA_TYPE, "url": f"media/{sha}"}
    localinfo["weather"] = {"sha256": sha, "fetched_at": format_utc(forecast.fetched_at)}
    raw.update(
        media=media,
        localinfo=localinfo,
        sequence=next_sequence(folder, now),
        published_at=format_utc(now),
    )
    new = to_json(raw)
    try:
        parse(new, strict=True)
    except ManifestError as exc:  # a bug here, not in the content: refuse, keep the old
        raise WeatherError(f"{manifest_path}: the refreshed manifest is invalid ({exc})") from None
    write_manifest(folder, new, key)
    return raw["sequence"], sha


def refresh(
    config: CentralConfig,
    key: SigningKey | None,
    *,
    groups: list[str] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    fetch: Callable[..., object] = fetch_url,
) -> list[Refreshed]:
    """Fetch and publish the forecast of each group (all of `weather.groups` by default).

    One request per village code, however many groups share it, spaced by a token bucket
    at `weather.requests_per_minute`.
    """
    settings = config.weather
    wanted = sorted(settings.groups) if groups is None else groups
    bucket = TokenBucket(settings.requests_per_minute, burst=1, now=monotonic())
    answers: dict[str, Forecast | str] = {}  # adm4 -> forecast, or why it failed
    results = []
    for group in wanted:
        adm4 = settings.groups.get(group)
        folder = config.publish.groups.get(group)
        if adm4 is None or folder is None:
            missing = "weather.groups" if adm4 is None else "publish.groups"
            results.append(
                Refreshed(
                    group,
                    adm4 or "",
                    error=f"group {group!r} is not in {missing} of {config.path}; add it there",
                )
            )
            continue
        if adm4 not in answers:
            while (wait := bucket.delay(monotonic())) > 0:
                sleep(wait)
            bucket.take(monotonic())
            answers[adm4] = _fetch_forecast(settings, adm4, now(), fetch)
        answer = answers[adm4]
        if isinstance(answer, str):
            results.append(Refreshed(group, adm4, error=answer))
            continue
        try:
            sequence, sha = attach_forecast(folder, answer, key, now())
        except (WeatherError, OSError) as exc:
            results.append(Refreshed(group, adm4, error=str(exc)))
            continue
        log.info("weather for %s (%s) published: sequence %d", group, adm4, sequence)
        results.append(Refreshed(group, adm4, sequence, sha, len(answer.periods), answer.issued_at))
    return results


def _fetch_forecast(settings, adm4: str, fetched_at: dt.datetime, fetch) -> Forecast | str:
    url = forecast_url(settings.url, adm4)
    try:
        answer = fetch(
            url, etag=None, last_modified=None, max_bytes=settings.max_bytes,
            deadline=settings.deadline, agent="videotron-weather",
            size_rule="weather.max_bytes", time_rule="weather.deadline",
        )  # fmt: skip
        return parse_bmkg(answer.body or b"", adm4, fetched_at)
    except FetchError as exc:
        return f"BMKG: {exc}; the last forecast stays (screens hide it after 24 h)"
    except BmkgError as exc:
        return f"BMKG answer for {adm4} from {url}: {exc}; the last forecast stays"
