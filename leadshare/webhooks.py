"""Posting webhook deliveries: the network half of :mod:`models.webhooks`.

Called by ``flask --app wsgi webhooks send`` and by the outbox worker's loop.
Each delivery is posted once per pass with its signature; a 2xx answer marks
it sent, anything else (or no answer within ``WEBHOOK_TIMEOUT``) waits with
back-off until ``WEBHOOK_MAX_ATTEMPTS`` tries, then it is failed and shown as
such in the partner's delivery log.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from flask import current_app

from leadshare.extensions import db
from models.base import utcnow
from models.webhooks import (
    SIGNATURE_HEADER,
    DeliveryStatus,
    WebhookDelivery,
    claim_delivery,
    due_deliveries,
    record_attempt,
    sign,
)

log = logging.getLogger("leadshare.webhooks")
USER_AGENT = "LeadShare-Webhooks/1"


@dataclass
class WebhookReport:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retry later {self.retried}, failed {self.failed}"


class RefusedTarget(Exception):
    """The endpoint resolves to an address webhooks may not reach."""


def check_target(url: str) -> None:
    """Refuse private, loopback, link-local and other internal addresses (unless allowed)."""
    if current_app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"]:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise RefusedTarget(f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise RefusedTarget(f"{host} resolves to a non-public address")


def post(delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    """Post one delivery, signed; returns (HTTP status, error text)."""
    endpoint = delivery.endpoint
    body = delivery.body()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "LeadShare-Event": delivery.event,
        "LeadShare-Event-Id": delivery.event_id,
        "LeadShare-Delivery": delivery.ref,
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    }
    try:
        check_target(endpoint.url)
        response = requests.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=current_app.config["WEBHOOK_TIMEOUT"],
            allow_redirects=False,  # a redirect could point anywhere, the vendor's network too
        )
    except (requests.RequestException, RefusedTarget) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, None if response.ok else f"HTTP {response.status_code}"


def deliver_due_webhooks(limit: int = 100) -> WebhookReport:
    """Post every due delivery once; commit after each so a crash loses nothing."""
    report = WebhookReport()
    max_attempts = current_app.config["WEBHOOK_MAX_ATTEMPTS"]
    # Longer than one call can take, so a slow partner's call is never made twice at once.
    lease = timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT"] * 3 + 30)
    ids = [d.id for d in due_deliveries(utcnow(), limit)]
    db.session.commit()
    for delivery_id in ids:
        claimed = claim_delivery(delivery_id, now=utcnow(), lease=lease)
        db.session.commit()  # no lock or transaction is held while the partner answers
        if not claimed:
            continue  # another worker has it
        delivery = db.session.get(WebhookDelivery, delivery_id)
        status_code, error = post(delivery)
        outcome = record_attempt(
            delivery, status_code=status_code, error=error, now=utcnow(), max_attempts=max_attempts
        )
        db.session.commit()
        if outcome is DeliveryStatus.SENT:
            report.sent += 1
        elif outcome is DeliveryStatus.FAILED:
            report.failed += 1
            log.warning("webhook delivery %s failed for good: %s", delivery.ref, error)
        else:
            report.retried += 1
    return report
