"""The store keeps the invariants itself, on SQLite and on PostgreSQL.

Each test talks to the real database through the unit of work (or, to prove the schema
refuses what the services never send, straight through a session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from harness import at_once
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tableside.checks import service as checks
from tableside.checks.repository import Checks
from tableside.core import models as m
from tableside.core.access import Principal, Role
from tableside.core.errors import Conflict
from tableside.core.unit_of_work import Database
from tableside.floor import service as floor
from tableside.menu.repository import Menu
from tableside.realtime.repository import Events
from tableside.restaurants.repository import Restaurants


def principal(db: Database, slug: str = "demo", name: str = "Sam Rivera") -> Principal:
    with db.reader() as uow:
        restaurant = Restaurants.of(uow).by_slug(slug)
        assert restaurant is not None
        staff = uow.session.scalars(
            select(m.Staff).where(m.Staff.restaurant_id == restaurant.id, m.Staff.name == name)
        ).one()
        return Principal(restaurant.id, staff.id, Role(staff.role), staff.name)


def table_ids(db: Database, who: Principal) -> list[str]:
    with db.reader(who.restaurant_id) as uow:
        return [table.id for table in floor.plan(uow).tables]


def count(db: Database, model: Any, **filters: Any) -> int:
    with db.reader() as uow:
        stmt = select(func.count()).select_from(model)
        for name, value in filters.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int(uow.session.scalar(stmt) or 0)


def cash_payment(
    who: Principal,
    check_id: str,
    key: str,
    amount: int = 500,
    *,
    tip: int = 0,
    tendered: int | None = None,
) -> dict[str, Any]:
    """A captured cash payment's row, as the settlement writes it."""
    tendered = amount + tip if tendered is None else tendered
    return {
        "id": m.new_id("pay"),
        "restaurant_id": who.restaurant_id,
        "check_id": check_id,
        "idempotency_key": key,
        "tender": "cash",
        "status": "captured",
        "amount_cents": amount,
        "tip_cents": tip,
        "cash_tendered_cents": tendered,
        "change_cents": tendered - amount - tip,
        "payment_method": None,
        "split_part": None,
        "processor_payment_id": None,
        "failure_code": None,
        "failure_message": None,
        "refunded_cents": 0,
        "created_by": who.staff_id,
        "created_at": m.utcnow(),
        "settled_at": m.utcnow(),
    }


def seat(db: Database, who: Principal, table_id: str, guests: int = 2) -> Any:
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        check = floor.seat(uow, who, table_id, guests)
        uow.commit()
        return check


def raw_check(who: Principal, table_id: str, number: int, status: str = "open") -> m.Check:
    return m.Check(
        id=m.new_id("chk"),
        restaurant_id=who.restaurant_id,
        table_id=table_id,
        business_date=date(2026, 1, 1),
        number=number,
        status=status,
        guests=2,
        opened_by=who.staff_id,
    )


# --- one open check per table -----------------------------------------------------------


def test_the_database_refuses_a_second_open_check_on_one_table(db: Database) -> None:
    who = principal(db)
    table = table_ids(db, who)[0]
    with db.unit(who.restaurant_id) as uow:
        uow.session.add(raw_check(who, table, 1))
        uow.session.flush()
        uow.session.add(raw_check(who, table, 2))
        with pytest.raises(IntegrityError):
            uow.session.flush()
    assert count(db, m.Check) == 0


def test_closed_and_void_checks_do_not_hold_the_table(db: Database) -> None:
    who = principal(db)
    table = table_ids(db, who)[0]
    with db.unit(who.restaurant_id) as uow:
        uow.session.add_all(
            [
                raw_check(who, table, 1, "closed"),
                raw_check(who, table, 2, "void"),
                raw_check(who, table, 3, "closed"),
                raw_check(who, table, 4, "open"),
            ]
        )
        uow.commit()
    with db.reader(who.restaurant_id) as uow:
        on_floor = {t.id: t.check_id for t in floor.plan(uow).tables}
    assert on_floor[table] is not None
    assert count(db, m.Check, table_id=table) == 4


def test_two_servers_seating_one_table_in_the_store_get_one_check(db: Database) -> None:
    sam = principal(db)
    riley = principal(db, name="Riley Chen")
    table = table_ids(db, sam)[3]
    results = at_once([lambda who=who: seat(db, who, table) for who in [sam, riley, sam, riley]])
    opened = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(opened) == 1
    assert all(isinstance(r, Conflict) and r.code == "table_occupied" for r in refused), refused
    assert count(db, m.Check, table_id=table, status="open") == 1


# --- check numbers ----------------------------------------------------------------------


def test_check_numbers_are_unique_when_every_table_is_seated_at_once(db: Database) -> None:
    who = principal(db)
    tables = table_ids(db, who)[:12]
    results = at_once([lambda t=t: seat(db, who, t) for t in tables])
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(r.number for r in results)
    assert numbers == list(range(1, len(tables) + 1))  # unique, and no number skipped


