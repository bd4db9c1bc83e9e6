"""An owner brings their menu from a spreadsheet, and takes it away again (docs/menu.md):
a 150-item file imports in one transaction, a file with one bad row imports nothing and
names that row's line, and a menu exported and imported — as CSV or JSON — is the same
menu."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
from db_state import changed_tables, snapshot
from new_restaurant import open_new_restaurant, staff
from sqlalchemy import text
from terminal import Terminal

from tableside.core.unit_of_work import Database

CSV = {"content-type": "text/csv"}
JSON = {"content-type": "application/json"}
CATEGORIES = ["Starters", "Salads", "Mains", "Burgers", "Desserts", "Drinks"]


def import_file(
    terminal: Terminal, content: str | bytes, headers: dict[str, str] = CSV, **params: str
) -> httpx.Response:
    body = content.encode() if isinstance(content, str) else content
    return terminal.http.post("/api/v1/menu/import", content=body, headers=headers, params=params)


def export_file(terminal: Terminal, fmt: str) -> str:
    response = terminal.get("/menu/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.text


def a_spreadsheet(items: int = 150) -> str:
    """``items`` items over six categories; every tenth has a temperature and add-ons."""
    out = io.StringIO()
    columns = [
        "category", "item", "price_cents", "tax_rate", "station", "course", "allergens",
        "modifier_group", "min", "max", "option", "option_price_cents",
    ]  # fmt: skip
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for n in range(items):
        category = CATEGORIES[n % len(CATEGORIES)]
        name = f"Dish {n:03d}"
        writer.writerow(
            {
                "category": category,
                "item": name,
                "price_cents": 500 + 25 * n,
                "tax_rate": "Alcohol" if category == "Drinks" else "Food",
                "station": "bar" if category == "Drinks" else "kitchen",
                "course": 1 if category == "Starters" else 2,
                "allergens": "gluten; dairy" if n % 3 == 0 else "",
            }
        )
        if n % 10 == 0:
            for option in ("Rare", "Medium", "Well done"):
                writer.writerow(
                    {
                        "category": category,
                        "item": name,
                        "modifier_group": "Temperature",
                        "min": 1,
                        "max": 1,
                        "option": option,
                    }
                )
            for option, price in (("Bacon", 150), ("Cheese", 100)):
                writer.writerow(
                    {
                        "category": category,
                        "item": name,
                        "modifier_group": "Add-ons",
                        "min": 0,
                        "max": 2,
                        "option": option,
                        "option_price_cents": price,
                    }
                )
    return out.getvalue()


def count(db: Database, sql: str, **params: Any) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_a_150_item_spreadsheet_imports_in_one_transaction(live_server: str, db: Database) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    response = import_file(manager, a_spreadsheet(150))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == {"categories": 6, "items": 150, "groups": 30, "options": 75}
    assert (
        result["updated"]
        == result["archived"]
        == {
            "categories": 0,
            "items": 0,
            "groups": 0,
            "options": 0,
        }
    )
    assert (result["rows"], result["mode"], result["format"]) == (150 + 15 * 5, "merge", "csv")

    menu = staff(live_server, place, "server").get("/menu").json()
    assert [c["name"] for c in menu["categories"]] == CATEGORIES
    assert len(menu["items"]) == 150
    dish = next(i for i in menu["items"] if i["name"] == "Dish 010")
    assert (dish["price_cents"], dish["station"], dish["course"]) == (750, "kitchen", 2)
    assert dish["tax_rate_id"] == place.tax_rates["Food"]
    assert [
        (g["name"], g["min"], g["max"], len(g["options"])) for g in dish["modifier_groups"]
    ] == [
        ("Temperature", 1, 1, 3),
        ("Add-ons", 0, 2, 2),
    ]
    assert next(i for i in menu["items"] if i["name"] == "Dish 000")["allergens"] == [
        "gluten",
        "dairy",
    ]
    # One transaction: one event for the terminals, and the import in the audit with each row
    # it created, by the manager.
    events = count(
        db, "SELECT count(*) FROM outbox WHERE restaurant_id = :r AND type = 'menu.updated'",
        r=place.id,
    )  # fmt: skip
    assert events == 1
    manager_id = manager.get("/me").json()["id"]
    assert (
        count(
            db,
            "SELECT count(*) FROM audit_log WHERE restaurant_id = :r AND staff_id = :s"
            " AND action = 'menu.item.created'",
            r=place.id,
            s=manager_id,
        )
        == 150
    )
    assert count(
        db, "SELECT count(*) FROM audit_log WHERE restaurant_id = :r AND action = 'menu.imported'",
        r=place.id,
    ) == 1  # fmt: skip

    # The same file again changes nothing (rows match the menu by name).
    before = snapshot(db)
    again = import_file(manager, a_spreadsheet(150)).json()
    assert again["created"] == again["updated"] == again["archived"] == result["updated"]
    changed = changed_tables(before, snapshot(db))
    assert set(changed) <= {"audit_log", "outbox", "outbox_counters"}  # the import's own record


def test_a_file_with_one_bad_row_imports_nothing_and_names_its_line(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    lines = a_spreadsheet(150).splitlines()
    # Dish 140's row, near the end of the file: a price written as money, not cents.
    at = next(i for i, line in enumerate(lines) if line.startswith("Mains,Dish 140,"))
    row = next(csv.reader([lines[at]]))
    row[2] = "12.50"
    lines[at] = ",".join(row)
    before = snapshot(db)
    refused = import_file(manager, "\n".join(lines) + "\n")
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_menu_file"
    assert error["message"].startswith("Nothing was imported")
    assert (
        f"line {at + 1}: price_cents is in cents, a whole number: write 1250 for 12.50"
        in error["message"]
    )
    assert changed_tables(before, snapshot(db)) == []

    # A tax rate the restaurant does not have is named by its line too.
    refused = import_file(
        manager, "category,item,price_cents,tax_rate\nMains,Steak,2800,Food\nBar,Wine,900,Wine\n"
    )
    assert refused.status_code == 422, refused.text
    assert "line 3: no tax rate is named 'Wine'" in refused.json()["error"]["message"]
    assert "the rates are Alcohol, Food" in refused.json()["error"]["message"]
    assert changed_tables(before, snapshot(db)) == []


def test_a_menu_exported_and_imported_elsewhere_is_the_same_menu_as_csv_and_as_json(
    live_server: str, db: Database
) -> None:
    source = open_new_restaurant(db)
    manager = staff(live_server, source, "manager")
    built = import_file(manager, a_spreadsheet(30))
    assert built.status_code == 200, built.text
    # What the editor adds beyond the spreadsheet: a description over two lines, an empty
    # category, an 86'd item, a group without options.
    menu = manager.get("/menu/editor").json()
    dish = next(i for i in menu["items"] if i["name"] == "Dish 001")
    edited = manager.http.patch(
        f"/api/v1/menu/items/{dish['id']}",
        json={"description": 'Slow-cooked, "house" style.\nServed with bread.'},
    )
    assert edited.status_code == 200, edited.text
    assert manager.post("/menu/categories", {"name": "Specials"}).status_code == 201
    assert manager.put(f"/menu/items/{dish['id']}/availability", {"available": False}).is_success
    group = manager.post(f"/menu/items/{dish['id']}/groups", {"name": "Sauce on the side"})
    assert group.status_code == 201, group.text
    as_csv, as_json = export_file(manager, "csv"), export_file(manager, "json")
    assert json.loads(as_json)["format"] == "tableside-menu"

    for fmt, exported, headers in [("csv", as_csv, CSV), ("json", as_json, JSON)]:
        copy = open_new_restaurant(db)
        copier = staff(live_server, copy, "manager")
        response = import_file(copier, exported, headers)
        assert response.status_code == 200, (fmt, response.text)
        assert export_file(copier, "csv") == as_csv, fmt
        assert export_file(copier, "json") == as_json, fmt
        theirs = copier.get("/menu").json()
        assert len(theirs["items"]) == 30
        assert next(i for i in theirs["items"] if i["name"] == "Dish 001")["available"] is False

    # Imported back where it came from, it changes nothing.
    before = snapshot(db)
    again = import_file(manager, as_json, JSON, mode="replace").json()
    assert again["created"] == again["updated"] == again["archived"]
    assert set(changed_tables(before, snapshot(db))) <= {"audit_log", "outbox", "outbox_counters"}
    exported = manager.get("/menu/export", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="{source.slug}-menu.csv"'
    )


def test_merge_keeps_what_the_file_leaves_out_and_replace_archives_it(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager, server = (
        staff(live_server, place, "manager"),
        staff(live_server, place, "server"),
    )
    first = (
        "category,item,price_cents,modifier_group,min,max,option,option_price_cents\n"
        "Mains,Steak,2800,,,,,\n"
        "Mains,Steak,,Temperature,1,1,Rare,0\n"
        "Mains,Steak,,Temperature,1,1,Well done,0\n"
        "Mains,Fish,2400,,,,,\n"
        "Sides,Fries,500,,,,,\n"
    )
    assert import_file(manager, first).status_code == 200
    check = server.seat("A1")
    server.ring(check["id"], "Fish")
    held = server.check(check["id"])

    # merge: a new price and a new item; Fish and Sides stay.
    merged = import_file(manager, "category,item,price_cents\nmains,STEAK,3000\nMains,Lamb,3200\n")
    assert merged.status_code == 200, merged.text
    assert merged.json()["updated"]["items"] == 1 and merged.json()["created"]["items"] == 1
    names = [i["name"] for i in server.get("/menu").json()["items"]]
    assert names == ["STEAK", "Fish", "Lamb", "Fries"]  # the file's spelling, the menu's order

    # replace: the menu becomes the file; what it leaves out is archived, not deleted.
    replaced = import_file(
        manager,
        "category,item,price_cents,modifier_group,option\n"
        "Mains,Lamb,3200,,\n"
        "Mains,Steak,3000,,\n"
        "Mains,Steak,,Temperature,Rare\n",
        mode="replace",
    )
    assert replaced.status_code == 200, replaced.text
    # Sides goes, and Fries with it (an archived category hides its items); Fish and the
    # well-done steak go.
    assert replaced.json()["archived"] == {"categories": 1, "items": 1, "groups": 0, "options": 1}
    menu = server.get("/menu").json()
    assert [c["name"] for c in menu["categories"]] == ["Mains"]
    assert [i["name"] for i in menu["items"]] == ["Lamb", "Steak"]  # the file's order, spelling
    steak = menu["items"][1]
    assert [o["name"] for o in steak["modifier_groups"][0]["options"]] == ["Rare"]
    assert server.check(check["id"]) == held  # the fish it had is still on the check
    editor = manager.get("/menu/editor").json()
    assert {i["name"]: i["archived"] for i in editor["items"]} == {
        "Lamb": False,
        "Steak": False,
        "Fish": True,
        "Fries": False,
    }
    assert {c["name"]: c["archived"] for c in editor["categories"]} == {
        "Mains": False,
        "Sides": True,
    }


def test_what_is_not_a_menu_file_is_refused_and_changes_nothing(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    manager = staff(live_server, place, "manager")
    server = staff(live_server, place, "server")
    good = "category,item,price_cents\nMains,Steak,2800\n"
    before = snapshot(db)
    refusals = [
        (import_file(server, good), 403, "forbidden"),
        (import_file(manager, good, {"content-type": "application/pdf"}), 422, "unsupported"),
        (import_file(manager, ""), 422, "empty_file"),
        (import_file(manager, "category,item,colour\nA,B,red\n"), 422, "invalid_menu_file"),
        (import_file(manager, good, JSON), 422, "invalid_menu_file"),
        (import_file(manager, good, mode="everything"), 422, "invalid_request"),
        (import_file(manager, "x" * (2 * 1024 * 1024 + 1)), 413, "request_too_large"),
        (import_file(manager, "\xff".encode("latin-1")), 422, "invalid_menu_file"),
    ]
    for response, status, code in refusals:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"].startswith(code), response.text
        assert response.json()["error"]["message"]
    assert changed_tables(before, snapshot(db)) == []
    # The format may be named in the query instead of the Content-Type.
    named = import_file(manager, good, {"content-type": "application/octet-stream"}, format="csv")
    assert named.status_code == 200, named.text
    # A menu file just under the limit is read (and its bad rows named, not a 413).
    big = "category,item,price_cents\n" + "Mains,Dish,1\n" * 5000 + "Mains,Last,1\n"
    too_many = import_file(manager, big)
    assert too_many.status_code == 422, too_many.text
    assert "at most 5000" in too_many.json()["error"]["message"]
