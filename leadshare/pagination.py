"""Keyset pagination for every list that can grow (sqlakeyset), shared by every door.

``db.paginate`` pages with ``OFFSET`` and counts the whole result for its page
numbers: both cost what the list's full history costs. A keyset page instead
asks for the rows after (or before) the last row shown, through the list's
index, and never counts. Call :func:`keyset_page` with a ``select()`` ordered
by unique columns (end the ``ORDER BY`` with the primary key) and the opaque
bookmark the previous page gave; links carry ``page.next_bookmark`` /
``page.previous_bookmark``.

Example (the partner inbox, the API's lists)::

    page = keyset_page(query.order_by(Offer.offered_at.desc(), Offer.id.desc()),
                       per_page=20, bookmark=request.args.get("after"))
    for offer in page.items: ...
    url_for(".inbox", after=page.next_bookmark) if page.has_next else None
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlakeyset import InvalidPage, select_page
from sqlakeyset.serial import BadBookmark, PageSerializationError

from leadshare.extensions import db

#: Longest bookmark accepted from a query string (a bookmark names a few column values).
MAX_BOOKMARK_LENGTH = 400


@dataclass(frozen=True)
class KeysetPage:
    """One page of a keyset-paginated list."""

    items: list[Any]
    next_bookmark: str | None
    previous_bookmark: str | None
    first: bool

    @property
    def has_next(self) -> bool:
        """Whether rows follow this page."""
        return self.next_bookmark is not None

    @property
    def has_previous(self) -> bool:
        """Whether rows precede this page."""
        return self.previous_bookmark is not None


def keyset_page(
    query: sa.Select, *, per_page: int, bookmark: str | None = None, scalars: bool = True
) -> KeysetPage:
    """The page of ``query`` at ``bookmark`` (the first page when missing or invalid).

    ``query`` must be ordered by unique columns. With ``scalars`` the items are
    the first column of each row (the ORM entity of a ``select(Model)``).
    A malformed bookmark from a query string yields the first page, not an error.
    """
    bookmark = (bookmark or "").strip() or None
    if bookmark is not None and len(bookmark) > MAX_BOOKMARK_LENGTH:
        bookmark = None
    try:
        page = select_page(db.session, query, per_page=per_page, page=bookmark)
    except (BadBookmark, PageSerializationError, InvalidPage, ValueError, TypeError):
        bookmark = None
        page = select_page(db.session, query, per_page=per_page)
    paging = page.paging
    items = [row[0] for row in page] if scalars else list(page)
    first = bookmark is None or not paging.has_previous
    return KeysetPage(
        items=items,
        next_bookmark=paging.bookmark_next if paging.has_next else None,
        previous_bookmark=paging.bookmark_previous if paging.has_previous else None,
        first=first,
    )
