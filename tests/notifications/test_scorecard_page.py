"""The partner's scorecard page: its own figures, managers only."""

from __future__ import annotations

from datetime import timedelta

from leadshare.extensions import db
from models import workflow as wf
from tests import factories


def test_manager_sees_own_scorecard_with_stale_rule(client, auth, world):
    """Alpha's manager sees alpha's figures and the stale-lead rule; beta's never show."""
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"])
    lead.stale_since = offer.accepted_at + timedelta(days=15)
    db.session.commit()
    auth.login("manager@alpha.example")
    html = client.get("/scorecard").get_data(as_text=True)
    assert "Alpha 株式会社" in html
    assert "Beta 株式会社" not in html
    assert "Stale leads lower your ranking." in html
    assert '<span class="pill bad">1</span>' in html
    assert "100%" in html  # acceptance rate


def test_rep_and_anonymous_cannot_see_it(client, auth, world):
    """Reps get 403; anonymous users are sent to log in."""
    assert client.get("/scorecard").status_code == 302
    auth.login("rep@alpha.example")
    assert client.get("/scorecard").status_code == 403
