"""Voids (a server before the kitchen has it, a manager with a reason after) and discounts and
comps (a manager only, audited, never more than is left)."""

from __future__ import annotations

from typing import Any

import pytest
from db_state import audit_actions, changed_tables, snapshot
from terminal import Terminal

from tableside.core.unit_of_work import Database


def two_line_check(server: Terminal, label: str = "T1") -> dict[str, Any]:
    check = server.seat(label)
    server.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])  # 2950
    return server.ring(check["id"], "House red (glass)", seat=2)  # 1200


def post(terminal: Terminal, path: str, body: Any) -> Any:
    response = terminal.post(path, body)
    assert response.status_code in (200, 201), response.text
    return response.json()


# --- voids ------------------------------------------------------------------------------


def test_a_server_voids_a_line_before_it_is_sent(
    server: Terminal, db: Database, live_server: str
) -> None:
    check = two_line_check(server)
    wine = check["lines"][1]
    after = post(server, f"/checks/{check['id']}/lines/{wine['id']}/void", {})
    voided = after["lines"][1]
    assert voided["voided"] is True
    assert voided["total_cents"] == 0
    assert after["subtotal_cents"] == 2950
    assert after["total_cents"] == 2950 + 243  # 243.375 → 243
    assert ("line.voided", server.get("/me").json()["id"]) in audit_actions(db, check["id"])
    again = server.post(f"/checks/{check['id']}/lines/{wine['id']}/void", {})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "already_voided"


def test_a_sent_line_needs_a_manager_and_a_reason(
    server: Terminal, manager: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = two_line_check(server, "T2")
    server.send(check["id"])
    wine = check["lines"][1]
    path = f"/checks/{check['id']}/lines/{wine['id']}/void"
    before = snapshot(db)
    by_server = server.post(path, {"reason": "guest changed mind"})
    assert by_server.status_code == 403, by_server.text
    without_reason = manager.post(path, {"reason": "   "})
    assert without_reason.status_code == 422, without_reason.text
    assert without_reason.json()["error"]["code"] == "reason_required"
    by_kitchen = kitchen.post(path, {"reason": "out of it"})
    assert by_kitchen.status_code == 403
    assert changed_tables(before, snapshot(db)) == []

    after = post(manager, path, {"reason": "corked bottle"})
    assert after["lines"][1]["voided"] is True
    assert after["subtotal_cents"] == 2950
    ticket = next(
        t for t in kitchen.get("/tickets").json()["tickets"] if t["check_id"] == check["id"]
    )
    assert [(line["name"], line["voided"]) for line in ticket["lines"]] == [
        ("Pan-roasted salmon", False),
        ("House red (glass)", True),
    ]
    manager_id = manager.get("/me").json()["id"]
    assert ("line.voided", manager_id) in audit_actions(db, check["id"])


def test_a_void_cannot_take_the_check_below_what_was_paid(
    server: Terminal, manager: Terminal, db: Database
) -> None:
    check = two_line_check(server, "T3")  # 4150 + 342 tax = 4492
    paid = server.pay(check["id"], 4000, tender="cash")
    assert paid.status_code == 201, paid.text
    salmon = check["lines"][0]
    before = snapshot(db)
    response = manager.post(
        f"/checks/{check['id']}/lines/{salmon['id']}/void", {"reason": "sent back"}
    )
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "void_exceeds_balance"
    assert changed_tables(before, snapshot(db)) == []
    assert server.check(check["id"])["balance_cents"] == 492


def test_a_line_of_another_check_cannot_be_voided_through_this_one(
    server: Terminal, db: Database
) -> None:
    first, second = two_line_check(server, "T4"), two_line_check(server, "T5")
    before = snapshot(db)
    response = server.post(f"/checks/{first['id']}/lines/{second['lines'][0]['id']}/void", {})
    assert response.status_code == 404, response.text
    assert changed_tables(before, snapshot(db)) == []


# --- discounts and comps ----------------------------------------------------------------


def test_a_manager_takes_ten_percent_off_the_check(
    server: Terminal, manager: Terminal, db: Database
) -> None:
    check = two_line_check(server, "T6")
    after = post(
        manager,
        f"/checks/{check['id']}/discounts",
        {"kind": "percent", "value": 1000, "reason": "regulars"},
    )
    assert after["subtotal_cents"] == 4150
    assert after["discount_cents"] == 415
    assert after["tax_cents"] == 308  # 3735 × 8.25 % = 308.14
    assert after["total_cents"] == 4043
    assert after["subtotal_cents"] - after["discount_cents"] + after["tax_cents"] == 4043
    assert after["discounts"][0]["reason"] == "regulars"
    manager_id = manager.get("/me").json()["id"]
    assert ("discount.added", manager_id) in audit_actions(db, check["id"])


def test_a_comp_on_one_line_and_an_amount_off_another(server: Terminal, manager: Terminal) -> None:
    check = two_line_check(server, "T7")
    salmon, wine = check["lines"]
    post(
        manager,
        f"/checks/{check['id']}/discounts",
        {"kind": "percent", "value": 10_000, "reason": "overcooked", "line_id": salmon["id"]},
    )
    after = post(
        manager,
        f"/checks/{check['id']}/discounts",
        {"kind": "amount", "value": 200, "reason": "happy hour", "line_id": wine["id"]},
    )
    assert after["discount_cents"] == 2950 + 200
    assert after["tax_cents"] == 83  # 1000 × 8.25 % = 82.5 → 83
    assert after["total_cents"] == 1083
    assert [d["line_id"] for d in after["discounts"]] == [salmon["id"], wine["id"]]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "amount", "value": 4151, "reason": "too much"}, "discount_exceeds_amount"),
        ({"kind": "percent", "value": 10_001, "reason": "too much"}, None),
        ({"kind": "percent", "value": 0, "reason": "nothing"}, None),
        ({"kind": "amount", "value": -100, "reason": "negative"}, None),
        ({"kind": "amount", "value": 100, "reason": ""}, None),
        ({"kind": "amount", "value": 100}, None),
        ({"kind": "bogo", "value": 100, "reason": "x"}, None),
        ({"kind": "amount", "value": 10**30, "reason": "x"}, None),
        ({"kind": "amount", "value": 1.5, "reason": "x"}, None),
        ({"kind": "amount", "value": 100, "reason": "x\x00"}, None),
    ],
)
def test_a_discount_that_cannot_be_is_a_422_and_changes_nothing(
    server: Terminal, manager: Terminal, db: Database, body: dict[str, Any], code: str | None
) -> None:
    check = two_line_check(server, "T8")
    before = snapshot(db)
    response = manager.post(f"/checks/{check['id']}/discounts", body)
    assert response.status_code == 422, response.text
    if code is not None:
        assert response.json()["error"]["code"] == code
    assert changed_tables(before, snapshot(db)) == []


