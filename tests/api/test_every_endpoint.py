"""Every endpoint, table-driven (issue 2's "Must show"):

- no token → 401, a role that may not → 403, another restaurant's ids → 404 (never data);
- bad input → 4xx with ``{"error": {"code", "message"}}`` and nothing changed;
- nothing ever answers 500.

The route list comes from the server's own OpenAPI document, so a new endpoint gets the
401 and no-500 checks at once, and fails ``test_every_route_is_in_the_table`` until it has
a row in ``ENDPOINTS`` below.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from db_state import changed_tables, snapshot, staff_id
from fastapi import FastAPI
from terminal import Terminal

from tableside.core.unit_of_work import Database

SERVER, SERVER_2, MANAGER, KITCHEN, OWNER = "1234", "2345", "9999", "5555", "8888"
PUBLIC = {("POST", "/api/v1/auth/login"), ("GET", "/healthz")}


@dataclass(frozen=True)
class World:
    """Real rows of both restaurants for the requests to name."""

    check: str  # demo T1: a sent ribeye (on a ticket) and an unsent IPA
    sent_line: str
    unsent_line: str
    ticket: str
    other_check: str  # demo T2, open and empty
    free_table: str  # demo T3
    item: str  # demo's Draft IPA
    staff: str  # demo's Sam
    payment: str  # a cash payment on demo T4's check
    their_check: str  # demo2 T1, with a line
    their_line: str
    their_free_table: str
    their_item: str
    category: str  # demo's Drinks
    categories: tuple[str, ...]  # demo's categories, in menu order
    category_items: tuple[str, ...]  # Drinks' items, in menu order
    group_item: str  # demo's Espresso
    group: str  # its "Extra shot"
    option: str  # its "Double"
    guest_token: str  # a guest link to demo T1's check
    tax_rate: str  # a tax rate of demo's
    order: str  # a paid online order of demo's
    order_token: str  # its token (the guest's status page)
    kiosk: str  # a kiosk of demo's
    kiosk_token: str
    sections: tuple[str, ...]  # demo's sections, in floor order (Dining room, Patio, Bar)


def build_world(live_server: str, db: Database) -> World:
    server = Terminal(live_server)
    check = server.seat("T1")
    server.ring(check["id"], "Ribeye 12 oz", options=["Rare", "Fries"], note="no salt")
    sent = server.send(check["id"])
    unsent = server.ring(check["id"], "Draft IPA", seat=2)
    other = server.seat("T2")
    paid = server.seat("T4")
    server.ring(paid["id"], "Mushroom risotto")
    payment = server.pay(paid["id"], 1000, tender="cash")
    assert payment.status_code == 201, payment.text
    them = Terminal(live_server, "demo2")
    theirs = them.seat("T1")
    their_lines = them.ring(theirs["id"], "Draft IPA")["lines"]
    menu = server.get("/menu").json()
    drinks = server.menu_item("Draft IPA")["category_id"]
    espresso = server.menu_item("Espresso")
    link = server.post(f"/checks/{check['id']}/guest-link")
    assert link.status_code == 201, link.text
    rate = Terminal(live_server, pin=OWNER).post(
        "/restaurant/tax-rates", {"name": f"Wine {uuid.uuid4().hex[:6]}", "rate_bp": 2000}
    )
    assert rate.status_code == 201, rate.text
    placed = httpx.post(
        f"{live_server}/api/v1/public/demo/orders",
        json=_order_body_of(server.menu_item("Draft IPA")["id"]),
        headers=new_key(),
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    kiosk = Terminal(live_server, pin=MANAGER).post("/kiosks", {"label": "Door"})
    assert kiosk.status_code == 201, kiosk.text
    return World(
        check=check["id"],
        sent_line=sent["lines"][0]["id"],
        unsent_line=unsent["lines"][1]["id"],
        ticket=sent["lines"][0]["ticket_id"],
        other_check=other["id"],
        free_table=server.table("T3")["id"],
        item=server.menu_item("Draft IPA")["id"],
        staff=staff_id(db, "demo", "Sam Rivera"),
        payment=payment.json()["payment"]["id"],
        their_check=theirs["id"],
        their_line=their_lines[0]["id"],
        their_free_table=them.table("T3")["id"],
        their_item=them.menu_item("Draft IPA")["id"],
        category=drinks,
        categories=tuple(c["id"] for c in menu["categories"]),
        category_items=tuple(i["id"] for i in menu["items"] if i["category_id"] == drinks),
        group_item=espresso["id"],
        group=espresso["modifier_groups"][0]["id"],
        option=espresso["modifier_groups"][0]["options"][0]["id"],
        guest_token=link.json()["token"],
        tax_rate=rate.json()["id"],
        order=placed.json()["order"]["id"],
        order_token=placed.json()["token"],
        kiosk=kiosk.json()["id"],
        kiosk_token=kiosk.json()["token"],
        sections=tuple(s["id"] for s in server.get("/floor").json()["sections"]),
    )


def _order_body_of(item: str) -> dict[str, Any]:
    return {
        "items": [{"menu_item_id": item, "quantity": 1}],
        "name": "Ada",
        "phone": "555 0100",
        "pickup": "asap",
        "payment_method": "pm_card_visa",
        "tip_cents": 0,
    }


def new_key() -> dict[str, str]:
    return {"Idempotency-Key": f"every-endpoint-{uuid.uuid4()}"}


Ids = Callable[[World], dict[str, str]]
Make = Callable[[World], Any]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as in the OpenAPI document, under /api/v1
    ids: Ids = lambda w: {}  # path parameters naming demo's rows
    body: Make | None = None  # a request body that is valid apart from who sends it
    forbidden: tuple[str, ...] = ()  # PINs whose role may not do this
    key: bool = False  # takes an Idempotency-Key
    # Requests of demo2 that name one of demo's rows in the body: (path ids, body).
    foreign_bodies: tuple[tuple[Ids, Make], ...] = ()
    bad_bodies: tuple[Make, ...] = field(default=())
    bad_queries: tuple[dict[str, str], ...] = ()
    # For guests, with no staff token: the link in the path is what lets them in.
    guest: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, world: World, ids: Ids | None = None) -> str:
        return "/api/v1" + self.path.format(**(ids or self.ids)(world))


def _check(w: World) -> dict[str, str]:
    return {"check_id": w.check}


def _category(w: World) -> dict[str, str]:
    return {"category_id": w.category}


def _guest_link(w: World) -> dict[str, str]:
    return {"token": w.guest_token}


def _tax_rate(w: World) -> dict[str, str]:
    return {"tax_rate_id": w.tax_rate}


def _another(token: str) -> str:
    """A token one character off ``token``."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _slug(w: World) -> dict[str, str]:
    return {"slug": "demo"}


