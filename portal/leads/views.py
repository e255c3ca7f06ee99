"""Views of the partner inbox and lead page; every read starts from the tenant gate."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from leadshare.extensions import db
from models.gates import current_offer_query, lead_view, reachable_offers
from models.offers import Offer
from portal import partner_required
from portal.leads import bp


@bp.get("/leads")
@partner_required
def inbox():
    """Every offer the user may reach, newest first."""
    page = db.paginate(
        reachable_offers(current_user).order_by(Offer.offered_at.desc(), Offer.id.desc()),
        per_page=25,
        error_out=False,
    )
    return render_template("leads/inbox.html", page=page)


@bp.get("/leads/<ref>")
@partner_required
def show(ref: str):
    """One lead, exactly as the three gates allow."""
    offer = db.first_or_404(current_offer_query(current_user, ref))
    return render_template("leads/show.html", offer=offer, lead=lead_view(current_user, offer))
