"""Order ahead and kiosks (issue 15): a guest orders from the restaurant's public page and
pays up front through the one settlement; the order reaches the kitchen only once the card
is captured, marked online with the guest's name and pickup time. A declined card never
makes a ticket nor holds a pickup place; a full slot is not offered; a pause stops orders at
once; a slot's last places go to exactly as many guests as there are places."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from db_state import rows
from emulator import Emulator
from harness import LiveServer, at_once, pause_recovery_of_running_servers, wait_for
from ordering import Guest
from races import run_after
from terminal import Terminal, new_key

from tableside.core.unit_of_work import Database
from tableside.guests.repository import Orders

OWNER = "8888"


@pytest.fixture
def guest(live_server: str) -> Iterator[Guest]:
    phone = Guest(live_server)
    yield phone
    phone.close()


def tickets(terminal: Terminal) -> list[dict[str, Any]]:
    response = terminal.get("/tickets", params={"include_served": "true"})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["tickets"]
    return found


def count(db: Database, sql: str) -> int:
    return int(rows(db, sql)[0][0])


def charges_of(emulator: Emulator, check_id: str) -> list[dict[str, Any]]:
    return emulator.charges_for(check_id)


def set_slot_capacity(live_server: str, places: int) -> None:
    owner = Terminal(live_server, pin=OWNER)
    response = owner.put("/online-ordering", {"slot_capacity": places})
    assert response.status_code == 200, response.text
    owner.close()


def test_a_paid_online_order_reaches_the_kitchen_marked_online_with_name_and_pickup(
    guest: Guest, kitchen: Terminal, emulator: Emulator
) -> None:
    menu = guest.menu()
    assert menu["accepting_orders"] is True
    assert menu["restaurant"]["name"] == "Demo Bistro"
    soup = next(i for i in menu["items"] if i["name"] == "Soup of the day")
    assert soup["available"] is False  # 86'd, as on the terminals
    slot = menu["slots"][1]["at"]
    espresso = guest.item("Espresso")
    double = espresso["modifier_groups"][0]["options"][0]
    items = [
        {"menu_item_id": guest.item("Draft IPA")["id"], "quantity": 2},
        {
            "menu_item_id": espresso["id"],
            "modifier_option_ids": [double["id"]],
            "note": "extra hot",
        },
    ]
    quote = guest.http.post("/api/v1/public/demo/quote", json={"items": items})
    assert quote.status_code == 200, quote.text

    placed = guest.order(items, pickup=slot, expected_total_cents=quote.json()["total_cents"])

    assert placed.status_code == 201, placed.text
    order = placed.json()["order"]
    assert (order["status"], order["paid"]) == ("received", True)
    assert order["total_cents"] == quote.json()["total_cents"]
    assert order["pickup_at"].startswith(slot[:16])
    token = placed.json()["token"]
    assert len(token) >= 43
    ticket = next(t for t in tickets(kitchen) if t["check_number"] == order["number"])
    assert ticket["type"] == "online"
    assert ticket["guest_name"] == "Ada Lovelace"
    assert ticket["pickup_at"].startswith(slot[:16])
    assert ticket["table_id"] is None
    assert [line["name"] for line in ticket["lines"]] == ["Draft IPA", "Espresso"]
    charges = charges_of(emulator, ticket["check_id"])
    assert [c["amount"] for c in charges] == [order["total_cents"]]
    # The guest's page shows it, and nothing of the staff.
    seen = guest.status(token)
    assert seen.status_code == 200, seen.text
    assert (seen.json()["order"]["status"], seen.json()["order"]["paid"]) == ("received", True)
    assert ticket["check_id"] not in seen.text and "stf_" not in seen.text


def test_an_item_ordered_twice_with_other_choices_is_two_lines_each_with_its_own(
    guest: Guest, kitchen: Terminal
) -> None:
    espresso = guest.item("Espresso")
    double = espresso["modifier_groups"][0]["options"][0]
    items = [
        {"menu_item_id": espresso["id"], "modifier_option_ids": [double["id"]]},
        {"menu_item_id": guest.item("Draft IPA")["id"]},
        {"menu_item_id": espresso["id"], "note": "decaf"},
    ]
    placed = guest.order(items)
    assert placed.status_code == 201, placed.text
    order = placed.json()["order"]
    ticket = next(t for t in tickets(kitchen) if t["check_number"] == order["number"])
    assert [line["name"] for line in ticket["lines"]] == ["Espresso", "Draft IPA", "Espresso"]
    first, _, last = ticket["lines"]
    assert first["modifiers"] == [double["name"]]
    assert (last["modifiers"], last["note"]) == ([], "decaf")


def test_the_order_follows_the_kitchen_to_ready_and_is_picked_up(
    guest: Guest, kitchen: Terminal, server: Terminal
) -> None:
    placed = guest.order()
    assert placed.status_code == 201, placed.text
    token, order = placed.json()["token"], placed.json()["order"]
    ticket = next(t for t in tickets(kitchen) if t["check_number"] == order["number"])
    too_soon = server.post(f"/orders/{order['id']}/picked-up")
    assert too_soon.status_code == 409, too_soon.text
    assert too_soon.json()["error"]["code"] == "order_not_ready"

    seen = []
    for _ in range(2):
        bumped = kitchen.post(f"/tickets/{ticket['id']}/status", {})
        assert bumped.status_code == 200, bumped.text
        seen.append(guest.status(token).json()["order"]["status"])
    assert seen == ["in_kitchen", "ready"]

    listed = server.get("/orders").json()["orders"]
    assert [o["status"] for o in listed if o["id"] == order["id"]] == ["ready"]
    picked = server.post(f"/orders/{order['id']}/picked-up")
    assert picked.status_code == 200, picked.text
    assert picked.json()["status"] == "picked_up"
    assert guest.status(token).json()["order"]["status"] == "picked_up"
    assert server.post(f"/orders/{order['id']}/picked-up").status_code == 200  # twice: same


def test_a_declined_card_makes_no_ticket_and_holds_nothing(
    guest: Guest, kitchen: Terminal, live_server: str, db: Database, emulator: Emulator
) -> None:
    set_slot_capacity(live_server, 1)
    slot = guest.menu()["slots"][0]["at"]
    key = new_key()

    declined = guest.order(pickup=slot, payment_method="pm_card_chargeDeclined", key=key)

    assert declined.status_code == 402, declined.text
    assert declined.json()["error"]["code"] == "card_declined"
    assert tickets(kitchen) == []
    assert count(db, "SELECT count(*) FROM checks WHERE status = 'open'") == 0
    # The slot's one place is free again: another guest takes it.
    assert guest.menu()["slots"][0]["at"] == slot
    # The same key replays the decline and charges nothing.
    again = guest.order(pickup=slot, payment_method="pm_card_chargeDeclined", key=key)
    assert again.status_code == 402, again.text
    assert again.json()["error"]["payment_id"] == declined.json()["error"]["payment_id"]
    taken = guest.order(pickup=slot)
    assert taken.status_code == 201, taken.text
    assert count(db, "SELECT count(*) FROM tickets") == 1


def test_a_full_slot_is_not_offered_and_cannot_be_taken(
    guest: Guest, live_server: str, db: Database, emulator: Emulator
) -> None:
    set_slot_capacity(live_server, 1)
    first = guest.menu()["slots"][0]
    assert first["places_left"] == 1
    assert guest.order(pickup=first["at"]).status_code == 201

    menu = guest.menu()
    assert first["at"] not in [s["at"] for s in menu["slots"]]
    full = guest.order(pickup=first["at"])
    assert full.status_code == 409, full.text
    assert full.json()["error"]["code"] == "slot_full"
    # ASAP takes the next slot with a place.
    asap = guest.order()
    assert asap.status_code == 201, asap.text
    assert asap.json()["order"]["pickup_at"][:16] == menu["slots"][0]["at"][:16]
    assert count(db, "SELECT count(*) FROM payments") == 2


def test_a_pause_stops_new_orders_at_once_with_a_clear_message(
    guest: Guest, manager: Terminal, server: Terminal, db: Database
) -> None:
    assert server.put("/online-ordering", {"accepting_orders": False}).status_code == 403
    paused = manager.put("/online-ordering", {"accepting_orders": False})
    assert paused.status_code == 200, paused.text
    assert paused.json()["accepting_orders"] is False

    menu = guest.menu()
    assert menu["accepting_orders"] is False
    assert "not taking online orders" in menu["paused_message"]
    refused = guest.order()
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "not_accepting_orders"
    assert "not taking online orders" in refused.json()["error"]["message"]
    assert count(db, "SELECT count(*) FROM checks") == 0
    assert count(db, "SELECT count(*) FROM payments") == 0
    # Only the owner sets the slot size.
    assert manager.put("/online-ordering", {"slot_capacity": 5}).status_code == 403

    assert manager.put("/online-ordering", {"accepting_orders": True}).status_code == 200
    assert guest.order().status_code == 201


def test_twenty_guests_into_the_last_three_places_of_a_slot(
    live_server: str, db: Database, emulator: Emulator
) -> None:
    set_slot_capacity(live_server, 4)
    phones = [Guest(live_server) for _ in range(20)]
    try:
        slot = phones[0].menu()["slots"][0]["at"]
        ipa = phones[0].item("Draft IPA")["id"]
        assert phones[0].order([{"menu_item_id": ipa}], pickup=slot).status_code == 201

        answers = at_once(
            [lambda p=p: p.order([{"menu_item_id": ipa}], pickup=slot) for p in phones]
        )
    finally:
        for phone in phones:
            phone.close()

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [409] * 17, [a.text for a in answers if a.status_code != 201]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"slot_full"}
    assert count(db, "SELECT count(*) FROM tickets") == 4
    assert count(db, "SELECT count(*) FROM payments") == 4
    paid = [a.json()["order"] for a in answers if a.status_code == 201]
    charged = [c for c in emulator.charges() if c["idempotency_key"].startswith("tableside-")]
    check_ids = {row[0] for row in rows(db, "SELECT check_id FROM guest_orders")}
    assert len([c for c in charged if c["metadata"].get("check_id") in check_ids]) == 4
    assert len(paid) == 3


def test_unknown_restaurants_and_guessed_tokens_are_404_then_429(
    start_live_server: Callable[..., LiveServer],
) -> None:
    # A server of its own: its guests' budgets start whole, whatever the session spent.
    guest = Guest(start_live_server().url)
    placed = guest.order()
    assert placed.status_code == 201
    order_id = placed.json()["order"]["id"]
    guesses = ["nowhere", "demo3"]
    for slug in guesses:
        response = guest.http.get(f"/api/v1/public/{slug}/menu")
        assert response.status_code == 404, response.text
        assert set(response.json()) == {"error"}
    token = placed.json()["token"]
    one_off = token[:-1] + ("B" if token.endswith("A") else "A")
    for token in [order_id, "x" * 43, one_off]:
        response = guest.status(token)
        assert response.status_code == 404, response.text
    # 404 until this device's budget of dead links is spent (earlier tests of the session
    # may have spent part of it from this address), then 429 and only 429.
    codes = [guest.status("y" * 43).status_code for _ in range(30)]
    assert 429 in codes, codes
    first = codes.index(429)
    assert codes[:first] == [404] * first and set(codes[first:]) == {429}, codes
    refused = guest.http.get("/api/v1/public/demo/menu")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"


def test_a_token_shows_only_its_own_order(live_server: str, guest: Guest) -> None:
    mine = guest.order(name="Mine")
    other = Guest(live_server, "demo2")
    try:
        theirs = other.order(name="Theirs")
        assert theirs.status_code == 201, theirs.text
        seen = guest.status(mine.json()["token"]).json()
        assert seen["order"]["name"] == "Mine" and "Theirs" not in str(seen)
        assert seen["order"]["restaurant"] == "Demo Bistro"
    finally:
        other.close()


def retry_until_final(guest: Guest, key: str) -> httpx.Response:
    """Retry on the key as the page's Retry does, past 409 payment_in_progress (the
    background recovery may be finishing the same payment at that moment)."""
    answers: list[httpx.Response] = []

    def final() -> bool:
        answers.append(guest.order(key=key))
        return answers[-1].status_code not in (409, 504)

    wait_for(final, what="the order's payment to reach a final answer", every_s=0.2)
    return answers[-1]


def test_a_timeout_after_the_charge_is_not_confirmed_then_settles_once(
    guest: Guest, kitchen: Terminal, emulator: Emulator, db: Database
) -> None:
    key = new_key()
    emulator.fault("timeout_after_charge")

    unknown = guest.order(key=key)

    assert unknown.status_code == 504, unknown.text
    assert unknown.json()["error"]["code"] == "processor_timeout"
    order = unknown.json()["order"]
    assert (order["status"], order["paid"]) == ("received", False)  # being confirmed
    assert tickets(kitchen) == []  # no ticket until the outcome is known
    token = unknown.json()["token"]
    assert guest.status(token).json()["order"]["status"] == "received"

    settled = retry_until_final(guest, key)
    assert settled.status_code == 201, settled.text
    assert settled.json()["token"] == token
    assert settled.json()["order"]["paid"] is True
    assert len(tickets(kitchen)) == 1
    check_id = rows(db, "SELECT check_id FROM guest_orders")[0][0]
    assert len(charges_of(emulator, check_id)) == 1
    replay = guest.order(key=key)
    assert replay.status_code == 201
    assert replay.json()["order"]["id"] == settled.json()["order"]["id"]
    assert len(charges_of(emulator, check_id)) == 1
    assert len(tickets(kitchen)) == 1


def test_a_guest_checking_an_order_while_its_payment_commits_sees_it_as_of_one_moment(
    live_server: str,
    guest: Guest,
    kitchen: Terminal,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The order's status page reads the order, then its check, its payments and its
    tickets: all of the moment its first read was made, even when the capture commits
    (the check closed, the ticket fired) between the order's read and the rest."""
    pause_recovery_of_running_servers(monkeypatch)  # the retry below is what settles it
    key = new_key()
    emulator.fault("timeout_after_charge")
    unknown = guest.order(key=key)
    assert unknown.status_code == 504, unknown.text
    token = unknown.json()["token"]
    before = guest.status(token)
    assert before.status_code == 200, before.text
    assert (before.json()["order"]["status"], before.json()["order"]["paid"]) == ("received", False)
    assert before.json()["order"]["paid_cents"] == 0
    retrying = Guest(live_server)  # the guest's Retry, on the order page
    retried: list[httpx.Response] = []
    try:
        with run_after(Orders, "by_token_hash", lambda: retried.append(retrying.order(key=key))):
            during = guest.status(token)
    finally:
        retrying.close()

    assert retried[0].status_code == 201, retried[0].text  # committed during the read
    assert during.status_code == 200, during.text
    assert during.json() == before.json()
    after = guest.status(token).json()["order"]
    assert (after["status"], after["paid"]) == ("received", True)
    assert after["paid_cents"] == after["total_cents"] > 0
    assert len(tickets(kitchen)) == 1


