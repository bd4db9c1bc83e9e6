"""What a seated table's tile says on the floor: whose table, since when, what the check
comes to and what is left to pay (the check's own figures), and where its food stands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from terminal import Terminal

SEATED_FIELDS = (
    "server_id",
    "server_name",
    "seated_at",
    "total_cents",
    "balance_cents",
    "kitchen_status",
    "kitchen_since",
)


@pytest.fixture
def sam(live_server: str) -> Terminal:
    return Terminal(live_server)


@pytest.fixture
def chef(live_server: str) -> Terminal:
    return Terminal(live_server, pin="5555")


@pytest.fixture
def manager(live_server: str) -> Terminal:
    return Terminal(live_server, pin="9999")


def move(terminal: Terminal, ticket_id: str, status: str) -> None:
    response = terminal.post(f"/tickets/{ticket_id}/status", {"status": status})
    assert response.status_code == 200, response.text


def test_a_free_table_says_only_what_it_seats(sam: Terminal) -> None:
    table = sam.table("T1")
    assert table["status"] == "available"
    assert all(table[field] is None for field in SEATED_FIELDS)


def test_a_seated_tile_names_the_server_the_time_seated_and_the_checks_figures(
    sam: Terminal, live_server: str
) -> None:
    check = sam.seat("T4", guests=3)
    me = sam.get("/me").json()
    table = Terminal(live_server, pin="2345").table("T4")  # another server's tablet
    assert (table["server_id"], table["server_name"]) == (me["id"], me["name"])
    assert datetime.fromisoformat(table["seated_at"]) == datetime.fromisoformat(check["opened_at"])
    assert (table["total_cents"], table["balance_cents"]) == (0, 0)
    assert (table["kitchen_status"], table["kitchen_since"]) == (None, None)

    sam.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])
    sam.ring(check["id"], "Caesar salad", seat=2, options=["Add shrimp"])
    after = sam.check(check["id"])
    table = sam.table("T4")
    assert (table["total_cents"], table["balance_cents"]) == (
        after["total_cents"],
        after["balance_cents"],
    )
    assert table["balance_cents"] > 0


def test_the_food_is_waiting_then_ready_then_gone_from_the_tile(
    sam: Terminal, chef: Terminal
) -> None:
    check = sam.seat("T5")
    sam.ring(check["id"], "Crispy calamari")
    fired = sam.send(check["id"])
    first = fired["lines"][0]["ticket_id"]
    waiting = sam.table("T5")
    assert waiting["kitchen_status"] == "waiting"
    fired_at = datetime.fromisoformat(waiting["kitchen_since"])

    move(chef, first, "in_progress")
    assert sam.table("T5")["kitchen_status"] == "waiting"
    move(chef, first, "ready")
    ready = sam.table("T5")
    assert ready["kitchen_status"] == "ready"
    assert datetime.fromisoformat(ready["kitchen_since"]) > fired_at

    # A second round on its way does not hide the plate in the window.
    sam.ring(check["id"], "Espresso")
    sam.send(check["id"])
    assert sam.table("T5")["kitchen_status"] == "ready"
    move(sam, first, "served")
    assert sam.table("T5")["kitchen_status"] == "waiting"
    second = next(
        t["id"] for t in chef.get("/tickets").json()["tickets"] if t["check_id"] == check["id"]
    )
    move(chef, second, "ready")
    move(sam, second, "served")
    table = sam.table("T5")
    assert (table["kitchen_status"], table["kitchen_since"]) == (None, None)


def tile_and_check(terminal: Terminal, label: str, check_id: str) -> tuple[Any, Any]:
    table, check = terminal.table(label), terminal.check(check_id)
    return (
        (table["total_cents"], table["balance_cents"]),
        (check["total_cents"], check["balance_cents"]),
    )


def test_the_tile_shows_exactly_what_the_check_shows_through_discounts_voids_and_payments(
    sam: Terminal, manager: Terminal
) -> None:
    """The tile's figures are the check's: the same rows, computed by the same code."""
    check = sam.seat("T8", guests=4)
    steps: list[Any] = []
    salmon = sam.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])["lines"][
        -1
    ]
    sam.ring(check["id"], "Bistro burger", seat=2, options=["Medium", "Fries", "Add bacon"])
    wine = sam.ring(check["id"], "House red (glass)", seat=3, quantity=2)["lines"][-1]
    sam.ring(check["id"], "Crispy calamari", seat=0)
    steps.append(tile_and_check(sam, "T8", check["id"]))
    sam.send(check["id"])
    for body in (
        {"kind": "percent", "value": 10_000, "reason": "overcooked", "line_id": salmon["id"]},
        {"kind": "amount", "value": 150, "reason": "happy hour", "line_id": wine["id"]},
        {"kind": "percent", "value": 1000, "reason": "regulars"},
    ):
        response = manager.post(f"/checks/{check['id']}/discounts", body)
        assert response.status_code == 201, response.text
        steps.append(tile_and_check(sam, "T8", check["id"]))
    voided = manager.post(
        f"/checks/{check['id']}/lines/{wine['id']}/void", {"reason": "guest changed mind"}
    )
    assert voided.status_code == 200, voided.text
    steps.append(tile_and_check(sam, "T8", check["id"]))
    paid = sam.pay(check["id"], 1234, tip_cents=200)
    assert paid.status_code == 201, paid.text
    steps.append(tile_and_check(sam, "T8", check["id"]))
    split = sam.put(f"/checks/{check['id']}/split", {"kind": "evenly", "ways": 2})
    assert split.status_code == 200, split.text
    steps.append(tile_and_check(sam, "T8", check["id"]))

    for tile, shown in steps:
        assert tile == shown
    assert steps[-1][0][1] == steps[-1][0][0] - 1234  # the tip is not part of the balance
    assert len({tile for tile, _ in steps}) == len(steps) - 1  # each step moved the figures


def test_another_restaurants_floor_shows_none_of_our_parties(
    sam: Terminal, live_server: str
) -> None:
    check = sam.seat("T9")
    sam.ring(check["id"], "Espresso")
    sam.send(check["id"])
    other = Terminal(live_server, "demo2").floor()
    assert all(t["check_id"] is None and t["server_id"] is None for t in other)
    assert all(t["kitchen_status"] is None for t in other)
