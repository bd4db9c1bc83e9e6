"""Named points in the settlement flow where a test can make a competing request happen.

``checkpoint("payment.recorded_pending")`` is a no-op in production. A test registers
``with run_at("payment.recorded_pending", competing_request):`` to run something exactly
there — a deterministic race instead of a sleep (after saleor's RunBefore/RunAfter).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_actions: dict[str, list[Callable[[], None]]] = {}


def checkpoint(name: str) -> None:
    if not _actions:  # the production path: nothing registered, nothing to do
        return
    with _lock:
        actions = list(_actions.get(name, ()))
    for action in actions:
        action()


@contextmanager
def run_at(name: str, action: Callable[[], None], *, once: bool = True) -> Iterator[None]:
    """Run ``action`` whenever the flow passes ``name`` (only the first time if ``once``)."""
    fired = threading.Event()

    def wrapped() -> None:
        if once:
            with _lock:
                if fired.is_set():
                    return
                fired.set()
        action()

    with _lock:
        _actions.setdefault(name, []).append(wrapped)
    try:
        yield
    finally:
        with _lock:
            _actions[name].remove(wrapped)
            if not _actions[name]:
                del _actions[name]
