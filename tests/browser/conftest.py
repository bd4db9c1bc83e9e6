"""The browser tests drive the real screens in Chromium against the live server, on SQLite
and on PostgreSQL like every live_server test. Without Chromium they are skipped — unless
CI is "true", where a missing browser is a failure, not a silent skip."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from screens import CHROMIUM, CHROMIUM_ARGS, Tablet


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tablets(chromium: Browser, live_server: str) -> Iterator[Callable[..., Tablet]]:
    """Open a tablet logged in with a PIN (``None``: not logged in) to the demo restaurant
    unless ``restaurant`` names another, 1024×768 unless ``viewport`` says otherwise
    (``screens.PHONE``), on the session's live server unless ``server`` names another.
    Every tablet is closed afterwards, and a JavaScript error on any screen fails the test."""
    opened: list[Tablet] = []

    def open_tablet(
        pin: str | None = "1234",
        viewport: dict[str, int] | None = None,
        server: str | None = None,
        restaurant: str = "demo",
    ) -> Tablet:
        tablet = Tablet(chromium, server or live_server, pin, viewport, restaurant)
        opened.append(tablet)
        return tablet

    yield open_tablet
    errors = [error for tablet in opened for error in tablet.errors]
    for tablet in opened:
        tablet.close()
    assert not errors, f"the screens raised JavaScript errors: {errors}"
