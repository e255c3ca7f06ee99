"""Forms of the integrations pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from models.webhooks import EVENT_LABELS
from portal.forms import choices


class TokenForm(FlaskForm):
    """A new API token: its label, the user it acts as, read-only, expiry."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    user = SelectField(_l("Acts as"), coerce=int)
    read_only = BooleanField(_l("Read-only (can read leads, cannot change anything)"))
    expires_days = IntegerField(
        _l("Expires after (days, empty for never)"),
        validators=[Optional(), NumberRange(min=1, max=730)],
    )


class EventsField(SelectMultipleField):
    """Checkboxes, one per event."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    """A new webhook endpoint: URL, a note, and the events it wants."""

    url = StringField(_l("URL of your endpoint"), validators=[DataRequired(), Length(max=500)])
    description = StringField(_l("Description"), validators=[Length(max=200)])
    events = EventsField(
        _l("Events"),
        choices=choices(EVENT_LABELS.items()),
        validators=[DataRequired(message=_l("Choose at least one event."))],
    )
