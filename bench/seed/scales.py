"""The benchmark's scales and the logins it generates (known to the load driver)."""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "demo-password"  # noqa: S105 - the documented demo password
DOMAIN = "bench.example"


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind one scale generates."""

    name: str
    partners: int
    partner_users: int
    sales_users: int
    leads: int
    notes: int
    offers: int
    comments: int
    audit_events: int
    installed_products: int


SCALES = {
    "full": Scale(
        "full",
        partners=1_000,
        partner_users=10_000,
        sales_users=50,
        leads=1_000_000,
        notes=3_000_000,
        offers=1_500_000,
        comments=500_000,
        audit_events=2_000_000,
        installed_products=250_000,
    ),
    "small": Scale(
        "small",
        partners=20,
        partner_users=100,
        sales_users=5,
        leads=10_000,
        notes=30_000,
        offers=15_000,
        comments=5_000,
        audit_events=20_000,
        installed_products=2_500,
    ),
}


def partner_slug(index: int) -> str:
    """``p0001`` … ``p1000``: partner 1 is the largest."""
    return f"p{index:04d}"


def manager_email(index: int) -> str:
    """The first manager of partner ``index`` (known to the load driver)."""
    return f"manager@{partner_slug(index)}.{DOMAIN}"


def rep_email(index: int) -> str:
    """The first rep of partner ``index`` (known to the load driver)."""
    return f"rep@{partner_slug(index)}.{DOMAIN}"


STAFF_ADMIN = f"admin@{DOMAIN}"
STAFF_SALES = f"sales@{DOMAIN}"
