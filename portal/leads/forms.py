"""Forms of the lead page; each one feeds exactly one workflow rule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from leadshare.forms import AmountField, AmountRequired, QuickSelect, VersionedForm
from models import limits
from models.labels import ENUM_LABELS, NOTE_TEMPLATES
from models.leads import MOVABLE_STAGES, STAGE_LABELS, Channel, LostReason, NoteCategory
from models.offers import DeclineReason
from portal.forms import choices

#: The detail text of an activity starts from a template per category (see
#: docs/portal.md, section 'Lead page', "Actions").
ACTIVITY_TEMPLATES = NOTE_TEMPLATES


def enum_choices(enum_cls) -> list[tuple[str, object]]:
    """(value, lazy label) pairs, translated when the form renders, not at import."""
    return [(member.value, ENUM_LABELS.get(member, member.value)) for member in enum_cls]


def _blank(text) -> list[tuple[str, object]]:
    """A first, empty choice asking the user to pick."""
    return [("", text)]


class AcceptForm(VersionedForm):
    """Accept the offer, optionally giving it to a rep, with a word to the vendor."""

    rep = SelectField(
        _l("Assign to"), coerce=int, default=0, validators=[Optional()], widget=QuickSelect()
    )
    comment = TextAreaField(
        _l("Comment to the vendor (optional)"), validators=[Length(max=limits.COMMENT_MAX)]
    )


class DeclineForm(VersionedForm):
    """Decline with a reason from the list plus free text."""

    reason = SelectField(
        _l("Reason"),
        choices=choices(_blank(_l("Choose a reason")) + enum_choices(DeclineReason)),
        validators=[DataRequired(_l("Choose a reason for declining."))],
    )
    note = TextAreaField(
        _l("Details (required for 'Other')"), validators=[Length(max=limits.REASON_MAX)]
    )


class StageForm(VersionedForm):
    """Move the lead along the pipeline."""

    to_stage = SelectField(
        _l("New stage"),
        choices=choices((s.value, STAGE_LABELS[s]) for s in MOVABLE_STAGES),
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=limits.NOTE_MAX)])


class ActivityForm(FlaskForm):
    """Log a contact with the prospect (date, time, channel, category, detail)."""

    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    time = TimeField(_l("Time"), validators=[InputRequired(_l("Enter the time."))])
    channel = SelectField(_l("Channel"), choices=choices(enum_choices(Channel)))
    category = SelectField(_l("Category"), choices=choices(enum_choices(NoteCategory)))
    detail = TextAreaField(
        _l("Detail"),
        validators=[
            DataRequired(_l("Describe the activity.")),
            Length(max=limits.CONVERSATION_MAX),
        ],
    )


class WonForm(VersionedForm):
    """Close as won: the order data every won deal records."""

    order_date = DateField(
        _l("Order date"), validators=[InputRequired(_l("Enter the order date."))]
    )
    product = StringField(
        _l("Product ordered"),
        validators=[DataRequired(_l("Enter the product.")), Length(max=limits.PRODUCT_MAX)],
    )
    amount = AmountField(_l("Amount (yen)"), validators=[AmountRequired(_l("Enter the amount."))])
    delivery_date = DateField(
        _l("Delivery date"), validators=[InputRequired(_l("Enter the delivery date."))]
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=limits.NOTE_MAX)])


class LostForm(VersionedForm):
    """Close as lost, with a reason."""

    reason = SelectField(
        _l("Reason"),
        choices=choices(_blank(_l("Choose a reason")) + enum_choices(LostReason)),
        validators=[DataRequired(_l("Choose why the lead was lost."))],
    )
    note = TextAreaField(
        _l("Details (required for 'Other')"), validators=[Length(max=limits.NOTE_MAX)]
    )


class CommentForm(FlaskForm):
    """A post on the board shared with the vendor."""

    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("The message is empty.")), Length(max=limits.COMMENT_MAX)],
    )


class AssignForm(FlaskForm):
    """A manager gives the lead to one of its users (0 = nobody)."""

    rep = SelectField(_l("Assigned to"), coerce=int, default=0, widget=QuickSelect())
