"""The night's trouble: the card processor's faults switched, server processes SIGKILLed
and started again, at points of the night drawn from the seed.

Each event is due after a number of the night's actions (``at``), so the same seed brings
the same trouble at the same point of the walk. A fault arms the emulator's switch
(``POST /_faults``: the next ``count`` charges decline, answer 500, hang before or after
charging, or crawl); a kill SIGKILLs one server process, leaves it down a moment (while
the terminals turn to another server, or wait) and starts it again on the same port.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import httpx

from tableside.rush.floor import Clock
from tableside.rush.report import Tally
from tableside.rush.stage import Stage, StageError

# Weights of the fault modes; "none" turns the switch off for a while.
FAULT_MODES = {
    "none": 1,
    "decline": 2,
    "error_500": 2,
    "timeout_before_charge": 2,
    "timeout_after_charge": 2,
    "slow": 3,
}
# How long a slow answer takes; the servers give up after their processor timeout.
SLOW_DELAYS_MS = (200, 800, 1500, 3000)


@dataclass(frozen=True)
class Fault:
    at: int
    mode: str
    count: int
    delay_ms: int


@dataclass(frozen=True)
class Kill:
    at: int
    server: int
    down_s: float


Event = Fault | Kill


def plan(seed: int, actions: int, servers: int, fault_every: int, kill_every: int) -> list[Event]:
    """The night's trouble, by the action it comes after; drawn from the seed alone."""
    rng = random.Random(f"tableside-rush:{seed}:chaos")
    events: list[Event] = []
    if fault_every > 0:
        at = rng.randint(1, max(1, fault_every // 2))
        modes = list(FAULT_MODES)
        while at < actions:
            mode = rng.choices(modes, [FAULT_MODES[m] for m in modes])[0]
            events.append(Fault(at, mode, rng.randint(1, 3), rng.choice(SLOW_DELAYS_MS)))
            at += rng.randint(max(1, fault_every // 2), fault_every * 3 // 2 + 1)
    if kill_every > 0:
        # The first kill comes early enough that even a short night has one.
        at = rng.randint(max(1, actions // 5), max(1, actions // 2))
        while at < actions:
            events.append(Kill(at, rng.randrange(servers), rng.uniform(0.1, 1.5)))
            at += rng.randint(max(1, kill_every // 2), kill_every * 3 // 2 + 1)
    return sorted(events, key=lambda e: (e.at, isinstance(e, Kill)))


class Chaos:
    """Brings the planned trouble as the night's actions reach it, until the night ends:
    faults and kills each in a thread of their own, so a slow restart never holds up the
    processor's faults (and one server at most is down at a time)."""

    def __init__(self, events: list[Event], stage: Stage, clock: Clock, tally: Tally) -> None:
        self.stage = stage
        self.clock = clock
        self.tally = tally
        self.failure: BaseException | None = None
        self._armed: tuple[str, int] | None = None  # the switch as we last set it
        self._http = httpx.Client(timeout=10.0)
        faults = [e for e in events if isinstance(e, Fault)]
        kills = [e for e in events if isinstance(e, Kill)]
        self._threads = [
            threading.Thread(target=self._run, args=(faults,), name="rush-faults", daemon=True),
            threading.Thread(target=self._run, args=(kills,), name="rush-kills", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def _run(self, events: list[Fault] | list[Kill]) -> None:
        try:
            for event in events:
                if not self.clock.wait_until(event.at):
                    break
                if isinstance(event, Fault):
                    self.switch(event.mode, event.count, event.delay_ms)
                else:
                    self.kill(event)
        except BaseException as error:  # the rush reports it
            self.failure = error

    def switch(self, mode: str, count: int, delay_ms: int = 0) -> None:
        """Arm the emulator's fault switch (counting what the last setting did first)."""
        self._count_taken()
        body = {"mode": mode, "count": count, "delay_ms": delay_ms}
        response = self._http.post(f"{self.stage.emulator_url}/_faults", json=body)
        if response.status_code != 200:
            raise StageError(f"the emulator refused {body}: {response.text}")
        self.tally.fault(mode, count if mode != "none" else 0)
        self._armed = (mode, count) if mode != "none" else None

    def clear(self) -> None:
        """Disarm the switch (the night is over)."""
        self.switch("none", 0)

    def _count_taken(self) -> None:
        if self._armed is None:
            return
        mode, count = self._armed
        state = self._http.get(f"{self.stage.emulator_url}/_faults").json()
        left = state.get("count", 0) if state.get("mode") == mode else 0
        self.tally.fault_taken(mode, count - left)

    def kill(self, event: Kill) -> None:
        self.stage.kill_server(event.server)
        self.tally.kill()
        time.sleep(event.down_s)
        self.stage.restart_server(event.server)
        self.tally.restart()

    def close(self) -> None:
        self._http.close()
