"""Configuration classes. Secrets and URLs come from the environment, never from the code."""

from __future__ import annotations

import os
from datetime import timedelta


def database_url(url: str | None) -> str | None:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    #: Absolute lifetime of a login, and how long it survives without a request.
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    #: How often a session's last-seen time is written (not on every request).
    SESSION_SEEN_INTERVAL = timedelta(minutes=1)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: Whole request; one uploaded file may be FILES_MAX_BYTES, so a refusal can be
    #: explained next to the field rather than by a bare 413.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    #: Uploaded files (lead documents, card photos): a directory outside the web root
    #: (default instance/files), or an S3-compatible bucket when FILES_S3_BUCKET is set.
    FILES_DIR: str | None = None
    FILES_MAX_BYTES = 10 * 1024 * 1024
    FILES_MAX_IMAGE_PIXELS = 40_000_000
    FILES_S3_BUCKET: str | None = None
    FILES_S3_ENDPOINT_URL: str | None = None
    FILES_S3_REGION: str | None = None
    #: OCR of business cards (Debian: tesseract-ocr, tesseract-ocr-jpn).
    TESSERACT_CMD = "tesseract"
    TESSERACT_LANGUAGES = "jpn+eng"
    TESSERACT_TIMEOUT = 60

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = "30 per minute"
    LOGIN_FAILURE_LIMIT = "5 per minute;20 per hour"

    MAIL_DEFAULT_SENDER = "LeadShare <no-reply@leadshare.example>"
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    #: Seconds for connecting to the mail server and for each SMTP command.
    MAIL_TIMEOUT = 30
    #: Public base URL used in e-mails (links back to the portal).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    #: When an offer expires, offer the lead to the next partner of the ranking by itself
    #: (env FLASK_LEADSHARE_AUTO_REOFFER=true). Off by default: staff choose.
    LEADSHARE_AUTO_REOFFER = False
    #: "smtp" or "file" (.eml under instance/mail/). Empty: SMTP when MAIL_SERVER is set,
    #: else files — except in production, where delivery then refuses to start.
    OUTBOX_BACKEND = ""
    #: Temporary failures (4xx, network, timeout) are retried with back-off for this long.
    OUTBOX_RETRY_HOURS = 24
    #: How long a delivery pass holds a message it is sending (a crashed pass lets go then).
    OUTBOX_LEASE_SECONDS = 600
    #: Delivery results are committed in groups of this many (and at most a second apart).
    OUTBOX_COMMIT_EVERY = 20
    #: The outbox worker recomputes the report snapshot (staff home, dashboard) when it is
    #: older than this many seconds; 0 leaves it to cron (`flask reports refresh`).
    REPORTS_REFRESH_SECONDS = 300
    #: Proxies in front of the app that set X-Forwarded-For/-Proto/-Host (werkzeug ProxyFix);
    #: 0 trusts no header, so the login throttle keys on the connecting address.
    TRUSTED_PROXIES = 0
    #: Calls per API token (Flask-Limiter syntax); storage as RATELIMIT_STORAGE_URI.
    API_RATE_LIMIT = "120 per minute;5000 per hour"
    #: Webhook deliveries: tries before "failed", seconds to wait for an answer.
    WEBHOOK_MAX_ATTEMPTS = 10
    WEBHOOK_TIMEOUT = 10
    #: Plain http:// endpoints and private, loopback or link-local addresses as targets:
    #: only for development and tests (in production they would let a partner probe
    #: the vendor's own network).
    WEBHOOK_ALLOW_HTTP = False
    WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    FLASK_ADMIN_SWATCH = "default"
    PRODUCTION = False
    #: Administrators must set up two-factor authentication before using the product
    #: (on in production; in development it is offered, so the demo logins work as documented).
    TWO_FACTOR_REQUIRED_FOR_ADMINS = False


class DevelopmentConfig(Config):
    """``make run``: an SQLite file in the instance folder."""

    WEBHOOK_ALLOW_HTTP = True
    WEBHOOK_ALLOW_PRIVATE_TARGETS = True


class TestingConfig(Config):
    """The test suite: in-memory SQLite unless TEST_DATABASE_URL is set."""

    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - only for tests
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    RATELIMIT_ENABLED = True
    WEBHOOK_ALLOW_HTTP = True
    WEBHOOK_ALLOW_PRIVATE_TARGETS = True


class ProductionConfig(Config):
    """Production: PostgreSQL, secure cookies, Redis-backed rate limits."""

    PRODUCTION = True
    TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
