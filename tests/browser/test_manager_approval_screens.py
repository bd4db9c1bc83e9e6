"""On the check screen, what only a manager may do is no dead end for a server: a PIN pad
asks a manager to approve on the spot. Merging asks first, keeps each party's seats, and the
other server's screen says where their check went."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from new_restaurant import PINS, open_new_restaurant, staff
from playwright.sync_api import Page, expect
from screens import Tablet, usd
from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database

pytestmark = pytest.mark.browser


def type_pin(page: Page, pin: str) -> None:
    for digit in pin:
        page.click(f"#approval-keypad [data-key='{digit}']")


def test_a_server_voids_a_sent_line_and_comps_another_when_a_manager_types_their_pin(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    sam = Terminal(live_server)
    check = sam.seat("T7", guests=2)
    sam.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])  # 2950
    sam.ring(check["id"], "House red (glass)", seat=2)  # 1200
    check = sam.send(check["id"])
    salmon, wine = check["lines"]

    page = tablets().open(f"/checks/{check['id']}")
    page.click(f".line[data-line-id='{wine['id']}'] .btn.void")
    page.fill("#void-reason", "corked bottle")
    page.click("#void-confirm")

    pad = page.locator("#approval-dialog")
    expect(pad).to_be_visible()
    expect(pad.locator("h2")).to_have_text("Manager approval")
    expect(page.locator("#approval-why")).to_contain_text("Only a manager can void")
    for key in pad.locator(".key").all():  # fingers, not mouse pointers
        box = key.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
    type_pin(page, "2345")  # the other server's PIN: refused in the API's words
    page.click("#approval-ok")
    expect(page.locator("#approval-error")).to_contain_text("not an active manager")
    expect(pad).to_be_visible()
    type_pin(page, "9999")
    page.click("#approval-ok")
    expect(pad).to_be_hidden()
    expect(page.locator("#void-dialog")).to_be_hidden()
    expect(page.locator(f".line[data-line-id='{wine['id']}']")).to_have_class(
        re.compile(r"\bvoided\b")
    )
    expect(page.locator("[data-total='subtotal']")).to_have_text(usd(2950))

    page.click(f".line[data-line-id='{salmon['id']}'] .btn.comp")
    expect(page.locator("#discount-kind [data-kind='comp']")).to_have_attribute(
        "aria-checked", "true"
    )
    page.fill("#discount-reason", "hair in it")
    page.click("#discount-confirm")
    expect(pad).to_be_visible()
    type_pin(page, "9999")
    page.click("#approval-ok")
    expect(page.locator(f".line[data-line-id='{salmon['id']}'] .chip.discount")).to_have_text(
        "Comp: hair in it"
    )
    expect(page.locator("[data-total='discounts']")).to_have_text(f"-{usd(2950)}")

    with db.engine.connect() as conn:
        approvers = conn.execute(
            text(
                "SELECT s.name FROM check_lines l JOIN staff s ON s.id = l.void_approved_by"
                " WHERE l.id = :line UNION ALL"
                " SELECT s.name FROM check_discounts d JOIN staff s ON s.id = d.approved_by"
                " WHERE d.check_id = :check"
            ),
            {"line": wine["id"], "check": check["id"]},
        ).all()
    assert [r[0] for r in approvers] == ["Morgan Ellis", "Morgan Ellis"]


def test_cancelling_the_pin_pad_changes_nothing(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    sam = Terminal(live_server)
    check = sam.seat("T8")
    check = sam.send(sam.ring(check["id"], "House red (glass)")["id"])
    line = check["lines"][0]
    page = tablets().open(f"/checks/{check['id']}")
    page.click(f".line[data-line-id='{line['id']}'] .btn.void")
    page.fill("#void-reason", "guest changed their mind")
    page.click("#void-confirm")
    expect(page.locator("#approval-dialog")).to_be_visible()
    page.click("#approval-cancel")
    expect(page.locator("#approval-dialog")).to_be_hidden()
    expect(page.locator("#void-dialog")).to_be_visible()
    expect(page.locator("#void-confirm")).to_be_enabled()
    assert sam.check(check["id"])["lines"][0]["voided"] is False


def test_merging_asks_first_keeps_seats_apart_and_tells_the_other_server_where_it_went(
    tablets: Callable[..., Tablet], live_server: str
) -> None:
    sam, riley = Terminal(live_server), Terminal(live_server, pin="2345")
    bar = sam.seat("T15", guests=2)
    sam.ring(bar["id"], "Old fashioned", seat=1)
    sam.ring(bar["id"], "Old fashioned", seat=2)
    patio = riley.seat("T16", guests=3)
    riley.ring(patio["id"], "Bistro burger", options=["Medium", "Fries"], seat=1)
    riley.ring(patio["id"], "Mushroom risotto", seat=2)

    rileys = tablets(pin="2345").open(f"/checks/{patio['id']}")
    page = tablets().open(f"/checks/{bar['id']}")
    page.click("#merge-open")
    page.click(".merge-table:has-text('T16')")
    confirm = page.locator("#merge-confirm-text")
    expect(confirm).to_contain_text("Bring table T16's check")
    expect(confirm).to_contain_text("seats become 3, 4 here")
    assert sam.check(patio["id"])["status"] == "open"  # nothing happens before confirming
    page.click("#merge-confirm")
    expect(page.locator("#merge-dialog")).to_be_hidden()
    expect(page.locator(".seat-group[data-seat='3'] .line")).to_have_text(
        [re.compile("Bistro burger")]
    )
    expect(page.locator(".seat-group[data-seat='4'] .line")).to_have_text(
        [re.compile("Mushroom risotto")]
    )

    # Riley's tablet, without a reload: where the check went, and a way there.
    banner = rileys.locator("#closed-banner")
    expect(banner).to_contain_text(f"merged into table T15's check #{bar['number']}")
    link = banner.locator("a")
    expect(link).to_have_attribute("href", f"/checks/{bar['id']}")
    assert rileys.evaluate("window.__sameDocument === true")
    link.click()
    rileys.wait_for_url(f"**/checks/{bar['id']}")


def test_merging_two_parties_into_a_large_one_says_the_service_charge_comes_with_it(
    tablets: Callable[..., Tablet], live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db, tables=("A1", "A2", "A3"))
    owner = staff(live_server, place, "owner")
    rule = {"service_charge_bp": 1800, "service_charge_min_guests": 8}
    assert owner.http.put("/api/v1/restaurant", json=rule).status_code == 200
    server = staff(live_server, place, "server")
    seated = {
        label: server.post(f"/tables/{place.tables[label]}/seat", {"guests": guests}).json()
        for label, guests in (("A1", 4), ("A2", 4), ("A3", 1))
    }
    tablet = tablets(PINS["server"], restaurant=place.slug)
    page = tablet.open(f"/checks/{seated['A1']['id']}")
    confirm = page.locator("#merge-confirm-text")

    # 4 + 1 guests: under the rule, nothing is added.
    page.click("#merge-open")
    page.click(".merge-table:has-text('A3')")
    expect(confirm).to_contain_text("nobody's bill changes")
    page.click("#merge-back")

    # 4 + 4 guests: a party of 8 carries the 18 % charge, and the dialog says so.
    page.click(".merge-table:has-text('A2')")
    expect(confirm).to_contain_text("carries a service charge of 18 % (a party of 8)")
    expect(confirm).not_to_contain_text("nobody's bill changes")
    page.click("#merge-confirm")
    expect(page.locator("#merge-dialog")).to_be_hidden()
    assert server.check(seated["A1"]["id"])["service_charge_bp"] == 1800
