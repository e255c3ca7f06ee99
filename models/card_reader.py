"""Reading a business card (名刺): Tesseract OCR with its Japanese model, then field picking.

:func:`read_card` returns the recognised text and the prospect fields found in
it (company, name, title, phone, e-mail, address, website). Without Tesseract
— not installed, or too slow — it returns nothing and the intake form simply
starts empty.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

#: Longest side of the image handed to Tesseract: enough for card text, quick to read.
OCR_MAX_SIDE = 2000

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"(?:\+81[\s-]?|0)\d{1,4}[\s().-]{0,2}\d{1,4}[\s().-]{0,2}\d{3,4}")
_URL = re.compile(r"(?:https?://)?(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s]*)?")
_POSTCODE = re.compile(r"〒?\s*\d{3}-\d{4}")
_COMPANY = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|\(株\)|\(有\)|㈱|㈲|"
    r"\b(?:inc|corp|corporation|co\.?,?\s*ltd|k\.k|llc|ltd)\b\.?",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"部長|課長|係長|主任|室長|所長|本部長|支店長|取締役|社長|代表|役員|担当|マネージャー|"
    r"リーダー|エンジニア|部|課|室|\b(?:manager|director|president|ceo|cto|cio|engineer|"
    r"head|officer|lead|sales|representative)\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"都|道|府|県|市|区|町|村|丁目|番地|ビル|階|Tokyo|Osaka|Japan|\d+-\d+-\d+")
_MOBILE = re.compile(r"携帯|mobile|cell|m\s*[:.]", re.IGNORECASE)
_FAX = re.compile(r"fax|ファックス|ファクス", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?:tel|phone|fax|mobile|cell|e-?mail|mail|url|web|携帯|電話|住所|〒)\s*[:：.]?\s*",
    re.IGNORECASE,
)


#: Prefecture → the region codes of models.catalogue.REGIONS.
_PREFECTURE_REGIONS = {
    "hokkaido": ("北海道",),
    "tohoku": ("青森", "岩手", "宮城", "秋田", "山形", "福島"),
    "kanto": ("茨城", "栃木", "群馬", "埼玉", "千葉", "東京", "神奈川"),
    "chubu": ("新潟", "富山", "石川", "福井", "山梨", "長野", "岐阜", "静岡", "愛知"),
    "kinki": ("三重", "滋賀", "京都", "大阪", "兵庫", "奈良", "和歌山"),
    "chugoku": ("鳥取", "島根", "岡山", "広島", "山口"),
    "shikoku": ("徳島", "香川", "愛媛", "高知"),
    "kyushu": ("福岡", "佐賀", "長崎", "熊本", "大分", "宮崎", "鹿児島", "沖縄"),
}


def region_of(address: str) -> str | None:
    """The region of a Japanese address, from the prefecture it starts with."""
    head = (address or "").lstrip("〒0123456789- ")[:4]
    for region, prefectures in _PREFECTURE_REGIONS.items():
        if any(head.startswith(p) for p in prefectures):
            return region
    return None


@dataclass
class CardReading:
    """What OCR made of a card: the raw text and the fields picked out of it."""

    available: bool
    text: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def _normalise(text: str) -> str:
    """Fold full-width letters and digits, unify dashes, drop OCR's stray spaces in addresses."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[‐‑‒–—―−ー－]", lambda m: "-" if m.group() != "ー" else m.group(), text)
    return text


def _tidy_line(line: str) -> str:
    """One OCR line without the spaces Tesseract puts between Japanese characters."""
    line = _normalise(line).strip()
    # Spaces between two CJK characters are OCR artefacts, not words.
    line = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])", "", line)
    return line


def _compact(text: str) -> str:
    """A line with every space removed around '@', '.', '-', for e-mails, URLs and phones."""
    return re.sub(r"\s*([@.\-:/])\s*", r"\1", text)


