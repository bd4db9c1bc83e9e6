"""A manager approves on the spot: a server's void of a sent line, discount, comp or refund
runs as the server once a manager types their PIN on the server's tablet; both are recorded.
A wrong PIN changes nothing and counts against the tablet like a wrong login PIN."""

from __future__ import annotations

import json
from typing import Any

import httpx
from db_state import changed_tables, snapshot, staff_id
from sqlalchemy import text
from terminal import Terminal, new_key

from tableside.core.unit_of_work import Database

MANAGER_PIN = "9999"


def sent_check(server: Terminal, label: str) -> dict[str, Any]:
    check = server.seat(label)
    server.ring(check["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])  # 2950
    server.ring(check["id"], "House red (glass)", seat=2)  # 1200
    return server.send(check["id"])


def audit_entries(db: Database, entity_id: str, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(staff_id, details) of an entity's audit entries of one kind, oldest first."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT staff_id, details FROM audit_log"
                " WHERE entity_id = :entity AND action = :action ORDER BY id"
            ),
            {"entity": entity_id, "action": action},
        ).all()
    return [(r[0], r[1] if isinstance(r[1], dict) else json.loads(r[1])) for r in rows]


def row(db: Database, sql: str, **params: Any) -> tuple[Any, ...]:
    with db.engine.connect() as conn:
        return tuple(conn.execute(text(sql), params).one())


def wrong_pins_counted(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT coalesce(sum(failures), 0) FROM login_throttle WHERE scope = 'source'")
            ).scalar_one()
        )


def test_a_server_voids_a_sent_line_once_a_manager_types_their_pin(
    server: Terminal, db: Database
) -> None:
    check = sent_check(server, "T1")
    wine = check["lines"][1]
    path = f"/checks/{check['id']}/lines/{wine['id']}/void"

    asked = server.post(path, {"reason": "corked bottle"})
    assert asked.status_code == 403, asked.text
    assert asked.json()["error"]["code"] == "manager_approval_required"
    assert "manager" in asked.json()["error"]["message"]

    approved = server.post(path, {"reason": "corked bottle", "approval": {"pin": MANAGER_PIN}})
    assert approved.status_code == 200, approved.text
    line = approved.json()["lines"][1]
    assert (line["voided"], line["void_reason"]) == (True, "corked bottle")
    assert approved.json()["subtotal_cents"] == 2950

    server_id = staff_id(db, "demo", "Sam Rivera")
    manager_id = staff_id(db, "demo", "Morgan Ellis")
    # Both people: the server who voided it, the manager who approved it.
    assert row(
        db, "SELECT voided_by, void_approved_by FROM check_lines WHERE id = :id", id=wine["id"]
    ) == (server_id, manager_id)
    ((who, details),) = audit_entries(db, check["id"], "line.voided")
    assert who == server_id
    assert (details["approved_by"], details["approved_by_name"]) == (manager_id, "Morgan Ellis")
    assert details["reason"] == "corked bottle"


def test_a_wrong_pin_changes_nothing_and_counts_as_a_wrong_login_pin(
    server: Terminal, live_server: str, db: Database
) -> None:
    check = sent_check(server, "T2")
    path = f"/checks/{check['id']}/lines/{check['lines'][0]['id']}/void"
    before = snapshot(db)
    for pin in ["0000", "2345", "1234", "5555"]:  # nobody's, two servers', the kitchen's
        refused = server.post(path, {"reason": "sent back", "approval": {"pin": pin}})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "approval_refused"
        assert "Nothing was changed" in refused.json()["error"]["message"]
    not_a_pin = server.post(path, {"reason": "sent back", "approval": {"pin": "12"}})
    assert not_a_pin.status_code == 422, not_a_pin.text
    assert changed_tables(before, snapshot(db)) == []
    assert wrong_pins_counted(db) == 4

    # Wrong approval PINs and wrong logins count together: ten pause this tablet.
    for _ in range(6):
        assert server.post(path, {"reason": "x", "approval": {"pin": "0000"}}).status_code == 403
    paused = server.post(path, {"reason": "x", "approval": {"pin": MANAGER_PIN}})
    assert paused.status_code == 429, paused.text
    login = httpx.post(
        f"{live_server}/api/v1/auth/login", json={"restaurant": "demo", "pin": MANAGER_PIN}
    )
    assert login.status_code == 429, login.text
    assert changed_tables(before, snapshot(db)) == []
    assert server.check(check["id"])["lines"][0]["voided"] is False


