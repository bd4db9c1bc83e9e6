"""Moving a party to another table and merging two tables' checks: one transaction each,
both tables right afterwards, and nobody's bill changed by it."""

from __future__ import annotations

import json
from typing import Any

from db_state import audit_actions, changed_tables, snapshot
from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database


def events_after(db: Database, seq: int) -> list[tuple[str, dict[str, Any]]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type, data FROM outbox WHERE seq > :seq ORDER BY seq"), {"seq": seq}
        ).all()
    return [(row[0], row[1] if isinstance(row[1], dict) else json.loads(row[1])) for row in rows]


def last_seq(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM outbox")).scalar_one())


def test_moving_a_party_frees_one_table_and_occupies_the_other(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    check = server.seat("T1", guests=4)
    server.ring(check["id"], "Ribeye 12 oz", options=["Rare", "Fries"])
    server.send(check["id"])
    target = server.table("T9")
    seq = last_seq(db)

    response = server.post(f"/checks/{check['id']}/move", {"table_id": target["id"]})
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["table_id"] == target["id"]
    assert moved["lines"] == server.check(check["id"])["lines"]
    floor = {t["label"]: t for t in server.floor()}
    assert (floor["T1"]["status"], floor["T1"]["check_id"]) == ("available", None)
    assert (floor["T9"]["status"], floor["T9"]["check_id"]) == ("occupied", check["id"])
    tables_announced = [
        (data["table_id"], data["status"])
        for kind, data in events_after(db, seq)
        if kind == "table.updated"
    ]
    assert tables_announced == [(floor["T1"]["id"], "available"), (target["id"], "occupied")]
    assert "check.moved" in [a for a, _ in audit_actions(db, check["id"])]
    # The kitchen brings the steak to the new table.
    tickets = [t for t in kitchen.get("/tickets").json()["tickets"] if t["check_id"] == check["id"]]
    assert [t["table_label"] for t in tickets] == ["T9"]
    # And the freed table can be seated again.
    assert server.seat("T1")["status"] == "open"


def test_a_party_cannot_move_onto_an_occupied_table(server: Terminal, db: Database) -> None:
    moving, staying = server.seat("T2"), server.seat("T3")
    before = snapshot(db)
    response = server.post(f"/checks/{moving['id']}/move", {"table_id": staying["table_id"]})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "table_occupied"
    same = server.post(f"/checks/{moving['id']}/move", {"table_id": moving["table_id"]})
    assert same.status_code == 422, same.text
    assert changed_tables(before, snapshot(db)) == []


def test_merging_brings_the_other_tables_lines_and_frees_it(
    server: Terminal, kitchen: Terminal, db: Database
) -> None:
    bar = server.seat("T15", guests=2)
    server.ring(bar["id"], "Old fashioned", quantity=2)
    patio = server.seat("T16", guests=3)
    server.ring(patio["id"], "Bistro burger", options=["Medium", "Fries"], seat=1)
    server.ring(patio["id"], "Truffle fries", seat=0)
    server.send(patio["id"])
    bar_total = server.check(bar["id"])["subtotal_cents"]
    patio_total = server.check(patio["id"])["subtotal_cents"]

    response = server.post(f"/checks/{bar['id']}/merge", {"from_check_id": patio["id"]})
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["guests"] == 5
    assert [line["name"] for line in merged["lines"]] == [
        "Old fashioned",
        "Bistro burger",
        "Truffle fries",
    ]
    assert merged["subtotal_cents"] == bar_total + patio_total == 3000 + 1795 + 850
    assert server.check(patio["id"])["status"] == "void"
    floor = {t["label"]: t for t in server.floor()}
    assert (floor["T16"]["status"], floor["T16"]["check_id"]) == ("available", None)
    assert floor["T15"]["check_id"] == bar["id"]
    assert "check.merged" in [a for a, _ in audit_actions(db, bar["id"])]
    (ticket,) = [t for t in kitchen.get("/tickets").json()["tickets"] if t["check_id"] == bar["id"]]
    assert ticket["table_label"] == "T15"


def test_merging_keeps_every_discount_at_what_it_took(server: Terminal, manager: Terminal) -> None:
    first = server.seat("T4")
    server.ring(first["id"], "Mushroom risotto")  # 2200
    manager.post(
        f"/checks/{first['id']}/discounts", {"kind": "percent", "value": 1000, "reason": "vip"}
    )
    second = server.seat("T5")
    server.ring(second["id"], "Ribeye 12 oz", options=["Rare", "Fries"])  # 4200
    manager.post(
        f"/checks/{second['id']}/discounts", {"kind": "percent", "value": 5000, "reason": "late"}
    )
    one, two = server.check(first["id"]), server.check(second["id"])
    assert (one["discount_cents"], two["discount_cents"]) == (220, 2100)

    merged = server.post(f"/checks/{first['id']}/merge", {"from_check_id": second["id"]}).json()
    assert merged["subtotal_cents"] == one["subtotal_cents"] + two["subtotal_cents"]
    assert merged["discount_cents"] == 220 + 2100
    assert abs(merged["total_cents"] - (one["total_cents"] + two["total_cents"])) <= 1


def test_a_check_cannot_be_merged_into_itself_or_from_a_closed_one(
    server: Terminal, db: Database
) -> None:
    kept, gone, other = server.seat("T6"), server.seat("T7"), server.seat("T8")
    assert (
        server.post(f"/checks/{kept['id']}/merge", {"from_check_id": gone["id"]}).status_code == 200
    )
    before = snapshot(db)
    itself = server.post(f"/checks/{kept['id']}/merge", {"from_check_id": kept["id"]})
    assert itself.status_code == 422, itself.text
    again = server.post(f"/checks/{other['id']}/merge", {"from_check_id": gone["id"]})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "check_not_open"
    onto_void = server.post(f"/checks/{gone['id']}/merge", {"from_check_id": other["id"]})
    assert onto_void.status_code == 409
    assert changed_tables(before, snapshot(db)) == []


def test_another_restaurants_checks_and_tables_are_not_found(
    server: Terminal, live_server: str, db: Database
) -> None:
    ours = server.seat("T10")
    free_here = server.table("T11")
    other = Terminal(live_server, "demo2")
    theirs = other.seat("T10")
    before = snapshot(db)
    for response in [
        other.post(f"/checks/{theirs['id']}/move", {"table_id": free_here["id"]}),
        other.post(f"/checks/{ours['id']}/move", {"table_id": other.table("T12")["id"]}),
        other.post(f"/checks/{theirs['id']}/merge", {"from_check_id": ours["id"]}),
        other.post(f"/checks/{ours['id']}/merge", {"from_check_id": theirs["id"]}),
    ]:
        assert response.status_code == 404, response.text
    assert changed_tables(before, snapshot(db)) == []


def test_a_discount_left_with_nothing_to_take_does_not_pass_to_the_other_table(
    server: Terminal, manager: Terminal, db: Database
) -> None:
    first = server.seat("T12")
    espresso = server.ring(first["id"], "Espresso", options=[])["lines"][0]  # 400
    manager.post(
        f"/checks/{first['id']}/discounts", {"kind": "amount", "value": 400, "reason": "on us"}
    )
    server.post(f"/checks/{first['id']}/lines/{espresso['id']}/void", {})
    second = server.seat("T13")
    server.ring(second["id"], "Draft IPA")  # 900
    merged = server.post(f"/checks/{first['id']}/merge", {"from_check_id": second["id"]}).json()
    assert (merged["subtotal_cents"], merged["discount_cents"]) == (900, 0)
    assert merged["total_cents"] == 974
    assert "discount.fixed_for_merge" in [a for a, _ in audit_actions(db, first["id"])]
