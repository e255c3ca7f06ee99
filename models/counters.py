"""Counters kept with the change: what the portal shows on every page, read from a few rows.

A partner's inbox tabs, the "waiting on you" badge, the unread board posts and
the leads a partner holds against its capacity used to be counted over
everything the partner ever received, on every page. They now live in the
``counters`` table, one row per (owner, name):

- per partner organisation (``org``): ``tab_new``, ``tab_details``,
  ``tab_accepted``, ``tab_closed`` (the manager's inbox tabs: the latest offer
  per lead, archived leads left out), ``holding`` (open offers plus accepted
  leads still being worked, :func:`models.workflow.open_lead_count`), and the
  waiting kinds ``respond``, ``assign``, ``stale``, ``overdue``;
- per user (``user``): a rep's inbox tabs ``tab_accepted`` / ``tab_closed``,
  the rep's ``stale`` / ``overdue`` leads, and ``unread`` — accepted leads the
  user reaches whose board has posts by others the user has not read.

One mechanism keeps every counter right, whatever rule changes the data: a
``before_flush`` / ``after_flush`` pair on every session (and a
``do_orm_execute`` hook for ORM bulk ``UPDATE`` / ``DELETE``) finds the
(partner, lead) pairs and users the change touches, computes their
contribution to the counters from the database before and after the change
with the same code the full recount uses (:func:`contributions`), and applies
the difference with ``UPDATE … SET value = value + :delta`` in the same
transaction. No rule has to remember the counters; a rule that writes with Core
statements or raw SQL must call :func:`refresh_pairs`. ``flask --app wsgi
counters check [--fix]`` recounts everything and reports or repairs any drift.

"Waiting on you" has one definition, :func:`waiting_kinds` (offer level) plus
unread boards, used by the navigation badge (:func:`waiting_total`), these
counters and the daily digest (:func:`waiting_items`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.leads import WORKING_STAGES, Lead, Stage
from models.offers import OPEN_STATES, BoardRead, Comment, Offer, OfferState, unread_post
from models.users import Role, User


class CounterValue(Base):
    """One counter: an organisation's or a user's figure, kept with every change."""

    __tablename__ = "counters"

    owner_kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    owner_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


ORG = "org"
USER = "user"
TABS = ("new", "details", "accepted", "closed")
#: What can wait on a partner user, in the order the badge and the digest list them.
WAITING_KINDS = ("respond", "assign", "stale", "overdue", "unread")
#: The offer states in which the partner owes an answer (details requested waits on the vendor).
RESPOND_STATES = (OfferState.OFFERED, OfferState.DETAILS_GRANTED)

Key = tuple[str, int, str]
Pair = tuple[int, int]


# --------------------------------------------------------------------------- definitions


def tab_of(state: OfferState, stage: Stage) -> str:
    """The inbox tab of an offer (the same rule as the inbox's SQL ``tab_of_offer``)."""
    if state is OfferState.OFFERED:
        return "new"
    if state in (OfferState.DETAILS_REQUESTED, OfferState.DETAILS_GRANTED):
        return "details"
    if state is OfferState.ACCEPTED and stage in WORKING_STAGES:
        return "accepted"
    return "closed"


def holds_lead(state: OfferState, stage: Stage) -> bool:
    """An offer that counts against capacity: open, or accepted and still being worked."""
    return state in OPEN_STATES or (state is OfferState.ACCEPTED and stage in WORKING_STAGES)


def waiting_kinds(
    state: OfferState,
    stage: Stage,
    *,
    archived: bool,
    assigned: bool,
    stale: bool,
    overdue: bool,
) -> list[str]:
    """What an offer asks of the partner (manager's view; a rep sees ``stale``/``overdue``).

    - ``respond``: offered or details granted — accept, decline or ask for details;
    - ``assign``: accepted, still worked, nobody of the partner assigned;
    - ``stale``: accepted and worked, flagged stale by the update SLA;
    - ``overdue``: accepted and worked, past its expected close date (when not stale).
    Board posts not yet read (``unread``) are per user, see :func:`_unread_cells`.
    """
    if archived:
        return []
    if state in RESPOND_STATES:
        return ["respond"]
    kinds: list[str] = []
    if state is OfferState.ACCEPTED and stage in WORKING_STAGES:
        if not assigned:
            kinds.append("assign")
        if stale:
            kinds.append("stale")
        elif overdue:
            kinds.append("overdue")
    return kinds


REP_KINDS = ("stale", "overdue")


def waiting_clause() -> sa.ColumnElement[bool]:
    """SQL prefilter of the offers :func:`waiting_kinds` may name (for lists of items)."""
    return sa.and_(
        Lead.archived.is_(False),
        sa.or_(
            Offer.state.in_(RESPOND_STATES),
            sa.and_(Offer.state == OfferState.ACCEPTED, Lead.stage.in_(WORKING_STAGES)),
        ),
    )


# --------------------------------------------------------------------------- contributions

_OFFER_COLUMNS = (
    Offer.id,
    Offer.organisation_id,
    Offer.lead_id,
    Offer.state,
    Offer.assigned_rep_id,
    Lead.stage,
    Lead.archived,
    Lead.stale_since,
    Lead.overdue_since,
)


def _offer_rows(conn: sa.Connection, pairs: Iterable[Pair] | None) -> Iterator[sa.Row]:
    """The offers of the given (partner, lead) pairs (all when ``None``), by pair then id."""
    query = (
        sa.select(*_OFFER_COLUMNS)
        .join(Lead, Lead.id == Offer.lead_id)
        .order_by(Offer.organisation_id, Offer.lead_id, Offer.id)
    )
    if pairs is None:
        yield from conn.execute(query.execution_options(yield_per=20_000))
        return
    pairs = sorted(pairs)
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        yield from conn.execute(
            query.where(sa.tuple_(Offer.organisation_id, Offer.lead_id).in_(chunk))
        )


def _offer_counts(rows: Iterable[sa.Row]) -> Counter:
    """Counter contributions of offers given in (partner, lead, id) order."""
    counts: Counter = Counter()
    previous = None
    for row in rows:
        pair = (row.organisation_id, row.lead_id)
        if previous is not None and (previous.organisation_id, previous.lead_id) != pair:
            _latest(counts, previous)
        previous = row
        _offer(counts, row)
    if previous is not None:
        _latest(counts, previous)
    return counts


def _offer(counts: Counter, row: sa.Row) -> None:
    """Contributions of any offer: capacity and what it waits for."""
    state, stage = OfferState(row.state), Stage(row.stage)
    if holds_lead(state, stage):
        counts[(ORG, row.organisation_id, "holding")] += 1
    kinds = waiting_kinds(
        state,
        stage,
        archived=row.archived,
        assigned=row.assigned_rep_id is not None,
        stale=row.stale_since is not None,
        overdue=row.overdue_since is not None,
    )
    for kind in kinds:
        counts[(ORG, row.organisation_id, kind)] += 1
        if kind in REP_KINDS and row.assigned_rep_id is not None:
            counts[(USER, row.assigned_rep_id, kind)] += 1


def _latest(counts: Counter, row: sa.Row) -> None:
    """Contributions of the latest offer of a lead to a partner: the inbox tabs."""
    if row.archived:
        return
    state, stage = OfferState(row.state), Stage(row.stage)
    tab = tab_of(state, stage)
    counts[(ORG, row.organisation_id, f"tab_{tab}")] += 1
    if state is OfferState.ACCEPTED and row.assigned_rep_id is not None:
        counts[(USER, row.assigned_rep_id, f"tab_{tab}")] += 1


def _unread_select(pairs: Iterable[Pair] | None, user_ids: Iterable[int] | None) -> sa.Select:
    """(user, offer) cells: accepted, not archived leads the user reaches with posts unread.

    With ``pairs`` and/or ``user_ids`` only the cells in one of those pairs or of
    one of those users are selected (each cell once); ``None`` for both selects all.
    """
    users, leads, read = User.__table__, Lead.__table__, BoardRead.__table__
    offers, comments = Offer.__table__, Comment.__table__
    reaches = sa.or_(
        users.c.role == Role.PARTNER_MANAGER.value,
        sa.and_(users.c.role == Role.PARTNER_REP.value, users.c.id == offers.c.assigned_rep_id),
    )
    unread = (
        sa.select(comments.c.id)
        .where(
            comments.c.offer_id == offers.c.id,
            unread_post(comments, users.c.id, read.c.last_read_at),
        )
        .exists()
    )
    query = (
        sa.select(users.c.id.label("user_id"), offers.c.id.label("offer_id"))
        .select_from(offers)
        .join(leads, leads.c.id == offers.c.lead_id)
        .join(users, sa.and_(users.c.organisation_id == offers.c.organisation_id, reaches))
        .outerjoin(read, sa.and_(read.c.offer_id == offers.c.id, read.c.user_id == users.c.id))
        .where(offers.c.state == OfferState.ACCEPTED.value, leads.c.archived.is_(False), unread)
    )
    pairs = sorted(pairs or ())
    scopes = []
    if pairs:
        scopes.append(sa.tuple_(offers.c.organisation_id, offers.c.lead_id).in_(pairs))
    if user_ids:
        scopes.append(users.c.id.in_(sorted(user_ids)))
    if scopes:
        query = query.where(sa.or_(*scopes))
    return query


def _unread_cells(
    conn: sa.Connection, pairs: Iterable[Pair] | None, user_ids: Iterable[int] | None
) -> Counter:
    """``unread`` per user over the cells of :func:`_unread_select`."""
    if pairs is not None and user_ids is not None and not pairs and not user_ids:
        return Counter()
    cells = _unread_select(pairs, user_ids).subquery()
    query = sa.select(cells.c.user_id, sa.func.count()).group_by(cells.c.user_id)
    return Counter({(USER, uid, "unread"): int(n) for uid, n in conn.execute(query)})


def contributions(
    conn: sa.Connection,
    pairs: Iterable[Pair] | None = None,
    user_ids: Iterable[int] | None = None,
    *,
    unread: bool = True,
) -> Counter:
    """The counters' values restricted to some pairs and users (everything when both None).

    The single definition behind the listener's deltas and the full recount.
    ``unread=False`` leaves out the unread-boards cells, for a change that cannot
    move them (the same flag must be used before and after the change).
    """
    if pairs is None and user_ids is None:
        counts = _offer_counts(_offer_rows(conn, None))
        counts.update(_unread_cells(conn, None, None))
        return counts
    pairs = set(pairs or ())
    counts = _offer_counts(_offer_rows(conn, pairs)) if pairs else Counter()
    if unread:
        counts.update(_unread_cells(conn, pairs, set(user_ids or ())))
    return counts


# --------------------------------------------------------------------------- applying


def apply_deltas(conn: sa.Connection, deltas: Counter) -> None:
    """Add each non-zero delta to its counter row (created at zero when missing).

    Keys are applied in sorted order so that concurrent transactions lock the
    same rows in the same order (no deadlock between two rules).
    """
    table = CounterValue.__table__
    items = sorted((k, d) for k, d in deltas.items() if d)
    if not items:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.owner_kind, table.c.owner_id, table.c.name],
        set_={"value": table.c.value + stmt.excluded.value},
    )
    conn.execute(
        stmt,
        [{"owner_kind": k[0], "owner_id": k[1], "name": k[2], "value": d} for k, d in items],
    )


