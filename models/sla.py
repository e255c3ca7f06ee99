"""The SLA sweep: reminders, expiry, re-offers, stale and overdue leads.

:func:`sweep` is idempotent and safe to run from cron every minute (the outbox
worker runs it too): every step only touches records not yet handled, and every
message it queues carries a ``dedup_key``, so a second run changes nothing.

- **Response SLA** — an open offer gets a reminder to the partner at 75 % of its
  time (``offer.reminded_at``), and expires at 100 % through
  :func:`models.workflow.expire_offer` (the lead's owner is told; the lead is
  back among those to offer). With ``auto_reoffer`` (config
  ``LEADSHARE_AUTO_REOFFER``) the lead is then offered to the best-ranked
  partner without policy problems that has never had an offer for it, in the
  name of the lead's owner.
- **Waiting on the vendor** — while a details request waits for staff approval
  (``details_requested``) the partner's clock is paused: no reminder to the
  partner, no expiry; the lead's owner is reminded instead at the point the
  partner would have been, and approving or refusing moves the deadline on by
  the time the request waited.
- **Update SLA** — an accepted lead with no activity for the partner's update
  SLA (:func:`models.organisations.update_sla_days`) is flagged stale
  (``lead.stale_since``) and the partner is nudged, once per stale period
  (logging an activity or moving the stage clears the flag).
- **Outcome SLA** — a lead past its ``expected_close_on`` without an outcome is
  flagged (``lead.overdue_since``) and its owner told, once per date; the flag
  clears when the date moves to today or later or the lead closes, so a new
  date that passes brings a new notice.
- **Deal registrations** — :func:`models.workflow.protection.sweep_registrations`
  reminds partners before an approved registration's protected period ends and
  returns deals without progress to the vendor at the end.

Every step selects its due records with one query whose conditions are in SQL
(the deadlines of the partner's policy included), so a sweep over a large
database loads only what it changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models.audit import record_event
from models.base import business_zone, db, utcnow
from models.errors import RuleError
from models.leads import CLOSED_STAGES, WORKING_STAGES, Lead, Stage
from models.offers import OPEN_STATES, Offer, OfferState
from models.organisations import PartnerPolicy, default_update_sla_days
from models.outbox import Notice, queue_messages
from models.workflow import (
    expire_due_offers,
    lead_payload,
    managers_by_partner,
    notify_expiry,
    offer_lead,
    partner_recipients,
)
from models.workflow.protection import RegistrationSweep, sweep_registrations

#: Share of the response time after which the partner is reminded.
REMINDER_AT = 0.75
#: States in which the partner's clock runs (``details_requested`` waits on the vendor).
PARTNER_CLOCK_STATES = (OfferState.OFFERED, OfferState.DETAILS_GRANTED)


@dataclass
class SweepReport:
    """What one sweep did (lead references and offer ids, for the log)."""

    reminded: list[int] = field(default_factory=list)
    staff_reminded: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    reoffered: list[int] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    overdue_cleared: list[str] = field(default_factory=list)
    registrations: RegistrationSweep = field(default_factory=RegistrationSweep)

    @property
    def changed(self) -> bool:
        """Whether the sweep did anything."""
        r = self.registrations
        return bool(
            self.reminded
            or self.staff_reminded
            or self.expired
            or self.reoffered
            or self.stale
            or self.overdue
            or self.overdue_cleared
            or r.reminded
            or r.returned
            or r.ended
        )


def _flag_all(records: list, **values) -> None:
    """Set bookkeeping flags on records of one model without bumping their version.

    A reminder or stale flag is not an edit: a form the partner already has open
    must still be accepted. One ``UPDATE`` per 1,000 rows.
    """
    if not records:
        return
    model = type(records[0])
    ids = [r.id for r in records]
    for start in range(0, len(ids), 1000):
        db.session.execute(
            sa.update(model)
            .where(model.id.in_(ids[start : start + 1000]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    for record in records:
        for key, value in values.items():
            set_committed_value(record, key, value)


def _seconds(column: sa.ColumnElement) -> sa.ColumnElement[float]:
    """A timestamp as seconds, in SQL (PostgreSQL epoch, SQLite Julian day × 86,400)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", column)
    return sa.func.julianday(column) * 86400


