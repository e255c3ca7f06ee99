"""Every back-office endpoint tried by every role: only the allowed ones answer,
and refused writes change no row (OWASP WSTG-ATHZ)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import (
    AuditEvent,
    Comment,
    ConversationNote,
    DealRegistration,
    Lead,
    Offer,
    Organisation,
    OutboxMessage,
    PartnerPolicy,
    Prospect,
    User,
)
from models.workflow import accept_offer, add_note, offer_lead, post_comment, register_deal
from tests import factories

ROLES = [None, "alpha_manager", "alpha_rep", "beta_manager", "assistant", "sales", "admin"]
EMAILS = {
    "assistant": "assistant@vendor.example",
    "alpha_manager": "manager@alpha.example",
    "alpha_rep": "rep@alpha.example",
    "beta_manager": "manager@beta.example",
    "sales": "sales@vendor.example",
    "admin": "admin@vendor.example",
}
# url prefix -> (model, admin only, {role: permissions})
VIEWS = {
    "leads": (Lead, False, {"edit", "export", "archive"}),
    "prospects": (Prospect, False, {"edit", "export"}),
    "notes": (ConversationNote, False, {"export", "archive"}),
    "offers": (Offer, False, {"export"}),
    "comments": (Comment, False, {"export"}),
    "registrations": (DealRegistration, False, {"export"}),
    "partners": (Organisation, True, {"create", "edit", "export"}),
    "policies": (PartnerPolicy, True, {"edit", "export"}),
    "users": (User, True, {"create", "edit", "export"}),
    "audit": (AuditEvent, True, {"export"}),
    "outbox": (OutboxMessage, True, {"export"}),
}
MODELS = [
    Lead,
    Prospect,
    ConversationNote,
    Offer,
    Comment,
    DealRegistration,
    Organisation,
    PartnerPolicy,
    User,
    OutboxMessage,
]


@pytest.fixture
def records(world):
    """One record of every kind, reachable from every view (and an assistant to try them)."""
    from models import Role

    factories.staff(Role.ASSISTANT, "assistant@vendor.example")
    sales = world["sales"]
    lead = factories.lead(sales)
    add_note(
        lead,
        sales,
        text="note",
        channel=lead.notes and None or _channel(),
        category=_category(),
        visibility=_visibility(),
    )
    offer = offer_lead(lead, world["alpha"], sales)
    accept_offer(offer, world["alpha_manager"])
    post_comment(offer, sales, body="hello")
    registration = register_deal(
        world["beta_manager"],
        company_name="登録株式会社",
        address="東京都",
        phone="03-1",
        representative="代表",
        website="https://r.example",
        contact_name="担当",
        contact_phone="03-2",
        contact_email="c@r.example",
        need="need",
        product_interest="servers",
    )
    db.session.commit()
    return {
        "leads": lead.id,
        "prospects": lead.prospect_id,
        "notes": lead.notes[0].id,
        "offers": offer.id,
        "comments": offer.comments[0].id,
        "registrations": registration.id,
        "partners": world["alpha"].id,
        "policies": world["alpha"].id,
        "users": world["alpha_rep"].id,
        "audit": db.session.scalar(sa.select(sa.func.min(AuditEvent.id))),
        "outbox": db.session.scalar(sa.select(sa.func.min(OutboxMessage.id))),
    }


def _channel():
    from models import Channel

    return Channel.PHONE


def _category():
    from models import NoteCategory

    return NoteCategory.PRODUCT_INQUIRY


def _visibility():
    from models import NoteVisibility

    return NoteVisibility.SHAREABLE


def snapshot():
    """Every row of every table the back office can write, as comparable tuples."""
    db.session.expire_all()
    state = {}
    for model in MODELS:
        # Logging in stamps last_login_at; that is not a write through the back office.
        columns = [c for c in model.__table__.c if c.name != "last_login_at"]
        rows = db.session.execute(sa.select(*columns)).all()
        state[model.__name__] = sorted(tuple(map(str, r)) for r in rows)
    return state


def expected(role: str | None, admin_only: bool) -> str:
    """``login``, ``forbidden`` or ``ok`` for a role on a view."""
    if role is None:
        return "login"
    if role not in ("sales", "admin"):
        return "forbidden"
    if admin_only and role != "admin":
        return "forbidden"
    return "ok"


def check_refused(response, outcome: str) -> None:
    """Anonymous users are sent to login; partners and sales on admin views get 403."""
    if outcome == "login":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("prefix", list(VIEWS))
def test_every_endpoint(app, client, auth, world, records, role, prefix):
    """List, details, create, edit, delete, action, ajax, export: allowed or refused, no leak."""
    model, admin_only, allowed = VIEWS[prefix]
    if role is not None:
        assert auth.login(EMAILS[role]).status_code == 302
    outcome = expected(role, admin_only)
    pk = records[prefix]
    base = f"/admin/{prefix}"
    before = snapshot()

    reads = [
        f"{base}/",
        f"{base}/details/?id={pk}",
        f"{base}/export/csv/",
        f"{base}/ajax/lookup/?name=organisation&query=a",
        f"{base}/new/",
        f"{base}/edit/?id={pk}",
    ]
    writes = [
        (
            f"{base}/edit/?id={pk}",
            {
                "name": "=HACKED",
                "teaser": "=HACKED",
                "company_name": "=HACKED",
                "max_open_leads": "0",
            },
        ),
        (f"{base}/new/", {"name": "=HACKED", "slug": "hacked", "email": "h@h.example"}),
        (f"{base}/delete/", {"id": str(pk)}),
        (f"{base}/action/", {"action": "archive", "rowid": str(pk)}),
        (f"{base}/action/", {"action": "delete", "rowid": str(pk)}),
        (f"{base}/ajax/update/", {"list_form_pk": str(pk), "name": "=HACKED"}),
    ]
    if outcome != "ok":
        for url in reads:
            check_refused(client.get(url), outcome)
        for url, data in writes:
            check_refused(client.post(url, data=data), outcome)
        assert snapshot() == before
        return

    assert client.get(f"{base}/").status_code == 200
    assert client.get(f"{base}/details/?id={pk}").status_code == 200
    assert client.get(f"{base}/details/?id=999999").status_code == 302  # missing → back to list
    export = client.get(f"{base}/export/csv/")
    assert export.status_code == (200 if "export" in allowed else 302)
    assert client.get(f"{base}/ajax/lookup/?name=organisation&query=a").status_code == 404
    assert client.get(f"{base}/new/").status_code == (200 if "create" in allowed else 302)
    assert client.get(f"{base}/edit/?id={pk}").status_code == (200 if "edit" in allowed else 302)
    # Never deleted, never inline-edited.
    for url, data in writes[2:3] + writes[4:]:
        response = client.post(url, data=data)
        assert response.status_code in (302, 404)
    refused = []
    if "edit" not in allowed:
        refused.append(writes[0])
    if "create" not in allowed:
        refused.append(writes[1])
    if "archive" not in allowed:
        refused.append(writes[3])
    for url, data in refused:
        client.post(url, data=data)
    after = snapshot()
    for model in MODELS:
        name = model.__name__
        if model.__name__ in ("Lead",) and "archive" in allowed:
            continue
        if name == "AuditEvent":
            continue
        if (
            name == model.__name__
            and model is VIEWS[prefix][0]
            and ("edit" in allowed or "create" in allowed)
        ):
            continue
        assert after[name] == before[name], (prefix, role, name)


def test_sales_cannot_reach_admin_only_views_through_the_menu(world, client, auth):
    """Sales does not even see the administrators' menu entries."""
    auth.login("sales@vendor.example")
    html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/leads/" in html
    for url in ("/admin/partners/", "/admin/policies/", "/admin/users/", "/admin/audit/"):
        assert url not in html


