"""The owner downloads the restaurant's data: everything of theirs, nothing of anyone else's,
and no PIN."""

from __future__ import annotations

import json
from typing import Any

from new_restaurant import add_menu_items, open_new_restaurant, staff
from sqlalchemy import select
from terminal import Terminal

from tableside.core import models as m
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database

OWNER = "8888"


def export_of(owner: Terminal) -> tuple[dict[str, Any], str]:
    response = owner.get("/restaurant/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="tableside-')
    return json.loads(response.text), response.text


def demo2_ids(db: Database) -> set[str]:
    """Every id of demo2's that an export could leak."""
    with db.reader() as uow:
        them = uow.session.scalars(select(m.Restaurant.id).where(m.Restaurant.slug == "demo2"))
        restaurant = them.one()
        ids = {restaurant}
        for model in (m.Staff, m.DiningTable, m.MenuItem, m.MenuCategory, m.Check, m.CheckLine):
            found = select(model.id).where(model.restaurant_id == restaurant)  # type: ignore[attr-defined]
            ids.update(uow.session.scalars(found))
    return ids


def test_the_owner_downloads_menu_floor_staff_checks_and_audit_and_nothing_of_demo2(
    live_server: str, db: Database
) -> None:
    server = Terminal(live_server)
    check = server.seat("T5", guests=2)
    server.ring(check["id"], "Draft IPA")
    paid = server.pay(check["id"], server.check(check["id"])["total_cents"])
    assert paid.status_code == 201, paid.text
    them = Terminal(live_server, "demo2")
    theirs = them.seat("T5")
    them.ring(theirs["id"], "Draft IPA")

    data, text = export_of(Terminal(live_server, pin=OWNER))
    assert (data["format"], data["version"], data["restaurant"]["slug"]) == (
        "tableside-export",
        1,
        "demo",
    )
    assert {"tax_rates", "menu", "floor", "staff", "checks", "audit"} <= data.keys()
    assert {i["name"] for i in data["menu"]["items"]} >= {"Draft IPA", "Espresso"}
    assert any(t["label"] == "T5" for t in data["floor"]["tables"])
    exported = {c["id"]: c for c in data["checks"]}
    mine = exported[check["id"]]
    assert mine["status"] == "closed" and mine["lines"][0]["name"] == "Draft IPA"
    assert mine["payments"][0]["amount_cents"] == paid.json()["payment"]["amount_cents"]
    assert any(e["action"] == "table.seated" for e in data["audit"])
    # Staff without anything that checks or finds a PIN.
    assert {s["name"] for s in data["staff"]} >= {"Sam Rivera"}
    for person in data["staff"]:
        assert not {"pin_hash", "pin_lookup", "failed_pin_attempts", "locked_until"} & person.keys()
    assert "argon2" not in text and "pin_hash" not in text and "pin_lookup" not in text
    # Nothing of the other restaurant's, not even an id.
    assert theirs["id"] not in exported
    assert not [leak for leak in demo2_ids(db) if leak in text]


def test_only_the_owner_may_export(live_server: str) -> None:
    for pin in ("1234", "9999", "5555"):
        refused = Terminal(live_server, pin=pin).get("/restaurant/export")
        assert refused.status_code == 403, pin
        assert refused.json()["error"]["code"]


def test_an_archived_item_and_a_refund_are_in_a_new_restaurants_export(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db, tables=("A1",))
    items = add_menu_items(
        db,
        place.id,
        "Old",
        {
            "Last year's special": {"price_cents": 900, "archived_at": utcnow()},
            "Soup": {"price_cents": 500},
        },
    )
    manager = staff(live_server, place, "manager")
    check = manager.post(f"/tables/{place.tables['A1']}/seat", {"guests": 1}).json()
    check = manager.post(f"/checks/{check['id']}/lines", {"menu_item_id": items["Soup"]}).json()
    paid = manager.pay(check["id"], check["total_cents"], tender="card")
    assert paid.status_code == 201, paid.text
    refund = manager.refund(paid.json()["payment"]["id"], 100, key=new_id("rf"))
    assert refund.status_code == 201, refund.text

    data, _ = export_of(staff(live_server, place, "owner"))
    items = {i["name"]: i for i in data["menu"]["items"]}
    assert items["Last year's special"]["archived_at"] is not None
    [exported] = data["checks"]
    assert exported["payments"][0]["refunds"][0]["amount_cents"] == 100
    assert exported["lines"][0]["tax_rate_bp"] == 825
    assert sorted(s["role"] for s in data["staff"]) == ["kitchen", "manager", "owner", "server"]
