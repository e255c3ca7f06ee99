"""Webhooks: signed HTTP calls to a partner's own system when something happens to its leads.

A partner manager registers an endpoint (an HTTPS URL and the events it wants).
Deliveries are rows of ``webhook_deliveries``, written in the same transaction
as the change that caused them, like the e-mail outbox; the worker posts them
later and retries with back-off.

One hook emits them: whenever a rule queues a partner notification (an outbox
message to a partner user, see :data:`EVENTS`), :func:`_emit_on_flush` adds one
delivery per subscribed endpoint of that partner. So every rule that tells a
partner something tells its webhooks too, with no second list of call sites.

Each body is signed like Stripe's and GitHub's webhooks: the header
``LeadShare-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the endpoint's secret (see :func:`sign` and docs/api.md).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import record_event
from models.base import Base, db, enum_column, utcnow
from models.errors import InvalidTransition, MissingData, NotAllowed
from models.leads import Lead, new_reference
from models.offers import Comment, Offer
from models.outbox import OutboxMessage
from models.registrations import DealRegistration
from models.users import Role, User

if TYPE_CHECKING:
    from models.organisations import Organisation

#: Webhook event → the partner notification (outbox kind) that raises it.
EVENTS: dict[str, str] = {
    "offer.received": "offer_new",
    "offer.details_granted": "details_granted",
    "offer.expiring": "offer_reminder",
    "offer.withdrawn": "offer_withdrawn",
    "comment.posted": "comment_new",
    "registration.decided": "registration_decided",
}
KIND_TO_EVENT = {kind: event for event, kind in EVENTS.items()}
#: The event "send a test event" delivers.
PING = "ping"

EVENT_LABELS = {
    "offer.received": _l("A lead is offered to us"),
    "offer.details_granted": _l("Details are granted"),
    "offer.expiring": _l("An offer is about to expire"),
    "offer.withdrawn": _l("An offer is withdrawn"),
    "comment.posted": _l("The vendor posts on a board"),
    "registration.decided": _l("A deal registration is decided"),
}

SIGNATURE_HEADER = "LeadShare-Signature"
MAX_ENDPOINTS_PER_PARTNER = 10
#: Seconds between a signature's timestamp and its check after which receivers refuse it.
SIGNATURE_TOLERANCE = 300


class DeliveryStatus(enum.Enum):
    """pending → sent, or failed after the last retry."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class WebhookEndpoint(Base):
    """A partner's URL that receives the events it subscribed to."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str | None] = mapped_column(sa.String(200))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Needed in clear to sign; shown to the partner's managers only.
    secret: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()


class WebhookDelivery(Base):
    """One event for one endpoint: posted by the worker, retried until it is answered 2xx."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_reference)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    #: The event's id: the same for every endpoint that receives this event.
    event_id: Mapped[str] = mapped_column(sa.String(40))
    event: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()

    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    def envelope(self) -> dict[str, Any]:
        """What is posted: the event's id, type and time, and its data."""
        return {
            "id": self.event_id,
            "type": self.event,
            "created_at": self.created_at.isoformat(),
            "data": self.payload,
        }

    def body(self) -> bytes:
        """The exact bytes posted (and signed)."""
        return json.dumps(self.envelope(), ensure_ascii=False, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- signatures


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``LeadShare-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: int, tolerance: int = SIGNATURE_TOLERANCE
) -> bool:
    """What a receiver checks: a ``v1`` HMAC that matches, and a timestamp close to ``now``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --------------------------------------------------------------------------- endpoints


def _require_manager(actor: User, organisation_id: int | None = None) -> None:
    """Only an active partner manager, and only for its own organisation."""
    if actor.role is not Role.PARTNER_MANAGER or not actor.is_active:
        raise NotAllowed()
    if organisation_id is not None and organisation_id != actor.organisation_id:
        raise NotAllowed()


def check_url(url: str, *, allow_http: bool = False) -> str:
    """A webhook URL: HTTPS (HTTP only where the deployment allows it), a host, no credentials."""
    url = (url or "").strip()
    if not url:
        raise MissingData(_l("Enter the URL of your endpoint."), field="url")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if (
        len(url) > 500
        or parts.scheme not in schemes
        or not parts.hostname
        or parts.username
        or parts.password
    ):
        raise MissingData(_l("The URL must start with https:// and name a host."), field="url")
    return url


def _check_events(events: list[str]) -> list[str]:
    """A non-empty list of known events, in a stable order."""
    chosen = [event for event in EVENTS if event in set(events or [])]
    if not chosen or len(chosen) != len(set(events)):
        raise MissingData(_l("Choose at least one event."), field="events")
    return chosen


def register_endpoint(
    actor: User,
    *,
    url: str,
    events: list[str],
    description: str | None = None,
    allow_http: bool = False,
) -> WebhookEndpoint:
    """A partner manager registers an endpoint for its organisation; a secret is generated."""
    _require_manager(actor)
    url = check_url(url, allow_http=allow_http)
    chosen = _check_events(events)
    count = db.session.scalar(
        sa.select(sa.func.count(WebhookEndpoint.id)).where(
            WebhookEndpoint.organisation_id == actor.organisation_id
        )
    )
    if count >= MAX_ENDPOINTS_PER_PARTNER:
        raise InvalidTransition(
            _l("Your organisation has reached the number of endpoints allowed.")
        )
    endpoint = WebhookEndpoint(
        organisation_id=actor.organisation_id,
        url=url,
        description=(description or "").strip()[:200] or None,
        events=chosen,
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by=actor,
    )
    db.session.add(endpoint)
    db.session.flush()
    record_event(
        db.session,
        actor,
        "webhook.registered",
        endpoint,
        after={"url": url, "events": chosen},
        organisation_id=actor.organisation_id,
    )
    return endpoint


def set_endpoint_active(endpoint: WebhookEndpoint, actor: User, *, active: bool) -> None:
    """Pause or resume an endpoint (a paused one receives nothing new)."""
    _require_manager(actor, endpoint.organisation_id)
    if endpoint.active == active:
        raise InvalidTransition()
    endpoint.active = active
    db.session.flush()
    record_event(
        db.session,
        actor,
        "webhook.resumed" if active else "webhook.paused",
        endpoint,
        organisation_id=endpoint.organisation_id,
    )


def partner_endpoints(actor: User) -> sa.Select[tuple[WebhookEndpoint]]:
    """The endpoints ``actor`` may manage: its own organisation's, for a partner manager."""
    query = sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)
    if actor.role is Role.PARTNER_MANAGER:
        return query.where(WebhookEndpoint.organisation_id == actor.organisation_id)
    return query.where(sa.false())


