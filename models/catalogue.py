"""Reference lists shared by the domain: regions of Japan, product lines, bands.

Codes are stored; labels are translated at display time.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REGIONS: dict[str, object] = {
    "hokkaido": _l("Hokkaido"),
    "tohoku": _l("Tohoku"),
    "kanto": _l("Kanto"),
    "chubu": _l("Chubu"),
    "kinki": _l("Kinki"),
    "chugoku": _l("Chugoku"),
    "shikoku": _l("Shikoku"),
    "kyushu": _l("Kyushu / Okinawa"),
}

PRODUCT_LINES: dict[str, object] = {
    "servers": _l("Servers"),
    "storage": _l("Storage"),
    "software": _l("Business software"),
    "cloud": _l("Cloud services"),
    "security": _l("Security"),
    "services": _l("Maintenance & services"),
}

INDUSTRIES: dict[str, object] = {
    "manufacturing": _l("Manufacturing"),
    "retail": _l("Retail"),
    "finance": _l("Finance"),
    "healthcare": _l("Healthcare"),
    "logistics": _l("Logistics"),
    "construction": _l("Construction"),
    "public": _l("Public sector"),
    "services": _l("Services"),
}

SIZE_BANDS: dict[str, object] = {
    "1-49": _l("1–49 employees"),
    "50-299": _l("50–299 employees"),
    "300-999": _l("300–999 employees"),
    "1000+": _l("1,000+ employees"),
}


def label(catalogue: dict[str, object], code: str | None) -> str:
    """The translated label of a code, or the code itself when unknown."""
    if code is None:
        return ""
    return str(catalogue.get(code, code))
