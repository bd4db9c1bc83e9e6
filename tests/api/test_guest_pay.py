"""Pay at the table (issue 15): a guest's phone, with no staff token, reads the one check its
link names and pays it through the same settlement as a terminal — the same answers, the
same keys, the same table freed in the same transaction — and a link reaches nothing else."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from db_state import audit_actions, changed_tables, execute, snapshot, staff_id
from emulator import Emulator
from fastapi import FastAPI
from sqlalchemy import text
from terminal import Terminal, new_key

from tableside.core.models import utcnow
from tableside.core.unit_of_work import Database
from tableside.guests.limits import GuestLimits


class Phone:
    """A guest's phone on the live server: no staff token, no cookie."""

    def __init__(self, base_url: str, token: str, address: str | None = None) -> None:
        transport = httpx.HTTPTransport(local_address=address) if address else None
        self.http = httpx.Client(base_url=base_url, timeout=30, transport=transport)
        self.token = token

    def check(self, token: str | None = None) -> httpx.Response:
        return self.http.get(f"/api/v1/guest/checks/{token or self.token}")

    def pay(
        self,
        amount_cents: int,
        *,
        tip_cents: int = 0,
        key: str | None = None,
        payment_method: str = "pm_card_visa",
        token: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body = {
            "amount_cents": amount_cents,
            "tip_cents": tip_cents,
            "payment_method": payment_method,
            **extra,
        }
        return self.http.post(
            f"/api/v1/guest/checks/{token or self.token}/payments",
            json=body,
            headers={"Idempotency-Key": key or new_key()},
        )

    def close(self) -> None:
        self.http.close()


def make_link(server: Terminal, check_id: str) -> dict[str, Any]:
    response = server.post(f"/checks/{check_id}/guest-link")
    assert response.status_code == 201, response.text
    link: dict[str, Any] = response.json()
    return link


def a_party_of_three(server: Terminal, label: str = "T5") -> dict[str, Any]:
    check = server.seat(label, guests=3)
    server.ring(check["id"], "Ribeye 12 oz", seat=1, options=["Rare", "Fries"], note="no salt")
    server.ring(check["id"], "Pan-roasted salmon", seat=2, options=["Fries"])
    return server.ring(check["id"], "House red (glass)", seat=3)


@pytest.fixture
def phones(live_server: str) -> Iterator[list[Phone]]:
    opened: list[Phone] = []
    yield opened
    for phone in opened:
        phone.close()


def phone_for(
    phones: list[Phone], live_server: str, token: str, address: str | None = None
) -> Phone:
    phone = Phone(live_server, token, address)
    phones.append(phone)
    return phone


def test_a_guest_link_is_an_unguessable_token_kept_only_as_its_hash(
    server: Terminal, db: Database
) -> None:
    check = a_party_of_three(server)
    link = make_link(server, check["id"])

    token = link["token"]
    assert len(token) >= 43  # 256 random bits, URL-safe
    assert check["id"] not in token
    assert link["url"].endswith(f"/g/{token}")
    assert link["qr_svg"].startswith("<svg") and "</svg>" in link["qr_svg"]
    assert link["expires_at"]
    stored = str(snapshot(db))
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    # Each link is its own: a second one for the same check is another token.
    assert make_link(server, check["id"])["token"] != token


def test_a_guest_sees_the_check_with_its_totals_and_nothing_of_the_staff(
    server: Terminal, manager: Terminal, live_server: str, db: Database, phones: list[Phone]
) -> None:
    check = a_party_of_three(server)
    wine = server.ring(check["id"], "House red (glass)", seat=3)["lines"][-1]
    voided = manager.post(
        f"/checks/{check['id']}/lines/{wine['id']}/void", {"reason": "poured by mistake"}
    )
    assert voided.status_code == 200, voided.text
    staff_view = server.check(check["id"])
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])

    response = phone.check()
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["status"] == "open"
    assert seen["restaurant"]["name"] == "Demo Bistro"
    assert seen["restaurant"]["tip_presets_bp"] == [1500, 1800, 2000]
    for field in ["subtotal_cents", "tax_cents", "total_cents", "paid_cents", "balance_cents"]:
        assert seen[field] == staff_view[field], field
    assert seen["balance_cents"] == staff_view["total_cents"]
    assert [(line["seat"], line["name"]) for line in seen["lines"]] == [
        (1, "Ribeye 12 oz"),
        (2, "Pan-roasted salmon"),
        (3, "House red (glass)"),
    ]
    assert seen["lines"][0]["modifiers"] == [
        {"name": m["name"], "price_cents": m["price_cents"]}
        for m in staff_view["lines"][0]["modifiers"]
    ]
    # Nothing of the staff: no names, no ids, no notes or void reasons, no check id.
    for private in [
        "Sam Rivera",
        "Morgan Ellis",
        staff_id(db, "demo", "Sam Rivera"),
        "no salt",
        "poured by mistake",
        check["id"],
        check["table_id"],
    ]:
        assert private not in response.text, private


