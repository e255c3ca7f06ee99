"""Outbox delivery: render each queued message in its recipient's language and send it.

Messages are rows of :class:`models.outbox.OutboxMessage`, written in the same
transaction as the change that caused them. :func:`deliver_due` sends the due
ones in batches (docs/operations.md has the guarantees and the fault table):

- a batch of due messages is selected in one query and leased
  (``leased_until``) in one transaction — with ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, so several workers share the queue; on SQLite a whole delivery
  pass holds a lock (:mod:`leadshare.locks`), so two passes never overlap;
- the batch goes out over ONE SMTP connection, every socket operation bounded
  by ``MAIL_TIMEOUT`` seconds, and each message keeps one Message-ID across
  attempts, so a receiver can recognise a resend;
- results are committed in groups (``OUTBOX_COMMIT_EVERY``, default 20, at
  most a second apart, a failure at once): sent; failed for good on a permanent
  refusal (5xx) with its reason; retried with back-off (1, 2, 4 … minutes, at
  most an hour) on a temporary one (4xx, network, timeout) until
  ``OUTBOX_RETRY_HOURS`` have passed since the first failure;
- a pass that dies mid-batch leaves its uncommitted messages leased: after the
  lease they are sent once more, with the same Message-ID;
- the file backend (``.eml`` under ``instance/mail/``) is used without a mail
  server outside production, or when ``OUTBOX_BACKEND=file`` says so; production
  without a mail server refuses to deliver (:class:`MailNotConfigured`).

Rendering and the MIME message are :mod:`leadshare.mail`.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.multipart import MIMEMultipart
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from leadshare.extensions import db
from leadshare.locks import run_alone
from leadshare.mail import render_message, to_email_message
from models.base import utcnow
from models.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


class MailNotConfigured(RuntimeError):
    """Production without a mail server: refuse to deliver rather than pretend."""


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    #: True when another pass held the SQLite delivery lock and this one did nothing.
    skipped: bool = False
    errors: list[str] = field(default_factory=list)


class TemporaryFailure(Exception):
    """The server or the network said "not now": retry later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): do not retry."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes after the 1st, 2nd, 3rd … failure."""
    return min(MAX_BACKOFF, timedelta(minutes=2 ** min(max(0, attempts - 1), 10)))


def mail_backend(config: dict[str, Any]) -> str:
    """``"smtp"`` or ``"file"`` for this configuration; raise when production has no server.

    ``OUTBOX_BACKEND`` chooses explicitly. Without it: SMTP when ``MAIL_SERVER``
    is set, the ``.eml`` files outside production, and in production an error.
    """
    chosen = (config.get("OUTBOX_BACKEND") or "").strip().lower()
    if chosen not in ("", "smtp", "file"):
        raise MailNotConfigured(f"OUTBOX_BACKEND must be smtp or file, not {chosen!r}")
    if chosen == "file":
        return "file"
    if config.get("MAIL_SERVER"):
        return "smtp"
    if chosen == "smtp" or config.get("PRODUCTION"):
        raise MailNotConfigured(
            "No mail server: set FLASK_MAIL_SERVER (and FLASK_MAIL_PORT …), or set "
            "FLASK_OUTBOX_BACKEND=file to write messages as files on purpose."
        )
    return "file"


def _sender_domain(sender: str) -> str:
    """The domain of the sender address, for Message-IDs."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "leadshare.invalid"


def _lease_batch(now: datetime, size: int, lease: timedelta) -> list[OutboxMessage]:
    """Select up to ``size`` due messages in one query and lease them; committed."""
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until <= now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(size)
        .options(selectinload(OutboxMessage.recipient))
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    messages = list(db.session.scalars(query))
    domain = _sender_domain(current_app.config["MAIL_DEFAULT_SENDER"])
    for message in messages:
        message.leased_until = now + lease
        if message.message_id is None:
            message.message_id = make_msgid(domain=domain)
    db.session.commit()
    return messages


def _write_eml(message: OutboxMessage, mime: MIMEMultipart) -> Path:
    """Write the message as an .eml file under instance/mail/ (the file backend)."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:08d}-{message.kind}.eml"
    path.write_bytes(mime.as_bytes())
    return path


