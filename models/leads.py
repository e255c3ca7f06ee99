"""Leads — sales opportunities at a prospect — with their notes, activities and stage history."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import limits
from models.base import Base, enum_column, utcnow
from models.prospects import Prospect

if TYPE_CHECKING:
    from models.offers import Offer
    from models.users import User


class Stage(enum.Enum):
    """Where a lead is: captured, qualified, then the pipeline to won/paid or lost."""

    NEW = "new"
    QUALIFIED = "qualified"
    APPOINTMENT = "appointment"
    NEEDS_HEARING = "needs_hearing"
    PROPOSAL = "proposal"
    WON = "won"
    DELIVERED = "delivered"
    PAID = "paid"
    LOST = "lost"


STAGE_LABELS = {
    Stage.NEW: _l("New"),
    Stage.QUALIFIED: _l("Qualified"),
    Stage.APPOINTMENT: _l("Appointment"),
    Stage.NEEDS_HEARING: _l("Needs hearing"),
    Stage.PROPOSAL: _l("Proposal"),
    Stage.WON: _l("Won"),
    Stage.DELIVERED: _l("Delivered"),
    Stage.PAID: _l("Paid"),
    Stage.LOST: _l("Lost"),
}

#: Stages a partner works in after accepting; any of them may move to another.
WORKING_STAGES = (Stage.APPOINTMENT, Stage.NEEDS_HEARING, Stage.PROPOSAL)
#: Stages after an order: they only move forward.
ORDER_STAGES = (Stage.WON, Stage.DELIVERED, Stage.PAID)
CLOSED_STAGES = (*ORDER_STAGES, Stage.LOST)
#: Stages in which contacts with the prospect are still logged: worked, or ordered and not paid.
ACTIVITY_STAGES = (*WORKING_STAGES, Stage.WON, Stage.DELIVERED)
#: Stages a worked lead may be moved to by hand, in either door (won and lost go through
#: their own close rules); ``models.workflow.stage_moves`` says which apply from where.
MOVABLE_STAGES = (*WORKING_STAGES, Stage.DELIVERED, Stage.PAID)


class LeadSource(enum.Enum):
    """Where the lead was found."""

    PHONE = "phone"
    WEB = "web"
    EVENT = "event"
    REFERRAL = "referral"
    PARTNER = "partner"  # a partner's deal registration


class Timing(enum.Enum):
    """When the prospect expects to buy."""

    WITHIN_1_MONTH = "1m"
    WITHIN_3_MONTHS = "3m"
    WITHIN_6_MONTHS = "6m"
    LATER = "later"
    UNKNOWN = "unknown"


class LostReason(enum.Enum):
    """Why a lead was lost (every outcome is reported back to the vendor)."""

    PRICE = "price"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    NO_DECISION = "no_decision"
    TIMING = "timing"
    UNREACHABLE = "unreachable"
    OTHER = "other"


class Channel(enum.Enum):
    """How a conversation or activity happened."""

    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"
    WEB = "web"


class NoteCategory(enum.Enum):
    """What a conversation was about."""

    PRODUCT_INQUIRY = "product_inquiry"
    DELIVERY = "delivery"
    ORDER = "order"
    COMPLAINT = "complaint"
    OTHER = "other"


class NoteVisibility(enum.Enum):
    """Internal notes never leave the vendor; shareable ones may, per policy."""

    INTERNAL = "internal"
    SHAREABLE = "shareable"


def new_reference() -> str:
    """An opaque, unguessable reference for URLs."""
    return secrets.token_urlsafe(12)


#: SQL for "not closed" in the partial indexes (the values of :data:`CLOSED_STAGES`).
_OPEN = "stage NOT IN ({})".format(", ".join(f"'{s.value}'" for s in CLOSED_STAGES))


class Lead(Base):
    """One sales opportunity at a prospect."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    prospect_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prospects.id", ondelete="RESTRICT"), index=True
    )
    teaser: Mapped[str] = mapped_column(sa.Text)
    need: Mapped[str] = mapped_column(sa.Text)
    product_interest: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[LeadSource] = mapped_column(enum_column(LeadSource, "lead_source"))
    timing: Mapped[Timing] = mapped_column(enum_column(Timing, "lead_timing"))
    estimated_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    expected_close_on: Mapped[date | None]

    # Qualification checklist (BANT): complete means every box ticked.
    has_budget: Mapped[bool] = mapped_column(default=False)
    has_authority: Mapped[bool] = mapped_column(default=False)
    has_need: Mapped[bool] = mapped_column(default=False)
    has_timing: Mapped[bool] = mapped_column(default=False)
    qualified_at: Mapped[datetime | None]

    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "lead_stage"), default=Stage.NEW)

    # Outcome: won needs the order data, lost needs a reason.
    order_date: Mapped[date | None]
    order_product: Mapped[str | None] = mapped_column(sa.String(200))
    order_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    delivery_date: Mapped[date | None]
    lost_reason: Mapped[LostReason | None] = mapped_column(enum_column(LostReason, "lost_reason"))
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None]

    last_activity_at: Mapped[datetime | None]
    stale_since: Mapped[datetime | None]
    overdue_since: Mapped[datetime | None]
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    prospect: Mapped[Prospect] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    offers: Mapped[list[Offer]] = relationship(back_populates="lead", order_by="Offer.id")
    notes: Mapped[list[ConversationNote]] = relationship(
        back_populates="lead", order_by="ConversationNote.occurred_at"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="lead", order_by="Activity.occurred_at"
    )
    stage_changes: Mapped[list[StageChange]] = relationship(
        back_populates="lead", order_by="StageChange.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "stage NOT IN ('won', 'delivered', 'paid') OR (order_date IS NOT NULL "
            "AND order_product IS NOT NULL AND order_amount IS NOT NULL "
            "AND delivery_date IS NOT NULL)",
            name="won_has_order",
        ),
        sa.CheckConstraint("stage != 'lost' OR lost_reason IS NOT NULL", name="lost_has_reason"),
        sa.CheckConstraint(
            "estimated_value IS NULL OR estimated_value >= 0", name="value_not_negative"
        ),
        # Plausibility limits (models/limits.py), repeated by the database.
        sa.CheckConstraint(limits.amount_check("estimated_value"), name="value_within_limits"),
        sa.CheckConstraint(limits.amount_check("order_amount"), name="amount_within_limits"),
        sa.CheckConstraint(limits.date_check("order_date"), name="order_date_within_limits"),
        sa.CheckConstraint(limits.date_check("delivery_date"), name="delivery_date_within_limits"),
        sa.CheckConstraint(
            limits.date_check("expected_close_on"), name="expected_close_within_limits"
        ),
        sa.CheckConstraint(
            limits.text_check("teaser", limits.TEASER_MAX), name="teaser_within_limits"
        ),
        sa.CheckConstraint(
            limits.text_check("outcome_note", limits.NOTE_MAX), name="outcome_note_within_limits"
        ),
        sa.Index("ix_leads_stage_created", "stage", "created_at"),
        # Benchmark (docs/performance.md): the back office's newest-first list, the
        # "yesterday" counts, and the SLA sweep's small set of leads still to flag.
        sa.Index("ix_leads_created_at", "created_at"),
        sa.Index("ix_leads_closed_at", "closed_at"),
        sa.Index(
            "ix_leads_stale_due",
            "id",
            sqlite_where=sa.text(
                "stale_since IS NULL AND archived = 0 "
                "AND stage IN ('appointment', 'needs_hearing', 'proposal')"
            ),
            postgresql_where=sa.text(
                "stale_since IS NULL AND archived = false "
                "AND stage IN ('appointment', 'needs_hearing', 'proposal')"
            ),
        ),
        sa.Index(
            "ix_leads_overdue_due",
            "expected_close_on",
            sqlite_where=sa.text(f"overdue_since IS NULL AND archived = 0 AND {_OPEN}"),
            postgresql_where=sa.text(f"overdue_since IS NULL AND archived = false AND {_OPEN}"),
        ),
        # The sweep's leads whose overdue flag is to clear: one small index per reason.
        *(
            sa.Index(
                f"ix_leads_overdue_{column}",
                column,
                sqlite_where=sa.text("overdue_since IS NOT NULL"),
                postgresql_where=sa.text("overdue_since IS NOT NULL"),
            )
            for column in ("expected_close_on", "stage", "archived")
        ),
    )

    def __str__(self) -> str:
        return f"{self.ref}"

    @property
    def is_qualified(self) -> bool:
        """Every box of the qualification checklist is ticked."""
        return self.has_budget and self.has_authority and self.has_need and self.has_timing

    def set_checklist(
        self, *, budget: bool, authority: bool, need: bool, timing: bool, now: datetime
    ) -> None:
        """Tick the qualification checklist and take the stage it implies.

        The one definition of qualifying a lead: a complete checklist makes a new
        lead qualified (it can be offered), an incomplete one sends a qualified
        lead back to new. Leads further along keep their stage.
        """
        self.has_budget, self.has_authority = bool(budget), bool(authority)
        self.has_need, self.has_timing = bool(need), bool(timing)
        if self.is_qualified and self.stage is Stage.NEW:
            self.stage = Stage.QUALIFIED
            self.qualified_at = now
        elif not self.is_qualified and self.stage is Stage.QUALIFIED:
            self.stage = Stage.NEW
            self.qualified_at = None

    @property
    def accepted_offer(self) -> Offer | None:
        """The offer through which a partner works the lead (at most one, see ``Offer``)."""
        return next((offer for offer in self.offers if offer.is_accepted), None)

    @property
    def takes_activities(self) -> bool:
        """Activities may be logged: the lead is being worked, or won and not yet paid."""
        return self.stage in ACTIVITY_STAGES

    @property
    def is_closed(self) -> bool:
        """Won (and after) or lost."""
        return self.stage in CLOSED_STAGES

    @property
    def is_working(self) -> bool:
        """Accepted by a partner and not yet closed."""
        return self.stage in WORKING_STAGES


