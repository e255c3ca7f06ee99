"""Keyset pages: the inbox and a lead's board page through long lists without OFFSET."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from leadshare.extensions import db
from models import Comment, workflow
from models.base import utcnow
from tests import factories
from tests.portal.test_inbox import _bulk


def _refs(page: str) -> list[str]:
    """Lead references linked from an inbox page, in order."""
    return re.findall(r'href="/leads/([\w-]+)"', page)


def _link(page: str, rel: str) -> str | None:
    """The URL of the pager's ``rel`` link, if any."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def test_inbox_pages_forward_and_back_without_repeating_a_lead(world, client, auth):
    _bulk(world, 180)  # 45 new offers: three pages of the "new" tab
    auth.login("manager@alpha.example")
    first = client.get("/leads?tab=new").get_data(as_text=True)
    assert _link(first, "prev") is None
    second = client.get(_link(first, "next")).get_data(as_text=True)
    third = client.get(_link(second, "next")).get_data(as_text=True)
    assert _link(third, "next") is None
    pages = [_refs(first), _refs(second), _refs(third)]
    assert [len(p) for p in pages] == [20, 20, 5]
    assert len(set(sum(pages, []))) == 45
    back = client.get(_link(third, "prev")).get_data(as_text=True)
    assert _refs(back) == pages[1]


def test_a_malformed_page_bookmark_shows_the_first_page(world, client, auth):
    _bulk(world, 8)
    auth.login("manager@alpha.example")
    first = client.get("/leads?tab=new").get_data(as_text=True)
    response = client.get("/leads?tab=new&page=%3Enot-a-bookmark")
    assert response.status_code == 200
    assert _refs(response.get_data(as_text=True)) == _refs(first)


def test_a_long_board_shows_the_latest_posts_and_pages_to_earlier_ones(world, client, auth):
    sales, manager = world["sales"], world["alpha_manager"]
    offer = workflow.offer_lead(factories.lead(sales), world["alpha"], sales)
    workflow.accept_offer(offer, manager)
    start = utcnow()
    for i in range(45):
        db.session.add(
            Comment(
                offer_id=offer.id,
                author=sales,
                body=f"投稿番号{i:02d}",
                created_at=start + timedelta(minutes=i),
            )
        )
    db.session.commit()
    auth.login("manager@alpha.example")
    page = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    shown = re.findall(r"投稿番号(\d\d)", page)
    assert shown == [f"{i:02d}" for i in range(15, 45)]  # the latest 30, oldest first
    earlier = re.search(r'<a href="([^"]+)" rel="next">', page)
    older = client.get(html.unescape(earlier.group(1))).get_data(as_text=True)
    assert re.findall(r"投稿番号(\d\d)", older) == [f"{i:02d}" for i in range(15)]
