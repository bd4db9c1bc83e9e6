"""The check: lines by seat, discounts, service charge, tax and what is left to pay.

Totals are computed, never stored, from the lines, discounts and captured payments, so a
check cannot disagree with itself. See ``money`` for the single rounding rule. How prices
are read (tax added on top, or included in them) and the service charge are the check's
own, taken when it was opened (``Pricing``): changing the restaurant's settings never
changes a check already open.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tableside.core.errors import Conflict, InvalidRequest
from tableside.core.money import BASIS_POINTS, allocate, format_cents, included_in, percent_of

SHARED_SEAT = 0
MAX_SEAT = 99
MAX_QUANTITY = 100


class CheckStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    VOID = "void"


class CheckType(enum.StrEnum):
    """How the guests are served: at a table, or not (then the check has no table)."""

    DINE_IN = "dine_in"
    TAKEOUT = "takeout"
    ONLINE = "online"
    KIOSK = "kiosk"


# A check of these types is a guest's own order (online, kiosk): its lines wait until it is
# paid in full, and the payment that settles it fires them to the kitchen in the same
# transaction; a card declined or failed on it calls the order off (the check is void).
HELD_UNTIL_PAID = frozenset({CheckType.ONLINE, CheckType.KIOSK})


class DiscountKind(enum.StrEnum):
    AMOUNT = "amount"
    PERCENT = "percent"


@dataclass(frozen=True)
class LineAmount:
    """What a rung line costs: a snapshot of menu prices taken when it was rung."""

    id: str
    seat: int
    quantity: int
    unit_price_cents: int
    modifiers_cents: int  # sum of the chosen options' prices, per unit
    voided: bool = False
    tax_rate_bp: int | None = None  # the rate it was rung at; None: the check's default rate

    @property
    def total_cents(self) -> int:
        return 0 if self.voided else self.quantity * (self.unit_price_cents + self.modifiers_cents)


@dataclass(frozen=True)
class Discount:
    """A discount or comp: on one line (``line_id``) or on the whole check."""

    id: str
    kind: DiscountKind
    value: int  # cents for AMOUNT, basis points for PERCENT (10000 = comp in full)
    line_id: str | None = None


@dataclass(frozen=True)
class Pricing:
    """How a check's prices add up, fixed when the check is opened.

    ``tax_rate_bp``: the rate of a line rung without one. ``prices_include_tax``: prices
    hold their tax (tax is shown, not added). ``service_charge_bp``: the service charge of
    this party (0: none), of what the lines come to after discounts, never taxed.
    """

    tax_rate_bp: int
    prices_include_tax: bool = False
    service_charge_bp: int = 0


@dataclass(frozen=True)
class CheckTotals:
    subtotal_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int
    paid_cents: int
    tip_cents: int
    balance_cents: int
    service_charge_cents: int = 0
    tax_included: bool = False  # tax_cents is held in the prices, not added to them


def service_charge_bp_for(guests: int, rate_bp: int, min_guests: int | None) -> int:
    """The service charge a party of ``guests`` carries under a restaurant's rule (0: none)."""
    if rate_bp <= 0 or min_guests is None or guests < min_guests:
        return 0
    return rate_bp


def validate_discount(kind: DiscountKind, value: int) -> None:
    if kind is DiscountKind.PERCENT and not 0 < value <= 10_000:
        raise InvalidRequest("A percent discount is between 0.01 % and 100 % (1 to 10000 bp).")
    if kind is DiscountKind.AMOUNT and value <= 0:
        raise InvalidRequest("A discount amount must be more than zero cents.")


def validate_seat_and_quantity(seat: int, quantity: int) -> None:
    if not SHARED_SEAT <= seat <= MAX_SEAT:
        raise InvalidRequest(f"Seat must be between 0 (shared) and {MAX_SEAT}.")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidRequest(f"Quantity must be between 1 and {MAX_QUANTITY}.")


def _discount_amount(discount: Discount, base_cents: int) -> int:
    if discount.kind is DiscountKind.PERCENT:
        return min(base_cents, percent_of(base_cents, discount.value))
    return min(base_cents, discount.value)


def line_net_amounts(lines: Sequence[LineAmount], discounts: Sequence[Discount]) -> dict[str, int]:
    """Each line's amount after its own discounts (never below zero)."""
    net = {line.id: line.total_cents for line in lines}
    for discount in discounts:
        if discount.line_id is not None and discount.line_id in net:
            net[discount.line_id] -= _discount_amount(discount, net[discount.line_id])
    return net


def check_discount_amounts(
    lines: Sequence[LineAmount], discounts: Sequence[Discount]
) -> dict[str, int]:
    """What each check discount (``line_id is None``) takes off, in the order given.

    Check discounts apply after line discounts, each to what the ones before it left.
    """
    remaining = sum(line_net_amounts(lines, discounts).values())
    taken: dict[str, int] = {}
    for discount in discounts:
        if discount.line_id is None:
            taken[discount.id] = _discount_amount(discount, remaining)
            remaining -= taken[discount.id]
    return taken


