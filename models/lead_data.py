"""A lead as JSON-ready data, built only from :func:`models.gates.lead_view`.

The API and the webhooks render this, never the ``Lead`` itself: a field the
gates hide is absent from the view, so it cannot reach a partner's system.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from models.audit import record_event
from models.base import db
from models.gates import LeadView, lead_view
from models.leads import Lead
from models.offers import Offer
from models.users import User


def code(value: Any) -> Any:
    """An enum as its code; anything else unchanged."""
    return value.value if isinstance(value, enum.Enum) else value


def iso(value: date | datetime | None) -> str | None:
    """A date or timestamp in ISO 8601 (UTC timestamps end in ``Z``: safe in a query string)."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def etag_of(offer: Offer) -> str:
    """The strong ETag of a lead as a partner sees it: the offer's and the lead's versions."""
    return f'"{offer.version}.{offer.lead.version}"'


def offer_data(offer: Offer) -> dict[str, Any]:
    """The offer's own facts, which its partner always sees."""
    return {
        "state": code(offer.state),
        "offered_at": iso(offer.offered_at),
        "respond_by": iso(offer.respond_by),
        "comment_from_vendor": offer.comment_to_partner,
        "details_requested_at": iso(offer.details_requested_at),
        "details_granted_at": iso(offer.details_granted_at),
        "details_refused_reason": offer.details_refused_reason,
        "accepted_at": iso(offer.accepted_at),
        "assigned_rep": offer.assigned_rep.email if offer.assigned_rep else None,
        "decline_reason": code(offer.decline_reason),
        "ended_at": iso(offer.ended_at),
        "version": offer.version,
    }


def view_data(view: LeadView, *, personal_data: bool = True) -> dict[str, Any]:
    """The fields of ``view``; the contact person only when ``personal_data``."""
    d = view.disclosure
    data: dict[str, Any] = {
        "ref": view.ref,
        "disclosure": d.level.name.lower(),
        "teaser": view.teaser,
        "need": view.need,
        "industry": view.industry,
        "region": view.region,
        "size_band": view.size_band,
        "product_interest": view.product_interest,
        "timing": code(view.timing),
    }
    if d.company:
        data["company"] = {
            "name": view.company_name,
            "address": view.company_address,
            "phone": view.company_phone,
            "representative": view.company_representative,
            "website": view.company_website,
        }
    if d.value:
        data["estimated_value"] = view.estimated_value
    if d.notes:
        data["notes"] = [
            {
                "occurred_at": iso(note.occurred_at),
                "channel": code(note.channel),
                "category": code(note.category),
                "text": note.text,
            }
            for note in view.notes
        ]
    if d.installed_products:
        data["installed_products"] = [
            {
                "product_name": p.product_name,
                "product_line": p.product_line,
                "installed_on": iso(p.installed_on),
                "quantity": p.quantity,
            }
            for p in view.installed_products
        ]
    if personal_data and d.contact:
        data["contact"] = {
            "name": view.contact_name,
            "title": view.contact_title,
            "phone": view.contact_phone,
            "email": view.contact_email,
        }
    if d.contact_withheld_for_consent:
        data["contact_withheld"] = "no_consent"
    if d.stage:
        data["stage"] = code(view.stage)
    if d.outcome and view.outcome:
        data["outcome"] = {
            key: iso(value) if hasattr(value, "isoformat") else code(value)
            for key, value in view.outcome.items()
        }
    return data


def lead_data(user: User, offer: Offer, *, personal_data: bool = True) -> dict[str, Any]:
    """``offer``'s lead as ``user`` may see it, with the offer's state and the record's version."""
    view = lead_view(user, offer)
    data = view_data(view, personal_data=personal_data)
    data["offer"] = offer_data(offer)
    data["version"] = etag_of(offer).strip('"')
    data["updated_at"] = iso(max(offer.updated_at, offer.lead.updated_at))
    return data


class _LeadOnly:
    """Stands in for an offer when staff read a lead: the staff disclosure never reads the offer."""

    def __init__(self, lead: Lead) -> None:
        self.lead = lead


def staff_lead_data(user: User, lead: Lead) -> dict[str, Any]:
    """A lead as vendor staff see it, with every offer made of it."""
    if not user.is_staff:
        raise PermissionError("staff_lead_data is for vendor staff")
    data = view_data(lead_view(user, _LeadOnly(lead)))  # type: ignore[arg-type]
    data["offers"] = [
        {
            "partner": offer.organisation.slug,
            "state": code(offer.state),
            "offered_at": iso(offer.offered_at),
            "respond_by": iso(offer.respond_by),
        }
        for offer in lead.offers
    ]
    data["version"] = str(lead.version)
    data["updated_at"] = iso(lead.updated_at)
    return data


def record_contact_view(user: User, offer: Offer, *, via: str) -> None:
    """Audit that ``user`` was shown the lead's contact person (personal data)."""
    record_event(
        db.session,
        user,
        "prospect.contact_viewed",
        offer.lead.prospect,
        after={"lead": offer.lead.ref, "via": via},
        organisation_id=offer.organisation_id,
    )
