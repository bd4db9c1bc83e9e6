"""How many wrong PINs a staff member may enter before logging in is locked, and for how long;
who may manage whom."""

from __future__ import annotations

MAX_WRONG_PINS = 5
LOCKOUT_SECONDS = 300

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