# Order bodies refused before anything is kept or charged.
BAD_ORDERS: tuple[Make, ...] = (
    lambda w: {**_order_body_of(w.item), "items": []},
    lambda w: {**_order_body_of(w.their_item)},
    lambda w: {**_order_body_of(w.item), "pickup": "tomorrow"},
    lambda w: {**_order_body_of(w.item), "pickup": "2020-01-01T12:00:00+00:00"},
    lambda w: {**_order_body_of(w.item), "phone": "call me"},
    lambda w: {**_order_body_of(w.item), "name": ""},
    lambda w: {**_order_body_of(w.item), "tip_cents": 10**6},
    lambda w: {**_order_body_of(w.item), "payment_method": ""},
)


def _staff(w: World) -> dict[str, str]:
    return {"staff_id": w.staff}


def _section(w: World) -> dict[str, str]:
    return {"section_id": w.sections[-1]}  # demo's Bar


def _table(w: World) -> dict[str, str]:
    return {"table_id": w.free_table}  # demo's T3, at 6, 0


ENDPOINTS = [
    Endpoint("POST", "/auth/logout"),
    Endpoint("GET", "/me"),
    Endpoint("GET", "/staff"),
    Endpoint(
        "POST",
        "/staff",
        body=lambda w: {"name": "New Hire", "role": "server", "pin": "864209"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"name": "New Hire", "role": "chef", "pin": "864209"},
            lambda w: {"name": "New Hire", "role": "server", "pin": "12a4"},
            lambda w: {"name": "New Hire", "role": "server", "pin": "1234"},  # taken
            lambda w: {"name": "   ", "role": "server", "pin": "864209"},
        ),
    ),
    Endpoint(
        "PUT",
        "/staff/{staff_id}/pin",
        ids=lambda w: {"staff_id": w.staff},
        body=lambda w: {"pin": "864210"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"pin": "9999"}, lambda w: {"pin": "abcd"}),
    ),
    # Managing staff (a manager: servers and the kitchen; the owner: everyone).
    Endpoint("GET", "/staff/roster", forbidden=(SERVER, KITCHEN)),
    Endpoint(
        "PATCH",
        "/staff/{staff_id}",
        ids=_staff,
        body=lambda w: {"role": "kitchen"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"role": "chef"}, lambda w: {"name": "   "}),
    ),
    Endpoint("POST", "/staff/{staff_id}/deactivate", ids=_staff, forbidden=(SERVER, KITCHEN)),
    Endpoint("POST", "/staff/{staff_id}/reactivate", ids=_staff, forbidden=(SERVER, KITCHEN)),
    # The floor editor (managers and owners).
    Endpoint("GET", "/floor/editor", forbidden=(SERVER, KITCHEN)),
    Endpoint(
        "POST",
        "/floor/sections",
        body=lambda w: {"name": "Terrace"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"name": "patio"},  # taken
            lambda w: {"name": "   "},
            lambda w: {"name": "x" * 61},
        ),
    ),
    Endpoint(
        "PATCH",
        "/floor/sections/{section_id}",
        ids=_section,
        body=lambda w: {"name": "Garden"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"name": "patio"}, lambda w: {"name": ""}),
    ),
    Endpoint(
        "PUT",
        "/floor/sections/order",
        body=lambda w: {"ids": list(reversed(w.sections))},
        forbidden=(SERVER, KITCHEN),
        foreign_bodies=((lambda w: {}, lambda w: {"ids": list(w.sections)}),),
        bad_bodies=(
            lambda w: {"ids": [w.sections[0]]},  # the others left out
            lambda w: {"ids": [*w.sections, w.sections[0]]},
            lambda w: {"ids": []},
            lambda w: {"ids": [*w.sections, "sec_nowhere"]},
        ),
    ),
    Endpoint("DELETE", "/floor/sections/{section_id}", ids=_section, forbidden=(SERVER, KITCHEN)),
    Endpoint(
        "POST",
        "/floor/tables",
        body=lambda w: {"label": "T99", "capacity": 4, "x": 30, "y": 20},
        forbidden=(SERVER, KITCHEN),
        foreign_bodies=(
            (
                lambda w: {},
                lambda w: {
                    "label": "T99",
                    "capacity": 4,
                    "x": 30,
                    "y": 20,
                    "section_id": w.sections[0],
                },
            ),
        ),
        bad_bodies=(
            lambda w: {"label": "t1", "capacity": 4, "x": 30, "y": 20},  # taken
            lambda w: {"label": "T99", "capacity": 4, "x": 0, "y": 0},  # T1 stands there
            lambda w: {"label": "T99", "capacity": 4, "x": 39, "y": 20, "width": 2},
            lambda w: {"label": "T99", "capacity": 0, "x": 30, "y": 20},
            lambda w: {"label": "T99", "capacity": 4, "x": 30, "y": 20, "shape": "oval"},
            lambda w: {"label": " ", "capacity": 4, "x": 30, "y": 20},
            lambda w: {"label": "T99", "capacity": 4, "x": 30, "y": 20, "section_id": "sec_x"},
        ),
    ),
    Endpoint(
        "PATCH",
        "/floor/tables/{table_id}",
        ids=_table,
        body=lambda w: {"x": 30, "y": 20},
        forbidden=(SERVER, KITCHEN),
        foreign_bodies=(
            (
                lambda w: {"table_id": w.their_free_table},
                lambda w: {"section_id": w.sections[0]},
            ),
        ),
        bad_bodies=(
            lambda w: {"label": "T1"},  # taken
            lambda w: {"x": 0, "y": 0},  # T1 stands there
            lambda w: {"width": 9},
            lambda w: {"x": 39, "width": 2},
            lambda w: {"section_id": "sec_nowhere"},
            lambda w: {"label": ""},
        ),
    ),
    Endpoint("DELETE", "/floor/tables/{table_id}", ids=_table, forbidden=(SERVER, KITCHEN)),
    Endpoint("GET", "/floor"),
    Endpoint("GET", "/menu"),
    Endpoint(
        "PUT",
        "/menu/items/{item_id}/availability",
        ids=lambda w: {"item_id": w.item},
        body=lambda w: {"available": False},
        forbidden=(SERVER, SERVER_2),
        bad_bodies=(lambda w: {"available": "maybe"},),
    ),
    # The menu editor and the menu file (managers and owners).
    Endpoint("GET", "/menu/editor", forbidden=(SERVER, KITCHEN)),
    Endpoint(
        "POST",
        "/menu/categories",
        body=lambda w: {"name": "Brunch"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"name": "drinks"},  # taken
            lambda w: {"name": "   "},
            lambda w: {"name": "x" * 61},
        ),
    ),
    Endpoint(
        "PATCH",
        "/menu/categories/{category_id}",
        ids=_category,
        body=lambda w: {"name": "Bar"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"name": "starters"}, lambda w: {"name": ""}),
    ),
    Endpoint(
        "POST",
        "/menu/categories/{category_id}/archive",
        ids=_category,
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "POST",
        "/menu/categories/{category_id}/restore",
        ids=_category,
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "PUT",
        "/menu/categories/order",
        body=lambda w: {"ids": list(reversed(w.categories))},
        forbidden=(SERVER, KITCHEN),
        foreign_bodies=((lambda w: {}, lambda w: {"ids": list(w.categories)}),),
        bad_bodies=(
            lambda w: {"ids": [w.category]},  # the others left out
            lambda w: {"ids": [*w.categories, w.category]},
            lambda w: {"ids": []},
            lambda w: {"ids": [*w.categories, "cat_nowhere"]},
        ),
    ),
    Endpoint(
        "POST",
        "/menu/items",
        body=lambda w: {"category_id": w.category, "name": "Cold brew", "price_cents": 500},
        forbidden=(SERVER, KITCHEN),
        foreign_bodies=(
            (
                lambda w: {},
                lambda w: {"category_id": w.category, "name": "Cold brew", "price_cents": 500},
            ),
        ),
        bad_bodies=(
            lambda w: {"category_id": w.category, "name": "draft ipa", "price_cents": 500},
            lambda w: {"category_id": w.category, "name": "Cold brew", "price_cents": -1},
            lambda w: {"category_id": w.category, "name": "Cold brew", "price_cents": 5.5},
            lambda w: {"category_id": w.category, "name": "C", "price_cents": 5, "course": 10},
            lambda w: {"category_id": "cat_nowhere", "name": "Cold brew", "price_cents": 500},
            lambda w: {
                "category_id": w.category,
                "name": "Cold brew",
                "price_cents": 500,
                "tax_rate_id": "tax_nowhere",
            },
        ),
    ),
    Endpoint(
        "PATCH",
        "/menu/items/{item_id}",
        ids=lambda w: {"item_id": w.item},
        body=lambda w: {"price_cents": 950, "description": "Hazy", "allergens": ["gluten"]},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"name": "espresso"},  # taken in Drinks
            lambda w: {"price_cents": -1},
            lambda w: {"tax_rate_id": "tax_nowhere"},
            lambda w: {"category_id": "cat_nowhere"},
            lambda w: {"allergens": ["nuts; soy"]},
            lambda w: {"station": "x" * 41},
        ),
    ),
    Endpoint(
        "POST",
        "/menu/items/{item_id}/archive",
        ids=lambda w: {"item_id": w.item},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "POST",
        "/menu/items/{item_id}/restore",
        ids=lambda w: {"item_id": w.item},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "PUT",
        "/menu/categories/{category_id}/items/order",
        ids=_category,
        body=lambda w: {"ids": list(reversed(w.category_items))},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"ids": [w.item]},
            lambda w: {"ids": [*w.category_items, w.item]},
            lambda w: {"ids": [*w.category_items, "itm_nowhere"]},
        ),
    ),
    Endpoint(
        "POST",
        "/menu/items/{item_id}/groups",
        ids=lambda w: {"item_id": w.group_item},
        body=lambda w: {"name": "Milk", "min": 0, "max": 1},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"name": "Milk", "min": 2, "max": 1},
            lambda w: {"name": "Milk", "max": 0},
            lambda w: {"name": "extra shot"},  # taken
        ),
    ),
    Endpoint(
        "PATCH",
        "/menu/groups/{group_id}",
        ids=lambda w: {"group_id": w.group},
        body=lambda w: {"name": "Shots", "max": 2},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"min": 2},  # more than its max
            lambda w: {"menu_item_id": "itm_nowhere"},
            lambda w: {"name": ""},
        ),
    ),
    Endpoint(
        "POST",
        "/menu/groups/{group_id}/archive",
        ids=lambda w: {"group_id": w.group},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "POST",
        "/menu/groups/{group_id}/restore",
        ids=lambda w: {"group_id": w.group},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "PUT",
        "/menu/items/{item_id}/groups/order",
        ids=lambda w: {"item_id": w.group_item},
        body=lambda w: {"ids": [w.group]},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"ids": [w.group, w.group]}, lambda w: {"ids": ["mg_nowhere"]}),
    ),
    Endpoint(
        "POST",
        "/menu/groups/{group_id}/options",
        ids=lambda w: {"group_id": w.group},
        body=lambda w: {"name": "Triple", "price_cents": 300},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"name": "double"},  # taken
            lambda w: {"name": "Triple", "price_cents": -1},
        ),
    ),
    Endpoint(
        "PATCH",
        "/menu/options/{option_id}",
        ids=lambda w: {"option_id": w.option},
        body=lambda w: {"price_cents": 175},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"price_cents": -1}, lambda w: {"name": " "}),
    ),
    Endpoint(
        "POST",
        "/menu/options/{option_id}/archive",
        ids=lambda w: {"option_id": w.option},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "POST",
        "/menu/options/{option_id}/restore",
        ids=lambda w: {"option_id": w.option},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "PUT",
        "/menu/groups/{group_id}/options/order",
        ids=lambda w: {"group_id": w.group},
        body=lambda w: {"ids": [w.option]},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"ids": [w.option, w.option]}, lambda w: {"ids": ["mo_nowhere"]}),
    ),
    Endpoint(
        "GET",
        "/menu/export",
        forbidden=(SERVER, KITCHEN),
        bad_queries=({"format": "xls"}, {"format": ""}),
    ),
    Endpoint(
        "POST",
        "/menu/import",
        body=lambda w: {
            "format": "tableside-menu",
            "version": 1,
            "rows": [{"category": "Drinks", "item": "Cold brew", "price_cents": 500}],
        },
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(
            lambda w: {"rows": [{"category": "Drinks", "item": "Cold brew", "price_cents": -5}]},
            lambda w: {"rows": [{"category": "Drinks", "item": "Cold brew"}]},
            lambda w: {
                "rows": [
                    {"category": "Drinks", "item": "Tea", "price_cents": 1, "tax_rate": "Wine"}
                ]
            },
            lambda w: {"rows": [{"category": "", "item": "Tea", "price_cents": 1}]},
            lambda w: {"version": 2, "rows": [{"category": "A", "item": "B", "price_cents": 1}]},
        ),
        bad_queries=({"mode": "everything"}, {"format": "xls"}),
    ),
    Endpoint(
        "POST",
        "/tables/{table_id}/seat",
        ids=lambda w: {"table_id": w.free_table},
        body=lambda w: {"guests": 2},
        forbidden=(KITCHEN,),
        bad_bodies=(lambda w: {"guests": 0}, lambda w: {"guests": 101}),
    ),
    Endpoint(
        "POST",
        "/checks",
        body=lambda w: {"type": "takeout", "guest_name": "Maria", "guest_phone": "555-0142"},
        forbidden=(KITCHEN,),
        bad_bodies=(
            lambda w: {"type": "takeout"},  # no name to call the order by
            lambda w: {"type": "takeout", "guest_name": "   "},
            lambda w: {"type": "takeout", "guest_name": "x" * 81},
            lambda w: {"type": "takeout", "guest_name": "Maria", "guest_phone": "call me"},
            lambda w: {"type": "dine_in", "guest_name": "Maria"},  # seat a table instead
            lambda w: {"type": "online", "guest_name": "Maria"},  # the guests' own pages
            lambda w: {"type": "takeout", "guest_name": "Maria", "guests": 0},
        ),
    ),
    Endpoint("GET", "/checks/{check_id}", ids=_check),
    Endpoint(
        "POST",
        "/checks/{check_id}/lines",
        ids=_check,
        body=lambda w: {"menu_item_id": w.item, "seat": 1, "quantity": 1},
        forbidden=(KITCHEN,),
        bad_bodies=(
            lambda w: {"menu_item_id": w.item, "quantity": 0},
            lambda w: {"menu_item_id": w.item, "quantity": 101},
            lambda w: {"menu_item_id": w.item, "modifier_option_ids": ["mo_x"]},
            lambda w: {"menu_item_id": w.their_item},
        ),
    ),
    Endpoint(
        "POST",
        "/checks/{check_id}/lines/{line_id}/void",
        ids=lambda w: {"check_id": w.check, "line_id": w.sent_line},
        body=lambda w: {"reason": "sent back"},
        forbidden=(SERVER, KITCHEN),
        bad_bodies=(lambda w: {"reason": "x" * 201},),
    ),
    Endpoint(
        "POST",
        "/checks/{check_id}/discounts",
        ids=_check,
        body=lambda w: {"kind": "percent", "value": 1000, "reason": "regulars"},
        forbidden=(SERVER, KITCHEN),
        foreign_bodies=(
            (
                lambda w: {"check_id": w.their_check},
                lambda w: {"kind": "amount", "value": 1, "reason": "x", "line_id": w.sent_line},
            ),
        ),
        bad_bodies=(
            lambda w: {"kind": "amount", "value": 10**6, "reason": "more than the check"},
            lambda w: {"kind": "percent", "value": 10_001, "reason": "x"},
            lambda w: {"kind": "amount", "value": 100, "reason": ""},
            lambda w: {"kind": "amount", "value": 100, "reason": "x", "line_id": w.their_line},
        ),
    ),
    Endpoint("POST", "/checks/{check_id}/send", ids=_check, forbidden=(KITCHEN,)),
    Endpoint(
        "POST",
        "/checks/{check_id}/move",
        ids=_check,
        body=lambda w: {"table_id": w.free_table},
        forbidden=(KITCHEN,),
        foreign_bodies=(
            (lambda w: {"check_id": w.their_check}, lambda w: {"table_id": w.free_table}),
        ),
        bad_bodies=(lambda w: {"table_id": "tbl_nowhere"},),
    ),
    Endpoint(
        "POST",
        "/checks/{check_id}/merge",
        ids=_check,
        body=lambda w: {"from_check_id": w.other_check},
        forbidden=(KITCHEN,),
        foreign_bodies=(
            (lambda w: {"check_id": w.their_check}, lambda w: {"from_check_id": w.other_check}),
        ),
        bad_bodies=(lambda w: {"from_check_id": w.check},),
    ),
    Endpoint(
        "GET",
        "/tickets",
        bad_queries=({"include_served": "maybe"}, {"type": "delivery"}, {"type": ""}),
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/status",
        ids=lambda w: {"ticket_id": w.ticket},
        body=lambda w: {"status": "in_progress"},
        forbidden=(SERVER, SERVER_2),
        bad_bodies=(lambda w: {"status": "new"}, lambda w: {"status": "cooked"}),
    ),
    # Payments (issue 3): the contract's refusals, whoever is building the rest.
    Endpoint(
        "POST",
        "/checks/{check_id}/payments",
        ids=_check,
        body=lambda w: {
            "tender": "cash",
            "amount_cents": 100,
            "tip_cents": 0,
            "cash_tendered_cents": 100,
        },
        forbidden=(KITCHEN,),
        key=True,
        bad_bodies=(
            lambda w: {"tender": "cash", "amount_cents": 0, "cash_tendered_cents": 0},
            lambda w: {"tender": "cash", "amount_cents": 10**7, "cash_tendered_cents": 10**7},
            lambda w: {"tender": "barter", "amount_cents": 100},
        ),
    ),
    Endpoint(
        "POST",
        "/payments/{payment_id}/refund",
        ids=lambda w: {"payment_id": w.payment},
        body=lambda w: {"amount_cents": 100},
        forbidden=(SERVER, KITCHEN),
        key=True,
        bad_bodies=(lambda w: {"amount_cents": 0}, lambda w: {"amount_cents": 10**7}),
    ),
    Endpoint(
        "POST",
        "/payments/{payment_id}/void",
        ids=lambda w: {"payment_id": w.payment},
        forbidden=(SERVER, KITCHEN),
    ),
    Endpoint(
        "PUT",
        "/checks/{check_id}/split",
        ids=_check,
        body=lambda w: {"kind": "evenly", "ways": 2},
        forbidden=(KITCHEN,),
        bad_bodies=(lambda w: {"kind": "evenly", "ways": 1}, lambda w: {"kind": "thirds"}),
    ),
    # Pay at the table (issue 15): staff make and stop links; guests read and pay.
    Endpoint("POST", "/checks/{check_id}/guest-link", ids=_check, forbidden=(KITCHEN,)),
    Endpoint("DELETE", "/checks/{check_id}/guest-link", ids=_check, forbidden=(KITCHEN,)),
    Endpoint("GET", "/guest/checks/{token}", ids=_guest_link, guest=True),
    Endpoint(
        "POST",
        "/guest/checks/{token}/payments",
        ids=_guest_link,
        body=lambda w: {"amount_cents": 100, "tip_cents": 0, "payment_method": "pm_card_visa"},
        key=True,
        guest=True,
        bad_bodies=(
            lambda w: {"amount_cents": 0, "payment_method": "pm_card_visa"},
            lambda w: {"amount_cents": 10**7, "payment_method": "pm_card_visa"},
            lambda w: {"amount_cents": 100},
            lambda w: {"amount_cents": 100, "payment_method": "pm_card_visa", "split_part": 2},
            lambda w: {"amount_cents": 100, "tender": "cash", "cash_tendered_cents": 100},
            lambda w: {"amount_cents": 100, "tip_cents": 10**6, "payment_method": "pm_card_visa"},
        ),
    ),
    # Order ahead and kiosks (issue 15): guests by the restaurant's code or their order's
    # token, a kiosk by its token; staff list orders, hand them over, pause, set up kiosks.
    Endpoint("GET", "/public/{slug}/menu", ids=_slug, guest=True),
    Endpoint(
        "POST",
        "/public/{slug}/quote",
        ids=_slug,
        body=lambda w: {"items": [{"menu_item_id": w.item}]},
        guest=True,
        bad_bodies=(
            lambda w: {"items": []},
            lambda w: {"items": [{"menu_item_id": w.their_item}]},
            lambda w: {"items": [{"menu_item_id": w.item, "quantity": 0}]},
        ),
    ),
    Endpoint(
        "POST",
        "/public/{slug}/orders",
        ids=_slug,
        body=lambda w: _order_body_of(w.item),
        key=True,
        guest=True,
        bad_bodies=BAD_ORDERS,
    ),
    Endpoint("GET", "/public/orders/{token}", ids=lambda w: {"token": w.order_token}, guest=True),
    Endpoint("GET", "/kiosk/{token}/menu", ids=lambda w: {"token": w.kiosk_token}, guest=True),
    Endpoint(
        "POST",
        "/kiosk/{token}/orders",
        ids=lambda w: {"token": w.kiosk_token},
        body=lambda w: {"items": [{"menu_item_id": w.item}], "payment_method": "pm_card_visa"},
        key=True,
        guest=True,
        bad_bodies=(
            lambda w: {"items": [], "payment_method": "pm_card_visa"},
            lambda w: {"items": [{"menu_item_id": w.their_item}], "payment_method": "pm_card_visa"},
            lambda w: {"items": [{"menu_item_id": w.item}]},
            lambda w: {
                "items": [{"menu_item_id": w.item}],
                "payment_method": "pm_card_visa",
                "tip_cents": 10**6,
            },
        ),
    ),
    Endpoint("GET", "/orders", forbidden=(KITCHEN,)),
    Endpoint(
        "POST",
        "/orders/{order_id}/picked-up",
        ids=lambda w: {"order_id": w.order},
        forbidden=(KITCHEN,),
    ),
    Endpoint("GET", "/online-ordering"),
    Endpoint(
        "PUT",
        "/online-ordering",
        body=lambda w: {"accepting_orders": True},
        forbidden=(SERVER, SERVER_2, KITCHEN),
        bad_bodies=(lambda w: {"slot_capacity": 0}, lambda w: {"slot_capacity": 1001}),
    ),
    Endpoint(
        "POST",
        "/kiosks",
        body=lambda w: {"label": "Patio"},
        forbidden=(SERVER, SERVER_2, KITCHEN),
        bad_bodies=(lambda w: {"label": ""}, lambda w: {"label": "x" * 61}),
    ),
    Endpoint("GET", "/kiosks", forbidden=(SERVER, SERVER_2, KITCHEN)),
    Endpoint(
        "DELETE",
        "/kiosks/{kiosk_id}",
        ids=lambda w: {"kiosk_id": w.kiosk},
        forbidden=(SERVER, SERVER_2, KITCHEN),
    ),
    Endpoint(
        "GET",
        "/events",
        bad_queries=({"after": "-1"}, {"after": "last"}, {"limit": "0"}, {"after": "1e400"}),
    ),
    # The restaurant's settings and tax rates: every role reads, only the owner changes.
    Endpoint("GET", "/restaurant"),
    Endpoint(
        "PUT",
        "/restaurant",
        body=lambda w: {"receipt_footer": "Merci, à bientôt"},
        forbidden=(SERVER, SERVER_2, KITCHEN, MANAGER),
        bad_bodies=(
            lambda w: {"timezone": "Mars/Olympus"},
            lambda w: {"currency": "eur"},
            lambda w: {"tip_presets_bp": [0]},
            lambda w: {"name": "   "},
            lambda w: {"service_charge_bp": 1800},  # for parties of how many?
            lambda w: {"service_charge_bp": 10_001, "service_charge_min_guests": 8},
            lambda w: {"prices_include_tax": "sometimes"},
        ),
    ),
    # The owner's download of the restaurant's data.
    Endpoint("GET", "/restaurant/export", forbidden=(SERVER, SERVER_2, KITCHEN, MANAGER)),
    Endpoint(
        "POST",
        "/restaurant/tax-rates",
        body=lambda w: {"name": f"Rate {uuid.uuid4().hex[:6]}", "rate_bp": 550},
        forbidden=(SERVER, SERVER_2, KITCHEN, MANAGER),
        bad_bodies=(
            lambda w: {"name": "", "rate_bp": 550},
            lambda w: {"name": "Too much", "rate_bp": 10_001},
        ),
    ),
    Endpoint(
        "PUT",
        "/restaurant/tax-rates/{tax_rate_id}",
        ids=_tax_rate,
        body=lambda w: {"rate_bp": 1900},
        forbidden=(SERVER, SERVER_2, KITCHEN, MANAGER),
        bad_bodies=(lambda w: {"rate_bp": -1}, lambda w: {"name": " "}),
    ),
    Endpoint(
        "POST",
        "/restaurant/tax-rates/{tax_rate_id}/archive",
        ids=_tax_rate,
        forbidden=(SERVER, SERVER_2, KITCHEN, MANAGER),
    ),
    Endpoint(
        "GET",
        "/reports/day",
        forbidden=(SERVER, KITCHEN),
        bad_queries=(
            {"date": "2025-13-45"},
            {"date": "yesterday"},
            {"date": "\x00"},
            {"type": "delivery"},
            {"type": "\x00"},
        ),
    ),
]
BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}

