"""The menu: prices come from it (modifier upcharges included), and 86-ing an item stops new
orders of it without touching what was already rung."""

from __future__ import annotations

from db_state import audit_actions, changed_tables, event_types, execute, snapshot
from terminal import Terminal

from tableside.core.unit_of_work import Database


def test_the_demo_menu_has_twenty_items_priced_modifiers_and_one_86d(live_server: str) -> None:
    menu = Terminal(live_server).get("/menu").json()
    items = menu["items"]
    assert len(items) >= 20
    assert len({item["category_id"] for item in items}) >= 4
    for item in items:
        assert set(item) >= {"id", "name", "price_cents", "available", "modifier_groups"}
        assert isinstance(item["price_cents"], int) and item["price_cents"] > 0
        for group in item["modifier_groups"]:
            assert set(group) >= {"id", "name", "min", "max", "options"}
            assert 0 <= group["min"] <= group["max"]
            for option in group["options"]:
                assert set(option) >= {"id", "name", "price_cents"}
    priced = [
        option
        for item in items
        for group in item["modifier_groups"]
        for option in group["options"]
        if option["price_cents"] > 0
    ]
    assert any(o["name"] == "Add bacon" and o["price_cents"] == 150 for o in priced)
    assert [item["name"] for item in items if not item["available"]] == ["Soup of the day"]


def test_the_kitchen_86s_an_item_and_it_can_no_longer_be_rung(
    live_server: str, db: Database
) -> None:
    kitchen, server = Terminal(live_server, pin="5555"), Terminal(live_server)
    calamari = server.menu_item("Crispy calamari")
    check = server.seat("T1")
    rung = server.ring(check["id"], "Crispy calamari", quantity=2)

    response = kitchen.put(f"/menu/items/{calamari['id']}/availability", {"available": False})
    assert response.status_code == 200, response.text
    assert response.json()["available"] is False
    assert next(i for i in server.get("/menu").json()["items"] if i["id"] == calamari["id"]) == {
        **calamari,
        "available": False,
    }

    refused = server.ring_response(check["id"], "Crispy calamari")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "item_86d"
    # What was rung before the 86 stays, priced as rung.
    assert server.check(check["id"])["lines"] == rung["lines"]
    assert server.check(check["id"])["total_cents"] == rung["total_cents"]

    kitchen_id = kitchen.get("/me").json()["id"]
    assert ("menu.availability", kitchen_id) in audit_actions(db, calamari["id"])
    assert "menu.updated" in event_types(db)

    back = kitchen.put(f"/menu/items/{calamari['id']}/availability", {"available": True})
    assert back.json()["available"] is True
    assert server.ring_response(check["id"], "Crispy calamari").status_code == 201


def test_a_manager_may_86_but_a_server_may_not(live_server: str, db: Database) -> None:
    manager, server = Terminal(live_server, pin="9999"), Terminal(live_server)
    espresso = server.menu_item("Espresso")
    before = snapshot(db)
    refused = server.put(f"/menu/items/{espresso['id']}/availability", {"available": False})
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "forbidden"
    assert changed_tables(before, snapshot(db)) == []
    allowed = manager.put(f"/menu/items/{espresso['id']}/availability", {"available": False})
    assert allowed.status_code == 200, allowed.text


def test_86ing_an_item_twice_changes_nothing_the_second_time(
    kitchen: Terminal, db: Database
) -> None:
    soup = kitchen.menu_item("Soup of the day")  # already 86'd
    before = snapshot(db)
    response = kitchen.put(f"/menu/items/{soup['id']}/availability", {"available": False})
    assert response.status_code == 200
    assert changed_tables(before, snapshot(db)) == []


def test_a_menu_price_change_never_reprices_a_line_already_rung(
    server: Terminal, db: Database
) -> None:
    check = server.seat("T2")
    before = server.ring(check["id"], "Bistro burger", options=["Medium", "Add bacon", "Fries"])
    burger = server.menu_item("Bistro burger")
    bacon_id = server.option_ids(burger, ["Add bacon"])[0]
    try:
        execute(db, "UPDATE menu_items SET price_cents = 2495 WHERE id = :id", id=burger["id"])
        execute(db, "UPDATE modifier_options SET price_cents = 300 WHERE id = :id", id=bacon_id)
        after = server.ring(
            check["id"], "Bistro burger", options=["Medium", "Add bacon", "Fries"], seat=2
        )
    finally:
        execute(db, "UPDATE menu_items SET price_cents = 1795 WHERE id = :id", id=burger["id"])
        execute(db, "UPDATE modifier_options SET price_cents = 150 WHERE id = :id", id=bacon_id)
    old_line, new_line = after["lines"]
    assert old_line == before["lines"][0]
    assert (old_line["unit_price_cents"], old_line["total_cents"]) == (1795, 1945)
    assert (new_line["unit_price_cents"], new_line["total_cents"]) == (2495, 2795)
    assert after["subtotal_cents"] == 1945 + 2795


def test_the_check_charges_the_menu_price_with_every_upcharge(server: Terminal) -> None:
    """ORIGINAL 8: prices from the server, modifier upcharges charged, no made-up prices."""
    check = server.seat("T3")
    after = server.ring(
        check["id"],
        "Bistro burger",
        quantity=2,
        options=["Medium rare", "Add bacon", "Add avocado", "Sweet potato fries"],
    )
    line = after["lines"][0]
    assert line["unit_price_cents"] == 1795
    assert sorted((m["name"], m["price_cents"]) for m in line["modifiers"]) == [
        ("Add avocado", 200),
        ("Add bacon", 150),
        ("Medium rare", 0),
        ("Sweet potato fries", 150),
    ]
    assert line["total_cents"] == 2 * (1795 + 150 + 200 + 150)
    assert after["subtotal_cents"] == 4590

    item = server.menu_item("Bistro burger")
    sneaky = server.post(
        f"/checks/{check['id']}/lines",
        {"menu_item_id": item["id"], "unit_price_cents": 1, "modifier_option_ids": []},
    )
    assert sneaky.status_code == 422, sneaky.text
    unknown = server.post(f"/checks/{check['id']}/lines", {"menu_item_id": "itm_nope"})
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["error"]["code"] == "unknown_item"
    assert server.check(check["id"])["subtotal_cents"] == 4590


def test_another_restaurants_menu_items_are_not_found(live_server: str, db: Database) -> None:
    other_kitchen = Terminal(live_server, "demo2", "5555")
    demo_item = Terminal(live_server).menu_item("Draft IPA")
    assert demo_item["id"] not in {i["id"] for i in other_kitchen.get("/menu").json()["items"]}
    before = snapshot(db)
    response = other_kitchen.put(
        f"/menu/items/{demo_item['id']}/availability", {"available": False}
    )
    assert response.status_code == 404, response.text
    assert "Draft IPA" not in response.text
    assert changed_tables(before, snapshot(db)) == []
