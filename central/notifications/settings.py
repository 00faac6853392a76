"""The `notifications:` section of central.yaml: targets (apprise URLs), their events and groups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from central.notifications.events import KINDS
from player.wire.located import Context, Invalid, Located, shown
from player.wire.secret import Secret
from player.wire.settings import (
    Setting,
    did_you_mean,
    duration,
    integer,
    scalar_text,
    whole_seconds,
)

LANGUAGES = ("id", "en")  # the console's languages; Indonesian first, as the office reads
_TARGET_KEYS = ("name", "url", "events", "groups", "users", "language")
_APPRISE_DOCS = "https://github.com/caronc/apprise/wiki"


@dataclass(frozen=True)
class Target:
    """Where a notification goes and which ones it wants; empty filters mean every one."""

    name: str
    url: Secret  # an apprise URL holds passwords and tokens: reveal() only to send
    events: tuple[str, ...] = KINDS
    groups: tuple[str, ...] = ()  # screen groups; events of no group (none yet) always pass
    users: tuple[str, ...] = ()  # console users the event concerns (a submitter)
    language: str = "id"

    def wants(self, kind: str, group: str | None, concerns: tuple[str, ...]) -> bool:
        if kind not in self.events:
            return False
        if self.groups and group is not None and group not in self.groups:
            return False
        return not self.users or any(user in self.users for user in concerns)


@dataclass(frozen=True)
class ScreenRules:
    """When the screen watch tells of a screen (the `notifications.*_after` keys and limits)."""

    offline_after: dt.timedelta = dt.timedelta(minutes=2)
    behind_after: dt.timedelta = dt.timedelta(minutes=30)
    alert_after: dt.timedelta = dt.timedelta(minutes=2)
    window: dt.timedelta = dt.timedelta(seconds=30)  # incidents this close are one message
    check_every: float = 15.0  # seconds between looks at the screens


@dataclass(frozen=True)
class NotificationSettings:
    targets: tuple[Target, ...] = ()
    console_url: str | None = None  # the console's address, for a link in each message
    attempts: int = 3  # per message and target; then it is logged as failed
    retry_after: float = 30.0  # seconds before the first retry; doubled for the next
    timeout: float = 15.0  # seconds one attempt may connect or wait for an answer
    queue: int = 100  # messages waiting per target; more are dropped and logged
    screens: ScreenRules = field(default_factory=ScreenRules)


# --- value types ---------------------------------------------------------------------------


def _words(v: Located, what: str) -> tuple[str, ...]:
    """A list of names, or one name alone."""
    items = v.value if isinstance(v.value, list) else [v]
    return tuple(scalar_text(item, what).strip() for item in items)


def _kinds(v: Located) -> tuple[str, ...]:
    kinds = _words(v, "event kinds")
    for kind in kinds:
        if kind not in KINDS:
            close = did_you_mean(kind, KINDS)
            tip = f"did you mean {close}?" if close else f"known events: {', '.join(KINDS)}"
            raise Invalid(f"unknown event {kind!r}; {tip}")
    return kinds


def apprise_url(v: Located) -> Secret:
    """An apprise URL (mailtos://…, tgram://…, json://…) apprise can use; shown only by scheme."""
    url = scalar_text(v, "an apprise URL such as mailtos://… or tgram://…").strip()
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not scheme:
        raise Invalid(f"expected an apprise URL such as mailtos://… or tgram://… (see "
                      f"{_APPRISE_DOCS}), got a text without '://'")  # fmt: skip
    import apprise  # the office's extra; loaded only where a target is configured

    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        raise Invalid(f"apprise cannot use this {scheme}:// URL (an unknown scheme or a missing "
                      f"part such as a token or an address); see {_APPRISE_DOCS}")  # fmt: skip
    return Secret(url)


def _target(v: Located, index: int) -> Target:
    if not isinstance(v.value, dict):
        raise Invalid(f"expected a target with name, url, events…, got {shown(v)}", v)
    values: dict[str, Any] = {"name": f"target {index + 1}"}
    errors = []
    for key, loc in v.value.items():
        try:
            if key == "name":
                values["name"] = scalar_text(loc, "a name").strip()
            elif key == "url":
                values["url"] = apprise_url(loc)
            elif key == "events":
                values["events"] = _kinds(loc)
            elif key in ("groups", "users"):
                values[key] = _words(loc, f"{key[:-1]} names")
            elif key == "language":
                language = scalar_text(loc, "id or en").strip().lower()
                if language not in LANGUAGES:
                    raise Invalid(f"expected id or en, got {language!r}")
                values["language"] = language
            else:
                close = did_you_mean(key, _TARGET_KEYS)
                tip = f"did you mean {close}?" if close else f"valid: {', '.join(_TARGET_KEYS)}"
                errors.append(Invalid(f"unknown key {key!r}; {tip}", loc.key_position(), key))
        except Invalid as exc:
            errors.append(Invalid.joined([Invalid(m, at or loc, s) for m, at, s in exc.items], key))
    if "url" not in values and not any(suffix == "url" for e in errors for _, _, suffix in e.items):
        errors.append(Invalid("needs a url: the apprise URL to send to", v))
    if errors:
        raise Invalid.joined(errors)
    return Target(**values)


def targets(v: Located, ctx: Context) -> tuple[Target, ...]:
    """`- name: …, url: …, events: […], groups: […], users: […], language: id` per target."""
    if not isinstance(v.value, list):
        raise Invalid(f"expected a list of targets ('- name: …'), got {shown(v)}")
    found, errors, names = [], [], set()
    for index, item in enumerate(v.value):
        try:
            target = _target(item, index)
        except Invalid as exc:
            errors.append(Invalid.joined([exc], f"[{index}]"))
            continue
        if target.name in names:
            message = f"the name {target.name!r} is used twice; logs and audit tell targets by it"
            errors.append(Invalid(message, item, f"[{index}].name"))
        names.add(target.name)
        found.append(target)
    if errors:
        raise Invalid.joined(errors)
    return tuple(found)


def console_url(v: Located, ctx: Context) -> str:
    url = scalar_text(v, "an http(s) URL").strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise Invalid(f"expected the console's http(s) address, got {url!r}")
    return url


# --- the declarations ----------------------------------------------------------------------

NOTIFICATION_SETTINGS: tuple[Setting, ...] = (
    Setting("notifications.targets", targets, (),
            "where notifications go: - name, url (apprise), events, groups, users, language"),
    Setting("notifications.console_url", console_url, None,
            "the console's address, for a link in each message", nullable=True),
    Setting("notifications.attempts", integer(1, 10), 3,
            "attempts per message and target before it is logged as failed"),
    Setting("notifications.retry_after", duration(1, 3600), 30.0,
            "wait before the first retry (doubled for each next): 30s, 2m"),
    Setting("notifications.timeout", whole_seconds(1, 120), 15,
            "seconds one attempt may take to connect or to be answered"),
    Setting("notifications.queue", integer(1, 10000), 100,
            "messages waiting per target; more are dropped and logged"),
    Setting("notifications.offline_after", duration(1, 86400), 120.0,
            "a screen silent this long is told as offline: 2m"),
    Setting("notifications.behind_after", duration(1, 7 * 86400), 1800.0,
            "a screen this long behind its group's latest publish is told: 30m"),
    Setting("notifications.alert_after", duration(1, 86400), 120.0,
            "an alert in force this long and not on some reporting screen is told: 2m"),
    Setting("notifications.group_window", duration(0, 3600), 30.0,
            "incidents of one kind and group this close together go in one message: 30s"),
    Setting("notifications.check_every", duration(1, 600), 15.0,
            "how often the collector looks at the screens for incidents: 15s"),
)  # fmt: skip

_SCREEN_RULES = {  # key under notifications. -> (ScreenRules field, from the checked value)
    "offline_after": ("offline_after", lambda v: dt.timedelta(seconds=v)),
    "behind_after": ("behind_after", lambda v: dt.timedelta(seconds=v)),
    "alert_after": ("alert_after", lambda v: dt.timedelta(seconds=v)),
    "group_window": ("window", lambda v: dt.timedelta(seconds=v)),
    "check_every": ("check_every", float),
}


def notification_settings(values: Mapping[str, Any]) -> NotificationSettings:
    """NotificationSettings from the checked `notifications.*` values of central.yaml."""
    prefix = "notifications."
    given = {p.removeprefix(prefix): v for p, v in values.items() if p.startswith(prefix)}
    rules = {}
    for key, (name, convert) in _SCREEN_RULES.items():
        if key in given:
            rules[name] = convert(given.pop(key))
    return NotificationSettings(**given, screens=ScreenRules(**rules))
