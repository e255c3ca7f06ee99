"""Plausibility limits: one definition, checked by the rules and again by the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from leadshare.extensions import db
from models import limits
from models.capture import capture_lead
from models.limits import OutOfRange
from tests import factories as f


@pytest.fixture
def english(app):
    """Messages read in English, whatever the default language."""
    with force_locale("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1200000", 1_200_000),
        ("1,200,000", 1_200_000),
        ("１，２００，０００", 1_200_000),
        ("¥1,200,000円", 1_200_000),
        (" 0 ", 0),
        ("1,000,000,000,000", limits.MAX_AMOUNT_YEN),
        ("", None),
    ],
)
def test_amounts_are_read_as_people_type_them(app, typed, amount):
    assert limits.parse_amount(typed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9223372036854775807", "cannot be more than 1,000,000,000,000 yen"),
        ("1,000,000,000,001", "cannot be more than 1,000,000,000,000 yen"),
        ("-5", "cannot be negative"),
        ("1.5", "in digits"),
        ("12万", "in digits"),
        ("abc", "in digits"),
        ("١٢", "in digits"),  # Arabic-Indic digits are digits to Python, not to an accountant
    ],
)
def test_an_implausible_amount_gets_one_message_naming_the_field(english, typed, message):
    with pytest.raises(OutOfRange) as refused:
        limits.parse_amount(typed, field="amount")
    assert message in str(refused.value)
    assert refused.value.field == "amount"


def test_date_windows_around_today(english):
    today = date(2026, 11, 24)
    assert limits.check_deal_date(today + timedelta(days=3000), field="d", now=today)
    with pytest.raises(OutOfRange, match="after"):
        limits.check_deal_date(date(9999, 12, 31), field="d", now=today)
    with pytest.raises(OutOfRange, match="before"):
        limits.check_deal_date(date(1, 1, 1), field="d", now=today)
    with pytest.raises(OutOfRange, match="before"):
        limits.check_activity_time(f.past(days=11 * 365), now=today)
    with pytest.raises(OutOfRange, match="after"):
        limits.check_activity_time(f.past(days=-400), now=today)


def test_text_lengths(english):
    assert limits.check_text("x" * limits.REASON_MAX, limits.REASON_MAX, field="r")
    with pytest.raises(OutOfRange, match="2,000 characters"):
        limits.check_text("x" * (limits.REASON_MAX + 1), limits.REASON_MAX, field="r")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("order_amount", 9223372036854775807),
        ("estimated_value", limits.MAX_AMOUNT_YEN + 1),
        ("estimated_value", -1),
        ("order_date", date(1, 1, 1)),
        ("delivery_date", date(9999, 12, 31)),
        ("teaser", "x" * (limits.TEASER_MAX + 1)),
    ],
)
def test_the_database_refuses_what_the_limits_refuse(world, column, value):
    lead = f.lead(world["sales"])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(sa.table("leads", sa.column(column), sa.column("id")))
            .where(sa.column("id") == lead.id)
            .values({column: value})
        )
    db.session.rollback()


def test_the_database_accepts_the_limits_themselves(world):
    lead = f.lead(world["sales"], value=limits.MAX_AMOUNT_YEN)
    db.session.commit()
    assert db.session.get(type(lead), lead.id).estimated_value == limits.MAX_AMOUNT_YEN


def test_capturing_a_lead_applies_the_limits(world):
    with pytest.raises(OutOfRange) as refused:
        capture_lead(
            world["sales"],
            prospect={
                "company_name": "株式会社上限",
                "address": "東京都",
                "phone": "03-0000-0000",
                "representative": "代表",
                "website": "https://limit.example.jp",
                "contact_name": "担当",
                "contact_phone": "03-0000-0001",
                "contact_email": "c@limit.example.jp",
                "region": "kanto",
            },
            lead={
                "teaser": "サーバー更改",
                "need": "更改",
                "product_interest": "servers",
                "estimated_value": 10**15,
            },
        )
    assert refused.value.field == "estimated_value"
    db.session.rollback()
