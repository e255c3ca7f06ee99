"""The stage moves offered to staff, and the version check of an activity."""

from __future__ import annotations

from datetime import date

import pytest

from models import Channel, NoteCategory, Stage, utcnow
from models import workflow as wf
from models.errors import InvalidTransition, StaleRecord
from tests import factories as f


@pytest.fixture
def accepted(world):
    """A lead accepted by alpha."""
    offer = wf.offer_lead(f.lead(world["sales"]), world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"])
    return offer


def test_stage_moves_follow_the_pipeline(world, accepted):
    lead = accepted.lead
    assert wf.stage_moves(lead) == [Stage.NEEDS_HEARING, Stage.PROPOSAL]
    with pytest.raises(InvalidTransition):
        wf.move_stage(accepted, world["sales"], Stage.PAID)
    wf.close_won(
        accepted,
        world["sales"],
        order_date=date(2025, 2, 1),
        product="X200",
        amount=100,
        delivery_date=date(2025, 3, 1),
    )
    assert wf.stage_moves(lead) == [Stage.DELIVERED]
    wf.move_stage(accepted, world["sales"], Stage.DELIVERED)
    assert wf.stage_moves(lead) == [Stage.PAID]
    wf.move_stage(accepted, world["sales"], Stage.PAID)
    assert wf.stage_moves(lead) == []


def test_an_activity_from_a_stale_page_is_refused(world, accepted):
    loaded = accepted.lead.version
    wf.move_stage(accepted, world["alpha_manager"], Stage.PROPOSAL)
    with pytest.raises(StaleRecord):
        wf.log_activity(
            accepted,
            world["sales"],
            occurred_at=utcnow(),
            channel=Channel.PHONE,
            category=NoteCategory.OTHER,
            detail="電話",
            expected_version=loaded,
        )
    activity = wf.log_activity(
        accepted,
        world["sales"],
        occurred_at=utcnow(),
        channel=Channel.PHONE,
        category=NoteCategory.OTHER,
        detail="電話",
        expected_version=accepted.lead.version,
    )
    assert activity.author == world["sales"]
