"""``/healthz``: 200 when the app and its database answer, 503 otherwise."""

import sqlalchemy as sa
from flask import Blueprint, current_app
from sqlalchemy.exc import SQLAlchemyError

from leadshare.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Check the database with a trivial query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unavailable")
        db.session.rollback()
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}, 200
