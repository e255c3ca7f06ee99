"""Files on the board, partner side: share, download, archive; every other partner gets 404."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, LeadFile
from models.attachments import attach_file
from tests import samples
from tests.conftest import csrf_token
from tests.portal.conftest import snapshot


def upload(client, ref, data=None, name="見積書.pdf", kind="quote", token=""):
    return client.post(
        f"/leads/{ref}/files",
        data={
            "file": (io.BytesIO(samples.pdf_bytes() if data is None else data), name),
            "kind": kind,
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )


@pytest.fixture
def boards(world, offer_for):
    """alpha's accepted lead: a vendor file, a partner file, a staff-only and an archived one."""
    offer = offer_for("alpha", accept=True, rep=True)
    lead = offer.lead
    files = {
        "vendor": attach_file(
            lead, world["sales"], filename="提案書.pdf", data=samples.pdf_bytes(), offer=offer
        ),
        "partner": attach_file(
            lead, world["alpha_rep"], filename="quote.docx", data=samples.docx_bytes(), offer=offer
        ),
        "staff_only": attach_file(
            lead, world["sales"], filename="internal.pdf", data=samples.pdf_bytes()
        ),
        "archived": attach_file(
            lead, world["sales"], filename="old.pdf", data=samples.pdf_bytes(), offer=offer
        ),
    }
    from models.attachments import archive_file

    archive_file(files["archived"], world["sales"])
    other = offer_for("alpha", accept=True, rep=True)  # another lead of the same partner
    db.session.commit()
    return offer, other, files


def test_the_rep_shares_and_downloads_files_on_the_board(client, auth, world, boards):
    """The board lists the vendor's and the partner's files, never staff-only or archived ones."""
    offer, _, files = boards
    auth.login("rep@alpha.example")
    html = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    section = html[html.index('id="files"') :]
    assert "提案書.pdf" in section and "quote.docx" in section
    assert "internal.pdf" not in html and "old.pdf" not in html
    response = client.get(f"/leads/{offer.lead.ref}/files/{files['vendor'].ref}")
    assert response.status_code == 200
    assert response.data == samples.pdf_bytes()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert (
        "filename*=UTF-8''%E6%8F%90%E6%A1%88%E6%9B%B8.pdf"
        in response.headers["Content-Disposition"]
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "file.downloaded"))
    assert event.actor_id == world["alpha_rep"].id and event.after["file"] == files["vendor"].ref

    response = upload(client, offer.lead.ref, name="契約書.pdf", kind="contract")
    assert response.status_code == 302
    record = db.session.scalar(sa.select(LeadFile).where(LeadFile.filename == "契約書.pdf"))
    assert record.offer_id == offer.id and record.kind.value == "contract"
    assert "契約書.pdf" in client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "report.pdf", "Only PDF, Word"),
        (samples.docx_bytes(), "report.pdf", "does not match its content"),
        (b"%PDF-1.7 truncated", "broken.pdf", "The PDF is damaged"),
        (samples.png_bomb(), "photo.png", "The image is too large"),
        (b"", "empty.pdf", "Choose a file"),
    ],
)
def test_refused_files_are_explained_next_to_the_field(
    app, client, auth, world, boards, data, name, message
):
    """Disguised, malformed, bomb or empty: nothing stored, the reason beside the field."""
    offer, _, _ = boards
    auth.login("rep@alpha.example")
    before = db.session.scalar(sa.select(sa.func.count(LeadFile.id)))
    stored = sorted(p.name for p in __import__("pathlib").Path(app.config["FILES_DIR"]).rglob("*"))
    response = upload(client, offer.lead.ref, data=data, name=name)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="file-input".*?id="file-error">[^<]*' + message, html, re.S), html
    assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == before
    after = sorted(p.name for p in __import__("pathlib").Path(app.config["FILES_DIR"]).rglob("*"))
    assert after == stored


