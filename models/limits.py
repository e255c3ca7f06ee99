"""Plausibility limits: the one place that says how big a number, how far a date and
how long a text may be.

Every way in — the portal, the back office, the CSV import, the API — checks its
input with these helpers, and the database repeats the bounds as CHECK
constraints (``AMOUNT_CHECKS``, ``DATE_CHECKS``, ``TEXT_CHECKS``), so one absurd
value can neither be stored nor break a report that sums it. The checks raise
:class:`OutOfRange`, a rule error naming the field, so a door can show the
message next to it in the user's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from models.errors import RuleError

# --------------------------------------------------------------------------- amounts

#: Every amount of money is in yen, from 0 to one trillion (10^12). A report summing
#: millions of rows at this bound stays far inside a 64-bit integer.
MIN_AMOUNT_YEN = 0
MAX_AMOUNT_YEN = 10**12

# --------------------------------------------------------------------------- dates

#: Activities: at most a year ahead and ten years back.
ACTIVITY_MAX_AHEAD = timedelta(days=366)
ACTIVITY_MAX_BACK = timedelta(days=3653)
#: Order and delivery dates, expected closing dates: within ten years of today.
DEAL_DATE_WINDOW = timedelta(days=3653)
#: The database's backstop for every business date: nothing before or after these.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)

# --------------------------------------------------------------------------- text lengths

#: A person's name, a title, a representative.
NAME_MAX = 120
#: A company or product name.
COMPANY_NAME_MAX = 200
PRODUCT_MAX = 200
#: The teaser partners see first.
TEASER_MAX = 500
#: The prospect's need, a deal registration's need.
NEED_MAX = 5000
#: A reason (declining, withdrawing, refusing, rejecting, overriding a policy) or a short
#: note (stage change, outcome).
REASON_MAX = 2000
NOTE_MAX = 2000
#: A post on the board, a comment to a partner.
COMMENT_MAX = 5000
#: What the prospect said, an activity's detail: near-verbatim, so long.
CONVERSATION_MAX = 20000


class OutOfRange(RuleError):
    """A value outside the plausibility limits; ``field`` names the input it came from."""

    default_message = _l("This value is outside the allowed range.")


# --------------------------------------------------------------------------- checks


def check_amount(value: int | None, *, field: str = "amount") -> int | None:
    """``value`` if it is ``None`` or a yen amount within the limits, else :class:`OutOfRange`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutOfRange(_l("Enter an amount in yen, in digits."), field=field)
    if value < MIN_AMOUNT_YEN:
        raise OutOfRange(_l("The amount cannot be negative."), field=field)
    if value > MAX_AMOUNT_YEN:
        raise OutOfRange(
            _l("The amount cannot be more than %(max)s yen.", max=f"{MAX_AMOUNT_YEN:,}"),
            field=field,
        )
    return value


def today() -> date:
    """Today in UTC (the windows are years wide: the time zone does not matter)."""
    return datetime.now(UTC).date()


def _as_date(value: date | datetime) -> date:
    """The calendar day of a date or an aware datetime."""
    return value.date() if isinstance(value, datetime) else value


def check_date(
    value: date | datetime | None,
    *,
    field: str,
    back: timedelta = DEAL_DATE_WINDOW,
    ahead: timedelta = DEAL_DATE_WINDOW,
    now: date | datetime | None = None,
) -> date | datetime | None:
    """``value`` if it is ``None`` or between ``back`` before and ``ahead`` after today."""
    if value is None:
        return None
    day = _as_date(value)
    current = _as_date(now) if now is not None else today()
    earliest = max(current - back, EARLIEST_DATE)
    latest = min(current + ahead, LATEST_DATE)
    if day < earliest:
        raise OutOfRange(
            _l("The date cannot be before %(day)s.", day=earliest.isoformat()), field=field
        )
    if day > latest:
        raise OutOfRange(
            _l("The date cannot be after %(day)s.", day=latest.isoformat()), field=field
        )
    return value


def check_deal_date(
    value: date | None, *, field: str, now: date | datetime | None = None
) -> date | None:
    """An order, delivery or expected-closing date: within ten years of today."""
    return check_date(value, field=field, now=now)


def check_activity_time(
    value: datetime | None, *, field: str = "occurred_at", now: date | datetime | None = None
) -> datetime | None:
    """When an activity happened: at most a year ahead and ten years back."""
    return check_date(value, field=field, back=ACTIVITY_MAX_BACK, ahead=ACTIVITY_MAX_AHEAD, now=now)


def check_text(value: str | None, limit: int, *, field: str) -> str | None:
    """``value`` if it is ``None`` or at most ``limit`` characters long."""
    if value is not None and len(value) > limit:
        raise OutOfRange(
            _l("This text is too long (%(max)s characters at most).", max=f"{limit:,}"),
            field=field,
        )
    return value


# --------------------------------------------------------------------------- parsing

_AMOUNT_DECORATION = re.compile(r"[\s,_'’]|円|¥|￥|\\")


def parse_amount(text: str | None, *, field: str = "amount") -> int | None:
    """Read a yen amount as people type it: ``1,200,000``, ``１２０００００``, ``¥1,200,000円``.

    Blank is ``None``; anything else that is not a whole number within the limits
    raises :class:`OutOfRange` with one message.
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        return None
    digits = _AMOUNT_DECORATION.sub("", raw)
    if digits.startswith("-") and digits[1:].isdigit() and digits[1:].isascii():
        raise OutOfRange(_l("The amount cannot be negative."), field=field)
    if not digits.isdigit() or not digits.isascii():
        raise OutOfRange(_l("Enter an amount in yen, in digits."), field=field)
    if len(digits) > 15:
        raise OutOfRange(
            _l("The amount cannot be more than %(max)s yen.", max=f"{MAX_AMOUNT_YEN:,}"),
            field=field,
        )
    return check_amount(int(digits), field=field)


# --------------------------------------------------------------------------- the database's copy


def amount_check(column: str) -> str:
    """SQL of a CHECK keeping ``column`` (nullable) within the amount limits."""
    return f"{column} IS NULL OR ({column} >= {MIN_AMOUNT_YEN} AND {column} <= {MAX_AMOUNT_YEN})"


def date_check(column: str) -> str:
    """SQL of a CHECK keeping ``column`` (nullable date or timestamp) within the backstop."""
    return (
        f"{column} IS NULL OR ({column} >= '{EARLIEST_DATE.isoformat()}' "
        f"AND {column} < '{(LATEST_DATE + timedelta(days=1)).isoformat()}')"
    )


def text_check(column: str, limit: int) -> str:
    """SQL of a CHECK keeping ``column`` (nullable text) at most ``limit`` characters."""
    return f"{column} IS NULL OR length({column}) <= {limit}"
