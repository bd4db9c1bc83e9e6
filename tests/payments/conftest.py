"""Fixtures for the card processor tests (the emulator itself: tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from emulator import Emulator
from harness import free_port

from tableside.config import EMULATOR_API_KEY
from tableside.payments.stripe_card import StripeCardProcessor


@pytest.fixture
def make_processor() -> Iterator[Callable[..., StripeCardProcessor]]:
    """Adapters over any URL; short timeouts keep the suite quick. Closed afterwards."""
    made: list[StripeCardProcessor] = []

    def make(url: str, timeout_s: float = 1.0, **kwargs: Any) -> StripeCardProcessor:
        processor = StripeCardProcessor(url, EMULATOR_API_KEY, timeout_s, **kwargs)
        made.append(processor)
        return processor

    yield make
    for processor in made:
        processor.close()


@pytest.fixture
def processor(
    emulator: Emulator, make_processor: Callable[..., StripeCardProcessor]
) -> StripeCardProcessor:
    return make_processor(emulator.url)


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (a processor that is down)."""
    return free_port()


@pytest.fixture
def new_id() -> Callable[..., str]:
    """Fresh ids, so tests sharing the session emulator never see each other's attempts."""
    return lambda prefix="att": f"{prefix}-{uuid.uuid4().hex}"
