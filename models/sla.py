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
from models.outbox import queue_message
from models.workflow import (
    expire_offer,
    lead_payload,
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


def _flag(record: Offer | Lead, **values) -> None:
    """Set bookkeeping flags without bumping the record's version.

    A reminder or stale flag is not an edit: a form the partner already has open
    must still be accepted.
    """
    model = type(record)
    db.session.execute(
        sa.update(model)
        .where(model.id == record.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
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


def remind_offers(now: datetime, report: SweepReport) -> None:
    """Remind partners of offers at 75 % of their response time, once per offer."""
    offers = db.session.scalars(
        sa.select(Offer)
        .where(
            Offer.state.in_(PARTNER_CLOCK_STATES),
            Offer.reminded_at.is_(None),
            Offer.respond_by > now,
            _reminder_due(now),
        )
        .options(selectinload(Offer.organisation))
    )
    for offer in offers:
        if now < offer.offered_at + (offer.respond_by - offer.offered_at) * REMINDER_AT:
            continue
        _flag(offer, reminded_at=now)
        payload = lead_payload(offer.lead) | {
            "partner_name": offer.organisation.name,
            "respond_by": offer.respond_by.isoformat(),
        }
        for person in partner_recipients(offer):
            queue_message(
                db.session,
                "offer_reminder",
                person,
                payload,
                dedup_key=f"offer_reminder:{offer.id}:{person.id}",
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
    db.session.flush()


def remind_staff_of_details(now: datetime, report: SweepReport) -> None:
    """Remind the lead's owner of a details request still waiting for approval, once.

    The partner's clock is paused meanwhile, so the reminder comes when the
    partner would have been reminded (75 % of the response time).
    """
    offers = db.session.scalars(
        sa.select(Offer)
        .where(Offer.state == OfferState.DETAILS_REQUESTED, _reminder_due(now))
        .options(selectinload(Offer.organisation), selectinload(Offer.lead))
        .order_by(Offer.id)
    )
    for offer in offers:
        requested = offer.details_requested_at or offer.offered_at
        queued = queue_message(
            db.session,
            "details_waiting",
            offer.lead.owner,
            lead_payload(offer.lead)
            | {"partner_name": offer.organisation.name, "requested_at": requested.isoformat()},
            dedup_key=f"details_waiting:{offer.id}:{requested.isoformat()}",
        )
        if queued is not None:
            report.staff_reminded.append(offer.id)
    db.session.flush()


def expire_offers(now: datetime, report: SweepReport, *, auto_reoffer: bool) -> None:
    """Expire open offers past their deadline; optionally offer the lead to the next partner."""
    offers = list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.state.in_(PARTNER_CLOCK_STATES), Offer.respond_by <= now)
            .order_by(Offer.respond_by, Offer.id)
        )
    )
    by_lead: dict[int, list[Offer]] = {}
    for offer in offers:
        expire_offer(offer, now=now, notify=False)
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
        .order_by(Lead.id)
    )
    for offer, lead, policy_days in rows:
        days = policy_days if policy_days is not None else default_update_sla_days()
        last = lead.last_activity_at or offer.accepted_at
        _flag(lead, stale_since=now)
        payload = lead_payload(lead) | {"days": days, "last_activity_at": last.isoformat()}
        for person in partner_recipients(offer):
            queue_message(
                db.session,
                "stale_nudge",
                person,
                payload,
                # One nudge per stale period: the period is named by its last activity.
                dedup_key=f"stale_nudge:{lead.id}:{last.isoformat()}:{person.id}",
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
    db.session.flush()


def business_today(now: datetime) -> date:
    """Today in the business calendar (the deployment's business time zone)."""
    return now.astimezone(business_zone()).date()


def clear_overdue(now: datetime, report: SweepReport) -> None:
    """Clear the overdue flag of leads whose date moved to today or later, or that closed."""
    today = business_today(now)
    leads = db.session.scalars(
        sa.select(Lead)
        .where(
            Lead.overdue_since.is_not(None),
            sa.or_(
                Lead.expected_close_on.is_(None),
                Lead.expected_close_on >= today,
                Lead.stage.in_(CLOSED_STAGES),
                Lead.archived.is_(True),
            ),
        )
        .order_by(Lead.id)
    )
    for lead in leads:
        flagged = lead.overdue_since
        _flag(lead, overdue_since=None)
        record_event(
            db.session,
            None,
            "lead.overdue_cleared",
            lead,
            before={"overdue_since": flagged},
            after={"expected_close_on": lead.expected_close_on, "stage": lead.stage},
        )
        report.overdue_cleared.append(lead.ref)
    db.session.flush()


def flag_overdue(now: datetime, report: SweepReport) -> None:
    """Flag leads past their expected close date without an outcome; tell the owner once."""
    today = business_today(now)
    leads = db.session.scalars(
        sa.select(Lead).where(
            Lead.expected_close_on < today,
            Lead.stage.not_in(CLOSED_STAGES),
            Lead.overdue_since.is_(None),
            Lead.archived.is_(False),
        )
    )
    for lead in leads:
        _flag(lead, overdue_since=now)
        accepted = lead.accepted_offer
        queue_message(
            db.session,
            "overdue_outcome",
            lead.owner,
            lead_payload(lead) | {"expected_close_on": lead.expected_close_on.isoformat()},
            dedup_key=f"overdue_outcome:{lead.id}:{lead.expected_close_on.isoformat()}",
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
