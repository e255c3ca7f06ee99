"""The lead desk: post a lead, and each lead's staff page (notes, checklist, offers, boards)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from admin.forms import (
    ActivityForm,
    CommentForm,
    ConfirmForm,
    LeadForm,
    LostForm,
    NoteForm,
    OfferForm,
    QualifyForm,
    ReasonForm,
    StageForm,
    VersionedForm,
    WonForm,
)
from admin.security import StaffAccessMixin
from leadshare.extensions import db
from models import lead_records, limits, workflow
from models.capture import NoteInput, ProductInput, capture_lead, find_duplicates
from models.errors import RuleError, StaleRecord
from models.labels import NOTE_TEMPLATES, enum_label, select_choices
from models.leads import (
    MOVABLE_STAGES,
    Channel,
    Lead,
    LeadSource,
    LostReason,
    NoteCategory,
    NoteVisibility,
    Stage,
    Timing,
)
from models.offers import Offer, OfferState
from models.organisations import Organisation
from models.prospects import PROSPECT_FIELDS, ConsentMethod
from models.routing import rank_partners


def note_templates_json() -> str:
    """Per-category note templates for the form's script (data attribute)."""
    return json.dumps({c.value: str(t) for c, t in NOTE_TEMPLATES.items()}, ensure_ascii=False)


def _user_zone() -> ZoneInfo:
    """The user's time zone (Flask-Babel hands out pytz zones, wrong with ``replace``)."""
    return ZoneInfo(str(get_timezone()))


def _local_to_utc(value):
    """A naive datetime typed in the user's time zone, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=_user_zone()).astimezone(UTC)


def _stage_choices(stages) -> list:
    """Select choices for ``stages``, labels translated now."""
    return select_choices((stage.value, enum_label(stage)) for stage in stages)


def _work_forms(lead: Lead) -> dict:
    """The forms to work an accepted lead, each carrying the lead's version."""
    moves = workflow.stage_moves(lead)
    stage = StageForm(formdata=None, version=lead.version)
    stage.to_stage.choices = _stage_choices(moves)
    activity = ActivityForm(formdata=None, version=lead.version)
    activity.occurred_at.data = datetime.now(_user_zone()).replace(
        second=0, microsecond=0, tzinfo=None
    )
    return {
        "stage": stage if moves else None,
        "activity": activity if lead.takes_activities else None,
        "won": WonForm(formdata=None, version=lead.version) if lead.is_working else None,
        "lost": LostForm(formdata=None, version=lead.version) if lead.is_working else None,
    }


def _form_problems(form) -> str:
    """The form's field errors as one line for a flash message."""
    return "; ".join(
        f"{getattr(form, name).label.text}: {' '.join(str(e) for e in errors)}"
        if name != "version"
        else str(StaleRecord())
        for name, errors in form.errors.items()
    )


