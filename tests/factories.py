"""Builders of test data: organisations, users, prospects, leads and offers.

They flush but never commit; the test (or the view under test) commits.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher

from leadshare.extensions import db
from models import (
    ConsentMethod,
    Lead,
    LeadSource,
    Locale,
    Organisation,
    OrgKind,
    PartnerPolicy,
    PartnerStatus,
    PartnerTier,
    Prospect,
    Role,
    Stage,
    Timing,
    User,
)

PASSWORD = "demo-password"  # noqa: S105 - the documented demo password
_seq = itertools.count(1)


@cache
def password_hash() -> str:
    """One Argon2 hash of the test password, computed once per test run."""
    return PasswordHasher().hash(PASSWORD)


def vendor() -> Organisation:
    """The vendor organisation (created on first use)."""
    org = db.session.scalar(db.select(Organisation).where(Organisation.kind == OrgKind.VENDOR))
    if org is None:
        org = Organisation(kind=OrgKind.VENDOR, slug="vendor", name="LeadShare Vendor K.K.")
        db.session.add(org)
        db.session.flush()
    return org


def partner(
    slug: str | None = None,
    *,
    status: PartnerStatus = PartnerStatus.ACTIVE,
    tier: PartnerTier = PartnerTier.GOLD,
    regions: list[str] | None = None,
    product_lines: list[str] | None = None,
    **policy,
) -> Organisation:
    """A partner organisation with a policy; ``policy`` overrides its defaults."""
    slug = slug or f"partner{next(_seq)}"
    org = Organisation(
        kind=OrgKind.PARTNER,
        slug=slug,
        name=f"{slug.title()} 株式会社",
        tier=tier,
        status=status,
        regions=regions or ["chubu"],
        product_lines=product_lines or ["servers"],
    )
    org.policy = PartnerPolicy(**policy)
    db.session.add(org)
    db.session.flush()
    return org


def user(
    org: Organisation,
    role: Role,
    email: str | None = None,
    *,
    locale: Locale = Locale.EN,
    active: bool = True,
) -> User:
    """A user who can log in with :data:`PASSWORD`."""
    person = User(
        email=email or f"{role.value}{next(_seq)}@{org.slug}.example",
        name=f"{role.value.replace('_', ' ').title()} {org.slug}",
        role=role,
        organisation=org,
        locale=locale,
        active=active,
        password_hash=password_hash(),
    )
    db.session.add(person)
    db.session.flush()
    return person


def staff(role: Role = Role.SALES, email: str | None = None) -> User:
    """A vendor staff member."""
    return user(vendor(), role, email)


def prospect(*, region: str = "chubu", consent: bool = True, **fields) -> Prospect:
    """A prospect with every required field filled in."""
    n = next(_seq)
    values = {
        "company_name": f"株式会社テスト精機{n}",
        "address": "愛知県名古屋市中区栄1-1-1",
        "phone": "052-000-0000",
        "representative": "代表 太郎",
        "website": f"https://test{n}.example.jp",
        "industry": "manufacturing",
        "size_band": "50-299",
        "region": region,
        "contact_name": "連絡 花子",
        "contact_title": "情報システム部長",
        "contact_phone": f"052-111-{n:04d}",
        "contact_email": f"contact{n}@test.example.jp",
        "consent_to_share": consent,
        "consent_recorded_at": datetime.now(UTC) if consent else None,
        "consent_method": ConsentMethod.PHONE if consent else None,
    }
    values.update(fields)
    record = Prospect(**values)
    db.session.add(record)
    db.session.flush()
    return record


def lead(
    owner: User | None = None,
    *,
    qualified: bool = True,
    region: str = "chubu",
    product: str = "servers",
    consent: bool = True,
    value: int | None = 5_000_000,
    **fields,
) -> Lead:
    """A lead (qualified by default) at a new prospect."""
    owner = owner or staff()
    record = Lead(
        prospect=fields.pop("prospect", None) or prospect(region=region, consent=consent),
        teaser=fields.pop("teaser", "製造業の基幹サーバー更改"),
        need=fields.pop("need", "保守切れに伴うサーバー更改"),
        product_interest=product,
        source=LeadSource.PHONE,
        timing=Timing.WITHIN_3_MONTHS,
        estimated_value=value,
        owner=owner,
        has_budget=qualified,
        has_authority=qualified,
        has_need=qualified,
        has_timing=qualified,
        stage=Stage.QUALIFIED if qualified else Stage.NEW,
        qualified_at=datetime.now(UTC) if qualified else None,
        **fields,
    )
    db.session.add(record)
    db.session.flush()
    return record


def past(hours: float = 0, days: float = 0) -> datetime:
    """A moment in the past."""
    return datetime.now(UTC) - timedelta(hours=hours, days=days)
