"""An owner's settings at work on the floor: prices with tax included, a large party's
service charge, and the checks already open keeping what they were opened with."""

from __future__ import annotations

from typing import Any

from new_restaurant import NewRestaurant, add_menu_items, open_new_restaurant, staff
from terminal import Terminal

from tableside.core.unit_of_work import Database


def opened_with_a_menu(
    live_server: str, db: Database, tables: tuple[str, ...]
) -> tuple[NewRestaurant, dict[str, str], Terminal, Terminal]:
    """A restaurant of the test's own with ``tables``, serving a burger (food, 10 %) at 11.00
    and a glass of wine (alcohol, 20 %) at 6.00: the restaurant, the items' ids by name, its
    owner's tablet and its server's."""
    place = open_new_restaurant(db, tables=tables)
    items = add_menu_items(
        db,
        place.id,
        "Mains",
        {
            "Burger": {"price_cents": 1_100, "tax_rate_id": place.tax_rates["Food"]},
            "Wine": {"price_cents": 600, "tax_rate_id": place.tax_rates["Alcohol"]},
        },
    )
    return place, items, staff(live_server, place, "owner"), staff(live_server, place, "server")


def ring(tablet: Terminal, check_id: str, item_id: str, seat: int = 1) -> dict[str, Any]:
    rung = tablet.post(f"/checks/{check_id}/lines", {"menu_item_id": item_id, "seat": seat})
    assert rung.status_code == 201, rung.text
    check: dict[str, Any] = rung.json()
    return check


def change(owner: Terminal, **settings: Any) -> dict[str, Any]:
    changed = owner.put("/restaurant", settings)
    assert changed.status_code == 200, changed.text
    found: dict[str, Any] = changed.json()
    return found


def test_prices_with_tax_included_hold_their_tax_and_an_open_check_keeps_them(
    live_server: str, db: Database
) -> None:
    place, items, owner, server = opened_with_a_menu(live_server, db, ("A1", "A2"))
    assert change(owner, prices_include_tax=True)["prices_include_tax"] is True

    seated = server.post(f"/tables/{place.tables['A1']}/seat", {"guests": 2}).json()
    ring(server, seated["id"], items["Burger"])
    check = ring(server, seated["id"], items["Wine"], seat=2)
    # 11.00 holds 1.00 of tax at 10 %; 6.00 holds 1.00 at 20 %: the prices are the total.
    assert check["tax_included"] is True
    totals = (check["subtotal_cents"], check["tax_cents"], check["total_cents"])
    assert totals == (1_700, 200, 1_700)
    link = server.post(f"/checks/{check['id']}/guest-link").json()
    guest = server.http.get(f"/api/v1/guest/checks/{link['token']}").json()
    assert (guest["tax_included"], guest["tax_cents"], guest["total_cents"]) == (True, 200, 1_700)

    # The owner goes back to tax on top: the open check keeps its prices, a new one does not.
    change(owner, prices_include_tax=False)
    assert server.check(check["id"])["total_cents"] == 1_700
    other = server.post(f"/tables/{place.tables['A2']}/seat", {"guests": 2}).json()
    other = ring(server, other["id"], items["Burger"])
    assert (other["tax_included"], other["tax_cents"], other["total_cents"]) == (False, 110, 1_210)
    split = server.put(f"/checks/{check['id']}/split", {"kind": "by_seat"})
    assert [p["amount_cents"] for p in split.json()["split"]["parts"]] == [1_100, 600]

    paid = server.pay(check["id"], 1_700)
    assert paid.status_code == 201 and paid.json()["check"]["status"] == "closed", paid.text
    report = staff(live_server, place, "manager").get("/reports/day").json()
    assert (report["sales_cents"], report["tax_cents"], report["tax_included_cents"]) == (
        1_700,
        200,
        200,
    )
    assert report["total_cents"] == 1_700


