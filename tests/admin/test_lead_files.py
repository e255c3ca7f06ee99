"""Files on the staff lead page: staff-only or on one partner's board; download audited."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, LeadFile, Role, workflow
from tests import factories, samples


@pytest.fixture
def lead_with_offers(world):
    lead = factories.lead(world["sales"])
    alpha = workflow.offer_lead(lead, world["alpha"], world["sales"])
    workflow.request_details(alpha, world["alpha_manager"])
    workflow.accept_offer(alpha, world["alpha_manager"])
    factories.staff(Role.ASSISTANT, "assistant@vendor.example")
    db.session.commit()
    return lead, alpha


def post_file(client, ref, board, data=None, name="提案書.pdf"):
    return client.post(
        f"/admin/lead-files/{ref}",
        data={
            "file": (io.BytesIO(samples.pdf_bytes() if data is None else data), name),
            "kind": "proposal",
            "board": board,
        },
        content_type="multipart/form-data",
    )


def test_staff_share_on_a_board_and_keep_files_for_themselves(
    client, auth, world, lead_with_offers
):
    """Both kinds appear on the lead page; the download is an attachment and audited."""
    lead, alpha = lead_with_offers
    auth.login("sales@vendor.example")
    assert post_file(client, lead.ref, str(alpha.id)).status_code == 302
    assert post_file(client, lead.ref, "staff", name="社内メモ.pdf").status_code == 302
    shared, internal = db.session.scalars(sa.select(LeadFile).order_by(LeadFile.id)).all()
    assert shared.offer_id == alpha.id and internal.staff_only
    html = client.get(f"/admin/desk/{lead.ref}").get_data(as_text=True)
    files = html[html.index('id="files"') :]
    assert "提案書.pdf" in files and "社内メモ.pdf" in files
    response = client.get(f"/admin/lead-files/{lead.ref}/{internal.ref}")
    assert response.data == samples.pdf_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "file.downloaded")
        )
        == 1
    )
    client.post(f"/admin/lead-files/{lead.ref}/{shared.ref}/archive")
    db.session.refresh(shared)
    assert shared.archived
    assert client.get(f"/admin/lead-files/{lead.ref}/{shared.ref}").status_code == 200


def test_a_refused_file_is_explained_next_to_the_field(app, client, auth, world, lead_with_offers):
    """A disguised file: nothing stored, the reason beside the file field."""
    lead, alpha = lead_with_offers
    auth.login("sales@vendor.example")
    response = post_file(client, lead.ref, "staff", data=b"MZ\x90\x00" * 100, name="a.pdf")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="file-input".*?id="file-error">[^<]*Only PDF', html, re.S)
    assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == 0


def test_a_file_of_another_lead_answers_404(client, auth, world, lead_with_offers):
    """File references are checked against the lead in the URL."""
    lead, alpha = lead_with_offers
    other = factories.lead(world["sales"])
    db.session.commit()
    auth.login("sales@vendor.example")
    post_file(client, lead.ref, "staff")
    record = db.session.scalar(sa.select(LeadFile))
    assert client.get(f"/admin/lead-files/{other.ref}/{record.ref}").status_code == 404
    # Another lead's offer is not among this lead's boards: refused, nothing stored.
    post_file(client, other.ref, str(alpha.id))
    assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == 1


@pytest.mark.parametrize("email", [None, "manager@alpha.example", "assistant@vendor.example"])
def test_partners_assistants_and_anonymous_are_refused(
    client, auth, world, lead_with_offers, email
):
    """The staff endpoints stay closed to everybody but staff, and nothing changes."""
    lead, alpha = lead_with_offers
    from models.attachments import attach_file

    record = attach_file(
        lead, world["sales"], filename="p.pdf", data=samples.pdf_bytes(), offer=alpha
    )
    db.session.commit()
    if email:
        auth.login(email)
    responses = [
        client.get(f"/admin/lead-files/{lead.ref}/{record.ref}"),
        client.post(f"/admin/lead-files/{lead.ref}/{record.ref}/archive"),
        post_file(client, lead.ref, "staff"),
    ]
    for response in responses:
        if email is None:
            assert "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403
    db.session.refresh(record)
    assert not record.archived
    assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == 1
