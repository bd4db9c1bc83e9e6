"""The floor editor: sections (added, renamed, reordered, removed when empty) and tables
(added, relabelled, given seats and a shape, placed and sized on the plan's grid, moved to
another section, removed), by a manager or the owner.

Guarantees, for every change:
- It is audited (who, what, before → after) and announced (``floor.updated``) in its own
  unit of work, so every floor screen redraws the plan at once, and only if it commits.
- One change of a restaurant's plan at a time (``Tables.lock``): labels stay unique among
  the live tables, section names among the live sections, and no two live tables cover
  the same cell of the grid (floor/rules.py).
- A table with an open check is neither removed nor moved to another section (409
  ``table_occupied``): the party's check names its table and section until it is settled
  or moved. Moving such a table on the plan, resizing or relabelling it is allowed.
- Removing never deletes: a removed table or section is archived, leaves the floor, and
  every check, ticket and report that named it still shows its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from tableside.checks import service as check_service
from tableside.core import models as m
from tableside.core.access import MANAGER_ROLES, Principal
from tableside.core.errors import Conflict, NotFound
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import UnitOfWork
from tableside.floor import rules
from tableside.floor import service as floor
from tableside.floor.repository import Tables
from tableside.floor.rules import Spot
from tableside.floor.schemas import (
    FloorEditorView,
    GridView,
    NewSection,
    NewTable,
    SectionChange,
    SectionEditView,
    SectionOrderView,
    TableChange,
    TableView,
)

_LIVE, _REMOVED = {"on_floor": True}, {"on_floor": False}


def _may_edit(who: Principal) -> None:
    who.require(MANAGER_ROLES, "edit the floor plan")


def _recorded(uow: UnitOfWork, kind: str, change: str, row_id: str, **details: Any) -> None:
    """Audit one change and tell every floor screen the plan changed."""
    uow.audit(f"floor.{kind}.{change}", kind, row_id, **details)
    uow.emit("floor.updated", {"kind": kind, "id": row_id, "change": change})


def _spot(table: m.DiningTable) -> Spot:
    return Spot(table.x, table.y, table.width, table.height)


def _others(tables: Sequence[m.DiningTable], leaving_out: str | None) -> list[tuple[str, Spot]]:
    return [(t.label, _spot(t)) for t in tables if t.id != leaving_out]


def _refuse_if_seated(uow: UnitOfWork, table: m.DiningTable, doing: str) -> None:
    check = check_service.open_on_table(uow, table.id)
    if check is not None:
        raise Conflict(
            f"Table {table.label} has an open check (#{check.number}): settle it or move "
            f"the party to another table first, then {doing}.",
            code="table_occupied",
        )


def _flushed(uow: UnitOfWork, taken: Conflict) -> None:
    """Write now; a live label or section name another unit took meanwhile is ``taken``."""
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise taken from error


# --- reading ----------------------------------------------------------------------------


def editor(uow: UnitOfWork, who: Principal) -> FloorEditorView:
    """The plan as the editor draws it: the grid, the shapes a table may have, every live
    section (with its number of tables) and every live table, as the floor shows it."""
    _may_edit(who)
    return editor_view(uow)


def editor_view(uow: UnitOfWork) -> FloorEditorView:
    """What ``editor`` shows, for a screen that has checked who is asking itself."""
    plan = floor.plan(uow)
    counts: dict[str | None, int] = {}
    for table in plan.tables:
        counts[table.section_id] = counts.get(table.section_id, 0) + 1
    return FloorEditorView(
        grid=GridView(
            columns=rules.COLUMNS, rows=rules.ROWS, smallest=rules.SMALLEST, largest=rules.LARGEST
        ),
        shapes=[shape.value for shape in rules.Shape],
        sections=[
            _section_view(s, counts.get(s.id, 0)) for s in Tables.of(uow).every_live_section()
        ],
        tables=plan.tables,
    )


def _section_view(section: m.Section, tables: int) -> SectionEditView:
    return SectionEditView(
        id=section.id, name=section.name, position=section.position, tables=tables
    )


def _table_view(uow: UnitOfWork, table_id: str) -> TableView:
    """The table as the floor shows it (status, and the party when seated)."""
    found = next((t for t in floor.plan(uow).tables if t.id == table_id), None)
    if found is None:  # removed in this unit
        raise NotFound(f"No table with id {table_id!r} on the floor.")
    return found


# --- sections -----------------------------------------------------------------------------


def add_section(uow: UnitOfWork, who: Principal, new: NewSection) -> SectionEditView:
    """A new, empty section, last on the floor; its name unique among the live sections."""
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    name = rules.clean_section_name(new.name)
    every = tables.every_live_section()
    rules.require_unique_section(name, [s.name for s in every])
    section = m.Section(
        id=new_id("sec"),
        restaurant_id=who.restaurant_id,
        name=name,
        position=max((s.position for s in every), default=-1) + 1,
    )
    tables.add(section)
    _flushed(uow, _section_taken(name))
    _recorded(uow, "section", "created", section.id, name=name, after={"name": name})
    return _section_view(section, 0)


def _section_taken(name: str) -> Conflict:
    return Conflict(
        f"There is already a section named {name!r}. Choose another name.", code="name_taken"
    )


def rename_section(
    uow: UnitOfWork, who: Principal, section_id: str, change: SectionChange
) -> SectionEditView:
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    section = tables.section(section_id)
    name = rules.clean_section_name(change.name)
    others = [s.name for s in tables.every_live_section() if s.id != section.id]
    rules.require_unique_section(name, others)
    if name != section.name:
        before = section.name
        section.name = name
        _flushed(uow, _section_taken(name))
        _recorded(
            uow, "section", "updated", section.id, name=name,
            before={"name": before}, after={"name": name},
        )  # fmt: skip
    count = sum(1 for t in tables.every_live_table() if t.section_id == section.id)
    return _section_view(section, count)


def order_sections(uow: UnitOfWork, who: Principal, ids: Sequence[str]) -> SectionOrderView:
    """The sections' new order (the floor screen's tabs): every live section, once each."""
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    live = list(tables.every_live_section())
    known = {s.id for s in live}
    unknown = next((i for i in ids if i not in known), None)
    if unknown is not None:
        raise NotFound(f"No section with id {unknown!r} on this floor.")
    before = [s.id for s in live]
    wanted = rules.check_order(before, list(ids))
    if wanted != before:
        by_id = {s.id: s for s in live}
        for position, section_id in enumerate(wanted):
            by_id[section_id].position = position
        uow.audit("floor.section.reordered", "restaurant", who.restaurant_id, before=before,
                  after=wanted)  # fmt: skip
        uow.emit("floor.updated", {"kind": "section", "id": None, "change": "reordered"})
    return SectionOrderView(ids=wanted)


def remove_section(uow: UnitOfWork, who: Principal, section_id: str) -> None:
    """Take an empty section off the floor (its tables removed or moved first: 409)."""
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    section = tables.section(section_id)
    left = [t.label for t in tables.every_live_table() if t.section_id == section.id]
    if left:
        raise Conflict(
            f"The section {section.name!r} still has tables ({', '.join(left[:6])}"
            f"{'…' if len(left) > 6 else ''}): move them to another section or remove them "
            "first.",
            code="section_not_empty",
        )
    section.archived_at = utcnow()
    _recorded(
        uow, "section", "removed", section.id, name=section.name, before=_LIVE, after=_REMOVED
    )


# --- tables -------------------------------------------------------------------------------


def _section_id(tables: Tables, section_id: str | None) -> str | None:
    """A live section of this restaurant's (None: no section)."""
    return None if section_id is None else tables.section(section_id).id


