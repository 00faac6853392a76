"""`videotron demo`: sample content, published signed into a folder, played from there."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from central.publish import publish
from player.app import RunOptions, run_player
from player.render.capture import LATEST_NAME
from player.service.board import StatusBoard
from player.wire.signing import generate_keypair, load_private_key, private_key_text, public_key_b64
from player.wire.status import RenderSection
from videotron.demo_content import write_demo_playlist

log = logging.getLogger(__name__)

FEED_NAME = "sample-feed.xml"
HEADLESS_SHOT_EVERY = 3.0
HEADLESS_SECONDS = 60.0  # offscreen without the office, the demo is a check: it ends by itself
SHOTS_KEPT = 20  # screenshots kept in the folder (one every 3 s would fill a disk overnight)


def ensure_key(path: Path) -> str:
    """The demo's publisher key (made once); returns the public key in base64."""
    if not path.exists():
        key, _ = generate_keypair()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(private_key_text(key))
    return public_key_b64(load_private_key(path))


def write_demo_config(
    out: Path, public_key: str, size: str, extra: list[str] | tuple[str, ...] = ()
) -> Path:
    """The demo player's config; `extra` lines add the office (broker, reports)."""
    config = out / "player.yaml"
    config.write_text(
        "\n".join(
            [
                "# Written by `videotron demo`; a real screen uses /etc/videotron/player.yaml.",
                "player: {id: demo-screen, group: demo, timezone: Asia/Jakarta}",
                "source:",
                f"  url: {out / 'published'}",
                f"  public_key: {public_key}",
                "  poll_interval: 10",
                f"cache: {{dir: {out / 'cache'}, max_size: 1GB}}",
                f"runtime: {{dir: {out / 'run'}}}",
                f"display: {{size: {size}, fps: 30}}",
                *extra,
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


def display_available() -> bool:
    """Whether a desktop session is there to open a window on."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_demo(args: argparse.Namespace) -> int:
    out = args.out.resolve()
    content = out / "content"
    out.mkdir(parents=True, exist_ok=True)
    public_key = ensure_key(out / "publisher.key")
    print(f"videotron demo: making sample content in {content}")
    content.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).parent / "data" / FEED_NAME, content / FEED_NAME)
    playlist = write_demo_playlist(content, FEED_NAME)
    key = load_private_key(out / "publisher.key")
    summary = publish(playlist, out / "published", key, dt.datetime.now(dt.UTC))
    print(
        f"videotron demo: published {summary.items} items, signed, sequence "
        f"{summary.sequence}, into {out / 'published'}"
    )
    headless = args.headless or not display_available()
    screenshot_dir = (args.screenshot_dir or out) if headless else args.screenshot_dir
    if screenshot_dir is not None:
        clear_screenshots(screenshot_dir)
    office, hint = _start_office(out, args)
    try:  # from here on, the office stops however the demo ends
        exit_after = play_length(args.exit_after, headless=headless, office=office is not None)
        if office is not None:
            print(office.banner(exit_after))
        if headless:
            until = f"for {exit_after:g} s" if exit_after else "until Ctrl-C"
            print(
                f"videotron demo: no display{' requested' if args.headless else ' found'}: "
                f"rendering offscreen {until}, a screenshot every "
                f"{args.screenshot_every or HEADLESS_SHOT_EVERY:g} s "
                f"in {screenshot_dir}/ (the newest {SHOTS_KEPT} and {LATEST_NAME})"
            )
        options = RunOptions(
            headless=headless,
            screenshot_dir=screenshot_dir,
            screenshot_every=args.screenshot_every
            or (HEADLESS_SHOT_EVERY if headless else RunOptions.screenshot_every),
            screenshot_keep=SHOTS_KEPT,
            exit_after=exit_after,
            frame_log=args.frame_log,
            windowed=not headless,
        )
        status = StatusBoard()
        progress = DemoProgress(status, screenshot_dir, headless=headless)
        extra = office.player_yaml() if office else ()
        config = write_demo_config(out, public_key, "1280x720", extra)
        print(f"videotron demo: playing; Ctrl-C stops it. The player's config: {config}")
        progress.start()
        try:
            code = run_player(config, options, args.log_level, status)
        finally:
            progress.stop()
    finally:
        if office is not None:
            office.stop()
    print(progress.closing(out))
    if office is not None:
        print(f"  the console stopped with the demo; its database and logs: {office.folder}/")
    if hint:
        print(f"videotron demo: {hint}")
    return code


def play_length(exit_after: float | None, *, headless: bool, office: bool) -> float | None:
    """Seconds the demo plays; None: until Ctrl-C.

    `--exit-after` decides when given (0: until Ctrl-C). Otherwise a demo with the office
    stays up, since a newcomer opens the console's address whenever they get to it; an
    offscreen demo without it is a check and ends by itself.
    """
    if exit_after is not None:
        return exit_after or None
    return HEADLESS_SECONDS if headless and not office else None


def clear_screenshots(directory: Path) -> None:
    """Remove an earlier run's screenshots, so the folder holds this run's only."""
    if directory.is_dir():
        for old in [*directory.glob("screen-*.png"), directory / LATEST_NAME]:
            old.unlink(missing_ok=True)


def _start_office(out: Path, args: argparse.Namespace):
    """The broker, collector and console when their parts are here: (office or None, hint)."""
    if args.no_console:
        return None, None
    from videotron import demo_office

    hint = demo_office.office_hint()
    if hint:
        print(f"videotron demo: {hint}")
        return None, hint
    office = demo_office.DemoOffice(out, demo_office.find_mosquitto(), args.console_port)
    print("videotron demo: starting the office: broker, collector and console")
    try:
        office.start()
    except demo_office.OfficeError as exc:
        print(f"videotron demo: playing without the console: {exc}")
        return None, None
    return office, None


class DemoProgress:
    """A line every few seconds while the demo plays, and what it wrote at the end."""

    def __init__(
        self,
        status: StatusBoard,
        screenshot_dir: Path | None,
        every: float = 10.0,
        *,
        headless: bool = False,
    ):
        self.status = status
        self.headless = headless
        self.screenshot_dir = screenshot_dir
        self.every = every
        self._before = set(self._shots())
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-progress", daemon=True)

    def _shots(self) -> list[Path]:
        if self.screenshot_dir is None or not self.screenshot_dir.is_dir():
            return []
        return sorted(self.screenshot_dir.glob("screen-*.png"))

    def new_shots(self) -> list[Path]:
        return [p for p in self._shots() if p not in self._before]

    def line(self) -> str:
        render: RenderSection = self.status.get("render")
        showing = render.get("item") or render.get("kind") or "starting"
        if render.get("type"):
            showing += f" ({render['type']})"
        text = f"videotron demo: {time.monotonic() - self._started:.0f} s, on screen: {showing}"
        if self.screenshot_dir is not None:
            text += f", {len(self.new_shots())} screenshots"
        return text

    def start(self) -> None:
        self._started = time.monotonic()  # the player starts now, not when this was made
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:  # started
            self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            print(self.line(), flush=True)

    def closing(self, out: Path) -> str:
        shots = self.new_shots()
        lines = [f"videotron demo: done after {time.monotonic() - self._started:.0f} s."]
        if shots:
            lines.append(
                f"  {len(shots)} screenshots in {shots[0].parent}/ (last: {shots[-1].name}, "
                f"also as {LATEST_NAME})"
            )
        lines.append(f"  published content (manifest + media): {out / 'published'}")
        lines.append(f"  player config: {out / 'player.yaml'}; cache: {out / 'cache'}")
        again = " --headless" if self.headless else ""
        lines.append(f"  play it again: videotron --config {out / 'player.yaml'} run{again}")
        return "\n".join(lines)
