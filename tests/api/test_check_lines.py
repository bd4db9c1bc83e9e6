"""Ringing lines by seat: what is accepted, what is refused (and then nothing changes), and
totals with the demo's 8.25 % tax."""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
import pytest
from db_state import audit_actions, changed_tables, snapshot
from harness import at_once
from terminal import Terminal

from tableside.core.unit_of_work import Database


def test_a_table_of_three_with_a_shared_plate_adds_up(server: Terminal, db: Database) -> None:
    check = server.seat("T6", guests=3)
    server.ring(check["id"], "Bistro burger", seat=1, options=["Medium", "Add bacon", "Fries"])
    server.ring(check["id"], "Fresh lemonade", seat=2, quantity=2)
    server.ring(check["id"], "Mushroom risotto", seat=3, note="no parmesan: dairy allergy")
    after = server.ring(check["id"], "Truffle fries", seat=0)

    lines = after["lines"]
    assert [(line["seat"], line["name"], line["quantity"]) for line in lines] == [
        (1, "Bistro burger", 1),
        (2, "Fresh lemonade", 2),
        (3, "Mushroom risotto", 1),
        (0, "Truffle fries", 1),
    ]
    assert [line["total_cents"] for line in lines] == [1945, 1100, 2200, 850]
    assert lines[2]["note"] == "no parmesan: dairy allergy"
    assert all(line["sent"] is False for line in lines)
    # 6095 × 8.25 % = 502.8375 → 503, rounded half up once on the check.
    assert after["subtotal_cents"] == 6095
    assert after["tax_cents"] == 503
    assert after["total_cents"] == 6598
    assert after["balance_cents"] == 6598
    assert (after["paid_cents"], after["tip_cents"], after["payments"]) == (0, 0, [])
    assert server.check(check["id"]) == after
    for line in lines:
        assert set(line) >= {
            "id",
            "seat",
            "menu_item_id",
            "name",
            "quantity",
            "unit_price_cents",
            "modifiers",
            "total_cents",
            "sent",
        }
    assert [a for a, _ in audit_actions(db, check["id"])] == ["line.added"] * 4


def test_tax_rounds_half_a_cent_up(server: Terminal) -> None:
    check = server.seat("T8")
    # 1000 × 8.25 % = 82.5 → 83
    after = server.ring(check["id"], "Sparkling water", quantity=2, seat=1)
    after = server.ring(check["id"], "Espresso", seat=2, options=[])
    assert after["subtotal_cents"] == 1300
    assert after["tax_cents"] == 107  # 107.25 → 107
    solo = server.seat("T10")
    five = server.ring(solo["id"], "Espresso", quantity=2, seat=1, options=["Double"])
    assert five["subtotal_cents"] == 1100
    assert five["tax_cents"] == 91  # 90.75 → 91


def _burger(server: Terminal) -> dict[str, Any]:
    return server.menu_item("Bistro burger")


BAD_LINES: list[tuple[str, Any]] = [
    ("quantity 0", lambda s, b: {"menu_item_id": b["id"], "quantity": 0}),
    ("quantity 101", lambda s, b: {"menu_item_id": b["id"], "quantity": 101}),
    ("seat -1", lambda s, b: {"menu_item_id": b["id"], "seat": -1}),
    ("seat 100", lambda s, b: {"menu_item_id": b["id"], "seat": 100}),
    ("no item", lambda s, b: {"seat": 1}),
    ("unknown item", lambda s, b: {"menu_item_id": "itm_doesnotexist"}),
    ("86'd item", lambda s, b: {"menu_item_id": s.menu_item("Soup of the day")["id"]}),
    (
        "too few choices",
        lambda s, b: {
            "menu_item_id": b["id"],
            "modifier_option_ids": s.option_ids(b, ["Add bacon"]),
        },
    ),
    (
        "too many choices",
        lambda s, b: {
            "menu_item_id": b["id"],
            "modifier_option_ids": s.option_ids(b, ["Rare", "Medium", "Fries"]),
        },
    ),
    (
        "an option chosen twice",
        lambda s, b: {
            "menu_item_id": b["id"],
            "modifier_option_ids": s.option_ids(b, ["Rare", "Fries", "Add bacon", "Add bacon"]),
        },
    ),
    (
        "unknown option",
        lambda s, b: {
            "menu_item_id": b["id"],
            "modifier_option_ids": [*s.option_ids(b, ["Rare", "Fries"]), "mo_nope"],
        },
    ),
    (
        "another item's option",
        lambda s, b: {
            "menu_item_id": b["id"],
            "modifier_option_ids": [
                *s.option_ids(b, ["Rare", "Fries"]),
                *s.option_ids(s.menu_item("Caesar salad"), ["Add chicken"]),
            ],
        },
    ),
    ("a price from the client", lambda s, b: {"menu_item_id": b["id"], "price_cents": 1}),
    ("a note of 501 characters", lambda s, b: {"menu_item_id": b["id"], "note": "x" * 501}),
    ("a quantity as text", lambda s, b: {"menu_item_id": b["id"], "quantity": "two"}),
    ("a fractional quantity", lambda s, b: {"menu_item_id": b["id"], "quantity": 1.5}),
    ("options not a list", lambda s, b: {"menu_item_id": b["id"], "modifier_option_ids": "x"}),
    ("a NUL in the note", lambda s, b: {"menu_item_id": b["id"], "note": "nuts\x00"}),
]


