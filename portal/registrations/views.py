"""``/registrations``: register a deal, follow the vendor's decision, keep the deal protected.

Every read starts from :func:`models.gates.reachable_registrations`: a manager
reaches its organisation's registrations, a rep the ones it submitted; anything
else answers 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from leadshare.extensions import csrf, db
from models import workflow
from models.base import utcnow
from models.errors import RuleError
from models.gates import reachable_registrations
from models.registrations import (
    DealRegistration,
    RegistrationStatus,
    RegistrationStep,
    expiring_soon,
)
from portal import partner_required
from portal.forms import BUTTON_EXPIRED, ActionForm, say_why_refused, show_rule_error
from portal.registrations import bp
from portal.registrations.forms import ExtensionForm, RegistrationFilterForm, RegistrationForm


def _page(form: RegistrationForm | None = None, status: int = 200):
    """The list (with its filters) and the form (a failed form keeps its input)."""
    now = utcnow()
    filters = RegistrationFilterForm(request.args)
    query = reachable_registrations(current_user)
    if filters.validate():
        if filters.status.data:
            query = query.where(DealRegistration.status == RegistrationStatus(filters.status.data))
        if filters.expiring.data:
            query = query.where(expiring_soon(now))
    if filters.expiring.data:
        query = query.order_by(DealRegistration.protected_until, DealRegistration.id)
    else:
        query = query.order_by(DealRegistration.submitted_at.desc(), DealRegistration.id.desc())
    page = db.paginate(
        query.options(joinedload(DealRegistration.submitted_by), joinedload(DealRegistration.lead)),
        per_page=20,
        max_per_page=20,
        error_out=False,
    )
    expiring_count = db.session.scalar(
        reachable_registrations(current_user)
        .where(expiring_soon(now))
        .with_only_columns(sa.func.count(DealRegistration.id))
    )
    return (
        render_template(
            "registrations/index.html",
            page=page,
            filters=filters,
            expiring_count=expiring_count,
            form=form or RegistrationForm(formdata=None),
            now=now,
        ),
        status,
    )


def _registration_or_404(ref: str) -> DealRegistration:
    """The user's registration ``ref``, or 404 exactly like one that does not exist."""
    registration = db.session.scalar(
        reachable_registrations(current_user)
        .where(DealRegistration.ref == ref)
        .options(selectinload(DealRegistration.steps).joinedload(RegistrationStep.actor))
    )
    if registration is None:
        abort(404)
    return registration


def _show(
    registration: DealRegistration,
    *,
    form: RegistrationForm | None = None,
    extension_form: ExtensionForm | None = None,
    status: int = 200,
):
    """One registration: what was sent, where it stands, its history and what can be done."""
    if form is None and registration.status is RegistrationStatus.REJECTED:
        form = RegistrationForm(formdata=None, obj=registration)
    return (
        render_template(
            "registrations/show.html",
            r=registration,
            form=form,
            extension_form=extension_form or ExtensionForm(formdata=None),
            action_form=ActionForm(),
            now=utcnow(),
        ),
        status,
    )


@bp.get("/registrations")
@partner_required
def index():
    """The registrations with their status and expiry, and the form to register a deal."""
    return _page()


@bp.post("/registrations")
@csrf.exempt
@partner_required
def create():
    """Register a deal; the vendor decides.

    Exempt from the global CSRF check only so that an expired token re-renders the
    form with what was typed: the form checks the token itself.
    """
    form = RegistrationForm()
    if not form.validate_on_submit():
        say_why_refused(form)
        return _page(form, 422)
    try:
        registration = workflow.register_deal(
            current_user, from_form=True, **form.registration_fields()
        )
    except RuleError as err:
        db.session.rollback()
        show_rule_error(form, err)
        return _page(form, 422)
    db.session.commit()
    flash(_("Your deal registration has been sent. The vendor will review it."), "success")
    return redirect(url_for("deals.show", ref=registration.ref))


@bp.get("/registrations/<ref>")
@partner_required
def show(ref: str):
    """One registration with its history."""
    return _show(_registration_or_404(ref))


@bp.post("/registrations/<ref>/resubmit")
@csrf.exempt
@partner_required
def resubmit(ref: str):
    """Send a corrected registration again after a rejection."""
    registration = _registration_or_404(ref)
    form = RegistrationForm()
    if not form.validate_on_submit():
        say_why_refused(form)
        return _show(registration, form=form, status=422)
    try:
        workflow.resubmit_registration(registration, current_user, **form.registration_fields())
    except RuleError as err:
        db.session.rollback()
        registration = _registration_or_404(ref)
        if registration.status is not RegistrationStatus.REJECTED:
            flash(str(err), "error")  # the form is gone: the registration moved on
            return redirect(url_for("deals.show", ref=ref))
        show_rule_error(form, err)
        return _show(registration, form=form, status=422)
    db.session.commit()
    flash(_("Your corrected registration has been sent. The vendor will review it."), "success")
    return redirect(url_for("deals.show", ref=ref))


@bp.post("/registrations/<ref>/withdraw")
@csrf.exempt
@partner_required
def withdraw(ref: str):
    """Take back a registration the vendor has not decided yet."""
    registration = _registration_or_404(ref)
    if not ActionForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return redirect(url_for("deals.show", ref=ref))
    try:
        workflow.withdraw_registration(registration, current_user)
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("deals.show", ref=ref))
    db.session.commit()
    flash(_("You withdrew the registration."), "success")
    return redirect(url_for("deals.show", ref=ref))


@bp.post("/registrations/<ref>/extension")
@csrf.exempt
@partner_required
def extension(ref: str):
    """Ask once for more time on an approved registration."""
    registration = _registration_or_404(ref)
    form = ExtensionForm()
    if not form.validate_on_submit():
        say_why_refused(form)
        return _show(registration, extension_form=form, status=422)
    try:
        workflow.request_extension(registration, current_user, reason=form.reason.data)
    except RuleError as err:
        db.session.rollback()
        registration = _registration_or_404(ref)
        if not registration.can_request_extension(utcnow()):
            flash(str(err), "error")  # the form is gone: no extension can be asked for now
            return redirect(url_for("deals.show", ref=ref))
        show_rule_error(form, err, fallback="reason")
        return _show(registration, extension_form=form, status=422)
    db.session.commit()
    flash(_("Your request for more time has been sent to the vendor."), "success")
    return redirect(url_for("deals.show", ref=ref))
