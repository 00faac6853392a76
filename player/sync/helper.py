"""One thread that runs the sync loop's blocking source calls, kept from one sync to the next."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Call:
    """One call handed to a `Helper`: `done` is set once it returned or raised."""

    def __init__(self, fn: Callable, args: tuple) -> None:
        self.fn, self.args = fn, args
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None

    def result(self):
        """What the call returned; raises what it raised. Only once `done` is set."""
        if self.error is not None:
            raise self.error
        return self.value


class Helper:
    """A daemon thread running handed-in calls one at a time.

    Starting a thread for every call costs a thread's creation, start handshake and join;
    on a fleet of screens syncing at once that was a tenth of a sync's CPU. A caller that
    gives up on a call (stop requested) retires the helper, which ends after that call,
    and takes a new one: a call stuck until its own timeout never delays the next.
    """

    def __init__(self, name: str) -> None:
        self._calls: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable, *args) -> Call:
        call = Call(fn, args)
        self._calls.put(call)
        return call

    def retire(self) -> None:
        """End the thread once the call it runs, if any, has returned."""
        self._calls.put(None)

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            try:
                call.value = call.fn(*call.args)
            except BaseException as exc:  # handed to the caller, which raises it
                call.error = exc
            call.done.set()
