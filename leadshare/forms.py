"""Form pieces both doors share (the portal and the back office).

- :class:`VersionedForm`: the one base of every form that changes a versioned
  record. A missing or unreadable version is refused exactly like a stale one.
- :class:`AmountField`: a yen amount as people type it (``1,200,000``,
  full-width digits), read and bounded by :mod:`models.limits`.
- :class:`QuickSelect`: a select widget for long lists (a partner's people).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import Select

from models import limits

#: What an absent or unreadable version reads as: no record has it (versions start at 1),
#: so the rule's version check refuses the form as stale.
UNREADABLE_VERSION = 0


def read_version(raw: object) -> int:
    """A posted version as a number; absent or unreadable reads as :data:`UNREADABLE_VERSION`."""
    text = str(raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) < 12:
        return int(text)
    return UNREADABLE_VERSION


class VersionedForm(FlaskForm):
    """A form that carries the version of the record it was loaded with."""

    #: Prefix of the field names, for pages that show several of these forms.
    form_prefix = ""

    version = HiddenField()

    def __init__(self, *args, **kwargs):
        if self.form_prefix:
            kwargs.setdefault("prefix", self.form_prefix)
        super().__init__(*args, **kwargs)

    @property
    def expected_version(self) -> int:
        """The version the form was loaded with; unreadable or absent reads as stale."""
        return read_version(self.version.data)


class AmountRequired:
    """The amount must be given (a blank field says so, once)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.errors:
            raise StopValidation(self.message or _l("Enter the amount."))


class AmountField(StringField):
    """A yen amount: commas, spaces, ¥/円 and full-width digits are fine; one clear message."""

    def process_formdata(self, valuelist):
        """Parse with :func:`models.limits.parse_amount`; a bad value is one error."""
        self.raw_text = valuelist[0] if valuelist else ""
        self.data = None
        if not valuelist:
            return
        try:
            self.data = limits.parse_amount(valuelist[0], field=self.name)
        except limits.OutOfRange as refused:
            self.data = None
            raise ValueError(str(refused)) from None

    def _value(self) -> str:
        """What the input shows: the text typed when it failed, else the amount with commas."""
        if self.process_errors or (self.data is None and getattr(self, "raw_text", "")):
            return getattr(self, "raw_text", "")
        return f"{self.data:,}" if isinstance(self.data, int) else ""


class QuickSelect(Select):
    """WTForms' select widget with a cheaper ``<option>``: the same HTML, a fifth of the time.

    The largest partner has a thousand people in its "assign to" list; WTForms'
    general option renderer took 10 ms of the lead page for them.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        """One option; options with extra attributes go through WTForms' own renderer."""
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        mark = " selected" if choice.selected else ""
        label = choice.label if choice.label is not None else choice.value
        html = f'<option value="{escape(choice.value)}"{mark}>{escape(label)}</option>'
        return Markup(html)  # noqa: S704 - the value and the label are escaped here


# Refusals shown where the user typed ------------------------------------------------------
#: What a form whose CSRF token expired (or is missing) says: nothing was done, send again.
SEND_AGAIN = _l("This page was open too long. Check your entry and send it again.")
#: A bare button (or a form checked before its view runs) sent with an expired token.
BUTTON_EXPIRED = _l("The form expired. Please send it again.")


def token_expired(form: FlaskForm) -> bool:
    """Whether ``form`` failed only on, or among others on, its CSRF token."""
    csrf_field = getattr(form, "csrf_token", None)
    return bool(form.meta.csrf and csrf_field is not None and csrf_field.errors)


def show_rule_error(
    form, err, fields: dict[str, str] | None = None, *, fallback: str | None = None
) -> bool:
    """Put a refused rule's message next to the field it names; ``False`` if none fits.

    ``fields`` maps the rule's input names to this form's field names where they
    differ (``occurred_at`` → ``day``); ``fallback`` is the field for a refusal
    that names none. The caller shows a message it could not place under the
    form or as a page message.
    """
    name = getattr(err, "field", None)
    name = (fields or {}).get(name, name) if name else fallback
    field = getattr(form, name, None) if name else None
    if field is None or not hasattr(field, "errors") or name in ("csrf_token", "version"):
        return False
    field.errors = [*field.errors, str(err)]
    return True
