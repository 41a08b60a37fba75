"""A clock for timing tests that moves only when the test's simulated work moves it, so the tests do
not depend on how busy the machine is."""

from __future__ import annotations

import threading
import time

STALL_S = 2.0  # real time after which a sleep moves the clock itself (no reader thread is left)


class FakeTime:
    """Simulated time, shared by the test's threads.

    `spend(s)` is the cost of one simulated operation (a counter read). In the main thread it moves
    the clock at once; in another thread (the idle poller) it may not pass the *horizon*, which only
    the main thread's `sleep` moves: so the poller runs exactly as far as the main thread lets it, in
    lock-step, however the threads are scheduled. `release` (an event) lets other threads run free
    once it is set (the poller's stop signal).

    Attributes:
        release: Once set, other threads' operations no longer wait for the horizon.
    """

    def __init__(self, start_s: float = 100.0) -> None:
        self._now = start_s
        self._horizon = start_s
        self._waiting = False
        self._cond = threading.Condition()
        self.release: threading.Event | None = None

    def __call__(self) -> float:
        """The current simulated time, s."""
        with self._cond:
            return self._now

    def _free(self) -> bool:
        return threading.current_thread() is threading.main_thread() or (
            self.release is not None and self.release.is_set()
        )

    def spend(self, seconds: float) -> None:
        """One operation that takes `seconds` of simulated time."""
        with self._cond:
            while not self._free() and self._now + seconds > self._horizon:
                self._waiting = True
                self._cond.notify_all()
                self._cond.wait(0.005)
            self._waiting = False
            self._now += seconds
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        """The main thread waits `seconds`; other threads' operations fill that time."""
        with self._cond:
            target = self._now + seconds
            self._horizon = target
            self._waiting = False  # a reader waiting at the old horizon re-checks against the new one
            self._cond.notify_all()
            stalled_since = time.monotonic()
            last = self._now
            while self._now < target and not self._waiting:
                self._cond.wait(0.005)
                if self._now != last:
                    last, stalled_since = self._now, time.monotonic()
                elif time.monotonic() - stalled_since > STALL_S:
                    break
            self._now = max(self._now, target)