def test_a_processor_error_charges_nothing_and_makes_no_order(
    guest: Guest, kitchen: Terminal, emulator: Emulator, db: Database
) -> None:
    emulator.fault("error_500")
    key = new_key()

    failed = guest.order(key=key)

    assert failed.status_code == 502, failed.text
    assert failed.json()["error"]["code"] == "processor_error"
    assert tickets(kitchen) == []
    assert count(db, "SELECT count(*) FROM checks WHERE status = 'void'") == 1
    check_id = rows(db, "SELECT check_id FROM guest_orders")[0][0]
    assert charges_of(emulator, check_id) == []
    assert guest.order(key=key).status_code == 502  # final: replayed
    assert guest.order().status_code == 201  # a new tap of Pay is a new attempt


def test_a_key_reused_for_another_order_is_refused(guest: Guest, db: Database) -> None:
    key = new_key()
    assert guest.order(key=key).status_code == 201
    other = guest.order(key=key, name="Someone else")
    assert other.status_code == 422, other.text
    assert count(db, "SELECT count(*) FROM guest_orders") == 1


def test_an_order_key_as_long_as_a_payment_key_is_taken_and_replayed_once(
    guest: Guest, emulator: Emulator, db: Database
) -> None:
    """Any key of 1–255 characters, as for a payment: the longest places one order, charged
    once however often it is sent; one character more is refused with nothing kept."""
    key = "k" * 255
    placed = guest.order(key=key)
    assert placed.status_code == 201, placed.text
    again = guest.order(key=key)
    assert again.status_code == 201, again.text
    assert again.json()["order"]["id"] == placed.json()["order"]["id"]
    check_id = rows(
        db, "SELECT check_id FROM guest_orders WHERE id = :id", id=placed.json()["order"]["id"]
    )[0][0]
    assert len(charges_of(emulator, check_id)) == 1
    too_long = guest.order(key="k" * 256)
    assert too_long.status_code == 400, too_long.text
    assert count(db, "SELECT count(*) FROM guest_orders") == 1