def refresh_pairs(
    session: Session, pairs: Iterable[Pair], user_ids: Iterable[int] = (), *, before: Counter
) -> None:
    """Apply the change between ``before`` (from :func:`contributions`) and now.

    For code that changes offers, leads, posts or read markers with Core
    statements the listener cannot see: take ``before = contributions(conn,
    pairs, users)``, change the rows, then call this with the same keys.
    """
    conn = session.connection()
    after = contributions(conn, pairs, user_ids)
    delta = Counter(after)
    delta.subtract(before)
    apply_deltas(conn, delta)


# --------------------------------------------------------------------------- the listener

_LEAD_FIELDS = ("stage", "archived", "stale_since", "overdue_since")
_OFFER_FIELDS = ("state", "assigned_rep_id", "assigned_rep", "organisation_id", "lead_id")
_USER_FIELDS = ("role", "organisation_id", "organisation")
_INFO_KEY = "leadshare.counters"


def _changed(obj, fields: tuple[str, ...]) -> bool:
    """Whether any of ``fields`` of a persistent object has a pending change."""
    state = sa.inspect(obj)
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in fields)


def _touches_unread(offer: Offer) -> bool:
    """Whether a change of a persistent offer can move unread-board counts."""
    state = sa.inspect(offer)
    history = state.attrs["state"].history
    if OfferState.ACCEPTED in (*history.added, *history.deleted):
        return True
    return any(
        state.attrs[name].history.has_changes()
        for name in ("assigned_rep_id", "assigned_rep", "organisation_id", "lead_id")
    )


