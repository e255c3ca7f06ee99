"""Figures for the staff home page."""

from __future__ import annotations

import sqlalchemy as sa

from leadshare.extensions import db
from models.leads import Lead, Stage
from models.offers import OPEN_STATES, Offer


def overview() -> dict[str, int]:
    """Counts staff look at first: leads to qualify, to offer, offers waiting, being worked."""
    stage_counts = dict(
        db.session.execute(sa.select(Lead.stage, sa.func.count()).group_by(Lead.stage)).all()
    )
    open_offers = db.session.scalar(
        sa.select(sa.func.count()).select_from(Offer).where(Offer.state.in_(OPEN_STATES))
    )
    return {
        "new": stage_counts.get(Stage.NEW, 0),
        "qualified": stage_counts.get(Stage.QUALIFIED, 0),
        "open_offers": open_offers or 0,
        "working": sum(
            stage_counts.get(s, 0) for s in (Stage.APPOINTMENT, Stage.NEEDS_HEARING, Stage.PROPOSAL)
        ),
    }