def _moment(now: datetime) -> sa.ColumnElement:
    """``now`` as a naive-UTC SQL literal (how timestamps are stored)."""
    return sa.literal(now.astimezone(UTC).replace(tzinfo=None), sa.DateTime())


def _reminder_due(now: datetime) -> sa.ColumnElement[bool]:
    """SQL for "75 % of the response time has passed", so only due offers are loaded.

    offered + 0.75 × (respond_by − offered) ≤ now  ⇔  offered + 3 × respond_by ≤ 4 × now,
    in seconds on PostgreSQL and in days on SQLite. The check in Python stays the
    rule; this only keeps the sweep from loading every open offer
    (docs/performance.md: 150,000 open offers at full scale).
    """
    return _seconds(Offer.offered_at) + 3 * _seconds(Offer.respond_by) <= 4 * _seconds(_moment(now))


def _due_offers(query: sa.Select) -> list[Offer]:
    """The offers of ``query`` with what their notices need, loaded in a few queries."""
    return list(
        db.session.scalars(
            query.options(
                selectinload(Offer.organisation),
                selectinload(Offer.assigned_rep),
                selectinload(Offer.lead).selectinload(Lead.prospect),
                selectinload(Offer.lead).selectinload(Lead.owner),
            ).order_by(Offer.id)
        )
    )


def remind_offers(now: datetime, report: SweepReport) -> None:
    """Remind partners of offers at 75 % of their response time, once per offer."""
    offers = [
        offer
        for offer in _due_offers(
            sa.select(Offer).where(
                Offer.state.in_(PARTNER_CLOCK_STATES),
                Offer.reminded_at.is_(None),
                Offer.respond_by > now,
                _reminder_due(now),
            )
        )
        if now >= offer.offered_at + (offer.respond_by - offer.offered_at) * REMINDER_AT
    ]
    _flag_all(offers, reminded_at=now)
    managers = managers_by_partner(o.organisation_id for o in offers)
    notices = []
    for offer in offers:
        payload = lead_payload(offer.lead) | {
            "partner_name": offer.organisation.name,
            "respond_by": offer.respond_by.isoformat(),
        }
        notices.extend(
            Notice("offer_reminder", person, payload, f"offer_reminder:{offer.id}:{person.id}")
            for person in partner_recipients(offer, managers)
        )
        record_event(
            db.session,
            None,
            "offer.reminded",
            offer,
            after={"respond_by": offer.respond_by},
            organisation_id=offer.organisation_id,
        )
        report.reminded.append(offer.id)
    queue_messages(db.session, notices)
    db.session.flush()


def remind_staff_of_details(now: datetime, report: SweepReport) -> None:
    """Remind the lead's owner of a details request still waiting for approval, once.

    The partner's clock is paused meanwhile, so the reminder comes when the
    partner would have been reminded (75 % of the response time). Only requests
    not yet reminded are selected (``details_reminded_at`` before the request).
    """
    requested_at = sa.func.coalesce(Offer.details_requested_at, Offer.offered_at)
    offers = _due_offers(
        sa.select(Offer).where(
            Offer.state == OfferState.DETAILS_REQUESTED,
            sa.or_(Offer.details_reminded_at.is_(None), Offer.details_reminded_at < requested_at),
            _reminder_due(now),
        )
    )
    _flag_all(offers, details_reminded_at=now)
    notices = {}
    for offer in offers:
        requested = offer.details_requested_at or offer.offered_at
        key = f"details_waiting:{offer.id}:{requested.isoformat()}"
        notices[key] = (
            offer,
            Notice(
                "details_waiting",
                offer.lead.owner,
                lead_payload(offer.lead)
                | {"partner_name": offer.organisation.name, "requested_at": requested.isoformat()},
                key,
            ),
        )
    queued = queue_messages(db.session, [notice for _offer, notice in notices.values()])
    report.staff_reminded.extend(notices[m.dedup_key][0].id for m in queued)
    db.session.flush()