class SmtpSender:
    """One SMTP connection for a batch, opened on first use; every operation time-bounded."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        timeout = float(config.get("MAIL_TIMEOUT") or 30)
        host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
        if config.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        return smtp

    def send(self, mime: MIMEMultipart) -> None:
        """Send one message; raise :class:`PermanentFailure` or :class:`TemporaryFailure`."""
        try:
            if self.smtp is None:
                self.smtp = self._open()
            self.smtp.send_message(mime)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message: its reply decides.
            code, reply = next(iter(exc.recipients.values()))
            raise _classify(code, reply) from exc
        except smtplib.SMTPResponseException as exc:
            # smtplib resets the transaction after a refused MAIL, RCPT or DATA,
            # so the connection stays usable unless the server closed it.
            if exc.smtp_code in (421, -1):
                self.close()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    @property
    def broken(self) -> bool:
        """Whether the last failure closed the connection (the server is unreachable)."""
        return self.smtp is None

    def close(self) -> None:
        """Say goodbye when possible; a dead connection is just dropped."""
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            with contextlib.suppress(OSError):
                smtp.close()


def _classify(code: int, reply: bytes | str) -> Exception:
    """5xx is permanent, everything else temporary."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    reason = f"{code} {text}".strip()
    if 500 <= code < 600:
        return PermanentFailure(reason)
    return TemporaryFailure(reason)


def _record(message: OutboxMessage, now: datetime, error: Exception | None) -> str:
    """Write one attempt's result on the row; return ``sent``, ``retried`` or ``failed``."""
    message.attempts += 1
    message.leased_until = None
    if error is None:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = None
        message.retry_since = None
        return "sent"
    message.last_error = str(error)[:2000]
    window = timedelta(hours=float(current_app.config.get("OUTBOX_RETRY_HOURS", 24)))
    if message.retry_since is None:
        message.retry_since = now
    if isinstance(error, PermanentFailure) or now - message.retry_since >= window:
        message.status = OutboxStatus.FAILED
        message.failed_at = now
        return "failed"
    message.next_attempt_at = now + backoff(message.attempts)
    return "retried"


