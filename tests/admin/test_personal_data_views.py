"""Every back-office page that shows a prospect's contact person records one audit event.

One ``prospect.personal_data_viewed`` event per page shown (``via`` names the page);
pages without the contact person record none. A card's photo is audited on its own
(``card.photo_viewed``, once per photo shown); the card queue shows no contact person.
"""

from __future__ import annotations

import io

import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, BusinessCard
from models import workflow as wf
from tests import factories, samples
from tests.models.test_registrations import DEAL

VIEWED = "prospect.personal_data_viewed"


def events(action: str = VIEWED) -> list[dict]:
    """The ``after`` of every event of ``action``, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent.after).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_each_page_with_the_contact_person_records_exactly_one_event(world, client, auth):
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    wf.accept_offer(offer, world["alpha_manager"])
    registration = wf.register_deal(world["alpha_rep"], **DEAL)
    db.session.commit()
    auth.login("sales@vendor.example")
    prospect_id = lead.prospect_id
    pages = {
        f"/admin/desk/{lead.ref}": "admin.lead",
        f"/admin/prospects/details/?id={prospect_id}": "admin.prospect",
        f"/admin/prospects/edit/?id={prospect_id}": "admin.prospect_edit",
        f"/admin/registrations/details/?id={registration.id}": "admin.registration",
    }
    for url, via in pages.items():
        before = events()
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        contact = (
            registration.contact_name if "registrations" in url else lead.prospect.contact_name
        )
        assert contact in html, url
        after = events()
        assert len(after) == len(before) + 1, url
        assert after[-1]["via"] == via
    # A second visit is a second view.
    client.get(f"/admin/desk/{lead.ref}")
    assert [e["via"] for e in events()].count("admin.lead") == 2


def test_pages_without_the_contact_person_record_nothing(world, client, auth):
    lead = factories.lead(world["sales"])
    db.session.commit()
    auth.login("admin@vendor.example")
    for url in (
        "/admin/leads/",
        f"/admin/leads/details/?id={lead.id}",
        "/admin/prospects/",
        "/admin/registrations/",
        "/admin/pipeline/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert lead.prospect.contact_email not in response.get_data(as_text=True), url
    assert events() == []


def test_a_refused_form_on_the_lead_page_records_no_second_view(world, client, auth):
    """The refused form comes back on the page already viewed: no new event, nothing changed."""
    lead = factories.lead(world["sales"])
    offer = wf.offer_lead(lead, world["alpha"], world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    client.get(f"/admin/desk/{lead.ref}")
    response = client.post(
        f"/admin/desk/{lead.ref}/offers/{offer.id}/withdraw", data={"reason": " "}
    )
    assert response.status_code == 422
    assert len(events()) == 1


def test_card_pages_audit_the_photo_once_and_the_queue_shows_no_contact(app, world, client, auth):
    app.config["TESSERACT_CMD"] = "/nonexistent/tesseract"
    auth.login("sales@vendor.example")
    client.post(
        "/admin/cards/new",
        data={"photo": (io.BytesIO(samples.jpeg_with_gps()), "card.jpg"), "note": ""},
        content_type="multipart/form-data",
    )
    card = db.session.scalar(sa.select(BusinessCard))
    card.ocr_fields = {"company_name": "株式会社みなと精機", "contact_name": "山田 太郎"}
    db.session.commit()
    queue = client.get("/admin/cards/").get_data(as_text=True)
    assert "株式会社みなと精機" in queue and "山田 太郎" not in queue
    page = client.get(f"/admin/cards/{card.ref}").get_data(as_text=True)
    assert f"/admin/cards/{card.ref}/photo" in page
    assert client.get(f"/admin/cards/{card.ref}/photo").status_code == 200
    assert len(events("card.photo_viewed")) == 1
