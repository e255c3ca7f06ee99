"""Every back-office form attacked with arbitrary input (hypothesis), like tests/test_every_form.py.

Flask-Admin's create and edit forms of every model view that has them, the list
pages' bulk-action forms, and the custom forms (registration review, business
cards, import, API tokens) — found by reading the pages an administrator opens.
For every answer: no 500, no SQL or exception text, and nothing changed when the
input was refused. A back-office POST that succeeds redirects; any other answer
(a form shown again, 200 or 4xx) is a refusal and must leave the data as it was.
The one versioned Flask-Admin form (a lead's edit form) is refused like a stale
one without its version or with an unreadable one.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadshare.extensions import db
from models import Locale, User
from models import workflow as wf
from tests import factories
from tests.conftest import Auth
from tests.models.test_registrations import DEAL
from tests.test_every_form import (
    LEAKS,
    NASTY,
    FoundForm,
    _typed,
    _versioned_first,
    check_version,
    forms_of,
    snapshot,
)


@pytest.fixture
def english(world):
    """The shared world, everybody reading English (the stale message is matched)."""
    for user in db.session.scalars(sa.select(User)):
        user.locale = Locale.EN
    db.session.commit()
    return world


def attack(client, form: FoundForm, values: dict[str, str]) -> None:
    """Post ``values``: no 500, no leak; unless it redirected (saved), nothing changed."""
    before = snapshot()
    response = client.post(form.action, data=values)
    status = response.status_code
    assert status < 500, (form.action, status, values)
    html = response.get_data(as_text=True)
    leak = LEAKS.search(html)
    assert leak is None, (form.action, values, leak and leak.group(0))
    if status not in (302, 303):
        assert snapshot() == before, ("a refused request changed data", form.action, values)


def check_form(client, form: FoundForm) -> None:
    """A few examples of arbitrary input in every field of ``form`` (its token kept)."""
    names = [n for n in form.fields if n != "csrf_token"]

    @settings(
        max_examples=3,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({name: NASTY for name in names}))
    def run(values):
        attack(client, form, values)

    run()


def _pages(world) -> list[str]:
    """What an administrator opens: every create and edit form, lists with actions, desks."""
    lead = factories.lead(world["sales"])
    card_owner = world["sales"]
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    approved = wf.register_deal(
        world["alpha_rep"], **DEAL | {"company_name": "株式会社多摩精機", "phone": "042-1"}
    )
    wf.approve_registration(approved, world["admin"])
    wf.request_extension(approved, world["alpha_manager"], reason="先方の決裁が来月")
    from models.intake import submit_card
    from tests import samples

    card = submit_card(card_owner, filename="card.jpg", data=samples.jpeg_with_gps(), note="")
    db.session.commit()
    alpha = world["alpha"]
    return [
        "/admin/partners/new/",
        "/admin/users/new/",
        f"/admin/leads/edit/?id={lead.id}",
        f"/admin/prospects/edit/?id={lead.prospect_id}",
        f"/admin/partners/edit/?id={alpha.id}",
        f"/admin/policies/edit/?id={alpha.id}",
        f"/admin/users/edit/?id={world['alpha_rep'].id}",
        "/admin/leads/",
        "/admin/notes/",
        "/admin/partners/",
        "/admin/users/",
        "/admin/outbox/",
        f"/admin/registrations/details/?id={registration.id}",
        f"/admin/registrations/details/?id={approved.id}",
        "/admin/cards/new",
        f"/admin/cards/{card.ref}",
        "/admin/import/",
        "/admin/api-tokens/",
    ]


def test_every_back_office_form_survives_arbitrary_input(app, client, english):
    pages = _pages(english)
    Auth(client).login("admin@vendor.example")
    found = _versioned_first([f for page in pages for f in forms_of(client, page)])
    actions = {f.action.split("?")[0] for f in found}
    # Flask-Admin's own create/edit forms post to their page; each is here.
    for page in pages[:7]:
        assert any(f.page == page for f in found), page
    for custom in ("/reject", "/approve", "/extension", "/review", "/dismiss"):
        assert any(a.endswith(custom) for a in actions), custom
    versioned = [f for f in found if f.version_field]
    assert any(f.page.startswith("/admin/leads/edit/") for f in versioned), actions
    for form in versioned:
        check_version(client, form)
    # Forms whose first accepted input ends what the others work on (approving the
    # registration, dismissing the card, bulk actions) go last.
    final = ("/approve", "/review", "/dismiss", "/action/")
    for form in sorted(found, key=lambda f: f.action.split("?")[0].endswith(final)):
        check_form(client, form)


@pytest.mark.csrf
def test_every_back_office_form_sent_with_an_expired_token_asks_again_and_keeps_the_text(
    app, client, english
):
    """Nothing happens and no bare 400: a form with text comes back (422) with what was
    typed and "send it again"; a button goes back to its page, which says the same."""
    pages = _pages(english)
    Auth(client).login("admin@vendor.example")
    found = [f for page in pages for f in forms_of(client, page)]
    with_text = [f for f in found if f.texts - {"csrf_token"}]
    # Flask-Admin's create and edit forms, the card forms and the registration review.
    assert len(with_text) >= 12, [f.action for f in with_text]
    for form in found:
        values = _typed(form)
        before = snapshot()
        response = client.post(
            form.action, data=values, headers={"Referer": f"http://localhost{form.page}"}
        )
        assert snapshot() == before, form.action
        if response.status_code == 303:
            assert not form.texts - {"csrf_token"}, ("text lost", form.action)
            html = client.get(response.headers["Location"]).get_data(as_text=True)
        else:
            assert response.status_code == 422, (form.action, response.status_code)
            html = response.get_data(as_text=True)
            for name in form.texts:
                if name != "csrf_token" and values[name] != form.fields.get(name):
                    assert values[name] in html, (form.action, name)
        assert "send it again" in html, form.action
        assert "Failed to create record." not in html and "Failed to save record." not in html
