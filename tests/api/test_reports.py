"""The day's numbers (GET /api/v1/reports/day): a manager's, in integer cents, this
restaurant's only, and adding up to exactly what the checks and payments say."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from emulator import Emulator
from terminal import Terminal

ZONE = ZoneInfo("America/New_York")  # the demo restaurants' timezone


def report(manager: Terminal, day: str | None = None) -> dict[str, Any]:
    response = manager.get("/reports/day", params={} if day is None else {"date": day})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def paid(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_quiet_day_is_all_zeros_and_defaults_to_today_in_the_restaurants_timezone(
    manager: Terminal,
) -> None:
    day = report(manager)
    assert day["date"] == datetime.now(ZONE).date().isoformat()
    assert (day["timezone"], day["currency"]) == ("America/New_York", "USD")
    starts, ends = datetime.fromisoformat(day["starts_at"]), datetime.fromisoformat(day["ends_at"])
    assert starts.astimezone(ZONE).time().isoformat() == "00:00:00"
    assert timedelta(hours=23) <= ends - starts <= timedelta(hours=25)
    figures = {
        k: v for k, v in day.items() if k.endswith("_cents") or k in ("checks_closed", "covers")
    }
    assert set(figures.values()) == {0}
    assert day["by_tender"] == {
        "card": {"count": 0, "amount_cents": 0, "tip_cents": 0},
        "cash": {"count": 0, "amount_cents": 0, "tip_cents": 0},
    }
    assert day["refunds"] == {"count": 0, "amount_cents": 0}
    assert day["open_checks"] == {"count": 0, "balance_cents": 0}
    assert day["pending_payments"] == {"count": 0, "amount_cents": 0}
    assert day["payments"] == []


def test_the_day_adds_up_closed_checks_tenders_tips_refunds_and_what_is_still_open(
    server: Terminal, manager: Terminal
) -> None:
    # Table 1: a burger and a beer, 10 % off, half on a card with a tip, the rest in cash.
    one = server.seat("T1", guests=2)
    server.ring(one["id"], "Bistro burger", options=["Medium", "Fries", "Add bacon"])
    server.ring(one["id"], "Draft IPA", seat=2)
    discounted = manager.post(
        f"/checks/{one['id']}/discounts", {"kind": "percent", "value": 1000, "reason": "birthday"}
    )
    assert discounted.status_code == 201, discounted.text
    one = discounted.json()
    half = one["total_cents"] // 2
    paid(server.pay(one["id"], half, tender="card", tip_cents=300))
    one = paid(server.pay(one["id"], one["total_cents"] - half, tender="cash"))["check"]
    assert one["status"] == "closed"

    # Table 2: four guests, a declined card (counts nowhere), a partial cash payment; still open.
    two = server.seat("T2", guests=4)
    two = server.ring(two["id"], "Ribeye 12 oz", options=["Rare", "Side salad"], quantity=2)
    declined = server.pay(two["id"], 1000, tender="card", payment_method="pm_card_chargeDeclined")
    assert declined.status_code == 402, declined.text
    two = paid(server.pay(two["id"], 1000, tender="cash", tip_cents=100))["check"]

    # Table 3: one guest, card, then a manager refunds part of it.
    three = server.seat("T3", guests=1)
    three = server.ring(three["id"], "Mushroom risotto")
    card = paid(server.pay(three["id"], three["total_cents"], tender="card", tip_cents=450))
    three = card["check"]
    refund = manager.refund(card["payment"]["id"], 500, key=f"refund-{three['id']}")
    assert refund.status_code == 201, refund.text

    day = report(manager)
    assert day["checks_closed"] == 2
    assert day["covers"] == 2 + 1
    assert day["sales_cents"] == one["subtotal_cents"] + three["subtotal_cents"]
    assert day["discounts_cents"] == one["discount_cents"] > 0
    assert day["tax_cents"] == one["tax_cents"] + three["tax_cents"]
    assert day["total_cents"] == one["total_cents"] + three["total_cents"]
    assert day["total_cents"] == day["sales_cents"] - day["discounts_cents"] + day["tax_cents"]
    assert day["tips_cents"] == 300 + 100 + 450
    assert day["by_tender"] == {
        "card": {"count": 2, "amount_cents": half + three["total_cents"], "tip_cents": 750},
        "cash": {
            "count": 2,
            "amount_cents": one["total_cents"] - half + 1000,
            "tip_cents": 100,
        },
    }
    assert day["refunds"] == {"count": 1, "amount_cents": 500}
    assert day["open_checks"] == {"count": 1, "balance_cents": two["balance_cents"]}
    assert day["pending_payments"] == {"count": 0, "amount_cents": 0}
    rows = {
        (p["table_label"], p["tender"], p["amount_cents"], p["refunded_cents"])
        for p in day["payments"]
    }
    assert rows == {
        ("T1", "card", half, 0),
        ("T1", "cash", one["total_cents"] - half, 0),
        ("T2", "cash", 1000, 0),
        ("T3", "card", three["total_cents"], 500),
    }
    assert day["type"] is None  # every order type
    figures = {k: v for k, v in day.items() if k != "type"}
    assert all(isinstance(v, int) for v in figures.values() if not isinstance(v, (str, dict, list)))


def test_a_card_payment_at_the_processor_is_pending_until_it_settles(
    server: Terminal, manager: Terminal, emulator: Emulator
) -> None:
    check = server.ring(server.seat("T5", guests=2)["id"], "Caesar salad")
    emulator.fault("slow", delay_ms=1500)
    answers: list[httpx.Response] = []
    paying = threading.Thread(
        target=lambda: answers.append(server.pay(check["id"], check["total_cents"], tender="card"))
    )
    paying.start()
    seen = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and paying.is_alive():
        seen = report(manager)["pending_payments"]
        if seen["count"]:
            break
        time.sleep(0.05)
    paying.join(timeout=10)
    assert seen == {"count": 1, "amount_cents": check["total_cents"]}
    assert answers and answers[0].status_code == 201, answers and answers[0].text
    after = report(manager)
    assert after["pending_payments"] == {"count": 0, "amount_cents": 0}
    assert after["by_tender"]["card"]["count"] == 1
    assert after["open_checks"]["count"] == 0


def test_only_a_manager_reads_the_days_numbers(live_server: str) -> None:
    for pin in ("1234", "5555"):
        refused = Terminal(live_server, pin=pin).get("/reports/day")
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
        assert refused.json()["error"]["message"]
    anonymous = httpx.get(f"{live_server}/api/v1/reports/day")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "day",
    ["2025-13-01", "2025-02-30", "yesterday", "2025-1-5", "20250105", "9999-12-31", "0001-01-01"],
)
def test_a_day_that_is_not_a_day_is_refused_with_a_422(manager: Terminal, day: str) -> None:
    response = manager.get("/reports/day", params={"date": day})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_date"
    assert "YYYY-MM-DD" in error["message"] or "between" in error["message"]


def test_other_days_and_other_restaurants_see_none_of_todays_numbers(
    live_server: str, server: Terminal, manager: Terminal
) -> None:
    closed = server.ring(server.seat("T9", guests=5)["id"], "Old fashioned", quantity=2)
    paid(server.pay(closed["id"], closed["total_cents"], tender="cash", tip_cents=200))
    still_open = server.ring(server.seat("T10", guests=2)["id"], "Espresso")

    today = date.fromisoformat(report(manager)["date"])
    assert report(manager)["checks_closed"] == 1
    yesterday = report(manager, (today - timedelta(days=1)).isoformat())
    assert (yesterday["checks_closed"], yesterday["tips_cents"], yesterday["payments"]) == (
        0,
        0,
        [],
    )
    assert yesterday["open_checks"]["count"] == 0  # opened today: not yesterday's to chase
    # A check left open is still to chase on every later day's report, until it is settled.
    tomorrow = report(manager, (today + timedelta(days=1)).isoformat())
    assert tomorrow["checks_closed"] == 0
    assert tomorrow["open_checks"] == {"count": 1, "balance_cents": still_open["balance_cents"]}

    elsewhere = report(Terminal(live_server, restaurant="demo2", pin="9999"))
    assert (elsewhere["checks_closed"], elsewhere["sales_cents"], elsewhere["tips_cents"]) == (
        0,
        0,
        0,
    )
    assert elsewhere["by_tender"]["cash"]["count"] == 0
    assert elsewhere["open_checks"]["count"] == 0
    assert elsewhere["payments"] == []
