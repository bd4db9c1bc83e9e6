"""A manager builds and changes the menu: categories, items, modifier groups and options —
created, edited, reordered, archived and restored, each change audited and announced.
Nothing already rung ever changes: a line keeps the name, price and modifiers it was rung
with, on its check, its ticket and in the day's report."""

from __future__ import annotations

from typing import Any

import pytest
from db_state import audit_of, changed_tables, json_value, snapshot
from new_restaurant import NewRestaurant, open_new_restaurant, staff
from sqlalchemy import text
from terminal import Terminal, ok

from tableside.core.unit_of_work import Database
from tableside.menu.repository import Menu


def menu_events(db: Database, restaurant_id: str) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT data FROM outbox WHERE restaurant_id = :r AND type = 'menu.updated'"
                " ORDER BY seq"
            ),
            {"r": restaurant_id},
        ).all()
    return [row[0] if isinstance(row[0], dict) else json_value(row[0]) for row in rows]


def build_burger_menu(manager: Terminal, place: NewRestaurant) -> dict[str, Any]:
    """Mains (a burger with a temperature and add-ons) and Drinks (a beer)."""
    mains = ok(manager.post("/menu/categories", {"name": "Mains"}), 201)
    drinks = ok(manager.post("/menu/categories", {"name": "Drinks"}), 201)
    burger = ok(
        manager.post(
            "/menu/items",
            {
                "category_id": mains["id"],
                "name": "Burger",
                "price_cents": 1500,
                "tax_rate_id": place.tax_rates["Food"],
                "station": "grill",
                "course": 2,
                "description": "Brioche bun, aged cheddar",
                "allergens": ["gluten", "dairy", "Dairy "],
            },
        ),
        201,
    )
    beer = ok(
        manager.post(
            "/menu/items",
            {
                "category_id": drinks["id"],
                "name": "Pale ale",
                "price_cents": 700,
                "tax_rate_id": place.tax_rates["Alcohol"],
                "station": "bar",
            },
        ),
        201,
    )
    temperature = ok(
        manager.post(f"/menu/items/{burger['id']}/groups", {"name": "Temperature", "min": 1}),
        201,
    )
    rare = ok(manager.post(f"/menu/groups/{temperature['id']}/options", {"name": "Rare"}), 201)
    medium = ok(manager.post(f"/menu/groups/{temperature['id']}/options", {"name": "Medium"}), 201)
    add_ons = ok(
        manager.post(f"/menu/items/{burger['id']}/groups", {"name": "Add-ons", "max": 2}), 201
    )
    bacon = ok(
        manager.post(
            f"/menu/groups/{add_ons['id']}/options", {"name": "Bacon", "price_cents": 200}
        ),
        201,
    )
    return {
        "mains": mains,
        "drinks": drinks,
        "burger": burger,
        "beer": beer,
        "temperature": temperature,
        "rare": rare,
        "medium": medium,
        "add_ons": add_ons,
        "bacon": bacon,
    }


