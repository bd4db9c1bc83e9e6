"""The base of every repository: each query is scoped to one restaurant.

A row of another restaurant is indistinguishable from a row that does not exist: both
raise ``NotFound`` (the API answers 404, never data)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from sqlalchemy import (
    BindParameter,
    Connection,
    Executable,
    Select,
    bindparam,
    select,
)
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from tableside.core.unit_of_work import UnitOfWork
from tableside.core import deferred
from tableside.core import models as m
from tableside.core.errors import NotFound

Model = TypeVar("Model", bound=m.Base)


RESTAURANT: BindParameter[str] = bindparam("restaurant_id")


_LOCKED: dict[type[m.Base], Select[Any]] = {}


def _locked_get(model: type[m.Base]) -> Select[Any]:
    stmt = _LOCKED.get(model)
    if stmt is None:
        # On PostgreSQL a row someone else holds answers 409 at once (NOWAIT);
        # SQLite serializes writers at BEGIN IMMEDIATE instead.
        stmt = (
            select(model)
            .where(
                model.id == bindparam("id"),  # type: ignore[attr-defined]
                model.restaurant_id == RESTAURANT,  # type: ignore[attr-defined]
            )
            .with_for_update(nowait=True)
        )
        _LOCKED[model] = stmt
    return stmt


class Repository:
    """A capability's queries, every one scoped to the unit's restaurant."""

    @classmethod
    def of(cls, uow: UnitOfWork) -> Self:
        """The unit's repository of this kind."""
        return uow.repository(cls)

    def __init__(self, session: Session, restaurant_id: str | None) -> None:
        self.session = session
        self._restaurant_id = restaurant_id

    @property
    def restaurant_id(self) -> str:
        if self._restaurant_id is None:
            raise RuntimeError("repository used without a restaurant")
        return self._restaurant_id

    def _core(self) -> Connection:
        """The unit's connection for a Core statement, after writing this unit's pending ORM
        changes and deferred writes (a Core read must see them, as an ORM query would)."""
        return deferred.connection(self.session)

    def _write(self, statement: Executable, params: deferred.Params) -> None:
        """A write whose failure may wait for the commit: sent with it where the database
        allows (core/deferred.py)."""
        deferred.defer(self.session, statement, params)

    def _get(self, model: type[Model], id_: str, what: str, *, lock: bool = False) -> Model:
        if not lock:
            # A row this unit already holds costs no query (a check view reads its table
            # right after seat or a move loaded it); another restaurant's row is NotFound.
            found = self.session.get(model, id_)
            if found is None or found.restaurant_id != self.restaurant_id:  # type: ignore[attr-defined]
                raise NotFound(f"No {what} with id {id_!r} in this restaurant.")
            return found
        row: Model | None = self.session.scalar(
            _locked_get(model), {"id": id_, "restaurant_id": self.restaurant_id}
        )
        if row is None:
            raise NotFound(f"No {what} with id {id_!r} in this restaurant.")
        return row
