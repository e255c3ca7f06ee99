"""Files on the board of an accepted lead: partner side (upload, download, archive).

Every read starts from the tenant gate: the partner's own offer of the lead
(``current_offer_query``), its board open (accepted), then the file among that
board's files (``file_on_board_query``). Anything else answers 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from leadshare.extensions import csrf, db
from leadshare.uploads import (
    UPLOAD_ERROR,
    FileUploadForm,
    files_template_globals,
    form_errors,
    send_stored_file,
)
from models.attachments import archive_file, attach_file, download_file
from models.errors import RuleError
from models.files import FileKind, LeadFile, board_files_query, file_on_board_query
from models.gates import current_offer_query, disclosure_for
from models.offers import Offer
from portal import partner_required
from portal.forms import BUTTON_EXPIRED, SEND_AGAIN, csrf_expired
from portal.leads import bp


def _board_offer(ref: str) -> Offer:
    """The user's offer of lead ``ref`` with its board open; 404 otherwise."""
    offer = db.first_or_404(current_offer_query(current_user, ref))
    if not disclosure_for(current_user, offer).board:
        abort(404)
    return offer


def _board_file(offer: Offer, file_ref: str) -> LeadFile:
    """A live file of the offer's board; 404 otherwise."""
    return db.first_or_404(file_on_board_query(current_user, offer, file_ref))


def _back(ref: str):
    return redirect(url_for("leads.show", ref=ref) + "#files")


@bp.app_context_processor
def _files_context() -> dict:
    """What ``leads/_files.html`` needs: the board's files through the gate, a blank form."""

    def board_files(offer: Offer) -> list[LeadFile]:
        return list(db.session.scalars(board_files_query(current_user, offer)))

    return {
        **files_template_globals(),
        "board_files": board_files,
        "file_form": lambda: FileUploadForm(formdata=None),
    }


@bp.post("/leads/<ref>/files")
@csrf.exempt
@partner_required
def upload_file(ref: str):
    """Share a file with the vendor on the lead's board."""
    offer = _board_offer(ref)
    form = FileUploadForm()
    if not form.validate_on_submit():
        if csrf_expired(form):  # the form checks its token itself (exempt view)
            flash(str(SEND_AGAIN), UPLOAD_ERROR)
        else:
            flash(form_errors(form) or _("Choose a file."), UPLOAD_ERROR)
        return _back(ref)
    upload = form.file.data
    try:
        record = attach_file(
            offer.lead,
            current_user,
            filename=upload.filename,
            data=upload.read(),
            kind=FileKind(form.kind.data),
            offer=offer,
        )
        db.session.commit()
    except RuleError as err:
        db.session.rollback()
        flash(str(err), UPLOAD_ERROR)
        return _back(ref)
    flash(_("File shared with the vendor: %(name)s", name=record.filename), "success")
    return _back(ref)


@bp.get("/leads/<ref>/files/<file_ref>")
@partner_required
def download_board_file(ref: str, file_ref: str):
    """Download one file of the board (audited)."""
    offer = _board_offer(ref)
    record = _board_file(offer, file_ref)
    try:
        data = download_file(record, current_user)
    except FileNotFoundError:
        abort(404)
    db.session.commit()
    return send_stored_file(data, record.content_type, record.filename)


@bp.post("/leads/<ref>/files/<file_ref>/archive")
@csrf.exempt
@partner_required
def archive_board_file(ref: str, file_ref: str):
    """Archive a file your organisation shared (kept by the vendor, hidden from the board)."""
    offer = _board_offer(ref)
    record = _board_file(offer, file_ref)
    if not FlaskForm().validate_on_submit():
        flash(str(BUTTON_EXPIRED), "error")
        return _back(ref)
    try:
        archive_file(record, current_user)
        db.session.commit()
        flash(_("File archived: %(name)s", name=record.filename), "success")
    except RuleError as err:
        db.session.rollback()
        flash(str(err), "error")
    return _back(ref)
