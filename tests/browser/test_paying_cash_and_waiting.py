"""The pay screen on a Friday: the cash handed over is asked for anew with every payment and
the change is shown large; a card processor that is slow to answer is explained while the
server waits, and the screen ends in the truthful state by itself once the outcome is known
(DESIGN invariant 5: "paid" only from the server's 201, every retry on the same key)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from emulator import Emulator
from harness import LiveServer
from playwright.sync_api import expect
from screens import PAID, PHONE, TABLET, Tablet, a_check, usd
from terminal import Terminal

pytestmark = pytest.mark.browser

WAITING = "Still waiting for the card processor"


@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_the_cash_handed_over_is_asked_anew_for_each_payment_and_the_change_is_shown_large(
    tablets: Callable[..., Tablet], live_server: str, size: str
) -> None:
    check = a_check(live_server, "T5")
    first, second = (check["total_cents"] + 1) // 2, check["total_cents"] // 2
    tablet = tablets(pin="1234", viewport={"tablet": TABLET, "phone": PHONE}[size])
    page = tablet.open(f"/checks/{check['id']}/pay")

    page.click("[data-scope='split']")
    page.click("#split-evenly")
    page.click("[data-tender='cash']")
    page.fill("#cash-tendered", "100")
    expect(page.locator("[data-due='collect']")).to_have_text(usd(first))
    expect(page.locator("[data-due='change']")).to_have_text(usd(10000 - first))
    page.click("#pay-button")

    expect(page.locator("#outcome")).to_have_attribute("data-kind", "partial")
    change = page.locator("#outcome-change")
    expect(change).to_be_visible()
    expect(change).to_contain_text(f"Change {usd(10000 - first)}")
    size_px = float(change.evaluate("node => parseFloat(getComputedStyle(node).fontSize)"))
    assert size_px >= 32, f"the change due is {size_px}px, not large"
    # What comes next, in order: the next payment, or the floor.
    expect(page.locator("#outcome-next")).to_be_visible()
    expect(page.locator("#outcome-floor")).to_be_visible()

    page.click("#outcome-next")
    expect(page.locator("#cash-tendered")).to_have_value("")  # not the last guest's $100
    expect(page.locator("[data-due='collect']")).to_have_text(usd(second))
    expect(page.locator("[data-due='change']")).to_have_count(0)
    page.fill("#cash-tendered", "40")
    expect(page.locator("[data-due='change']")).to_have_text(usd(4000 - second))
    page.fill("#cash-tendered", "")
    page.click("#pay-button")  # exact cash

    expect(page.locator("#outcome-title")).to_have_text(PAID)
    expect(page.locator("#outcome-change")).to_be_hidden()  # exact: nothing to hand back
    expect(page.locator("#outcome-floor")).to_be_visible()
    expect(page.locator("#outcome-next")).to_be_hidden()
    expect(page.locator("#pay-form")).to_be_hidden()
    payments = Terminal(live_server).check(check["id"])["payments"]
    assert [(p["tender"], p["amount_cents"], p["change_cents"]) for p in payments] == [
        ("cash", first, 10000 - first),
        ("cash", second, 0),
    ]
    page.click("#outcome-floor")
    page.wait_for_url("**/floor")


@pytest.fixture
def patient_server(db: object, start_live_server: Callable[..., LiveServer]) -> str:
    """A server that waits 5 s for the card processor (the tests' usual one gives up after
    2), recovering pending payments every half second."""
    env = {"TABLESIDE_PROCESSOR_TIMEOUT_S": "5", "TABLESIDE_RECOVERY_INTERVAL_S": "0.5"}
    return start_live_server(env=env).url


def test_a_slow_processor_is_explained_while_it_works_and_the_card_ends_paid(
    tablets: Callable[..., Tablet], patient_server: str, emulator: Emulator
) -> None:
    check = a_check(patient_server, "T8")
    tablet = tablets(pin="1234", server=patient_server)
    page = tablet.open(f"/checks/{check['id']}/pay")
    emulator.fault("slow", delay_ms=3500)

    started = time.monotonic()
    page.click("#pay-button")
    wait = page.locator("#pay-wait")
    expect(wait).to_contain_text(WAITING, timeout=3000)
    assert time.monotonic() - started < 3.0
    expect(wait).to_contain_text("don't charge again")
    expect(page.locator("#pay-button")).to_be_disabled()
    expect(page.get_by_text(PAID)).to_have_count(0)

    expect(page.locator("#outcome-title")).to_have_text(PAID)
    expect(wait).to_be_hidden()
    assert len(tablet.payment_posts()) == 1
    assert len(emulator.charges_for(check["id"])) == 1


@pytest.mark.parametrize(
    ("mode", "kind", "title", "charged"),
    [
        ("timeout_after_charge", "paid", PAID, 1),
        ("timeout_before_charge", "failed", "Nothing was charged", 0),
    ],
)
def test_a_processor_that_never_answers_ends_in_the_truthful_state_without_a_tap(
    tablets: Callable[..., Tablet],
    patient_server: str,
    emulator: Emulator,
    mode: str,
    kind: str,
    title: str,
    charged: int,
) -> None:
    check = a_check(patient_server, "T3")
    tablet = tablets(pin="1234", server=patient_server)
    page = tablet.open(f"/checks/{check['id']}/pay")
    emulator.fault(mode)

    # Every answer the screen shows, in order.
    page.evaluate(
        """() => {
            window.__kinds = [];
            const box = document.querySelector('#outcome');
            new MutationObserver(() => window.__kinds.push(box.dataset.kind)).observe(
                box, {attributes: true, attributeFilter: ['data-kind']});
        }"""
    )
    page.click("#pay-button")
    expect(page.locator("#pay-wait")).to_contain_text(WAITING, timeout=3000)
    # The server gives up on the processor (504): not confirmed, nothing shown as paid;
    # once recovery learns the outcome the screen shows it, nobody tapping Retry.
    expect(page.locator("#outcome")).to_have_attribute("data-kind", kind, timeout=20000)
    expect(page.locator("#outcome-title")).to_have_text(title)
    kinds = page.evaluate("window.__kinds")
    shown = [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]
    assert shown == ["unconfirmed", kind], shown
    answers = [r.response() for r in tablet.payment_posts()]
    statuses = [a.status if a else 0 for a in answers]
    assert statuses[0] == 504 and statuses[-1] == (201 if charged else 502), statuses

    keys = tablet.keys_sent()
    assert len(keys) >= 2 and len(set(keys)) == 1, "the outcome was asked for on the same key"
    charges = emulator.charges_for(check["id"])
    assert len(charges) == charged
    server = Terminal(patient_server)
    after = server.check(check["id"])
    assert after["status"] == ("closed" if charged else "open")
    assert server.table("T3")["status"] == ("available" if charged else "occupied")
