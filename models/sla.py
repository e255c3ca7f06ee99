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
- **Update SLA** — an accepted lead with no activity for the partner's
  ``update_sla_days`` (default 14) is flagged stale (``lead.stale_since``) and
  the partner is nudged, once per stale period (logging an activity or moving
  the stage clears the flag).
- **Outcome SLA** — a lead past its ``expected_close_on`` without an outcome is
  flagged (``lead.overdue_since``) and its owner told, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models.audit import record_event
from models.base import business_zone, db, utcnow
from models.errors import RuleError
from models.leads import CLOSED_STAGES, WORKING_STAGES, Lead, Stage
from models.offers import OPEN_STATES, Offer, OfferState
from models.organisations import Organisation
from models.outbox import queue_message
from models.workflow import expire_offer, lead_payload, offer_lead, partner_recipients

#: Share of the response time after which the partner is reminded.
REMINDER_AT = 0.75
DEFAULT_UPDATE_SLA_DAYS = 14


@dataclass
class SweepReport:
    """What one sweep did (lead references and offer ids, for the log)."""

    reminded: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    reoffered: list[int] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the sweep did anything."""
        return bool(self.reminded or self.expired or self.reoffered or self.stale or self.overdue)


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


def _reminder_due(now: datetime) -> sa.ColumnElement[bool]:
    """SQL for "75 % of the response time has passed", so only due offers are loaded.

    offered + 0.75 × (respond_by − offered) ≤ now  ⇔  offered + 3 × respond_by ≤ 4 × now,
    in seconds on PostgreSQL and in days on SQLite. The check in Python stays the
    rule; this only keeps the sweep from loading every open offer
    (docs/performance.md: 150,000 open offers at full scale).
    """
    moment = sa.literal(now.astimezone(UTC).replace(tzinfo=None), sa.DateTime())
    if db.session.get_bind().dialect.name == "postgresql":

        def seconds(column):
            return sa.extract("epoch", column)
    else:

        def seconds(column):
            return sa.func.julianday(column) * 86400

    return seconds(Offer.offered_at) + 3 * seconds(Offer.respond_by) <= 4 * seconds(moment)


def remind_offers(now: datetime, report: SweepReport) -> None:
    """Remind partners of offers at 75 % of their response time, once per offer."""
    offers = db.session.scalars(
        sa.select(Offer)
        .where(
            Offer.state.in_(OPEN_STATES),
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


def expire_offers(now: datetime, report: SweepReport, *, auto_reoffer: bool) -> None:
    """Expire open offers past their deadline; optionally offer the lead to the next partner."""
    offers = list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.state.in_(OPEN_STATES), Offer.respond_by <= now)
            .order_by(Offer.respond_by, Offer.id)
        )
    )
    leads: dict[int, Lead] = {}
    for offer in offers:
        expire_offer(offer, now=now)
        report.expired.append(offer.id)
        leads[offer.lead_id] = offer.lead
    if auto_reoffer:
        for lead in leads.values():
            reoffered = reoffer(lead, now=now)
            if reoffered is not None:
                report.reoffered.append(reoffered.id)


def reoffer(lead: Lead, *, now: datetime) -> Offer | None:
    """Offer ``lead`` to the best partner that fits its policy and never had it; else None."""
    from models.routing import rank_partners

    if lead.stage is not Stage.QUALIFIED or lead.archived:
        return None
    if any(o.state in (*OPEN_STATES, OfferState.ACCEPTED) for o in lead.offers):
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


def flag_stale(now: datetime, report: SweepReport) -> None:
    """Flag accepted leads with no activity within the partner's update SLA; nudge once."""
    rows = db.session.execute(
        sa.select(Offer, Lead)
        .join(Lead, Lead.id == Offer.lead_id)
        .where(
            Offer.state == OfferState.ACCEPTED,
            Lead.stage.in_(WORKING_STAGES),
            Lead.stale_since.is_(None),
            Lead.archived.is_(False),
        )
        .options(selectinload(Offer.organisation).selectinload(Organisation.policy))
    )
    for offer, lead in rows:
        policy = offer.organisation.policy
        days = policy.update_sla_days if policy else DEFAULT_UPDATE_SLA_DAYS
        last = lead.last_activity_at or offer.accepted_at
        if last is None or now - last < timedelta(days=days):
            continue
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


def flag_overdue(now: datetime, report: SweepReport) -> None:
    """Flag leads past their expected close date without an outcome; tell the owner once."""
    # The business calendar decides when a date is past.
    today = now.astimezone(business_zone()).date()
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
    expire_offers(now, report, auto_reoffer=auto_reoffer)
    flag_stale(now, report)
    flag_overdue(now, report)
    return report