def add_table(uow: UnitOfWork, who: Principal, new: NewTable) -> TableView:
    """A new table on free cells of the plan, its label unique among the live tables."""
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    label = rules.clean_label(new.label)
    section_id = _section_id(tables, new.section_id)
    spot = rules.check_spot(Spot(new.x, new.y, new.width, new.height))
    every = tables.every_live_table()
    rules.require_unique_label(label, [t.label for t in every])
    rules.require_free(spot, _others(every, None))
    table = m.DiningTable(
        id=new_id("tbl"),
        restaurant_id=who.restaurant_id,
        section_id=section_id,
        label=label,
        capacity=rules.check_capacity(new.capacity),
        shape=rules.Shape(new.shape).value,
        x=spot.x,
        y=spot.y,
        width=spot.width,
        height=spot.height,
        position=max((t.position for t in every), default=-1) + 1,
    )
    tables.add(table)
    _flushed(uow, _label_taken(label))
    _recorded(uow, "table", "created", table.id, label=label, after=_fields(table))
    return _table_view(uow, table.id)


def _label_taken(label: str) -> Conflict:
    return Conflict(
        f"There is already a table labelled {label!r} on the floor. Choose another label.",
        code="label_taken",
    )


def _fields(table: m.DiningTable) -> dict[str, Any]:
    return {
        "label": table.label,
        "capacity": table.capacity,
        "shape": table.shape,
        "section_id": table.section_id,
        "x": table.x,
        "y": table.y,
        "width": table.width,
        "height": table.height,
    }


def change_table(uow: UnitOfWork, who: Principal, table_id: str, change: TableChange) -> TableView:
    """Only what is sent changes: label, seats, shape, section, place and size on the plan.
    A seated table may move on the plan but not to another section (409)."""
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    table = tables.live(table_id, lock=True)
    every = tables.every_live_table()
    wanted: dict[str, Any] = {}
    if change.label is not None:
        wanted["label"] = rules.clean_label(change.label)
        others = [t.label for t in every if t.id != table.id]
        rules.require_unique_label(wanted["label"], others)
    if change.capacity is not None:
        wanted["capacity"] = rules.check_capacity(change.capacity)
    if change.shape is not None:
        wanted["shape"] = rules.Shape(change.shape).value
    if "section_id" in change.model_fields_set:
        wanted["section_id"] = _section_id(tables, change.section_id)
    spot = Spot(
        table.x if change.x is None else change.x,
        table.y if change.y is None else change.y,
        table.width if change.width is None else change.width,
        table.height if change.height is None else change.height,
    )
    if spot != _spot(table):
        rules.check_spot(spot)
        rules.require_free(spot, _others(every, table.id))
        wanted.update(x=spot.x, y=spot.y, width=spot.width, height=spot.height)
    before = {k: getattr(table, k) for k, v in wanted.items() if getattr(table, k) != v}
    after = {k: wanted[k] for k in before}
    if "section_id" in after:
        _refuse_if_seated(uow, table, "move the table to another section")
    if after:
        for field, value in after.items():
            setattr(table, field, value)
        _flushed(uow, _label_taken(table.label))
        _recorded(uow, "table", "updated", table.id, label=table.label, before=before, after=after)
    return _table_view(uow, table.id)


def remove_table(uow: UnitOfWork, who: Principal, table_id: str) -> None:
    """Take a free table off the floor (409 while it has an open check). It is archived:
    its checks, tickets and reports keep naming it, and its label is free again."""
    _may_edit(who)
    tables = Tables.of(uow)
    tables.lock()
    table = tables.live(table_id, lock=True)
    _refuse_if_seated(uow, table, "remove it")
    table.archived_at = utcnow()
    _recorded(uow, "table", "removed", table.id, label=table.label, before=_LIVE, after=_REMOVED)
