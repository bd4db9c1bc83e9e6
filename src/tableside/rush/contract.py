"""What any check or floor a terminal is shown must satisfy (API.md, DESIGN.md): the sums
add up, "closed" means paid in full, a table is occupied exactly when it shows an open
check. Pure functions: each returns the problems it found, as sentences.
"""

from __future__ import annotations

from typing import Any

CHECK_STATUSES = frozenset({"open", "closed", "void"})
FINAL_PAYMENT_STATUSES = frozenset({"captured", "declined", "failed", "voided"})


def check_problems(view: dict[str, Any]) -> list[str]:
    """What is wrong with one check as an answer showed it."""
    problems: list[str] = []
    label = f"check {view.get('id')}"
    try:
        status = view["status"]
        lines = view["lines"]
        payments = view["payments"]
        if status not in CHECK_STATUSES:
            problems.append(f"{label} has status {status!r}")
        for line in lines:
            expected = (
                0
                if line.get("voided")
                else line["quantity"]
                * (line["unit_price_cents"] + sum(m["price_cents"] for m in line["modifiers"]))
            )
            if line["total_cents"] != expected:
                problems.append(
                    f"{label} line {line['id']} totals {line['total_cents']} cents, not "
                    f"{line['quantity']} × ({line['unit_price_cents']} + modifiers) = {expected}"
                )
        subtotal = sum(line["total_cents"] for line in lines)
        if view["subtotal_cents"] != subtotal:
            problems.append(
                f"{label} subtotal {view['subtotal_cents']} is not its lines' {subtotal}"
            )
        total = view["subtotal_cents"] - view["discount_cents"] + view["tax_cents"]
        if view["total_cents"] != total:
            problems.append(
                f"{label} total {view['total_cents']} is not subtotal − discounts + tax = {total}"
            )
        captured = [p for p in payments if p["status"] == "captured"]
        paid = sum(p["amount_cents"] for p in captured)
        if view["paid_cents"] != paid:
            problems.append(f"{label} shows {view['paid_cents']} paid but captured {paid}")
        tips = sum(p["tip_cents"] for p in captured)
        if view["tip_cents"] != tips:
            problems.append(f"{label} shows {view['tip_cents']} tips but captured {tips}")
        if view["balance_cents"] != view["total_cents"] - view["paid_cents"]:
            problems.append(
                f"{label} balance {view['balance_cents']} is not total − paid "
                f"({view['total_cents']} − {view['paid_cents']})"
            )
        if view["paid_cents"] > view["total_cents"]:
            problems.append(
                f"{label} captured {view['paid_cents']}, more than its total {view['total_cents']}"
            )
        reserved = sum(p["amount_cents"] for p in payments if p["status"] == "pending")
        payable = 0 if status != "open" else max(0, view["balance_cents"] - reserved)
        if view["payable_cents"] != payable:
            problems.append(
                f"{label} shows {view['payable_cents']} payable, not balance − pending = {payable}"
            )
        if status == "closed" and view["paid_cents"] != view["total_cents"]:
            problems.append(
                f"{label} is shown closed (paid) with {view['paid_cents']} of "
                f"{view['total_cents']} cents captured"
            )
        if (
            status == "open"
            and view["paid_cents"] > 0
            and view["balance_cents"] <= 0
            and not reserved
        ):
            problems.append(f"{label} is fully paid but still open (its table is held)")
        split = view.get("split")
        if split and status == "open":
            left = sum(part["left_cents"] for part in split["parts"])
            if left > view["payable_cents"]:
                problems.append(
                    f"{label}'s split parts leave {left} cents to pay, more than the "
                    f"{view['payable_cents']} payable"
                )
    except (KeyError, TypeError) as error:
        problems.append(f"{label} is missing a field the contract names: {error!r}")
    return problems


def payment_answer_problems(body: dict[str, Any], sent: dict[str, Any], status: int) -> list[str]:
    """What is wrong with a payment's final answer (201/402/502/504), given what was sent."""
    problems: list[str] = []
    payment = body.get("payment")
    if not isinstance(payment, dict):
        return [f"a {status} payment answer has no payment: {body!r:.200}"]
    expected = {201: {"captured"}, 402: {"declined"}, 502: {"failed", "voided"}, 504: {"pending"}}
    if payment.get("status") not in expected.get(status, {payment.get("status")}):
        problems.append(f"a {status} answer shows payment status {payment.get('status')!r}")
    for name in ("amount_cents", "tip_cents", "tender"):
        if payment.get(name) != sent.get(name):
            problems.append(
                f"payment {payment.get('id')} shows {name} {payment.get(name)!r}, "
                f"{sent.get(name)!r} was sent"
            )
    if status != 201:
        return problems
    if sent["tender"] == "cash":
        change = sent["cash_tendered_cents"] - sent["amount_cents"] - sent["tip_cents"]
        if payment.get("change_cents") != change:
            problems.append(
                f"cash payment {payment.get('id')} gave {payment.get('change_cents')} change, "
                f"not {change}"
            )
    check = body.get("check")
    table = body.get("table")
    if not isinstance(check, dict):
        return [*problems, "a 201 payment answer has no check"]
    problems += check_problems(check)
    shown = {p["id"]: p["status"] for p in check.get("payments", [])}
    if shown.get(payment.get("id")) != "captured":
        problems.append(
            f"payment {payment.get('id')} answered 201 but its check shows it "
            f"{shown.get(payment.get('id'))!r}"
        )
    if check.get("status") == "closed":
        if check.get("balance_cents") != 0:
            problems.append(
                f"check {check.get('id')} answered closed with a balance of "
                f"{check.get('balance_cents')}"
            )
        if table is not None and table.get("status") != "available":
            problems.append(
                f"check {check.get('id')} answered closed but its table is {table.get('status')!r}"
            )
    elif check.get("status") == "open" and table is not None and table.get("status") != "occupied":
        problems.append(
            f"check {check.get('id')} answered open but its table is {table.get('status')!r}"
        )
    if check.get("table_id") is not None and (table or {}).get("id") != check.get("table_id"):
        problems.append(f"check {check.get('id')}'s answer names another table: {table!r}")
    return problems


def floor_problems(tables: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the floor as ``GET /floor`` showed it."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for table in tables:
        label = f"table {table.get('label')}"
        status, check_id = table.get("status"), table.get("check_id")
        if status == "occupied" and check_id is None:
            problems.append(f"{label} is occupied with no open check")
        if status == "available" and check_id is not None:
            problems.append(f"{label} is available but shows check {check_id}")
        if check_id is not None:
            if check_id in seen:
                problems.append(f"check {check_id} is open on {seen[check_id]} and {label}")
            seen[check_id] = label
    return problems
