"""Every staff page renders for the roles allowed to see it, in both languages."""

from __future__ import annotations

import pytest

from leadshare.extensions import db
from models import Locale
from tests import factories

STAFF_PAGES = [
    "/admin/",
    "/admin/desk/",
    "/admin/leads/",
    "/admin/prospects/",
    "/admin/notes/",
    "/admin/offers/",
    "/admin/comments/",
    "/admin/registrations/",
    "/admin/import/",
    "/admin/reports/",
]
ADMIN_PAGES = [
    "/admin/partners/",
    "/admin/policies/",
    "/admin/users/",
    "/admin/audit/",
    "/admin/outbox/",
    "/admin/partners/new/",
    "/admin/users/new/",
]


@pytest.mark.parametrize("locale", [Locale.EN, Locale.JA])
def test_admin_sees_every_page(world, as_user, locale):
    """An administrator opens every back-office page without error."""
    world["admin"].locale = locale
    factories.lead(world["sales"])
    db.session.commit()
    client = as_user("admin@vendor.example")
    for url in STAFF_PAGES + ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_japanese_labels(world, as_user):
    """Flask-Admin's own labels and ours are in Japanese for a Japanese user."""
    world["sales"].locale = Locale.JA
    db.session.commit()
    html = as_user("sales@vendor.example").get("/admin/leads/").get_data(as_text=True)
    assert "リード一覧" in html  # our view name
    assert "一覧" in html and "フィルターを追加" in html  # Flask-Admin's own catalogue
    assert "Add Filter" not in html
