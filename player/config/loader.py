"""Read the YAML config with line numbers into a `Config`, reporting every problem at once."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from player.config import model, schema
from player.config.hours import ALL_DAY
from player.wire import yamlconfig
from player.wire.located import Context, Located
from player.wire.secret import MASK
from player.wire.settings import Checked, check_tree, file_context
from player.wire.yamlconfig import ConfigError, ConfigIssue, located_tree

__all__ = ["ConfigError", "ConfigIssue", "load_config", "parse_config_text"]

MAX_DEPTH = 16  # deeper than any setting; also stops recursive YAML aliases
MAX_BYTES = 256 * 1024  # a config is a few kB; 256 KiB of YAML parses in ~2 s, not minutes


# --- reading -------------------------------------------------------------------------------


def load_config(path: Path) -> model.Config:
    """Read and check the config file; raises ConfigError with every problem found."""
    path = Path(path)
    return parse_config_text(read_config_text(path), path)


def read_config_text(path: Path) -> str:
    """The config file's text, bounded in size; ConfigError in one line when unreadable."""
    return yamlconfig.read_config_text(path, MAX_BYTES, "player", _missing_help(path))


def _missing_help(path: Path) -> str:
    return (
        f"config file not found (looked for {path}). Create it from the commented example "
        "that ships with the player: "
        f"`sudo install -D -m 0640 -g videotron config/player.yaml {path}` "
        "(from the player's source folder), or point --config or VIDEOTRON_CONFIG at another file"
    )


def parse_config_text(text: str, path: Path) -> model.Config:
    """Check YAML text as if read from `path` (relative file paths start at its folder)."""
    path = Path(path)
    tree, issues = located_tree(text, path, MAX_DEPTH, "player")
    if tree is None:
        message = "the file is empty (or only comments); copy the example config/player.yaml"
        raise ConfigError([*issues, ConfigIssue(path, 1, 1, "(file)", message)])
    config, problems = build_config(tree, file_context(path), path)
    issues += problems
    if issues or config is None:
        raise ConfigError(sorted(issues, key=lambda i: (i.line, i.col)))
    return dataclasses.replace(config, path=path)


def build_config(
    tree: Located, ctx: Context, path: Path
) -> tuple[model.Config | None, list[ConfigIssue]]:
    """Check a located YAML tree against the schema: a Config, or every problem found."""
    checked = check_tree(tree, schema.TABLE, ctx, path)
    if not isinstance(tree.value, dict):
        return None, checked.issues
    _cross_check(checked)
    if checked.issues:
        return None, checked.issues
    return assemble(checked.values), []


def _cross_check(build: Checked) -> None:
    values, where = build.values, build.where
    size, area = values.get("display.size"), values.get("display.region")
    if size is not None and area is not None:
        w, h = size
        if area.x + area.w > w or area.y + area.h > h:
            build.add(where["display.region"], "display.region",
                      f"region {area.w}x{area.h} at ({area.x}, {area.y}) does not fit inside "
                      f"display.size {w}x{h}")  # fmt: skip
    batch, cap = values.get("report.batch_size"), values.get("report.max_records")
    if batch is not None and cap is not None and batch > cap:
        build.add(where["report.batch_size"], "report.batch_size",
                  f"{batch} is more than report.max_records ({cap})")  # fmt: skip
    if (
        values.get("source.url")
        and not values.get("source.allow_unsigned")
        and values.get("source.public_key") is None
        and "source.public_key" not in {i.key for i in build.issues}
    ):
        build.add(where["source.url"], "source.public_key",
                  "needed when source.url is set: paste the publisher's public key (base64), "
                  "or set source.allow_unsigned: true for demos")  # fmt: skip
    if values.get("mqtt.password") and not values.get("mqtt.username"):
        build.add(where["mqtt.password"], "mqtt.password",
                  "a password needs mqtt.username as well")  # fmt: skip


def assemble(values: dict[str, Any]) -> model.Config:
    """Config from parsed values by dotted path; keys not given keep the model defaults."""
    sections = {
        name: cls(**{p.split(".", 1)[1]: v for p, v in values.items() if p.split(".")[0] == name})
        for name, cls in schema.SECTION_TYPES.items()
    }
    hours = values.get("operating_hours") or model.OperatingHours()
    return model.Config(**sections, operating_hours=hours)


# --- showing -------------------------------------------------------------------------------


def _hours_plain(hours: model.OperatingHours) -> Any:
    if hours.always_on:
        return "always on"
    out = {}
    for index, day in enumerate(model.WEEKDAYS):
        windows = hours.days.get(index, ())
        if windows == ALL_DAY:
            out[day] = "on"
        else:
            out[day] = [f"{w.start:%H:%M}-{w.end:%H:%M}" for w in windows] or "off"
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, model.Region):
        return dataclasses.asdict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _mask_url(url: str | None) -> str | None:
    if not url or "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:{MASK}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def mask_secrets(config: model.Config) -> dict[str, Any]:
    """The effective config as plain JSON-friendly values, with tokens and passwords masked."""
    out: dict[str, Any] = {}
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        if not key:
            continue
        value = _plain(getattr(getattr(config, section), key))
        if setting.secret and value:
            value = MASK
        elif setting.path in ("source.url", "mqtt.url"):
            value = _mask_url(value)
        out.setdefault(section, {})[key] = value
    out["operating_hours"] = _hours_plain(config.operating_hours)
    return out


def summary_lines(config: model.Config) -> list[str]:
    """One line per setting (secrets masked); `*` marks values changed from the default."""
    shown, defaults = mask_secrets(config), mask_secrets(model.Config())
    lines = []
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        value = shown[section][key] if key else shown[section]
        default = defaults[section][key] if key else defaults[section]
        mark = "*" if value != default else " "
        lines.append(f" {mark} {setting.path:<24} {schema.shown_value(setting.path, value)}")
    return lines


def cmd_check_config(args: argparse.Namespace) -> int:
    """`videotron check-config [PATH]`: print every problem (exit 1) or the effective config."""
    path = Path(getattr(args, "path", None) or args.config_path)
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        count = len(exc.issues)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}; fix and run "
              f"`videotron check-config {path}` again", file=sys.stderr)  # fmt: skip
        return 1
    print(f"{path}: OK (* = changed from the default)")
    print("\n".join(summary_lines(config)))
    return 0


def changed_settings(old: model.Config, new: model.Config) -> list[str]:
    """`key: old → new` for every setting that differs (secrets masked), in schema order."""
    before, after = mask_secrets(old), mask_secrets(new)
    out = []
    for setting in schema.SETTINGS:
        section, _, key = setting.path.partition(".")
        was = before[section][key] if key else before[section]
        now = after[section][key] if key else after[section]
        if setting.secret:
            if getattr(getattr(old, section), key) != getattr(getattr(new, section), key):
                out.append(f"{setting.path}: changed (secret, not shown)")
            continue
        if was != now:
            shown_was = schema.shown_value(setting.path, was)
            shown_now = schema.shown_value(setting.path, now)
            out.append(f"{setting.path}: {shown_was} → {shown_now}")
    return out
