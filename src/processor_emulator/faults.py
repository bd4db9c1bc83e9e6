"""Fault injection: the switch that makes the next charge requests misbehave.

``POST /_faults`` arms the ``FaultSwitch`` with a mode and a count; each charge request
then takes one armed fault. The modes: ``decline`` (the card is declined),
``error_500`` (a 500, nothing charged), ``timeout_before_charge`` (held, nothing charged),
``timeout_after_charge`` (charged, then held) and ``slow`` (charged, answered after
``delay_ms``). A held request is answered only once the client gives up, or after
``HOLD_LIMIT_S``. The switch lives in memory, so a restart clears it.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from fastapi import Request

from processor_emulator.errors import JsonObject

FAULT_MODES = frozenset(
    {"none", "decline", "error_500", "timeout_before_charge", "timeout_after_charge", "slow"}
)
DEFAULT_SLOW_DELAY_MS = 3000

# A held request ("does not answer until the client gives up") is answered anyway after this
# long, so a client without any timeout cannot pin a connection forever.
HOLD_LIMIT_S = 120.0
_DISCONNECT_POLL_S = 0.05


@dataclass(frozen=True)
class Fault:
    mode: str
    delay_ms: int


class FaultSwitch:
    """The next ``count`` charge requests behave as ``mode``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mode = "none"
        self._count = 0
        self._delay_ms = DEFAULT_SLOW_DELAY_MS

    def set(self, mode: str, count: int, delay_ms: int) -> None:
        with self._lock:
            self._mode, self._count, self._delay_ms = mode, count, delay_ms
            if mode == "none" or count == 0:
                self._mode, self._count = "none", 0

    def take(self) -> Fault | None:
        """Consume one armed fault for a charge request, or None when the switch is off."""
        with self._lock:
            if self._mode == "none" or self._count <= 0:
                return None
            fault = Fault(self._mode, self._delay_ms)
            self._count -= 1
            if self._count == 0:
                self._mode = "none"
            return fault

    def state(self) -> JsonObject:
        with self._lock:
            return {"mode": self._mode, "count": self._count, "delay_ms": self._delay_ms}


async def hold_until_client_gives_up(request: Request, limit_s: float = HOLD_LIMIT_S) -> bool:
    """Sit on the request until the client disconnects (True) or ``limit_s`` passes (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        if await request.is_disconnected():
            return True
        await asyncio.sleep(_DISCONNECT_POLL_S)
    return False
