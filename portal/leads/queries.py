"""Read queries of the partner inbox and lead page; all start from the tenant gate."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from leadshare.extensions import db
from leadshare.pagination import KeysetPage, keyset_page
from models import counters
from models.gates import DisclosureLevel, disclosure_level, lead_view_loading, reachable_offers
from models.leads import WORKING_STAGES, Activity, Lead, StageChange
from models.offers import ENDED_STATES, BoardRead, Comment, Offer, OfferState, unread_post
from models.prospects import Prospect
from models.users import User

#: Offer states at which the company name is disclosed, derived from the gate itself.
COMPANY_STATES = tuple(
    state
    for state in OfferState
    if disclosure_level(SimpleNamespace(state=state)) >= DisclosureLevel.DETAILS
)

TABS = {
    "new": _l("New offers"),
    "details": _l("Details"),
    "accepted": _l("In progress"),
    "closed": _l("Closed leads"),
}


def tab_of_offer():
    """SQL expression naming the inbox tab of each offer row (stage only read once accepted)."""
    accepted = Offer.state == OfferState.ACCEPTED
    return sa.case(
        (Offer.state == OfferState.OFFERED, "new"),
        (Offer.state.in_((OfferState.DETAILS_REQUESTED, OfferState.DETAILS_GRANTED)), "details"),
        (sa.and_(accepted, Lead.stage.in_(WORKING_STAGES)), "accepted"),
        else_="closed",
    )


#: States of the offers the "closed" tab can hold (ix_offers_answered_offered).
ANSWERED_STATES = (OfferState.ACCEPTED, *ENDED_STATES)


def tab_condition(tab: str) -> sa.ColumnElement[bool]:
    """The offers of one tab, as plain conditions (``tab_of_offer() == tab``, sargable).

    PostgreSQL cannot estimate or index a CASE; on the state and stage columns it
    walks the partner's index in page order and stops after one page.
    """
    working = Lead.stage.in_(WORKING_STAGES)
    accepted = Offer.state == OfferState.ACCEPTED
    return {
        "new": Offer.state == OfferState.OFFERED,
        "details": Offer.state.in_((OfferState.DETAILS_REQUESTED, OfferState.DETAILS_GRANTED)),
        "accepted": sa.and_(accepted, working),
        "closed": sa.and_(
            # Redundant with the OR below; it names the partial index's states.
            Offer.state.in_(ANSWERED_STATES),
            sa.or_(Offer.state.in_(ENDED_STATES), sa.and_(accepted, ~working)),
        ),
    }[tab]


def _inbox_base(user: User, search: str | None = None) -> sa.Select:
    """The user's latest reachable offer per lead, optionally matching ``search``."""
    gate = reachable_offers(user)
    # "No newer offer of this lead to this partner": probed per row through
    # ix_offers_organisation_lead, so a page of 25 stops after 25 rows instead of
    # grouping every offer the partner ever had (docs/performance.md).
    newer = sa.orm.aliased(Offer)
    latest = ~sa.exists().where(
        newer.lead_id == Offer.lead_id,
        newer.organisation_id == Offer.organisation_id,
        newer.id > Offer.id,
    )
    query = gate.join(Offer.lead).join(Lead.prospect).where(latest, Lead.archived.is_(False))
    search = (search or "").strip()
    if search:
        needle = search.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Lead.teaser).contains(needle, autoescape=True),
                sa.func.lower(Lead.need).contains(needle, autoescape=True),
                sa.and_(
                    Offer.state.in_(COMPANY_STATES),
                    sa.func.lower(Prospect.company_name).contains(needle, autoescape=True),
                ),
            )
        )
    return query


def tab_counts(user: User, search: str | None = None) -> dict[str, int]:
    """How many offers each inbox tab holds.

    Without a search the figures are the counters kept with every change (one
    small query whatever the partner's history); a search counts its matches.
    """
    if not (search or "").strip():
        return dict(counters.partner_counts(db.session, user).tabs)
    tab = tab_of_offer().label("tab")
    rows = db.session.execute(
        _inbox_base(user, search).with_only_columns(tab, sa.func.count(Offer.id)).group_by(tab)
    ).all()
    counts = dict.fromkeys(TABS, 0)
    counts.update({name: count for name, count in rows})
    return counts


