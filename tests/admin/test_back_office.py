"""The back office as staff use it: lists, filters, exports, pages, forms, actions, queues."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
import sqlalchemy as sa

from leadshare.demo import load_demo
from leadshare.extensions import db
from models import AuditEvent, Lead, Locale, Offer, OfferState, OutboxMessage, PartnerPolicy, User
from models import workflow as wf
from tests import factories

#: What a raw value looks like on a page: a UTC offset, a Python bool or None, an enum's name.
RAW = re.compile(r"\+00:00|>\s*(True|False|None)\s*<|\b(PENDING|APPROVED|OFFERED|ACCEPTED)\b")


def model_views(app):
    """Every list of the back office (Flask-Admin model views)."""
    return [v for v in app.extensions["admin"][0]._views if hasattr(v, "_filters")]


def filter_groups(html: str) -> dict:
    """The filter menu a list page offers (Flask-Admin's JSON in the page)."""
    match = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S)
    return json.loads(unescape(match.group(1))) if match else {}


def ids_listed(html: str) -> set[str]:
    """The ids of the rows a list page shows (their details links)."""
    return set(re.findall(r"details/\?id=(\d+)", html))


def use_language(user_email: str, locale: Locale) -> None:
    """Set a user's language."""
    user = db.session.scalar(sa.select(User).where(User.email == user_email))
    user.locale = locale
    db.session.commit()


@pytest.mark.parametrize("locale", [Locale.JA, Locale.EN])
def test_every_list_filter_option_export_and_details_page_works(app, client, auth, locale):
    """On the demo data, as an administrator: every list, every filter option it offers,
    its export and one details page answer 200 with labels, never raw values."""
    load_demo()
    db.session.commit()
    use_language("admin@vendor.example", locale)
    assert auth.login("admin@vendor.example", "demo-password").status_code == 302
    for view in model_views(app):
        base = f"{view.url}/"
        page = client.get(base)
        assert page.status_code == 200, base
        html = page.get_data(as_text=True)
        assert "onclick=" not in html and "javascript:" not in html, base
        assert not RAW.search(html), (base, RAW.search(html))
        for name, items in filter_groups(html).items():
            for item in items:
                for value, label in item["options"] or []:
                    assert not re.fullmatch(r"[a-z0-9_]+", label) or label.isdigit(), (base, label)
                    response = client.get(base, query_string={f"flt0_{item['arg']}": value})
                    assert response.status_code == 200, (base, name, value)
                    text = response.get_data(as_text=True)
                    assert "alert-danger" not in text, (base, name, value)
        export = client.get(f"{base}export/csv/")
        assert export.status_code == 200, base
        assert export.data.startswith(b"\xef\xbb\xbf"), base
        rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert not {"True", "False", "None"} & set(cells), base
        assert not any(c.endswith("+00:00") for c in cells), base
        ids = sorted(ids_listed(html), key=int)
        if ids:
            details = client.get(f"{base}details/", query_string={"id": ids[0]})
            assert details.status_code == 200, base
            text = details.get_data(as_text=True)
            assert not RAW.search(text), (base, RAW.search(text))
            assert 'id="fa_filter"' not in text
            assert text.count("<h1") == 1


def test_enum_filters_match_the_value_they_offer(world, client, auth):
    sales = world["sales"]
    new = factories.lead(sales, qualified=False)
    offered = wf.offer_lead(factories.lead(sales), world["alpha"], sales)
    db.session.commit()
    auth.login("sales@vendor.example")
    html = client.get("/admin/leads/?flt0_stage_is=new").get_data(as_text=True)
    assert new.ref in html and offered.lead.ref not in html
    html = client.get("/admin/offers/?flt0_state_is=offered").get_data(as_text=True)
    assert ids_listed(html) == {str(offered.id)}
    html = client.get(f"/admin/offers/?flt0_organisation_id_is={world['beta'].id}").get_data(
        as_text=True
    )
    assert ids_listed(html) == set()
    # Japanese labels for the values (the user's language), codes only in the URL.
    use_language("sales@vendor.example", Locale.JA)
    groups = filter_groups(client.get("/admin/leads/").get_data(as_text=True))
    stage = next(items for name, items in groups.items() if name == "ステージ")[0]
    assert ["new", "新規"] in stage["options"]


