"""Attempt limits in central.db: slots taken, given back, kept across the 0005 upgrade."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from central.db import limits
from central.db.database import alembic_config, open_engine, upgrade

NOW = dt.datetime(2026, 12, 7, 3, 0, 0)
TWO_A_MINUTE = limits.Limit("test", 2, dt.timedelta(minutes=1))


def reserve(engine, claims, now=NOW):
    with engine.begin() as connection:
        return limits.reserve(connection, claims, now)


def test_a_slot_is_taken_until_released_and_frees_itself_after_the_window(engine):
    first = reserve(engine, [(TWO_A_MINUTE, "ana")])
    assert reserve(engine, [(TWO_A_MINUTE, "ana")]) is not None
    assert reserve(engine, [(TWO_A_MINUTE, "ana")]) is None
    assert reserve(engine, [(TWO_A_MINUTE, "budi")]) is not None
    with engine.begin() as connection:
        limits.release(connection, first)
    assert reserve(engine, [(TWO_A_MINUTE, "ana")]) is not None
    assert reserve(engine, [(TWO_A_MINUTE, "ana")]) is None
    later = NOW + TWO_A_MINUTE.window + dt.timedelta(seconds=1)
    assert reserve(engine, [(TWO_A_MINUTE, "ana")], later) is not None


def test_a_reservation_takes_all_its_slots_or_none():
    # "budi" is spent, so the claim on "carla" beside it must not take a slot either.
    engine = open_engine("sqlite://")
    upgrade(engine)
    for _ in range(2):
        reserve(engine, [(TWO_A_MINUTE, "budi")])
    assert reserve(engine, [(TWO_A_MINUTE, "carla"), (TWO_A_MINUTE, "budi")]) is None
    for _ in range(2):
        assert reserve(engine, [(TWO_A_MINUTE, "carla")]) is not None


def test_failed_logins_from_before_the_upgrade_still_count(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(
            sa.text(
                "INSERT INTO login_failures (at, user, address) VALUES (:at, 'ana', '10.0.0.1')"
            ),
            [{"at": NOW}] * 5,
        )
    upgrade(engine)
    user_logins = limits.Limit("login-user", 5, dt.timedelta(minutes=15))
    address_logins = limits.Limit("login-address", 6, dt.timedelta(minutes=15))
    assert reserve(engine, [(user_logins, "ana")]) is None
    assert reserve(engine, [(address_logins, "10.0.0.1")]) is not None
    assert reserve(engine, [(address_logins, "10.0.0.1")]) is None
    engine.dispose()
