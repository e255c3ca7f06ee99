"""The periodic jobs, one run at a time per database: the SLA sweep and the digest.

Cron and every outbox worker may start them at the same moment. Each run takes
a lock named after the job (:mod:`leadshare.locks`); a run that finds it taken
skips, says so and returns ``None`` — the run in progress does the work.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from leadshare.extensions import db
from leadshare.locks import run_alone

log = logging.getLogger(__name__)


def run_sweep():
    """Run and commit the SLA sweep; ``None`` when another sweep holds the lock."""
    from models.sla import sweep

    with run_alone("sla-sweep") as got:
        if not got:
            log.info("SLA sweep skipped: another sweep is running")
            return None
        try:
            report = sweep(auto_reoffer=bool(current_app.config.get("LEADSHARE_AUTO_REOFFER")))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return report


def run_digest() -> int | None:
    """Queue and commit today's digests; ``None`` when another run holds the lock."""
    from models.digest import queue_digests

    with run_alone("digest") as got:
        if not got:
            log.info("digest skipped: another digest run is in progress")
            return None
        try:
            queued = queue_digests()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return queued


def run_reports_refresh(max_age: timedelta | None = None):
    """Recompute and commit the report snapshot; ``None`` when another refresh holds the
    lock, or when the snapshot is younger than ``max_age``."""
    from admin.reports import SNAPSHOT, refresh_reports
    from models.base import utcnow
    from models.snapshots import load_snapshot

    with run_alone("reports-refresh") as got:
        if not got:
            log.info("reports refresh skipped: another refresh is running")
            return None
        stored = load_snapshot(db.session, SNAPSHOT) if max_age is not None else None
        if stored is not None and utcnow() - stored.computed_at < max_age:
            db.session.rollback()
            return None
        try:
            snapshot = refresh_reports()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return snapshot
