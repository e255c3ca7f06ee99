"""Staff work queues: what waits on someone, counted on the home page and listed by a filter.

Each queue is one condition on one model's rows. The home page shows its count
and links to its list filtered by :class:`QueueFilter`: the same condition, so a
figure and the list it opens agree. The counts come from the report snapshot
(:func:`queue_counts`, refreshed by the worker every few minutes and shown with
its "as of" time), so the home page costs the same however many leads there are;
the lists behind them are live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, url_for
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from leadshare.extensions import db
from models.base import utcnow
from models.leads import CLOSED_STAGES, WORKING_STAGES, Lead, Stage
from models.offers import OPEN_STATES, Offer, OfferState
from models.outbox import OutboxMessage, OutboxStatus
from models.registrations import DealRegistration, RegistrationStatus
from models.sla import PARTNER_CLOCK_STATES

#: Offers whose answer is due within this time are "about to expire".
EXPIRY_WARNING = timedelta(hours=24)


@dataclass(frozen=True)
class Queue:
    """One work queue: its label, the rows it lists, who sees it."""

    key: str
    label: object
    model: type
    condition: Callable[[], sa.ColumnElement[bool]]
    endpoint: str
    admin_only: bool = False
    sales_only: bool = False


def _not_archived() -> sa.ColumnElement[bool]:
    return Lead.archived.is_(False)


def _open_offer_exists() -> sa.ColumnElement[bool]:
    return Lead.offers.any(Offer.state.in_(OPEN_STATES) | (Offer.state == OfferState.ACCEPTED))


#: The sales user's own open leads: counted per owner.
MINE = "mine"

QUEUES: dict[str, Queue] = {
    q.key: q
    for q in (
        Queue(
            MINE,
            _l("My open leads"),
            Lead,
            lambda: sa.and_(
                Lead.owner_id == current_user.id, _not_archived(), Lead.stage.not_in(CLOSED_STAGES)
            ),
            "staff_leads",
            sales_only=True,
        ),
        Queue(
            "to_qualify",
            _l("Leads to qualify"),
            Lead,
            lambda: sa.and_(Lead.stage == Stage.NEW, _not_archived()),
            "staff_leads",
        ),
        Queue(
            "to_offer",
            _l("Qualified leads not offered"),
            Lead,
            lambda: sa.and_(Lead.stage == Stage.QUALIFIED, _not_archived(), ~_open_offer_exists()),
            "staff_leads",
        ),
        Queue(
            "details_to_approve",
            _l("Detail requests to approve"),
            Offer,
            lambda: Offer.state == OfferState.DETAILS_REQUESTED,
            "staff_offers",
        ),
        Queue(
            "registrations_to_review",
            _l("Deal registrations to review"),
            DealRegistration,
            lambda: DealRegistration.status.in_(
                [RegistrationStatus.SUBMITTED, RegistrationStatus.UNDER_REVIEW]
            ),
            "staff_registrations",
        ),
        Queue(
            "expiring",
            _l("Offers about to expire (24 h)"),
            Offer,
            # The partner's clock runs (a details request waiting on the vendor never
            # expires) and the deadline lies within the next day.
            lambda: sa.and_(
                Offer.state.in_(PARTNER_CLOCK_STATES),
                Offer.respond_by > utcnow(),
                Offer.respond_by <= utcnow() + EXPIRY_WARNING,
            ),
            "staff_offers",
        ),
        Queue(
            "stale",
            _l("Stale leads (no update within the SLA)"),
            Lead,
            lambda: sa.and_(
                Lead.stale_since.is_not(None), Lead.stage.in_(WORKING_STAGES), _not_archived()
            ),
            "staff_leads",
        ),
        Queue(
            "failed_mail",
            _l("Failed mail"),
            OutboxMessage,
            lambda: OutboxMessage.status == OutboxStatus.FAILED,
            "staff_outbox",
            admin_only=True,
        ),
    )
}

#: The URL argument of a queue filter: ``?flt0_queue_is=<key>``.
QUEUE_ARG = "flt0_queue_is"


def visible_queues() -> list[Queue]:
    """The queues the current staff member works: failed mail for admins, theirs for sales."""
    return [
        q
        for q in QUEUES.values()
        if (not q.admin_only or current_user.is_admin)
        and (not q.sales_only or not current_user.is_admin)
    ]


def _count(model: type, condition: sa.ColumnElement[bool]) -> int:
    """How many rows of ``model`` meet ``condition``."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(condition)) or 0


def queue_counts() -> dict[str, Any]:
    """Every queue's count as the report snapshot stores it.

    ``counts`` holds the vendor-wide queues; ``mine`` the open leads per owner
    (one grouped query for every sales user's "my open leads").
    """
    counts = {q.key: _count(q.model, q.condition()) for q in QUEUES.values() if q.key != MINE}
    mine = db.session.execute(
        sa.select(Lead.owner_id, sa.func.count())
        .where(_not_archived(), Lead.stage.not_in(CLOSED_STAGES))
        .group_by(Lead.owner_id)
    )
    return {"counts": counts, "mine": {str(owner): int(n) for owner, n in mine}}


def queue_url(queue: Queue) -> str:
    """The list of ``queue``'s rows."""
    return url_for(f"{queue.endpoint}.index_view", **{QUEUE_ARG: queue.key})


def work_queues(stored: dict[str, Any] | None) -> list[tuple[Queue, int, str]]:
    """Every visible queue with its count (from ``stored``, the snapshot's) and its list's URL.

    Without stored counts (a snapshot from before they were kept) they are counted now.
    """
    stored = stored or queue_counts()
    counts, mine = stored["counts"], stored["mine"]
    return [
        (
            q,
            mine.get(str(current_user.id), 0) if q.key == MINE else counts.get(q.key, 0),
            queue_url(q),
        )
        for q in visible_queues()
    ]


class QueueFilter(sqla_filters.BaseSQLAFilter):
    """Limit a list to one work queue of its model (the home page's links)."""

    url_key = "queue"

    def __init__(self, model: type) -> None:
        self.model = model
        super().__init__(model.id, _l("Work queue"))

    def get_options(self, view):
        """The visible queues of this model (none while the view is being built)."""
        if not has_request_context():
            return None
        return [(q.key, str(q.label)) for q in visible_queues() if q.model is self.model]

    def validate(self, value: str) -> bool:
        """Only a queue of this model."""
        queue = QUEUES.get(value)
        return queue is not None and queue.model is self.model

    def apply(self, query, value, alias=None):
        """Rows matching the queue's condition."""
        return query.filter(QUEUES[value].condition())

    def operation(self):
        """Shown between the filter's name and its value."""
        return _l("is")