def discountable_cents(
    lines: Sequence[LineAmount], discounts: Sequence[Discount], line_id: str | None = None
) -> int:
    """What a new discount could still take off: the line's amount after its own discounts,
    or (for a check discount) what is left of the check after every discount so far."""
    net = line_net_amounts(lines, discounts)
    if line_id is not None:
        return net.get(line_id, 0)
    return sum(net.values()) - sum(check_discount_amounts(lines, discounts).values())


def validate_new_discount(
    lines: Sequence[LineAmount], discounts: Sequence[Discount], new: Discount
) -> None:
    """A discount takes off at most what is left of its line or check, and never nothing.

    Amount discounts take exactly their value; percentages apply to what is left.
    """
    validate_discount(new.kind, new.value)
    left = discountable_cents(lines, discounts, new.line_id)
    what = "this line" if new.line_id is not None else "this check"
    if left == 0:
        raise InvalidRequest(
            f"There is nothing left to discount on {what}.", code="discount_exceeds_amount"
        )
    if _discount_amount(new, left) == 0:
        raise InvalidRequest(
            f"This discount rounds to nothing on {what} ({format_cents(left)} left).",
            code="discount_too_small",
        )
    if new.kind is DiscountKind.AMOUNT and new.value > left:
        raise InvalidRequest(
            f"The discount ({format_cents(new.value)}) is more than what is left on {what}"
            f" ({format_cents(left)}).",
            code="discount_exceeds_amount",
        )


def taxable_by_rate(
    lines: Sequence[LineAmount], discounts: Sequence[Discount], default_rate_bp: int
) -> dict[int, int]:
    """What is taxed at each rate: each line's amount after its own discounts and its share of
    the check discounts (spread in proportion to what each line has left, largest remainder).
    """
    net = line_net_amounts(lines, discounts)
    live = [line for line in lines if net[line.id] > 0]
    if not live:
        return {}
    check_off = sum(check_discount_amounts(lines, discounts).values())
    shares = allocate(check_off, [net[line.id] for line in live])
    by_rate: dict[int, int] = {}
    for line, off in zip(live, shares, strict=True):
        rate = default_rate_bp if line.tax_rate_bp is None else line.tax_rate_bp
        by_rate[rate] = by_rate.get(rate, 0) + net[line.id] - off
    return by_rate


def tax_by_rate(
    lines: Sequence[LineAmount],
    discounts: Sequence[Discount],
    default_rate_bp: int,
    prices_include_tax: bool = False,
) -> dict[int, int]:
    """The tax at each rate, rounded half up once per rate (``money``).

    Tax added on top: ``rate × taxed``. Tax included in the prices: the part of what is taxed
    at the rate that is tax, ``taxed × rate / (10000 + rate)``; ``taxed − tax`` is what those
    lines come to before tax, so the two add back up to ``taxed`` exactly.
    """
    tax_of = included_in if prices_include_tax else percent_of
    return {
        rate: tax_of(amount, rate)
        for rate, amount in taxable_by_rate(lines, discounts, default_rate_bp).items()
    }


def compute_totals(
    lines: Sequence[LineAmount],
    discounts: Sequence[Discount],
    pricing: Pricing | int,
    captured: Sequence[tuple[int, int]] = (),
) -> CheckTotals:
    """Totals of a check. ``captured`` is (amount, tip) of each captured payment; ``pricing``
    is the check's (a bare rate: tax added on top, no service charge).

    Line discounts apply first, to their line; check discounts then apply in order to what
    is left. Each line is taxed at the rate it was rung at (the default for lines without
    one), once per rate (``tax_by_rate``). The service charge is its rate of what is left
    after discounts, rounded half up, and is not taxed.

    Tax added: ``subtotal − discount + service_charge + tax = total``.
    Tax included: ``subtotal − discount + service_charge = total``, and ``tax`` is the part
    of it that is tax. Either way ``balance = total − paid``; tips are never part of the
    balance. Voided lines count zero and no discount goes below zero.
    """
    if isinstance(pricing, int):
        pricing = Pricing(pricing)
    subtotal = sum(line.total_cents for line in lines)
    after_lines = sum(line_net_amounts(lines, discounts).values())
    remaining = after_lines - sum(check_discount_amounts(lines, discounts).values())
    tax = sum(
        tax_by_rate(lines, discounts, pricing.tax_rate_bp, pricing.prices_include_tax).values()
    )
    service = percent_of(remaining, pricing.service_charge_bp)
    total = remaining + service + (0 if pricing.prices_include_tax else tax)
    paid = sum(amount for amount, _ in captured)
    tips = sum(tip for _, tip in captured)
    return CheckTotals(
        subtotal_cents=subtotal,
        discount_cents=subtotal - remaining,
        tax_cents=tax,
        total_cents=total,
        paid_cents=paid,
        tip_cents=tips,
        balance_cents=total - paid,
        service_charge_cents=service,
        tax_included=pricing.prices_include_tax,
    )