def test_a_server_comps_a_line_and_discounts_the_check_with_a_managers_pin(
    server: Terminal, db: Database
) -> None:
    check = sent_check(server, "T3")
    salmon = check["lines"][0]
    path = f"/checks/{check['id']}/discounts"
    comp = {"kind": "percent", "value": 10_000, "reason": "hair in it", "line_id": salmon["id"]}

    before = snapshot(db)
    asked = server.post(path, comp)
    assert asked.status_code == 403, asked.text
    assert asked.json()["error"]["code"] == "manager_approval_required"
    assert changed_tables(before, snapshot(db)) == []

    comped = server.post(path, comp | {"approval": {"pin": MANAGER_PIN}})
    assert comped.status_code == 201, comped.text
    assert comped.json()["discount_cents"] == 2950
    off = server.post(
        path,
        {"kind": "amount", "value": 200, "reason": "slow", "approval": {"pin": MANAGER_PIN}},
    )
    assert off.status_code == 201, off.text
    assert off.json()["discount_cents"] == 2950 + 200

    server_id = staff_id(db, "demo", "Sam Rivera")
    manager_id = staff_id(db, "demo", "Morgan Ellis")
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT reason, created_by, approved_by FROM check_discounts"
                " WHERE check_id = :id ORDER BY created_at"
            ),
            {"id": check["id"]},
        ).all()
    assert [tuple(r) for r in rows] == [
        ("hair in it", server_id, manager_id),
        ("slow", server_id, manager_id),
    ]
    entries = audit_entries(db, check["id"], "discount.added")
    assert [(who, d["approved_by"]) for who, d in entries] == [(server_id, manager_id)] * 2


def test_the_kitchen_cannot_be_approved_into_the_floors_work(
    kitchen: Terminal, server: Terminal, db: Database
) -> None:
    check = sent_check(server, "T4")
    before = snapshot(db)
    response = kitchen.post(
        f"/checks/{check['id']}/discounts",
        {"kind": "amount", "value": 100, "reason": "x", "approval": {"pin": MANAGER_PIN}},
    )
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "forbidden"
    assert changed_tables(before, snapshot(db)) == []


def test_a_server_refunds_a_payment_with_a_managers_pin_once(
    server: Terminal, db: Database, emulator_url: str
) -> None:
    check = server.seat("T5")
    check = server.ring(check["id"], "Mushroom risotto")
    paid = server.pay(check["id"], check["total_cents"], tender="card")
    assert paid.status_code == 201, paid.text
    payment_id = paid.json()["payment"]["id"]
    path = f"/payments/{payment_id}/refund"
    key = {"Idempotency-Key": new_key()}
    body = {"amount_cents": 500, "reason": "cold risotto"}

    before = snapshot(db)
    asked = server.post(path, body, headers=key)
    assert asked.status_code == 403, asked.text
    assert asked.json()["error"]["code"] == "manager_approval_required"
    wrong = server.post(path, body | {"approval": {"pin": "2345"}}, headers=key)
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["error"]["code"] == "approval_refused"
    # Nothing was recorded, not even the key: the same key with the right PIN refunds.
    assert changed_tables(before, snapshot(db)) == []

    refunded = server.post(path, body | {"approval": {"pin": MANAGER_PIN}}, headers=key)
    assert refunded.status_code == 201, refunded.text
    again = server.post(path, body | {"approval": {"pin": MANAGER_PIN}}, headers=key)
    assert again.json()["refund"]["id"] == refunded.json()["refund"]["id"]
    charges = httpx.get(f"{emulator_url}/_charges").json()["charges"]
    (charge,) = [c for c in charges if (c.get("metadata") or {}).get("check_id") == check["id"]]
    assert charge["amount_refunded"] == 500

    server_id = staff_id(db, "demo", "Sam Rivera")
    manager_id = staff_id(db, "demo", "Morgan Ellis")
    assert row(
        db,
        "SELECT reason, created_by, approved_by FROM refunds WHERE id = :id",
        id=refunded.json()["refund"]["id"],
    ) == ("cold risotto", server_id, manager_id)
    ((who, details),) = audit_entries(db, payment_id, "refund.started")
    assert (who, details["approved_by"]) == (server_id, manager_id)


def test_a_refund_with_a_blank_reason_is_refused_and_changes_nothing(
    server: Terminal, live_server: str, db: Database
) -> None:
    manager = Terminal(live_server, pin=MANAGER_PIN)
    check = server.seat("T6")
    check = server.ring(check["id"], "Mushroom risotto")
    paid = server.pay(check["id"], check["total_cents"], tender="cash")
    path = f"/payments/{paid.json()['payment']['id']}/refund"
    before = snapshot(db)
    for reason in ["", "   "]:
        blank = manager.post(
            path, {"amount_cents": 100, "reason": reason}, headers={"Idempotency-Key": new_key()}
        )
        assert blank.status_code == 422, blank.text
        assert blank.json()["error"]["code"] == "reason_required"
    assert changed_tables(before, snapshot(db)) == []
