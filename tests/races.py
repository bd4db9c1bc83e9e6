"""Races placed at an exact point of the real flow, instead of sleeps.

The live server runs in this process, so a test can wrap one of its objects' own methods
(or a module's function) for the length of a ``with`` block: the wrapper runs the competing
action just before or just after the real call, in the request's own thread, and the real
code runs unchanged; only the timing is arranged. The points the payment tests use, on the
live server's ``app.state.settlement``:

- ``run_before(settlement.processor, "charge", …)``: the attempt is recorded pending and
  its card is about to go to the processor;
- ``run_after(settlement.processor, "charge", …)``: the processor has answered and the
  outcome is not recorded yet;
- ``failing_before_commit(error)``: the transaction that records a payment's final outcome
  has made every write and fails instead of committing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from tableside.core.unit_of_work import UnitOfWork
from tableside.payments import settlement


class _Turn:
    """Whose turn it is to act: every call's, or only the first's (``once``), whichever
    thread gets there first."""

    def __init__(self, once: bool) -> None:
        self.once = once
        self._lock = threading.Lock()
        self._taken = False

    def take(self) -> bool:
        with self._lock:
            first = not self._taken
            self._taken = True
        return first or not self.once


def run_before(
    owner: object, name: str, action: Callable[[], object], *, once: bool = True
) -> AbstractContextManager[None]:
    """Within the block, a call of ``owner.name`` runs ``action`` first, then the real one
    (``once``: only the first call)."""
    return _around(owner, name, action, once, after=False)


def run_after(
    owner: object, name: str, action: Callable[[], object], *, once: bool = True
) -> AbstractContextManager[None]:
    """Within the block, a call of ``owner.name`` runs the real one, then ``action`` before
    its caller gets the result (``once``: only after the first call)."""
    return _around(owner, name, action, once, after=True)


@contextmanager
def _around(
    owner: object, name: str, action: Callable[[], object], once: bool, *, after: bool
) -> Iterator[None]:
    real = getattr(owner, name)
    turn = _Turn(once)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not after and turn.take():
            action()
        result = real(*args, **kwargs)
        if after and turn.take():
            action()
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, wrapper)
        yield


@contextmanager
def failing_before_commit(error: Exception, *, once: bool = True) -> Iterator[None]:
    """Within the block, the transaction that records a payment's final outcome (the one
    that calls the settlement's ``_apply``: the payment, its audit and events, the check
    closed and the table freed, all written) raises ``error`` instead of committing, and
    so rolls back (``once``: only the first such transaction)."""
    real = settlement._apply
    turn = _Turn(once)

    def fail() -> None:
        raise error

    with pytest.MonkeyPatch.context() as patch:

        def applied(uow: UnitOfWork, *args: Any, **kwargs: Any) -> Any:
            answer = real(uow, *args, **kwargs)
            if turn.take():
                patch.setattr(uow, "commit", fail)  # this transaction's only
            return answer

        patch.setattr(settlement, "_apply", applied)
        yield