def endpoint_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first (its delivery log)."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def send_test_event(endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """Queue a ``ping`` to the endpoint, whatever events it subscribed to."""
    _require_manager(actor, endpoint.organisation_id)
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event_id=str(uuid.uuid4()),
        event=PING,
        payload={"partner": endpoint.organisation.slug, "sent_by": actor.email},
    )
    db.session.add(delivery)
    db.session.flush()
    record_event(
        db.session,
        actor,
        "webhook.test_sent",
        endpoint,
        organisation_id=endpoint.organisation_id,
    )
    return delivery


# --------------------------------------------------------------------------- emitting


def _offer_event_data(organisation_id: int, lead_ref: str, viewer: User) -> dict[str, Any] | None:
    """The partner's latest offer of the lead, as the gates show it to the partner now."""
    from models.lead_data import lead_data

    offer = db.session.scalar(
        sa.select(Offer)
        .join(Offer.lead)
        .where(Lead.ref == lead_ref, Offer.organisation_id == organisation_id)
        .order_by(Offer.id.desc())
        .limit(1)
    )
    if offer is None:
        return None
    # Personal data never travels in a webhook: the partner fetches it (audited) if it may.
    return {"lead": lead_data(viewer, offer, personal_data=False)}


def _comment_data(organisation_id: int, lead_ref: str) -> dict[str, Any] | None:
    """The vendor's latest post on the partner's board of the lead."""
    comment = db.session.scalar(
        sa.select(Comment)
        .join(Comment.offer)
        .join(Offer.lead)
        .join(Comment.author)
        .where(
            Lead.ref == lead_ref,
            Offer.organisation_id == organisation_id,
            User.role.in_((Role.ADMIN, Role.SALES)),
            Comment.hidden_at.is_(None),
        )
        .order_by(Comment.id.desc())
        .limit(1)
    )
    if comment is None:
        return None
    return {
        "id": comment.id,
        "author": comment.author.name,
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
    }