def test_a_guest_pays_the_whole_balance_and_the_answer_already_shows_the_table_free(
    server: Terminal, live_server: str, emulator: Emulator, db: Database, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T6")
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    seq = server.get("/events").json()["last_seq"]

    paid = phone.pay(check["total_cents"], tip_cents=900)
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert body["payment"]["status"] == "captured"
    assert (body["payment"]["tender"], body["payment"]["tip_cents"]) == ("card", 900)
    assert body["check"]["status"] == "closed"
    assert body["table"] == {"id": check["table_id"], "status": "available"}
    # Committed: the floor agrees, and the processor holds one charge of amount + tip.
    assert server.table("T6")["status"] == "available"
    charges = emulator.charges_for(check["id"])
    assert [(c["amount"], c["status"]) for c in charges] == [
        (check["total_cents"] + 900, "succeeded")
    ]
    # The terminals are told, as for any payment.
    events = server.get("/events", params={"after": seq}).json()["events"]
    captured = [e for e in events if e["type"] == "payment.captured"]
    assert [e["data"]["check_id"] for e in captured] == [check["id"]]
    assert {"check.updated", "table.updated"} <= {e["type"] for e in events}
    # Taken by the restaurant's guest stand-in, a staff record that cannot log in.
    payment_id = body["payment"]["id"]
    with db.engine.connect() as conn:
        taker, name, active = conn.execute(
            text(
                "SELECT s.id, s.name, s.active FROM payments p JOIN staff s"
                " ON s.id = p.created_by WHERE p.id = :id"
            ),
            {"id": payment_id},
        ).one()
    assert (name, bool(active)) == ("Guest (pay at table)", False)
    assert ("payment.captured", taker) in audit_actions(db, payment_id)
    assert "Guest (pay at table)" not in str(server.get("/staff").json())


def test_a_guest_payment_answers_exactly_as_a_terminal_payment(
    server: Terminal, live_server: str, emulator: Emulator, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T7")
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    key = new_key()

    first = phone.pay(1000, tip_cents=150, key=key)
    assert first.status_code == 201, first.text
    by_terminal = server.pay(check["id"], 1000, tender="card", tip_cents=150)
    assert by_terminal.status_code == 201, by_terminal.text
    assert set(first.json()) == set(by_terminal.json()) == {"payment", "check", "table"}
    assert set(first.json()["payment"]) == set(by_terminal.json()["payment"])
    assert set(first.json()["check"]) == set(by_terminal.json()["check"])

    # The same key replays the first answer byte for byte and charges nothing more.
    again = phone.pay(1000, tip_cents=150, key=key)
    assert (again.status_code, again.content) == (201, first.content)
    assert len(emulator.charges_for(first.json()["payment"]["id"])) == 1
    # The same key with another body is refused; no key at all is a 400.
    other = phone.pay(1200, tip_cents=150, key=key)
    assert other.status_code == 422, other.text
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    no_key = phone.http.post(
        f"/api/v1/guest/checks/{phone.token}/payments",
        json={"amount_cents": 100, "payment_method": "pm_card_visa"},
    )
    assert no_key.status_code == 400, no_key.text
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    # More than is left, a bad amount, cash: 422, nothing taken.
    left = server.check(check["id"])["balance_cents"]
    for refused in [
        phone.pay(left + 1),
        phone.pay(0),
        phone.pay(100, tender="cash"),
        phone.pay(100, cash_tendered_cents=100),
    ]:
        assert refused.status_code == 422, refused.text
    assert server.check(check["id"])["paid_cents"] == 2000


def test_a_guest_pays_their_seat_of_a_split_check(
    server: Terminal, live_server: str, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T8")
    split = server.put(f"/checks/{check['id']}/split", {"kind": "by_seat"})
    assert split.status_code == 200, split.text
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    parts = phone.check().json()["split"]["parts"]
    assert [p["label"] for p in parts] == ["Seat 1", "Seat 2", "Seat 3"]
    seat_2 = parts[1]

    too_much = phone.pay(seat_2["amount_cents"] + 1, split_part=2)
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "amount_exceeds_split_part"
    paid = phone.pay(seat_2["amount_cents"], split_part=2)
    assert paid.status_code == 201, paid.text
    assert paid.json()["check"]["status"] == "open"
    assert paid.json()["table"]["status"] == "occupied"

    after = phone.check().json()
    assert [(p["part"], p["left_cents"], p["paid"]) for p in after["split"]["parts"]] == [
        (1, parts[0]["amount_cents"], False),
        (2, 0, True),
        (3, parts[2]["amount_cents"], False),
    ]
    assert after["balance_cents"] == check["total_cents"] - seat_2["amount_cents"]
    assert [(p["amount_cents"], p["split_part"]) for p in after["payments"]] == [
        (seat_2["amount_cents"], 2)
    ]


def test_once_the_check_is_closed_the_link_shows_it_paid_and_refuses_payments(
    server: Terminal, live_server: str, db: Database, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T9")
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    assert server.pay(check["id"], check["total_cents"]).status_code == 201  # cash

    shown = phone.check()
    assert shown.status_code == 200, shown.text
    receipt = shown.json()
    assert (receipt["status"], receipt["balance_cents"]) == ("closed", 0)
    assert receipt["paid_cents"] == check["total_cents"]
    assert len(receipt["lines"]) == 3
    refused = phone.pay(100)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "check_not_open"
    # No new link for a closed check either.
    again = server.post(f"/checks/{check['id']}/guest-link")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "check_not_open")

    # The receipt stays for a day after the check closed, then the link ends.
    closed_at = utcnow() - timedelta(hours=23)
    execute(db, "UPDATE checks SET closed_at = :at WHERE id = :id", at=closed_at, id=check["id"])
    assert phone.check().status_code == 200
    closed_at = utcnow() - timedelta(hours=25)
    execute(db, "UPDATE checks SET closed_at = :at WHERE id = :id", at=closed_at, id=check["id"])
    assert phone.check().status_code == 404


def test_a_revoked_or_expired_link_answers_404_and_a_new_one_works(
    server: Terminal, live_server: str, db: Database, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T10")
    first = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    second = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    assert first.check().status_code == second.check().status_code == 200

    revoked = server.http.delete(f"/api/v1/checks/{check['id']}/guest-link")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {"check_id": check["id"], "revoked": 2}
    for phone in (first, second):
        for response in (phone.check(), phone.pay(100)):
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "not_found"
    assert server.check(check["id"])["paid_cents"] == 0
    assert ("guest_link.revoked", staff_id(db, "demo", "Sam Rivera")) in audit_actions(
        db, check["id"]
    )

    fresh = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    assert fresh.check().status_code == 200
    execute(
        db,
        "UPDATE guest_links SET expires_at = :at WHERE revoked_at IS NULL",
        at=utcnow() - timedelta(seconds=1),
    )
    expired = fresh.check()
    assert expired.status_code == 404
    # Unknown, revoked and expired links are told apart by nobody.
    assert expired.json() == first.check().json() == fresh.check(secrets.token_urlsafe(32)).json()


def test_a_link_shows_only_its_own_check_and_another_restaurant_gets_nothing(
    server: Terminal, live_server: str, db: Database, phones: list[Phone]
) -> None:
    ours = a_party_of_three(server, "T11")
    neighbours = server.seat("T12", guests=2)
    server.ring(neighbours["id"], "Mushroom risotto", seat=1)
    them = Terminal(live_server, "demo2", "9999")
    theirs = them.seat("T1", guests=2)
    them.ring(theirs["id"], "Draft IPA", seat=1)

    phone = phone_for(phones, live_server, make_link(server, ours["id"])["token"])
    seen = phone.check().text
    assert "Mushroom risotto" not in seen and "Draft IPA" not in seen
    # A staff token sent along changes nothing: the link alone says which check.
    with_token = phone.http.get(
        f"/api/v1/guest/checks/{phone.token}", headers={"Authorization": f"Bearer {them.token}"}
    )
    assert with_token.json() == phone.check().json()

    # demo2's staff cannot make (or stop) links to demo's checks.
    before = snapshot(db)
    for response in [
        them.post(f"/checks/{ours['id']}/guest-link"),
        them.http.delete(f"/api/v1/checks/{ours['id']}/guest-link"),
    ]:
        assert response.status_code == 404, response.text
    assert changed_tables(before, snapshot(db)) == []
    # demo2's own link shows demo2's check, in demo2's name.
    their_phone = phone_for(phones, live_server, make_link(them, theirs["id"])["token"])
    their_view = their_phone.check().json()
    assert their_view["restaurant"]["name"] != "Demo Bistro"
    assert [line["name"] for line in their_view["lines"]] == ["Draft IPA"]
    assert "Ribeye" not in str(their_view)


def test_guessing_tokens_gets_404s_and_then_429_for_that_device_only(
    server: Terminal, live_server: str, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T4")
    token = make_link(server, check["id"])["token"]
    guesser = phone_for(phones, live_server, token, address="127.0.0.2")
    answers = [guesser.check(secrets.token_urlsafe(32)).status_code for _ in range(20)]
    answers += [guesser.check("not-even-a-token").status_code]
    assert answers == [404] * 20 + [429]
    blocked = guesser.check(token)  # even a real link, from that device
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_requests"
    assert guesser.pay(100).status_code == 429
    # Another device with the link is served.
    guest = phone_for(phones, live_server, token, address="127.0.0.3")
    assert guest.check().status_code == 200
    assert guest.pay(100).status_code == 201


def test_too_many_requests_from_one_device_or_for_one_restaurant_get_429(
    server: Terminal, live_server: str, server_app: FastAPI, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T3")
    token = make_link(server, check["id"])["token"]
    server_app.state.guest_limits = GuestLimits(client_per_minute=5, restaurant_per_minute=8)
    try:
        busy = phone_for(phones, live_server, token, address="127.0.0.4")
        assert [busy.check().status_code for _ in range(6)] == [200] * 5 + [429]
        others = [phone_for(phones, live_server, token, address=f"127.0.0.{i}") for i in (5, 6)]
        answers = [phone.check().status_code for phone in others for _ in range(3)]
        assert answers == [200, 200, 200, 429, 429, 429]  # the restaurant's 8 are used up
        assert server.check(check["id"])["status"] == "open"  # staff are never limited
    finally:
        server_app.state.guest_limits = GuestLimits()


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("decline", 402, "card_declined"), ("error_500", 502, "processor_error")],
)
def test_a_declined_or_failed_card_leaves_the_check_unchanged(
    server: Terminal,
    live_server: str,
    emulator: Emulator,
    phones: list[Phone],
    fault: str,
    status: int,
    code: str,
) -> None:
    check = a_party_of_three(server, "T2")
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    emulator.fault(fault, count=5)
    key = new_key()

    failed = phone.pay(check["total_cents"], key=key)
    assert failed.status_code == status, failed.text
    assert failed.json()["error"]["code"] == code
    replayed = phone.pay(check["total_cents"], key=key)
    assert (replayed.status_code, replayed.content) == (status, failed.content)
    assert emulator.charges_for(check["id"]) == []
    seen = phone.check().json()
    assert (seen["status"], seen["paid_cents"], seen["payments"]) == ("open", 0, [])
    assert server.table("T2")["status"] == "occupied"


def test_after_a_timeout_the_guest_retries_with_the_same_key_and_is_charged_once(
    server: Terminal, live_server: str, emulator: Emulator, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T1")
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    emulator.fault("timeout_after_charge")
    key = new_key()

    first = phone.pay(check["total_cents"], tip_cents=500, key=key)
    assert first.status_code == 504, first.text
    assert first.json()["error"]["code"] == "processor_timeout"
    pending = phone.check().json()
    assert (pending["status"], pending["paid_cents"], pending["payable_cents"]) == ("open", 0, 0)
    assert [p["status"] for p in pending["payments"]] == ["pending"]

    retry = phone.pay(check["total_cents"], tip_cents=500, key=key)
    if retry.status_code == 409:  # the background recovery was finishing it this instant
        retry = phone.pay(check["total_cents"], tip_cents=500, key=key)
    assert retry.status_code == 201, retry.text
    assert retry.json()["payment"]["id"] == first.json()["error"]["payment_id"]
    assert retry.json()["check"]["status"] == "closed"
    assert len(emulator.charges_for(check["id"])) == 1


def test_only_floor_staff_make_links(kitchen: Terminal, server: Terminal) -> None:
    check = a_party_of_three(server, "T3")
    for response in [
        kitchen.post(f"/checks/{check['id']}/guest-link"),
        kitchen.http.delete(f"/api/v1/checks/{check['id']}/guest-link"),
    ]:
        assert response.status_code == 403, response.text
    anonymous = httpx.post(f"{server.base_url}/api/v1/checks/{check['id']}/guest-link")
    assert anonymous.status_code == 401


def test_a_guest_key_is_scoped_like_a_terminal_key(
    server: Terminal, live_server: str, phones: list[Phone]
) -> None:
    """A key used at a terminal and then by a guest (or the reverse) for another body is the
    same key, refused, as two terminals reusing one would be."""
    check = a_party_of_three(server, "T5")
    phone = phone_for(phones, live_server, make_link(server, check["id"])["token"])
    key = f"shared-{uuid.uuid4()}"
    assert server.pay(check["id"], 500, key=key).status_code == 201  # cash
    reused = phone.pay(500, key=key)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_the_guest_page_opens_from_the_link_alone_and_a_dead_link_is_a_404_page(
    server: Terminal, live_server: str, phones: list[Phone]
) -> None:
    check = a_party_of_three(server, "T6")
    link = make_link(server, check["id"])
    phone = phone_for(phones, live_server, link["token"], address="127.0.0.7")

    page = phone.http.get(link["url"].removeprefix(live_server))
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "Demo Bistro" in page.text and "Ribeye 12 oz" in page.text
    assert "Sam Rivera" not in page.text and "no salt" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    dead = phone.http.get(f"/g/{secrets.token_urlsafe(32)}")
    assert dead.status_code == 404
    assert "does not work any more" in dead.text
