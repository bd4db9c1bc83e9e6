"""The outbox, read in order for the live feed.

Every query is scoped to the unit's restaurant: a row of another restaurant is
indistinguishable from one that does not exist (``NotFound``, a 404).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    select,
)

from tableside.core import models as m
from tableside.core.repository import Repository


class Events(Repository):
    def after(self, seq: int, limit: int) -> Sequence[m.OutboxEvent]:
        return self.session.scalars(
            select(m.OutboxEvent)
            .where(m.OutboxEvent.restaurant_id == self.restaurant_id, m.OutboxEvent.seq > seq)
            .order_by(m.OutboxEvent.seq)
            .limit(limit)
        ).all()
