"""Outbox mail: render each queued message in its recipient's language, as MIME.

Each kind has a template ``templates/mail/<kind>.html`` with a ``subject`` and a
``body`` block; the HTML mail is the full template, the text part is the same
message (greeting, body, footer) converted to plain text, so both always say the
same thing. Dates are shown in the recipient's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from html import unescape as html_unescape
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from models.base import business_zone, utcnow
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS, label
from models.leads import STAGE_LABELS, Stage
from models.offers import DECLINE_REASON_LABELS, DeclineReason
from models.outbox import OutboxMessage

#: Every kind the outbox knows how to render (one template each).
KINDS = (
    "offer_new",
    "offer_reminder",
    "details_requested",
    "details_waiting",
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
    "registration_expiring",
    "registration_expired",
    "registration_returned",
    "registration_extension_requested",
    "registration_extension_decided",
    "invitation",
    "password_reset",
    "digest",
    "card_saved",
    "file_shared",
)
TIMING_LABELS = {
    "1m": _l("Within a month"),
    "3m": _l("Within 3 months"),
    "6m": _l("Within 6 months"),
    "later": _l("Later"),
    "unknown": _l("Unknown"),
}
#: Marks the part of a rendered HTML mail that becomes the plain-text part.
TEXT_START, TEXT_END = "<!--text-->", "<!--/text-->"


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
        # Staff open the lead's page in the back office, partners in the portal.
        folder = "/admin/desk/" if staff else "/leads/"
        links["lead"] = f"{base}{folder}{payload['lead_ref']}"
    if payload.get("password_token"):
        # A single-use random token (models/accounts.py); older messages carried the url.
        links["password"] = f"{base}/password/{payload['password_token']}"
    elif payload.get("url"):
        links["password"] = payload["url"]
    if payload.get("registration_ref"):
        ref = payload["registration_ref"]
        links["registration"] = (
            f"{base}/admin/registrations/?search={ref}" if staff else f"{base}/registrations/{ref}"
        )
    links["action"] = links.get("lead", links["admin"] if staff else links["home"])
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
            "recipient_name": recipient.name if recipient else message.payload.get("name", ""),
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


def to_email_message(message: OutboxMessage, rendered: RenderedMail) -> MIMEMultipart:
    """The MIME message for one outbox row: plain text and HTML alternatives, UTF-8.

    Built with the ``email.mime`` classes, whose headers are not re-parsed on
    every assignment: a third of the CPU of ``EmailMessage`` per message, which
    bounds the worker's rate (docs/performance.md).
    """
    mime = MIMEMultipart("alternative")
    mime["Subject"] = Header(rendered.subject, "utf-8", header_name="Subject")
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    mime["From"] = formataddr((name, address), charset="utf-8")
    mime["To"] = message.to_email
    mime["Date"] = format_datetime(utcnow())
    mime["Message-ID"] = message.message_id or make_msgid()
    mime["X-LeadShare-Message"] = str(message.id)
    mime.attach(MIMEText(rendered.text, "plain", "utf-8"))
    mime.attach(MIMEText(rendered.html, "html", "utf-8"))
    return mime
