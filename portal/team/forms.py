"""Forms of the team page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from models.labels import ENUM_LABELS
from models.users import LANGUAGE_NAMES, Role
from portal.forms import choices


class InviteForm(FlaskForm):
    """Name, e-mail, role and language of a new colleague."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=choices(
            [
                (Role.PARTNER_REP.value, ENUM_LABELS[Role.PARTNER_REP]),
                (Role.PARTNER_MANAGER.value, ENUM_LABELS[Role.PARTNER_MANAGER]),
            ]
        ),
    )
    locale = SelectField(
        _l("Language"),
        choices=choices((locale.value, name) for locale, name in LANGUAGE_NAMES.items()),
    )
