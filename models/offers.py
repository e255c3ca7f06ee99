"""Offers of a lead to one partner, and the comment board the two sides share."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import limits
from models.base import Base, enum_column, utcnow
from models.organisations import Organisation

if TYPE_CHECKING:
    from models.leads import Lead
    from models.users import User


class OfferState(enum.Enum):
    """offered → details requested → details granted → accepted | declined | expired | withdrawn."""

    OFFERED = "offered"
    DETAILS_REQUESTED = "details_requested"
    DETAILS_GRANTED = "details_granted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


OFFER_STATE_LABELS = {
    OfferState.OFFERED: _l("Offered"),
    OfferState.DETAILS_REQUESTED: _l("Details requested"),
    OfferState.DETAILS_GRANTED: _l("Details granted"),
    OfferState.ACCEPTED: _l("Accepted"),
    OfferState.DECLINED: _l("Declined"),
    OfferState.EXPIRED: _l("Expired"),
    OfferState.WITHDRAWN: _l("Withdrawn"),
}

#: States in which the partner still owes an answer.
OPEN_STATES = (OfferState.OFFERED, OfferState.DETAILS_REQUESTED, OfferState.DETAILS_GRANTED)
#: States that count against a partner's capacity.
HOLDING_STATES = (*OPEN_STATES, OfferState.ACCEPTED)
#: States after which the offer is over without acceptance.
ENDED_STATES = (OfferState.DECLINED, OfferState.EXPIRED, OfferState.WITHDRAWN)


class DeclineReason(enum.Enum):
    """Why a partner declined an offer."""

    NO_CAPACITY = "no_capacity"
    OUT_OF_TERRITORY = "out_of_territory"
    NO_PRODUCT_FIT = "no_product_fit"
    ALREADY_KNOWN = "already_known"
    TOO_SMALL = "too_small"
    OTHER = "other"


DECLINE_REASON_LABELS = {
    DeclineReason.NO_CAPACITY: _l("No capacity at the moment"),
    DeclineReason.OUT_OF_TERRITORY: _l("Outside our territory"),
    DeclineReason.NO_PRODUCT_FIT: _l("Not our product line"),
    DeclineReason.ALREADY_KNOWN: _l("Customer already known to us"),
    DeclineReason.TOO_SMALL: _l("Deal too small"),
    DeclineReason.OTHER: _l("Other"),
}


class EndCause(enum.Enum):
    """Why an offer was withdrawn or expired, recorded as a code by the rule that ended it.

    Readers see its label in their own language; what staff typed when they
    withdrew an offer by hand stays in ``Offer.withdraw_reason``.
    """

    WITHDRAWN_BY_STAFF = "withdrawn_by_staff"
    PARTNER_SUSPENDED = "partner_suspended"
    ACCEPTED_BY_ANOTHER_PARTNER = "accepted_by_another_partner"
    RESPONSE_SLA = "response_sla"
    REGISTRATION_EXPIRED = "registration_expired"
    LEAD_ARCHIVED = "lead_archived"


END_CAUSE_LABELS = {
    EndCause.WITHDRAWN_BY_STAFF: _l("Withdrawn by the vendor"),
    EndCause.PARTNER_SUSPENDED: _l("Partner suspended"),
    EndCause.ACCEPTED_BY_ANOTHER_PARTNER: _l("Accepted by another partner"),
    EndCause.RESPONSE_SLA: _l("No answer within the response SLA"),
    EndCause.REGISTRATION_EXPIRED: _l("The deal registration's protected period ended"),
    EndCause.LEAD_ARCHIVED: _l("The lead was archived"),
}


#: SQL for "the partner's clock runs" in the partial indexes (offered, details granted).
_PARTNER_CLOCK = "state IN ('offered', 'details_granted')"


class Offer(Base):
    """A lead offered to one partner organisation."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="RESTRICT"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    state: Mapped[OfferState] = mapped_column(
        enum_column(OfferState, "offer_state"), default=OfferState.OFFERED
    )
    offered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    respond_by: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    comment_to_partner: Mapped[str | None] = mapped_column(sa.Text)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)

    details_requested_at: Mapped[datetime | None]
    #: When the lead's owner was last reminded of this offer's details request (SLA sweep).
    details_reminded_at: Mapped[datetime | None]
    details_granted_at: Mapped[datetime | None]
    details_granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    details_refused_reason: Mapped[str | None] = mapped_column(sa.Text)

    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_rep_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decline_reason: Mapped[DeclineReason | None] = mapped_column(
        enum_column(DeclineReason, "decline_reason")
    )
    decline_note: Mapped[str | None] = mapped_column(sa.Text)
    ended_at: Mapped[datetime | None]
    end_cause: Mapped[EndCause | None] = mapped_column(enum_column(EndCause, "offer_end_cause"))
    withdraw_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Every change of the offer moves it, so partners' systems can sync incrementally.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    lead: Mapped[Lead] = relationship(back_populates="offers")
    organisation: Mapped[Organisation] = relationship()
    offered_by: Mapped[User] = relationship(foreign_keys=[offered_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    assigned_rep: Mapped[User | None] = relationship(foreign_keys=[assigned_rep_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="offer", order_by="Comment.created_at"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # At most one accepted offer per lead, enforced by the database.
        sa.Index(
            "uq_offers_one_accepted_per_lead",
            "lead_id",
            unique=True,
            sqlite_where=sa.text("state = 'accepted'"),
            postgresql_where=sa.text("state = 'accepted'"),
        ),
        # One live offer per lead and partner; history (ended offers) may repeat.
        sa.Index(
            "uq_offers_one_open_per_lead_partner",
            "lead_id",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text(
                "state IN ('offered', 'details_requested', 'details_granted', 'accepted')"
            ),
            postgresql_where=sa.text(
                "state IN ('offered', 'details_requested', 'details_granted', 'accepted')"
            ),
        ),
        sa.Index("ix_offers_organisation_state", "organisation_id", "state", "offered_at"),
        sa.Index("ix_offers_lead_state", "lead_id", "state"),
        sa.Index("ix_offers_state_respond_by", "state", "respond_by"),
        # Benchmark (docs/performance.md): a partner's latest offer per lead, its inbox
        # newest first or by deadline, and the back office's "yesterday" counts.
        sa.Index("ix_offers_organisation_lead", "organisation_id", "lead_id", "id"),
        sa.Index("ix_offers_organisation_offered", "organisation_id", "offered_at", "id"),
        sa.Index("ix_offers_organisation_respond_by", "organisation_id", "state", "respond_by"),
        # The inbox's "details" and "closed" tabs span several states: a partial index
        # each keeps the page an index walk in page order (docs/performance.md).
        sa.Index(
            "ix_offers_details_respond_by",
            "organisation_id",
            "respond_by",
            "id",
            sqlite_where=sa.text("state IN ('details_requested', 'details_granted')"),
            postgresql_where=sa.text("state IN ('details_requested', 'details_granted')"),
        ),
        sa.Index(
            "ix_offers_answered_offered",
            "organisation_id",
            "offered_at",
            "id",
            sqlite_where=sa.text("state IN ('accepted', 'declined', 'expired', 'withdrawn')"),
            postgresql_where=sa.text("state IN ('accepted', 'declined', 'expired', 'withdrawn')"),
        ),
        # The SLA sweep's offers still to remind (partner, then staff): index-only walks
        # over open offers, never over the history (docs/performance.md).
        sa.Index(
            "ix_offers_remind_due",
            "respond_by",
            postgresql_include=["offered_at"],
            sqlite_where=sa.text(f"reminded_at IS NULL AND {_PARTNER_CLOCK}"),
            postgresql_where=sa.text(f"reminded_at IS NULL AND {_PARTNER_CLOCK}"),
        ),
        sa.Index(
            "ix_offers_details_waiting",
            "respond_by",
            postgresql_include=["offered_at", "details_requested_at", "details_reminded_at"],
            sqlite_where=sa.text("state = 'details_requested'"),
            postgresql_where=sa.text("state = 'details_requested'"),
        ),
        sa.Index("ix_offers_offered_at", "offered_at"),
        sa.Index("ix_offers_accepted_at", "accepted_at"),
        sa.Index("ix_offers_ended_at", "ended_at"),
        sa.Index("ix_offers_organisation_updated", "organisation_id", "updated_at"),
        sa.CheckConstraint(
            "state != 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"
        ),
        sa.CheckConstraint(
            "state != 'accepted' OR accepted_at IS NOT NULL", name="accepted_has_time"
        ),
        # Plausibility limits (models/limits.py), repeated by the database.
        sa.CheckConstraint(
            limits.text_check("decline_note", limits.REASON_MAX), name="decline_note_within_limits"
        ),
        sa.CheckConstraint(
            limits.text_check("withdraw_reason", limits.REASON_MAX),
            name="withdraw_reason_within_limits",
        ),
        sa.CheckConstraint(
            limits.text_check("details_refused_reason", limits.REASON_MAX),
            name="refused_reason_within_limits",
        ),
        sa.CheckConstraint(
            limits.text_check("comment_to_partner", limits.COMMENT_MAX),
            name="comment_within_limits",
        ),
    )

    @property
    def is_open(self) -> bool:
        """The partner still owes an answer."""
        return self.state in OPEN_STATES

    def deadline_passed(self, now: datetime) -> bool:
        """Whether the partner's time to answer is over.

        Never while a details request waits for the vendor's approval: the
        partner's clock is paused then (approving moves the deadline on).
        """
        return self.state is not OfferState.DETAILS_REQUESTED and now >= self.respond_by

    @property
    def is_accepted(self) -> bool:
        """The partner took the lead."""
        return self.state is OfferState.ACCEPTED

    @hybrid_property
    def first_answer_at(self) -> datetime | None:
        """When the partner first answered: asked for details, accepted or declined.

        The one definition of "first answer" for scorecards and reports; ``None``
        while the partner has not answered (an expired or withdrawn offer without
        a details request never was). In SQL too (``Offer.first_answer_at``).
        """
        declined_at = self.ended_at if self.state is OfferState.DECLINED else None
        answers = [t for t in (self.details_requested_at, self.accepted_at, declined_at) if t]
        return min(answers) if answers else None

    @first_answer_at.inplace.expression
    @classmethod
    def _first_answer_at_sql(cls) -> sa.ColumnElement[datetime | None]:
        """The earliest non-null answer time, portable to SQLite and PostgreSQL."""
        requested, accepted = cls.details_requested_at, cls.accepted_at
        declined = sa.case((cls.state == OfferState.DECLINED, cls.ended_at))

        def first(value, *others):
            """``value`` is set and no later than every other set time."""
            return sa.and_(value.is_not(None), *(sa.or_(o.is_(None), value <= o) for o in others))

        return sa.case(
            (first(requested, accepted, declined), requested),
            (first(accepted, declined), accepted),
            else_=declined,
        )


class Comment(Base):
    """A post on the board of one lead with one partner; only those two sides see it."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]

    offer: Mapped[Offer] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()

    __table_args__ = (
        # Keyset pages of a board, newest first (docs/performance.md).
        sa.Index("ix_comments_offer_created", "offer_id", "created_at", "id"),
        sa.CheckConstraint(
            limits.text_check("body", limits.COMMENT_MAX), name="body_within_limits"
        ),
    )


def unread_post(comments: sa.Table, user_id, last_read_at) -> sa.ColumnElement[bool]:
    """A board post that is new to a user: by someone else, not hidden, and after the user
    last read that board (``last_read_at``: a column, a time, or ``None`` for never).
    The one definition the unread counters, the inbox's unread marks and the read
    marker use; the caller names the board (``comments.c.offer_id``)."""
    after = (
        comments.c.created_at > last_read_at
        if isinstance(last_read_at, datetime)
        else sa.true()
        if last_read_at is None
        else sa.or_(last_read_at.is_(None), comments.c.created_at > last_read_at)
    )
    return sa.and_(comments.c.author_id != user_id, comments.c.hidden_at.is_(None), after)


class BoardRead(Base):
    """When a user last read a board, to mark posts that are new to them."""

    __tablename__ = "board_reads"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_at: Mapped[datetime] = mapped_column(default=utcnow)
