"""Split checks paid part by part, mixed tenders, and refunds by a manager."""

from __future__ import annotations

from typing import Any

import httpx
from emulator import Emulator
from terminal import Terminal, new_key


def party_of_three(server: Terminal) -> dict[str, Any]:
    check = server.seat("T9", guests=3)
    server.ring(check["id"], "Mushroom risotto", seat=1)
    server.ring(check["id"], "Roast half chicken", seat=2, options=["Side salad"])
    server.ring(check["id"], "Old fashioned", seat=3, quantity=2)
    return server.ring(check["id"], "Truffle fries", seat=0)


def split(server: Terminal, check_id: str, **body: Any) -> httpx.Response:
    return server.put(f"/checks/{check_id}/split", body)


def test_an_even_split_adds_up_to_the_cent_and_frees_the_table_only_after_the_last_part(
    server: Terminal,
) -> None:
    check = party_of_three(server)
    response = split(server, check["id"], kind="evenly", ways=3)
    assert response.status_code == 200, response.text
    parts = response.json()["split"]["parts"]
    assert sum(p["amount_cents"] for p in parts) == check["total_cents"]
    assert max(p["amount_cents"] for p in parts) - min(p["amount_cents"] for p in parts) <= 1
    tenders = ["card", "cash", "card"]
    for part, tender in zip(parts, tenders, strict=True):
        assert server.table("T9")["status"] == "occupied"
        paid = server.pay(check["id"], part["amount_cents"], tender=tender, split_part=part["part"])
        assert paid.status_code == 201, paid.text
    final = paid.json()
    assert final["check"]["status"] == "closed"
    assert final["table"]["status"] == "available"
    assert all(p["paid"] for p in final["check"]["split"]["parts"])


def test_a_split_by_seat_shares_the_shared_plate_and_sums_to_the_total(server: Terminal) -> None:
    check = party_of_three(server)
    response = split(server, check["id"], kind="by_seat")
    assert response.status_code == 200, response.text
    parts = response.json()["split"]["parts"]
    assert [p["label"] for p in parts] == ["Seat 1", "Seat 2", "Seat 3"]
    assert sum(p["amount_cents"] for p in parts) == check["total_cents"]
    # Seat 3's two old fashioneds are the largest share.
    assert parts[2]["amount_cents"] == max(p["amount_cents"] for p in parts)


def test_a_custom_split_must_add_up(server: Terminal) -> None:
    check = party_of_three(server)
    total = check["total_cents"]
    wrong = split(server, check["id"], kind="custom", amounts=[1000, total - 999])
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "split_does_not_add_up"
    right = split(server, check["id"], kind="custom", amounts=[1000, total - 1000])
    assert right.status_code == 200
    over = server.pay(check["id"], 1001, split_part=1)
    assert over.status_code == 422
    assert over.json()["error"]["code"] == "amount_exceeds_split_part"


def test_ringing_another_item_drops_a_split_that_no_longer_adds_up(server: Terminal) -> None:
    check = party_of_three(server)
    split(server, check["id"], kind="evenly", ways=2)
    after = server.ring(check["id"], "Espresso", seat=1)
    assert after["split"] is None


def test_a_new_split_after_seats_were_paid_shows_what_is_still_owed_as_unpaid(
    server: Terminal,
) -> None:
    check = party_of_three(server)
    by_seat = split(server, check["id"], kind="by_seat").json()["split"]["parts"]
    for part in by_seat[:2]:  # seats 1 and 2, the expensive ones
        paid = server.pay(check["id"], part["amount_cents"], split_part=part["part"])
        assert paid.status_code == 201, paid.text
    assert split(server, check["id"], kind="none").json()["split"] is None
    left = server.check(check["id"])["balance_cents"]

    evenly = split(server, check["id"], kind="evenly", ways=2).json()
    parts = evenly["split"]["parts"]
    assert [p["paid"] for p in parts] == [False, False]
    assert [p["paid_cents"] for p in parts] == [0, 0]
    assert sum(p["left_cents"] for p in parts) == left == evenly["balance_cents"]

    first = server.pay(check["id"], parts[0]["amount_cents"], split_part=1)
    assert first.status_code == 201, first.text
    after = first.json()["check"]
    assert [p["paid"] for p in after["split"]["parts"]] == [True, False]
    assert after["split"]["parts"][1]["left_cents"] == after["balance_cents"]
    assert server.table("T9")["status"] == "occupied"
    last = server.pay(check["id"], parts[1]["amount_cents"], split_part=2)
    assert last.json()["check"]["status"] == "closed"
    assert last.json()["table"]["status"] == "available"


def test_an_amount_paid_outside_a_split_ends_it(server: Terminal) -> None:
    check = party_of_three(server)
    split(server, check["id"], kind="evenly", ways=3)
    paid = server.pay(check["id"], 500)
    assert paid.status_code == 201, paid.text
    assert paid.json()["check"]["split"] is None
    stale = server.pay(check["id"], 100, split_part=1)
    assert stale.status_code == 422
    assert stale.json()["error"]["code"] == "no_split"


def test_a_manager_refunds_part_of_a_card_payment_once_however_often_asked(
    server: Terminal, manager: Terminal, emulator: Emulator
) -> None:
    check = party_of_three(server)
    paid = server.pay(check["id"], check["total_cents"], tender="card", tip_cents=200)
    payment_id = paid.json()["payment"]["id"]
    key = new_key()
    refund = manager.refund(payment_id, 500, key=key)
    assert refund.status_code == 201, refund.text
    assert refund.json()["refund"]["payment_id"] == payment_id
    assert refund.json()["refund"]["status"] == "succeeded"
    again = manager.refund(payment_id, 500, key=key)
    assert again.json()["refund"]["id"] == refund.json()["refund"]["id"]
    [charge] = emulator.charges_for(check["id"])
    assert charge["amount_refunded"] == 500
    # The check stays closed and the table free: a refund is money back, not a reopening.
    assert server.check(check["id"])["status"] == "closed"
    assert server.table("T9")["status"] == "available"
    too_much = manager.refund(payment_id, check["total_cents"] + 200 - 500 + 1)
    assert too_much.status_code == 422


def test_only_a_manager_can_refund(server: Terminal) -> None:
    check = party_of_three(server)
    paid = server.pay(check["id"], 1000)
    response = server.refund(paid.json()["payment"]["id"], 100)
    assert response.status_code == 403


def test_a_cash_refund_comes_out_of_the_drawer_at_once(server: Terminal, manager: Terminal) -> None:
    check = party_of_three(server)
    paid = server.pay(check["id"], 1000)
    response = manager.refund(paid.json()["payment"]["id"], 1000)
    assert response.status_code == 201
    assert response.json()["payment"]["refunded_cents"] == 1000
