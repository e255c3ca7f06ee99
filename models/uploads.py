"""Checking uploaded files: the type from the content, size limits, images made safe.

A file is accepted only when its bytes are one of the allowed types *and* its
name ends with an extension of that type, so a disguised file (an HTML page
named ``.pdf``, a PDF named ``.docx``) is refused. Images are decoded and
re-encoded with Pillow: what is stored holds pixels only — no EXIF, GPS or
comments — and decompression bombs are refused before decoding.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from models.errors import RuleError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"

#: Allowed content types and the file-name extensions each may carry.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: ("pdf",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    JPEG: ("jpg", "jpeg"),
    PNG: ("png",),
    WEBP: ("webp",),
}
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
DOCUMENT_TYPES = frozenset(EXTENSIONS) - IMAGE_TYPES
_PILLOW_FORMATS = {"JPEG": JPEG, "PNG": PNG, "WEBP": WEBP}
#: The main part each Office Open XML type must contain.
_OOXML_PARTS = {
    "word/document.xml": DOCX,
    "xl/workbook.xml": XLSX,
    "ppt/presentation.xml": PPTX,
}
#: Office documents unpack to at most this much (a zip bomb is refused unread).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000


class UploadRefused(RuleError):
    """The file was refused; nothing was stored. ``str()`` says why, for the user."""

    default_message = _l("This file cannot be accepted.")


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file: safe bytes, its real type and a display name."""

    data: bytes
    content_type: str
    filename: str

    @property
    def is_image(self) -> bool:
        """Whether the file is a (re-encoded) image."""
        return self.content_type in IMAGE_TYPES


def human_size(size: int) -> str:
    """``10 MB`` style sizes for messages."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, size // 1024)} KB"


def max_upload_bytes() -> int:
    """The per-file limit of the running app (``FILES_MAX_BYTES``)."""
    return int(current_app.config.get("FILES_MAX_BYTES") or DEFAULT_MAX_BYTES)


def max_image_pixels() -> int:
    """The largest image accepted, in pixels (``FILES_MAX_IMAGE_PIXELS``)."""
    return int(current_app.config.get("FILES_MAX_IMAGE_PIXELS") or DEFAULT_MAX_PIXELS)


def display_name(filename: str | None) -> str:
    """The name shown and offered on download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name or "file"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _sniff(data: bytes) -> str | None:
    """The content type the bytes themselves say, among the allowed ones."""
    kind = filetype.guess(data)
    if kind is None:
        return None
    if kind.mime == PDF:
        return PDF
    if kind.mime in _PILLOW_FORMATS.values():
        return kind.mime
    if kind.mime in (DOCX, XLSX, PPTX, "application/zip"):
        return _ooxml_type(data)
    return None


def _ooxml_type(data: bytes) -> str | None:
    """DOCX, XLSX or PPTX from the archive's own parts; ``None`` for any other zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise UploadRefused(_l("The document contains too many parts."))
            if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                raise UploadRefused(_l("The document unpacks to far more than its size."))
            names = {e.filename for e in entries}
            if "[Content_Types].xml" not in names:
                return None
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in types:
                raise UploadRefused(_l("Documents with macros are not accepted."))
            if archive.testzip() is not None:
                raise UploadRefused(_l("The document is damaged and cannot be read."))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as err:
        raise UploadRefused(_l("The document is damaged and cannot be read.")) from err
    return next((kind for part, kind in _OOXML_PARTS.items() if part in names), None)


def _check_pdf(data: bytes) -> None:
    """A PDF starts with its header and ends with its end-of-file marker."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise UploadRefused(_l("The PDF is damaged and cannot be read."))


def reencode_image(data: bytes, content_type: str) -> bytes:
    """Decode and re-encode an image: upright pixels only, every metadata block dropped."""
    limit = max_image_pixels()
    too_big = _l(
        "The image is too large: at most %(mp)s megapixels are accepted.",
        mp=f"{limit / 1_000_000:g}",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if _PILLOW_FORMATS.get(image.format or "") != content_type:
                    raise UploadRefused(_l("The image cannot be read."))
                width, height = image.size
                if width * height > limit:
                    raise UploadRefused(too_big)
                image.load()
                upright = ImageOps.exif_transpose(image)
                # A fresh image holds only pixels: no EXIF (GPS), XMP, ICC or text chunks.
                keeps_alpha = content_type != JPEG and upright.mode in ("RGBA", "LA", "P", "PA")
                mode = "RGBA" if keeps_alpha else "RGB"
                clean = Image.new(mode, upright.size)
                clean.paste(upright.convert(mode))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise UploadRefused(too_big) from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise UploadRefused(_l("The image cannot be read.")) from err
    out = io.BytesIO()
    if content_type == JPEG:
        clean.save(out, "JPEG", quality=88, optimize=True)
    elif content_type == PNG:
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=88)
    return out.getvalue()


def check_upload(
    filename: str | None,
    data: bytes,
    *,
    allowed: frozenset[str] = frozenset(EXTENSIONS),
) -> CheckedFile:
    """Accept ``data`` or raise :class:`UploadRefused`: size, real type, name, safe content."""
    name = display_name(filename)
    limit = max_upload_bytes()
    if not data:
        raise UploadRefused(_l("The file is empty."))
    if len(data) > limit:
        raise UploadRefused(
            _l("The file is too large: at most %(size)s are accepted.", size=human_size(limit))
        )
    content_type = _sniff(data)
    if content_type is None or content_type not in allowed:
        raise UploadRefused(_allowed_message(allowed))
    if _extension(name) not in EXTENSIONS[content_type]:
        raise UploadRefused(
            _l(
                "The file's name does not match its content (%(kind)s). "
                "Rename it to .%(ext)s or choose another file.",
                kind=EXTENSIONS[content_type][0].upper(),
                ext=EXTENSIONS[content_type][0],
            )
        )
    if content_type == PDF:
        _check_pdf(data)
    if content_type in IMAGE_TYPES:
        data = reencode_image(data, content_type)
    return CheckedFile(data=data, content_type=content_type, filename=name)


def _allowed_message(allowed: frozenset[str]):
    """Which kinds of file the field takes."""
    if allowed <= IMAGE_TYPES:
        return _l("Only photos are accepted (JPEG, PNG or WebP).")
    return _l("Only PDF, Word, Excel, PowerPoint and image files (JPEG, PNG, WebP) are accepted.")