def test_a_seat_that_rolls_back_gives_its_check_number_back(db: Database) -> None:
    who = principal(db)
    first, second, third = table_ids(db, who)[:3]
    assert seat(db, who, first).number == 1
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        check = floor.seat(uow, who, second, 2)
        # Read in the unit, the check is there with its number (its insert runs first).
        assert uow.session.scalar(select(m.Check.number).where(m.Check.id == check.id)) == 2
        # leaves without commit
    assert seat(db, who, third).number == 2


def test_each_restaurant_numbers_its_own_checks(db: Database) -> None:
    demo, demo2 = principal(db), principal(db, "demo2")
    assert seat(db, demo, table_ids(db, demo)[0]).number == 1
    assert seat(db, demo2, table_ids(db, demo2)[0]).number == 1
    assert seat(db, demo, table_ids(db, demo)[1]).number == 2


# --- the unit of work -------------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_unit_of_work_that_raises_leaves_no_rows_no_audit_and_no_events(db: Database) -> None:
    who = principal(db)
    table = table_ids(db, who)[0]
    heard: list[tuple[str, int]] = []
    db.on_commit(lambda restaurant, seq: heard.append((restaurant, seq)))
    try:
        with pytest.raises(Boom), db.unit(who.restaurant_id, who.staff_id) as uow:
            check = floor.seat(uow, who, table, 4)
            uow.session.flush()
            assert count_in(uow, m.Check) == 1  # it was really written, then undone
            raise Boom
        assert count(db, m.Check) == 0
        assert count(db, m.AuditEntry) == 0
        assert count(db, m.OutboxEvent) == 0
        assert count(db, m.OutboxCounter) == 0
        assert count(db, m.CheckNumberCounter) == 0
        assert heard == []
        # The same work committed writes all three, and is heard once.
        check = seat(db, who, table, 4)
        assert count(db, m.Check, id=check.id) == 1
        assert count(db, m.AuditEntry, entity_id=table) == 1
        assert count(db, m.OutboxEvent) == 2  # table.updated, check.updated
        assert heard == [(who.restaurant_id, 2)]
    finally:
        db.commit_listeners.clear()


def count_in(uow: Any, model: Any) -> int:
    return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_failing_commit_leaves_nothing_either(db: Database) -> None:
    """The audit entries and events of a unit are written at commit; a refused commit
    takes them back with the change."""
    who = principal(db)
    table = table_ids(db, who)[0]
    seat(db, who, table)
    events_before = count(db, m.OutboxEvent)
    with pytest.raises(IntegrityError), db.unit(who.restaurant_id, who.staff_id) as uow:
        uow.session.add(raw_check(who, table, 99))  # a second open check: refused
        uow.audit("table.seated", "table", table)
        uow.emit("table.updated", {"table_id": table})
        uow.commit()
    assert count(db, m.OutboxEvent) == events_before
    assert count(db, m.AuditEntry) == 1
    assert count(db, m.Check) == 1


# --- the outbox -------------------------------------------------------------------------


def emit_events(db: Database, who: Principal, n: int, *, fail: bool) -> None:
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        for i in range(n):
            uow.emit("test.event", {"i": i})
        if fail:
            raise Boom
        uow.commit()


def outbox_seqs(db: Database, restaurant_id: str) -> list[int]:
    with db.reader(restaurant_id) as uow:
        return [event.seq for event in Events.of(uow).after(0, 10_000)]


def test_event_numbers_are_gap_free_and_increasing_per_restaurant(db: Database) -> None:
    demo, demo2 = principal(db), principal(db, "demo2")
    work: list[Callable[[], Any]] = []
    for i in range(16):
        who = demo if i % 3 else demo2
        work.append(lambda who=who, i=i: emit_events(db, who, 1 + i % 3, fail=i % 4 == 0))
    results = at_once(work)
    failed = [r for r in results if isinstance(r, Boom)]
    assert len(failed) == 4
    assert [r for r in results if r is not None and not isinstance(r, Boom)] == []
    expected_demo = sum(1 + i % 3 for i in range(16) if i % 3 and i % 4)
    expected_demo2 = sum(1 + i % 3 for i in range(16) if not i % 3 and i % 4)
    assert outbox_seqs(db, demo.restaurant_id) == list(range(1, expected_demo + 1))
    assert outbox_seqs(db, demo2.restaurant_id) == list(range(1, expected_demo2 + 1))
    # One unit's events are consecutive: nobody else's event lands in the middle.
    with db.reader(demo.restaurant_id) as uow:
        numbered = [event.data["i"] for event in Events.of(uow).after(0, 10_000)]
    runs: list[list[int]] = []
    for i in numbered:
        if i == 0:
            runs.append([])
        runs[-1].append(i)
    assert all(run == list(range(len(run))) for run in runs)


