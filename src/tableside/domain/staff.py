"""Staff roles and what each may do."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    SERVER = "server"
    MANAGER = "manager"
    KITCHEN = "kitchen"


# Managers can do everything servers can (API.md); the kitchen works tickets and 86's items.
FLOOR_ROLES = frozenset({Role.SERVER, Role.MANAGER})
KITCHEN_ROLES = frozenset({Role.KITCHEN, Role.MANAGER})
MANAGER_ROLES = frozenset({Role.MANAGER})
ANY_ROLE = frozenset(Role)

MAX_WRONG_PINS = 5
LOCKOUT_SECONDS = 300