# Values no field of any request may hold (each replaces one field of a valid body).
JUNK_VALUES: list[Any] = [10**30, -(10**30), "\x00", [{}], {"nested": "object"}]
# Whole bodies that are not the request at all.
JUNK_BODIES: list[bytes] = [b"{not json", b"", b"null", b"[]", b'"text"', b"42", b"\xff\xfe"]
# Path ids that name nothing: too long, not an id, a NUL, an escape attempt.
JUNK_IDS = ["x" * 41, "not an id", "%00", "chk_%27%20OR%201%3D1", "..%2F..%2Ffloor"]


def api_routes(live_server: str) -> list[tuple[str, str]]:
    paths = httpx.get(f"{live_server}/openapi.json").json()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if (method.upper(), path) not in PUBLIC
    )


def assert_error_shape(response: httpx.Response) -> None:
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def send(
    terminal: Terminal | httpx.Client,
    method: str,
    url: str,
    body: Any = None,
    *,
    content: bytes | None = None,
    key: bool = False,
) -> httpx.Response:
    client = terminal.http if isinstance(terminal, Terminal) else terminal
    headers = {"content-type": "application/json", **(new_key() if key else {})}
    if content is not None:
        return client.request(method, url, content=content, headers=headers)
    return client.request(method, url, json=body, headers=headers)


