"""How many wrong PINs a login may cost before logins are paused, for whom, and for how
long; and who may manage whom.

Two budgets count every wrong PIN (at login or as a manager's approval), and an unknown
restaurant code at login counts as a wrong PIN too:

- the **source's**: the address the request came from (a trusted proxy's client, never a
  header anyone can send), across every restaurant: ``SOURCE``;
- the **restaurant's**: every wrong PIN typed for it, from any address: ``RESTAURANT``.
  Without it, an attacker with many addresses (or one that could choose its address)
  would have as many guesses as addresses.

A budget spent pauses the logins it covers: every login from that source, or every login to
that restaurant, is refused (429, whatever the PIN: a pause never tells whether a PIN was
right). Each pause of a budget is twice as long as its last one, up to a ceiling, until the
budget has been quiet for ``FORGIVEN_AFTER``. Nothing counts against the staff member whose
tile was tapped: whoever guesses pays, never the person guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Budget:
    """``wrong`` wrong PINs per ``window``; the last of them starts a pause of ``pause``,
    doubled for each pause since the budget was last quiet, at most ``longest_pause``."""

    wrong: int
    window: timedelta
    pause: timedelta
    longest_pause: timedelta


SOURCE = Budget(
    wrong=10,
    window=timedelta(minutes=5),
    pause=timedelta(minutes=5),
    longest_pause=timedelta(hours=1),
)
RESTAURANT = Budget(
    wrong=30,
    window=timedelta(minutes=1),
    pause=timedelta(minutes=1),
    longest_pause=timedelta(minutes=15),
)
# A budget with no wrong PIN and no pause for this long starts again from its first pause.
FORGIVEN_AFTER = timedelta(hours=1)
_MOST_DOUBLINGS = 16


@dataclass(frozen=True)
class Throttle:
    """A budget's state: the wrong PINs of the window begun at ``window_started_at``, the
    pause it is in (if ``paused_until`` is still ahead) and its pauses lately."""

    failures: int
    window_started_at: datetime
    paused_until: datetime | None
    pauses: int


def fresh(now: datetime) -> Throttle:
    return Throttle(failures=0, window_started_at=now, paused_until=None, pauses=0)


def pause_left(throttle: Throttle | None, now: datetime) -> timedelta | None:
    """How long the pause this budget is in still lasts; None when it is not paused."""
    if throttle is None or throttle.paused_until is None or throttle.paused_until <= now:
        return None
    return throttle.paused_until - now


def after_wrong_pin(throttle: Throttle, budget: Budget, now: datetime) -> Throttle:
    """The budget once one more wrong PIN is counted (a paused budget counts none)."""
    if pause_left(throttle, now) is not None:
        return throttle
    last_seen = max(throttle.window_started_at, throttle.paused_until or throttle.window_started_at)
    pauses = 0 if now - last_seen >= FORGIVEN_AFTER else throttle.pauses
    if now - throttle.window_started_at >= budget.window:
        throttle = replace(throttle, failures=0, window_started_at=now)
    failures = throttle.failures + 1
    if failures < budget.wrong:
        return replace(throttle, failures=failures, pauses=pauses)
    pause = min(budget.pause * 2 ** min(pauses, _MOST_DOUBLINGS), budget.longest_pause)
    return Throttle(failures=0, window_started_at=now, paused_until=now + pause, pauses=pauses + 1)


def retry_after_s(left: timedelta) -> int:
    """Whole seconds to wait (rounded up, at least one): the ``Retry-After`` header."""
    return max(1, math.ceil(left.total_seconds()))


# Who may manage whom: the owner manages everyone; a manager manages servers and the
# kitchen. Owners and managers are added, changed, given a new PIN or deactivated by the
# owner only.
MANAGED_BY_MANAGERS = frozenset({"server", "kitchen"})


def may_manage(actor_role: str, role: str) -> bool:
    """Whether a staff member of ``actor_role`` may add, change, reset or deactivate staff
    of ``role`` (or give someone that role)."""
    if actor_role == "owner":
        return True
    return actor_role == "manager" and role in MANAGED_BY_MANAGERS
