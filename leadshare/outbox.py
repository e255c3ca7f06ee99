"""Outbox delivery: render each queued message in its recipient's language and send it.

Messages are rows of :class:`models.outbox.OutboxMessage`, written in the same
transaction as the change that caused them. :func:`deliver_due` sends the due
ones, one transaction per message:

- a row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
  several workers can run at once and never send the same message twice;
- success marks it sent (a sent message is never picked again);
- a failure keeps the error, counts the attempt and retries later with
  exponential back-off (1, 2, 4 … minutes, at most 6 hours) until
  ``OUTBOX_MAX_ATTEMPTS``, after which the message is marked failed;
- with no ``MAIL_SERVER`` configured (``make run``) the message is written as an
  ``.eml`` file under ``instance/mail/`` and marked sent.

Each kind has a template ``templates/mail/<kind>.html`` with a ``subject`` and a
``body`` block; the HTML mail is the full template, the text part is the same
message (greeting, body, footer) converted to plain text, so both always say the
same thing. Dates are shown in the recipient's time zone.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_mail import Connection, Message

from leadshare.extensions import db, mail
from models.base import business_zone, utcnow
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS, label
from models.leads import STAGE_LABELS, Stage
from models.offers import DECLINE_REASON_LABELS, DeclineReason
from models.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: Every kind the outbox knows how to render (one template each).
KINDS = (
    "offer_new",
    "offer_reminder",
    "details_requested",
    "details_granted",
    "details_refused",
    "offer_accepted",
    "lead_assigned",
    "offer_withdrawn",
    "offer_declined",
    "offer_expired",
    "partner_suspended",
    "stage_changed",
    "comment_new",
    "stale_nudge",
    "overdue_outcome",
    "registration_submitted",
    "registration_decided",
    "invitation",
    "password_reset",
    "digest",
)
TIMING_LABELS = {
    "1m": _l("Within a month"),
    "3m": _l("Within 3 months"),
    "6m": _l("Within 6 months"),
    "later": _l("Later"),
    "unknown": _l("Unknown"),
}
DEFAULT_MAX_ATTEMPTS = 8
#: Marks the part of a rendered HTML mail that becomes the plain-text part.
TEXT_START, TEXT_END = "<!--text-->", "<!--/text-->"
MAX_BACKOFF = timedelta(hours=6)


# --------------------------------------------------------------------------- rendering


@dataclass
class RenderedMail:
    """A message ready to send: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


class _TextFromHtml(HTMLParser):
    """Plain text from the simple HTML of our mail bodies: paragraphs, lists, links."""

    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "ul", "ol", "table", "tr", "dl"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a block on a new line; remember a link's target."""
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("br", "dt"):
            self.parts.append("\n")
        elif tag == "dd":
            self.parts.append(": ")
        elif tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        """Print a link's target after its text."""
        if tag == "a" and self._href:
            self.parts.append(f"\n{self._href}")
            self._href = None
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Keep text, collapsing the template's indentation."""
        self.parts.append(" ".join(data.split()) if data.strip() else "")

    def text(self) -> str:
        """The collected text with at most one blank line in a row."""
        lines = [line.strip() for line in "".join(self.parts).splitlines()]
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        return "\n".join(out).strip() + "\n"


def html_to_text(html: str) -> str:
    """Convert a mail body's HTML to plain text."""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def _formatters(locale: str, zone: str) -> dict[str, Callable[..., str]]:
    """Date and label helpers for one recipient's language and time zone."""
    tz = ZoneInfo(zone)

    def fmt_datetime(value: str | datetime | None) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return babel_format_datetime(value, "medium", tzinfo=tz, locale=locale)

    def fmt_date(value: Any) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value).date()
        return babel_format_date(value, "medium", locale=locale)

    return {
        "fmt_datetime": fmt_datetime,
        "fmt_date": fmt_date,
        "region_label": lambda code: label(REGIONS, code),
        "product_label": lambda code: label(PRODUCT_LINES, code),
        "industry_label": lambda code: label(INDUSTRIES, code),
        "size_label": lambda code: label(SIZE_BANDS, code),
        "timing_label": lambda code: label(TIMING_LABELS, code),
        "stage_label": lambda code: _enum_label(STAGE_LABELS, Stage, code),
        "decline_label": lambda code: _enum_label(DECLINE_REASON_LABELS, DeclineReason, code),
    }


def _enum_label(labels: dict, enum_cls: type, code: str | None) -> str:
    """The translated label of an enum value stored in a payload."""
    try:
        return str(labels[enum_cls(code)])
    except (ValueError, KeyError):
        return code or ""


