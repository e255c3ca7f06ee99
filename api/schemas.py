"""Request and response bodies of ``/api/v1`` (pydantic), the source of the OpenAPI schemas.

Requests are validated here (types, lengths, codes); whether a change is
allowed is decided by the rules in ``models/``, exactly as for the forms.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS
from models.leads import Channel, LeadSource, LostReason, NoteCategory, Timing
from models.limits import (
    COMMENT_MAX,
    COMPANY_NAME_MAX,
    CONVERSATION_MAX,
    MAX_AMOUNT_YEN,
    NAME_MAX,
    NEED_MAX,
    NOTE_MAX,
    PRODUCT_MAX,
    REASON_MAX,
    TEASER_MAX,
)
from models.offers import DeclineReason
from models.prospects import ConsentMethod

#: No NUL characters: PostgreSQL cannot store them in text.
_NO_NUL = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 0):
    """A string type without NUL characters, of bounded length."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=_NO_NUL)]


Money = Annotated[int, Field(ge=0, le=MAX_AMOUNT_YEN)]
ProductLine = Literal[tuple(PRODUCT_LINES)]  # type: ignore[valid-type]
Region = Literal[tuple(REGIONS)]  # type: ignore[valid-type]
Industry = Literal[tuple(INDUSTRIES)]  # type: ignore[valid-type]
SizeBand = Literal[tuple(SIZE_BANDS)]  # type: ignore[valid-type]
MoveStage = Literal["appointment", "needs_hearing", "proposal", "delivered", "paid"]


class Body(BaseModel):
    """A request body: unknown fields are refused, so a typo cannot pass silently."""

    model_config = ConfigDict(extra="forbid")


class AcceptIn(Body):
    """Accept the offer, optionally giving the lead to a rep at once."""

    rep: EmailStr | None = Field(None, description="E-mail of one of your active users.")
    comment: text(COMMENT_MAX) | None = Field(None, description="A first post on the lead's board.")


class AssignIn(Body):
    """Give an accepted lead to one of your users, or take it back (``null``)."""

    rep: EmailStr | None = Field(description="E-mail of one of your active users, or null.")


class DeclineIn(Body):
    """Decline the offer with a reason (a note is required for ``other``)."""

    reason: DeclineReason
    note: text(NOTE_MAX) | None = None


class StageIn(Body):
    """Move an accepted lead along the pipeline (won and lost have their own endpoints)."""

    to_stage: MoveStage
    note: text(NOTE_MAX) | None = None


class ActivityIn(Body):
    """A call, visit, e-mail or web contact with the prospect."""

    occurred_at: AwareDatetime
    channel: Channel
    category: NoteCategory
    detail: text(CONVERSATION_MAX, min_length=1)


class WonIn(Body):
    """Close as won: the order."""

    order_date: date
    product: text(PRODUCT_MAX, min_length=1)
    amount: Money
    delivery_date: date
    note: text(NOTE_MAX) | None = None


class LostIn(Body):
    """Close as lost with a reason (a note is required for ``other``)."""

    reason: LostReason
    note: text(NOTE_MAX) | None = None


class CommentIn(Body):
    """A post on the lead's board."""

    body: text(COMMENT_MAX, min_length=1)


class RegistrationIn(Body):
    """A deal the partner found itself."""

    company_name: text(COMPANY_NAME_MAX, min_length=1)
    address: text(300, min_length=1)
    phone: text(40, min_length=1)
    representative: text(NAME_MAX, min_length=1)
    website: text(300, min_length=1)
    industry: Industry | None = None
    region: Region | None = None
    contact_name: text(NAME_MAX, min_length=1)
    contact_title: text(NAME_MAX) | None = None
    contact_phone: text(40, min_length=1)
    contact_email: EmailStr
    #: How the contact agreed to be shared with the vendor's partners; none: not shared.
    consent_method: ConsentMethod | None = None
    need: text(NEED_MAX, min_length=1)
    product_interest: ProductLine
    expected_value: Money | None = None


class ProspectIn(Body):
    """The prospect company and its contact person (staff)."""

    company_name: text(COMPANY_NAME_MAX, min_length=1)
    address: text(300, min_length=1)
    phone: text(40, min_length=1)
    representative: text(NAME_MAX, min_length=1)
    website: text(300, min_length=1)
    industry: Industry | None = None
    size_band: SizeBand | None = None
    region: Region | None = None
    contact_name: text(NAME_MAX, min_length=1)
    contact_title: text(NAME_MAX) | None = None
    contact_phone: text(40, min_length=1)
    contact_email: EmailStr


class LeadFieldsIn(Body):
    """The lead itself (staff)."""

    teaser: text(TEASER_MAX, min_length=1)
    need: text(NEED_MAX, min_length=1)
    product_interest: ProductLine
    source: LeadSource = LeadSource.WEB
    timing: Timing = Timing.UNKNOWN
    estimated_value: Money | None = None
    expected_close_on: date | None = None


