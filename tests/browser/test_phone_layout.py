"""On a 390×844 phone every screen fits the width (nothing scrolls sideways) and Log out is
in view and works — for the owner (the settings too), a manager, whose bar holds the most,
and for a server; the back office's floor plan and staff screens included."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from screens import PHONE, Tablet
from terminal import Terminal

pytestmark = pytest.mark.browser


def overflow(page: Page) -> dict[str, object]:
    """How wide the page is, and the first few things that stick out past the screen's edge
    without a scrolling box of their own around them."""
    return dict(
        page.evaluate(
            """() => {
                const width = innerWidth;
                const clipped = (node) => {
                    for (let up = node.parentElement; up; up = up.parentElement) {
                        const style = getComputedStyle(up);
                        if (style.overflowX !== 'visible' && up !== document.body
                            && up !== document.documentElement) {
                            return up.getBoundingClientRect().right <= width + 1;
                        }
                    }
                    return false;
                };
                const out = [...document.querySelectorAll('body *')]
                    .filter((node) => node.getClientRects().length)
                    .filter((node) => node.getBoundingClientRect().right > width + 1)
                    .filter((node) => !clipped(node))
                    .slice(0, 5)
                    .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}`);
                return {scrollWidth: document.documentElement.scrollWidth, width, out};
            }"""
        )
    )


def logout_reachable(page: Page) -> bool:
    return bool(
        page.locator("#logout").evaluate(
            """node => {
                const r = node.getBoundingClientRect();
                if (r.left < 0 || r.right > innerWidth || r.top < 0 || r.bottom > innerHeight
                    || r.width < 44 || r.height < 44) {
                    return false;
                }
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return hit === node || node.contains(hit);
            }"""
        )
    )


@pytest.mark.parametrize(
    ("pin", "who"), [("8888", "owner"), ("9999", "manager"), ("1234", "server")]
)
def test_every_screen_fits_a_phone_and_log_out_is_in_reach(
    tablets: Callable[..., Tablet], live_server: str, pin: str, who: str
) -> None:
    server = Terminal(live_server)
    check = server.seat("T1", guests=4)
    for seat, name in enumerate(["Crispy calamari", "Mushroom risotto", "Truffle fries"], 1):
        check = server.ring(check["id"], name, seat=seat)
    server.post(f"/checks/{check['id']}/send")
    screens = ["/floor", f"/checks/{check['id']}", f"/checks/{check['id']}/pay"]
    if who in ("manager", "owner"):
        screens += ["/kitchen", "/manager", "/manager/floor", "/manager/staff"]
    if who == "owner":
        screens += ["/manager/settings"]

    # Logged in on the phone's own PIN pad (Log out ends this session only).
    phone = tablets(pin=None, viewport=PHONE)
    page = phone.page
    page.goto("/")
    found = overflow(page)
    assert found["scrollWidth"] == PHONE["width"] and not found["out"], ("/", found)
    for digit in pin:
        page.click(f"[data-key='{digit}']")
    page.click("#login-submit")
    page.wait_for_url("**/floor")

    for path in screens:
        page = phone.open(path)
        page.wait_for_timeout(300)  # the screen's first render from its live data
        found = overflow(page)
        assert found["scrollWidth"] == PHONE["width"] and not found["out"], (path, found)
        assert logout_reachable(page), f"Log out is out of reach on {path}"

    page.click("#logout")
    page.wait_for_url(f"{live_server}/")
    expect(page.locator("#login-submit")).to_be_visible()
