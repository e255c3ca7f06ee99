"""List filters offering choices labelled in the user's language, never free-text codes.

Flask-Admin's own enum filters look a submitted value up by the enum member's
*name* while offering its *value*, and its text filters expect internal codes. Every
filter of the back office is built here instead: the options are computed per
request (so they are in the user's language) and a value that is not one of them
is ignored.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_request_context
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from leadshare.extensions import db
from models.labels import NO, YES, enum_label


class ChoiceFilter(sqla_filters.FilterEqual):
    """``column == value`` where ``value`` is one of ``choices()`` (value, label) pairs."""

    def __init__(
        self,
        column: Any,
        name: object,
        choices: Callable[[], Iterable[tuple[Any, object]]],
        *,
        coerce: Callable[[str], Any] = str,
        url_key: str | None = None,
    ) -> None:
        self._choices = choices
        self.coerce = coerce
        self.url_key = url_key
        super().__init__(column, name, options=self._options)

    def get_options(self, view) -> list[tuple[str, str]] | None:
        """The choices, computed per request (none while the view is being built)."""
        return self._options() if has_request_context() else None

    def _options(self) -> list[tuple[str, str]]:
        """The choices as strings, labels translated now."""
        return [(str(value), str(label)) for value, label in self._choices()]

    def validate(self, value: str) -> bool:
        """Only a value the filter offers."""
        return value in {v for v, _ in self._options()}

    def clean(self, value: str) -> Any:
        """The submitted string as the column's type."""
        return self.coerce(value)

    def operation(self):
        """Shown between the filter's name and its value."""
        return _l("is")


def enum_filter(column: Any, name: object, enum_cls: type[enum.Enum], **kw) -> ChoiceFilter:
    """A filter on an enum column, offering each member by its translated label."""
    return ChoiceFilter(
        column,
        name,
        lambda: [(m.value, enum_label(m)) for m in enum_cls],
        coerce=enum_cls,
        **kw,
    )


def flag_filter(column: Any, name: object, **kw) -> ChoiceFilter:
    """A yes/no filter on a boolean column."""
    return ChoiceFilter(
        column, name, lambda: [("1", YES), ("0", NO)], coerce=lambda v: v == "1", **kw
    )


def catalogue_filter(column: Any, name: object, catalogue: dict, **kw) -> ChoiceFilter:
    """A filter on a column holding catalogue codes (regions, product lines…)."""
    return ChoiceFilter(column, name, lambda: list(catalogue.items()), **kw)


def record_filter(column: Any, name: object, query: Callable[[], sa.Select], **kw) -> ChoiceFilter:
    """A filter on a foreign key, offering the rows of ``query()``: ``(id, label)`` columns.

    Two columns, not whole records: the partner filter offers a thousand partners
    on every page that has it.
    """
    return ChoiceFilter(
        column,
        name,
        lambda: [(row_id, label) for row_id, label in db.session.execute(query())],
        coerce=int,
        **kw,
    )


def _to_utc(value: datetime) -> datetime:
    """A naive time typed in the user's time zone, as an aware UTC time."""
    return value.replace(tzinfo=ZoneInfo(str(get_timezone()))).astimezone(UTC)


class LocalTimeAfter(sqla_filters.DateTimeGreaterFilter):
    """After a time typed in the user's zone."""

    def clean(self, value: str) -> datetime:
        """Parse, then convert to UTC."""
        return _to_utc(super().clean(value))


class LocalTimeBefore(sqla_filters.DateTimeSmallerFilter):
    """Before a time typed in the user's zone."""

    def clean(self, value: str) -> datetime:
        """Parse, then convert to UTC."""
        return _to_utc(super().clean(value))


class LocalTimeBetween(sqla_filters.DateTimeBetweenFilter):
    """Between two times typed in the user's zone."""

    def clean(self, value: str) -> list[datetime]:
        """Parse both ends, then convert them to UTC."""
        return [_to_utc(v) for v in super().clean(value)]


def when(column: Any, name: object) -> list:
    """Date-time filters (after, before, between) in the user's zone, for a UTC column."""
    return [
        LocalTimeAfter(column, name),
        LocalTimeBefore(column, name),
        LocalTimeBetween(column, name),
    ]