def expire_offers(now: datetime, report: SweepReport, *, auto_reoffer: bool) -> None:
    """Expire open offers past their deadline; optionally offer the lead to the next partner."""
    offers = _due_offers(
        sa.select(Offer).where(Offer.state.in_(PARTNER_CLOCK_STATES), Offer.respond_by <= now)
    )
    offers.sort(key=lambda o: (o.respond_by, o.id))
    expire_due_offers(offers, now=now)
    by_lead: dict[int, list[Offer]] = {}
    for offer in offers:
        report.expired.append(offer.id)
        by_lead.setdefault(offer.lead_id, []).append(offer)
    for expired in by_lead.values():
        lead = expired[0].lead
        tried = auto_reoffer and _free_to_offer(lead)
        reoffered = reoffer(lead, now=now) if tried else None
        if reoffered is not None:
            report.reoffered.append(reoffered.id)
        # One notice per expired offer, saying where the lead went next.
        for offer in expired:
            notify_expiry(offer, reoffer=reoffered, reoffer_tried=tried)
    db.session.flush()


def _free_to_offer(lead: Lead) -> bool:
    """Qualified, not archived, and no partner holds it (open or accepted offer)."""
    if lead.stage is not Stage.QUALIFIED or lead.archived:
        return False
    return not any(o.state in (*OPEN_STATES, OfferState.ACCEPTED) for o in lead.offers)


def reoffer(lead: Lead, *, now: datetime) -> Offer | None:
    """Offer ``lead`` to the best partner that fits its policy and never had it; else None."""
    from models.routing import rank_partners

    if not _free_to_offer(lead):
        return None
    had_it = {o.organisation_id for o in lead.offers}
    for fit in rank_partners(lead, now=now):
        if fit.problems or fit.partner.id in had_it:
            continue
        try:
            # offer_lead checks every rule before it writes anything.
            return offer_lead(lead, fit.partner, lead.owner, now=now)
        except RuleError:
            continue
    return None


def _stale_due(now: datetime) -> sa.ColumnElement[bool]:
    """SQL for "no update within the partner's update SLA" (the policy's days, else the default).

    last activity (or acceptance) + days × 86,400 s ≤ now, in seconds as for reminders.
    """
    last = sa.func.coalesce(Lead.last_activity_at, Offer.accepted_at)
    days = sa.func.coalesce(PartnerPolicy.update_sla_days, default_update_sla_days())
    return _seconds(last) + days * 86400 <= _seconds(_moment(now))


def flag_stale(now: datetime, report: SweepReport) -> None:
    """Flag accepted leads with no activity within the partner's update SLA; nudge once."""
    rows = db.session.execute(
        sa.select(Offer, Lead, PartnerPolicy.update_sla_days)
        .join(Lead, Lead.id == Offer.lead_id)
        .outerjoin(PartnerPolicy, PartnerPolicy.organisation_id == Offer.organisation_id)
        .where(
            Offer.state == OfferState.ACCEPTED,
            Lead.stage.in_(WORKING_STAGES),
            Lead.stale_since.is_(None),
            Lead.archived.is_(False),
            sa.or_(Lead.last_activity_at.is_not(None), Offer.accepted_at.is_not(None)),
            _stale_due(now),
        )
        .options(selectinload(Lead.prospect), selectinload(Offer.assigned_rep))
        .order_by(Lead.id)
    )
    rows = list(rows)
    # Stale is a lead flag: each lead's counters are recounted once, with one UPDATE.
    _flag_all([lead for _offer, lead, _days in rows], stale_since=now)
    managers = managers_by_partner(offer.organisation_id for offer, _lead, _days in rows)
    notices = []
    for offer, lead, policy_days in rows:
        days = policy_days if policy_days is not None else default_update_sla_days()
        last = lead.last_activity_at or offer.accepted_at
        payload = lead_payload(lead) | {"days": days, "last_activity_at": last.isoformat()}
        notices.extend(
            # One nudge per stale period: the period is named by its last activity.
            Notice(
                "stale_nudge",
                person,
                payload,
                f"stale_nudge:{lead.id}:{last.isoformat()}:{person.id}",
            )
            for person in partner_recipients(offer, managers)
        )
        record_event(
            db.session,
            None,
            "lead.flagged_stale",
            lead,
            after={"last_activity_at": last, "update_sla_days": days},
            organisation_id=offer.organisation_id,
        )
        report.stale.append(lead.ref)
    queue_messages(db.session, notices)
    db.session.flush()


