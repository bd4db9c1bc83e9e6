"""How many wrong PINs a staff member may enter before logging in is locked, and for how long."""

from __future__ import annotations

MAX_WRONG_PINS = 5
LOCKOUT_SECONDS = 300
