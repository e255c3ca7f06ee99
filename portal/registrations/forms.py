"""The deal registration form (the fields ``workflow.register_deal`` takes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS
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
    contact_consent = BooleanField(
        _l("The contact person agreed that their details may be shared with the vendor")
    )
    need = TextAreaField(_l("What the customer needs"), validators=[_required, Length(max=5000)])
    product_interest = SelectField(
        _l("Product line"), choices=_catalogue(PRODUCT_LINES), validators=[_required]
    )
    expected_value = IntegerField(
        _l("Expected value (yen)"),
        validators=[Optional(), NumberRange(min=0, message=_l("The value cannot be negative."))],
    )

    def registration_fields(self) -> dict:
        """The submitted values as ``register_deal`` keyword arguments."""
        fields = {name: self[name].data for name in self._fields if name != "csrf_token"}
        for name in ("industry", "region", "contact_title"):
            fields[name] = fields[name] or None
        return fields