@pytest.fixture
def world(live_server: str, db: Database) -> World:
    return build_world(live_server, db)


def test_every_route_is_in_the_table(live_server: str) -> None:
    published = {
        f"{method} {path.removeprefix('/api/v1')}" for method, path in api_routes(live_server)
    }
    missing = published - set(BY_NAME)
    assert not missing, f"add these endpoints to ENDPOINTS in {__file__}: {sorted(missing)}"
    assert set(BY_NAME) <= published, sorted(set(BY_NAME) - published)


def test_no_token_is_a_401_everywhere(live_server: str, world: World) -> None:
    failures = []
    for method, path in api_routes(live_server):
        endpoint = BY_NAME.get(f"{method} {path.removeprefix('/api/v1')}")
        if endpoint and endpoint.guest:
            continue  # no staff token by design: test_guest_endpoints_reach_only_their_link
        url = endpoint.url(world) if endpoint else re.sub(r"\{[^}]+\}", "x", path)
        body = endpoint.body(world) if endpoint and endpoint.body else None
        for headers in [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}]:
            with httpx.Client(base_url=live_server) as anonymous:  # no cookie either
                response = anonymous.request(
                    method, url, json=body, headers={**headers, **new_key()}
                )
            if response.status_code != 401:
                failures.append((method, path, headers, response.status_code, response.text))
                continue
            assert_error_shape(response)
            assert response.headers.get("www-authenticate") == "Bearer"
    assert failures == []