def test_a_party_of_eight_carries_the_service_charge_and_keeps_it_when_the_owner_changes_it(
    live_server: str, db: Database
) -> None:
    place, items, owner, server = opened_with_a_menu(live_server, db, ("A1", "A2", "A3"))
    settings = change(owner, service_charge_bp=1800, service_charge_min_guests=8)
    assert (settings["service_charge_bp"], settings["service_charge_min_guests"]) == (1800, 8)

    big = server.post(f"/tables/{place.tables['A1']}/seat", {"guests": 8}).json()
    assert big["service_charge_bp"] == 1800
    for seat in range(1, 5):
        big = ring(server, big["id"], items["Burger"], seat=seat)
    # 44.00 of burgers: 18 % service (7.92, not taxed) and 10 % tax (4.40).
    assert (big["subtotal_cents"], big["service_charge_cents"], big["tax_cents"]) == (
        4_400,
        792,
        440,
    )
    assert big["total_cents"] == 4_400 + 792 + 440
    small = server.post(f"/tables/{place.tables['A2']}/seat", {"guests": 7}).json()
    small = ring(server, small["id"], items["Burger"])
    assert (small["service_charge_bp"], small["service_charge_cents"]) == (0, 0)

    change(owner, service_charge_bp=0)
    assert server.check(big["id"])["service_charge_cents"] == 792
    split = server.put(f"/checks/{big['id']}/split", {"kind": "by_seat"}).json()
    assert sum(p["amount_cents"] for p in split["split"]["parts"]) == big["total_cents"]
    paid = server.pay(big["id"], big["total_cents"])
    assert paid.status_code == 201, paid.text
    report = staff(live_server, place, "manager").get("/reports/day").json()
    assert report["service_charge_cents"] == 792
    assert report["total_cents"] == (
        report["sales_cents"] - report["discounts_cents"] + report["service_charge_cents"]
    ) + (report["tax_cents"] - report["tax_included_cents"])


def test_merging_into_a_party_of_eight_brings_the_service_charge(
    live_server: str, db: Database
) -> None:
    place, items, owner, server = opened_with_a_menu(live_server, db, ("A1", "A2"))
    change(owner, service_charge_bp=1000, service_charge_min_guests=8)
    first = server.post(f"/tables/{place.tables['A1']}/seat", {"guests": 4}).json()
    second = server.post(f"/tables/{place.tables['A2']}/seat", {"guests": 4}).json()
    ring(server, first["id"], items["Burger"])
    ring(server, second["id"], items["Burger"])
    merged = server.post(f"/checks/{first['id']}/merge", {"from_check_id": second["id"]})
    assert merged.status_code == 200, merged.text
    assert (merged.json()["guests"], merged.json()["service_charge_cents"]) == (8, 220)


def test_checks_opened_under_different_prices_are_not_merged(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db, tables=("A1", "A2"))
    owner = staff(live_server, place, "owner")
    server = staff(live_server, place, "server")
    first = server.post(f"/tables/{place.tables['A1']}/seat", {"guests": 2}).json()
    change(owner, prices_include_tax=True)
    second = server.post(f"/tables/{place.tables['A2']}/seat", {"guests": 2}).json()
    refused = server.post(f"/checks/{first['id']}/merge", {"from_check_id": second["id"]})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "pricing_differs"
    assert server.check(second["id"])["status"] == "open"


def test_a_service_charge_needs_a_party_size_and_a_refused_change_changes_nothing(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    owner = staff(live_server, place, "owner")
    refused = owner.put("/restaurant", {"service_charge_bp": 1500, "prices_include_tax": True})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_service_charge"
    assert "guests" in refused.json()["error"]["message"]
    settings = owner.get("/restaurant").json()
    assert (settings["service_charge_bp"], settings["prices_include_tax"]) == (0, False)


def test_an_owner_turns_the_service_charge_off_and_clears_its_party_size(
    live_server: str, db: Database
) -> None:
    place = open_new_restaurant(db)
    owner = staff(live_server, place, "owner")
    assert (
        owner.put(
            "/restaurant", {"service_charge_bp": 1500, "service_charge_min_guests": 6}
        ).status_code
        == 200
    )

    # Clearing the party size while the charge is on would leave it with no parties.
    refused = owner.put("/restaurant", {"service_charge_min_guests": None})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_service_charge"
    settings = owner.get("/restaurant").json()
    assert (settings["service_charge_bp"], settings["service_charge_min_guests"]) == (1500, 6)

    cleared = owner.put("/restaurant", {"service_charge_bp": 0, "service_charge_min_guests": None})
    assert cleared.status_code == 200, cleared.text
    settings = owner.get("/restaurant").json()
    assert (settings["service_charge_bp"], settings["service_charge_min_guests"]) == (0, None)
    # A null elsewhere is "not given": the name stays.
    assert owner.put("/restaurant", {"name": None}).status_code == 200
    assert owner.get("/restaurant").json()["name"] == settings["name"]