def seat_shares(
    lines: Sequence[LineAmount], discounts: Sequence[Discount], pricing: Pricing | int
) -> dict[int, int]:
    """What each seat owes of the check's total; the shares add up to the total exactly.

    Shared-seat (0) lines are spread evenly over the seats that ordered; the total (after
    check discounts, with tax and service charge) is spread in proportion to what each
    seat's lines come to with their own tax rates (largest remainder).
    """
    if isinstance(pricing, int):
        pricing = Pricing(pricing)
    totals = compute_totals(lines, discounts, pricing)
    net = line_net_amounts(lines, discounts)
    by_seat: dict[int, int] = {}
    for line in lines:
        if not line.voided:
            rate = pricing.tax_rate_bp if line.tax_rate_bp is None else line.tax_rate_bp
            # In hundredths of a cent: the line with its tax (already in its price when
            # prices include tax), before check discounts.
            weight = net[line.id] * (BASIS_POINTS + (0 if pricing.prices_include_tax else rate))
            by_seat[line.seat] = by_seat.get(line.seat, 0) + weight
    shared = by_seat.pop(SHARED_SEAT, 0)
    seats = sorted(by_seat) or [SHARED_SEAT]
    for seat, part in zip(seats, allocate(shared, [1] * len(seats)), strict=True):
        by_seat[seat] = by_seat.get(seat, 0) + part
    parts = allocate(totals.total_cents, [by_seat[seat] for seat in seats])
    return dict(zip(seats, parts, strict=True))


def require_open(status: CheckStatus) -> None:
    if status is not CheckStatus.OPEN:
        raise Conflict(
            f"This check is {status.value}; it can no longer be changed.", code="check_not_open"
        )


GUEST_NAME_MAX = 80
GUEST_PHONE_MAX = 32
_PHONE_CHARACTERS = frozenset("0123456789+-(). ")
# A guest's name and phone, as the OpenAPI document says them (JSON Schema patterns, the
# same in ECMA's regular expressions and Python's): no control character but the blanks,
# which are runs of BLANKS and read as one space. The server's own rules below are these.
_CONTROLS = r"\x00-\x08\x0e-\x1f\x7f-\x9f"
BLANKS = r"\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
GUEST_NAME_PATTERN = rf"^[^{_CONTROLS}]*$"
GUEST_NAME_REQUIRED_PATTERN = rf"^[^{_CONTROLS}]*[^{BLANKS}{_CONTROLS}][^{_CONTROLS}]*$"
GUEST_PHONE_PATTERN = rf"^(?:[{BLANKS}]*|(?:[{BLANKS}+().-]*[0-9]){{3}}[{BLANKS}0-9+().-]*)$"
_CONTROL = re.compile(f"[{_CONTROLS}]")
_BLANK_RUN = re.compile(f"[{BLANKS}]+")


def _one_line(text: str | None) -> str | None:
    return _BLANK_RUN.sub(" ", text or "").strip(" ") or None


def guest_of(
    check_type: CheckType, name: str | None, phone: str | None
) -> tuple[str | None, str | None]:
    """The guest a check without a table is for, tidied: its name (one line, spaces
    collapsed) and phone. A takeout is called by its name, so it must have one; a dine-in
    check goes by its table and has none."""
    if _CONTROL.search(name or ""):
        raise InvalidRequest(
            "A guest's name is letters, digits, spaces and punctuation only.", code="invalid_guest"
        )
    if _CONTROL.search(phone or ""):
        raise InvalidRequest(
            "A phone number is digits, spaces and + - ( ) . only.", code="invalid_phone"
        )
    tidy_name, tidy_phone = _one_line(name), _one_line(phone)
    if check_type is CheckType.DINE_IN:
        if tidy_name or tidy_phone:
            raise InvalidRequest(
                "A dine-in check goes by its table; it takes no guest name.", code="invalid_guest"
            )
        return None, None
    if check_type is CheckType.TAKEOUT and tidy_name is None:
        raise InvalidRequest(
            "Type the guest's name: the kitchen and the floor call a takeout by it.",
            code="guest_name_required",
        )
    if tidy_name is not None and len(tidy_name) > GUEST_NAME_MAX:
        raise InvalidRequest(
            f"A guest's name can be at most {GUEST_NAME_MAX} characters.", code="invalid_guest"
        )
    if tidy_phone is not None and (
        len(tidy_phone) > GUEST_PHONE_MAX
        or not set(tidy_phone) <= _PHONE_CHARACTERS
        or sum(c.isdigit() for c in tidy_phone) < 3
    ):
        raise InvalidRequest(
            "A phone number is digits, spaces and + - ( ) . only, at most "
            f"{GUEST_PHONE_MAX} characters.",
            code="invalid_phone",
        )
    return tidy_name, tidy_phone