def _ident(obj, column: str, relation: str) -> int | None:
    """A foreign key of a pending object, read through its relationship when not set yet."""
    value = getattr(obj, column, None)
    if value is None:
        related = getattr(obj, relation, None)
        value = getattr(related, "id", None) if related is not None else None
    return value


@dataclass
class _Pending:
    """What one flush touches, and its contribution before the flush."""

    offers: list
    lead_ids: set[int]
    offer_ids: set[int]
    users: list
    pairs: set[Pair]
    user_ids: set[int]
    before: Counter
    unread: bool


def _pairs_of(conn: sa.Connection, lead_ids: set[int], offer_ids: set[int]) -> set[Pair]:
    """(partner, lead) pairs of some leads' offers and of some offers."""
    pairs: set[Pair] = set()
    if lead_ids:
        pairs.update(
            (o, lead)
            for o, lead in conn.execute(
                sa.select(Offer.organisation_id, Offer.lead_id).where(
                    Offer.lead_id.in_(sorted(lead_ids))
                )
            )
        )
    if offer_ids:
        pairs.update(
            (o, lead)
            for o, lead in conn.execute(
                sa.select(Offer.organisation_id, Offer.lead_id).where(
                    Offer.id.in_(sorted(offer_ids))
                )
            )
        )
    return pairs


