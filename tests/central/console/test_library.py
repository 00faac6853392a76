"""The library and review pages through a real console: uploads refused with a reason and
nothing left behind, roles, the two-person rule, a playlist built and approved in the pages."""

from __future__ import annotations

import getpass
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import av
import pytest
import requests
from PIL import Image

from tests.fixtures.console import ConsoleProcess
from tests.fixtures.content import write_key
from tests.fixtures.media import make_clip, make_h264

PASSWORDS = {"kontri": "contrib-password-1", "ana": "approve-password-1"}
ROLES = {"kontri": "contributor", "ana": "approver"}
LIMIT = 2 * 1024 * 1024


@pytest.fixture
def console(tmp_path):
    write_key(tmp_path / "keys" / "publisher.key")
    console = ConsoleProcess(
        tmp_path / "console",
        f"collector:\n  database: sqlite:///{tmp_path / 'c.sqlite3'}\n"
        f"publish:\n  key: {tmp_path / 'keys' / 'publisher.key'}\n"
        f"  groups:\n    A: {tmp_path / 'site' / 'A'}\n    B: {tmp_path / 'site' / 'B'}\n"
        f"console:\n  library: {tmp_path / 'library'}\n  upload_limit: {LIMIT}\n",
    )
    for name, role in ROLES.items():
        console.add_user(name, role, PASSWORDS[name], groups="A" if role == "contributor" else None)
    console.start()
    console.site = tmp_path / "site"
    console.library = tmp_path / "library"
    console.key = tmp_path / "keys" / "publisher.key"
    try:
        yield console
    finally:
        console.stop()


def login(console, name):
    """A logged-in HTTP session and its CSRF token."""
    http = requests.Session()
    form = http.get(console.url + "/login", timeout=20).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = http.post(console.url + "/login", timeout=20, data={
        "csrf": token, "next": "/", "user": name, "password": PASSWORDS[name]})  # fmt: skip
    assert 'id="logout"' in page.text, page.text[-1500:]
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def upload(console, http, csrf, name: str, data: bytes, **fields) -> requests.Response:
    return http.post(
        console.url + "/library/upload",
        data={"csrf": csrf, **fields},
        files={"file": (name, data)},
        timeout=60,
    )


def library_files(console) -> list[str]:
    return sorted(p.name for p in console.library.iterdir() if p.is_file()) if (
        console.library.exists()) else []  # fmt: skip


def refused(page: requests.Response) -> str:
    found = re.search(r'id="upload-error"[^>]*>([^<]*)<', page.text)
    return found.group(1) if found else ""


def png(size=(320, 180), color=(255, 0, 0), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_is_kept_once_with_its_thumbnail_and_details(console):
    http, csrf = login(console, "kontri")
    data = png()
    page = upload(console, http, csrf, "poster.png", data, tags="banjir, psa",
                  valid_from="2026-12-01", valid_until="2026-12-31")  # fmt: skip
    sha = hashlib.sha256(data).hexdigest()
    assert page.status_code == 200 and 'id="notice"' in page.text, page.text[-800:]
    assert f'id="media-{sha}"' in page.text and "poster.png" in page.text
    assert "banjir psa" in page.text and "kontri" in page.text
    assert library_files(console) == [sha]
    again = upload(console, http, csrf, "same.png", data)
    assert "same" in again.url and library_files(console) == [sha]
    thumb = http.get(console.url + f"/library/media/{sha}.jpg", timeout=20)
    assert thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 180)