def test_the_floor_events_of_a_seat_are_numbered_after_the_ones_before(db: Database) -> None:
    who = principal(db)
    emit_events(db, who, 3, fail=False)
    seat(db, who, table_ids(db, who)[0])
    with db.reader(who.restaurant_id) as uow:
        events = Events.of(uow).after(3, 100)
        assert [e.type for e in events] == ["table.updated", "check.updated"]
        assert [e.seq for e in events] == [4, 5]
        assert uow.last_event_seq() == 5


# --- CHECK constraints ------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCheck:
    id: str
    table_id: str
    line_id: str
    menu_item_id: str


@pytest.fixture
def open_check(db: Database) -> Iterator[tuple[Principal, OpenCheck]]:
    who = principal(db)
    check_view = seat(db, who, table_ids(db, who)[0])
    with db.reader(who.restaurant_id) as uow:
        item_id = Menu.of(uow).items()[0].id
    with db.unit(who.restaurant_id, who.staff_id) as uow:
        checks.add_line(uow, who, check_view.id, checks.NewLine(menu_item_id=item_id))
        uow.commit()
    with db.reader(who.restaurant_id) as uow:
        line_id = Checks.of(uow).lines([check_view.id])[0].id
    yield who, OpenCheck(check_view.id, check_view.table_id, line_id, item_id)


def _bad_rows(who: Principal, check: OpenCheck) -> dict[str, Any]:
    """One row per name, each good but for the one value its name says."""
    rid = who.restaurant_id
    item_kw = {"restaurant_id": rid, "name": "x"}

    def line(**kw: Any) -> m.CheckLine:
        base: dict[str, Any] = {
            "id": m.new_id("ln"),
            "restaurant_id": rid,
            "check_id": check.id,
            "seat": 1,
            "menu_item_id": check.menu_item_id,
            "name": "x",
            "quantity": 1,
            "unit_price_cents": 100,
            "created_by": who.staff_id,
        }
        return m.CheckLine(**{**base, **kw})

    def discount(**kw: Any) -> m.CheckDiscount:
        base: dict[str, Any] = {
            "id": m.new_id("dc"),
            "restaurant_id": rid,
            "check_id": check.id,
            "kind": "amount",
            "value": 500,
            "reason": "x",
            "created_by": who.staff_id,
        }
        return m.CheckDiscount(**{**base, **kw})

    def payment(**kw: Any) -> m.Payment:
        base: dict[str, Any] = {
            "id": m.new_id("pay"),
            "restaurant_id": rid,
            "check_id": check.id,
            "idempotency_key": m.new_id("k"),
            "tender": "cash",
            "status": "captured",
            "amount_cents": 100,
            "tip_cents": 0,
            "change_cents": 0,
            "refunded_cents": 0,
            "created_by": who.staff_id,
        }
        return m.Payment(**{**base, **kw})

    def closed_check(**kw: Any) -> m.Check:
        base: dict[str, Any] = {
            "id": m.new_id("chk"),
            "restaurant_id": rid,
            "table_id": check.table_id,
            "business_date": date(2026, 1, 2),
            "number": 1,
            "status": "closed",
            "guests": 2,
            "opened_by": who.staff_id,
        }
        return m.Check(**{**base, **kw})

    return {
        "menu item price": m.MenuItem(
            id=m.new_id("itm"), category_id=None, price_cents=-1, **item_kw
        ),
        "line price": line(unit_price_cents=-1),
        "line quantity": line(quantity=0),
        "modifier price": m.LineModifier(
            id=m.new_id("lm"),
            restaurant_id=rid,
            line_id=check.line_id,
            option_id=None,
            name="x",
            price_cents=-150,
        ),
        "discount value": discount(value=-500),
        "discount over 100 %": discount(kind="percent", value=10_001),
        "payment amount": payment(amount_cents=-100),
        "payment of nothing": payment(amount_cents=0),
        "tip": payment(tip_cents=-1),
        "change": payment(change_cents=-1),
        "refund beyond the payment": payment(refunded_cents=101),
        "guests": closed_check(guests=0),
        "check status": closed_check(number=2, status="paid"),  # the free-text status of ORIGINAL 3
    }


BAD_ROWS = [
    "menu item price",
    "line price",
    "line quantity",
    "modifier price",
    "discount value",
    "discount over 100 %",
    "payment amount",
    "payment of nothing",
    "tip",
    "change",
    "refund beyond the payment",
    "guests",
    "check status",
]


@pytest.mark.parametrize("what", BAD_ROWS)
def test_the_schema_refuses_negative_money_and_impossible_values(
    db: Database, open_check: tuple[Principal, OpenCheck], what: str
) -> None:
    who, check = open_check
    with db.reader(who.restaurant_id) as uow:
        category_id = Menu.of(uow).categories()[0].id
        option_id = Menu.of(uow).options([g.id for g in Menu.of(uow).groups()])[0].id
    row = _bad_rows(who, check)[what]
    if isinstance(row, m.MenuItem):
        row.category_id = category_id
    if isinstance(row, m.LineModifier):
        row.option_id = option_id
    with pytest.raises(IntegrityError), db.unit(who.restaurant_id) as uow:
        uow.session.add(row)
        uow.session.flush()
