"""The shared board of one lead with one partner."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import limits
from models.audit import record_event
from models.base import db, utcnow
from models.errors import (
    InvalidTransition,
    MissingData,
)
from models.offers import BoardRead, Comment, Offer, unread_post
from models.outbox import queue_message
from models.users import User
from models.workflow.guards import flush, require_partner_of
from models.workflow.notifications import lead_payload, notify_partner

#: A post repeating the author's last one within this window is the same post.
DUPLICATE_WINDOW = timedelta(seconds=60)


def post_comment(offer: Offer, actor: User, *, body: str, now: datetime | None = None) -> Comment:
    """Post on the board of ``offer``; the other side is told."""
    if not actor.is_staff:
        require_partner_of(actor, offer)
    # Both sides: the partner reads the board only once it has accepted the lead.
    if not offer.is_accepted:
        raise InvalidTransition(_l("The board opens once the lead is accepted."))
    body = (body or "").strip()
    if not body:
        raise MissingData(_l("The message is empty."), field="body")
    limits.check_text(body, limits.COMMENT_MAX, field="body")
    now = now or utcnow()
    # A double submit (a second click, a resent form) posts once: the same text by the
    # same author on the same board within a minute is the post already made.
    duplicate = db.session.scalar(
        sa.select(Comment)
        .where(
            Comment.offer_id == offer.id,
            Comment.author_id == actor.id,
            Comment.body == body,
            Comment.created_at >= now - DUPLICATE_WINDOW,
        )
        .limit(1)
    )
    if duplicate is not None:
        return duplicate
    comment = Comment(offer=offer, author=actor, body=body, created_at=now)
    db.session.add(comment)
    flush()
    record_event(
        db.session,
        actor,
        "comment.posted",
        offer,
        after={"comment_id": comment.id},
        organisation_id=offer.organisation_id,
    )
    payload = lead_payload(offer.lead) | {"author": actor.name}
    if actor.is_staff:
        notify_partner(offer, "comment_new", payload)
    else:
        queue_message(db.session, "comment_new", offer.lead.owner, payload)
    return comment


def mark_board_read(user: User, offer: Offer, *, now: datetime | None = None) -> BoardRead | None:
    """Remember that ``user`` read ``offer``'s board now, so only later posts show as new.

    Nothing is written while no post is new to the user (:func:`models.offers.unread_post`):
    moving the marker would change neither what shows as new nor the unread
    counters, and a page view then writes nothing for the board.
    """
    now = now or utcnow()
    marker = db.session.get(BoardRead, (user.id, offer.id))
    new_posts = sa.select(Comment.id).where(
        Comment.offer_id == offer.id,
        unread_post(Comment.__table__, user.id, marker.last_read_at if marker else None),
    )
    if not db.session.scalar(sa.select(new_posts.exists())):
        return marker
    if marker is None:
        marker = BoardRead(user_id=user.id, offer_id=offer.id, last_read_at=now)
        db.session.add(marker)
    else:
        marker.last_read_at = now
    flush()
    return marker
