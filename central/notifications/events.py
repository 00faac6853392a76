"""What happened, as a notification: the event kinds, the event, its words in id and en."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Every kind a target may ask for. Screen health (issue 28) adds its kinds here, with words.
KINDS = ("content-submitted", "content-decided")


@dataclass(frozen=True)
class Event:
    """One thing people are told of; `facts` fill the message's words.

    `concerns` names the console users it is about (a submission's submitter), so a target
    with `users:` hears only of its own; `link` is a console path, made whole with
    notifications.console_url.
    """

    kind: str
    at: dt.datetime
    facts: Mapping[str, str | int] = field(default_factory=dict)
    group: str | None = None
    concerns: tuple[str, ...] = ()
    link: str | None = None

    @property
    def variant(self) -> str:
        """The words' key: the kind, or `kind/outcome` where the outcome changes them."""
        outcome = self.facts.get("outcome")
        return f"{self.kind}/{outcome}" if outcome else self.kind

    @property
    def summary(self) -> str:
        """One line for the log and the audit: the kind, group and subject; never a secret."""
        subject = self.facts.get("subject", "")
        return " ".join(str(part) for part in (self.variant, self.group or "", subject) if part)


CHECK = "notify-test"  # `videotron notify-test`: sent to every target, whatever it asks for

# variant: ((Indonesian title, body), (English title, body)); {fact} fills in.
WORDS: Mapping[str, tuple[tuple[str, str], tuple[str, str]]] = MappingProxyType({
    CHECK: (
        ("Uji notifikasi Videotron",
         "Pesan uji dari {host} untuk target {target}: notifikasi kantor sampai ke sini."),
        ("Videotron notification test",
         "A test from {host} for target {target}: the office's notifications arrive here."),
    ),
    "content-submitted": (
        ("Konten menunggu persetujuan: {group} #{number}",
         "{submitter} mengajukan {items} item untuk grup {group} (pengajuan #{number}). "
         "Periksa dan setujui atau kembalikan di konsol."),
        ("Content waiting for approval: {group} #{number}",
         "{submitter} submitted {items} items for group {group} (submission #{number}). "
         "Review it, then approve or send it back in the console."),
    ),
    "content-decided/approved": (
        ("Konten disetujui: {group} #{number}",
         "{approver} menyetujui pengajuan #{number} untuk grup {group}; "
         "konten sudah diterbitkan ke layar."),
        ("Content approved: {group} #{number}",
         "{approver} approved submission #{number} for group {group}; "
         "it is published to the screens."),
    ),
    "content-decided/sent-back": (
        ("Konten dikembalikan: {group} #{number}",
         "{approver} mengembalikan pengajuan #{number} untuk grup {group}.\n"
         "Alasan: {reason}\nPerbaiki lalu ajukan lagi."),
        ("Content sent back: {group} #{number}",
         "{approver} sent back submission #{number} for group {group}.\n"
         "Reason: {reason}\nFix it and submit again."),
    ),
})  # fmt: skip


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        return "?"  # a fact a sender forgot must not lose the whole message


def render(event: Event, language: str, console_url: str | None = None) -> tuple[str, str]:
    """The message's title and body in `language` ("id" or "en"), with the console link."""
    words = WORDS.get(event.variant) or WORDS.get(event.kind)
    facts = _Facts({"group": event.group or "", **event.facts})
    if words is None:  # a kind without words yet: its facts, plainly
        title = event.summary
        body = "\n".join(f"{key}: {value}" for key, value in sorted(event.facts.items()))
    else:
        title, body = (w.format_map(facts) for w in words[0 if language == "id" else 1])
    if console_url and event.link:
        body = f"{body}\n\n{console_url}{event.link}"
    return title, body