def test_a_manager_builds_a_menu_and_servers_ring_from_it_at_once(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    built = build_burger_menu(manager, place)

    menu = ok(server.get("/menu"))
    assert [c["name"] for c in menu["categories"]] == ["Mains", "Drinks"]
    burger = next(i for i in menu["items"] if i["name"] == "Burger")
    assert burger["price_cents"] == 1500
    assert burger["tax_rate_id"] == place.tax_rates["Food"]
    assert (burger["station"], burger["course"]) == ("grill", 2)
    assert burger["description"] == "Brioche bun, aged cheddar"
    assert burger["allergens"] == ["gluten", "dairy"]  # each once
    assert [(g["name"], g["min"], g["max"]) for g in burger["modifier_groups"]] == [
        ("Temperature", 1, 1),
        ("Add-ons", 0, 2),
    ]
    assert [(o["name"], o["price_cents"]) for o in burger["modifier_groups"][1]["options"]] == [
        ("Bacon", 200)
    ]

    check = server.seat("A1")
    rung = server.ring(check["id"], "Burger", options=["Medium", "Bacon"])
    assert rung["lines"][0]["total_cents"] == 1700

    # Every change was audited by the manager and announced to every terminal.
    manager_id = ok(manager.get("/me"))["id"]
    assert audit_of(db, built["burger"]["id"])[0][:2] == ("menu.item.created", manager_id)
    created = audit_of(db, built["burger"]["id"])[0][2]
    assert created["after"]["price_cents"] == 1500
    assert created["after"]["station"] == "grill"
    events = menu_events(db, place.id)
    assert len(events) == 9
    assert events[2] == {"kind": "item", "id": built["burger"]["id"], "change": "created"}


def test_editing_an_item_records_before_and_after_and_only_what_changed(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    built = build_burger_menu(manager, place)
    burger = built["burger"]

    edited = ok(
        manager.patch(
            f"/menu/items/{burger['id']}",
            {"price_cents": 1650, "tax_rate_id": None, "station": "grill", "name": " Burger  "},
        )
    )
    assert edited["price_cents"] == 1650
    assert edited["tax_rate_id"] is None  # the restaurant's default rate now
    action, _, details = audit_of(db, burger["id"])[-1]
    assert action == "menu.item.updated"
    assert details["before"] == {"price_cents": 1500, "tax_rate_id": place.tax_rates["Food"]}
    assert details["after"] == {"price_cents": 1650, "tax_rate_id": None}

    # Sending what is already there changes nothing: no audit entry, no event.
    before = snapshot(db)
    ok(manager.patch(f"/menu/items/{burger['id']}", {"price_cents": 1650, "course": 2}))
    assert changed_tables(before, snapshot(db)) == []

    # Moving it to Drinks puts it last there.
    moved = ok(manager.patch(f"/menu/items/{burger['id']}", {"category_id": built["drinks"]["id"]}))
    assert moved["category_id"] == built["drinks"]["id"]
    drinks = [
        i["name"]
        for i in ok(manager.get("/menu"))["items"]
        if i["category_id"] == built["drinks"]["id"]
    ]
    assert drinks == ["Pale ale", "Burger"]

    # A group moves to another item; its min and max change together.
    group = ok(
        manager.patch(
            f"/menu/groups/{built['add_ons']['id']}",
            {"menu_item_id": built["beer"]["id"], "min": 1, "max": 1},
        )
    )
    assert (group["menu_item_id"], group["min"], group["max"]) == (built["beer"]["id"], 1, 1)
    option = ok(
        manager.patch(f"/menu/options/{built['bacon']['id']}", {"name": "Lime", "price_cents": 0})
    )
    assert (option["name"], option["price_cents"]) == ("Lime", 0)
    category = ok(manager.patch(f"/menu/categories/{built['mains']['id']}", {"name": "Plates"}))
    assert category["name"] == "Plates"


def test_an_item_edited_and_archived_while_a_check_holds_it_changes_no_check_ticket_or_report(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    kitchen = staff(live_server, place, "kitchen")
    built = build_burger_menu(manager, place)

    open_check = server.seat("A1")
    server.ring(open_check["id"], "Burger", options=["Rare", "Bacon"], note="no pickles")
    server.ring(open_check["id"], "Pale ale", seat=2)
    sent = server.send(open_check["id"])
    closed = server.seat("A2")
    rung = server.ring(closed["id"], "Burger", options=["Medium"])
    paid = server.pay(closed["id"], rung["balance_cents"], tender="cash")
    assert paid.status_code == 201, paid.text
    assert paid.json()["check"]["status"] == "closed"

    def history() -> dict[str, Any]:
        return {
            "open check": ok(server.get(f"/checks/{open_check['id']}")),
            "ticket": ok(kitchen.get("/tickets", params={"check_id": open_check["id"]})),
            "closed check": ok(server.get(f"/checks/{closed['id']}")),
            "day report": ok(manager.get("/reports/day")),
        }

    before = history()
    assert before["open check"]["lines"] == sent["lines"]
    assert before["ticket"]["tickets"], "the burger and the beer went to the kitchen"

    # The price, the name, the upcharge and the tax rate change; then the option, the item
    # and the beer's whole category are archived.
    ok(
        manager.patch(
            f"/menu/items/{built['burger']['id']}",
            {"price_cents": 2100, "name": "Smash burger", "tax_rate_id": None},
        )
    )
    ok(manager.patch(f"/menu/options/{built['bacon']['id']}", {"price_cents": 350}))
    ok(manager.post(f"/menu/options/{built['bacon']['id']}/archive"))
    ok(manager.post(f"/menu/groups/{built['temperature']['id']}/archive"))
    ok(manager.post(f"/menu/items/{built['burger']['id']}/archive"))
    ok(manager.post(f"/menu/categories/{built['drinks']['id']}/archive"))

    assert history() == before

    # The floor's menu no longer has them, and they can no longer be rung.
    menu = ok(server.get("/menu"))
    assert menu["items"] == []
    assert [c["name"] for c in menu["categories"]] == ["Mains"]
    refused = server.post(
        f"/checks/{open_check['id']}/lines",
        {"menu_item_id": built["burger"]["id"], "seat": 1, "quantity": 1},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "unknown_item"
    assert history() == before

    # The editor still has every row, marked archived; restoring brings the item back at
    # its new price, without the archived group.
    editor = ok(manager.get("/menu/editor"))
    burger = next(i for i in editor["items"] if i["id"] == built["burger"]["id"])
    assert burger["archived"] is True
    assert [g["archived"] for g in burger["modifier_groups"]] == [True, False]
    ok(manager.post(f"/menu/items/{built['burger']['id']}/restore"))
    again = next(i for i in ok(server.get("/menu"))["items"] if i["id"] == burger["id"])
    assert (again["name"], again["price_cents"]) == ("Smash burger", 2100)
    assert [g["name"] for g in again["modifier_groups"]] == ["Add-ons"]
    assert again["modifier_groups"][0]["options"] == []
    added = ok(
        server.post(
            f"/checks/{open_check['id']}/lines",
            {"menu_item_id": burger["id"], "seat": 3, "quantity": 1},
        ),
        201,
    )
    assert added["lines"][:2] == before["open check"]["lines"]
    assert added["lines"][2]["unit_price_cents"] == 2100


def test_archiving_is_audited_and_restoring_a_name_in_use_is_refused(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    built = build_burger_menu(manager, place)
    beer = built["beer"]["id"]
    archived = ok(manager.post(f"/menu/items/{beer}/archive"))
    assert archived["archived"] is True
    assert [a[0] for a in audit_of(db, beer)] == ["menu.item.created", "menu.item.archived"]
    before = snapshot(db)
    assert ok(manager.post(f"/menu/items/{beer}/archive"))["archived"] is True  # once only
    assert changed_tables(before, snapshot(db)) == []

    # A new "Pale Ale" takes the name; the archived one cannot come back beside it.
    ok(
        manager.post(
            "/menu/items",
            {"category_id": built["drinks"]["id"], "name": "pale ALE", "price_cents": 650},
        ),
        201,
    )
    before = snapshot(db)
    refused = manager.post(f"/menu/items/{beer}/restore")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "name_taken"
    assert "pale ALE" in refused.json()["error"]["message"] or "Pale ale" in refused.text
    assert changed_tables(before, snapshot(db)) == []


def test_reordering_lists_every_live_one_once(live_server: str, db: Database) -> None:
    place = open_new_restaurant(db)
    manager, server = staff(live_server, place, "manager"), staff(live_server, place, "server")
    built = build_burger_menu(manager, place)
    desserts = ok(manager.post("/menu/categories", {"name": "Desserts"}), 201)
    mains, drinks = built["mains"]["id"], built["drinks"]["id"]

    order = ok(manager.put("/menu/categories/order", {"ids": [desserts["id"], drinks, mains]}))
    assert order["ids"] == [desserts["id"], drinks, mains]
    assert [c["name"] for c in ok(server.get("/menu"))["categories"]] == [
        "Desserts",
        "Drinks",
        "Mains",
    ]
    fries = ok(
        manager.post("/menu/items", {"category_id": mains, "name": "Fries", "price_cents": 500}),
        201,
    )
    ok(
        manager.put(
            f"/menu/categories/{mains}/items/order", {"ids": [fries["id"], built["burger"]["id"]]}
        )
    )
    names = [i["name"] for i in ok(server.get("/menu"))["items"] if i["category_id"] == mains]
    assert names == ["Fries", "Burger"]
    temperature = built["temperature"]["id"]
    ok(
        manager.put(
            f"/menu/groups/{temperature}/options/order",
            {"ids": [built["medium"]["id"], built["rare"]["id"]]},
        )
    )
    ok(
        manager.put(
            f"/menu/items/{built['burger']['id']}/groups/order",
            {"ids": [built["add_ons"]["id"], temperature]},
        )
    )
    burger = next(i for i in ok(server.get("/menu"))["items"] if i["name"] == "Burger")
    assert [g["name"] for g in burger["modifier_groups"]] == ["Add-ons", "Temperature"]
    assert [o["name"] for o in burger["modifier_groups"][1]["options"]] == ["Medium", "Rare"]

    # An archived category is not ordered; one left out or named twice is refused.
    ok(manager.post(f"/menu/categories/{desserts['id']}/archive"))
    before = snapshot(db)
    for ids, status in [
        ([desserts["id"], drinks, mains], 404),
        ([drinks], 422),
        ([drinks, mains, mains], 422),
        ([drinks, "cat_nowhere"], 404),
    ]:
        response = manager.put("/menu/categories/order", {"ids": ids})
        assert response.status_code == status, (ids, response.text)
        assert response.json()["error"]["message"]
    assert changed_tables(before, snapshot(db)) == []
    assert ok(manager.put("/menu/categories/order", {"ids": [mains, drinks]}))["ids"] == [
        mains,
        drinks,
    ]


def test_bad_menu_changes_are_refused_in_words_and_change_nothing(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    other = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    built = build_burger_menu(manager, place)
    mains, burger = built["mains"]["id"], built["burger"]["id"]
    archived_rate = place.tax_rates["Alcohol"]
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE tax_rates SET archived_at = CURRENT_TIMESTAMP WHERE id = :id"),
            {"id": archived_rate},
        )
    ok(manager.post(f"/menu/categories/{built['drinks']['id']}/archive"))
    item = {"category_id": mains, "name": "Salad", "price_cents": 900}

    refusals: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
        ("POST", "/menu/categories", {"name": "mains"}, 409, "already a category named"),
        ("POST", "/menu/categories", {"name": "   "}, 422, "needs a name"),
        ("POST", "/menu/categories", {"name": "x" * 61}, 422, "at most 60"),
        ("POST", "/menu/items", {**item, "name": "BURGER"}, 409, "already a menu item"),
        ("POST", "/menu/items", {**item, "price_cents": -1}, 422, "price_cents"),
        ("POST", "/menu/items", {**item, "price_cents": 9.5}, 422, "price_cents"),
        ("POST", "/menu/items", {**item, "course": 10}, 422, "course"),
        ("POST", "/menu/items", {**item, "allergens": ["nuts, soy"]}, 422, "one by one"),
        ("POST", "/menu/items", {**item, "tax_rate_id": archived_rate}, 422, "archived"),
        (
            "POST",
            "/menu/items",
            {**item, "tax_rate_id": other.tax_rates["Food"]},
            404,
            "No tax rate",
        ),
        ("POST", "/menu/items", {**item, "category_id": "cat_nowhere"}, 404, "No category"),
        (
            "POST",
            "/menu/items",
            {**item, "category_id": built["drinks"]["id"]},
            422,
            "archived",
        ),
        ("PATCH", f"/menu/items/{burger}", {"price_cents": -5}, 422, "price_cents"),
        ("PATCH", f"/menu/items/{burger}", {"name": "\x01Burger"}, 422, "control character"),
        ("PATCH", f"/menu/groups/{built['temperature']['id']}", {"min": 2}, 422, "minimum (2)"),
        (
            "POST",
            f"/menu/items/{burger}/groups",
            {"name": "Sauce", "min": 3, "max": 2},
            422,
            "minimum (3)",
        ),
        ("POST", f"/menu/items/{burger}/groups", {"name": "Sauce", "max": 0}, 422, "at least 1"),
        ("POST", f"/menu/items/{burger}/groups", {"name": "temperature"}, 409, "already"),
        (
            "POST",
            f"/menu/groups/{built['add_ons']['id']}/options",
            {"name": "bacon"},
            409,
            "already",
        ),
        (
            "POST",
            f"/menu/groups/{built['add_ons']['id']}/options",
            {"name": "Egg", "price_cents": -100},
            422,
            "price_cents",
        ),
        ("PATCH", f"/menu/options/{built['rare']['id']}", {"name": "medium"}, 409, "already"),
    ]
    before = snapshot(db)
    for method, path, body, status, words in refusals:
        response = manager.http.request(method, f"/api/v1{path}", json=body)
        assert response.status_code == status, (path, body, response.text)
        assert words in response.json()["error"]["message"], (path, body, response.text)
    assert changed_tables(before, snapshot(db)) == []


def test_servers_and_the_kitchen_cannot_edit_the_menu_and_an_owner_can(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    terminals = {role: staff(live_server, place, role) for role in ("server", "kitchen")}
    before = snapshot(db)
    for terminal in terminals.values():
        refused = terminal.post("/menu/categories", {"name": "Mains"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
    assert changed_tables(before, snapshot(db)) == []
    owner = staff(live_server, place, "owner")
    ok(owner.post("/menu/categories", {"name": "Mains"}), 201)
    assert ok(owner.get("/menu/editor"))["tax_rates"] == [
        {"id": place.tax_rates["Food"], "name": "Food", "rate_bp": 1000},
        {"id": place.tax_rates["Alcohol"], "name": "Alcohol", "rate_bp": 2000},
    ]


def test_another_restaurants_menu_rows_are_not_found(live_server: str, db: Database) -> None:
    place, other = open_new_restaurant(db), open_new_restaurant(db)
    built = build_burger_menu(staff(live_server, place, "manager"), place)
    theirs = staff(live_server, other, "manager")
    before = snapshot(db)
    for method, path, body in [
        ("PATCH", f"/menu/items/{built['burger']['id']}", {"price_cents": 1}),
        ("POST", f"/menu/items/{built['burger']['id']}/archive", None),
        ("PATCH", f"/menu/categories/{built['mains']['id']}", {"name": "Mine"}),
        ("POST", f"/menu/groups/{built['add_ons']['id']}/options", {"name": "Egg"}),
        ("PATCH", f"/menu/options/{built['bacon']['id']}", {"price_cents": 1}),
        (
            "POST",
            "/menu/items",
            {"category_id": built["mains"]["id"], "name": "X", "price_cents": 1},
        ),
    ]:
        response = theirs.http.request(method, f"/api/v1{path}", json=body)
        assert response.status_code == 404, (path, response.text)
        assert "Burger" not in response.text and "Bacon" not in response.text
    assert changed_tables(before, snapshot(db)) == []
    assert ok(theirs.get("/menu/editor"))["items"] == []


def test_a_menu_change_while_another_is_being_saved_is_told_to_try_again(
    live_server: str, db: Database
) -> None:
    """Two managers adding "Fries" to Sides at once get one Fries: the menu's changes take
    turns (on PostgreSQL by a lock the second answers 409 for at once, never waiting)."""
    if db.is_sqlite:
        pytest.skip("SQLite's writers take turns at BEGIN IMMEDIATE: the second one waits")
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    with db.unit(place.id) as other_terminal:
        Menu.of(other_terminal).lock()
        before = snapshot(db)
        refused = manager.post("/menu/categories", {"name": "Sides"})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "busy"
        assert "Try again" in refused.json()["error"]["message"]
        assert changed_tables(before, snapshot(db)) == []
    ok(manager.post("/menu/categories", {"name": "Sides"}), 201)