def test_staff_pages_refuse_partners_and_anonymous(world, client, auth, records):
    """The custom staff pages (desk, import, reports, index) follow the same rule."""
    lead_ref = db.session.get(Lead, records["leads"]).ref
    pages = [
        "/admin/",
        "/admin/desk/",
        f"/admin/desk/{lead_ref}",
        "/admin/import/",
        "/admin/reports/",
    ]
    posts = [
        f"/admin/desk/{lead_ref}/notes",
        f"/admin/desk/{lead_ref}/qualify",
        f"/admin/desk/{lead_ref}/offers",
        f"/admin/desk/{lead_ref}/offers/{records['offers']}/withdraw",
        f"/admin/registrations/{records['registrations']}/review",
        f"/admin/registrations/{records['registrations']}/approve",
        f"/admin/registrations/{records['registrations']}/reject",
        f"/admin/registrations/{records['registrations']}/attach",
        f"/admin/registrations/{records['registrations']}/extension",
    ]
    before = snapshot()
    for url in pages:
        check_refused(client.get(url), "login")
    for url in posts:
        check_refused(client.post(url, data={"reason": "x", "text": "x"}), "login")
    for email in ("manager@alpha.example", "assistant@vendor.example"):
        auth.login(email)
        for url in pages[1:] if email.startswith("assistant") else pages:
            assert client.get(url).status_code == 403, (email, url)
        for url in posts:
            assert (
                client.post(url, data={"reason": "x", "text": "x", "partners": "1"}).status_code
                == 403
            ), (email, url)
        auth.logout()
    assert snapshot() == before


