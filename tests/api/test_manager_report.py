"""The manager's report of the day lists what a manager answers for at close: each void with
who and why, each comp and discount line by line, refunds taking the total down, and each
server's sales and tips."""

from __future__ import annotations

from typing import Any

from terminal import Terminal

APPROVED = {"approval": {"pin": "9999"}}


def pick(row: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(row[key] for key in keys)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_report_lists_voids_comps_refunds_and_each_servers_sales_and_tips(
    server: Terminal, second_server: Terminal, manager: Terminal
) -> None:
    sam, riley = server, second_server
    # Sam's T1: the wine was corked (a manager approves the void on Sam's tablet), the
    # salmon comped, the risotto paid by card with a tip, then $5 refunded for it.
    one = sam.seat("T1", guests=2)
    sam.ring(one["id"], "Pan-roasted salmon", seat=1, options=["Side salad"])  # 2950
    sam.ring(one["id"], "House red (glass)", seat=2)  # 1200
    one = sam.send(one["id"])
    salmon, wine = one["lines"]
    ok(sam.post(f"/checks/{one['id']}/lines/{wine['id']}/void", {"reason": "corked"} | APPROVED))
    ok(
        sam.post(
            f"/checks/{one['id']}/discounts",
            {"kind": "percent", "value": 10_000, "reason": "hair in it", "line_id": salmon["id"]}
            | APPROVED,
        )
    )
    one = sam.ring(one["id"], "Mushroom risotto", seat=2)  # 2200 + 182 tax
    card = ok(sam.pay(one["id"], one["total_cents"], tender="card", tip_cents=400))
    one = card["check"]
    assert (one["status"], one["total_cents"]) == ("closed", 2382)
    ok(sam.refund(card["payment"]["id"], 500, reason="cold risotto", **APPROVED))

    # Riley's T2: 10 % off the check from the manager, cash with a tip.
    two = riley.seat("T2", guests=3)
    riley.ring(two["id"], "Bistro burger", options=["Medium", "Fries"])  # 1795
    two = ok(
        manager.post(
            f"/checks/{two['id']}/discounts",
            {"kind": "percent", "value": 1000, "reason": "regulars"},
        )
    )
    two = ok(riley.pay(two["id"], two["total_cents"], tender="cash", tip_cents=100))["check"]
    assert two["status"] == "closed"

    # Sam's T3, still open: a glass rung by mistake comes off before the kitchen has it.
    three = sam.seat("T3")
    three = sam.ring(three["id"], "House red (glass)")
    ok(sam.post(f"/checks/{three['id']}/lines/{three['lines'][0]['id']}/void", {}))

    day = ok(manager.get("/reports/day"))

    assert [
        pick(v, "table_label", "item", "amount_cents", "sent", "reason", "voided_by", "approved_by")
        for v in day["voids"]
    ] == [
        ("T1", "House red (glass)", 1200, True, "corked", "Sam Rivera", "Morgan Ellis"),
        ("T3", "House red (glass)", 1200, False, "removed before sending", "Sam Rivera", None),
    ]
    assert sorted(
        pick(d, "table_label", "item", "comp", "amount_cents", "reason", "given_by", "approved_by")
        for d in day["discounts"]
    ) == [
        ("T1", "Pan-roasted salmon", True, 2950, "hair in it", "Sam Rivera", "Morgan Ellis"),
        ("T2", None, False, 180, "regulars", "Morgan Ellis", None),  # 10 % of 1795, half up
    ]
    assert sum(d["amount_cents"] for d in day["discounts"]) == day["discounts_cents"]
    assert [
        pick(r, "table_label", "tender", "amount_cents", "reason", "refunded_by", "approved_by")
        for r in day["refunds_given"]
    ] == [("T1", "card", 500, "cold risotto", "Sam Rivera", "Morgan Ellis")]

    # Refunds take the total down.
    assert day["total_cents"] == one["total_cents"] + two["total_cents"]
    assert day["refunds"] == {"count": 1, "amount_cents": 500}
    assert day["net_cents"] == day["total_cents"] - 500

    servers = {s["name"]: s for s in day["servers"]}
    assert list(servers) == ["Riley Chen", "Sam Rivera"]
    figures = ["checks_closed", "covers", "sales_cents", "discounts_cents", "total_cents"]
    assert [servers["Sam Rivera"][k] for k in [*figures, "tips_cents"]] == [
        1,
        2,
        one["subtotal_cents"],
        2950,
        2382,
        400,
    ]
    assert [servers["Riley Chen"][k] for k in [*figures, "tips_cents"]] == [
        1,
        3,
        1795,
        180,
        two["total_cents"],
        100,
    ]
    for key in figures:
        assert sum(s[key] for s in day["servers"]) == day[key]
    assert sum(s["tips_cents"] for s in day["servers"]) == day["tips_cents"]


def test_a_day_with_no_voids_comps_or_refunds_lists_none(manager: Terminal) -> None:
    day = ok(manager.get("/reports/day"))
    assert (day["voids"], day["discounts"], day["refunds_given"], day["servers"]) == (
        [],
        [],
        [],
        [],
    )
    assert day["net_cents"] == 0