def business_today(now: datetime) -> date:
    """Today in the business calendar (the deployment's business time zone)."""
    return now.astimezone(business_zone()).date()


def clear_overdue(now: datetime, report: SweepReport) -> None:
    """Clear the overdue flag of leads whose date moved to today or later, or that closed."""
    today = business_today(now)
    flagged = Lead.overdue_since.is_not(None)
    # One query per reason, each a walk of a small partial index (ix_leads_overdue_*):
    # PostgreSQL cannot use them for the four reasons joined by OR.
    reasons = (
        sa.or_(Lead.expected_close_on.is_(None), Lead.expected_close_on >= today),
        Lead.stage.in_(CLOSED_STAGES),
        Lead.archived.is_(True),
    )
    ids = set()
    for reason in reasons:
        ids.update(db.session.scalars(sa.select(Lead.id).where(flagged, reason)))
    leads = list(
        db.session.scalars(sa.select(Lead).where(Lead.id.in_(sorted(ids))).order_by(Lead.id))
    )
    since = {lead.id: lead.overdue_since for lead in leads}
    _flag_all(leads, overdue_since=None)
    for lead in leads:
        record_event(
            db.session,
            None,
            "lead.overdue_cleared",
            lead,
            before={"overdue_since": since[lead.id]},
            after={"expected_close_on": lead.expected_close_on, "stage": lead.stage},
        )
        report.overdue_cleared.append(lead.ref)
    db.session.flush()


def flag_overdue(now: datetime, report: SweepReport) -> None:
    """Flag leads past their expected close date without an outcome; tell the owner once."""
    today = business_today(now)
    leads = list(
        db.session.scalars(
            sa.select(Lead)
            .where(
                Lead.expected_close_on < today,
                Lead.stage.not_in(CLOSED_STAGES),
                Lead.overdue_since.is_(None),
                Lead.archived.is_(False),
            )
            .options(
                selectinload(Lead.prospect), selectinload(Lead.owner), selectinload(Lead.offers)
            )
        )
    )
    # Sorted here: ORDER BY id would make PostgreSQL walk the primary key over every lead.
    leads.sort(key=lambda lead: lead.id)
    _flag_all(leads, overdue_since=now)
    notices = []
    for lead in leads:
        accepted = lead.accepted_offer
        notices.append(
            Notice(
                "overdue_outcome",
                lead.owner,
                lead_payload(lead) | {"expected_close_on": lead.expected_close_on.isoformat()},
                f"overdue_outcome:{lead.id}:{lead.expected_close_on.isoformat()}",
            )
        )
        record_event(
            db.session,
            None,
            "lead.flagged_overdue",
            lead,
            after={"expected_close_on": lead.expected_close_on},
            organisation_id=accepted.organisation_id if accepted else None,
        )
        report.overdue.append(lead.ref)
    queue_messages(db.session, notices)
    db.session.flush()


def sweep(*, now: datetime | None = None, auto_reoffer: bool = False) -> SweepReport:
    """Run every SLA check once (the caller commits); running it again changes nothing."""
    now = now or utcnow()
    report = SweepReport()
    remind_offers(now, report)
    remind_staff_of_details(now, report)
    expire_offers(now, report, auto_reoffer=auto_reoffer)
    # Before the stale check: a lead going back to the vendor is not stale.
    report.registrations = sweep_registrations(now)
    flag_stale(now, report)
    clear_overdue(now, report)
    flag_overdue(now, report)
    return report