def test_a_discount_cannot_exceed_what_is_left(server: Terminal, manager: Terminal) -> None:
    check = two_line_check(server, "T9")
    salmon = check["lines"][0]
    path = f"/checks/{check['id']}/discounts"
    post(manager, path, {"kind": "amount", "value": 2000, "reason": "a", "line_id": salmon["id"]})
    line_left = manager.post(
        path, {"kind": "amount", "value": 951, "reason": "b", "line_id": salmon["id"]}
    )
    assert line_left.status_code == 422
    assert line_left.json()["error"]["code"] == "discount_exceeds_amount"
    post(manager, path, {"kind": "amount", "value": 950, "reason": "b", "line_id": salmon["id"]})
    check_left = manager.post(path, {"kind": "amount", "value": 1201, "reason": "c"})
    assert check_left.status_code == 422
    after = post(manager, path, {"kind": "amount", "value": 1200, "reason": "c"})
    assert (after["discount_cents"], after["total_cents"]) == (4150, 0)
    nothing_left = manager.post(path, {"kind": "percent", "value": 1000, "reason": "d"})
    assert nothing_left.status_code == 422


def test_a_discount_cannot_take_the_check_below_what_was_paid(
    server: Terminal, manager: Terminal, db: Database
) -> None:
    check = two_line_check(server, "T10")  # 4492 in all
    assert server.pay(check["id"], 4000, tender="cash").status_code == 201
    before = snapshot(db)
    response = manager.post(
        f"/checks/{check['id']}/discounts", {"kind": "amount", "value": 500, "reason": "late"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "discount_exceeds_balance"
    assert changed_tables(before, snapshot(db)) == []


def test_only_a_manager_discounts_or_comps(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = two_line_check(server, "T11")
    before = snapshot(db)
    for terminal in [server, kitchen]:
        response = terminal.post(
            f"/checks/{check['id']}/discounts",
            {"kind": "percent", "value": 10_000, "reason": "my friends"},
        )
        assert response.status_code == 403, response.text
        # A server may ask a manager to approve on the spot; the kitchen may not discount.
        assert response.json()["error"]["code"] == (
            "manager_approval_required" if terminal is server else "forbidden"
        )
    assert changed_tables(before, snapshot(db)) == []


def test_a_voided_line_cannot_be_discounted(server: Terminal, manager: Terminal) -> None:
    check = two_line_check(server, "T12")
    wine = check["lines"][1]
    post(server, f"/checks/{check['id']}/lines/{wine['id']}/void", {})
    response = manager.post(
        f"/checks/{check['id']}/discounts",
        {"kind": "amount", "value": 100, "reason": "x", "line_id": wine["id"]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "already_voided"
