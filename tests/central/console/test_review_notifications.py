"""Submit and send back (of a playlist and of a campaign) through a real console tell
approvers and the submitter at once, even while a target hangs; each delivery is audited."""

from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import create_engine

from central.db.audit import recent_audit
from tests.central.console.test_library import PASSWORDS, ROLES, add_and_submit, login, png, upload
from tests.fixtures.collector import wait_until
from tests.fixtures.console import ConsoleProcess
from tests.fixtures.content import write_key
from tests.fixtures.notifications import HangingPort, WebhookInbox

HANG_TIMEOUT = 30  # seconds the hanging target holds each attempt: far past any page's answer


@pytest.fixture
def office(tmp_path):
    write_key(tmp_path / "keys" / "publisher.key")
    with HangingPort() as hang, WebhookInbox() as approvers, WebhookInbox() as submitter:
        console = ConsoleProcess(
            tmp_path / "console",
            f"collector:\n  database: sqlite:///{tmp_path / 'c.sqlite3'}\n"
            f"publish:\n  key: {tmp_path / 'keys' / 'publisher.key'}\n"
            f"  groups:\n    A: {tmp_path / 'site' / 'A'}\n"
            f"console:\n  library: {tmp_path / 'library'}\n"
            "notifications:\n"
            "  console_url: https://konsol.example.go.id\n"
            f"  timeout: {HANG_TIMEOUT}\n"
            "  targets:\n"
            "    - name: hangs\n"
            f"      url: json://127.0.0.1:{hang.port}/hook\n"
            "    - name: approvers\n"
            f"      url: json://127.0.0.1:{approvers.port}/hook\n"
            "      events: [content-submitted, campaign-submitted]\n"
            "      groups: [A]\n"
            "    - name: kontri\n"
            f"      url: json://127.0.0.1:{submitter.port}/hook\n"
            "      events: [content-decided, campaign-decided]\n"
            "      users: [kontri]\n"
            "      language: en\n",
        )
        for name, role in ROLES.items():
            groups = "A" if role == "contributor" else None
            console.add_user(name, role, PASSWORDS[name], groups=groups)
        console.start()
        try:
            yield console, approvers, submitter, tmp_path / "c.sqlite3"
        finally:
            console.stop()


def test_approvers_hear_of_a_submission_and_the_submitter_of_its_return_while_a_target_hangs(
    office,
):
    console, approvers, submitter, database = office
    kontri, kcsrf = login(console, "kontri")
    data = png(color=(0, 90, 200))
    upload(console, kontri, kcsrf, "biru.png", data)

    started = time.monotonic()
    page = add_and_submit(console, kontri, kcsrf, "A", hashlib.sha256(data).hexdigest())
    answered = time.monotonic() - started
    assert page.status_code == 200 and "/library/submissions/" in page.url, page.text[-800:]
    assert answered < HANG_TIMEOUT / 3, f"the submit waited {answered:.1f}s on a hanging target"
    number = int(page.url.rsplit("/", 1)[1])
    told = approvers.wait(1)[0]
    assert told["title"] == f"Konten menunggu persetujuan: A #{number}"
    assert f"https://konsol.example.go.id/library/submissions/{number}" in told["message"]

    ana, acsrf = login(console, "ana")
    back = ana.post(console.url + f"/library/submissions/{number}/send-back",
                    data={"csrf": acsrf, "reason": "Logo dinas terpotong"}, timeout=20)  # fmt: skip
    assert back.status_code == 200
    returned = submitter.wait(1)[0]
    assert returned["title"] == f"Content sent back: A #{number}"
    assert "Reason: Logo dinas terpotong" in returned["message"]
    assert len(approvers.bodies) == 1  # the approvers' target asked for submissions only

    # A campaign's change set is told the same way, with its own words.
    page = kontri.post(console.url + "/library/campaigns/edit", timeout=20, data={
        "csrf": kcsrf, "action": "submit", "id": "toko", "partner": "Toko Maju",
        "media": hashlib.sha256(data).hexdigest(), "days": ["mon", "tue", "wed", "thu", "fri",
        "sat", "sun"], "groups": "A", "goal_kind": "plays", "goal_value": "10"})  # fmt: skip
    assert "/library/campaigns/changes/" in page.url, page.text[-800:]
    change = int(page.url.rsplit("/", 1)[1])
    told = approvers.wait(2)[1]
    assert told["title"] == f"Kampanye menunggu persetujuan: toko #{change}"
    assert "kontri mengajukan perubahan kampanye toko (Toko Maju) untuk grup A" in told["message"]
    assert f"https://konsol.example.go.id/library/campaigns/changes/{change}" in told["message"]
    back = ana.post(console.url + f"/library/campaigns/changes/{change}/send-back",
                    data={"csrf": acsrf, "reason": "Jam tayang salah"}, timeout=20)  # fmt: skip
    assert back.status_code == 200
    returned = submitter.wait(2)[1]
    assert returned["title"] == f"Campaign sent back: toko #{change}"
    assert "Reason: Jam tayang salah" in returned["message"]

    engine = create_engine(f"sqlite:///{database}")

    def sent() -> list[dict]:
        with engine.connect() as connection:
            return recent_audit(connection, actions=["notification-sent"])

    try:
        wait_until(lambda: len(sent()) == 4, 20, "four audit rows for the notifications sent")
        assert sorted(row["target"] for row in sent()) == ["approvers"] * 2 + ["kontri"] * 2
    finally:
        engine.dispose()
