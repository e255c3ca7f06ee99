"""The first answer to an offer: one definition, the same in Python and in SQL."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from leadshare.extensions import db
from models import Offer, OfferState
from tests import factories
from tests.models.test_routing import NOW, _offer


def test_first_answer_is_the_earliest_answer_in_python_and_sql(app):
    """Details request, acceptance or decline, whichever came first; none when unanswered."""
    partner = factories.partner("answers", max_open_leads=50)
    hour = timedelta(hours=1)
    requested_then_accepted = _offer(partner, state=OfferState.ACCEPTED, answered_after=30 * hour)
    requested_then_accepted.details_requested_at = requested_then_accepted.offered_at + 3 * hour
    accepted = _offer(partner, state=OfferState.ACCEPTED, answered_after=5 * hour)
    declined = _offer(partner, state=OfferState.DECLINED, answered_after=7 * hour)
    expired = _offer(partner, state=OfferState.EXPIRED)
    requested_then_expired = _offer(partner, state=OfferState.EXPIRED)
    requested_then_expired.details_requested_at = requested_then_expired.offered_at + 2 * hour
    still_open = _offer(partner)
    db.session.flush()
    expected = {
        requested_then_accepted.id: 3,
        accepted.id: 5,
        declined.id: 7,
        expired.id: None,
        requested_then_expired.id: 2,
        still_open.id: None,
    }
    offered = NOW - timedelta(days=7)

    def hours(moment):
        return None if moment is None else (moment - offered) / hour

    rows = db.session.execute(sa.select(Offer.id, Offer.first_answer_at)).all()
    assert {offer_id: hours(first) for offer_id, first in rows} == expected
    offers = db.session.scalars(sa.select(Offer)).all()
    assert {o.id: hours(o.first_answer_at) for o in offers} == expected