# A server may do these with a manager's PIN in ``approval`` (403 manager_approval_required
# without one); every other role that may not is a plain 403 forbidden.
APPROVED_ON_THE_SPOT = {
    "POST /checks/{check_id}/lines/{line_id}/void",
    "POST /checks/{check_id}/discounts",
    "POST /payments/{payment_id}/refund",
}


def test_a_role_that_may_not_is_a_403_everywhere(
    live_server: str, world: World, db: Database
) -> None:
    terminals = {
        pin: Terminal(live_server, pin=pin) for pin in [SERVER, SERVER_2, KITCHEN, MANAGER]
    }
    before = snapshot(db)
    failures = []
    for endpoint in ENDPOINTS:
        for pin in endpoint.forbidden:
            response = send(
                terminals[pin],
                endpoint.method,
                endpoint.url(world),
                endpoint.body(world) if endpoint.body else None,
                key=endpoint.key,
            )
            if response.status_code != 403:
                failures.append((endpoint.name, pin, response.status_code, response.text))
                continue
            assert_error_shape(response)
            asks_a_manager = endpoint.name in APPROVED_ON_THE_SPOT and pin in (SERVER, SERVER_2)
            assert response.json()["error"]["code"] == (
                "manager_approval_required" if asks_a_manager else "forbidden"
            )
    assert failures == []
    assert changed_tables(before, snapshot(db)) == []


