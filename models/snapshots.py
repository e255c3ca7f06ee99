"""Report snapshots: aggregates over the whole history, computed by the worker, read by pages.

The staff home and the dashboard read one row each instead of aggregating a
million leads per view; the page shows the snapshot's "as of" time. The worker
(or cron) refreshes them with ``flask --app wsgi reports refresh``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class ReportSnapshot(Base):
    """One report's figures as of a moment."""

    __tablename__ = "report_snapshots"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float] = mapped_column(default=0.0)


def load_snapshot(session: Session, name: str) -> ReportSnapshot | None:
    """The stored snapshot ``name``, or None before the first refresh."""
    return session.get(ReportSnapshot, name)


def store_snapshot(
    session: Session, name: str, payload: dict[str, Any], *, seconds: float = 0.0
) -> ReportSnapshot:
    """Replace the snapshot ``name`` (flushes; the caller commits)."""
    snapshot = session.get(ReportSnapshot, name)
    if snapshot is None:
        snapshot = ReportSnapshot(name=name)
        session.add(snapshot)
    snapshot.payload = payload
    snapshot.computed_at = utcnow()
    snapshot.seconds = round(seconds, 3)
    session.flush()
    return snapshot
