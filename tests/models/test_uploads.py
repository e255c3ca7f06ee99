"""Uploaded files: the type comes from the content, images lose metadata, bombs are refused."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from models.uploads import DOCX, JPEG, PDF, PNG, UploadRefused, check_upload, display_name
from tests import samples


@pytest.fixture(autouse=True)
def english(app):
    """Messages are asserted in English (the default locale is Japanese)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def test_documents_and_images_are_accepted_by_their_content(app):
    """A PDF, a Word document and a PNG pass with the type their bytes say."""
    assert check_upload("提案書.pdf", samples.pdf_bytes()).content_type == PDF
    assert check_upload("quote.docx", samples.docx_bytes()).content_type == DOCX
    assert check_upload("photo.PNG", samples.png_bytes()).content_type == PNG


def test_location_data_is_stripped_from_photos(app):
    """The stored JPEG decodes to the same picture but carries no EXIF, GPS or camera model."""
    original = samples.jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert ExifTags.IFD.GPSInfo in image.getexif()
    checked = check_upload("card.jpg", original)
    assert checked.content_type == JPEG
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.size == (640, 400)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    assert b"Phone 15" not in checked.data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "Only PDF"),
        ("report.pdf", samples.docx_bytes(), "does not match its content"),
        ("photo.jpg", samples.png_bytes(), "does not match its content"),
        ("archive.docx", samples.zip_bytes(), "Only PDF"),
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 200, "Only PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <<>>\n", "PDF is damaged"),
        ("broken.png", samples.png_bytes()[:60], "cannot be read"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_disguised_and_malformed_files_are_refused(app, name, data, message):
    """Each refusal says why, in words a user understands."""
    with pytest.raises(UploadRefused, match=message):
        check_upload(name, data)


def test_decompression_bombs_and_huge_images_are_refused(app):
    """A tiny PNG claiming 3.6 billion pixels, and an image above the configured limit."""
    with pytest.raises(UploadRefused, match="too large: at most 40 megapixels"):
        check_upload("bomb.png", samples.png_bomb())
    app.config["FILES_MAX_IMAGE_PIXELS"] = 100_000
    with pytest.raises(UploadRefused, match="at most 0.1 megapixels"):
        check_upload("big.png", samples.png_bytes((400, 300)))


def test_files_over_the_size_limit_are_refused(app):
    """The per-file limit is FILES_MAX_BYTES."""
    app.config["FILES_MAX_BYTES"] = 1024
    with pytest.raises(UploadRefused, match="at most 1 KB"):
        check_upload("p.pdf", samples.pdf_bytes() + b" " * 2048)


def test_photos_only_where_photos_are_expected(app):
    """A card photo field refuses a PDF."""
    from models.uploads import IMAGE_TYPES

    with pytest.raises(UploadRefused, match="Only photos"):
        check_upload("card.pdf", samples.pdf_bytes(), allowed=IMAGE_TYPES)


def test_display_names_lose_folders_and_control_characters():
    """What a browser sends as a name cannot walk out of anything or break a header."""
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\見積書.pdf") == "見積書.pdf"
    assert display_name("a\r\nb.pdf") == "ab.pdf"
    assert display_name("") == "file"