def _release(messages: list[OutboxMessage]) -> None:
    """Give leased messages back untried (stopping, or the lease is running out)."""
    for message in messages:
        message.leased_until = None
    db.session.commit()


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = 500,
    batch_size: int = 50,
    worker: str = "worker",
    stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` due messages, one SMTP connection per batch; return what happened.

    Raises :class:`MailNotConfigured` in production without a mail server.
    """
    config = current_app.config
    backend = mail_backend(config)
    if db.engine.dialect.name == "postgresql":
        return _deliver(backend, now, limit, batch_size, worker, stop)
    with run_alone("outbox-delivery") as got:
        if not got:
            log.info("%s: another delivery pass is running; skipped", worker)
            return DeliveryReport(skipped=True)
        return _deliver(backend, now, limit, batch_size, worker, stop)


def _deliver(
    backend: str,
    now: datetime | None,
    limit: int,
    batch_size: int,
    worker: str,
    stop: Callable[[], bool] | None,
) -> DeliveryReport:
    """The delivery pass proper (the caller holds the lock where one is needed).

    The lease is committed at once, results in groups; the leased batch stays loaded
    (nobody else may change it) instead of being read back after every commit.
    """
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        return _deliver_batches(backend, now, limit, batch_size, worker, stop)
    finally:
        session.expire_on_commit = expire_on_commit


def _deliver_batches(
    backend: str,
    now: datetime | None,
    limit: int,
    batch_size: int,
    worker: str,
    stop: Callable[[], bool] | None,
) -> DeliveryReport:
    """Lease and send batches until ``limit`` messages were tried or none is due."""
    report = DeliveryReport()
    lease = timedelta(seconds=float(current_app.config.get("OUTBOX_LEASE_SECONDS", 600)))
    while report.sent + report.retried + report.failed < limit:
        if stop is not None and stop():
            break
        started = now or utcnow()
        batch = _lease_batch(started, min(batch_size, limit), lease)
        if not batch:
            break
        # Stop sending well before the lease ends, so no other pass takes a message
        # this one is still sending.
        deadline = started + lease * 0.8
        sender = SmtpSender(current_app.config) if backend == "smtp" else None
        try:
            reachable = _send_batch(batch, sender, report, worker, now, deadline, stop)
        finally:
            if sender is not None:
                sender.close()
        db.session.rollback()
        if not reachable:
            # The server is down or hanging: the next pass tries again, after the sweep.
            break
    return report


def _send_batch(
    batch: list[OutboxMessage],
    sender: SmtpSender | None,
    report: DeliveryReport,
    worker: str,
    now: datetime | None,
    deadline: datetime,
    stop: Callable[[], bool] | None,
) -> bool:
    """Send one leased batch, committing results in groups; False if the server was unreachable."""
    unreachable: Exception | None = None
    pending = _Results(worker, int(current_app.config.get("OUTBOX_COMMIT_EVERY", 20)))
    for index, message in enumerate(batch):
        if (stop is not None and stop()) or utcnow() >= deadline:
            pending.commit()
            _release(batch[index:])
            return unreachable is None
        if unreachable is not None:
            # The connection broke (timeout, refused, hung up): the rest of the batch waits
            # for a later pass instead of each message timing out in turn.
            error: Exception | None = TemporaryFailure(f"not tried, server failed: {unreachable}")
        else:
            error = _send_one(message, sender)
            if error is not None and sender is not None and sender.broken:
                unreachable = error
        outcome = _record(message, now or utcnow(), error)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if error is not None:
            report.errors.append(f"{message.id}: {error}")
            log.warning(
                "%s: message %s (%s) to %s %s: %s",
                worker,
                message.id,
                message.kind,
                message.to_email,
                "FAILED for good" if outcome == "failed" else "will be retried",
                error,
            )
        pending.add(message, urgent=error is not None)
    pending.commit()
    return unreachable is None


def _send_one(message: OutboxMessage, sender: SmtpSender | None) -> Exception | None:
    """Render and send one message; return the failure, or ``None`` when it went out."""
    try:
        mime = to_email_message(message, render_message(message))
    except Exception as exc:  # noqa: BLE001 - a template bug fails this message only
        return PermanentFailure(f"cannot render: {type(exc).__name__}: {exc}")
    try:
        if sender is None:
            _write_eml(message, mime)
        else:
            sender.send(mime)
    except (PermanentFailure, TemporaryFailure) as exc:
        return exc
    except OSError as exc:  # the file backend's disk
        return TemporaryFailure(f"{type(exc).__name__}: {exc}")
    return None


#: The columns a delivery attempt writes (written again if the first COMMIT fails).
_RESULT_COLUMNS = (
    "status",
    "attempts",
    "sent_at",
    "failed_at",
    "last_error",
    "next_attempt_at",
    "retry_since",
    "leased_until",
)


class _Results:
    """Delivery results waiting for their COMMIT: every ``every`` messages, after a second,
    and at once after a failure.

    One COMMIT per message was a fifth of the delivery time. A pass that dies
    before committing a group leaves those messages leased: after the lease they
    are sent once more with the same Message-ID, as after any crash mid-send.
    """

    def __init__(self, worker: str, every: int) -> None:
        self.worker = worker
        self.every = max(1, every)
        self.messages: list[OutboxMessage] = []
        self.since = time.monotonic()

    def add(self, message: OutboxMessage, *, urgent: bool = False) -> None:
        """Note ``message``'s recorded result; commit when the group is due."""
        self.messages.append(message)
        if urgent or len(self.messages) >= self.every or time.monotonic() - self.since >= 1:
            self.commit()

    def commit(self) -> None:
        """Commit the group; after a database error try once more, else leave the leases to expire.

        Until a lease runs out no pass sends its message again; after it, the
        message goes once more with the same Message-ID (at-least-once, recognisable).
        """
        messages, self.messages, self.since = self.messages, [], time.monotonic()
        if not messages:
            return
        try:
            db.session.commit()
            return
        except sa.exc.SQLAlchemyError:
            log.exception("%s: could not record %d results (try 1)", self.worker, len(messages))
        values = [
            {"id": m.id, **{column: getattr(m, column) for column in _RESULT_COLUMNS}}
            for m in messages
        ]
        db.session.rollback()
        try:
            for row in values:
                db.session.execute(
                    sa.update(OutboxMessage)
                    .where(OutboxMessage.id == row["id"])
                    .values({k: v for k, v in row.items() if k != "id"})
                    .execution_options(synchronize_session=False)
                )
            db.session.commit()
        except sa.exc.SQLAlchemyError:
            log.exception("%s: could not record %d results (try 2)", self.worker, len(messages))
            db.session.rollback()


class Worker:
    """The outbox worker: a delivery pass every ``interval`` seconds, the sweep every minute.

    :meth:`stop` (called from a SIGTERM handler) ends the loop within one
    interval: the wait is interruptible and a batch in progress stops between
    two messages, every SMTP operation being bounded by ``MAIL_TIMEOUT``.
    """

    def __init__(
        self,
        *,
        interval: float = 5.0,
        sweep_every: float = 60.0,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        self.interval = interval
        self.sweep_every = sweep_every
        self._asked = stop
        self._stopping = threading.Event()

    def stop(self, *_: object) -> None:
        """Ask the loop to end (safe from a signal handler)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called (or the caller's ``stop`` says so)."""
        return self._stopping.is_set() or bool(self._asked and self._asked())

    def _refresh_reports(self) -> None:
        """Recompute the report snapshot when it is older than ``REPORTS_REFRESH_SECONDS``.

        The staff home and the dashboard read it; several workers share the work
        (the first one to find it old refreshes it, under a lock). 0 turns it off.
        """
        from leadshare.jobs import run_reports_refresh

        every = float(current_app.config.get("REPORTS_REFRESH_SECONDS", 300))
        if every <= 0:
            return
        try:
            run_reports_refresh(max_age=timedelta(seconds=every))
        except Exception:
            db.session.rollback()
            log.exception("reports refresh failed; retrying next round")

    def run(self, *, once: bool = False) -> None:
        """Loop until stopped (or one round with ``once``)."""
        from leadshare.jobs import run_sweep

        last_sweep: float | None = None
        while not self.stopping:
            self._refresh_reports()
            if last_sweep is None or time.monotonic() - last_sweep >= self.sweep_every:
                try:
                    swept = run_sweep()
                    if swept is not None and swept.changed:
                        log.info(
                            "SLA sweep: reminded %d, expired %d, re-offered %d, stale %d, "
                            "overdue %d",
                            len(swept.reminded),
                            len(swept.expired),
                            len(swept.reoffered),
                            len(swept.stale),
                            len(swept.overdue),
                        )
                except Exception:
                    db.session.rollback()
                    log.exception("SLA sweep failed; retrying next round")
                last_sweep = time.monotonic()
            try:
                report = deliver_due(stop=lambda: self.stopping)
                if report.sent or report.retried or report.failed:
                    log.info(
                        "outbox: sent %d, retry later %d, failed %d",
                        report.sent,
                        report.retried,
                        report.failed,
                    )
            except MailNotConfigured:
                raise
            except Exception:
                db.session.rollback()
                log.exception("outbox pass failed; retrying next round")
            _deliver_webhooks()
            db.session.remove()
            if once:
                return
            self._stopping.wait(self.interval)


def _deliver_webhooks() -> None:
    """The worker's webhook pass (leadshare.webhooks), isolated from the mail pass."""
    from leadshare.webhooks import deliver_due_webhooks

    try:
        report = deliver_due_webhooks()
        if report.sent or report.retried or report.failed:
            log.info("webhooks: %s", report)
    except Exception:
        db.session.rollback()
        log.exception("webhook pass failed; retrying next round")


def work(
    *,
    interval: float = 5.0,
    sweep_every: float = 60.0,
    once: bool = False,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Deliver forever (or once): see :class:`Worker`."""
    Worker(interval=interval, sweep_every=sweep_every, stop=stop).run(once=once)
