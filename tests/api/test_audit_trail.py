"""Every change to money, tables, staff and menu availability leaves who, what and when in the
audit log, written in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database


def audit_log(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, staff_id, entity_type, entity_id, details, at FROM audit_log")
        ).all()
    entries = []
    for action, staff, entity_type, entity_id, details, at in rows:
        when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        entries.append(
            {
                "action": action,
                "staff_id": staff,
                "entity": (entity_type, entity_id),
                "details": details if isinstance(details, dict) else json.loads(details),
                "at": when if when.tzinfo else when.replace(tzinfo=UTC),
            }
        )
    return entries


def test_a_shift_leaves_who_what_and_when_for_every_change(live_server: str, db: Database) -> None:
    server, manager = Terminal(live_server), Terminal(live_server, pin="9999")
    kitchen = Terminal(live_server, pin="5555")
    ids = {
        t.get("/me").json()["role"]: t.get("/me").json()["id"] for t in [server, manager, kitchen]
    }
    started = datetime.now(UTC) - timedelta(seconds=1)

    check = server.seat("T1", guests=2)
    table_id = check["table_id"]
    rung = server.ring(check["id"], "Bistro burger", options=["Medium", "Fries"])
    rung = server.ring(check["id"], "Draft IPA", seat=2)
    server.post(f"/checks/{check['id']}/lines/{rung['lines'][1]['id']}/void", {})
    manager.post(
        f"/checks/{check['id']}/discounts", {"kind": "amount", "value": 500, "reason": "wait time"}
    )
    sent = server.send(check["id"])
    kitchen.post(f"/tickets/{sent['lines'][0]['ticket_id']}/status", {})
    target = server.table("T2")["id"]
    server.post(f"/checks/{check['id']}/move", {"table_id": target})
    other = server.seat("T3")
    server.post(f"/checks/{check['id']}/merge", {"from_check_id": other["id"]})
    ipa = server.menu_item("Draft IPA")["id"]
    kitchen.put(f"/menu/items/{ipa}/availability", {"available": False})
    hire = manager.post("/staff", {"name": "Pat Lane", "role": "server", "pin": "707070"}).json()
    manager.put(f"/staff/{hire['id']}/pin", {"pin": "717171"})

    entries = audit_log(db)
    by_action = {(e["action"], e["entity"]): e for e in entries}
    expected = [
        ("table.seated", ("table", table_id), "server"),
        ("line.added", ("check", check["id"]), "server"),
        ("line.voided", ("check", check["id"]), "server"),
        ("discount.added", ("check", check["id"]), "manager"),
        ("check.sent", ("check", check["id"]), "server"),
        ("ticket.status", ("ticket", sent["lines"][0]["ticket_id"]), "kitchen"),
        ("check.moved", ("check", check["id"]), "server"),
        ("check.merged", ("check", check["id"]), "server"),
        ("menu.availability", ("menu_item", ipa), "kitchen"),
        ("staff.added", ("staff", hire["id"]), "manager"),
        ("staff.pin_reset", ("staff", hire["id"]), "manager"),
    ]
    for action, entity, role in expected:
        entry = by_action.get((action, entity))
        assert entry is not None, (action, entity, sorted(by_action))
        assert entry["staff_id"] == ids[role], (action, entry)
        assert started <= entry["at"] <= datetime.now(UTC) + timedelta(seconds=1)
    assert by_action[("discount.added", ("check", check["id"]))]["details"]["reason"] == "wait time"
    assert by_action[("check.moved", ("check", check["id"]))]["details"]["to_table"] == target
    assert by_action[("menu.availability", ("menu_item", ipa))]["details"]["available"] is False
    # The PIN itself is never written down.
    assert "717171" not in json.dumps([e["details"] for e in entries])
