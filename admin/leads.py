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
from leadshare.extensions import csrf, db
from leadshare.forms import SEND_AGAIN, show_rule_error, token_expired
from models import lead_records, limits, workflow
from models.capture import NoteInput, ProductInput, capture_lead, find_duplicates
from models.errors import MissingData, PolicyViolation, RuleError, StaleRecord
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


#: Refusals that concern what was typed: shown next to the form's field for them.
INPUT_REFUSALS = (MissingData, PolicyViolation, limits.OutOfRange)


def place_refusal(form, err: RuleError, fields: dict | None = None, unnamed: str | None = None):
    """Show a refused rule's message next to its field, else as the page's message.

    ``fields`` maps the rule's input names to the form's; ``unnamed`` is the field a
    refusal of the input that names none belongs to (an empty note, a policy override).
    """
    if err.field is None and unnamed and isinstance(err, INPUT_REFUSALS):
        err.field = unnamed
    if show_rule_error(form, err, fields):
        flash(_("Check the highlighted fields."), "error")
    else:
        flash(str(err), "error")


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

    def _act(self, ref: str, name: str, form, call, success: str, **how):
        """Validate ``form`` (its CSRF token included), run the rule, commit, redirect.

        Refused — bad input, an expired token, or a rule that says no — the lead's page
        is rendered again (422) with this form open, the text kept and the message next
        to the field (``how``: ``fields``/``unnamed`` as :func:`place_refusal`,
        ``offer_id`` for a form of one offer, ``anchor`` to come back to). A stale
        version goes back to the fresh page with the reload hint. These views are exempt
        from the global CSRF check only so that the form checks its token itself and
        keeps the text: nothing happens unless the form, token included, is valid.
        """
        target = url_for(".show", ref=ref) + how.get("anchor", "")
        if not form.validate_on_submit():
            flash(
                SEND_AGAIN if token_expired(form) else _("Check the highlighted fields."), "error"
            )
            return self._refused(ref, name, form, how.get("offer_id"))
        try:
            call()
        except RuleError as err:
            db.session.rollback()
            if isinstance(err, StaleRecord):
                flash(str(err), "error")
                return redirect(target)
            place_refusal(form, err, how.get("fields"), how.get("unnamed"))
            return self._refused(ref, name, form, how.get("offer_id"))
        db.session.commit()
        flash(success, "success")
        return redirect(target)

    def _refused(self, ref: str, name: str, form, offer_id: int | None = None):
        """The lead's page again with the refused ``form`` as it was sent (422)."""
        key = f"{name}-{offer_id}" if offer_id is not None else name
        return self._render_lead(self._lead(ref), {key: form}), 422

    # Posting a lead ------------------------------------------------------------
    @expose("/", methods=("GET", "POST"))
    @csrf.exempt
    def index(self):
        """The form to post a lead, with a duplicate warning before saving.

        Refused input, a refused rule or an expired token show the form again (422)
        with what was typed and the message next to its field (the form checks its
        own token: exempt from the global check only for that).
        """
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
            flash(
                SEND_AGAIN if token_expired(form) else _("Check the highlighted fields."), "error"
            )
        html = self.render(
            "staff/lead_new.html",
            form=form,
            duplicates=duplicates,
            templates_json=note_templates_json(),
        )
        return html, 422 if request.method == "POST" and form.errors else 200

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
            place_refusal(form, err)
            html = self.render(
                "staff/lead_new.html",
                form=form,
                duplicates=[],
                templates_json=note_templates_json(),
            )
            return html, 422
        flash(_("Lead posted."), "success")
        return redirect(url_for(".show", ref=lead.ref))

    # One lead ---------------------------------------------------------------------
    @expose("/<ref>")
    def show(self, ref: str):
        """Everything staff need about one lead, with every action the rules allow."""
        lead = self._lead(ref)
        # The page shows the contact person: one personal-data-view event per visit.
        lead_records.record_personal_data_view(
            current_user._get_current_object(), lead.prospect, "admin.lead", lead=lead.ref
        )
        db.session.commit()
        return self._render_lead(lead)

    def _render_lead(self, lead: Lead, submitted: dict | None = None):
        """The lead's page; ``submitted`` holds a refused form, shown open with its input.

        Keys are the form's name (``note``, ``won``…), or ``<name>-<offer id>`` for the
        forms of one offer (``withdraw``, ``refuse``, ``comment``).
        """
        submitted = submitted or {}
        fits = rank_partners(lead) if lead.stage.value == "qualified" else []
        note_form = submitted.get("note") or NoteForm(formdata=None)
        if "note" not in submitted:
            note_form.text.data = str(NOTE_TEMPLATES[NoteCategory.PRODUCT_INQUIRY])
        qualify = submitted.get("qualify")
        if qualify is None:
            qualify = QualifyForm(formdata=None, obj=lead)
            qualify.version.data = lead.version
        offer_form = submitted.get("offer") or OfferForm(formdata=None)
        offer_form.partners.choices = select_choices((f.partner.id, f.partner.name) for f in fits)
        accepted = lead.accepted_offer
        work = _work_forms(lead) if accepted is not None else None
        if work is not None:
            for name in ("stage", "activity", "won", "lost"):
                if name in submitted and work[name] is not None:
                    if name == "stage":
                        submitted[name].to_stage.choices = work[name].to_stage.choices
                    work[name] = submitted[name]
        offer_forms = {
            o.id: {
                "withdraw": submitted.get(f"withdraw-{o.id}") or ReasonForm(formdata=None),
                "refuse": submitted.get(f"refuse-{o.id}") or ReasonForm(formdata=None),
                "comment": submitted.get(f"comment-{o.id}") or CommentForm(formdata=None),
            }
            for o in lead.offers
        }
        return self.render(
            "staff/lead_show.html",
            lead=lead,
            fits=fits,
            accepted=accepted,
            work=work,
            note_form=note_form,
            qualify_form=qualify,
            offer_form=offer_form,
            offer_forms=offer_forms,
            confirm_form=submitted.get("confirm") or ConfirmForm(formdata=None),
            submitted=submitted,
            templates_json=note_templates_json(),
            OfferState=OfferState,
            reason_max=limits.REASON_MAX,
            comment_max=limits.COMMENT_MAX,
        )

    @expose("/<ref>/archive", methods=("POST",))
    @csrf.exempt
    def archive(self, ref: str):
        """Archive the lead: its open offers are withdrawn; it cannot be offered."""
        lead = self._lead(ref)
        return self._act(
            ref,
            "confirm",
            ConfirmForm(),
            lambda: lead_records.archive_lead(current_user._get_current_object(), lead),
            _("Lead archived; its open offers are withdrawn."),
        )

    @expose("/<ref>/unarchive", methods=("POST",))
    @csrf.exempt
    def unarchive(self, ref: str):
        """Bring the lead back: it can be offered again."""
        lead = self._lead(ref)
        return self._act(
            ref,
            "confirm",
            ConfirmForm(),
            lambda: lead_records.unarchive_lead(current_user._get_current_object(), lead),
            _("Lead brought back: it can be offered again."),
        )

    @expose("/<ref>/notes", methods=("POST",))
    @csrf.exempt
    def add_note(self, ref: str):
        """Add a conversation note (internal or shareable)."""
        lead = self._lead(ref)
        form = NoteForm()
        return self._act(
            ref,
            "note",
            form,
            lambda: workflow.add_note(
                lead,
                current_user._get_current_object(),
                text=form.text.data,
                channel=Channel(form.channel.data),
                category=NoteCategory(form.category.data),
                visibility=NoteVisibility(form.visibility.data),
            ),
            _("Note added."),
            unnamed="text",
        )

    @expose("/<ref>/qualify", methods=("POST",))
    @csrf.exempt
    def qualify(self, ref: str):
        """Save the qualification checklist."""
        lead = self._lead(ref)
        form = QualifyForm()
        return self._act(
            ref,
            "qualify",
            form,
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
    @csrf.exempt
    def offer(self, ref: str):
        """Offer the lead to the chosen partners, in one transaction."""
        lead = self._lead(ref)
        form = OfferForm()
        form.partners.choices = select_choices(
            (o.id, o.name) for o in db.session.scalars(db.select(Organisation))
        )
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

        return self._act(
            ref, "offer", form, offer_all, _("Lead offered."), unnamed="override_reason"
        )

    @expose("/<ref>/offers/<int:offer_id>/withdraw", methods=("POST",))
    @csrf.exempt
    def withdraw(self, ref: str, offer_id: int):
        """Take an open offer back, with a reason."""
        offer = self._offer(ref, offer_id)
        form = ReasonForm()
        return self._act(
            ref,
            "withdraw",
            form,
            lambda: workflow.withdraw_offer(
                offer, current_user._get_current_object(), reason=form.reason.data or ""
            ),
            _("Offer withdrawn."),
            offer_id=offer.id,
            unnamed="reason",
        )

    @expose("/<ref>/offers/<int:offer_id>/grant", methods=("POST",))
    @csrf.exempt
    def grant(self, ref: str, offer_id: int):
        """Approve a partner's request for details."""
        offer = self._offer(ref, offer_id)
        return self._act(
            ref,
            "confirm",
            ConfirmForm(),
            lambda: workflow.grant_details(offer, current_user._get_current_object()),
            _("Details granted."),
        )

    @expose("/<ref>/offers/<int:offer_id>/refuse", methods=("POST",))
    @csrf.exempt
    def refuse(self, ref: str, offer_id: int):
        """Refuse a partner's request for details, with a reason."""
        offer = self._offer(ref, offer_id)
        form = ReasonForm()
        return self._act(
            ref,
            "refuse",
            form,
            lambda: workflow.refuse_details(
                offer, current_user._get_current_object(), reason=form.reason.data or ""
            ),
            _("Request for details refused."),
            offer_id=offer.id,
            unnamed="reason",
        )

    @expose("/<ref>/offers/<int:offer_id>/comments", methods=("POST",))
    @csrf.exempt
    def comment(self, ref: str, offer_id: int):
        """Post on the board with the offer's partner."""
        offer = self._offer(ref, offer_id)
        form = CommentForm()
        return self._act(
            ref,
            "comment",
            form,
            lambda: workflow.post_comment(
                offer, current_user._get_current_object(), body=form.body.data or ""
            ),
            _("Message posted."),
            offer_id=offer.id,
            unnamed="body",
        )

    # Working an accepted lead ------------------------------------------------------
    def _work(self, ref: str, name: str, form: VersionedForm, call, success: str, **how):
        """Run ``call(offer, actor)`` on the lead's accepted offer through :meth:`_act`."""
        lead = self._lead(ref)
        offer = lead.accepted_offer
        if offer is None:
            flash(_("No partner has accepted this lead yet."), "error")
            return redirect(url_for(".show", ref=ref))
        actor = current_user._get_current_object()
        return self._act(ref, name, form, lambda: call(offer, actor), success, **how)

    @expose("/<ref>/stage", methods=("POST",))
    @csrf.exempt
    def move_stage(self, ref: str):
        """Move the accepted lead to another stage of the pipeline."""
        form = StageForm()
        form.to_stage.choices = _stage_choices(MOVABLE_STAGES)
        return self._work(
            ref,
            "stage",
            form,
            lambda offer, actor: workflow.move_stage(
                offer,
                actor,
                Stage(form.to_stage.data),
                note=form.note.data,
                expected_version=form.expected_version,
            ),
            _("Stage changed."),
            anchor="#pipeline",
        )

    @expose("/<ref>/activities", methods=("POST",))
    @csrf.exempt
    def log_activity(self, ref: str):
        """Log a contact with the prospect on the accepted lead."""
        form = ActivityForm()
        return self._work(
            ref,
            "activity",
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
            anchor="#pipeline",
        )

    @expose("/<ref>/won", methods=("POST",))
    @csrf.exempt
    def close_won(self, ref: str):
        """Close the accepted lead as won, with the order's facts."""
        form = WonForm()
        return self._work(
            ref,
            "won",
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
            anchor="#pipeline",
        )

    @expose("/<ref>/lost", methods=("POST",))
    @csrf.exempt
    def close_lost(self, ref: str):
        """Close the accepted lead as lost, with a reason."""
        form = LostForm()
        return self._work(
            ref,
            "lost",
            form,
            lambda offer, actor: workflow.close_lost(
                offer,
                actor,
                reason=LostReason(form.reason.data),
                note=form.note.data,
                expected_version=form.expected_version,
            ),
            _("The lead is closed as lost."),
            anchor="#pipeline",
        )