def test_bad_items_are_refused_and_nothing_is_kept(guest: Guest, db: Database) -> None:
    soup = guest.item("Soup of the day")["id"]
    refused = guest.order([{"menu_item_id": soup}])
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "item_86d"
    changed = guest.order(expected_total_cents=1)
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "price_changed"
    assert count(db, "SELECT count(*) FROM checks") == 0
    assert count(db, "SELECT count(*) FROM guest_orders") == 0


def test_a_kiosk_a_manager_started_orders_with_tickets_marked_kiosk(
    live_server: str, manager: Terminal, server: Terminal, kitchen: Terminal
) -> None:
    assert server.post("/kiosks", {"label": "Front"}).status_code == 403
    made = manager.post("/kiosks", {"label": "Front"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    kiosk = httpx.Client(base_url=live_server, timeout=30)
    try:
        menu = kiosk.get(f"/api/v1/kiosk/{token}/menu")
        assert menu.status_code == 200, menu.text
        ipa = next(i for i in menu.json()["items"] if i["name"] == "Draft IPA")
        placed = kiosk.post(
            f"/api/v1/kiosk/{token}/orders",
            json={"items": [{"menu_item_id": ipa["id"]}], "payment_method": "pm_card_visa"},
            headers={"Idempotency-Key": new_key()},
        )
        assert placed.status_code == 201, placed.text
        order = placed.json()["order"]
        assert order["kind"] == "kiosk" and order["pickup_at"] is None
        ticket = next(t for t in tickets(kitchen) if t["check_number"] == order["number"])
        assert ticket["type"] == "kiosk"
        assert ticket["guest_name"] == f"Kiosk #{order['number']}"

        stopped = manager.delete(f"/kiosks/{made.json()['id']}")
        assert stopped.status_code == 200 and stopped.json()["revoked"] is True
        assert kiosk.get(f"/api/v1/kiosk/{token}/menu").status_code == 404
    finally:
        kiosk.close()


def test_staff_cannot_fire_a_guest_order_before_it_is_paid(
    guest: Guest, server: Terminal, emulator: Emulator, db: Database
) -> None:
    emulator.fault("timeout_after_charge")
    assert guest.order().status_code == 504
    check_id = rows(db, "SELECT check_id FROM guest_orders")[0][0]
    refused = server.post(f"/checks/{check_id}/send")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "order_not_paid"
    wait_for(
        lambda: count(db, "SELECT count(*) FROM tickets") == 1,
        what="recovery to settle the order and fire it",
    )