def test_a_video_gets_its_poster_frame_and_duration(console, tmp_path):
    http, csrf = login(console, "kontri")
    clip = make_h264(tmp_path / "clip.mp4", seconds=2.0, color=(0, 0, 255))
    page = upload(console, http, csrf, "clip.mp4", clip.read_bytes())
    assert page.status_code == 200, refused(page)
    assert "h264" in page.text and "2.0" in page.text
    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    thumb = Image.open(io.BytesIO(http.get(console.url + f"/library/media/{sha}.jpg",
                                           timeout=20).content)).convert("RGB")  # fmt: skip
    red, _green, blue = thumb.getpixel((thumb.width - 3, thumb.height // 2))
    assert blue > 150 and red < 80  # the clip's own blue frame


def half_a_jpeg() -> bytes:
    out = io.BytesIO()
    noise = Image.frombytes("RGB", (320, 180), bytes(range(256)) * 675)
    noise.save(out, "JPEG", quality=95)
    return out.getvalue()[: len(out.getvalue()) // 2]


def hostile_files(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """name → (bytes, what the refusal must say)."""
    files = {
        "fake.jpg": (b"<html><script>alert(1)</script></html>" * 50, "not an image"),
        # A real JPEG cut in half: its header reads, its pixels do not.
        "broken.jpg": (half_a_jpeg(), "corrupt"),
        # 100 megapixels of one colour: a few hundred kilobytes as PNG, 300 MB decoded.
        "bomb.png": (png(size=(10000, 10000), mode="1"), "too large"),
        "huge.png": (os.urandom(LIMIT + 1024), "limit"),
    }
    return files


def hevc_4k(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """A 4K HEVC clip a Pi 4 cannot play, where this PyAV build can encode one."""
    try:
        options = {"preset": "ultrafast", "x265-params": "log-level=error"}
        clip = make_clip(tmp_path / "hevc4k.mp4", "libx265", size=(3840, 2160), frames=2,
                         options=options)  # fmt: skip
    except (av.FFmpegError, ValueError) as exc:
        pytest.skip(f"no HEVC encoder in this PyAV build ({exc}): the 4K HEVC case needs it")
    return {"hevc4k.mp4": (clip.read_bytes(), "HEVC")}


def refuse_all(console, files: dict[str, tuple[bytes, str]]) -> None:
    """Each file is refused with its reason, and leaves nothing behind."""
    http, csrf = login(console, "kontri")
    for name, (data, reason) in files.items():
        page = upload(console, http, csrf, name, data)
        assert page.status_code in (413, 422), (name, page.status_code)
        assert reason in refused(page), (name, refused(page))
        assert library_files(console) == [], name  # no temporary file either
    listing = http.get(console.url + "/library", timeout=20).text
    assert 'id="library-empty"' in listing


def test_hostile_and_unplayable_uploads_are_refused_with_a_reason_and_leave_nothing(
    console, tmp_path
):
    refuse_all(console, hostile_files(tmp_path))


def test_a_4k_hevc_clip_for_a_pi_4_is_refused_with_a_reason_and_leaves_nothing(console, tmp_path):
    refuse_all(console, hevc_4k(tmp_path))


def add_and_submit(console, http, csrf, group: str, sha: str) -> requests.Response:
    editor = console.url + f"/library/playlists/{group}"
    page = http.post(editor, data={"csrf": csrf, "action": "add", "add_media": sha}, timeout=20)
    assert page.status_code == 200 and 'id="row-0"' in page.text, page.text[-800:]
    fields = re.findall(r'name="(\w+_0)" value="([^"]*)"', page.text)
    # As a browser sends it: the checkboxes only when ticked (none is yet).
    form = {name: value for name, value in fields if not name.startswith(("remove_", "days_"))}
    form.update(csrf=csrf, action="submit", start_0="07:00", end_0="17:00",
                days_0=["mon", "tue", "wed", "thu", "fri"])  # fmt: skip
    return http.post(editor, data=form, timeout=60)


def test_a_playlist_built_in_the_pages_is_approved_by_another_person_and_published(console):
    kontri, kcsrf = login(console, "kontri")
    data = png(color=(0, 200, 0))
    upload(console, kontri, kcsrf, "hijau.png", data)
    sha = hashlib.sha256(data).hexdigest()
    assert kontri.get(console.url + "/library/playlists/B", timeout=20).status_code == 403

    page = add_and_submit(console, kontri, kcsrf, "A", sha)
    assert page.status_code == 200 and "/library/submissions/" in page.url, page.text[-800:]
    number = int(page.url.rsplit("/", 1)[1])
    assert 'id="two-person"' in page.text and 'id="approve"' not in page.text
    assert "change-starts" in page.text
    # A contributor is no approver: the server says no, whatever the page shows.
    forced = kontri.post(console.url + f"/library/submissions/{number}/approve",
                         data={"csrf": kcsrf}, timeout=20)  # fmt: skip
    assert forced.status_code == 403

    ana, acsrf = login(console, "ana")
    front = ana.get(console.url + "/", timeout=20).text
    assert 'id="pending-submissions"' in front and "<b>1</b>" in front
    approved = ana.post(console.url + f"/library/submissions/{number}/approve",
                        data={"csrf": acsrf}, timeout=60)  # fmt: skip
    assert approved.status_code == 200 and 'data-state="approved"' in approved.text, \
        approved.text[-1500:]  # fmt: skip
    assert (console.site / "A" / "manifest.json").exists()
    assert (console.site / "A" / "media" / sha).exists()
    assert not (console.site / "B" / "manifest.json").exists()
    assert 'id="pending-submissions"' not in ana.get(console.url + "/", timeout=20).text

    # A scripted publish to the same group lands in the same history, and the content
    # page says where each publish came from, in both languages.
    authoring = console.library.parent / "cli.yaml"
    authoring.write_text(
        f"group: A\nplaylists:\n- name: main\n  items:\n"
        f"  - {{id: cli, type: image, file: {console.library / sha}}}\n",
        encoding="utf-8",
    )
    cli = subprocess.run(
        [sys.executable, "-m", "videotron", "publish", str(authoring), "--out",
         str(console.site / "A"), "--key", str(console.key), "--config", str(console.config)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert "recorded in the office's publish history" in cli.stdout, cli.stdout
    user, host = getpass.getuser(), socket.gethostname()
    for language, by_console, by_cli in (
        ("id", "konsol, disetujui oleh ana", f"baris perintah, oleh {user}@{host}"),
        ("en", "console, approved by ana", f"command line, by {user}@{host}"),
    ):
        ana.cookies.set("vt_lang", language)
        content = ana.get(console.url + "/content", timeout=30).text
        history = re.search(r'id="history-A".*?</table>', content, re.S).group(0)
        rows = re.findall(r'<tr data-source="([^"]*)">(.*?)</tr>', history, re.S)
        assert [source for source, _ in rows] == ["command line", "console"], history
        assert by_cli in rows[0][1] and by_console in rows[1][1], history
        origin = re.search(r'class="origin">(.*?)</dd>', content, re.S).group(1)
        assert by_cli in origin, origin


def test_the_approver_who_submitted_is_refused_by_the_server(console):
    ana, csrf = login(console, "ana")
    data = png(color=(10, 20, 30))
    upload(console, ana, csrf, "x.png", data)
    page = add_and_submit(console, ana, csrf, "B", hashlib.sha256(data).hexdigest())
    number = int(page.url.rsplit("/", 1)[1])
    forced = ana.post(console.url + f"/library/submissions/{number}/approve",
                      data={"csrf": csrf}, timeout=20)  # fmt: skip
    assert forced.status_code == 403 and 'id="review-error"' in forced.text
    assert not (console.site / "B" / "manifest.json").exists()
