"""A server's night on the tablet: log in, seat, ring, fire, take cash — and every other
tablet sees the floor change without anyone refreshing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import WebSocketRoute, expect
from screens import PAID, Tablet, usd
from terminal import Terminal

pytestmark = pytest.mark.browser


def test_a_server_seats_rings_fires_and_takes_cash_and_the_table_turns_free(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    tablet = tablets(pin=None)
    page = tablet.page
    page.goto("/")
    for digit in "1111":
        page.click(f"[data-key='{digit}']")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("Wrong PIN. Try again.")
    for digit in "1234":
        page.click(f"[data-key='{digit}']")
    page.click("#login-submit")
    page.wait_for_url("**/floor")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")

    page.click(".table[data-label='T2']")
    page.click("[data-guests='2']")
    page.click("#seat-confirm")
    page.wait_for_url("**/checks/*")
    check_id = page.url.rsplit("/", 1)[1]

    # A burger needs a temperature and a side: Add waits until both are chosen.
    page.click(".btn.seat[data-seat='1']")
    page.click(".tab:has-text('Burgers')")
    page.click(".menu-item:has-text('Bistro burger')")
    expect(page.locator("#item-add")).to_be_disabled()
    page.click(".option:has-text('Medium rare')")
    page.click(".option:has-text('Add bacon')")
    expect(page.locator("#item-add")).to_be_disabled()
    page.click(".option:has-text('Sweet potato fries')")
    expect(page.locator("#item-add")).to_have_text(f"Add · {usd(1795 + 150 + 150)}")
    page.fill("#item-note", "sesame allergy")
    page.click("#item-add")
    page.click(".btn.seat[data-seat='2']")
    page.click(".tab:has-text('Drinks')")
    page.click(".menu-item:has-text('Fresh lemonade')")  # no options: one tap rings it

    lines = page.locator(".line")
    expect(lines).to_have_count(2)
    expect(page.locator(".line.unsent")).to_have_count(2)
    expect(page.locator(".seat-group[data-seat='1'] .note")).to_have_text("sesame allergy")
    page.click("#send")
    expect(page.locator(".line.sent")).to_have_count(2)
    expect(page.locator(".line.unsent")).to_have_count(0)

    check = Terminal(live_server).check(check_id)
    assert check["subtotal_cents"] == 1795 + 150 + 150 + 550
    expect(page.locator("[data-total='balance']")).to_have_text(usd(check["total_cents"]))

    page.click("#pay")
    page.wait_for_url("**/pay")
    page.click("[data-tender='cash']")
    page.click("[data-tip='1800']")
    tip = (check["total_cents"] * 18 + 50) // 100
    page.fill("#cash-tendered", "100")
    expect(page.locator("[data-due='change']")).to_have_text(
        usd(10000 - check["total_cents"] - tip)
    )
    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text(PAID)
    expect(page.locator("#outcome-change")).to_have_text(
        f"Change {usd(10000 - check['total_cents'] - tip)}"
    )

    page.click("#outcome-floor")
    page.wait_for_url("**/floor")
    expect(page.locator(".table[data-label='T2']")).to_have_attribute("data-status", "available")
    closed = Terminal(live_server).check(check_id)
    assert closed["status"] == "closed"
    assert [(p["tender"], p["tip_cents"]) for p in closed["payments"]] == [("cash", tip)]

    page.click("#logout")
    page.wait_for_url(f"{live_server}/")
    page.goto("/floor")
    page.wait_for_url(f"{live_server}/")  # the session is over: back to the PIN pad


def test_another_tablet_sees_tables_seated_and_freed_live(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    watching = tablets(pin="2345")
    floor = watching.open("/floor")
    expect(floor.locator(".table[data-label='T10']")).to_have_attribute("data-status", "available")

    serving = tablets(pin="1234")
    page = serving.open("/floor")
    page.click(".table[data-label='T10']")
    page.click("[data-guests='3']")
    page.click("#seat-confirm")
    page.wait_for_url("**/checks/*")
    check_id = page.url.rsplit("/", 1)[1]

    t10 = floor.locator(".table[data-label='T10']")
    expect(t10).to_have_attribute("data-status", "occupied")
    expect(t10).to_contain_text("3 guests")

    server = Terminal(live_server)
    check = server.ring(check_id, "Mushroom risotto")
    page.goto(f"/checks/{check_id}/pay")
    page.click("[data-tender='cash']")
    page.click("#pay-button")
    expect(page.locator("#outcome-title")).to_have_text(PAID)

    expect(t10).to_have_attribute("data-status", "available")
    expect(t10).to_contain_text("seats 4")
    assert watching.was_not_reloaded()
    assert server.table("T10")["status"] == "available"
    assert check["total_cents"] == server.check(check_id)["paid_cents"]


def test_the_check_greys_out_an_item_the_moment_it_is_86d(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    server = Terminal(live_server)
    check = server.seat("T11", guests=2)
    tablet = tablets(pin="1234")
    page = tablet.open(f"/checks/{check['id']}")
    page.click(".tab:has-text('Starters')")
    calamari = page.locator(".menu-item:has-text('Crispy calamari')")
    expect(calamari).to_be_enabled()
    expect(page.locator(".menu-item:has-text('Soup of the day')")).to_be_disabled()

    kitchen = Terminal(live_server, pin="5555")
    item = kitchen.menu_item("Crispy calamari")
    response = kitchen.put(f"/menu/items/{item['id']}/availability", {"available": False})
    assert response.status_code == 200, response.text
    expect(calamari).to_be_disabled()
    expect(calamari).to_contain_text("86'd")

    kitchen.put(f"/menu/items/{item['id']}/availability", {"available": True})
    expect(calamari).to_be_enabled()
    assert tablet.was_not_reloaded()


def test_a_tablet_that_drops_off_catches_up_from_its_last_seq_and_reloads_on_resync(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    tablet = tablets(pin="2345")
    sockets: list[WebSocketRoute] = []
    passing = {"through": True}

    def feed(socket: WebSocketRoute) -> None:
        sockets.append(socket)
        if passing["through"]:
            socket.connect_to_server()

    def reconnected(count: int) -> WebSocketRoute:
        for _ in range(100):
            if len(sockets) >= count:
                return sockets[count - 1]
            tablet.page.wait_for_timeout(50)
        raise AssertionError("the tablet did not reconnect")

    tablet.page.route_web_socket(re.compile(r"/api/v1/ws"), feed)
    floor = tablet.open("/floor")
    server = Terminal(live_server)
    server.seat("T1", guests=2)
    expect(floor.locator(".table[data-label='T1']")).to_have_attribute("data-status", "occupied")
    seen = server.get("/events", params={"after": 0}).json()["last_seq"]
    expect(floor.locator("html")).to_have_attribute("data-seq", str(seen))

    # The connection drops; T3 is seated while the tablet is away (its new connection is
    # held back from the server until then).
    passing["through"] = False
    sockets[0].close(code=1001, reason="going away")
    expect(floor.locator("#live")).to_have_attribute("data-state", "reconnecting")
    second = reconnected(2)
    server.seat("T3", guests=4)
    assert f"after={seen}" in second.url  # it asks for exactly what it missed
    second.connect_to_server()
    t3 = floor.locator(".table[data-label='T3']")
    expect(t3).to_have_attribute("data-status", "occupied")
    expect(t3).to_contain_text("4 guests")

    # Away again, and this time the log no longer reaches back: the floor is reloaded.
    second.close(code=1001, reason="going away")
    third = reconnected(3)
    server.seat("T6", guests=1)
    last = server.get("/events", params={"after": 0}).json()["last_seq"]
    third.send(json.dumps({"type": "resync_required", "after": seen, "last_seq": last}))
    expect(floor.locator(".table[data-label='T6']")).to_have_attribute("data-status", "occupied")
    expect(floor.locator("html")).to_have_attribute("data-seq", str(last))
    assert tablet.was_not_reloaded()
