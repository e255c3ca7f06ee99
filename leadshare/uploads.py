"""Upload and download helpers shared by both doors: the size check of a file field, sending a file.

Checking the content itself is the domain's job (``models.uploads``); this only
covers the web side: a clear message next to the field and safe response headers.
"""

from __future__ import annotations

import io

from flask import send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import StopValidation

from models.files import FILE_KIND_LABELS, FileKind
from models.uploads import human_size, max_upload_bytes

#: Flash category of an upload refusal that a page shows beside its file field.
UPLOAD_ERROR = "upload-error"


def upload_size_limit(form, field) -> None:
    """Refuse a file over FILES_MAX_BYTES before reading it, saying the limit."""
    data = field.data
    if data is None or not hasattr(data, "stream"):
        return
    data.stream.seek(0, io.SEEK_END)
    size = data.stream.tell()
    data.stream.seek(0)
    limit = max_upload_bytes()
    if size > limit:
        raise StopValidation(
            _("The file is too large: at most %(size)s are accepted.", size=human_size(limit))
        )


def kind_choices() -> list[tuple[str, str]]:
    """What a document is, labels in the user's language."""
    return [(kind.value, str(label)) for kind, label in FILE_KIND_LABELS.items()]


class FileUploadForm(FlaskForm):
    """One file for a lead and what it is (proposal, quote, contract, other)."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file.")), upload_size_limit])
    kind = SelectField(_l("Document"), choices=kind_choices, default=FileKind.OTHER.value)


def files_template_globals() -> dict:
    """Helpers of the files sections in both doors."""
    return {
        "file_kind_labels": FILE_KIND_LABELS,
        "file_size": human_size,
        "upload_limit": lambda: human_size(max_upload_bytes()),
        "UPLOAD_ERROR": UPLOAD_ERROR,
    }


def send_stored_file(data: bytes, content_type: str, filename: str):
    """A stored file as a download: attachment, its checked type, no sniffing, never cached."""
    response = send_file(
        io.BytesIO(data),
        mimetype=content_type,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def form_errors(form) -> str:
    """A form's errors as one message."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
