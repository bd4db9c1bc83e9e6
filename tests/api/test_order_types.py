"""Order types on the floor, in the kitchen and in the day's numbers: a takeout rung by a
server on a terminal, with no table, goes to the kitchen under the guest's name and is paid
like any check; the kitchen shows only the types it asks for; the day's figures by type add
up to the day's."""

from __future__ import annotations

from typing import Any

from emulator import Emulator
from terminal import Terminal, new_key


def open_takeout(server: Terminal, name: str, phone: str | None = None) -> dict[str, Any]:
    body = {"type": "takeout", "guest_name": name} | ({"guest_phone": phone} if phone else {})
    response = server.post("/checks", body)
    assert response.status_code == 201, response.text
    check: dict[str, Any] = response.json()
    return check


def tickets(terminal: Terminal, *types: str) -> list[dict[str, Any]]:
    response = terminal.get("/tickets", params=[("type", t) for t in types])
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["tickets"]
    return found


def floor(terminal: Terminal) -> dict[str, Any]:
    response = terminal.get("/floor")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_takeout_rung_on_a_terminal_goes_to_the_kitchen_by_name_and_is_paid_with_no_table(
    server: Terminal, kitchen: Terminal, live_server: str
) -> None:
    tables_before = floor(server)["tables"]
    check = open_takeout(server, "  Maria   Lopez ", phone="555-0142")
    assert (check["type"], check["table_id"], check["table_label"]) == ("takeout", None, None)
    assert (check["guest_name"], check["guest_phone"]) == ("Maria Lopez", "555-0142")
    assert (check["status"], check["guests"], check["total_cents"]) == ("open", 1, 0)

    # The floor lists it beside the tables, which it leaves as they were; demo2 never sees it.
    listed = floor(server)["checks_without_table"]
    assert [(c["check_id"], c["type"], c["guest_name"]) for c in listed] == [
        (check["id"], "takeout", "Maria Lopez")
    ]
    assert listed[0]["server_name"] == "Sam Rivera"
    assert floor(server)["tables"] == tables_before
    assert floor(Terminal(live_server, "demo2"))["checks_without_table"] == []

    server.ring(check["id"], "Truffle fries", seat=1)
    rung = server.ring(check["id"], "Espresso", seat=1)
    sent = server.send(check["id"])
    ticket_id = sent["lines"][0]["ticket_id"]
    ticket = next(t for t in tickets(kitchen) if t["id"] == ticket_id)
    assert (ticket["type"], ticket["guest_name"]) == ("takeout", "Maria Lopez")
    assert (ticket["table_id"], ticket["table_label"]) == (None, None)
    assert ticket["check_number"] == check["number"]
    assert [line["name"] for line in ticket["lines"]] == ["Truffle fries", "Espresso"]
    waiting = floor(server)["checks_without_table"][0]
    assert (waiting["kitchen_status"], waiting["balance_cents"]) == ("waiting", rung["total_cents"])

    paid = server.pay(check["id"], rung["total_cents"], tender="cash", tip_cents=200, key=new_key())
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert body["table"] is None
    assert (body["check"]["status"], body["check"]["balance_cents"]) == ("closed", 0)
    assert body["check"]["guest_name"] == "Maria Lopez"
    # Paid and closed: off the floor's list; no table changed at any point.
    assert floor(server)["checks_without_table"] == []
    assert floor(server)["tables"] == tables_before


def test_a_takeout_needs_the_guests_name_and_only_takeout_is_opened_by_staff(
    server: Terminal, kitchen: Terminal
) -> None:
    nameless = server.post("/checks", {"type": "takeout", "guest_name": "  "})
    assert nameless.status_code == 422, nameless.text
    assert nameless.json()["error"]["code"] == "guest_name_required"
    for other in ("dine_in", "online", "kiosk"):
        refused = server.post("/checks", {"type": other, "guest_name": "Maria"})
        assert refused.status_code == 422, refused.text
    bad_phone = server.post(
        "/checks", {"type": "takeout", "guest_name": "Maria", "guest_phone": "ring twice"}
    )
    assert bad_phone.json()["error"]["code"] == "invalid_phone"
    assert kitchen.post("/checks", {"type": "takeout", "guest_name": "Maria"}).status_code == 403
    assert floor(server)["checks_without_table"] == []