def test_export_is_for_excel_with_labels_local_times_and_safe_text(world, client, auth):
    lead = factories.lead(world["sales"], teaser="=HYPERLINK(1)")
    lead.estimated_value = 1_200_000
    db.session.commit()
    auth.login("sales@vendor.example")
    export = client.get("/admin/leads/export/csv/")
    assert export.mimetype == "text/csv"
    assert export.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "Estimated value (yen)" in header
    assert row["Teaser"] == "'=HYPERLINK(1)"
    assert row["Estimated value (yen)"] == "1200000"  # a number, not text with a quote
    assert row["Stage"] == "Qualified" and row["Product line"] == "Servers"
    # Tokyo time: UTC+9 (the demo clock aside, the offset is what matters).
    created = lead.created_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert row["Created"] == created.strftime("%Y-%m-%d %H:%M")


def test_board_post_export_has_every_row(world, client, auth):
    offer = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"])
    for n in range(3):
        wf.post_comment(offer, world["sales"], body=f"message {n}")
    db.session.commit()
    auth.login("sales@vendor.example")
    rows = list(csv.reader(io.StringIO(client.get("/admin/comments/export/csv/").data.decode())))
    assert len(rows) == 4
    assert {r[1] for r in rows[1:]} == {world["alpha"].name}


