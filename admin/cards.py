"""The business-card intake queue: send a card from a phone, enter it as a prospect.

Open to vendor staff and to assistants (the queue is all an assistant reaches).
Every change goes through one rule of :mod:`models.intake`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.forms import LeadForm, _catalogue, _enum
from admin.security import StaffAccessMixin
from leadshare.extensions import csrf, db
from leadshare.forms import SEND_AGAIN, token_expired
from leadshare.uploads import send_stored_file, upload_size_limit
from models.capture import find_duplicates
from models.cards import CARD_STATUS_LABELS, BusinessCard, intake_queue, recent_cards
from models.catalogue import REGIONS
from models.errors import RuleError
from models.intake import card_photo, dismiss_card, save_card, submit_card
from models.leads import LeadSource, Timing
from models.prospects import ConsentMethod
from models.uploads import human_size, max_upload_bytes

PROSPECT_FIELDS = (
    "company_name",
    "address",
    "phone",
    "representative",
    "website",
    "industry",
    "size_band",
    "region",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_email",
)


class CardPhotoForm(FlaskForm):
    """A photo of a business card, taken on the phone, and what the sender wants to add."""

    photo = FileField(
        _l("Photo of the business card"),
        validators=[FileRequired(_l("Take or choose a photo of the card.")), upload_size_limit],
    )
    note = TextAreaField(
        _l("Note for the assistant (optional)"), validators=[Optional(), Length(max=2000)]
    )


class IntakeForm(FlaskForm):
    """The new-prospect form of one card: the prospect, a short lead, consent."""

    company_name = LeadForm.company_name
    address = LeadForm.address
    phone = LeadForm.phone
    representative = LeadForm.representative
    website = LeadForm.website
    industry = LeadForm.industry
    size_band = LeadForm.size_band
    # No default: a wrong region would route the lead to the wrong partners.
    region = SelectField(
        _l("Region"), choices=_catalogue(REGIONS, True), validators=[DataRequired()]
    )
    contact_name = LeadForm.contact_name
    contact_title = LeadForm.contact_title
    contact_phone = LeadForm.contact_phone
    contact_email = LeadForm.contact_email
    consent = BooleanField(_l("The contact agreed that we share their details with a partner"))
    consent_method = SelectField(
        _l("How consent was given"), choices=_enum(ConsentMethod, True), validators=[Optional()]
    )
    teaser = LeadForm.teaser
    need = LeadForm.need
    product_interest = LeadForm.product_interest
    source = SelectField(_l("Source"), choices=_enum(LeadSource), default=LeadSource.EVENT.value)
    timing = SelectField(_l("Timing"), choices=_enum(Timing), default=Timing.UNKNOWN.value)
    confirm_duplicate = HiddenField(default="")


class DismissForm(FlaskForm):
    """Why a card leaves the queue without a prospect."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class CardIntakeView(StaffAccessMixin, BaseView):
    """``/admin/cards``: the queue, the phone page to send a card, and entering one card."""

    open_to_assistants = True

    def _card(self, ref: str) -> BusinessCard:
        """The card ``ref`` or 404."""
        return db.first_or_404(db.select(BusinessCard).where(BusinessCard.ref == ref))

    @expose("/")
    def index(self):
        """The cards waiting to be entered, and the latest ones handled."""
        return self.render(
            "staff/cards_queue.html",
            waiting=db.session.scalars(intake_queue()).all(),
            handled=db.session.scalars(recent_cards()).all(),
            status_labels=CARD_STATUS_LABELS,
        )

    # The forms below check their own token (exempt from the global check): an expired
    # token shows the form again with what was typed, asking to send it again.
    @expose("/new", methods=("GET", "POST"))
    @csrf.exempt
    def new(self):
        """The phone page: photograph a card (no JavaScript needed) and send it to the queue."""
        form = CardPhotoForm()
        if request.method == "POST" and form.validate_on_submit():
            upload = form.photo.data
            try:
                submit_card(
                    current_user._get_current_object(),
                    filename=upload.filename,
                    data=upload.read(),
                    note=form.note.data,
                )
                db.session.commit()
            except RuleError as err:
                db.session.rollback()
                form.photo.errors = [str(err)]
            else:
                flash(
                    _(
                        "The card is in the intake queue. "
                        "You will get an e-mail once it is entered."
                    ),
                    "success",
                )
                return redirect(url_for(".new"))
        elif token_expired(form):
            flash(SEND_AGAIN, "error")
        status = 422 if form.errors else 200
        return self.render(
            "staff/cards_new.html", form=form, limit=human_size(max_upload_bytes())
        ), status

    @expose("/<ref>", methods=("GET", "POST"))
    @csrf.exempt
    def enter(self, ref: str):
        """The photo beside the new-prospect form, pre-filled by OCR; saving checks duplicates."""
        card = self._card(ref)
        form = IntakeForm(data=_prefill(card) if request.method == "GET" else None)
        duplicates = []
        if card.is_waiting and form.validate_on_submit():
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
                saved = self._save(card, form)
                if saved is not None:
                    return saved
        elif request.method == "POST":
            if not card.is_waiting:
                flash(_("This card has already been handled."), "error")
            elif token_expired(form):
                flash(SEND_AGAIN, "error")
            else:
                flash(_("Check the highlighted fields."), "error")
        return self._render_card(card, form, duplicates=duplicates)

    def _render_card(self, card, form, *, duplicates=(), dismiss_form=None):
        """The card's page; 422 when a form on it was refused."""
        dismiss_form = dismiss_form or DismissForm(formdata=None)
        html = self.render(
            "staff/cards_enter.html",
            card=card,
            form=form,
            duplicates=duplicates,
            dismiss_form=dismiss_form,
            status_labels=CARD_STATUS_LABELS,
        )
        refused = request.method == "POST" and (form.errors or dismiss_form.errors)
        return html, 422 if refused else 200

    def _save(self, card: BusinessCard, form: IntakeForm):
        """Save the card through the capture rule; ``None`` when the rule refused."""
        try:
            lead = save_card(
                card,
                current_user._get_current_object(),
                prospect={name: getattr(form, name).data or None for name in PROSPECT_FIELDS},
                lead={
                    "teaser": form.teaser.data,
                    "need": form.need.data,
                    "product_interest": form.product_interest.data,
                    "source": LeadSource(form.source.data),
                    "timing": Timing(form.timing.data),
                },
                consent=form.consent.data,
                consent_method=ConsentMethod(form.consent_method.data)
                if form.consent_method.data
                else None,
            )
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
            return None
        flash(
            _(
                "Saved: %(company)s is a new prospect of %(owner)s, who is asked by e-mail "
                "to record the first activity.",
                company=lead.prospect.company_name,
                owner=lead.owner.name,
            ),
            "success",
        )
        return redirect(url_for(".index"))

    @expose("/<ref>/dismiss", methods=("POST",))
    @csrf.exempt
    def dismiss(self, ref: str):
        """Take the card out of the queue with a reason."""
        card = self._card(ref)
        form = DismissForm()
        if not form.validate_on_submit():
            refusal = SEND_AGAIN if token_expired(form) else _("Say why the card is dismissed.")
            flash(refusal, "error")
            return self._render_card(
                card, IntakeForm(formdata=None, data=_prefill(card)), dismiss_form=form
            )
        try:
            dismiss_card(card, current_user._get_current_object(), reason=form.reason.data)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
            return redirect(url_for(".enter", ref=ref))
        flash(_("The card was dismissed."), "success")
        return redirect(url_for(".index"))

    @expose("/<ref>/photo")
    def photo(self, ref: str):
        """The card's photo (re-encoded, no location data); every view is audited."""
        card = self._card(ref)
        try:
            data = card_photo(card, current_user._get_current_object())
        except FileNotFoundError:
            abort(404)
        db.session.commit()
        return send_stored_file(
            data, card.photo_type, f"card-{card.ref}.{card.photo_type.split('/')[1]}"
        )


def _prefill(card: BusinessCard) -> dict:
    """The form's first values: what OCR found, and the sender's note as the need."""
    data = {k: v for k, v in (card.ocr_fields or {}).items() if k in PROSPECT_FIELDS}
    if card.note:
        data["need"] = card.note
    return data
