"""Forms of the staff pages (Flask-WTF: CSRF from the global CSRFProtect)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
)

from leadshare.forms import AmountField, AmountRequired, VersionedForm
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS
from models.labels import enum_choices, select_choices
from models.leads import (
    Channel,
    LeadSource,
    LostReason,
    NoteCategory,
    NoteVisibility,
    Timing,
)
from models.prospects import ConsentMethod


def _catalogue(catalogue, blank: bool = False):
    """Choices of a catalogue, labels translated when the form is built."""

    def choices():
        items = [(k, str(v)) for k, v in catalogue.items()]
        return select_choices(([("", "—")] + items) if blank else items)

    return choices


def _enum(enum_cls, blank: bool = False):
    """Choices of an enum, labels translated when the form is built."""

    def choices():
        items = enum_choices(enum_cls)
        return (select_choices([("", "—")]) + items) if blank else items

    return choices


class InstalledProductForm(Form):
    """One installed product line of the lead form (all optional)."""

    product_name = StringField(_l("Product"), validators=[Optional(), Length(max=200)])
    product_line = SelectField(
        _l("Product line"), choices=_catalogue(PRODUCT_LINES, True), validators=[Optional()]
    )
    installed_on = DateField(_l("Installed on"), validators=[Optional()])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(min=1)])


class LeadForm(FlaskForm):
    """Post a lead: the prospect's required fields, consent, the lead, checklist, first note."""

    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=40)])
    representative = StringField(_l("Representative"), validators=[DataRequired(), Length(max=120)])
    website = StringField(_l("Website"), validators=[DataRequired(), URL(), Length(max=300)])
    industry = SelectField(
        _l("Industry"), choices=_catalogue(INDUSTRIES, True), validators=[Optional()]
    )
    size_band = SelectField(
        _l("Size"), choices=_catalogue(SIZE_BANDS, True), validators=[Optional()]
    )
    region = SelectField(_l("Region"), choices=_catalogue(REGIONS), validators=[DataRequired()])

    contact_name = StringField(_l("Contact name"), validators=[DataRequired(), Length(max=120)])
    contact_title = StringField(_l("Contact title"), validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("Contact phone"), validators=[DataRequired(), Length(max=40)])
    contact_email = StringField(
        _l("Contact e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    consent = BooleanField(_l("The contact agreed that we share their details with a partner"))
    consent_method = SelectField(
        _l("How consent was given"), choices=_enum(ConsentMethod, True), validators=[Optional()]
    )
    consent_recorded_at = DateTimeLocalField(_l("When consent was given"), validators=[Optional()])

    teaser = TextAreaField(
        _l("Teaser (no names: partners see it first)"), validators=[DataRequired(), Length(max=500)]
    )
    need = TextAreaField(_l("Need"), validators=[DataRequired(), Length(max=5000)])
    product_interest = SelectField(
        _l("Product line"), choices=_catalogue(PRODUCT_LINES), validators=[DataRequired()]
    )
    source = SelectField(_l("Source"), choices=_enum(LeadSource), default=LeadSource.PHONE.value)
    timing = SelectField(_l("Timing"), choices=_enum(Timing), default=Timing.UNKNOWN.value)
    estimated_value = AmountField(_l("Estimated value (yen)"))
    expected_close_on = DateField(_l("Expected close"), validators=[Optional()])

    has_budget = BooleanField(_l("Budget confirmed"))
    has_authority = BooleanField(_l("Decision maker known"))
    has_need = BooleanField(_l("Need confirmed"))
    has_timing = BooleanField(_l("Timing confirmed"))

    note_channel = SelectField(_l("Channel"), choices=_enum(Channel), default=Channel.PHONE.value)
    note_category = SelectField(
        _l("Category"), choices=_enum(NoteCategory), default=NoteCategory.PRODUCT_INQUIRY.value
    )
    note_visibility = SelectField(
        _l("Visibility"), choices=_enum(NoteVisibility), default=NoteVisibility.INTERNAL.value
    )
    note_text = TextAreaField(
        _l("What the prospect said"), validators=[Optional(), Length(max=20000)]
    )

    products = FieldList(FormField(InstalledProductForm), min_entries=3, max_entries=10)
    confirm_duplicate = HiddenField(default="")

    def validate(self, extra_validators=None) -> bool:
        """Consent needs its method; everything else per field."""
        ok = super().validate(extra_validators)
        if self.consent.data and not self.consent_method.data:
            self.consent_method.errors.append(_l("Say how the contact's consent was obtained."))
            ok = False
        return ok


class NoteForm(FlaskForm):
    """Add a conversation note on the lead's page."""

    channel = SelectField(_l("Channel"), choices=_enum(Channel))
    category = SelectField(_l("Category"), choices=_enum(NoteCategory))
    visibility = SelectField(_l("Visibility"), choices=_enum(NoteVisibility))
    text = TextAreaField(
        _l("What the prospect said"), validators=[DataRequired(), Length(max=20000)]
    )


class QualifyForm(VersionedForm):
    """The qualification checklist."""

    has_budget = BooleanField(_l("Budget confirmed"))
    has_authority = BooleanField(_l("Decision maker known"))
    has_need = BooleanField(_l("Need confirmed"))
    has_timing = BooleanField(_l("Timing confirmed"))


class OfferForm(FlaskForm):
    """Offer the lead to one or more partners."""

    partners = SelectMultipleField(_l("Partners"), coerce=int, validators=[DataRequired()])
    comment = TextAreaField(_l("Comment to the partner"), validators=[Optional(), Length(max=5000)])
    override_reason = TextAreaField(
        _l("Override reason (needed outside a partner's policy)"),
        validators=[Optional(), Length(max=2000)],
    )


class StageForm(VersionedForm):
    """Move an accepted lead along the pipeline."""

    form_prefix = "stage"

    to_stage = SelectField(_l("New stage"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ActivityForm(VersionedForm):
    """Log a contact with the prospect (date, time, channel, category, detail)."""

    form_prefix = "activity"

    occurred_at = DateTimeLocalField(_l("When"), validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=_enum(Channel), default=Channel.PHONE.value)
    category = SelectField(
        _l("Category"), choices=_enum(NoteCategory), default=NoteCategory.OTHER.value
    )
    detail = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=20000)])


class WonForm(VersionedForm):
    """Close the lead as won, with the order's facts."""

    form_prefix = "won"

    order_date = DateField(_l("Order date"), validators=[DataRequired()])
    product = StringField(_l("Product"), validators=[DataRequired(), Length(max=200)])
    amount = AmountField(_l("Amount (yen)"), validators=[AmountRequired(_l("Enter the amount."))])
    delivery_date = DateField(_l("Delivery date"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class LostForm(VersionedForm):
    """Close the lead as lost, with a reason."""

    form_prefix = "lost"

    reason = SelectField(_l("Reason"), choices=_enum(LostReason, True), validators=[DataRequired()])
    note = TextAreaField(
        _l("Note (needed when the reason is “Other”)"), validators=[Optional(), Length(max=2000)]
    )


class ReasonForm(FlaskForm):
    """A reason (withdrawing, refusing details, rejecting a registration)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    """A button with nothing but its CSRF token."""


class CommentForm(FlaskForm):
    """A post on the board with one partner."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])


class ImportUploadForm(FlaskForm):
    """Upload a CSV file of leads."""

    file = FileField(
        _l("CSV file (UTF-8 or Shift_JIS)"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("CSV files only."))],
    )
