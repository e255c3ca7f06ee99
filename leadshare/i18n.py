"""Language and time zone: the user's setting, else the browser's, else Japanese / Tokyo."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from models.base import business_zone
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS, label
from models.labels import label as enum_or_flag_label
from models.users import LANGUAGE_NAMES, LANGUAGES


def select_locale() -> str:
    """The logged-in user's language, else the one chosen this session, else Accept-Language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # API callers carry no session: their language is the request's Accept-Language.
        return (
            request.accept_languages.best_match(LANGUAGES)
            or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    if current_user and current_user.is_authenticated:
        return current_user.locale.value
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    return (
        request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    """The user's own time zone, else the business time zone (``models.base.business_zone``)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.zone.key
    return business_zone().key


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A timestamp in the user's zone and language; empty for ``None``."""
    return format_datetime(value, fmt) if value else ""


def _date(value: date | None, fmt: str = "medium") -> str:
    """A date in the user's language; empty for ``None``."""
    return format_date(value, fmt) if value else ""


def _yen(value: int | None) -> str:
    """An amount in yen, formatted for the user's language."""
    return format_currency(value, "JPY") if value is not None else ""


def init_app(app: Flask) -> None:
    """Expose formatting helpers and catalogue labels to templates."""
    app.jinja_env.filters.update(
        datetime=_datetime,
        date=_date,
        yen=_yen,
        label=enum_or_flag_label,
        number=lambda v: format_decimal(v) if v is not None else "",
    )
    app.jinja_env.globals.update(
        region_label=lambda code: label(REGIONS, code),
        product_label=lambda code: label(PRODUCT_LINES, code),
        industry_label=lambda code: label(INDUSTRIES, code),
        size_label=lambda code: label(SIZE_BANDS, code),
        languages={locale.value: name for locale, name in LANGUAGE_NAMES.items()},
    )

    @app.context_processor
    def _locale_context():
        from flask_babel import get_locale

        locale = get_locale()
        current = str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"]
        return {"current_locale": current, "_": _}
