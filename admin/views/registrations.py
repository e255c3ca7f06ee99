"""Deal registrations from partners: the review desk (Partners menu).

The list shows status, possible conflicts and the protected period; the details
page puts the registration and everything it may clash with side by side and
offers the decisions: take into review, approve (an administrator may approve
beyond capacity with a reason), reject with a reason, attach to an existing
lead, and grant or refuse the partner's one extension request. Each decision is
one rule of :mod:`models.workflow`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.babel import gettext as admin_gettext
from flask_admin.helpers import get_redirect_target
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.filters import catalogue_filter, enum_filter
from admin.leads import place_refusal
from admin.queues import QueueFilter
from admin.views.common import STAFF_READ, BaseStaffView, partner_filter, when
from leadshare.extensions import csrf, db
from leadshare.forms import SEND_AGAIN, token_expired
from models import lead_records, workflow
from models.base import utcnow
from models.catalogue import PRODUCT_LINES, label
from models.conflicts import (
    CONFLICT_KIND_LABELS,
    MATCH_REASON_LABELS,
    ConflictKind,
    registration_conflicts,
)
from models.errors import RuleError
from models.labels import enum_label, select_choices
from models.registrations import DealRegistration, ExtensionState, RegistrationStatus
from models.workflow.capacity import open_lead_count
from models.workflow.protection import EXTENSION_DAYS


class ApproveForm(FlaskForm):
    """Approve; beyond the partner's capacity only an administrator, with a reason."""

    override_reason = TextAreaField(
        _l("Reason for approving beyond the partner's capacity (administrators)"),
        validators=[Optional(), Length(max=2000)],
    )


class RejectForm(FlaskForm):
    """Reject with a reason the partner reads."""

    reason = TextAreaField(
        _l("Reason for rejecting (the partner sees it)"),
        validators=[DataRequired(), Length(max=2000)],
    )