def test_bulk_archive_and_unarchive_leads(world, client, auth):
    offer = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    response = client.post(
        "/admin/leads/action/", data={"action": "archive", "rowid": [str(offer.lead.id)]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert offer.lead.archived and offer.state is OfferState.WITHDRAWN
    client.post("/admin/leads/action/", data={"action": "unarchive", "rowid": [str(offer.lead.id)]})
    db.session.expire_all()
    assert not offer.lead.archived


def test_a_negative_number_is_refused_beside_its_field_in_the_users_language(world, client, auth):
    use_language("admin@vendor.example", Locale.JA)
    auth.login("admin@vendor.example")
    policy = world["alpha"].policy
    response = client.post(
        f"/admin/policies/edit/?id={policy.organisation_id}",
        data={
            "max_open_leads": "-5",
            "response_sla_hours": "48",
            "update_sla_days": "14",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422  # the form again, refused
    assert "の整数を入力してください" in html
    assert "IntegrityError" not in html and "CHECK" not in html and "INSERT" not in html
    assert world["alpha"].name in html  # the page says whose policy it is
    db.session.expire_all()
    assert db.session.get(PartnerPolicy, policy.organisation_id).max_open_leads == 10


def test_user_form_normalises_refuses_twins_and_invites(world, client, auth):
    auth.login("admin@vendor.example")
    form = {
        "name": "Zeta",
        "email": "Manager@Zeta.example",
        "role": "partner_manager",
        "organisation": str(world["alpha"].id),
        "locale": "ja",
        "active": "y",
    }
    assert client.post("/admin/users/new/", data=form).status_code == 302
    created = db.session.scalar(sa.select(User).where(User.name == "Zeta"))
    assert created.email == "manager@zeta.example"
    invited = db.session.scalars(
        sa.select(OutboxMessage.to_email).where(OutboxMessage.kind == "invitation")
    ).all()
    assert invited == ["manager@zeta.example"]
    twin = client.post("/admin/users/new/", data=form | {"email": "manager@ZETA.example"})
    assert twin.status_code == 422
    assert "This e-mail address already has an account." in twin.get_data(as_text=True)
    bad = client.post("/admin/users/new/", data=form | {"email": "not-an-email", "name": "B"})
    assert "This is not a valid e-mail address." in bad.get_data(as_text=True)
    admin = world["admin"]
    demote = client.post(
        f"/admin/users/edit/?id={admin.id}",
        data=form
        | {
            "name": admin.name,
            "email": admin.email,
            "role": "sales",
            "organisation": str(admin.organisation_id),
        },
    )
    assert "You cannot demote or deactivate your own account." in demote.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin


def test_home_page_figures_link_to_lists_that_show_them(world, client, auth):
    sales = world["sales"]
    factories.lead(sales, qualified=False)
    factories.lead(sales)
    offer = wf.offer_lead(factories.lead(sales), world["alpha"], sales)
    wf.request_details(offer, world["alpha_manager"])
    db.session.commit()
    auth.login("sales@vendor.example")
    html = client.get("/admin/").get_data(as_text=True)
    assert html.count("<h1") == 1
    links = dict(re.findall(r'<a href="([^"]+)" data-queue="([a-z_]+)"', html))
    queues = {key: unescape(url) for url, key in links.items()}
    assert {"to_qualify", "to_offer", "details_to_approve", "mine"} <= set(queues)
    assert "failed_mail" not in queues  # administrators only
    for key, url in queues.items():
        figure = re.search(rf'data-figure="queue-{key}">(\d+)<', html).group(1)
        listed = ids_listed(client.get(url).get_data(as_text=True))
        assert len(listed) == int(figure), key
    assert queues["details_to_approve"].endswith("flt0_queue_is=details_to_approve")


def test_pipeline_shows_open_leads_by_stage_without_script(world, client, auth):
    lead = factories.lead(world["sales"], qualified=False)
    db.session.commit()
    auth.login("sales@vendor.example")
    html = client.get("/admin/pipeline/").get_data(as_text=True)
    column = html.split('id="stage-new"')[1].split("</section>")[0]
    assert lead.prospect.company_name in column
    assert 'data-count="new">1<' in column
    mine = client.get("/admin/pipeline/?mine=1").get_data(as_text=True)
    assert lead.prospect.company_name in mine


def test_every_page_showing_contact_data_records_one_view(world, client, auth):
    offer = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    registration = wf.register_deal(
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
        region="kanto",
        industry="manufacturing",
    )
    db.session.commit()
    auth.login("sales@vendor.example")
    prospect_id = offer.lead.prospect_id
    for url in (
        f"/admin/desk/{offer.lead.ref}",
        f"/admin/prospects/details/?id={prospect_id}",
        f"/admin/prospects/edit/?id={prospect_id}",
        f"/admin/registrations/details/?id={registration.id}",
    ):
        assert client.get(url).status_code == 200, url
    vias = db.session.scalars(
        sa.select(AuditEvent.after).where(AuditEvent.action == "prospect.personal_data_viewed")
    ).all()
    assert [v["via"] for v in vias] == [
        "admin.lead",
        "admin.prospect",
        "admin.prospect_edit",
        "admin.registration",
    ]


def test_lead_page_is_titled_by_the_lead_and_offers_no_board_before_acceptance(world, client, auth):
    offer = wf.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    html = client.get(f"/admin/desk/{offer.lead.ref}").get_data(as_text=True)
    assert "Post a lead" not in html.split("<body")[1].split("</nav>")[1].split("<form")[0]
    assert f"Lead: {offer.lead.prospect.company_name}" in html
    assert "board-form" not in html and "board-closed" in html
    wf.accept_offer(db.session.get(Offer, offer.id), world["alpha_manager"])
    db.session.commit()
    html = client.get(f"/admin/desk/{offer.lead.ref}").get_data(as_text=True)
    assert "board-form" in html


def test_archive_button_on_the_lead_page(world, client, auth):
    lead = factories.lead(world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    assert client.post(f"/admin/desk/{lead.ref}/archive").status_code == 302
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).archived
    html = client.get(f"/admin/desk/{lead.ref}").get_data(as_text=True)
    assert 'id="unarchive-lead"' in html
