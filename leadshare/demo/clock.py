"""The demo's clock: rows the rules create without a time get the demo's current moment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadshare.extensions import db
from models import Lead, OutboxMessage

_STAMPED = ("created_at", "occurred_at", "submitted_at", "next_attempt_at", "updated_at")


class DemoClock:
    """The demo's current moment, stamped on rows the rules create without a time."""

    def __init__(self, now: datetime, limit: datetime) -> None:
        self.now = now
        self.limit = limit
        self.messages: list[OutboxMessage] = []
        self._seen: set[OutboxMessage] = set()

    def __call__(self, moment: datetime) -> datetime:
        """Move the clock to ``moment`` (never past the real present) and return it."""
        if moment > self.limit:
            raise ValueError(f"demo moment {moment} lies in the future")
        # Rows the previous rule left pending belong to the previous moment.
        self._stamp_new(db.session())
        self.now = moment
        return moment

    def _stamp_new(self, session: sa.orm.Session) -> None:
        """Date new rows that have no time yet at the current demo moment."""
        for obj in session.new:
            for name in _STAMPED:
                if hasattr(type(obj), name) and getattr(obj, name) is None:
                    setattr(obj, name, self.now)
            if isinstance(obj, OutboxMessage) and obj not in self._seen:
                self._seen.add(obj)
                self.messages.append(obj)

    def stamp(self, session: sa.orm.Session, flush_context: Any, instances: Any) -> None:
        """Before each flush: date new rows at the demo moment, keep leads' updated_at."""
        self._stamp_new(session)
        for obj in session.dirty:
            if isinstance(obj, Lead):
                obj.updated_at = self.now


@contextmanager
def demo_clock(start: datetime, limit: datetime) -> Iterator[DemoClock]:
    """Stamp every row flushed inside the block with the demo clock."""
    clock = DemoClock(start, limit)
    session = db.session()
    sa.event.listen(session, "before_flush", clock.stamp)
    try:
        yield clock
    finally:
        sa.event.remove(session, "before_flush", clock.stamp)
