"""The sync loop's helper thread: calls in order, errors handed back, a retired one ends."""

from __future__ import annotations

import threading

import pytest

from player.sync.helper import Helper


def test_calls_run_in_order_and_hand_back_value_or_error():
    helper = Helper("test-helper")
    first = helper.submit(lambda a, b: a + b, 2, 3)
    failing = helper.submit(lambda: 1 / 0)
    assert first.done.wait(10) and first.result() == 5
    assert failing.done.wait(10)
    with pytest.raises(ZeroDivisionError):
        failing.result()
    helper.retire()


def test_a_retired_helper_ends_after_its_stuck_call_and_a_new_one_runs_at_once():
    release = threading.Event()
    old = Helper("test-helper-old")
    stuck = old.submit(release.wait, 30)
    old.retire()  # the caller gave up on `stuck`
    new = Helper("test-helper-new")
    quick = new.submit(lambda: "ran")
    assert quick.done.wait(10) and quick.result() == "ran"
    assert not stuck.done.is_set()
    release.set()
    assert stuck.done.wait(10)
    old._thread.join(10)
    assert not old._thread.is_alive()
    new.retire()
