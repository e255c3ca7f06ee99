"""The audit log reads as words in the user's language: list, details, filter and export."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, Locale
from models.users import User
from tests import factories

LABELS = {Locale.JA: "個人データの閲覧", Locale.EN: "Personal data viewed"}
CODE = "prospect.personal_data_viewed"
RECORD = {Locale.JA: "見込み客", Locale.EN: "Prospect company"}


def visible_text(html: str) -> str:
    """The page's text without tags and attributes (codes may stay in option values)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<div id="filter-groups-data".*?</div>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_actions_are_shown_by_their_labels(world, client, auth, locale):
    lead = factories.lead(world["sales"])
    db.session.commit()
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@vendor.example"))
    admin.locale = locale
    db.session.commit()
    auth.login("admin@vendor.example")
    assert client.get(f"/admin/desk/{lead.ref}").status_code == 200
    event_id = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == CODE))

    listing = client.get("/admin/audit/").get_data(as_text=True)
    assert LABELS[locale] in visible_text(listing)
    # The action filter offers the label; the code stays the submitted value.
    data = re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', listing, re.S).group(1)
    groups = json.loads(html_lib.unescape(data))
    options = [o for g in groups.values() for f in g for o in (f["options"] or [])]
    assert [CODE, LABELS[locale]] in options
    for text in (
        visible_text(listing),
        visible_text(client.get(f"/admin/audit/details/?id={event_id}").get_data(as_text=True)),
    ):
        assert CODE not in text
        assert "lead.created" not in text and "auth.login" not in text
        # The kind of record by its label too ("Prospect" is the class name).
        assert (RECORD[locale] in text) and not re.search(r"\bProspect\b(?! company)", text)
    details = client.get(f"/admin/audit/details/?id={event_id}").get_data(as_text=True)
    assert LABELS[locale] in visible_text(details)

    export = client.get("/admin/audit/export/csv/").get_data(as_text=True)
    assert LABELS[locale] in export and CODE not in export


def test_a_long_export_is_streamed_in_chunks_with_every_row(world, client, auth):
    """2,500 events leave as several chunks of one CSV (memory stays flat), none missing."""
    db.session.execute(
        sa.insert(AuditEvent),
        [
            {"action": CODE, "entity_type": "Prospect", "entity_id": str(i), "after": {}}
            for i in range(2500)
        ],
    )
    db.session.commit()
    auth.login("admin@vendor.example")
    total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    response = client.get("/admin/audit/export/csv/", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    chunks = list(response.response)
    response.close()
    assert len(chunks) >= 3
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff")
    assert len(text.splitlines()) == total + 1  # the header and every event