def _before_flush(session: Session, flush_context, instances) -> None:
    """Note what the flush touches and take its contribution before the change."""
    offers, users = [], []
    lead_ids: set[int] = set()
    offer_ids: set[int] = set()
    pairs: set[Pair] = set()
    user_ids: set[int] = set()
    # Unread boards move only with posts, read markers, people, acceptance, the
    # assigned rep or archiving: other changes skip that (costlier) recount.
    unread = False
    for obj in session.new:
        if isinstance(obj, Offer):
            offers.append(obj)
            unread = unread or obj.state is OfferState.ACCEPTED
        elif isinstance(obj, Comment | BoardRead):
            unread = True
            offer_id = _ident(obj, "offer_id", "offer")
            if offer_id is not None:
                offer_ids.add(offer_id)
        elif isinstance(obj, User):
            unread = True
            users.append(obj)
    for obj in list(session.dirty) + list(session.deleted):
        deleted = obj in session.deleted
        if isinstance(obj, Offer) and (deleted or _changed(obj, _OFFER_FIELDS)):
            offers.append(obj)
            unread = unread or deleted or _touches_unread(obj)
        elif isinstance(obj, Lead) and (deleted or _changed(obj, _LEAD_FIELDS)):
            lead_ids.add(obj.id)
            unread = unread or deleted or _changed(obj, ("archived",))
        elif isinstance(obj, Comment | BoardRead):
            unread = True
            offer_id = obj.offer_id
            if offer_id is not None:
                offer_ids.add(offer_id)
        elif isinstance(obj, User) and (deleted or _changed(obj, _USER_FIELDS)):
            unread = True
            users.append(obj)
            user_ids.add(obj.id)
    if not (offers or lead_ids or offer_ids or users):
        return
    conn = session.connection()
    pairs |= _pairs_of(conn, lead_ids, offer_ids)
    for offer in offers:
        org, lead = (
            _ident(offer, "organisation_id", "organisation"),
            _ident(offer, "lead_id", "lead"),
        )
        if org is not None and lead is not None:
            pairs.add((org, lead))
    before = (
        contributions(conn, pairs, user_ids, unread=unread) if (pairs or user_ids) else Counter()
    )
    session.info.setdefault(_INFO_KEY, []).append(
        _Pending(offers, lead_ids, offer_ids, users, pairs, user_ids, before, unread)
    )


