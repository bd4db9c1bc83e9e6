"""How often guests may knock: per client address, per restaurant, and how often a client
may name a link that does not work before it is refused everything for a while.

The counts live in each server process's memory (fixed windows): they shed load and stop
anyone from trying tokens by the thousand, and nothing about money depends on them. With
several processes behind a load balancer each counts on its own, so the limits a client
meets are up to that many times these; guessing stays hopeless either way (a token is one
of 2^256).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tableside.core.errors import LockedOut
from tableside.guests import rules

TOO_MANY = "too_many_requests"
_MAX_KEYS = 100_000  # beyond this many counters, finished windows are dropped


class GuestLimits:
    def __init__(
        self,
        *,
        client_per_minute: int = rules.CLIENT_REQUESTS_PER_MINUTE,
        restaurant_per_minute: int = rules.RESTAURANT_REQUESTS_PER_MINUTE,
        misses_allowed: int = rules.MISSES_ALLOWED,
        miss_window_s: float = rules.MISS_WINDOW.total_seconds(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_per_minute = client_per_minute
        self.restaurant_per_minute = restaurant_per_minute
        self.misses_allowed = misses_allowed
        self.miss_window_s = miss_window_s
        self._clock = clock
        self._lock = threading.Lock()
        # key → (window started, count)
        self._counts: dict[tuple[str, str], tuple[float, int]] = {}

    def admit_client(self, client: str) -> None:
        """Count a request from ``client``; 429 if it named too many dead links lately or
        asks too often."""
        with self._lock:
            now = self._clock()
            if self._current(("miss", client), now, self.miss_window_s) >= self.misses_allowed:
                raise LockedOut(
                    "Too many links that do not work were tried from this device. "
                    "Wait a few minutes, then scan the code on your check again.",
                    code=TOO_MANY,
                )
            if self._count(("client", client), now, 60.0) > self.client_per_minute:
                raise LockedOut(
                    "Too many requests from this device. Wait a minute and try again.",
                    code=TOO_MANY,
                )

    def admit_restaurant(self, restaurant_id: str) -> None:
        with self._lock:
            if self._count(("restaurant", restaurant_id), self._clock(), 60.0) > (
                self.restaurant_per_minute
            ):
                raise LockedOut(
                    "This restaurant's guest pages are very busy right now. Wait a minute "
                    "and try again, or ask your server.",
                    code=TOO_MANY,
                )

    def missed(self, client: str) -> None:
        """``client`` named a link that does not work."""
        with self._lock:
            self._count(("miss", client), self._clock(), self.miss_window_s)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def _current(self, key: tuple[str, str], now: float, window: float) -> int:
        started, count = self._counts.get(key, (now, 0))
        return count if now - started < window else 0

    def _count(self, key: tuple[str, str], now: float, window: float) -> int:
        started, count = self._counts.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        self._counts[key] = (started, count + 1)
        if len(self._counts) > _MAX_KEYS:
            self._prune(now)
        return count + 1

    def _prune(self, now: float) -> None:
        longest = max(60.0, self.miss_window_s)
        for key, (started, _) in list(self._counts.items()):
            if now - started >= longest:
                del self._counts[key]