@pytest.mark.parametrize(("what", "body"), BAD_LINES, ids=[what for what, _ in BAD_LINES])
def test_a_bad_line_is_a_422_and_the_check_is_unchanged(
    server: Terminal, db: Database, what: str, body: Any
) -> None:
    check = server.seat("T11")
    server.ring(check["id"], "Espresso", options=[])
    payload = body(server, _burger(server))
    before = snapshot(db)
    response = server.post(f"/checks/{check['id']}/lines", payload)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert changed_tables(before, snapshot(db)) == []


def test_a_burger_needs_its_temperature_and_side_and_says_so(server: Terminal) -> None:
    check = server.seat("T12")
    burger = _burger(server)
    response = server.post(
        f"/checks/{check['id']}/lines",
        {"menu_item_id": burger["id"], "modifier_option_ids": server.option_ids(burger, ["Rare"])},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_modifiers"
    assert "Side" in response.json()["error"]["message"]


def test_seat_zero_is_the_shared_seat_and_defaults_are_seat_one_quantity_one(
    server: Terminal,
) -> None:
    check = server.seat("T13")
    shared = server.ring(check["id"], "Crispy calamari", seat=0)
    assert shared["lines"][0]["seat"] == 0
    plain = server.post(
        f"/checks/{check['id']}/lines", {"menu_item_id": server.menu_item("Draft IPA")["id"]}
    )
    assert plain.status_code == 201, plain.text
    assert (plain.json()["lines"][1]["seat"], plain.json()["lines"][1]["quantity"]) == (1, 1)


def test_no_line_goes_on_a_check_that_is_no_longer_open(server: Terminal, db: Database) -> None:
    kept = server.seat("T14")
    merged = server.seat("T15")
    response = server.post(f"/checks/{kept['id']}/merge", {"from_check_id": merged["id"]})
    assert response.status_code == 200, response.text
    assert server.check(merged["id"])["status"] == "void"
    before = snapshot(db)
    refused = server.ring_response(merged["id"], "Draft IPA")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "check_not_open"
    assert changed_tables(before, snapshot(db)) == []


def test_a_line_on_another_restaurants_check_is_not_found(
    live_server: str, server: Terminal, db: Database
) -> None:
    check = server.seat("T16")
    server.ring(check["id"], "Chocolate torte", note="birthday candle")
    other = Terminal(live_server, "demo2")
    other_item = other.menu_item("Chocolate torte")
    theirs = other.seat("T1")
    before = snapshot(db)
    for response in [
        other.post(f"/checks/{check['id']}/lines", {"menu_item_id": other_item["id"]}),
        other.get(f"/checks/{check['id']}"),
    ]:
        assert response.status_code == 404, response.text
        assert "birthday" not in response.text
    # And demo's items cannot be rung on demo2's checks.
    foreign = other.post(
        f"/checks/{theirs['id']}/lines", {"menu_item_id": server.menu_item("Draft IPA")["id"]}
    )
    assert foreign.status_code == 422
    assert other.check(theirs["id"])["lines"] == []
    assert changed_tables(before, snapshot(db)) == []


def test_servers_ringing_one_check_at_once_lose_no_line_and_see_no_500(
    live_server: str, server: Terminal
) -> None:
    check = server.seat("T5")
    item = server.menu_item("Draft IPA")
    tokens = [server.token, Terminal(live_server, pin="2345").token]

    def ring(i: int) -> tuple[int, str | None]:
        with httpx.Client(
            base_url=live_server, headers={"Authorization": f"Bearer {tokens[i % 2]}"}, timeout=30
        ) as tablet:
            response = tablet.post(
                f"/api/v1/checks/{check['id']}/lines",
                json={"menu_item_id": item["id"], "seat": i + 1},
            )
            code = response.json()["error"]["code"] if response.status_code >= 400 else None
            return (response.status_code, code)

    answers = at_once([partial(ring, i) for i in range(8)])
    # PostgreSQL answers a check another terminal holds at once (NOWAIT) rather than queueing;
    # SQLite queues the writers. Either way no line is lost and none is half-written.
    assert {status for status, _ in answers} <= {201, 409}, answers
    rung = server.check(check["id"])["lines"]
    assert sorted(line["seat"] for line in rung) == [
        i + 1 for i, (status, _) in enumerate(answers) if status == 201
    ]
    assert len(rung) >= 1
    assert server.ring_response(check["id"], "Draft IPA").status_code == 201  # a retry works