def test_login_redirect_keeps_a_safe_next(client):
    """Anonymous users land on the login page with the admin page as a relative next."""
    response = client.get("/admin/leads/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/admin/leads/")


@pytest.mark.csrf
def test_forms_need_a_csrf_token(world, client, auth, records):
    """Flask-Admin's forms and the desk's forms are covered by CSRFProtect."""
    auth.login("admin@vendor.example")
    lead_ref = db.session.get(Lead, records["leads"]).ref
    before = snapshot()
    # The desk's own forms answer with the form again (422) and "send it again".
    refused = client.post(f"/admin/desk/{lead_ref}/notes", data={"text": "x"})
    assert refused.status_code == 422 and "send it again" in refused.get_data(as_text=True)
    # Flask-Admin's edit form checks its own token: the form again, what was typed kept.
    edited = client.post(
        f"/admin/partners/edit/?id={records['partners']}", data={"name": "Typed name"}
    )
    assert edited.status_code == 422
    assert "send it again" in edited.get_data(as_text=True)
    assert 'value="Typed name"' in edited.get_data(as_text=True)
    # A bulk action is a button under the global check: nothing done, press it again.
    action = client.post(
        "/admin/leads/action/", data={"action": "archive", "rowid": records["leads"]}
    )
    assert action.status_code == 400 and "send it again" in action.get_data(as_text=True)
    from_the_list = client.post(
        "/admin/leads/action/",
        data={"action": "archive", "rowid": records["leads"]},
        headers={"Referer": "http://localhost/admin/leads/"},
    )
    assert from_the_list.status_code == 303
    assert from_the_list.headers["Location"] == "http://localhost/admin/leads/"
    assert "send it again" in client.get("/admin/leads/").get_data(as_text=True)
    elsewhere = client.post(
        "/admin/leads/action/",
        data={"action": "archive", "rowid": records["leads"]},
        headers={"Referer": "https://attacker.example/admin/leads/"},
    )
    assert elsewhere.status_code == 400
    assert snapshot() == before
    # With the token from the page, the form works.
    html = client.get(f"/admin/desk/{lead_ref}").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    response = client.post(
        f"/admin/desk/{lead_ref}/notes",
        data={
            "csrf_token": token.group(1),
            "text": "電話で確認",
            "channel": "phone",
            "category": "other",
            "visibility": "internal",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ConversationNote.id))) == 2


def test_export_is_safe_against_formula_injection(world, client, auth):
    """A cell starting with = + - @ is exported with a leading quote."""
    factories.lead(world["sales"], teaser='=HYPERLINK("http://evil")')
    db.session.commit()
    auth.login("sales@vendor.example")
    body = client.get("/admin/leads/export/csv/").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body
