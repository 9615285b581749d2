"""A token bucket shared by a dispatcher's worker threads: the send-rate cap.

At most `burst + rate × t` sends start in any stretch of t seconds, however many workers
there are. A worker that finds no token reserves the next one and sleeps until it is due,
outside the lock, so waiting workers queue in order instead of spinning.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens a second, holding at most `burst`."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be above 0")
        self.rate = rate
        # A small burst: a cap that allowed a second's worth at once would not hold.
        self.burst = burst if burst is not None else max(1.0, rate / 20)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it if need be; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1  # may go below zero: a reservation of a future token
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
