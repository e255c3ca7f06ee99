"""Static files for slow lines: fingerprinted URLs cached for a year, compressed responses.

Every ``url_for`` of a static endpoint (the app's and each blueprint's, Flask-
Admin's included) gets ``?v=<hash of the file's content>``. A request carrying
the current hash is answered with ``Cache-Control: public, max-age=31536000,
immutable``, so a browser never revalidates an asset it has; a changed file
gets a new URL. A request without it (or with an old hash) keeps Flask's
revalidating default. HTML, CSS, JS and JSON are compressed by Flask-Compress.

Why not Flask-Static-Digest: it needs a build step and registers a ``flask digest``
command that collides with the daily digest's.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=1024)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """The first 12 hex digits of the file's SHA-256 (cached per path and modification)."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            sha.update(chunk)
    return sha.hexdigest()[:12]


def fingerprint(folder: str | None, filename: str) -> str | None:
    """The content hash of ``filename`` in the static ``folder``, or None if it is not there."""
    if not folder:
        return None
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _static_folder(endpoint: str) -> str | None:
    """The folder a static endpoint serves: the app's, or its blueprint's."""
    app = current_app
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


def _add_fingerprint(endpoint: str | None, values: dict[str, Any]) -> None:
    """``url_defaults`` hook: add ``v=<hash>`` to static URLs that do not carry a version."""
    if not endpoint or not (endpoint == "static" or endpoint.endswith(".static")):
        return
    if "v" in values or "filename" not in values:
        return
    digest = fingerprint(_static_folder(endpoint), values["filename"])
    if digest:
        values["v"] = digest


def _cache_fingerprinted(response):
    """A static response asked for with its current hash is cached for a year."""
    endpoint = request.endpoint or ""
    if not (endpoint == "static" or endpoint.endswith(".static")):
        return response
    if response.status_code == 200 and response.is_streamed:
        # Read the (small) file now and close it at once: Flask-Compress then compresses it
        # in one piece, and no file is left open for a server or client that never closes
        # the response (a browser that drops the connection, an unread test response).
        close_file = getattr(response.response, "close", None)
        response.direct_passthrough = False
        response.make_sequence()
        if close_file is not None:
            close_file()
    version = request.args.get("v")
    if not version:
        return response
    filename = (request.view_args or {}).get("filename", "")
    if response.status_code == 200 and fingerprint(_static_folder(endpoint), filename) == version:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    """Fingerprint static URLs and cache them; compress what is worth compressing."""
    from leadshare.extensions import compress

    # Flask runs after_request hooks in reverse order of registration: compression,
    # registered first, runs last, on the final response.
    compress.init_app(app)
    app.url_defaults(_add_fingerprint)
    app.after_request(_cache_fingerprinted)


__all__ = ["ONE_YEAR", "fingerprint", "init_app"]