class AttachForm(FlaskForm):
    """Add the registration to an open lead found among its conflicts."""

    lead_ref = SelectField(_l("Existing lead"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Message to the partner (optional; never name another partner)"),
        validators=[Optional(), Length(max=2000)],
    )


class ExtensionDecisionForm(FlaskForm):
    """Grant (with a number of days) or refuse (with a reason) an extension."""

    decision = RadioField(
        _l("Decision"),
        choices=lambda: select_choices([("grant", _l("Grant")), ("refuse", _l("Refuse"))]),
        validators=[DataRequired()],
    )
    days = IntegerField(
        _l("Days to add"),
        default=EXTENSION_DAYS,
        validators=[Optional(), NumberRange(min=1, max=365)],
    )
    reason = TextAreaField(
        _l("Reason (required to refuse; the partner sees it)"),
        validators=[Optional(), Length(max=2000)],
    )


def _product(view, context, model, name):
    """A product line code by its label."""
    return label(PRODUCT_LINES, model.product_interest)


class RegistrationView(BaseStaffView):
    """Deal registrations from partners: review, then decide on the details page."""

    permissions = STAFF_READ
    details_template = "staff/registration_details.html"
    column_list = [
        "ref",
        "organisation",
        "company_name",
        "product_interest",
        "status",
        "conflict_count",
        "submitted_at",
        "protected_until",
        "extension",
    ]
    column_export_list = [
        "ref",
        "organisation.name",
        "company_name",
        "product_interest",
        "status",
        "conflict_count",
        "submitted_at",
        "decided_at",
        "decision_reason",
        "protected_until",
        "extension",
    ]
    column_searchable_list = ["ref", "company_name"]
    column_filters = [
        QueueFilter(DealRegistration),
        enum_filter(DealRegistration.status, _l("Status"), RegistrationStatus),
        enum_filter(DealRegistration.extension, _l("Extension"), ExtensionState),
        partner_filter(DealRegistration.organisation_id),
        catalogue_filter(DealRegistration.product_interest, _l("Product line"), PRODUCT_LINES),
        *when(DealRegistration.submitted_at, _l("Submitted")),
        *when(DealRegistration.protected_until, _l("Protected until")),
    ]
    column_default_sort = ("submitted_at", True)
    column_labels = {
        "conflict_count": _l("Possible conflicts"),
        "submitted_at": _l("Submitted"),
        "decided_at": _l("Decided"),
        "decision_reason": _l("Reason"),
        "protected_until": _l("Protected until"),
        "extension": _l("Extension"),
    }
    column_formatters = {"product_interest": _product}
    column_formatters_export = {}

    def _details_url(self, registration_id: int) -> str:
        """The details page of one registration."""
        return url_for(".details_view", id=registration_id)

    def _back(self, outcome, registration_id: int):
        """The failed rule's page as it is, else back to the details page."""
        if isinstance(outcome, tuple):
            return outcome
        return redirect(self._details_url(registration_id))

    def _registration(self, registration_id) -> DealRegistration:
        """One registration within the view's scope, or 404."""
        registration = self.get_one(registration_id)
        if registration is None:
            abort(404)
        return registration

    @expose("/details/")
    def details_view(self):
        """The registration beside everything it may conflict with, and the decisions."""
        registration = self.get_one(request.args.get("id"))
        if registration is None:
            # As every Flask-Admin details page: back to the list with a message.
            flash(admin_gettext("Record does not exist."), "error")
            return redirect(self.get_url(".index_view"))
        # The page shows the registered contact person: a personal-data view.
        lead_records.record_personal_data_view(
            current_user._get_current_object(), registration, "admin.registration"
        )
        db.session.commit()
        return self._render_details(registration)

    def record_title(self, model) -> str:
        """The registered company and the partner."""
        return f"{model.company_name} ({model.organisation.name})"

    def _render_details(self, registration: DealRegistration, **forms):
        """Render the details page (failed forms keep their input)."""
        conflicts = registration_conflicts(registration)
        attach = forms.get("attach_form") or AttachForm(formdata=None)
        attach.lead_ref.choices = select_choices(
            (c.lead.ref, f"{c.lead.ref} — {c.prospect.company_name}")
            for c in conflicts
            if c.kind is ConflictKind.OPEN_LEAD and c.lead is not None
        )
        partner = registration.organisation
        policy = partner.policy
        return self.render(
            self.details_template,
            model=registration,
            r=registration,
            conflicts=conflicts,
            kind_labels=CONFLICT_KIND_LABELS,
            reason_labels=MATCH_REASON_LABELS,
            open_leads=open_lead_count(partner.id),
            max_open_leads=policy.max_open_leads if policy else None,
            review_form=forms.get("review_form") or FlaskForm(formdata=None),
            approve_form=forms.get("approve_form") or ApproveForm(formdata=None),
            reject_form=forms.get("reject_form") or RejectForm(formdata=None),
            attach_form=attach,
            extension_form=forms.get("extension_form") or ExtensionDecisionForm(formdata=None),
            return_url=get_redirect_target() or self.get_url(".index_view"),
            now=utcnow(),
            ExtensionState=ExtensionState,
            enum_label=enum_label,
            RegistrationStatus=RegistrationStatus,
        )

    def _refused(self, registration: DealRegistration, name: str, form):
        """The details page again with ``form`` as sent (422): open, its text kept."""
        if token_expired(form):
            flash(SEND_AGAIN, "error")
        elif form.errors:
            flash(_("Please correct the marked fields."), "error")
        return self._render_details(self._registration(registration.id), **{name: form}), 422

    def _decide(self, registration, name: str, form, rule, message: str, **how):
        """Validate ``form`` (token included), run one rule, commit; the rule's result.

        Refused, the details page comes back with the form open, the text kept and the
        message next to its field (``how``: ``fields``/``unnamed`` as
        :func:`admin.leads.place_refusal`); the answer is then a ``(page, 422)`` tuple.
        These views are exempt from the global CSRF check only so that the form checks
        its token itself and keeps the text.
        """
        valid = form.validate_on_submit() and how.get("check", lambda: True)()
        if not valid:
            return self._refused(registration, name, form)
        try:
            result = rule()
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            place_refusal(form, err, how.get("fields"), how.get("unnamed"))
            return self._render_details(self._registration(registration.id), **{name: form}), 422
        flash(message, "success")
        return result

    @expose("/<int:registration_id>/review", methods=("POST",))
    @csrf.exempt
    def review(self, registration_id: int):
        """Take a submitted registration into review."""
        registration = self._registration(registration_id)
        outcome = self._decide(
            registration,
            "review_form",
            FlaskForm(),
            lambda: workflow.start_review(registration, current_user._get_current_object()),
            _("The registration is under review."),
        )
        return self._back(outcome, registration_id)

    @expose("/<int:registration_id>/approve", methods=("POST",))
    @csrf.exempt
    def approve(self, registration_id: int):
        """Approve: the deal becomes a lead accepted by the partner."""
        registration = self._registration(registration_id)
        form = ApproveForm()
        outcome = self._decide(
            registration,
            "approve_form",
            form,
            lambda: workflow.approve_registration(
                registration,
                current_user._get_current_object(),
                override_reason=form.override_reason.data,
            ),
            _("Registration approved: the lead is with the partner."),
            unnamed="override_reason",
        )
        if isinstance(outcome, tuple):
            return outcome
        return redirect(url_for("staff_desk.show", ref=outcome.ref))

    @expose("/<int:registration_id>/reject", methods=("POST",))
    @csrf.exempt
    def reject(self, registration_id: int):
        """Reject with a reason the partner sees."""
        registration = self._registration(registration_id)
        form = RejectForm()
        outcome = self._decide(
            registration,
            "reject_form",
            form,
            lambda: workflow.reject_registration(
                registration, current_user._get_current_object(), reason=form.reason.data
            ),
            _("Registration rejected."),
            unnamed="reason",
        )
        return self._back(outcome, registration_id)

    @expose("/<int:registration_id>/attach", methods=("POST",))
    @csrf.exempt
    def attach(self, registration_id: int):
        """Add the registration to one of the open leads it conflicts with."""
        registration = self._registration(registration_id)
        form = AttachForm()
        leads = {
            c.lead.ref: c.lead
            for c in registration_conflicts(registration)
            if c.kind is ConflictKind.OPEN_LEAD and c.lead is not None
        }
        form.lead_ref.choices = select_choices((ref, ref) for ref in leads)
        outcome = self._decide(
            registration,
            "attach_form",
            form,
            lambda: workflow.attach_registration(
                registration,
                leads[form.lead_ref.data],
                current_user._get_current_object(),
                note=form.note.data,
            ),
            _("The registration was added to the existing lead."),
            unnamed="note",
        )
        return self._back(outcome, registration_id)

    @expose("/<int:registration_id>/extension", methods=("POST",))
    @csrf.exempt
    def extension(self, registration_id: int):
        """Grant or refuse the partner's extension request."""
        registration = self._registration(registration_id)
        form = ExtensionDecisionForm()
        grant = form.decision.data == "grant"
        outcome = self._decide(
            registration,
            "extension_form",
            form,
            lambda: workflow.decide_extension(
                registration,
                current_user._get_current_object(),
                grant=grant,
                days=form.days.data,
                reason=form.reason.data,
            ),
            _("Extension granted.") if grant else _("Extension refused."),
            unnamed="days" if grant else "reason",
        )
        return self._back(outcome, registration_id)