class LeadDeskView(StaffAccessMixin, BaseView):
    """Staff pages to post leads and to work one lead through every rule of ``workflow``."""

    def _lead(self, ref: str) -> Lead:
        """The lead ``ref`` or 404."""
        return db.first_or_404(db.select(Lead).where(Lead.ref == ref))

    def _offer(self, ref: str, offer_id: int) -> Offer:
        """An offer of the lead ``ref`` or 404 (ids from the form are never trusted alone)."""
        return db.first_or_404(
            db.select(Offer).join(Offer.lead).where(Lead.ref == ref, Offer.id == offer_id)
        )

    def _rule(self, ref: str, call, success: str):
        """Run one rule: commit and flash on success; roll back and flash the rule's message."""
        try:
            call()
            db.session.commit()
            flash(success, "success")
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
        return redirect(url_for(".show", ref=ref))

    # Posting a lead ------------------------------------------------------------
    @expose("/", methods=("GET", "POST"))
    def index(self):
        """The form to post a lead, with a duplicate warning before saving."""
        form = LeadForm()
        if request.method == "GET":
            form.note_text.data = str(NOTE_TEMPLATES[NoteCategory.PRODUCT_INQUIRY])
        duplicates = []
        if form.validate_on_submit():
            duplicates = find_duplicates(
                form.company_name.data, form.contact_phone.data, form.contact_email.data
            )
            if duplicates and form.confirm_duplicate.data != "yes":
                form.confirm_duplicate.data = "yes"
                flash(
                    _(
                        "This prospect may already exist. Check the list below, then save "
                        "anyway if it is a new lead."
                    ),
                    "warning",
                )
            else:
                return self._save(form)
        elif request.method == "POST":
            flash(_("Check the highlighted fields."), "error")
        return self.render(
            "staff/lead_new.html",
            form=form,
            duplicates=duplicates,
            templates_json=note_templates_json(),
        )

    def _save(self, form: LeadForm):
        """Capture the lead from a valid form."""
        template_texts = {str(t).strip() for t in NOTE_TEMPLATES.values()}
        note_text = (form.note_text.data or "").strip()
        note = None
        if note_text and note_text not in template_texts:
            note = NoteInput(
                text=note_text,
                channel=Channel(form.note_channel.data),
                category=NoteCategory(form.note_category.data),
                visibility=NoteVisibility(form.note_visibility.data),
            )
        products = [
            ProductInput(
                product_name=p.product_name.data,
                product_line=p.product_line.data,
                installed_on=p.installed_on.data,
                quantity=p.quantity.data or 1,
            )
            for p in form.products
            if (p.product_name.data or "").strip()
        ]
        try:
            lead = capture_lead(
                current_user._get_current_object(),
                prospect={name: getattr(form, name).data or None for name in PROSPECT_FIELDS},
                lead={
                    "teaser": form.teaser.data,
                    "need": form.need.data,
                    "product_interest": form.product_interest.data,
                    "source": LeadSource(form.source.data),
                    "timing": Timing(form.timing.data),
                    "estimated_value": form.estimated_value.data,
                    "expected_close_on": form.expected_close_on.data,
                },
                consent=form.consent.data,
                consent_method=ConsentMethod(form.consent_method.data)
                if form.consent_method.data
                else None,
                consent_recorded_at=_local_to_utc(form.consent_recorded_at.data),
                checklist={
                    "budget": form.has_budget.data,
                    "authority": form.has_authority.data,
                    "need": form.has_need.data,
                    "timing": form.has_timing.data,
                },
                note=note,
                products=products,
            )
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
            return self.render(
                "staff/lead_new.html",
                form=form,
                duplicates=[],
                templates_json=note_templates_json(),
            )
        flash(_("Lead posted."), "success")
        return redirect(url_for(".show", ref=lead.ref))

    # One lead ---------------------------------------------------------------------
    @expose("/<ref>")
    def show(self, ref: str):
        """Everything staff need about one lead, with every action the rules allow."""
        lead = self._lead(ref)
        fits = rank_partners(lead) if lead.stage.value == "qualified" else []
        note_form = NoteForm(formdata=None)
        note_form.text.data = str(NOTE_TEMPLATES[NoteCategory.PRODUCT_INQUIRY])
        qualify = QualifyForm(formdata=None, obj=lead)
        qualify.version.data = lead.version
        offer_form = OfferForm(formdata=None)
        offer_form.partners.choices = select_choices((f.partner.id, f.partner.name) for f in fits)
        accepted = lead.accepted_offer
        work = _work_forms(lead) if accepted is not None else None
        # The page shows the contact person: one personal-data-view event per visit.
        lead_records.record_personal_data_view(
            current_user._get_current_object(), lead.prospect, "admin.lead", lead=lead.ref
        )
        db.session.commit()
        return self.render(
            "staff/lead_show.html",
            lead=lead,
            fits=fits,
            accepted=accepted,
            work=work,
            note_form=note_form,
            qualify_form=qualify,
            offer_form=offer_form,
            reason_form=ReasonForm(formdata=None),
            comment_form=CommentForm(formdata=None),
            confirm_form=ConfirmForm(),
            templates_json=note_templates_json(),
            OfferState=OfferState,
            reason_max=limits.REASON_MAX,
            comment_max=limits.COMMENT_MAX,
        )

    @expose("/<ref>/archive", methods=("POST",))
    def archive(self, ref: str):
        """Archive the lead: its open offers are withdrawn; it cannot be offered."""
        lead = self._lead(ref)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return self._rule(
            ref,
            lambda: lead_records.archive_lead(current_user._get_current_object(), lead),
            _("Lead archived; its open offers are withdrawn."),
        )

    @expose("/<ref>/unarchive", methods=("POST",))
    def unarchive(self, ref: str):
        """Bring the lead back: it can be offered again."""
        lead = self._lead(ref)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return self._rule(
            ref,
            lambda: lead_records.unarchive_lead(current_user._get_current_object(), lead),
            _("Lead brought back: it can be offered again."),
        )

    @expose("/<ref>/notes", methods=("POST",))
    def add_note(self, ref: str):
        """Add a conversation note (internal or shareable)."""
        lead = self._lead(ref)
        form = NoteForm()
        if not form.validate_on_submit():
            flash(_("The note is empty."), "error")
            return redirect(url_for(".show", ref=ref))
        return self._rule(
            ref,
            lambda: workflow.add_note(
                lead,
                current_user._get_current_object(),
                text=form.text.data,
                channel=Channel(form.channel.data),
                category=NoteCategory(form.category.data),
                visibility=NoteVisibility(form.visibility.data),
            ),
            _("Note added."),
        )

    @expose("/<ref>/qualify", methods=("POST",))
    def qualify(self, ref: str):
        """Save the qualification checklist."""
        lead = self._lead(ref)
        form = QualifyForm()
        if not form.validate_on_submit():
            abort(400)
        return self._rule(
            ref,
            lambda: workflow.qualify_lead(
                lead,
                current_user._get_current_object(),
                budget=form.has_budget.data,
                authority=form.has_authority.data,
                need=form.has_need.data,
                timing=form.has_timing.data,
                expected_version=form.expected_version,
            ),
            _("Checklist saved."),
        )

    @expose("/<ref>/offers", methods=("POST",))
    def offer(self, ref: str):
        """Offer the lead to the chosen partners, in one transaction."""
        lead = self._lead(ref)
        form = OfferForm()
        form.partners.choices = select_choices(
            (o.id, o.name) for o in db.session.scalars(db.select(Organisation))
        )
        if not form.validate_on_submit():
            flash(_("Choose at least one partner."), "error")
            return redirect(url_for(".show", ref=ref))
        actor = current_user._get_current_object()

        def offer_all():
            for partner_id in form.partners.data:
                partner = db.session.get(Organisation, partner_id)
                if partner is None or partner.is_vendor:
                    abort(404)
                workflow.offer_lead(
                    lead,
                    partner,
                    actor,
                    comment=form.comment.data,
                    override_reason=form.override_reason.data,
                )

        return self._rule(ref, offer_all, _("Lead offered."))

    @expose("/<ref>/offers/<int:offer_id>/withdraw", methods=("POST",))
    def withdraw(self, ref: str, offer_id: int):
        """Take an open offer back, with a reason."""
        offer = self._offer(ref, offer_id)
        form = ReasonForm()
        return self._rule(
            ref,
            lambda: workflow.withdraw_offer(
                offer, current_user._get_current_object(), reason=form.reason.data or ""
            ),
            _("Offer withdrawn."),
        )

    @expose("/<ref>/offers/<int:offer_id>/grant", methods=("POST",))
    def grant(self, ref: str, offer_id: int):
        """Approve a partner's request for details."""
        offer = self._offer(ref, offer_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return self._rule(
            ref,
            lambda: workflow.grant_details(offer, current_user._get_current_object()),
            _("Details granted."),
        )

    @expose("/<ref>/offers/<int:offer_id>/refuse", methods=("POST",))
    def refuse(self, ref: str, offer_id: int):
        """Refuse a partner's request for details, with a reason."""
        offer = self._offer(ref, offer_id)
        form = ReasonForm()
        return self._rule(
            ref,
            lambda: workflow.refuse_details(
                offer, current_user._get_current_object(), reason=form.reason.data or ""
            ),
            _("Request for details refused."),
        )

    @expose("/<ref>/offers/<int:offer_id>/comments", methods=("POST",))
    def comment(self, ref: str, offer_id: int):
        """Post on the board with the offer's partner."""
        offer = self._offer(ref, offer_id)
        form = CommentForm()
        return self._rule(
            ref,
            lambda: workflow.post_comment(
                offer, current_user._get_current_object(), body=form.body.data or ""
            ),
            _("Message posted."),
        )

    # Working an accepted lead ------------------------------------------------------
    def _work(self, ref: str, form: VersionedForm, call, success: str):
        """Validate ``form``, then run ``call(offer, actor)`` on the lead's accepted offer."""
        lead = self._lead(ref)
        offer = lead.accepted_offer
        if offer is None:
            flash(_("No partner has accepted this lead yet."), "error")
            return redirect(url_for(".show", ref=ref))
        if not form.validate_on_submit():
            flash(_form_problems(form) or _("Check the highlighted fields."), "error")
            return redirect(url_for(".show", ref=ref))
        actor = current_user._get_current_object()
        return self._rule(ref, lambda: call(offer, actor), success)

    @expose("/<ref>/stage", methods=("POST",))
    def move_stage(self, ref: str):
        """Move the accepted lead to another stage of the pipeline."""
        form = StageForm()
        form.to_stage.choices = _stage_choices(MOVABLE_STAGES)
        return self._work(
            ref,
            form,
            lambda offer, actor: workflow.move_stage(
                offer,
                actor,
                Stage(form.to_stage.data),
                note=form.note.data,
                expected_version=form.expected_version,
            ),
            _("Stage changed."),
        )

    @expose("/<ref>/activities", methods=("POST",))
    def log_activity(self, ref: str):
        """Log a contact with the prospect on the accepted lead."""
        form = ActivityForm()
        return self._work(
            ref,
            form,
            lambda offer, actor: workflow.log_activity(
                offer,
                actor,
                occurred_at=_local_to_utc(form.occurred_at.data),
                channel=Channel(form.channel.data),
                category=NoteCategory(form.category.data),
                detail=form.detail.data,
                expected_version=form.expected_version,
            ),
            _("Activity logged."),
        )

    @expose("/<ref>/won", methods=("POST",))
    def close_won(self, ref: str):
        """Close the accepted lead as won, with the order's facts."""
        form = WonForm()
        return self._work(
            ref,
            form,
            lambda offer, actor: workflow.close_won(
                offer,
                actor,
                order_date=form.order_date.data,
                product=form.product.data,
                amount=form.amount.data,
                delivery_date=form.delivery_date.data,
                note=form.note.data,
                expected_version=form.expected_version,
            ),
            _("The lead is closed as won."),
        )

    @expose("/<ref>/lost", methods=("POST",))
    def close_lost(self, ref: str):
        """Close the accepted lead as lost, with a reason."""
        form = LostForm()
        return self._work(
            ref,
            form,
            lambda offer, actor: workflow.close_lost(
                offer,
                actor,
                reason=LostReason(form.reason.data),
                note=form.note.data,
                expected_version=form.expected_version,
            ),
            _("The lead is closed as lost."),
        )
