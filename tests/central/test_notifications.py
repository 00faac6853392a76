"""Notifications through apprise to a real SMTP server and a real webhook; settings checked."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest

from central.config import CentralConfigError, load_central_config
from central.notifications.delivery import Notifier, Outcome
from central.notifications.events import Event, render
from central.notifications.settings import NotificationSettings, Target
from player.wire.secret import Secret
from tests.fixtures.mosquitto import free_port
from tests.fixtures.notifications import SmtpInbox, WebhookInbox

AT = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
SENT_BACK = Event(
    "content-decided",
    AT,
    {"number": 12, "subject": "#12", "submitter": "kontri", "items": 2, "outcome": "sent-back",
     "approver": "ana", "reason": "Logo dinas terpotong"},
    "A",
    concerns=("kontri",),
    link="/library/submissions/12",
)  # fmt: skip


def test_central_yaml_targets_are_read_with_their_filters_and_their_urls_masked(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text(
        "notifications:\n"
        "  console_url: https://konsol.example.go.id/\n"
        "  targets:\n"
        "    - name: approvers\n"
        "      url: mailtos://kominfo:rahasia-123@mail.example.go.id?to=approvers@example.go.id\n"
        "      events: content-submitted\n"
        "      groups: [A]\n"
        "    - name: bpbd\n"
        "      url: json://hooks.example.go.id/videotron\n"
        "      users: [kontri]\n"
        "      language: en\n",
        encoding="utf-8",
    )
    settings = load_central_config(path).notifications
    approvers, bpbd = settings.targets
    assert settings.console_url == "https://konsol.example.go.id"
    assert approvers.events == ("content-submitted",) and approvers.groups == ("A",)
    assert "rahasia-123" in approvers.url.reveal()
    assert "rahasia-123" not in repr(settings) and "rahasia-123" not in f"{approvers}"
    assert bpbd.wants("content-decided", "B", ("kontri",))
    assert not bpbd.wants("content-decided", "B", ("another",))
    assert not approvers.wants("content-submitted", "B", ())


def test_every_problem_in_the_targets_is_named_at_once_with_its_line_and_never_the_secret(
    tmp_path,
):
    path = tmp_path / "central.yaml"
    path.write_text(
        "notifications:\n"
        "  targets:\n"
        "    - name: approvers\n"
        "      url: nosuch://token-rahasia@x\n"
        "      events: [content-submited]\n"
        "    - name: approvers\n"
        "      url: json://hooks.example.go.id\n"
        "      languag: en\n"
        "    - events: [content-decided]\n"
        "  attempts: 0\n",
        encoding="utf-8",
    )
    with pytest.raises(CentralConfigError) as caught:
        load_central_config(path)
    text = str(caught.value)
    assert "token-rahasia" not in text
    assert ":4:12: notifications.targets[0].url: apprise cannot use this nosuch:// URL" in text
    assert ":5:15: notifications.targets[0].events: unknown event 'content-submited'; " \
           "did you mean content-submitted?" in text  # fmt: skip
    assert ":8:7: notifications.targets[1].languag: unknown key 'languag'; did you mean " \
           "language?" in text  # fmt: skip
    assert ":9:7: notifications.targets[2]: needs a url" in text
    assert ":10:13: notifications.attempts: 0 is out of range" in text


def test_each_target_gets_the_message_in_its_language_and_a_dead_one_stops_no_other():
    outcomes: list[Outcome] = []
    done = threading.Condition()

    def record(outcome: Outcome) -> None:
        with done:
            outcomes.append(outcome)
            done.notify_all()

    dead_port = free_port()  # nothing listens: each attempt is refused
    with SmtpInbox() as smtp, WebhookInbox() as webhook:
        settings = NotificationSettings(
            targets=(
                Target("dead", Secret(f"json://127.0.0.1:{dead_port}/hook")),
                Target("mail", Secret(f"mailto://127.0.0.1:{smtp.port}?"
                                      "from=videotron@example.go.id&to=kontri@example.go.id")),
                Target("hook", Secret(f"json://127.0.0.1:{webhook.port}/hook"), language="en",
                       users=("kontri",)),
                Target("others", Secret(f"json://127.0.0.1:{webhook.port}/others"),
                       users=("someone-else",)),
            ),
            console_url="https://konsol.example.go.id",
            attempts=2,
            retry_after=0.05,
            timeout=5,
        )  # fmt: skip
        notifier = Notifier(settings, record)
        try:
            assert notifier.post(SENT_BACK) == 3  # "others" wants only its own users' events
            with done:
                assert done.wait_for(lambda: len(outcomes) == 3, 30), outcomes
        finally:
            notifier.close()
        mail = smtp.wait(1)[0]
        hook = webhook.wait(1)[0]
    by_target = {outcome.target: outcome for outcome in outcomes}
    assert by_target["dead"].state == "failed" and by_target["dead"].attempts == 2
    assert by_target["mail"].state == by_target["hook"].state == "sent"
    assert mail["Subject"] == "Konten dikembalikan: A #12"
    assert mail["To"] == "kontri@example.go.id"
    body = mail.get_body(("plain",)).get_content()
    assert "Alasan: Logo dinas terpotong" in body
    assert "https://konsol.example.go.id/library/submissions/12" in body
    assert hook["title"] == "Content sent back: A #12"
    assert "Reason: Logo dinas terpotong" in hook["message"]
    assert len(webhook.bodies) == 1


def test_a_kind_without_words_yet_is_told_by_its_facts():
    event = Event("screen-offline", AT, {"subject": "pi-07", "minutes": 3}, "A")
    title, body = render(event, "id")
    assert title == "screen-offline A pi-07"
    assert body == "minutes: 3\nsubject: pi-07"


def test_notify_test_sends_once_to_each_target_and_names_the_one_that_failed(tmp_path):
    with WebhookInbox() as webhook:
        path = tmp_path / "central.yaml"
        path.write_text(
            "notifications:\n"
            "  timeout: 5\n"
            "  targets:\n"
            "    - name: hook\n"
            f"      url: json://127.0.0.1:{webhook.port}/hook\n"
            "      events: [content-decided]\n"
            "    - name: dead\n"
            f"      url: json://nobody:rahasia-123@127.0.0.1:{free_port()}/hook\n",
            encoding="utf-8",
        )
        done = subprocess.run(
            [sys.executable, "-m", "videotron", "--config", str(path), "notify-test"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        told = webhook.wait(1)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "hook: sent\n"
    assert "dead: FAILED: the target refused the message" in done.stderr
    assert "rahasia-123" not in done.stdout + done.stderr
    assert told[0]["title"] == "Uji notifikasi Videotron" and "target hook" in told[0]["message"]