def _after_flush(session: Session, flush_context) -> None:
    """Recount the touched keys after the change and apply the difference."""
    pending_list = session.info.pop(_INFO_KEY, None)
    if not pending_list:
        return
    conn = session.connection()
    for pending in pending_list:
        pairs = set(pending.pairs)
        for offer in pending.offers:
            if offer.organisation_id is not None and offer.lead_id is not None:
                pairs.add((offer.organisation_id, offer.lead_id))
        pairs |= _pairs_of(conn, pending.lead_ids, pending.offer_ids)
        user_ids = set(pending.user_ids) | {u.id for u in pending.users if u.id is not None}
        # Pairs and users that could not be named before the flush (a new lead, partner
        # or user) had no rows then, so their cells counted 0: the difference is exact.
        after = (
            contributions(conn, pairs, user_ids, unread=pending.unread)
            if (pairs or user_ids)
            else Counter()
        )
        before = pending.before
        delta = Counter(after)
        delta.subtract(before)
        apply_deltas(conn, delta)


def _bulk_moves_counters(model: type, statement: sa.Update) -> bool:
    """Whether an ORM bulk ``UPDATE`` sets a column the counters depend on.

    A flag the counters ignore (an offer's ``reminded_at``, say) needs no recount;
    when the set columns cannot be told, assume they can.
    """
    names = {getattr(column, "key", column) for column in (statement._values or {})}
    if not names:
        return True
    watched = {Offer: _OFFER_FIELDS, Lead: _LEAD_FIELDS}.get(model)
    return watched is None or bool(names & set(watched))


def _orm_bulk(state) -> object | None:
    """ORM bulk UPDATE/DELETE of offers, leads, posts or read markers: recount around it."""
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model not in (Offer, Lead, Comment, BoardRead):
        return None
    if state.is_update and not _bulk_moves_counters(model, state.statement):
        return None
    session = state.session
    conn = session.connection()
    where = state.statement.whereclause
    id_column = {Offer: Offer.id, Lead: Lead.id, Comment: Comment.offer_id}.get(
        model, BoardRead.offer_id
    )
    select = sa.select(id_column)
    if where is not None:
        select = select.where(where)
    ids = set(conn.execute(select).scalars())
    pairs = _pairs_of(conn, ids, set()) if model is Lead else _pairs_of(conn, set(), ids)
    before = contributions(conn, pairs, set()) if pairs else Counter()
    result = state.invoke_statement()
    if pairs:
        refresh_pairs(session, pairs, (), before=before)
    return result


def install(session_class: type[Session] = Session) -> None:
    """Keep the counters on every session of ``session_class`` (idempotent)."""
    if event.contains(session_class, "before_flush", _before_flush):
        return
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _orm_bulk)


install()


# --------------------------------------------------------------------------- reading


def values_of(session: Session, *owners: tuple[str, int]) -> dict[tuple[str, int], dict[str, int]]:
    """The counters of some owners in one query: ``{(kind, id): {name: value}}``."""
    owners = tuple(o for o in owners if o[1] is not None)
    result: dict[tuple[str, int], dict[str, int]] = {o: {} for o in owners}
    if not owners:
        return result
    # Mapped columns, so that the session flushes pending changes (and their counters) first.
    c = CounterValue
    rows = session.execute(
        sa.select(c.owner_kind, c.owner_id, c.name, c.value).where(
            sa.tuple_(c.owner_kind, c.owner_id).in_(owners)
        )
    )
    for kind, owner_id, name, value in rows:
        result[(kind, owner_id)][name] = int(value)
    return result


@dataclass(frozen=True)
class PartnerCounts:
    """What a partner user's pages show: tab sizes and what waits on them."""

    tabs: dict[str, int]
    waiting: dict[str, int]

    @property
    def waiting_total(self) -> int:
        """The navigation badge: everything waiting on the user."""
        return sum(self.waiting.values())


