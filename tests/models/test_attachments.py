"""Files on a lead: who may attach, see, download and archive them; nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, OutboxMessage, workflow
from models.attachments import archive_file, attach_file, download_file
from models.errors import InvalidTransition, NotAllowed
from models.files import FileKind, LeadFile, board_files_query, reachable_files
from models.uploads import UploadRefused
from tests import factories, samples


@pytest.fixture
def accepted(world):
    """A lead offered to alpha and beta; alpha accepted and gave it to its rep."""
    lead = factories.lead(world["sales"])
    alpha = workflow.offer_lead(lead, world["alpha"], world["sales"])
    beta = workflow.offer_lead(lead, world["beta"], world["sales"])
    workflow.request_details(alpha, world["alpha_manager"])
    workflow.accept_offer(alpha, world["alpha_manager"], rep=world["alpha_rep"])
    db.session.commit()
    return lead, alpha, beta


def stored_files(app) -> list[Path]:
    root = Path(app.config["FILES_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_board_files_are_seen_by_the_accepting_partner_only(app, world, accepted):
    """Staff see everything; alpha sees its board's files; beta and staff-only files stay hidden."""
    lead, alpha, beta = accepted
    shared = attach_file(
        lead,
        world["sales"],
        filename="提案書.pdf",
        data=samples.pdf_bytes(),
        offer=alpha,
        kind=FileKind.PROPOSAL,
    )
    internal = attach_file(lead, world["sales"], filename="memo.pdf", data=samples.pdf_bytes())
    from_rep = attach_file(
        lead, world["alpha_rep"], filename="quote.docx", data=samples.docx_bytes(), offer=alpha
    )
    db.session.commit()
    assert internal.staff_only and not shared.staff_only

    def visible(user):
        return set(db.session.scalars(reachable_files(user)))

    assert visible(world["admin"]) == {shared, internal, from_rep}
    assert visible(world["alpha_manager"]) == {shared, from_rep}
    assert visible(world["alpha_rep"]) == {shared, from_rep}
    assert visible(world["beta_manager"]) == set()
    assert list(db.session.scalars(board_files_query(world["beta_manager"], alpha))) == []
    assert len(stored_files(app)) == 3


def test_partners_cannot_attach_before_acceptance_or_on_another_board(world, accepted):
    """beta's offer is still open; alpha's users cannot write on beta's board."""
    lead, alpha, beta = accepted
    with pytest.raises(InvalidTransition):
        attach_file(
            lead, world["beta_manager"], filename="a.pdf", data=samples.pdf_bytes(), offer=beta
        )
    with pytest.raises(NotAllowed):
        attach_file(
            lead, world["alpha_manager"], filename="a.pdf", data=samples.pdf_bytes(), offer=beta
        )
    with pytest.raises(NotAllowed):
        attach_file(lead, world["alpha_manager"], filename="a.pdf", data=samples.pdf_bytes())


def test_refused_files_leave_nothing_behind(app, world, accepted):
    """A disguised file raises before a byte is written or a row added."""
    lead, alpha, _ = accepted
    with pytest.raises(UploadRefused):
        attach_file(lead, world["alpha_rep"], filename="x.pdf", data=b"<html></html>", offer=alpha)
    assert stored_files(app) == []
    assert db.session.scalar(sa.select(sa.func.count(LeadFile.id))) == 0


def test_downloads_are_audited_and_archiving_keeps_the_file(app, world, accepted):
    """Every download is an audit event; an archived file disappears for partners, not staff."""
    lead, alpha, _ = accepted
    record = attach_file(
        lead, world["alpha_rep"], filename="q.pdf", data=samples.pdf_bytes(), offer=alpha
    )
    db.session.commit()
    assert download_file(record, world["alpha_manager"]) == samples.pdf_bytes()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "file.downloaded")
    ).all()
    assert [(e.actor_id, e.after["file"]) for e in events] == [
        (world["alpha_manager"].id, record.ref)
    ]
    assert events[0].organisation_id == world["alpha"].id
    with pytest.raises(NotAllowed):
        archive_file(record, world["beta_manager"])
    archive_file(record, world["alpha_manager"])
    db.session.commit()
    assert list(db.session.scalars(reachable_files(world["alpha_rep"]))) == []
    with pytest.raises(NotAllowed):
        download_file(record, world["alpha_rep"])
    assert download_file(record, world["sales"]) == samples.pdf_bytes()
    assert len(stored_files(app)) == 1


def test_the_other_side_is_told(world, accepted):
    """A partner's upload reaches the lead's owner; a staff upload reaches the partner."""
    lead, alpha, _ = accepted
    before = set(db.session.scalars(sa.select(OutboxMessage.id)))
    attach_file(lead, world["alpha_rep"], filename="q.pdf", data=samples.pdf_bytes(), offer=alpha)
    attach_file(lead, world["sales"], filename="p.pdf", data=samples.pdf_bytes(), offer=alpha)
    attach_file(lead, world["sales"], filename="staff.pdf", data=samples.pdf_bytes())
    db.session.commit()
    new = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.not_in(before or {0}))
    ).all()
    assert {(m.kind, m.to_email) for m in new} == {
        ("file_shared", "sales@vendor.example"),
        ("file_shared", "manager@alpha.example"),
        ("file_shared", "rep@alpha.example"),
    }
    assert all("staff.pdf" not in str(m.payload) for m in new)