def parse_card_text(text: str, heights: dict[str, float] | None = None) -> dict[str, str]:
    """Pick prospect fields out of a card's text; ``heights`` (line → size) helps find the name."""
    lines = [_tidy_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    found: dict[str, str] = {}
    used: set[int] = set()

    for i, line in enumerate(lines):
        compact = _compact(line)
        email = _EMAIL.search(compact)
        if email and "contact_email" not in found:
            found["contact_email"] = email.group().lower().strip(".")
            used.add(i)
            continue
        # A postcode (〒100-0005) looks like the start of a phone number: leave it out.
        without_postcode = _POSTCODE.sub(" ", compact) if "〒" in compact else compact
        phones = [
            m.group()
            for m in _PHONE.finditer(without_postcode)
            if len(re.sub(r"\D", "", m.group())) >= 9
        ]
        if phones:
            used.add(i)
            if _FAX.search(line):
                continue
            number = re.sub(r"[\s().]+", "-", phones[0]).strip("-")
            if _MOBILE.search(line):
                found.setdefault("contact_phone", number)
            else:
                found.setdefault("phone", number)
            continue
        url = _URL.fullmatch(_LABEL.sub("", compact))
        if url and "." in url.group() and not _COMPANY.search(line):
            site = url.group()
            found.setdefault("website", site if site.startswith("http") else f"https://{site}")
            used.add(i)

    for i, line in enumerate(lines):
        if i in used:
            continue
        if "company_name" not in found and _COMPANY.search(line):
            found["company_name"] = line
            used.add(i)
        elif "address" not in found and (
            _POSTCODE.search(line) or (len(_ADDRESS.findall(line)) >= 2 and len(line) >= 8)
        ):
            address = _LABEL.sub("", line)
            # The street often continues on the next line (building, floor).
            nxt = i + 1
            if (
                nxt < len(lines)
                and nxt not in used
                and _ADDRESS.search(lines[nxt])
                and not _COMPANY.search(lines[nxt])
                and not _EMAIL.search(lines[nxt])
            ):
                address = f"{address} {lines[nxt]}"
                used.add(nxt)
            found["address"] = _POSTCODE.sub("", address).strip(" 〒")
            used.add(i)

    for i, line in enumerate(lines):
        if i in used:
            continue
        if "contact_title" not in found and _TITLE.search(line) and len(line) <= 40:
            found["contact_title"] = line
            used.add(i)

    candidates = [
        (i, line)
        for i, line in enumerate(lines)
        if i not in used and 2 <= len(line.replace(" ", "")) <= 30 and not re.search(r"\d", line)
    ]
    if candidates:
        if heights:
            i, name = max(candidates, key=lambda c: heights.get(c[1], 0))
        else:
            i, name = candidates[0]
        found["contact_name"] = name
    if "contact_phone" not in found and "phone" in found:
        found["contact_phone"] = found["phone"]
    if "phone" not in found and "contact_phone" in found:
        found["phone"] = found["contact_phone"]
    if "website" not in found and "contact_email" in found:
        domain = found["contact_email"].split("@", 1)[1]
        if domain.split(".")[0] not in ("gmail", "yahoo", "outlook", "hotmail", "icloud"):
            found["website"] = f"https://{domain}"
    region = region_of(found.get("address", ""))
    if region:
        found["region"] = region
    title = found.get("contact_title", "")
    if "contact_name" in found and re.search(r"代表取締役|社長|president|ceo", title, re.I):
        found["representative"] = found["contact_name"]
    return found


def _prepared(data: bytes) -> Image.Image:
    """A grey, upright, reasonably sized image for Tesseract."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("L")
    image.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
    if max(image.size) < 1200:
        scale = 1200 / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    return ImageOps.autocontrast(image)


def _lines_with_heights(data: dict) -> tuple[str, dict[str, float]]:
    """Rebuild lines from Tesseract's word boxes, with each line's text height."""
    lines: dict[tuple, list[tuple[int, str, int]]] = {}
    for i, word in enumerate(data["text"]):
        if not word.strip() or float(data["conf"][i]) < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append((data["left"][i], word, data["height"][i]))
    texts, heights = [], {}
    for key in sorted(lines):
        words = sorted(lines[key])
        line = " ".join(w for _, w, _ in words)
        tidy = _tidy_line(line)
        texts.append(line)
        sizes = sorted(h for _, _, h in words)
        heights[tidy] = sizes[len(sizes) // 2]
    return "\n".join(texts), heights


def read_card(data: bytes) -> CardReading:
    """OCR a card photo (Japanese and English); an unavailable Tesseract gives an empty reading."""
    import pytesseract

    config = current_app.config
    pytesseract.pytesseract.tesseract_cmd = config.get("TESSERACT_CMD") or "tesseract"
    languages = config.get("TESSERACT_LANGUAGES") or "jpn+eng"
    timeout = config.get("TESSERACT_TIMEOUT", 60)
    try:
        image = _prepared(data)
        boxes = pytesseract.image_to_data(
            image,
            lang=languages,
            config="--psm 3",
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except (pytesseract.TesseractNotFoundError, FileNotFoundError, PermissionError):
        log.warning("Tesseract is not installed; business cards are typed in by hand")
        return CardReading(available=False)
    except (pytesseract.TesseractError, RuntimeError, OSError) as err:
        log.warning("Tesseract could not read a card: %s", err)
        return CardReading(available=False)
    text, heights = _lines_with_heights(boxes)
    return CardReading(available=True, text=text, fields=parse_card_text(text, heights))
