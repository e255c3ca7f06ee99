"""Japanese and English: complete catalogues, the user's language, Tokyo time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime

ROOT = Path(__file__).resolve().parent.parent / "leadshare" / "translations"


def _catalogue(lang: str):
    with open(ROOT / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_message_is_translated(lang):
    with open(ROOT / "messages.pot", "rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    catalogue = _catalogue(lang)
    translated = {
        m.id
        for m in catalogue
        if m.id
        and (m.string if isinstance(m.string, str) else all(m.string))
        and "fuzzy" not in m.flags
    }
    missing = sorted(str(m) for m in template - translated)
    assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:5]}"


def test_japanese_translations_are_japanese():
    """A msgstr copied from English by mistake is caught: most entries contain Japanese."""
    catalogue = _catalogue("ja")
    entries = [m for m in catalogue if m.id and isinstance(m.string, str) and len(m.id) > 12]
    japanese = [m for m in entries if any("\u3040" <= ch <= "\u9fff" for ch in m.string)]
    assert len(japanese) >= 0.9 * len(entries)


def test_times_are_shown_in_tokyo_by_default(app):
    moment = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("ja"):
            assert "0:30" in format_datetime(moment, "short")  # 15:30 UTC is 00:30 in Tokyo
        with force_locale("en"):
            assert "12:30" in format_datetime(moment, "short")


def test_the_time_zone_is_configurable(app):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    moment = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)
    with app.test_request_context(), force_locale("en"):
        assert "3:30" in format_datetime(moment, "short")


def test_a_user_can_switch_language(world, client, auth):
    auth.login("manager@alpha.example")
    from tests.conftest import csrf_token

    client.post(
        "/language",
        data={"locale": "ja", "next": "/leads", "csrf_token": csrf_token(client, "/leads")},
    )
    assert "ログアウト" in client.get("/leads").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/leads"})
    assert "Log out" in client.get("/leads").get_data(as_text=True)


def test_idle_sessions_expire(world, client, auth, app):
    auth.login("manager@alpha.example")
    assert client.get("/leads").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= app.config["SESSION_IDLE_TIMEOUT"].total_seconds() + 1
    response = client.get("/leads")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sessions_have_an_absolute_lifetime(world, client, auth, app):
    auth.login("manager@alpha.example")
    with client.session_transaction() as session:
        session["login_at"] -= app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() + 1
    assert client.get("/leads").status_code == 302