DEMO_WORDS = ["Ribeye", "no salt", "Sam Rivera", "Mushroom"]


def test_another_restaurants_ids_are_404_everywhere(
    live_server: str, world: World, db: Database
) -> None:
    """demo2's owner names demo's rows, in the path or in the body: 404, never data."""
    other = Terminal(live_server, "demo2", OWNER)
    before = snapshot(db)
    failures = []
    for endpoint in ENDPOINTS:
        if endpoint.guest:
            continue  # a link, not an id: test_guest_endpoints_reach_only_their_link
        attempts: list[tuple[Ids, Make | None]] = []
        if "{" in endpoint.path:
            attempts.append((endpoint.ids, endpoint.body))
        attempts.extend(endpoint.foreign_bodies)
        for ids, body in attempts:
            response = send(
                other,
                endpoint.method,
                endpoint.url(world, ids),
                body(world) if body else None,
                key=endpoint.key,
            )
            if response.status_code != 404 or any(w in response.text for w in DEMO_WORDS):
                failures.append((endpoint.name, response.status_code, response.text))
                continue
            assert_error_shape(response)
    assert failures == []
    assert changed_tables(before, snapshot(db)) == []
    # Lists of demo2 hold nothing of demo's.
    for path in [
        "/floor",
        "/menu",
        "/tickets",
        "/staff",
        "/events",
        f"/checks/{world.their_check}",
    ]:
        response = other.get(path)
        assert response.status_code == 200, (path, response.text)
        for demo_id in [world.check, world.free_table, world.item, world.staff, world.ticket]:
            assert demo_id not in response.text, (path, demo_id)


