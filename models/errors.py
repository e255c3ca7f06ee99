"""Errors raised by the domain rules, each with a message fit to show the user."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class RuleError(Exception):
    """A rule refused a change; nothing was changed. ``str()`` is the user's message.

    ``field``, when given, names the input the message belongs next to.
    """

    default_message = _l("This change is not allowed.")

    def __init__(self, message: object | None = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(RuleError):
    """The actor's role or organisation may not do this."""

    default_message = _l("You are not allowed to do this.")


class InvalidTransition(RuleError):
    """The record is not in a state that allows this change."""

    default_message = _l("This is not possible in the record's current state.")


class StaleRecord(RuleError):
    """Someone else changed the record since the form was loaded."""

    default_message = _l(
        "Someone else changed this record in the meantime. Reload the page and try again."
    )


class NoLongerAvailable(RuleError):
    """Another partner accepted the lead first."""

    default_message = _l("This lead is no longer available: another partner has accepted it.")


class PolicyViolation(RuleError):
    """The offer falls outside the partner's policy; staff may override with a reason."""

    default_message = _l("This offer is outside the partner's policy.")


class MissingData(RuleError):
    """Required information is missing."""

    default_message = _l("Required information is missing.")
