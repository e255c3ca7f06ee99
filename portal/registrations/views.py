"""``/registrations``: register a deal, and follow the vendor's decision."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from leadshare.extensions import db
from models import workflow
from models.errors import RuleError
from models.labels import enum_label
from models.registrations import DealRegistration
from portal import partner_required
from portal.registrations import bp
from portal.registrations.forms import RegistrationForm


def _own_registrations() -> sa.Select:
    """A manager sees its organisation's registrations, a rep its own."""
    query = sa.select(DealRegistration).where(
        DealRegistration.organisation_id == current_user.organisation_id
    )
    if not current_user.is_partner_manager:
        query = query.where(DealRegistration.submitted_by_id == current_user.id)
    return query


def _page(form: RegistrationForm | None = None, status: int = 200):
    """The list and the form (a failed form keeps its input)."""
    page = db.paginate(
        _own_registrations()
        .options(joinedload(DealRegistration.submitted_by), joinedload(DealRegistration.lead))
        .order_by(DealRegistration.submitted_at.desc(), DealRegistration.id.desc()),
        per_page=20,
        max_per_page=20,
        error_out=False,
    )
    return (
        render_template(
            "registrations/index.html",
            page=page,
            form=form or RegistrationForm(formdata=None),
            label=enum_label,
        ),
        status,
    )


@bp.get("/registrations")
@partner_required
def index():
    """The registrations with their status, and the form to register a deal."""
    return _page()


@bp.post("/registrations")
@partner_required
def create():
    """Register a deal; the vendor decides."""
    form = RegistrationForm()
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "error")
        return _page(form, 422)
    try:
        workflow.register_deal(current_user, **form.registration_fields())
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return _page(form, 422)
    db.session.commit()
    flash(_("Your deal registration has been sent. The vendor will review it."), "success")
    return redirect(url_for("deals.index"))