def _links(payload: dict[str, Any], *, staff: bool) -> dict[str, str]:
    """Absolute links into the portal (partners) or the back office (staff)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    links = {"home": base + "/", "admin": base + "/admin/"}
    if payload.get("lead_ref"):
        links["lead"] = f"{base}/leads/{payload['lead_ref']}"
    links["action"] = links["admin"] if staff else links.get("lead", links["home"])
    return links


def render_message(message: OutboxMessage) -> RenderedMail:
    """Render ``message`` in its recipient's language and time zone."""
    if message.kind not in KINDS:
        raise ValueError(f"unknown outbox message kind {message.kind!r}")
    recipient = message.recipient
    zone = (recipient.zone if recipient else business_zone()).key
    locale = message.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        context: dict[str, Any] = {
            "p": message.payload or {},
            "recipient_name": recipient.name if recipient else "",
            "links": _links(message.payload or {}, staff=bool(recipient and recipient.is_staff)),
            "lang": locale,
            **_formatters(locale, zone),
        }
        current_app.update_template_context(context)
        template = current_app.jinja_env.get_template(f"mail/{message.kind}.html")
        subject = "".join(template.blocks["subject"](template.new_context(context)))
        html = template.render(context)
    text_html = html.split(TEXT_START, 1)[-1].split(TEXT_END, 1)[0]
    return RenderedMail(
        subject=" ".join(html_unescape(subject).split()), text=html_to_text(text_html), html=html
    )


# --------------------------------------------------------------------------- delivery


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes after the 1st, 2nd, 3rd … failure."""
    return min(MAX_BACKOFF, timedelta(minutes=2 ** max(0, attempts - 1)))


def _claim_next(now: datetime, skip: set[int]) -> OutboxMessage | None:
    """Lock the next due pending message (PostgreSQL skips rows other workers hold)."""
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return db.session.scalars(query).first()


def _to_mail_message(message: OutboxMessage, rendered: RenderedMail) -> Message:
    """A Flask-Mail message for one outbox row."""
    return Message(
        subject=rendered.subject,
        recipients=[message.to_email],
        body=rendered.text,
        html=rendered.html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"X-LeadShare-Message": str(message.id)},
    )


def _write_eml(message: OutboxMessage, mail_message: Message) -> Path:
    """Write the message as an .eml file under instance/mail/ (no SMTP configured)."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:08d}-{message.kind}.eml"
    path.write_bytes(mail_message.as_bytes())
    return path


def _connection() -> Connection | None:
    """An SMTP connection from the Flask-Mail settings, or ``None`` without MAIL_SERVER."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return None
    # Read the settings on every pass (they may come from the environment or a test),
    # and send for real unless MAIL_SUPPRESS_SEND says otherwise.
    state = mail.init_mail(config, current_app.debug, False)
    return Connection(state)


def deliver_due(
    *, now: datetime | None = None, limit: int = 100, worker: str = "worker"
) -> DeliveryReport:
    """Send up to ``limit`` due messages, one transaction each; return what happened."""
    report = DeliveryReport()
    max_attempts = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    connection = _connection()
    smtp = None
    tried: set[int] = set()
    try:
        for _ in range(limit):
            moment = now or utcnow()
            message = _claim_next(moment, tried)
            if message is None:
                db.session.rollback()
                break
            tried.add(message.id)
            try:
                mail_message = _to_mail_message(message, render_message(message))
                if connection is None:
                    _write_eml(message, mail_message)
                else:
                    if smtp is None:
                        smtp = connection.__enter__()
                    smtp.send(mail_message)
            except Exception as exc:  # noqa: BLE001 - any failure is kept and retried
                if smtp is not None:
                    # The connection may be broken: open a fresh one for the next message.
                    _close(smtp)
                    smtp = None
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= max_attempts:
                    message.status = OutboxStatus.FAILED
                    report.failed += 1
                else:
                    message.next_attempt_at = moment + backoff(message.attempts)
                    report.retried += 1
                log.warning("%s: message %s not sent: %s", worker, message.id, exc)
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = moment
                message.last_error = None
                report.sent += 1
            db.session.commit()
    finally:
        if smtp is not None:
            _close(smtp)
    return report


def _close(smtp: Connection) -> None:
    """Close an SMTP connection, ignoring one that is already gone."""
    with contextlib.suppress(Exception):  # a dead connection needs no goodbye
        smtp.__exit__(None, None, None)


def _deliver_webhooks() -> None:
    """The worker's webhook pass (leadshare.webhooks), isolated from the mail pass."""
    from leadshare.webhooks import deliver_due_webhooks

    try:
        report = deliver_due_webhooks()
        if report.sent or report.retried or report.failed:
            log.info("webhooks: %s", report)
    except Exception:
        db.session.rollback()
        log.exception("webhook pass failed; retrying next round")


def work(
    *,
    interval: float = 5.0,
    sweep_every: float = 60.0,
    once: bool = False,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Deliver forever: a pass every ``interval`` seconds, the SLA sweep every ``sweep_every``."""
    from models.sla import sweep

    last_sweep = 0.0
    while True:
        if time.monotonic() - last_sweep >= sweep_every:
            try:
                sweep(auto_reoffer=current_app.config.get("LEADSHARE_AUTO_REOFFER", False))
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("SLA sweep failed; retrying next round")
            last_sweep = time.monotonic()
        try:
            report = deliver_due()
            if report.sent or report.retried or report.failed:
                log.info("outbox: %s", report)
        except Exception:
            db.session.rollback()
            log.exception("outbox pass failed; retrying next round")
        _deliver_webhooks()
        if once or (stop is not None and stop()):
            return
        time.sleep(interval)