def test_the_size_limit_is_told_in_japanese(app, client, auth, world, boards):
    """FILES_MAX_BYTES, in the user's language."""
    from models import Locale

    offer, _, _ = boards
    world["alpha_rep"].locale = Locale.JA
    db.session.commit()
    app.config["FILES_MAX_BYTES"] = 1024
    auth.login("rep@alpha.example")
    response = upload(client, offer.lead.ref, data=samples.pdf_bytes() + b" " * 4096)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="file-error">[^<]*ファイルが大きすぎます[^<]*1 KB', html)


@pytest.mark.csrf
@pytest.mark.parametrize("email", ["manager@beta.example", "rep@beta.example", "rep2"])
def test_every_file_url_replayed_by_another_user_answers_404(
    app, client, auth, world, boards, email
):
    """Another partner's users (and alpha's rep on a lead not theirs) get 404, nothing changes."""
    from models import Role
    from tests import factories

    offer, other, files = boards
    if email == "rep2":
        factories.user(world["alpha"], Role.PARTNER_REP, "rep2@alpha.example")
        db.session.commit()
        email = "rep2@alpha.example"
    auth.login(email)
    token = csrf_token(client, "/leads")
    before = snapshot()
    for record in files.values():
        for ref in (offer.lead.ref, other.lead.ref, "doesNotExist0000"):
            base = f"/leads/{ref}/files/{record.ref}"
            assert client.get(base).status_code == 404, (email, base)
            assert client.post(f"{base}/archive", data={"csrf_token": token}).status_code == 404
        assert upload(client, offer.lead.ref, token=token).status_code == 404
    assert snapshot() == before


@pytest.mark.csrf
def test_files_of_one_lead_are_not_reachable_through_another(client, auth, world, boards):
    """A file reference under another lead of the same partner answers 404."""
    offer, other, files = boards
    auth.login("manager@alpha.example")
    assert client.get(f"/leads/{other.lead.ref}/files/{files['vendor'].ref}").status_code == 404
    assert client.get(f"/leads/{offer.lead.ref}/files/{files['staff_only'].ref}").status_code == 404
    assert client.get(f"/leads/{offer.lead.ref}/files/{files['archived'].ref}").status_code == 404
    assert client.get(f"/leads/{offer.lead.ref}/files/{files['vendor'].ref}").status_code == 200


def test_files_wait_for_acceptance(client, auth, world, offer_for):
    """Before acceptance there is no board, so no files section and no upload."""
    offer = offer_for("alpha", details=True)
    attach_file(offer.lead, world["sales"], filename="p.pdf", data=samples.pdf_bytes(), offer=offer)
    db.session.commit()
    record = db.session.scalar(sa.select(LeadFile))
    auth.login("manager@alpha.example")
    assert 'id="files"' not in client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert client.get(f"/leads/{offer.lead.ref}/files/{record.ref}").status_code == 404
    assert upload(client, offer.lead.ref).status_code == 404


def test_a_partner_archives_its_own_file_only(client, auth, world, boards):
    """The vendor's file stays; the partner's own file is archived, still kept."""
    offer, _, files = boards
    auth.login("manager@alpha.example")
    html = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert f"/files/{files['vendor'].ref}/archive" not in html
    client.post(f"/leads/{offer.lead.ref}/files/{files['vendor'].ref}/archive")
    client.post(f"/leads/{offer.lead.ref}/files/{files['partner'].ref}/archive")
    db.session.expire_all()
    assert not db.session.get(LeadFile, files["vendor"].id).archived
    assert db.session.get(LeadFile, files["partner"].id).archived
    html = client.get(f"/leads/{offer.lead.ref}").get_data(as_text=True)
    assert "quote.docx" not in html[html.index('id="files"') :]


def test_a_request_over_the_upload_limit_gets_a_clear_page(app, client, auth, world, boards):
    """Beyond MAX_CONTENT_LENGTH the request is not read at all; the page says why."""
    offer, _, _ = boards
    app.config["MAX_CONTENT_LENGTH"] = 4096
    auth.login("rep@alpha.example")
    response = upload(client, offer.lead.ref, data=samples.pdf_bytes() + b" " * 8192)
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == 4
