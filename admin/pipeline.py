"""The pipeline: the vendor's open leads as one column per stage (plain HTML, no script)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy.orm import joinedload

from admin.security import StaffAccessMixin
from leadshare.extensions import db
from models.leads import Lead, Stage

#: Stages of a lead that is still open, in pipeline order.
OPEN_STAGES = (
    Stage.NEW,
    Stage.QUALIFIED,
    Stage.APPOINTMENT,
    Stage.NEEDS_HEARING,
    Stage.PROPOSAL,
)
#: Cards per column; the column links to the full list beyond that.
COLUMN_LIMIT = 25


def pipeline(owner_id: int | None = None) -> list[tuple[Stage, int, list[Lead]]]:
    """Each open stage with its count and its most recently updated leads (not archived)."""
    where = [Lead.archived.is_(False)]
    if owner_id is not None:
        where.append(Lead.owner_id == owner_id)
    counts = dict(
        db.session.execute(
            sa.select(Lead.stage, sa.func.count())
            .where(*where, Lead.stage.in_(OPEN_STAGES))
            .group_by(Lead.stage)
        ).all()
    )
    columns = []
    for stage in OPEN_STAGES:
        leads = list(
            db.session.scalars(
                sa.select(Lead)
                .options(joinedload(Lead.prospect), joinedload(Lead.owner))
                .where(*where, Lead.stage == stage)
                .order_by(Lead.updated_at.desc(), Lead.id.desc())
                .limit(COLUMN_LIMIT)
            )
        )
        columns.append((stage, counts.get(stage, 0), leads))
    return columns


class PipelineView(StaffAccessMixin, BaseView):
    """Open leads by stage, for sales and administrators; ``?mine=1`` for one's own."""

    @expose("/")
    def index(self):
        """The board of open leads."""
        mine = request.args.get("mine") == "1"
        return self.render(
            "staff/pipeline.html",
            columns=pipeline(current_user.id if mine else None),
            mine=mine,
            limit=COLUMN_LIMIT,
        )
