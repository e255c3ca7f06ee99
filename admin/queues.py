"""Staff work queues: what waits on someone, counted on the home page and listed by a filter.

Each queue is one condition on one model's rows. The home page counts it and links
to its list filtered by :class:`QueueFilter`, so a figure and the list it opens
always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

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


QUEUES: dict[str, Queue] = {
    q.key: q
    for q in (
        Queue(
            "mine",
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
            lambda: sa.and_(
                Offer.state.in_(OPEN_STATES), Offer.respond_by <= utcnow() + EXPIRY_WARNING
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


def queue_count(queue: Queue) -> int:
    """How many rows wait in ``queue``."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(queue.model).where(queue.condition())
        )
        or 0
    )


def queue_url(queue: Queue) -> str:
    """The list of ``queue``'s rows."""
    return url_for(f"{queue.endpoint}.index_view", **{QUEUE_ARG: queue.key})


def work_queues() -> list[tuple[Queue, int, str]]:
    """Every visible queue with its count and its list's URL."""
    return [(q, queue_count(q), queue_url(q)) for q in visible_queues()]


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
