"""`videotron cap-watch --status` shows times on the office's clock, the zone named."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from central.cap.status import render_status


def test_the_status_reads_on_the_offices_clock():
    data = {
        "pid": 7, "updated_at": "2026-12-07T05:00:00Z", "poll_interval": 30,
        "sources": [{"source": "bmkg", "state": "failing", "failures": 2,
                     "last_ok": "2026-12-07T04:59:00Z", "last_error": "timeout",
                     "files_failing": [{"file": "a.xml", "failures": 3,
                                        "since": "2026-12-07T04:00:00Z", "last_error": "bad"}]},
                    {"source": "new", "state": "ok", "failures": 0, "last_ok": None}],
        "on_screens": [{"alert_id": "x", "identifier": "CAP1", "headline": "Banjir",
                        "level": "warning", "status": "Actual", "groups": ["bogor"],
                        "expires_at": "2026-12-07T08:00:00Z"}],
        "recent": [{"at": "2026-12-07T04:58:00Z", "verdict": "accepted", "where": "bmkg",
                    "identifier": "CAP1", "reason": "sent to bogor"}],
    }  # fmt: skip
    text = render_status(data, ZoneInfo("Asia/Jakarta"))
    assert "updated 2026-12-07 12:00:00 WIB" in text
    assert "bmkg  last ok 2026-12-07 11:59:00 WIB" in text and "new  last ok never" in text
    assert "(3 tries since 2026-12-07 11:00:00 WIB)" in text
    assert "[bogor] until 2026-12-07 15:00:00 WIB" in text
    assert "  2026-12-07 11:58:00 WIB  accepted" in text
    assert "Z " not in text and "T0" not in text
