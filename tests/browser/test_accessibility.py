"""Every screen, on the 1024×768 tablet and the 390×844 phone, as staff and guests use it:
axe-core (the engine browsers' own audits use) finds nothing, and every control is at
least 44×44 px — a finger on a Friday night, not a mouse pointer.

The screens are scanned with real data on them (a check with lines by seat, an 86'd item, a
ticket on the kitchen's rail, a payment on the manager's report) and with their dialogs
open, since a dialog is where the pay screen and the approvals live."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from ordering import Guest
from playwright.sync_api import Page, expect
from screens import PHONE, TABLET, Tablet
from terminal import Terminal

pytestmark = pytest.mark.browser

AXE = Axe()

# Controls a finger must hit, and how big each one is on the screen.
SMALL_CONTROLS = """() => [...document.querySelectorAll(
        'button, input:not([type=hidden]), select, textarea, a[href], summary,'
        + '[role=button], [role=tab], [role=radio], [role=checkbox], [role=link]')]
    .filter((node) => node.getClientRects().length && !node.closest('[hidden], [inert]')
        && getComputedStyle(node).visibility !== 'hidden')
    .map((node) => {
        // A check box's target is its label, when it sits in one.
        const label = node.matches('[type=checkbox], [type=radio]') && node.closest('label');
        const box = (label || node).getBoundingClientRect();
        const name = (node.getAttribute('aria-label') || node.textContent || node.id).trim();
        return {control: `${node.tagName.toLowerCase()} "${name.slice(0, 30)}"`,
                width: Math.round(box.width), height: Math.round(box.height)};
    })
    .filter((size) => size.width < 44 || size.height < 44)"""


@dataclass(frozen=True)
class Service:
    """What is on the floor while the screens are scanned."""

    check: str
    paid_check: str
    guest_token: str
    order_token: str  # a guest's paid order ahead


@pytest.fixture
def service(live_server: str) -> Iterator[Service]:
    server = Terminal(live_server)
    manager = Terminal(live_server, pin="9999")
    check = server.seat("T1", guests=3)
    server.ring(check["id"], "Ribeye 12 oz", seat=1, options=["Medium rare", "Fries"])
    server.ring(check["id"], "Draft IPA", seat=2)
    server.ring(check["id"], "Truffle fries", seat=0, note="no truffle oil")
    server.send(check["id"])
    server.ring(check["id"], "Espresso", seat=3)
    espresso = server.menu_item("Espresso")
    eighty_six = manager.put(f"/menu/items/{espresso['id']}/availability", {"available": False})
    assert eighty_six.status_code == 200, eighty_six.text
    paid = server.seat("T2", guests=1)
    server.ring(paid["id"], "Draft IPA", seat=1)
    settled = server.pay(paid["id"], server.check(paid["id"])["balance_cents"])
    assert settled.status_code == 201, settled.text
    link = server.post(f"/checks/{check['id']}/guest-link")
    assert link.status_code == 201, link.text
    guest = Guest(live_server)
    order = guest.order()
    guest.close()
    assert order.status_code == 201, order.text
    yield Service(check["id"], paid["id"], link.json()["token"], order.json()["token"])
    manager.put(f"/menu/items/{espresso['id']}/availability", {"available": True})


@dataclass(frozen=True)
class Screen:
    name: str
    pin: str | None
    path: Callable[[Service], str]
    then: Callable[[Page], Any] | None = None  # open a dialog, pick a split…


def _open_dialog(button: str, dialog: str) -> Callable[[Page], None]:
    def open_it(page: Page) -> None:
        page.locator(button).first.click()
        expect(page.locator(dialog)).to_be_visible()

    return open_it


def _open_item_dialog(page: Page) -> None:
    page.click(".menu-item:has-text('Chicken wings')")
    expect(page.locator("#item-dialog")).to_be_visible()


SCREENS = [
    Screen("login", None, lambda s: "/"),
    Screen("floor", "1234", lambda s: "/floor"),
    Screen("check", "1234", lambda s: f"/checks/{s.check}"),
    Screen("check, an item's options", "1234", lambda s: f"/checks/{s.check}", _open_item_dialog),
    Screen(
        "check, a void asking for a manager",
        "1234",
        lambda s: f"/checks/{s.check}",
        _open_dialog(".line .btn.void", "#void-dialog"),
    ),
    Screen(
        "check, a discount",
        "1234",
        lambda s: f"/checks/{s.check}",
        _open_dialog("#discount-check", "#discount-dialog"),
    ),
    Screen(
        "check, merge",
        "1234",
        lambda s: f"/checks/{s.check}",
        _open_dialog("#merge-open", "#merge-dialog"),
    ),
    Screen("pay", "1234", lambda s: f"/checks/{s.check}/pay"),
    Screen("a closed check", "1234", lambda s: f"/checks/{s.paid_check}"),
    Screen("kitchen", "5555", lambda s: "/kitchen"),
    Screen("manager", "9999", lambda s: "/manager"),
    Screen("menu editor", "9999", lambda s: "/manager/menu"),
    Screen("guest's phone", None, lambda s: f"/g/{s.guest_token}"),
    Screen("floor editor", "9999", lambda s: "/manager/floor"),
    Screen("staff", "9999", lambda s: "/manager/staff"),
    Screen("settings", "8888", lambda s: "/manager/settings"),
    Screen("orders", "9999", lambda s: "/orders"),
    Screen("order ahead", None, lambda s: "/r/demo"),
    Screen("a guest's order", None, lambda s: f"/o/{s.order_token}"),
    Screen("kiosk, waiting for a manager", None, lambda s: "/r/demo/kiosk"),
]


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_every_screen_reads_to_a_screen_reader_and_fits_a_finger(
    tablets: Callable[..., Tablet], service: Service, size: dict[str, int]
) -> None:
    found: dict[str, Any] = {}
    for screen in SCREENS:
        tablet = tablets(pin=screen.pin, viewport=size)
        page = tablet.page
        page.goto(screen.path(service))
        page.wait_for_load_state("networkidle")
        if screen.then is not None:
            screen.then(page)
        page.wait_for_timeout(300)  # transitions end: colours are final
        results = AXE.run(page)
        violations = [
            {
                "rule": violation["id"],
                "impact": violation["impact"],
                "nodes": [
                    f"{node['target']}: {node['failureSummary']}" for node in violation["nodes"]
                ][:4],
            }
            for violation in results.response["violations"]
        ]
        small = page.evaluate(SMALL_CONTROLS)
        if violations or small:
            found[screen.name] = {"axe": violations, "under 44 px": small}
        tablet.close()
    assert not found, json.dumps(found, indent=1)