class ConversationNote(Base):
    """What the prospect said, recorded almost verbatim."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "note_channel"))
    category: Mapped[NoteCategory] = mapped_column(enum_column(NoteCategory, "note_category"))
    visibility: Mapped[NoteVisibility] = mapped_column(
        enum_column(NoteVisibility, "note_visibility"), default=NoteVisibility.INTERNAL
    )
    text: Mapped[str] = mapped_column(sa.Text)
    archived: Mapped[bool] = mapped_column(default=False)
    # Indexed for the back office's "yesterday" counts (docs/performance.md).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    lead: Mapped[Lead] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class Activity(Base):
    """A partner's or the vendor's logged contact with the prospect after acceptance."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    occurred_at: Mapped[datetime]
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "activity_channel"))
    category: Mapped[NoteCategory] = mapped_column(enum_column(NoteCategory, "activity_category"))
    detail: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="activities")
    author: Mapped[User] = relationship()

    __table_args__ = (
        # Keyset pages of a lead's activities, newest first (docs/performance.md).
        sa.Index("ix_activities_offer_occurred", "offer_id", "occurred_at", "id"),
        sa.CheckConstraint(limits.date_check("occurred_at"), name="occurred_within_limits"),
        sa.CheckConstraint(
            limits.text_check("detail", limits.CONVERSATION_MAX), name="detail_within_limits"
        ),
    )


class StageChange(Base):
    """One move of a lead through the pipeline, kept forever."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offers.id", ondelete="SET NULL"))
    from_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage_change_from"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage_change_to"))
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.Text)

    lead: Mapped[Lead] = relationship(back_populates="stage_changes")
    changed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # Keyset pages of a lead's stage history, newest first (docs/performance.md).
        sa.Index("ix_stage_changes_offer_id", "offer_id", "id"),
        sa.CheckConstraint(limits.text_check("note", limits.NOTE_MAX), name="note_within_limits"),
    )
