"""The console's parts without a browser: words, times, accounts, login limits, settings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from central.config import CentralConfigError, load_central_config
from central.console import accounts, i18n
from central.console.app import _safe_next
from central.console.pages.plays import parse_range, range_error
from central.db.database import open_engine, upgrade
from central.db.schema import audit, console_users

NOW = dt.datetime(2026, 12, 2, 3, 0, 0)  # naive UTC, as the database keeps it
JAKARTA = ZoneInfo("Asia/Jakarta")
CHECKS = accounts.PasswordChecks(1)


@pytest.fixture
def db(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_every_word_exists_in_both_languages_and_indonesian_is_the_default():
    for key, pair in i18n.WORDS.items():
        assert len(pair) == 2 and all(pair), key
    assert i18n.translate("id", "fleet") == "Layar"
    assert i18n.translate("en", "fleet") == "Fleet"
    assert i18n.pick_language(None) == "id"
    assert i18n.pick_language("en") == "en"
    assert i18n.pick_language("fr") == "id"
    assert i18n.translate("en", "no-such-key") == "no-such-key"


def test_times_are_shown_on_the_office_clock():
    assert i18n.local_time(NOW, JAKARTA) == "2026-12-02 10:00"
    assert i18n.local_time("2026-12-02T03:00:05Z", JAKARTA, seconds=True) == "2026-12-02 10:00:05"
    assert i18n.local_time(None, JAKARTA) == ""
    assert i18n.age(NOW - dt.timedelta(minutes=5), NOW, "id") == "5 mnt"
    assert i18n.age(NOW - dt.timedelta(hours=50), NOW, "en") == "2d"
    assert i18n.age("2026-12-02T02:59:50+00:00", NOW, "en") == "10s"


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/plays?from=x", "/plays"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
     ("/\\evil", "/"), (None, "/"), ("/screen/a", "/screen/a")],
)  # fmt: skip
def test_a_login_only_sends_the_user_to_a_page_of_this_site(target, safe):
    assert _safe_next(target) == safe


def test_roles_are_ordered():
    assert accounts.may("admin", "operator") and accounts.may("operator", "operator")
    assert not accounts.may("viewer", "operator") and not accounts.may("nobody", "viewer")


def test_accounts_are_checked_before_they_are_stored(db):
    with db.begin() as connection:
        for name, role, password in (
            ("a b", "viewer", "long-enough-pw"),
            ("ana", "boss", "long-enough-pw"),
            ("ana", "viewer", "short"),
        ):
            with pytest.raises(accounts.AccountError):
                accounts.add_user(connection, name, role, password, NOW)
        assert accounts.add_user(connection, "ana", "operator", "long-enough-pw", NOW)
        stored = connection.scalar(select(console_users.c.password_hash))
    assert stored.startswith("$argon2id$") and "long-enough-pw" not in stored


def test_a_login_makes_a_session_that_ends_at_logout_expiry_or_a_new_password(db):
    with db.begin() as connection:
        accounts.add_user(connection, "ana", "operator", "long-enough-pw", NOW)
    token, outcome = accounts.log_in(db, "ana", "long-enough-pw", "10.0.0.1", NOW, checks=CHECKS)
    assert outcome == "ok"
    with db.begin() as connection:
        session = accounts.session_for(connection, token, NOW)
        assert (session.user, session.role) == ("ana", "operator") and len(session.csrf) > 30
        later = NOW + accounts.SESSION_LIFETIME
        assert accounts.session_for(connection, token, later) is None
        assert accounts.session_for(connection, token + "x", NOW) is None
        accounts.add_user(connection, "ana", "viewer", "another-password", NOW)
        assert accounts.session_for(connection, token, NOW) is None
    token, _ = accounts.log_in(db, "ana", "another-password", "10.0.0.1", NOW, checks=CHECKS)
    with db.begin() as connection:
        accounts.log_out(connection, token, "ana", NOW)
        assert accounts.session_for(connection, token, NOW) is None
        actions = list(connection.scalars(select(audit.c.action).order_by(audit.c.id)))
    assert actions == ["user-added", "login", "user-changed", "login", "logout"]


def test_wrong_passwords_rest_the_account_and_then_the_address(db):
    with db.begin() as connection:
        accounts.add_user(connection, "ana", "operator", "long-enough-pw", NOW)
        accounts.add_user(connection, "budi", "viewer", "long-enough-pw", NOW)
    for n in range(accounts.MAX_FAILURES_PER_USER):
        assert (
            accounts.log_in(db, "ana", f"guess{n}", "10.0.0.1", NOW, checks=CHECKS)[1]
            == "bad password"
        )
    # Even the right password waits: a guesser cannot tell when it found it.
    assert accounts.log_in(db, "ana", "long-enough-pw", "10.0.0.9", NOW, checks=CHECKS) == (
        None,
        "rate limited",
    )
    # Another account from the same address still works, until the address is resting;
    # a good login gives its slot back, so it does not bring that moment nearer.
    for _ in range(accounts.MAX_FAILURES_PER_ADDRESS):
        assert (
            accounts.log_in(db, "budi", "long-enough-pw", "10.0.0.1", NOW, checks=CHECKS)[1] == "ok"
        )
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS - accounts.MAX_FAILURES_PER_USER):
        assert (
            accounts.log_in(db, f"user{n}", "x", "10.0.0.1", NOW, checks=CHECKS)[1]
            == "bad password"
        )
    assert (
        accounts.log_in(db, "budi", "long-enough-pw", "10.0.0.1", NOW, checks=CHECKS)[1]
        == "rate limited"
    )
    after = NOW + accounts.FAILURE_WINDOW + dt.timedelta(seconds=1)
    assert accounts.log_in(db, "ana", "long-enough-pw", "10.0.0.1", after, checks=CHECKS)[1] == "ok"


def test_the_console_section_of_central_yaml(tmp_path):
    path = tmp_path / "central.yaml"
    path.write_text("console:\n  port: 8443\n  timezone: Asia/Makassar\n")
    config = load_central_config(path)
    assert (config.console.port, config.console.timezone) == (8443, "Asia/Makassar")
    assert config.console.listen == "127.0.0.1"
    path.write_text("console:\n  timezone: Asia/Jakrta\n")
    with pytest.raises(CentralConfigError, match=r"central.yaml:2:13: console.timezone"):
        load_central_config(path)
    path.write_text("console:\n  secure_cookie: always\n")
    with pytest.raises(CentralConfigError, match=r"did you mean console\.secure_cookies\?"):
        load_central_config(path)


def test_a_report_range_defaults_to_the_last_week_and_bad_dates_say_so():
    today = dt.date(2026, 12, 2)
    assert parse_range({}, today) == (dt.date(2026, 11, 26), today, None, None)
    assert parse_range({"from": "2026-11-01", "to": "2026-11-30", "group": "lobby"}, today) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 30), "lobby", None,
    )  # fmt: skip
    assert parse_range({"from": "yesterday"}, today)[3] == "range_bad_date"
    backwards = parse_range({"from": "2026-12-07", "to": "2026-11-01"}, today)
    assert backwards[3] == "range_backwards"
    assert range_error("id", backwards[3], *backwards[:2]) == (
        "Tanggal akhir 2026-11-01 sebelum tanggal awal 2026-12-07."
    )
    too_long = parse_range({"from": "2024-01-01", "to": "2026-11-01"}, today)
    assert range_error("id", too_long[3], *too_long[:2]) == (
        "Paling banyak 366 hari per laporan; bagi rentangnya."
    )
    assert range_error("en", "range_bad_date", today, today).startswith("Date not understood")
