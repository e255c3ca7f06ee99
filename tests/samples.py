"""Files the tests make themselves: documents, photos with GPS data, bombs, business cards."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw, ImageFont

#: Debian's fonts-noto-cjk: a Japanese font to print business cards with.
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@cache
def pdf_bytes(text: str = "Proposal") -> bytes:
    """A real one-page PDF (Pillow writes it; made once, so equal bytes compare equal)."""
    image = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(image).text((10, 40), text, fill="black")
    out = io.BytesIO()
    image.save(out, "PDF")
    return out.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document (Office Open XML)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document><w:body>見積</w:body></w:document>")
    return out.getvalue()


def zip_bytes() -> bytes:
    """A plain zip archive (not an Office document)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (640, 400)) -> bytes:
    """A photo carrying EXIF with a GPS position (Tokyo) and a camera model."""
    image = Image.new("RGB", size, (200, 180, 150))
    ImageDraw.Draw(image).rectangle((50, 50, 300, 200), fill=(20, 40, 90))
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Phone 15"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 40.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (139.0, 45.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (300, 200)) -> bytes:
    """A plain PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims billions of pixels: decoding it would exhaust memory."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def business_card(lines: list[tuple[str, int]] | None = None) -> bytes:
    """A business card photo printed with a Japanese font: (text, font size) per line."""
    lines = lines or [
        ("株式会社みなと精機", 64),
        ("営業部 部長", 44),
        ("山田 太郎", 96),
        ("〒460-0008 愛知県名古屋市中区栄3-15-33", 40),
        ("TEL 052-123-4567", 40),
        ("携帯 090-1234-5678", 40),
        ("yamada@minato-seiki.co.jp", 40),
    ]
    image = Image.new("RGB", (1800, 1000), "white")
    draw = ImageDraw.Draw(image)
    y = 80
    for text, size in lines:
        font = ImageFont.truetype(str(CJK_FONT), size, index=0)
        draw.text((100, y), text, font=font, fill="black")
        y += int(size * 1.6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
