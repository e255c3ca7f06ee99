"""Production set-up: compression, fingerprinted static files, proxies, what the package ships."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leadshare import create_app
from leadshare.assets import ONE_YEAR
from leadshare.extensions import db
from models import Base, Role
from tests import factories

ROOT = Path(__file__).resolve().parents[1]


def test_pages_are_compressed(client):
    """A browser that accepts gzip gets the login page compressed, and it decodes to the page."""
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"<html" in gzip.decompress(response.get_data())


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    """Asset URLs carry the content hash; those URLs are cached a year, compressed on the way."""
    html = client.get("/login").get_data(as_text=True)
    (css,) = re.findall(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html)
    with client.get(css, headers={"Accept-Encoding": "br"}) as response:
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert f"max-age={ONE_YEAR}" in cache and "immutable" in cache and "public" in cache
        assert response.headers["Content-Encoding"] == "br"
        assert response.get_data()
    # Without the current hash (an old page, a hand-typed URL) the browser revalidates.
    for url in ("/static/css/app.css?v=000000000000", "/static/css/app.css"):
        with client.get(url) as response:
            assert "immutable" not in response.headers.get("Cache-Control", "")


def test_blueprint_assets_are_fingerprinted_too(app):
    """The portal's own stylesheet gets a hash as well."""
    from flask import url_for

    with app.test_request_context():
        assert re.search(
            r"portal\.css\?v=[0-9a-f]{12}$", url_for("leads.static", filename="portal.css")
        )


@pytest.fixture
def proxied():
    """Build apps behind ``proxies`` trusted proxies, with the login throttle on."""
    apps = []

    def build(proxies: int):
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI="sqlite://",  # about the proxy, not the database
            TRUSTED_PROXIES=proxies,
            RATELIMIT_ENABLED=True,
            WTF_CSRF_ENABLED=False,
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            org = factories.partner(f"proxy{proxies}")
            factories.user(org, Role.PARTNER_MANAGER, f"manager@proxy{proxies}.example")
            db.session.commit()
            db.session.remove()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _login(client, email: str, password: str, client_address: str):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": client_address},
    )


def test_behind_a_trusted_proxy_the_throttle_keys_on_the_real_client(proxied):
    """TRUSTED_PROXIES=1: an attacker's failures do not lock the user out from their own address."""
    app = proxied(1)
    client = app.test_client()
    email = "manager@proxy1.example"
    for _ in range(5):
        assert _login(client, email, "wrong", "203.0.113.66").status_code == 200
    assert _login(client, email, "wrong", "203.0.113.66").status_code == 429
    assert _login(client, email, factories.PASSWORD, "198.51.100.7").status_code == 302


def test_without_trusted_proxies_a_forged_header_does_not_dodge_the_throttle(proxied):
    """TRUSTED_PROXIES=0 (the default): X-Forwarded-For is ignored; forging it changes nothing."""
    app = proxied(0)
    client = app.test_client()
    email = "manager@proxy0.example"
    for i in range(5):
        assert _login(client, email, "wrong", f"203.0.113.{i}").status_code == 200
    assert _login(client, email, "wrong", "203.0.113.99").status_code == 429


def test_the_package_build_ships_catalogues_migrations_and_wsgi(tmp_path):
    """The build step of `pip install .` compiles the catalogues and copies the migrations in."""
    build = tmp_path / "lib"
    result = subprocess.run(  # noqa: S603 - the project's own build step
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(build)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    package = build / "leadshare"
    for lang in ("ja", "en"):
        mo = package / "translations" / lang / "LC_MESSAGES" / "messages.mo"
        assert mo.stat().st_size > 1000
    with (package / "translations/ja/LC_MESSAGES/messages.mo").open("rb") as handle:
        from babel.messages.mofile import read_mo

        assert read_mo(handle).get("Log in").string == "ログイン"
    assert (package / "migrations" / "env.py").is_file()
    assert (package / "migrations" / "alembic.ini").is_file()
    revisions = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert revisions <= {p.name for p in (package / "migrations" / "versions").glob("*.py")}
    assert (build / "wsgi.py").is_file()


def test_the_app_finds_migrations_inside_the_installed_package(tmp_path, monkeypatch):
    """Installed (leadshare/migrations exists), Flask-Migrate uses the package's copy."""
    from leadshare import migrations_directory

    app = create_app("testing")
    assert migrations_directory(app) == ROOT / "migrations"  # a checkout
    packaged = tmp_path / "leadshare"
    (packaged / "migrations").mkdir(parents=True)
    (packaged / "migrations" / "env.py").write_text("")
    monkeypatch.setattr(app, "root_path", str(packaged))
    assert migrations_directory(app) == packaged / "migrations"
