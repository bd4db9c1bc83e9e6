"""An owner opens a restaurant from the command line, sets its tax rates, and a line rung
there is taxed at its item's own rate."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from new_restaurant import add_menu_items, open_chez_lou, tableside
from sqlalchemy import select
from terminal import Terminal

from tableside.core import models as m
from tableside.core.models import new_id
from tableside.core.unit_of_work import Database
from tableside.onboarding import open_restaurant


def test_opening_a_restaurant_twice_changes_nothing_the_second_time(
    database_url: str, db: Database
) -> None:
    slug, _ = open_chez_lou(database_url)
    again = tableside(
        database_url,
        "restaurant", "create", "--name", "Other", "--slug", slug,
        "--timezone", "UTC", "--currency", "USD", "--owner-name", "Someone",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "exists already" in again.stdout
    with db.reader() as uow:
        found = select(m.Restaurant).where(m.Restaurant.slug == slug)
        restaurant = uow.session.scalars(found).one()
        terms = (restaurant.name, restaurant.currency, restaurant.timezone)
        hired = select(m.Staff).where(m.Staff.restaurant_id == restaurant.id)
        staff = [(s.name, s.role) for s in uow.session.scalars(hired)]
    assert terms == ("Chez Lou", "EUR", "Europe/Paris")
    assert staff == [("Lou", "owner")]
    listed = tableside(database_url, "restaurant", "list")
    assert any(line.startswith(f"{slug}\tChez Lou") for line in listed.stdout.splitlines())


def test_a_bad_time_zone_is_refused_with_what_to_type(database_url: str) -> None:
    refused = tableside(
        database_url,
        "restaurant", "create", "--name", "X", "--slug", f"x-{uuid.uuid4().hex[:6]}",
        "--timezone", "Paris", "--currency", "EUR", "--owner-name", "X",
    )  # fmt: skip
    assert refused.returncode == 2
    assert "Europe/Paris" in refused.stdout


def opened_in_process(db: Database) -> tuple[str, str]:
    """As ``tableside restaurant create`` does, without starting a process."""
    opened = open_restaurant(
        db,
        slug=f"chez-lou-{uuid.uuid4().hex[:6]}",
        name="Chez Lou",
        timezone="Europe/Paris",
        currency="EUR",
        owner_name="Lou",
    )
    assert opened.created and opened.owner_pin is not None
    return opened.slug, opened.owner_pin


def test_food_and_wine_are_taxed_at_their_own_rates(live_server: str, db: Database) -> None:
    slug, pin = opened_in_process(db)
    owner = Terminal(live_server, restaurant=slug, pin=pin)
    food = owner.post("/restaurant/tax-rates", {"name": "Food", "rate_bp": 1000})
    wine = owner.post("/restaurant/tax-rates", {"name": "Alcohol", "rate_bp": 2000})
    assert food.status_code == 201 and wine.status_code == 201, wine.text
    taken = owner.post("/restaurant/tax-rates", {"name": "food", "rate_bp": 550})
    assert taken.status_code == 422 and taken.json()["error"]["code"] == "name_taken"
    settings: dict[str, Any] = owner.get("/restaurant").json()
    assert [(r["name"], r["rate_bp"]) for r in settings["tax_rates"]] == [
        ("Food", 1000),
        ("Alcohol", 2000),
    ]
    changed = owner.http.put(
        "/api/v1/restaurant", json={"tip_presets_bp": [1000, 1500], "max_tip_bp": 5000}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["tip_presets_bp"] == [1000, 1500]
    # A wrong value changes nothing.
    bad = owner.http.put("/api/v1/restaurant", json={"timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert owner.get("/restaurant").json()["timezone"] == "Europe/Paris"

    # A steak (food, 10 %) and a glass of wine (alcohol, 20 %) on one check.
    items = add_menu_items(
        db,
        settings["id"],
        "Mains",
        {
            "Steak": {"price_cents": 3_000, "tax_rate_id": food.json()["id"]},
            "Wine": {"price_cents": 1_000, "tax_rate_id": wine.json()["id"]},
        },
    )
    with db.unit() as uow:
        table = m.DiningTable(id=new_id("tbl"), restaurant_id=settings["id"], label="1", capacity=2)
        uow.session.add(table)
        uow.commit()
    check = owner.post(f"/tables/{table.id}/seat", {"guests": 2}).json()
    for item_id in items.values():
        rung = owner.post(f"/checks/{check['id']}/lines", {"menu_item_id": item_id, "seat": 1})
        assert rung.status_code == 201, rung.text
    check = rung.json()
    assert (check["subtotal_cents"], check["tax_cents"], check["total_cents"]) == (
        4_000,
        500,
        4_500,
    )
    # Changing a rate later never changes what was rung.
    owner.http.put(f"/api/v1/restaurant/tax-rates/{wine.json()['id']}", json={"rate_bp": 0})
    assert owner.check(check["id"])["tax_cents"] == 500
    paid = owner.pay(check["id"], 4_500, tender="cash")
    assert paid.status_code == 201 and paid.json()["table"]["status"] == "available"


def test_only_the_owner_changes_settings_and_other_restaurants_are_unseen(
    live_server: str, db: Database
) -> None:
    slug, pin = opened_in_process(db)
    owner = Terminal(live_server, restaurant=slug, pin=pin)
    rate = owner.post("/restaurant/tax-rates", {"name": "Food", "rate_bp": 1000}).json()
    demo_manager = Terminal(live_server, pin="9999")
    assert demo_manager.get("/restaurant").json()["slug"] == "demo"
    forbidden = demo_manager.http.put("/api/v1/restaurant", json={"name": "Mine now"})
    assert forbidden.status_code == 403
    elsewhere = httpx.put(
        f"{live_server}/api/v1/restaurant/tax-rates/{rate['id']}",
        json={"rate_bp": 0},
        headers={"Authorization": f"Bearer {demo_manager.token}"},
    )
    assert elsewhere.status_code in (403, 404)
    assert owner.get("/restaurant").json()["tax_rates"][0]["rate_bp"] == 1000
