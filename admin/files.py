"""Files on a lead, staff side: attach to a partner's board or keep staff-only, download, archive.

The lead page shows them through ``staff/_files.html``; these endpoints only
parse, call one rule of :mod:`models.attachments`, commit and redirect.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField

from admin.security import StaffAccessMixin
from leadshare.extensions import db
from leadshare.uploads import UPLOAD_ERROR, FileUploadForm, form_errors, send_stored_file
from models.attachments import archive_file, attach_file, download_file
from models.errors import RuleError
from models.files import FileKind, LeadFile, file_of_lead_query
from models.leads import Lead
from models.offers import Offer

STAFF_ONLY = "staff"


class StaffFileForm(FileUploadForm):
    """Staff choose the board: one partner's, or staff only."""

    board = SelectField(_l("Visible to"), default=STAFF_ONLY)


def board_choices(lead: Lead) -> list[tuple[str, str]]:
    """Staff only, or the board of each partner the lead was offered to."""
    choices = [(STAFF_ONLY, _("Vendor staff only"))]
    choices += [
        (str(o.id), _("%(partner)s (board)", partner=o.organisation.name)) for o in lead.offers
    ]
    return choices


class LeadFilesView(StaffAccessMixin, BaseView):
    """``/admin/lead-files/<lead ref>/…``: the staff endpoints of a lead's files."""

    def is_visible(self) -> bool:
        """Reached from the lead page, not from the menu."""
        return False

    def _lead(self, ref: str) -> Lead:
        return db.first_or_404(db.select(Lead).where(Lead.ref == ref))

    def _file(self, lead: Lead, file_ref: str) -> LeadFile:
        return db.first_or_404(file_of_lead_query(lead, file_ref))

    def _back(self, lead: Lead):
        return redirect(url_for("staff_desk.show", ref=lead.ref) + "#files")

    @expose("/")
    def index(self):
        """Nothing to list here: files live on their lead's page."""
        abort(404)

    @expose("/<ref>", methods=("POST",))
    def upload(self, ref: str):
        """Attach a file to a partner's board or keep it for staff."""
        lead = self._lead(ref)
        form = StaffFileForm()
        form.board.choices = board_choices(lead)
        if not form.validate_on_submit():
            flash(form_errors(form) or _("Choose a file."), UPLOAD_ERROR)
            return self._back(lead)
        offer = None
        if form.board.data != STAFF_ONLY:
            offer = db.session.get(Offer, int(form.board.data))
            if offer is None or offer.lead_id != lead.id:
                abort(404)
        upload = form.file.data
        try:
            record = attach_file(
                lead,
                current_user._get_current_object(),
                filename=upload.filename,
                data=upload.read(),
                kind=FileKind(form.kind.data),
                offer=offer,
            )
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(str(err), UPLOAD_ERROR)
            return self._back(lead)
        flash(_("File added: %(name)s", name=record.filename), "success")
        return self._back(lead)

    @expose("/<ref>/<file_ref>")
    def download(self, ref: str, file_ref: str):
        """Download one file (audited)."""
        lead = self._lead(ref)
        record = self._file(lead, file_ref)
        try:
            data = download_file(record, current_user._get_current_object())
        except FileNotFoundError:
            abort(404)
        db.session.commit()
        return send_stored_file(data, record.content_type, record.filename)

    @expose("/<ref>/<file_ref>/archive", methods=("POST",))
    def archive(self, ref: str, file_ref: str):
        """Archive a file: hidden from the partner, kept for staff."""
        lead = self._lead(ref)
        record = self._file(lead, file_ref)
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            archive_file(record, current_user._get_current_object())
            db.session.commit()
            flash(_("File archived: %(name)s", name=record.filename), "success")
        except RuleError as err:
            db.session.rollback()
            flash(str(err), "error")
        return self._back(lead)


def staff_file_form(lead: Lead) -> StaffFileForm:
    """A blank upload form for the lead page."""
    form = StaffFileForm(formdata=None)
    form.board.choices = board_choices(lead)
    return form
