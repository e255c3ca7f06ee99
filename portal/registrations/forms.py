"""The deal registration forms: register (or correct) a deal, ask for more time, filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from leadshare.forms import AmountField
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS
from models.labels import enum_coerce, enum_label
from models.prospects import ConsentMethod
from models.registrations import RegistrationStatus
from portal.forms import choices

_required = DataRequired(_l("This field is required."))


def _catalogue(values: dict, blank: bool = True) -> list[tuple[str, object]]:
    """(code, lazy label) pairs of a catalogue, with an empty first choice."""
    pairs = [("", _l("Choose…"))] if blank else []
    return choices(pairs + list(values.items()))


class RegistrationForm(FlaskForm):
    """Prospect, contact (with consent), need, product and expected value."""

    company_name = StringField(_l("Company name"), validators=[_required, Length(max=200)])
    address = StringField(_l("Address"), validators=[_required, Length(max=300)])
    phone = StringField(_l("Phone"), validators=[_required, Length(max=40)])
    representative = StringField(_l("Representative"), validators=[_required, Length(max=120)])
    website = StringField(_l("Website"), validators=[_required, Length(max=300)])
    industry = SelectField(_l("Industry"), choices=_catalogue(INDUSTRIES), validators=[Optional()])
    region = SelectField(_l("Region"), choices=_catalogue(REGIONS), validators=[Optional()])
    contact_name = StringField(_l("Contact name"), validators=[_required, Length(max=120)])
    contact_title = StringField(_l("Contact title"), validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("Contact phone"), validators=[_required, Length(max=40)])
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[
            _required,
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    consent_method = SelectField(
        _l("The contact's consent to share their details with the vendor's partners"),
        choices=lambda: choices(
            [("", _l("Not obtained: the contact is not passed on"))]
            + [(m.value, enum_label(m)) for m in ConsentMethod]
        ),
        coerce=enum_coerce(ConsentMethod),
        validators=[Optional()],
    )
    need = TextAreaField(_l("What the customer needs"), validators=[_required, Length(max=5000)])
    product_interest = SelectField(
        _l("Product line"), choices=_catalogue(PRODUCT_LINES), validators=[_required]
    )
    expected_value = AmountField(_l("Expected value (yen)"))

    def registration_fields(self) -> dict:
        """The submitted values as ``register_deal`` keyword arguments."""
        fields = {name: self[name].data for name in self._fields if name != "csrf_token"}
        for name in ("industry", "region", "contact_title", "consent_method"):
            fields[name] = fields[name] or None
        return fields


class ExtensionForm(FlaskForm):
    """Ask once for more time on an approved registration."""

    reason = TextAreaField(_l("Why you need more time"), validators=[_required, Length(max=2000)])


def _status_choices() -> list:
    """Every status, and "any" first."""
    return choices(
        [("", _l("Any status"))] + [(s.value, enum_label(s)) for s in RegistrationStatus]
    )


class RegistrationFilterForm(FlaskForm):
    """The list's filters (GET, no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=_status_choices, validators=[Optional()])
    expiring = SelectField(
        _l("Protected period"),
        choices=lambda: choices([("", _l("Any")), ("1", _l("Expiring soon"))]),
        validators=[Optional()],
    )