def _registration_data(organisation_id: int, ref: str) -> dict[str, Any] | None:
    """A registration of the partner's, with its decision."""
    registration = db.session.scalar(
        sa.select(DealRegistration).where(
            DealRegistration.ref == ref, DealRegistration.organisation_id == organisation_id
        )
    )
    if registration is None:
        return None
    return {
        "registration": {
            "ref": registration.ref,
            "status": registration.status.value,
            "reason": registration.decision_reason,
            "lead_ref": registration.lead.ref if registration.lead else None,
            "company_name": registration.company_name,
        }
    }


def event_data(
    event: str, organisation_id: int, payload: dict[str, Any], viewer: User
) -> dict[str, Any] | None:
    """The data of one event for one partner, through the gates; ``None`` if nothing to send."""
    if event == "registration.decided":
        return _registration_data(organisation_id, payload.get("registration_ref", ""))
    lead_ref = payload.get("lead_ref")
    if not lead_ref:
        return None
    data = _offer_event_data(organisation_id, lead_ref, viewer)
    if data is not None and event == "comment.posted":
        comment = _comment_data(organisation_id, lead_ref)
        if comment is None:
            return None
        data["comment"] = comment
    return data


def emit(session: sa.orm.Session, organisation_id: int, event: str, payload: dict) -> int:
    """Queue ``event`` for every active endpoint of the partner subscribed to it."""
    endpoints = [
        endpoint
        for endpoint in session.scalars(
            sa.select(WebhookEndpoint).where(
                WebhookEndpoint.organisation_id == organisation_id,
                WebhookEndpoint.active.is_(True),
            )
        )
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    event_id = str(uuid.uuid4())
    queued = 0
    for endpoint in endpoints:
        viewer = endpoint.created_by
        if viewer is None or viewer.organisation_id != organisation_id:
            continue
        data = event_data(event, organisation_id, payload, viewer)
        if data is None:
            continue
        session.add(
            WebhookDelivery(endpoint=endpoint, event_id=event_id, event=event, payload=data)
        )
        queued += 1
    return queued


_SEEN = "webhook_events_seen"


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _emit_on_flush(session: sa.orm.Session, flush_context, instances) -> None:
    """Turn new partner notifications into webhook deliveries, once per partner and event."""
    messages = [
        obj
        for obj in session.new
        if isinstance(obj, OutboxMessage) and obj.kind in KIND_TO_EVENT and obj.recipient_id
    ]
    if not messages:
        return
    seen: set = session.info.setdefault(_SEEN, set())
    with session.no_autoflush:
        for message in messages:
            recipient = session.get(User, message.recipient_id)
            if recipient is None or recipient.is_staff:
                continue
            payload = message.payload or {}
            subject = payload.get("lead_ref") or payload.get("registration_ref")
            event = KIND_TO_EVENT[message.kind]
            key = (recipient.organisation_id, event, subject)
            if key in seen:
                continue
            seen.add(key)
            emit(session, recipient.organisation_id, event, payload)


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget_seen(session: sa.orm.Session, transaction) -> None:
    """A new transaction may emit the same kind of event again."""
    if transaction.parent is None:
        session.info.pop(_SEEN, None)


# --------------------------------------------------------------------------- delivering


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def due_deliveries(now: datetime, limit: int = 100) -> list[WebhookDelivery]:
    """Pending deliveries of active endpoints whose time has come, oldest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .join(WebhookDelivery.endpoint)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def claim_delivery(delivery_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Take a due delivery for one try: its next attempt moves past the lease.

    One atomic UPDATE, so of several workers exactly one wins; a worker that dies
    mid-call leaves the delivery to be tried again when the lease ends (receivers
    recognise the repeat by its event id).
    """
    result = db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_attempt(
    delivery: WebhookDelivery,
    *,
    status_code: int | None,
    error: str | None,
    now: datetime,
    max_attempts: int,
) -> DeliveryStatus:
    """Record one try: 2xx is sent; anything else waits for the next try, or fails at the last."""
    delivery.attempts += 1
    delivery.last_status_code = status_code
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.SENT
        delivery.delivered_at = now
        delivery.last_error = None
    else:
        delivery.last_error = (error or f"HTTP {status_code}")[:500]
        if delivery.attempts >= max_attempts:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    db.session.flush()
    return delivery.status