class ChecklistIn(Body):
    """The qualification checklist; all four make the lead qualified (offerable)."""

    budget: bool = False
    authority: bool = False
    need: bool = False
    timing: bool = False


class LeadIn(Body):
    """A new lead from the vendor's own systems (staff tokens only)."""

    prospect: ProspectIn
    lead: LeadFieldsIn
    consent: bool = Field(False, description="The contact agreed to be passed to partners.")
    consent_method: ConsentMethod | None = None
    checklist: ChecklistIn = ChecklistIn()


class OfferIn(Body):
    """Offer a qualified lead to a partner (staff tokens only)."""

    partner: text(60, min_length=1) = Field(description="The partner's short name (slug).")
    comment: text(COMMENT_MAX) | None = None
    override_reason: text(REASON_MAX) | None = Field(
        None, description="Required to offer outside the partner's policy."
    )


# --------------------------------------------------------------------------- responses


class CompanyOut(BaseModel):
    """The prospect company (from the details level)."""

    name: str
    address: str
    phone: str
    representative: str
    website: str


class NoteOut(BaseModel):
    """A shareable conversation note (from the details level, if the policy allows)."""

    occurred_at: datetime
    channel: str
    category: str
    text: str


class InstalledProductOut(BaseModel):
    """A vendor product the prospect runs (from the details level, if the policy allows)."""

    product_name: str
    product_line: str | None
    installed_on: date | None
    quantity: int


class ContactOut(BaseModel):
    """The contact person (full level, policy and consent)."""

    name: str
    title: str | None
    phone: str
    email: str


class OutcomeOut(BaseModel):
    """How the lead ended."""

    stage: str
    order_date: date | None
    order_product: str | None
    order_amount: int | None
    delivery_date: date | None
    lost_reason: str | None
    note: str | None


class OfferOut(BaseModel):
    """The caller's offer of the lead."""

    state: str
    offered_at: datetime
    respond_by: datetime
    comment_from_vendor: str | None
    details_requested_at: datetime | None
    details_granted_at: datetime | None
    details_refused_reason: str | None
    accepted_at: datetime | None
    assigned_rep: str | None
    decline_reason: str | None
    ended_at: datetime | None
    version: int


class StaffOfferOut(BaseModel):
    """One offer of the lead, as staff see it."""

    partner: str
    state: str
    offered_at: datetime
    respond_by: datetime


class LeadOut(BaseModel):
    """A lead exactly as the gates show it to the caller: hidden fields are absent."""

    ref: str
    disclosure: Literal["teaser", "details", "full"]
    teaser: str
    need: str
    industry: str | None
    region: str | None
    size_band: str | None
    product_interest: str
    timing: str
    company: CompanyOut | None = None
    estimated_value: int | None = None
    notes: list[NoteOut] | None = None
    installed_products: list[InstalledProductOut] | None = None
    contact: ContactOut | None = None
    contact_withheld: Literal["no_consent"] | None = None
    stage: str | None = None
    outcome: OutcomeOut | None = None
    offer: OfferOut | None = None
    offers: list[StaffOfferOut] | None = None
    version: str = Field(description="The record's version; the ETag without its quotes.")
    updated_at: datetime


class LeadPage(BaseModel):
    """One page of leads; follow ``next_cursor`` until it is null."""

    data: list[LeadOut]
    next_cursor: str | None
    as_of: datetime = Field(description="Pass as updated_since on your next sync.")


class CommentOut(BaseModel):
    """A post on a lead's board."""

    id: int
    author: str
    from_vendor: bool
    body: str
    created_at: datetime


class CommentPage(BaseModel):
    """One page of a board, oldest first."""

    data: list[CommentOut]
    next_cursor: str | None


class ActivityOut(BaseModel):
    """A logged activity."""

    id: int
    occurred_at: datetime
    channel: str
    category: str
    detail: str
    lead_version: str


class RegistrationOut(BaseModel):
    """A deal registration and its decision."""

    ref: str
    status: str
    submitted_at: datetime
    company_name: str
    decision_reason: str | None
    lead_ref: str | None


class RegistrationPage(BaseModel):
    """One page of registrations, oldest first."""

    data: list[RegistrationOut]
    next_cursor: str | None


class MeOut(BaseModel):
    """Who the token acts for."""

    user: str
    role: str
    organisation: str
    read_only: bool
    expires_at: datetime | None


class ProblemOut(BaseModel):
    """An RFC 9457 problem: ``title`` and ``detail`` in the caller's language."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldErrorOut] | None = None


class FieldErrorOut(BaseModel):
    """One invalid field of a request body or query."""

    field: str
    message: str


ProblemOut.model_rebuild()