def partner_counts(session: Session, user: User) -> PartnerCounts:
    """Tabs and waiting items of a partner user from the counters (one query)."""
    org_key, user_key = (ORG, user.organisation_id), (USER, user.id)
    values = values_of(session, org_key, user_key)
    org, mine = values[org_key], values[user_key]
    if user.role is Role.PARTNER_MANAGER:
        tabs = {tab: org.get(f"tab_{tab}", 0) for tab in TABS}
        waiting = {kind: org.get(kind, 0) for kind in WAITING_KINDS if kind != "unread"}
    else:
        tabs = {
            tab: mine.get(f"tab_{tab}", 0) if tab in ("accepted", "closed") else 0 for tab in TABS
        }
        waiting = {kind: mine.get(kind, 0) for kind in REP_KINDS}
    waiting["unread"] = mine.get("unread", 0)
    return PartnerCounts(tabs=tabs, waiting=waiting)


def waiting_total(session: Session, user: User) -> int:
    """The "waiting on you" badge of a partner user (0 for anyone else)."""
    if user.role not in (Role.PARTNER_MANAGER, Role.PARTNER_REP):
        return 0
    return partner_counts(session, user).waiting_total


def holding_counts(session: Session, organisation_ids: Iterable[int]) -> dict[int, int]:
    """Leads each partner holds against its capacity, from the counters."""
    ids = sorted(set(organisation_ids))
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    c = CounterValue
    rows = session.execute(
        sa.select(c.owner_id, c.value).where(
            c.owner_kind == ORG, c.name == "holding", c.owner_id.in_(ids)
        )
    )
    counts.update({owner: int(value) for owner, value in rows})
    return counts


def waiting_items(session: Session, user: User) -> list[tuple[str, Offer]]:
    """What waits on a partner user, item by item (the digest's list; the badge counts it).

    One ``(kind, offer)`` per item, kinds in :data:`WAITING_KINDS`.
    """
    from sqlalchemy.orm import joinedload

    query = (
        sa.select(Offer)
        .join(Lead, Lead.id == Offer.lead_id)
        .where(Offer.organisation_id == user.organisation_id, waiting_clause())
        .options(joinedload(Offer.lead))
        .order_by(Offer.id)
    )
    if user.role is Role.PARTNER_REP:
        query = query.where(Offer.assigned_rep_id == user.id)
    items: list[tuple[str, Offer]] = []
    for offer in session.scalars(query):
        lead = offer.lead
        kinds = waiting_kinds(
            offer.state,
            lead.stage,
            archived=lead.archived,
            assigned=offer.assigned_rep_id is not None,
            stale=lead.stale_since is not None,
            overdue=lead.overdue_since is not None,
        )
        if user.role is Role.PARTNER_REP:
            kinds = [k for k in kinds if k in REP_KINDS]
        items.extend((kind, offer) for kind in kinds)
    unread_ids = _unread_select(None, [user.id]).with_only_columns(Offer.__table__.c.id)
    unread = session.scalars(
        sa.select(Offer)
        .where(Offer.id.in_(unread_ids))
        .options(joinedload(Offer.lead))
        .order_by(Offer.id)
    )
    items.extend(("unread", offer) for offer in unread)
    return items


# --------------------------------------------------------------------------- check / fix


def check(session: Session, *, fix: bool = False) -> dict[Key, tuple[int, int]]:
    """Recount every counter; return ``{key: (stored, recounted)}`` of those that differ.

    With ``fix`` the stored values are replaced by the recount (in the session's
    transaction; the caller commits).
    """
    conn = session.connection()
    recount = contributions(conn)
    table = CounterValue.__table__
    stored = {
        (k, i, n): int(v)
        for k, i, n, v in conn.execute(
            sa.select(table.c.owner_kind, table.c.owner_id, table.c.name, table.c.value)
        )
    }
    drift = {
        key: (stored.get(key, 0), recount.get(key, 0))
        for key in set(stored) | set(recount)
        if stored.get(key, 0) != recount.get(key, 0)
    }
    if fix and drift:
        delta = Counter({key: new - old for key, (old, new) in drift.items()})
        apply_deltas(conn, delta)
    return drift