def _bad_requests(endpoint: Endpoint, world: World) -> list[tuple[str, str, Any, bytes | None]]:
    """(what, url, json body, raw body) of requests that can never succeed."""
    url = endpoint.url(world)
    bad: list[tuple[str, str, Any, bytes | None]] = []
    for name, value in endpoint.ids(world).items():
        for junk in JUNK_IDS:
            bad_url = endpoint.url(world, lambda w, n=name, j=junk: {**endpoint.ids(w), n: j})
            valid = endpoint.body(world) if endpoint.body else None
            bad.append((f"{name}={junk}", bad_url, valid, None))
        del value
    if endpoint.body is not None:
        valid = endpoint.body(world)
        for raw in JUNK_BODIES:
            bad.append((f"body {raw!r}", url, None, raw))
        bad.append(("an unknown field", url, {**valid, "unit_price_cents": 1}, None))
        for name in valid:
            for junk in JUNK_VALUES:
                bad.append((f"{name}={junk!r:.20}", url, {**valid, name: junk}, None))
        for make in endpoint.bad_bodies:
            bad.append(("a refused body", url, make(world), None))
    for query in endpoint.bad_queries:
        bad.append((f"query {query}", str(httpx.URL(url, params=query)), None, None))
    return bad


WITH_INPUT = [e for e in ENDPOINTS if "{" in e.path or e.body or e.bad_queries]