def inbox_query(
    user: User,
    *,
    tab: str,
    search: str | None = None,
    state: OfferState | None = None,
    stage=None,
) -> sa.Select:
    """The offers of one inbox tab with everything their rows show loaded up front."""
    query = _inbox_base(user, search).where(tab_condition(tab))
    if state is not None:
        query = query.where(Offer.state == state)
    if stage is not None:
        # A lead's stage is the accepting partner's business: filter only accepted offers.
        query = query.where(Offer.state == OfferState.ACCEPTED, Lead.stage == stage)
    if tab in ("new", "details"):
        query = query.order_by(Offer.respond_by.asc(), Offer.id.desc())
    else:
        query = query.order_by(Offer.offered_at.desc(), Offer.id.desc())
    return query.options(*lead_view_loading(prospect_joined=True))


def unread_counts(user: User, offers: list[Offer]) -> dict[int, int]:
    """Board posts by others since the user last read each board (one statement)."""
    ids = [o.id for o in offers if o.is_accepted]
    if not ids:
        return {}
    rows = db.session.execute(
        _unread_posts(user)
        .with_only_columns(Comment.offer_id, sa.func.count(Comment.id))
        .where(Comment.offer_id.in_(ids))
        .group_by(Comment.offer_id)
    ).all()
    return dict(rows)


def _unread_posts(user: User) -> sa.Select:
    """Visible board posts by others that ``user`` has not read yet."""
    read = sa.orm.aliased(BoardRead)
    return (
        sa.select(Comment.id)
        .outerjoin(read, sa.and_(read.offer_id == Comment.offer_id, read.user_id == user.id))
        .where(unread_post(Comment.__table__, user.id, read.last_read_at))
    )


def waiting_count(user: User) -> int:
    """Items waiting on ``user`` (the badge), from the counters: see :mod:`models.counters`."""
    return counters.waiting_total(db.session, user)


#: Entries per page of a lead's board, activities and stage history (keyset pages).
ENTRIES_PER_PAGE = 30


def board_of(offer: Offer, bookmark: str | None = None) -> KeysetPage:
    """A page of the visible posts of an offer's board, newest first, with their authors.

    The template shows a page oldest first; "earlier posts" follows ``next_bookmark``.
    """
    return keyset_page(
        sa.select(Comment)
        .where(Comment.offer_id == offer.id, Comment.hidden_at.is_(None))
        .options(joinedload(Comment.author).joinedload(User.organisation))
        .order_by(Comment.created_at.desc(), Comment.id.desc()),
        per_page=ENTRIES_PER_PAGE,
        bookmark=bookmark,
    )


def activities_of(offer: Offer, bookmark: str | None = None) -> KeysetPage:
    """A page of the activities logged on this partner's work of the lead, newest first."""
    return keyset_page(
        sa.select(Activity)
        .where(Activity.offer_id == offer.id)
        .options(joinedload(Activity.author))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc()),
        per_page=ENTRIES_PER_PAGE,
        bookmark=bookmark,
    )


def stage_history_of(offer: Offer, bookmark: str | None = None) -> KeysetPage:
    """A page of the stage moves made while this partner worked the lead, newest first."""
    return keyset_page(
        sa.select(StageChange)
        .where(StageChange.offer_id == offer.id)
        .options(joinedload(StageChange.changed_by))
        .order_by(StageChange.id.desc()),
        per_page=ENTRIES_PER_PAGE,
        bookmark=bookmark,
    )


def last_read(user: User, offer: Offer) -> BoardRead | None:
    """The user's read marker of this offer's board."""
    return db.session.get(BoardRead, (user.id, offer.id))


def organisation_reps(organisation_id: int) -> list[sa.Row]:
    """Active users of a partner who can be given a lead, by name: ``(id, name)`` rows.

    Two columns, not whole users: the largest partner has a thousand people.
    """
    return list(
        db.session.execute(
            sa.select(User.id, User.name)
            .where(User.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )
