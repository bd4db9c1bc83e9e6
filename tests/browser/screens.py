"""Tablets for the browser tests: Chromium pages on the live server, logged in by cookie."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, Request, expect
from terminal import Terminal

# Debian's Chromium (a Playwright browser download is not needed and not used).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
PAID = "Paid — table is free"


def usd(cents: int) -> str:
    return f"${cents / 100:,.2f}"


class Tablet:
    """One tablet on the floor: its own browser context (cookies), one page; logged in to
    ``restaurant`` with ``pin`` by the login cookie (``pin`` None: not logged in)."""

    def __init__(
        self,
        browser: Browser,
        base_url: str,
        pin: str | None,
        viewport: dict[str, int] | None = None,
        restaurant: str = "demo",
    ) -> None:
        self.base_url = base_url
        size = viewport or TABLET
        self.context = browser.new_context(
            base_url=base_url,
            viewport={"width": size["width"], "height": size["height"]},
            locale="en-US",
            timezone_id="America/New_York",
            has_touch=size["width"] < 720,
        )
        if pin is not None:
            token = Terminal(base_url, restaurant, pin).token
            self.context.add_cookies(
                [
                    {
                        "name": "tableside_token",
                        "value": token,
                        "url": base_url,
                        "httpOnly": True,
                        "sameSite": "Strict",
                    }
                ]
            )
        self.page = self.context.new_page()
        self.page.set_default_timeout(8000)
        self.errors: list[str] = []
        self.requests: list[Request] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request))

    def open(self, path: str) -> Page:
        """Go to a screen and wait until its live feed is connected."""
        self.page.goto(path)
        expect(self.page.locator("#live")).to_have_attribute("data-state", "live")
        # Lost on any reload or navigation: proves a change arrived without one.
        self.page.evaluate("window.__sameDocument = true")
        return self.page

    def was_not_reloaded(self) -> bool:
        return bool(self.page.evaluate("window.__sameDocument === true"))

    def payment_posts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.url.endswith("/payments")]

    def keys_sent(self) -> list[str]:
        """The Idempotency-Key of each payment posted, in order."""
        return [r.headers["idempotency-key"] for r in self.payment_posts()]

    def close(self) -> None:
        self.context.close()


def outcome(page: Page) -> str:
    """Wait until a payment screen shows an answer, then say which kind it is (``paid``,
    ``declined``, ``unconfirmed``…)."""
    box = page.locator("#outcome")
    expect(box).to_be_visible(timeout=15000)
    return box.get_attribute("data-kind") or ""


def log_in(page: Page, restaurant: str, pin: str) -> None:
    """The login screen: the restaurant's code, then the PIN on the pad, then submit."""
    page.goto("/")
    page.locator("#restaurant").fill(restaurant)
    for digit in pin:
        page.locator(f'#keypad [data-key="{digit}"]').click()
    page.click("#login-submit")


def a_check(base_url: str, label: str) -> dict[str, Any]:
    """Two guests seated at ``label``: a salmon with fries and a glass of red, not sent."""
    server = Terminal(base_url)
    check = server.seat(label, guests=2)
    server.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Fries"])
    return server.ring(check["id"], "House red (glass)", seat=2)
