"""The demo data: idempotent, complete enough to click through, and still isolated per partner."""

from __future__ import annotations

import sqlalchemy as sa

from leadshare.cli import DEMO_LOGINS
from leadshare.demo import load_demo
from leadshare.extensions import db
from models import (
    AuditEvent,
    Base,
    Lead,
    Offer,
    OfferState,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    PartnerStatus,
    Stage,
    User,
    utcnow,
)
from models.gates import reachable_offers


def _row_counts() -> dict[str, int]:
    """How many rows every table holds."""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_demo_command_loads_once_and_a_second_run_changes_nothing(runner):
    """The first run loads and says so; the second says nothing changed and changes nothing."""
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert "manager@alpha.example" in first.output
    counts = _row_counts()
    assert counts["leads"] >= 55
    assert counts["users"] >= 12

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "Demo data already present; nothing changed." in second.output
    db.session.expire_all()
    assert _row_counts() == counts


def test_demo_covers_every_stage_and_every_offer_state_per_partner(app):
    """Each stage exists, and each demo partner's manager has several offers in every state."""
    assert load_demo() is True
    stages = set(db.session.scalars(sa.select(Lead.stage).distinct()))
    assert stages == set(Stage)
    for slug in ("alpha", "beta", "gamma"):
        manager = _user(f"manager@{slug}.example")
        states = [offer.state for offer in db.session.scalars(reachable_offers(manager))]
        for state in OfferState:
            assert states.count(state) >= 2, (slug, state)
        rep = _user(f"rep@{slug}.example")
        assert db.session.scalars(reachable_offers(rep)).first() is not None, slug

    statuses = {org.slug: org.status for org in db.session.scalars(sa.select(Organisation))}
    assert PartnerStatus.ONBOARDING in statuses.values()
    assert PartnerStatus.SUSPENDED in statuses.values()

    # The history is dated when it happened, and its mail counts as already sent.
    now = utcnow()
    latest = db.session.scalar(sa.select(sa.func.max(AuditEvent.occurred_at)))
    earliest = db.session.scalar(sa.select(sa.func.min(AuditEvent.occurred_at)))
    assert latest <= now
    assert (now - earliest).days > 30
    pending = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.status != OutboxStatus.SENT)
    )
    assert pending == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) > 0


def test_demo_users_log_in_and_land_on_their_page(app, client, auth):
    """Every advertised demo login works with the documented password and lands by role."""
    load_demo()
    for email in DEMO_LOGINS:
        response = auth.login(email, "demo-password")
        assert response.status_code == 302, email
        location = response.headers["Location"]
        expected = "/admin/" if email.endswith("@vendor.example") else "/leads"
        assert location.endswith(expected), (email, location)
        assert client.get(location).status_code == 200, email
        auth.logout()


def test_demo_keeps_partners_apart(app, client, auth):
    """A beta user never reaches an offer made to alpha, and alpha's lead answers 404 to beta."""
    load_demo()
    alpha = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "alpha"))
    for email in ("manager@beta.example", "rep@beta.example"):
        offers = list(db.session.scalars(reachable_offers(_user(email))))
        assert offers, email
        assert all(offer.organisation.slug == "beta" for offer in offers), email
        assert all(offer.organisation_id != alpha.id for offer in offers), email

    beta_leads = (
        sa.select(Offer.lead_id).join(Offer.organisation).where(Organisation.slug == "beta")
    )
    alpha_only = db.session.scalar(
        sa.select(Lead.ref)
        .join(Offer, Offer.lead_id == Lead.id)
        .where(Offer.organisation_id == alpha.id, Lead.id.not_in(beta_leads))
        .limit(1)
    )
    auth.login("manager@beta.example", "demo-password")
    assert client.get(f"/leads/{alpha_only}").status_code == 404
