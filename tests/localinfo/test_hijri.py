"""The Hijri date: Umm al-Qura from hijridate, moved by the office's correction."""

from __future__ import annotations

import datetime as dt

import pytest

from player.localinfo import hijri


def test_umm_al_qura_dates_the_government_also_announced():
    # 1 Ramadan 1446 H and 1 Syawal 1445 H fell on these days in Indonesia as well.
    assert hijri.hijri_date(dt.date(2025, 3, 1)).text() == "1 Ramadan 1446 H"
    assert hijri.hijri_date(dt.date(2024, 4, 10)).text() == "1 Syawal 1445 H"


def test_a_correction_moves_the_day_as_the_office_publishes_it():
    # Idul Adha 1444 H: Umm al-Qura had 10 Zulhijah on 28 June 2023; the government set it
    # on 29 June, a day later, so an office would publish hijri_adjust: -1 for that month.
    day = dt.date(2023, 6, 29)
    assert hijri.hijri_date(day) == hijri.HijriDate(1444, 12, 11)
    assert hijri.hijri_date(day, -1) == hijri.HijriDate(1444, 12, 10)
    assert hijri.hijri_date(day, -1).text() == "10 Zulhijah 1444 H"
    assert hijri.hijri_date(dt.date(2025, 3, 1), 1).text() == "2 Ramadan 1446 H"


def test_the_correction_is_read_from_the_manifest_defaults_and_bounded():
    assert hijri.adjust_from({}) == 0
    assert hijri.adjust_from({"hijri_adjust": -1}) == -1
    for bad in (True, "1", 1.0, 3, -7):
        assert hijri.adjust_from({"hijri_adjust": bad}) == 0
    with pytest.raises(ValueError, match="from -2 to 2"):
        hijri.hijri_date(dt.date(2025, 3, 1), 3)