def test_the_kitchen_shows_only_the_order_types_it_asks_for(
    server: Terminal, kitchen: Terminal
) -> None:
    table = server.seat("T1")
    server.ring(table["id"], "Crispy calamari")
    dine_in = server.send(table["id"])["lines"][0]["ticket_id"]
    takeout = open_takeout(server, "Kim")
    server.ring(takeout["id"], "Truffle fries")
    to_go = server.send(takeout["id"])["lines"][0]["ticket_id"]

    def shown(*types: str) -> list[tuple[str, str]]:
        return [(t["id"], t["type"]) for t in tickets(kitchen, *types)]

    assert shown() == [(dine_in, "dine_in"), (to_go, "takeout")]
    assert shown("takeout") == [(to_go, "takeout")]
    assert shown("dine_in") == [(dine_in, "dine_in")]
    assert shown("takeout", "dine_in") == [(dine_in, "dine_in"), (to_go, "takeout")]
    assert shown("online", "kiosk") == []
    dine_in_ticket = tickets(kitchen, "dine_in")[0]
    assert (dine_in_ticket["table_label"], dine_in_ticket["guest_name"]) == ("T1", None)

    refused = kitchen.get("/tickets", params={"type": "delivery"})
    assert refused.status_code == 422, refused.text
    assert "error" in refused.json()


def test_the_days_figures_by_order_type_add_up_to_the_days_totals(
    server: Terminal, manager: Terminal, emulator: Emulator
) -> None:
    # Dine in at T1: card with a tip. A takeout: cash with a tip, then part refunded.
    # Another takeout left open.
    table = server.seat("T1", guests=3)
    server.ring(table["id"], "Ribeye 12 oz", options=["Rare", "Fries"])
    dine_in = server.ring(table["id"], "Draft IPA", seat=2)
    card = server.pay(
        table["id"], dine_in["total_cents"], tender="card", tip_cents=500, key=new_key()
    )
    assert card.status_code == 201, card.text
    takeout = open_takeout(server, "Maria")
    to_go = server.ring(takeout["id"], "Truffle fries", quantity=2)
    cash = server.pay(takeout["id"], to_go["total_cents"], tip_cents=100, key=new_key())
    assert cash.status_code == 201, cash.text
    refund = manager.refund(cash.json()["payment"]["id"], 300, reason="one portion cold")
    assert refund.status_code == 201, refund.text
    still_open = open_takeout(server, "Lee")
    server.ring(still_open["id"], "Espresso")

    day = manager.get("/reports/day").json()
    assert day["type"] is None
    by_type = {f["type"]: f for f in day["by_type"]}
    assert list(by_type) == ["dine_in", "takeout", "online", "kiosk"]
    for figure, total in [
        ("checks_closed", day["checks_closed"]),
        ("covers", day["covers"]),
        ("sales_cents", day["sales_cents"]),
        ("discounts_cents", day["discounts_cents"]),
        ("tax_cents", day["tax_cents"]),
        ("total_cents", day["total_cents"]),
        ("tips_cents", day["tips_cents"]),
        ("refunds_cents", day["refunds"]["amount_cents"]),
        ("net_cents", day["net_cents"]),
    ]:
        assert sum(f[figure] for f in by_type.values()) == total, figure
    assert by_type["dine_in"]["total_cents"] == dine_in["total_cents"]
    assert by_type["dine_in"]["covers"] == 3
    assert by_type["dine_in"]["tips_cents"] == 500
    assert by_type["takeout"]["total_cents"] == to_go["total_cents"]
    assert by_type["takeout"]["tips_cents"] == 100
    assert by_type["takeout"]["refunds_cents"] == 300
    assert by_type["takeout"]["net_cents"] == to_go["total_cents"] - 300
    assert by_type["online"]["checks_closed"] == by_type["kiosk"]["checks_closed"] == 0
    assert day["open_checks"]["count"] == 1

    # Asked for one type, the whole report is that type's, and agrees with its row.
    only = manager.get("/reports/day", params={"type": "takeout"}).json()
    assert only["type"] == "takeout"
    assert only["by_type"] == [by_type["takeout"]]
    assert (only["checks_closed"], only["total_cents"], only["tips_cents"]) == (
        1,
        to_go["total_cents"],
        100,
    )
    assert only["net_cents"] == by_type["takeout"]["net_cents"]
    assert [(p["check_id"], p["check_type"], p["table_label"]) for p in only["payments"]] == [
        (takeout["id"], "takeout", None)
    ]
    assert only["by_tender"]["card"]["count"] == 0
    assert [r["check_type"] for r in only["refunds_given"]] == ["takeout"]
    assert only["open_checks"]["count"] == 1
    dine = manager.get("/reports/day", params={"type": "dine_in"}).json()
    assert (dine["total_cents"], dine["refunds"]["amount_cents"]) == (dine_in["total_cents"], 0)
    assert [p["table_label"] for p in dine["payments"]] == ["T1"]
    assert dine["open_checks"]["count"] == 0
    online = manager.get("/reports/day", params={"type": "online"}).json()
    assert (online["checks_closed"], online["total_cents"], online["payments"]) == (0, 0, [])

    unknown = manager.get("/reports/day", params={"type": "delivery"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "invalid_type"