def test_endpoints_without_input_take_none() -> None:
    """The bad-input test below leaves these out: they have nothing to get wrong."""
    assert {e.name for e in ENDPOINTS} - {e.name for e in WITH_INPUT} == {
        "POST /auth/logout",
        "GET /me",
        "GET /staff",
        "GET /floor",
        "GET /menu",
        "GET /menu/editor",
        "GET /restaurant",
        "GET /restaurant/export",
        "GET /orders",
        "GET /online-ordering",
        "GET /kiosks",
        "GET /staff/roster",
        "GET /floor/editor",
    }


@pytest.mark.parametrize("endpoint", WITH_INPUT, ids=[e.name for e in WITH_INPUT])
def test_bad_input_is_a_4xx_with_the_error_shape_and_changes_nothing(
    live_server: str, world: World, db: Database, endpoint: Endpoint
) -> None:
    requests = _bad_requests(endpoint, world)
    manager = Terminal(live_server, pin=OWNER)  # an owner may do everything a manager may
    before = snapshot(db)
    failures = []
    for what, url, body, raw in requests:
        response = send(manager, endpoint.method, url, body, content=raw, key=endpoint.key)
        if not 400 <= response.status_code < 500:
            failures.append((what, response.status_code, response.text[:200]))
            continue
        assert_error_shape(response)
    assert failures == []
    assert changed_tables(before, snapshot(db)) == []


# Routes open to servers where the body decides whether a server may: a manager's PIN in
# ``approval``, or the move asked of a ticket (a server may only mark a ready one served).
DECIDED_BY_THE_BODY = APPROVED_ON_THE_SPOT | {"POST /tickets/{ticket_id}/status"}


def test_who_may_ask_is_answered_before_what_was_asked(
    live_server: str, world: World, db: Database
) -> None:
    """A body the route would refuse, or a payment without its key, from a dead token is a
    401 and from a role that may not a 403 — never the 400 or 422 that would tell a caller
    who may not ask anything about what it asked."""
    terminals = {
        pin: Terminal(live_server, pin=pin) for pin in [SERVER, SERVER_2, KITCHEN, MANAGER]
    }
    before = snapshot(db)
    failures = []
    for endpoint in ENDPOINTS:
        if endpoint.guest or endpoint.body is None:
            continue
        url = endpoint.url(world)
        bad = {"not_a_field": 1}
        with httpx.Client(base_url=live_server) as dead:
            dead.headers["Authorization"] = "Bearer not-a-token"
            answers = [(None, send(dead, endpoint.method, url, bad, key=endpoint.key))]
        for pin in endpoint.forbidden:
            if endpoint.name in DECIDED_BY_THE_BODY and pin in (SERVER, SERVER_2):
                continue  # the route is theirs: what they asked decides whether they may
            answers.append((pin, send(terminals[pin], endpoint.method, url, bad, key=endpoint.key)))
            if endpoint.key:  # and without its Idempotency-Key
                answers.append(
                    (pin, send(terminals[pin], endpoint.method, url, endpoint.body(world)))
                )
        for pin, response in answers:
            expected = 401 if pin is None else 403
            if response.status_code != expected:
                failures.append((endpoint.name, pin, response.status_code, response.text[:200]))
    assert failures == []
    assert changed_tables(before, snapshot(db)) == []


def test_a_payment_without_an_idempotency_key_is_refused(live_server: str, world: World) -> None:
    response = Terminal(live_server).post(
        f"/checks/{world.check}/payments",
        {"tender": "cash", "amount_cents": 100, "cash_tendered_cents": 100},
    )
    assert response.status_code == 400, response.text
    assert_error_shape(response)


def test_guest_endpoints_reach_only_their_link(
    live_server: str, world: World, db: Database, server_app: FastAPI
) -> None:
    """The guest endpoints take no staff token: the link, the order's token, the kiosk's
    token or the restaurant's code in the path is what lets them in. A check's id, another
    restaurant's check or anything else in its place reaches nothing (404, the same for
    all), whatever staff token comes along."""
    guest = [e for e in ENDPOINTS if e.guest]
    assert {e.name for e in guest} == {
        "GET /guest/checks/{token}",
        "POST /guest/checks/{token}/payments",
        "GET /public/{slug}/menu",
        "POST /public/{slug}/quote",
        "POST /public/{slug}/orders",
        "GET /public/orders/{token}",
        "GET /kiosk/{token}/menu",
        "POST /kiosk/{token}/orders",
    }
    with httpx.Client(base_url=live_server) as anonymous:
        seen = anonymous.get(f"/api/v1/guest/checks/{world.guest_token}")
        assert seen.status_code == 200, seen.text
        assert "Ribeye 12 oz" in seen.text
        assert not [w for w in ["Sam Rivera", "no salt", world.check] if w in seen.text]
        order = anonymous.get(f"/api/v1/public/orders/{world.order_token}")
        assert order.status_code == 200, order.text
        assert not [w for w in ["Sam Rivera", "stf_", "chk_"] if w in order.text]
        their_manager = Terminal(live_server, "demo2", MANAGER)  # logged in before the snapshot
        before = snapshot(db)
        failures = []
        for client in [anonymous, their_manager]:
            for endpoint in guest:
                server_app.state.guest_limits.reset()  # misses here are the point
                name = "slug" if "{slug}" in endpoint.path else "token"
                guesses = [world.check, world.their_check, world.payment, "x" * 43]
                if name == "token":
                    guesses += [world.order, world.kiosk, _another(world.order_token)]
                for guess in guesses:
                    response = send(
                        client,
                        endpoint.method,
                        endpoint.url(world, lambda w, n=name, g=guess: {n: g}),
                        endpoint.body(world) if endpoint.body else None,
                        key=endpoint.key,
                    )
                    if response.status_code != 404:
                        failures.append((endpoint.name, guess, response.status_code))
                        continue
                    assert_error_shape(response)
        assert failures == []
        assert changed_tables(before, snapshot(db)) == []
