"""Webhooks: written with the change, signed, delivered once to a real receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from leadshare.extensions import db
from models import DeliveryStatus, WebhookDelivery, workflow
from models.base import utcnow
from models.errors import MissingData, NotAllowed
from models.webhooks import register_endpoint, send_test_event
from tests import factories


class Receiver:
    """A partner's endpoint on 127.0.0.1 that checks every signature as docs/api.md says."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.answers: list[int] = []  # statuses to answer next (200 when empty)
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(
                    {
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "valid": receiver.verify(self.headers["LeadShare-Signature"], body),
                    }
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/leadshare"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verify(self, header: str, body: bytes) -> bool:
        """Stripe-style check: HMAC-SHA256 of "<t>.<body>" with the secret, t within 5 minutes."""
        parts = dict(item.split("=", 1) for item in header.split(","))
        expected = hmac.new(
            self.secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        fresh = abs(time.time() - int(parts["t"])) < 300
        return fresh and hmac.compare_digest(expected, parts["v1"])

    def events(self) -> list[str]:
        """The event types received, in order."""
        return [call["body"]["type"] for call in self.calls]

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """A running receiver, stopped after the test."""
    server = Receiver()
    yield server
    server.close()


ALL_EVENTS = [
    "offer.received",
    "offer.details_granted",
    "offer.expiring",
    "offer.withdrawn",
    "comment.posted",
    "registration.decided",
]


@pytest.fixture
def hook(world, receiver):
    """alpha's manager registered the receiver for every event."""
    endpoint = register_endpoint(
        world["alpha_manager"], url=receiver.url, events=ALL_EVENTS, allow_http=True
    )
    db.session.commit()
    receiver.secret = endpoint.secret
    return endpoint


def send(runner) -> str:
    """One ``flask webhooks send`` pass."""
    result = runner.invoke(args=["webhooks", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_offer_received_is_signed_gated_and_delivered_once(runner, world, hook, receiver):
    """Offering a lead queues one delivery in the same commit; the receiver gets it once."""
    lead = factories.lead(world["sales"])
    workflow.offer_lead(lead, world["alpha"], world["sales"])
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 1  # before commit
    db.session.commit()
    assert "sent 1" in send(runner)
    assert "sent 0" in send(runner)
    [call] = receiver.calls
    assert call["valid"]
    assert call["headers"]["LeadShare-Event"] == "offer.received"
    data = call["body"]["data"]["lead"]
    assert data["ref"] == lead.ref
    assert data["disclosure"] == "teaser"
    assert "company" not in data and "contact" not in data
    assert call["body"]["id"] == call["headers"]["LeadShare-Event-Id"]


def test_a_refused_rule_queues_nothing(world, hook):
    """A rule that fails rolls back its delivery with everything else."""
    lead = factories.lead(world["sales"], qualified=False)
    db.session.commit()
    with pytest.raises(Exception):  # noqa: B017 - any refusal of the rule
        workflow.offer_lead(lead, world["alpha"], world["sales"])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_the_whole_journey_each_event_once(runner, world, hook, receiver):
    """Offer, details, a vendor post, a withdrawal and a registration: each event exactly once."""
    manager, sales = world["alpha_manager"], world["sales"]
    first = workflow.offer_lead(factories.lead(sales), world["alpha"], sales)
    second = workflow.offer_lead(factories.lead(sales), world["alpha"], sales)
    db.session.commit()
    workflow.request_details(first, manager)
    db.session.commit()
    workflow.accept_offer(first, manager)
    db.session.commit()
    workflow.post_comment(first, sales, body="Call them on Monday")
    workflow.post_comment(first, manager, body="Will do")  # the partner's own post: no event
    db.session.commit()
    workflow.withdraw_offer(second, sales, reason="customer postponed")
    db.session.commit()
    registration = workflow.register_deal(
        manager,
        company_name="株式会社登録",
        address="名古屋市",
        phone="052-1",
        representative="代表",
        website="https://r.example.jp",
        contact_name="担当",
        contact_phone="052-2",
        contact_email="c@r.example.jp",
        need="更改",
        product_interest="servers",
    )
    db.session.commit()
    workflow.reject_registration(registration, sales, reason="already registered")
    db.session.commit()
    send(runner)
    send(runner)
    assert receiver.events() == [
        "offer.received",
        "offer.received",
        "offer.details_granted",
        "comment.posted",
        "offer.withdrawn",
        "registration.decided",
    ]
    assert all(call["valid"] for call in receiver.calls)
    assert len({call["body"]["id"] for call in receiver.calls}) == 6
    details = receiver.calls[2]["body"]["data"]["lead"]
    assert details["disclosure"] == "details"
    assert details["company"]["name"] == first.lead.prospect.company_name
    comment = receiver.calls[3]["body"]["data"]
    assert comment["comment"]["body"] == "Call them on Monday"
    assert "contact" not in comment["lead"]  # personal data is fetched through the API only
    decided = receiver.calls[5]["body"]["data"]["registration"]
    assert decided == {
        "ref": registration.ref,
        "status": "rejected",
        "reason": "already registered",
        "lead_ref": None,
        "company_name": "株式会社登録",
    }


def test_reminder_event_once_even_if_the_sweep_runs_twice(runner, world, hook, receiver):
    """offer.expiring comes with the SLA reminder, once per offer."""
    from models.sla import sweep

    offer = workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    later = offer.offered_at + (offer.respond_by - offer.offered_at) * 0.8
    sweep(now=later)
    db.session.commit()
    sweep(now=later + timedelta(minutes=1))
    db.session.commit()
    send(runner)
    assert receiver.events() == ["offer.received", "offer.expiring"]


def test_other_partners_endpoints_hear_nothing(runner, world, receiver):
    """beta's endpoint gets nothing about alpha's leads."""
    endpoint = register_endpoint(
        world["beta_manager"], url=receiver.url, events=ALL_EVENTS, allow_http=True
    )
    db.session.commit()
    receiver.secret = endpoint.secret
    workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    send(runner)
    assert receiver.calls == []


def test_unsubscribed_events_and_paused_endpoints_are_skipped(runner, world, receiver):
    """An endpoint gets only the events it chose, and nothing while paused."""
    from models.webhooks import set_endpoint_active

    endpoint = register_endpoint(
        world["alpha_manager"], url=receiver.url, events=["offer.withdrawn"], allow_http=True
    )
    db.session.commit()
    offer = workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    set_endpoint_active(endpoint, world["alpha_manager"], active=False)
    workflow.withdraw_offer(offer, world["sales"], reason="postponed")
    db.session.commit()
    send(runner)
    assert receiver.calls == []


def test_failures_are_retried_with_back_off_then_delivered(app, runner, world, hook, receiver):
    """A 500 is retried later with the same event id; a success ends the retries."""
    receiver.answers = [500]
    workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    assert "retry later 1" in send(runner)
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at > utcnow()
    assert "sent 0, retry later 0" in send(runner)  # not due yet
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "sent 1" in send(runner)
    assert len(receiver.calls) == 2
    assert receiver.calls[0]["body"]["id"] == receiver.calls[1]["body"]["id"]
    db.session.expire_all()
    assert delivery.status is DeliveryStatus.SENT


def test_last_attempt_fails_for_good(app, runner, world, hook, receiver):
    """After WEBHOOK_MAX_ATTEMPTS the delivery is failed and shown as such."""
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    receiver.answers = [503, 503]
    workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    send(runner)
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "failed 1" in send(runner)
    db.session.expire_all()
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error == "HTTP 503"


def test_private_addresses_are_refused_unless_allowed(app, runner, world, hook, receiver):
    """In production settings a loopback target is never called."""
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    assert "retry later 1" in send(runner)
    assert receiver.calls == []
    assert "non-public" in db.session.scalar(sa.select(WebhookDelivery.last_error))


def test_test_event_and_the_rules_on_endpoints(runner, world, hook, receiver):
    """A manager sends a ping; only https URLs (unless allowed); reps and staff cannot register."""
    send_test_event(hook, world["alpha_manager"])
    db.session.commit()
    send(runner)
    assert receiver.events() == ["ping"]
    assert receiver.calls[0]["valid"]
    with pytest.raises(MissingData):
        register_endpoint(world["alpha_manager"], url="http://crm.example", events=ALL_EVENTS)
    with pytest.raises(MissingData):
        register_endpoint(world["alpha_manager"], url="https://crm.example", events=["nope"])
    with pytest.raises(NotAllowed):
        register_endpoint(world["alpha_rep"], url="https://crm.example", events=ALL_EVENTS)
    with pytest.raises(NotAllowed):
        register_endpoint(world["sales"], url="https://crm.example", events=ALL_EVENTS)
    with pytest.raises(NotAllowed):
        send_test_event(hook, world["beta_manager"])
    db.session.rollback()


def test_only_one_worker_claims_a_delivery(world, hook):
    """Two workers reaching the same due delivery: the second claim fails, so one call is made."""
    from models.webhooks import claim_delivery

    workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    delivery_id = db.session.scalar(sa.select(WebhookDelivery.id))
    now = utcnow()
    assert claim_delivery(delivery_id, now=now, lease=timedelta(minutes=1)) is True
    db.session.commit()
    assert claim_delivery(delivery_id, now=now, lease=timedelta(minutes=1)) is False
    db.session.commit()
    later = now + timedelta(minutes=2)  # the first worker died: the lease ends, it is tried again
    assert claim_delivery(delivery_id, now=later, lease=timedelta(minutes=1)) is True
    db.session.rollback()


def test_the_outbox_worker_delivers_webhooks_too(app, world, hook, receiver):
    """One round of `flask outbox work` posts the due webhook deliveries after the mail."""
    from leadshare.outbox import work

    workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    work(once=True)
    assert receiver.events() == ["offer.received"]
