"""Files on a lead: proposals, quotes and contracts shared on a partner's board, or kept by staff.

A file on an offer's board is visible exactly like the board: to staff, and to
the users of that offer's partner who reach the offer through the tenant gate
once it is accepted — never to another partner. A file without an offer is
for staff only. Files are never deleted, only archived; every download is
written to the audit log.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models.base import Base, enum_column, utcnow
from models.gates import reachable_offers
from models.leads import Lead, new_reference
from models.offers import Offer, OfferState
from models.users import User


class FileKind(enum.Enum):
    """What a shared document is."""

    PROPOSAL = "proposal"
    QUOTE = "quote"
    CONTRACT = "contract"
    OTHER = "other"


FILE_KIND_LABELS = {
    FileKind.PROPOSAL: _l("Proposal document"),
    FileKind.QUOTE: _l("Quote"),
    FileKind.CONTRACT: _l("Contract"),
    FileKind.OTHER: _l("Other document"),
}


class LeadFile(Base):
    """One uploaded file on a lead: on one partner's board, or staff-only (no offer)."""

    __tablename__ = "lead_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="RESTRICT"), index=True)
    #: The board the file is on; ``None`` keeps it for vendor staff only.
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind, "file_kind"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]
    archived_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    lead: Mapped[Lead] = relationship(
        backref=backref("files", order_by="LeadFile.uploaded_at", lazy="select")
    )
    offer: Mapped[Offer | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    archived_by: Mapped[User | None] = relationship(foreign_keys=[archived_by_id])

    @property
    def staff_only(self) -> bool:
        """Kept by vendor staff, on no partner's board."""
        return self.offer_id is None

    @property
    def archived(self) -> bool:
        """Archived files are hidden from partners and kept for staff."""
        return self.archived_at is not None

    def __str__(self) -> str:
        return self.filename


# --------------------------------------------------------------------------- the gate


def reachable_files(user: User) -> sa.Select[tuple[LeadFile]]:
    """Files ``user`` may reach: staff all; partners the live files of their accepted offers."""
    query = sa.select(LeadFile)
    if user.is_staff:
        return query
    if not user.is_partner:
        return query.where(sa.false())
    boards = (
        reachable_offers(user).where(Offer.state == OfferState.ACCEPTED).with_only_columns(Offer.id)
    )
    return query.where(LeadFile.offer_id.in_(boards), LeadFile.archived_at.is_(None))


def board_files_query(user: User, offer: Offer) -> sa.Select[tuple[LeadFile]]:
    """The live files on ``offer``'s board that ``user`` may see, oldest first."""
    return (
        reachable_files(user)
        .where(LeadFile.offer_id == offer.id, LeadFile.archived_at.is_(None))
        .order_by(LeadFile.uploaded_at, LeadFile.id)
    )


def file_on_board_query(user: User, offer: Offer, file_ref: str) -> sa.Select[tuple[LeadFile]]:
    """One file of ``offer``'s board by reference, through the gate (a miss means 404)."""
    return reachable_files(user).where(LeadFile.offer_id == offer.id, LeadFile.ref == file_ref)


def file_of_lead_query(lead: Lead, file_ref: str) -> sa.Select[tuple[LeadFile]]:
    """For staff: one file of ``lead`` by reference, archived or not."""
    return sa.select(LeadFile).where(LeadFile.lead_id == lead.id, LeadFile.ref == file_ref)
