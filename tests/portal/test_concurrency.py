"""Two partners accept the same lead at the same moment: one wins, the other is told."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import Offer, OfferState, workflow
from tests import factories
from tests.conftest import Auth


@pytest.fixture
def contested(world):
    """One lead offered to alpha and to beta."""
    world["beta"].regions = ["chubu"]
    lead = factories.lead(world["sales"], region="chubu")
    workflow.offer_lead(lead, world["alpha"], world["sales"])
    workflow.offer_lead(lead, world["beta"], world["sales"])
    db.session.commit()
    return lead


def _flash_of(client, response) -> str:
    """The page after the action's redirect."""
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.postgres
def test_simultaneous_accepts_on_postgres(app, world, contested, monkeypatch):
    clients = {slug: app.test_client() for slug in ("alpha", "beta")}
    for slug, client in clients.items():
        Auth(client).login(f"manager@{slug}.example")
    barrier = threading.Barrier(2, timeout=20)
    real_accept = workflow.accept_offer

    def accept_together(*args, **kwargs):
        barrier.wait()  # both have read the open offer; now both write
        return real_accept(*args, **kwargs)

    monkeypatch.setattr(workflow, "accept_offer", accept_together)
    results: dict[str, str] = {}
    ref = contested.ref

    errors: list[BaseException] = []

    def accept(slug: str) -> None:
        client = clients[slug]
        try:
            response = client.post(f"/leads/{ref}/accept", data={"rep": 0, "version": 1})
            results[slug] = _flash_of(client, response)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(slug,)) for slug in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert set(results) == {"alpha", "beta"}
    won = [slug for slug, html in results.items() if "You have accepted the lead." in html]
    lost = [slug for slug, html in results.items() if "no longer available" in html]
    assert len(won) == 1 and len(lost) == 1, results
    db.session.expire_all()
    accepted = db.session.scalars(
        sa.select(Offer).where(Offer.lead_id == contested.id, Offer.state == OfferState.ACCEPTED)
    ).all()
    assert [o.organisation.slug for o in accepted] == won


def test_the_second_accept_in_sequence_is_told_the_lead_is_gone(app, world, contested):
    clients = {slug: app.test_client() for slug in ("alpha", "beta")}
    for slug, client in clients.items():
        Auth(client).login(f"manager@{slug}.example")
    # Both pages were loaded before either partner answered: version 1 of each offer.
    first = clients["beta"].post(f"/leads/{contested.ref}/accept", data={"rep": 0, "version": 1})
    assert "You have accepted the lead." in _flash_of(clients["beta"], first)
    second = clients["alpha"].post(f"/leads/{contested.ref}/accept", data={"rep": 0, "version": 1})
    assert "no longer available" in _flash_of(clients["alpha"], second)
