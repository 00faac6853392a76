"""What happened, as a notification: the event kinds, the event, its words in id and en."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# What the screen watch tells (central/notifications/watch.py); each has a "down" and a
# "back" variant, and one message may name many screens of a group.
SCREEN_OFFLINE = "screen-offline"
SCREEN_BEHIND = "screen-behind"
SCREEN_ALERT_MISSED = "screen-alert-missed"
SCREEN_HOT = "screen-hot"
SCREEN_UNDER_VOLTAGE = "screen-under-voltage"
SCREEN_DISK_FULL = "screen-disk-full"
SCREEN_SD_FAILING = "screen-sd-failing"
SCREEN_KINDS = (
    SCREEN_OFFLINE, SCREEN_BEHIND, SCREEN_ALERT_MISSED, SCREEN_HOT, SCREEN_UNDER_VOLTAGE,
    SCREEN_DISK_FULL, SCREEN_SD_FAILING,
)  # fmt: skip
# Every kind a target may ask for.
KINDS = (
    "content-submitted", "content-decided", "campaign-submitted", "campaign-decided",
    *SCREEN_KINDS,
)  # fmt: skip


@dataclass(frozen=True)
class Event:
    """One thing people are told of; `facts` fill the message's words.

    `concerns` names the console users it is about (a submission's submitter), so a target
    with `users:` hears only of its own; `link` is a console path, made whole with
    notifications.console_url. `groups` names every group when it is about more than one (a
    campaign's), so a target of any of them hears of it; `group` is then the first.
    """

    kind: str
    at: dt.datetime
    facts: Mapping[str, str | int] = field(default_factory=dict)
    group: str | None = None
    concerns: tuple[str, ...] = ()
    link: str | None = None
    groups: tuple[str, ...] = ()

    @property
    def reach(self) -> tuple[str | None, ...]:
        """The groups a target's `groups:` filter is asked of (None: of no group)."""
        return self.groups or (self.group,)

    @property
    def variant(self) -> str:
        """The words' key: the kind, or `kind/outcome` where the outcome changes them (a
        decision's, or "end" for a change set that ends a campaign)."""
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
    # A campaign's change set (central/content/campaignreview.py); {groups} every group it
    # plays in, now or before it; "/end" a change set that ends the campaign.
    "campaign-submitted": (
        ("Kampanye menunggu persetujuan: {campaign} #{number}",
         "{submitter} mengajukan perubahan kampanye {campaign} ({partner}) untuk grup "
         "{groups} (pengajuan #{number}). Periksa dan setujui atau kembalikan di konsol."),
        ("Campaign waiting for approval: {campaign} #{number}",
         "{submitter} submitted a change of campaign {campaign} ({partner}) for groups "
         "{groups} (change #{number}). Review it, then approve or send it back in the console."),
    ),
    "campaign-submitted/end": (
        ("Akhiri kampanye menunggu persetujuan: {campaign} #{number}",
         "{submitter} mengajukan agar kampanye {campaign} ({partner}) diakhiri di grup "
         "{groups} (pengajuan #{number}). Periksa dan setujui atau kembalikan di konsol."),
        ("Ending a campaign waits for approval: {campaign} #{number}",
         "{submitter} asks to end campaign {campaign} ({partner}) in groups {groups} "
         "(change #{number}). Review it, then approve or send it back in the console."),
    ),
    "campaign-decided/approved": (
        ("Kampanye disetujui: {campaign} #{number}",
         "{approver} menyetujui pengajuan #{number} untuk kampanye {campaign}; grup {groups} "
         "sudah diterbitkan ke layar."),
        ("Campaign approved: {campaign} #{number}",
         "{approver} approved change #{number} of campaign {campaign}; groups {groups} are "
         "published to the screens."),
    ),
    "campaign-decided/sent-back": (
        ("Kampanye dikembalikan: {campaign} #{number}",
         "{approver} mengembalikan pengajuan #{number} untuk kampanye {campaign}.\n"
         "Alasan: {reason}\nPerbaiki lalu ajukan lagi."),
        ("Campaign sent back: {campaign} #{number}",
         "{approver} sent back change #{number} of campaign {campaign}.\n"
         "Reason: {reason}\nFix it and submit again."),
    ),
    # The screen watch's: {count} screens of {group}, named in {screens}, one line each
    # in {details}; {since} the first one's start, in the office's time zone.
    "screen-offline/down": (
        ("Layar mati: {count} layar grup {group}",
         "{count} layar grup {group} tidak melapor sejak {since}: {screens}.\n{details}\n"
         "Periksa listrik dan jaringan di lokasi; pesan berikut datang saat layar kembali."),
        ("Screens offline: {count} in group {group}",
         "{count} screens of group {group} have not reported since {since}: {screens}.\n"
         "{details}\nCheck power and network on site; another message follows when they are "
         "back."),
    ),
    "screen-offline/back": (
        ("Layar kembali: {count} layar grup {group}",
         "{count} layar grup {group} melapor lagi: {screens}."),
        ("Screens back: {count} in group {group}",
         "{count} screens of group {group} report again: {screens}."),
    ),
    "screen-behind/down": (
        ("Layar tertinggal terbitan: {count} layar grup {group}",
         "{count} layar grup {group} belum memuat terbitan terbaru sejak {since}: "
         "{screens}.\n{details}\nPeriksa koneksi layar ke server konten."),
        ("Screens behind the latest publish: {count} in group {group}",
         "{count} screens of group {group} have not loaded the latest publish since {since}: "
         "{screens}.\n{details}\nCheck the screens' connection to the content server."),
    ),
    "screen-behind/back": (
        ("Layar sudah memuat terbitan terbaru: {count} layar grup {group}",
         "{count} layar grup {group} kini memutar terbitan terbaru: {screens}."),
        ("Screens current again: {count} in group {group}",
         "{count} screens of group {group} now play the latest publish: {screens}."),
    ),
    "screen-alert-missed/down": (
        ("Peringatan tidak tampil di {count} layar grup {group}",
         "Peringatan dikirim {since} tidak tampil di layar grup {group} yang melapor:\n"
         "{details}\nKirim ulang peringatan atau periksa layar tersebut."),
        ("Alert not shown on screens of group {group}",
         "An alert sent {since} is not shown on reporting screens of group {group}:\n"
         "{details}\nSend the alert again or check those screens."),
    ),
    "screen-alert-missed/back": (
        ("Peringatan grup {group}: tidak ada lagi layar yang tertinggal",
         "Peringatan ini kini tampil di semua layar grup {group} yang melapor, atau sudah "
         "berakhir: {screens}."),
        ("Alert in group {group}: no screen left out",
         "The alert now shows on every reporting screen of group {group}, or it ended: "
         "{screens}."),
    ),
    "screen-hot/down": (
        ("Layar terlalu panas: {count} layar grup {group}",
         "Suhu prosesor di atas batas sejak {since}:\n{details}\n"
         "Periksa kipas dan ventilasi lemari; layar yang terlalu panas melambat lalu mati."),
        ("Screens too hot: {count} in group {group}",
         "Processor temperature over the limit since {since}:\n{details}\n"
         "Check the cabinet's fans and vents; a screen too hot slows down, then fails."),
    ),
    "screen-hot/back": (
        ("Suhu normal lagi: {count} layar grup {group}",
         "Suhu {count} layar grup {group} kembali normal: {screens}."),
        ("Temperature normal again: {count} in group {group}",
         "The temperature of {count} screens of group {group} is normal again: {screens}."),
    ),
    "screen-under-voltage/down": (
        ("Tegangan kurang: {count} layar grup {group}",
         "Catu daya Raspberry Pi melaporkan tegangan kurang sejak {since}: {screens}.\n"
         "Ganti adaptor daya atau kabelnya; tegangan kurang merusak kartu SD."),
        ("Under-voltage: {count} in group {group}",
         "The Raspberry Pi reports under-voltage since {since}: {screens}.\n"
         "Replace the power supply or its cable; under-voltage corrupts SD cards."),
    ),
    "screen-under-voltage/back": (
        ("Tegangan normal lagi: {count} layar grup {group}",
         "Tegangan {count} layar grup {group} kembali normal: {screens}."),
        ("Voltage normal again: {count} in group {group}",
         "The supply of {count} screens of group {group} is normal again: {screens}."),
    ),
    "screen-disk-full/down": (
        ("Penyimpanan hampir penuh: {count} layar grup {group}",
         "Ruang kosong kartu SD hampir habis sejak {since}:\n{details}\n"
         "Konten baru mungkin tidak bisa diunduh; periksa log dan isi kartu."),
        ("Disk nearly full: {count} in group {group}",
         "The SD card is nearly full since {since}:\n{details}\n"
         "New content may not download; check the logs and what fills the card."),
    ),
    "screen-disk-full/back": (
        ("Penyimpanan cukup lagi: {count} layar grup {group}",
         "Ruang kosong {count} layar grup {group} cukup lagi: {screens}."),
        ("Disk space enough again: {count} in group {group}",
         "{count} screens of group {group} have enough free space again: {screens}."),
    ),
    "screen-sd-failing/down": (
        ("Kartu SD rusak: {count} layar grup {group}",
         "Kartu SD dipasang ulang hanya-baca sejak {since}: {screens}.\n"
         "Kartu itu mulai rusak; siapkan kartu pengganti dan kunjungi lokasi."),
        ("SD card failing: {count} in group {group}",
         "The SD card was remounted read-only since {since}: {screens}.\n"
         "The card is failing; bring a replacement card to the site."),
    ),
    "screen-sd-failing/back": (
        ("Kartu SD bisa ditulis lagi: {count} layar grup {group}",
         "Kartu SD {count} layar grup {group} bisa ditulis lagi: {screens}."),
        ("SD card writable again: {count} in group {group}",
         "The SD card of {count} screens of group {group} is writable again: {screens}."),
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
