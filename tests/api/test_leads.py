"""The partner API's lead endpoints: the same gates and rules as the portal, as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from leadshare.extensions import db
from models import AuditEvent, Comment, DealRegistration, Lead, Offer, OfferState, Stage
from models.leads import Activity


def test_list_shows_teaser_only_for_a_new_offer(api, tokens, offer_for):
    """A new offer lists at teaser level: no company, no contact, no value."""
    offer = offer_for("alpha")
    response = api.get("/leads", tokens["alpha_manager"])
    assert response.status_code == 200
    [lead] = response.json["data"]
    assert lead["ref"] == offer.lead.ref
    assert lead["disclosure"] == "teaser"
    assert lead["offer"]["state"] == "offered"
    for hidden in ("company", "contact", "estimated_value", "notes", "stage"):
        assert hidden not in lead
    assert response.json["next_cursor"] is None


def test_full_lead_after_acceptance_with_contact_and_etag(api, tokens, offer_for):
    """An accepted lead shows the company, the contact (consent given) and the stage."""
    offer = offer_for("alpha", accept=True)
    response = api.get(f"/leads/{offer.lead.ref}", tokens["alpha_manager"])
    assert response.status_code == 200
    body = response.json
    assert body["disclosure"] == "full"
    assert body["company"]["name"] == offer.lead.prospect.company_name
    assert body["contact"]["email"] == offer.lead.prospect.contact_email
    assert body["stage"] == "appointment"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    viewed = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "prospect.contact_viewed"
        )
    )
    assert viewed == 1


def test_contact_withheld_without_consent(api, tokens, offer_for):
    """No consent: the contact person is absent and the reason is said."""
    offer = offer_for("alpha", accept=True, consent=False)
    body = api.get(f"/leads/{offer.lead.ref}", tokens["alpha_manager"]).json
    assert "contact" not in body
    assert body["contact_withheld"] == "no_consent"


def test_keyset_pagination_walks_every_lead_once(api, tokens, offer_for):
    """Following next_cursor returns every lead exactly once."""
    refs = {offer_for("alpha").lead.ref for _ in range(5)}
    seen, cursor = [], None
    while True:
        query = "/leads?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(query, tokens["alpha_manager"]).json
        seen += [lead["ref"] for lead in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(refs)


def test_updated_since_returns_only_what_changed(api, tokens, offer_for, world):
    """A sync with the previous page's as_of sees only the lead changed since."""
    quiet = offer_for("alpha")
    changed = offer_for("alpha")
    first = api.get("/leads", tokens["alpha_manager"]).json
    assert {lead["ref"] for lead in first["data"]} == {quiet.lead.ref, changed.lead.ref}
    response = api.post(f"/leads/{changed.lead.ref}/request-details", tokens["alpha_manager"])
    assert response.status_code == 200
    later = api.get(f"/leads?updated_since={first['as_of']}", tokens["alpha_manager"]).json
    assert [lead["ref"] for lead in later["data"]] == [changed.lead.ref]


def test_bad_query_parameters_are_422_with_the_field(api, tokens):
    """Unusable limit, cursor or timestamp: 422 naming the parameter."""
    for query, field in (
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("cursor=garbage", "cursor"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-01-01T00:00:00", "updated_since"),
    ):
        response = api.get(f"/leads?{query}", tokens["alpha_manager"], **{"Accept-Language": "en"})
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"][0]["field"] == field


def test_request_details_then_accept_with_rep_and_comment(api, tokens, offer_for, world):
    """The manager asks for details, then accepts naming its rep; the rep then reaches it."""
    offer = offer_for("alpha")
    ref = offer.lead.ref
    details = api.post(f"/leads/{ref}/request-details", tokens["alpha_manager"])
    assert details.json["disclosure"] == "details"
    assert details.json["company"]["name"]
    accepted = api.post(
        f"/leads/{ref}/accept",
        tokens["alpha_manager"],
        {"rep": "rep@alpha.example", "comment": "We will call on Monday."},
        **{"If-Match": details.headers["ETag"]},
    )
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["offer"]["assigned_rep"] == "rep@alpha.example"
    assert accepted.json["stage"] == "appointment"
    assert api.get(f"/leads/{ref}", tokens["alpha_rep"]).status_code == 200
    board = api.get(f"/leads/{ref}/comments", tokens["alpha_rep"]).json["data"]
    assert [post["body"] for post in board] == ["We will call on Monday."]


def test_manager_assigns_and_takes_back_an_accepted_lead(api, tokens, offer_for):
    """Assigning gives the rep the lead; null takes it back, and the rep loses it (404)."""
    offer = offer_for("alpha", accept=True)
    ref = offer.lead.ref
    assert api.get(f"/leads/{ref}", tokens["alpha_rep"]).status_code == 404
    given = api.post(f"/leads/{ref}/assign", tokens["alpha_manager"], {"rep": "rep@alpha.example"})
    assert given.status_code == 200
    assert given.json["offer"]["assigned_rep"] == "rep@alpha.example"
    assert api.get(f"/leads/{ref}", tokens["alpha_rep"]).status_code == 200
    refused = api.post(f"/leads/{ref}/assign", tokens["alpha_rep"], {"rep": None})
    assert refused.status_code == 403
    taken = api.post(f"/leads/{ref}/assign", tokens["alpha_manager"], {"rep": None})
    assert taken.json["offer"]["assigned_rep"] is None
    assert api.get(f"/leads/{ref}", tokens["alpha_rep"]).status_code == 404
    other = api.post(f"/leads/{ref}/assign", tokens["alpha_manager"], {"rep": "rep@beta.example"})
    assert other.status_code == 403


def test_stale_if_match_is_412_and_changes_nothing(api, tokens, offer_for):
    """An ETag read before someone else's change is refused with 412."""
    offer = offer_for("alpha", details=True)
    ref = offer.lead.ref
    etag = api.get(f"/leads/{ref}", tokens["alpha_manager"]).headers["ETag"]
    db.session.get(Offer, offer.id).comment_to_partner = "changed by the vendor"
    db.session.commit()
    response = api.post(f"/leads/{ref}/accept", tokens["alpha_manager"], {}, **{"If-Match": etag})
    assert response.status_code == 412
    assert response.json["type"].endswith("/stale-record")
    assert db.session.get(Offer, offer.id).state is OfferState.DETAILS_GRANTED
    garbled = api.post(f"/leads/{ref}/accept", tokens["alpha_manager"], {}, **{"If-Match": "x"})
    assert garbled.status_code == 412


def test_accepted_elsewhere_is_409_in_japanese(api, tokens, world, offer_for):
    """The second partner hears, in its language, that the lead is taken."""
    from models import workflow

    offer = offer_for("alpha")
    other = workflow.offer_lead(offer.lead, world["beta"], world["sales"])
    db.session.commit()
    assert api.post(f"/leads/{offer.lead.ref}/accept", tokens["alpha_manager"]).status_code == 200
    response = api.post(
        f"/leads/{other.lead.ref}/accept", tokens["beta_manager"], **{"Accept-Language": "ja"}
    )
    assert response.status_code in (404, 409)
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Language"] == "ja"


def test_decline_needs_a_note_for_other(api, tokens, offer_for):
    """Reason 'other' without a note is 422 from the rule; with one the offer ends."""
    offer = offer_for("alpha")
    ref = offer.lead.ref
    missing = api.post(f"/leads/{ref}/decline", tokens["alpha_manager"], {"reason": "other"})
    assert missing.status_code == 422
    done = api.post(
        f"/leads/{ref}/decline", tokens["alpha_manager"], {"reason": "other", "note": "no staff"}
    )
    assert done.status_code == 200
    assert done.json["offer"]["state"] == "declined"
    assert done.json["disclosure"] == "teaser"


def test_invalid_body_is_422_naming_the_field_in_english(api, tokens, offer_for):
    """Unknown codes and unknown fields are refused before any rule runs."""
    offer = offer_for("alpha")
    response = api.post(
        f"/leads/{offer.lead.ref}/decline",
        tokens["alpha_manager"],
        {"reason": "bored", "extra": 1},
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json["title"] == "Invalid input"
    assert {e["field"] for e in response.json["errors"]} == {"reason", "extra"}
    not_json = api.client.post(
        f"/api/v1/leads/{offer.lead.ref}/decline",
        data="reason=other",
        headers={"Authorization": f"Bearer {tokens['alpha_manager']}"},
    )
    assert not_json.status_code == 415


def test_problem_titles_follow_accept_language(api, tokens):
    """The same 404 in Japanese and in English."""
    ja = api.get("/leads/nope", tokens["alpha_manager"], **{"Accept-Language": "ja"})
    en = api.get("/leads/nope", tokens["alpha_manager"], **{"Accept-Language": "en"})
    assert ja.status_code == en.status_code == 404
    assert en.json["title"] == "Not found"
    assert ja.json["title"] != en.json["title"]
    assert ja.headers["Content-Language"] == "ja"


def test_working_the_lead_stage_activity_won(api, tokens, offer_for):
    """The rep moves the stage, logs a call and closes the lead as won."""
    offer = offer_for("alpha", accept=True, rep=True)
    ref, rep = offer.lead.ref, tokens["alpha_rep"]
    moved = api.post(f"/leads/{ref}/stage", rep, {"to_stage": "proposal", "note": "quote sent"})
    assert moved.status_code == 200
    assert moved.json["stage"] == "proposal"
    when = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    logged = api.post(
        f"/leads/{ref}/activities",
        rep,
        {"occurred_at": when, "channel": "phone", "category": "order", "detail": "Called."},
        **{"If-Match": moved.headers["ETag"]},
    )
    assert logged.status_code == 201, logged.json
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1
    won = api.post(
        f"/leads/{ref}/won",
        rep,
        {
            "order_date": "2026-01-05",
            "product": "Server X",
            "amount": 1200000,
            "delivery_date": "2026-02-01",
        },
        **{"If-Match": logged.headers["ETag"]},
    )
    assert won.status_code == 200, won.json
    assert won.json["stage"] == "won"
    assert won.json["outcome"]["order_amount"] == 1200000
    assert db.session.get(Lead, offer.lead_id).stage is Stage.WON


def test_close_lost_and_post_on_the_board(api, tokens, offer_for, world):
    """Lost with a reason; a post on the board reaches the vendor's owner by e-mail."""
    from models import OutboxMessage

    offer = offer_for("alpha", accept=True)
    ref = offer.lead.ref
    posted = api.post(f"/leads/{ref}/comments", tokens["alpha_manager"], {"body": "Any news?"})
    assert posted.status_code == 201
    assert posted.json["from_vendor"] is False
    assert db.session.scalar(sa.select(Comment.body)) == "Any news?"
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "comment_new")
    ).all()
    assert [m.to_email for m in mail] == ["sales@vendor.example"]
    lost = api.post(f"/leads/{ref}/lost", tokens["alpha_manager"], {"reason": "price"})
    assert lost.status_code == 200
    assert lost.json["outcome"]["lost_reason"] == "price"


def test_board_is_not_there_before_acceptance(api, tokens, offer_for):
    """A board outside the disclosure answers 404, like the portal hides it."""
    offer = offer_for("alpha", details=True)
    response = api.get(f"/leads/{offer.lead.ref}/comments", tokens["alpha_manager"])
    assert response.status_code == 404


def test_register_a_deal(api, tokens, world):
    """A partner registers a deal with the consent it declared; staff see it submitted."""
    response = api.post(
        "/registrations",
        tokens["alpha_rep"],
        {
            "company_name": "株式会社サンプル",
            "address": "名古屋市",
            "phone": "052-000-0000",
            "representative": "山田 太郎",
            "website": "https://sample.example.jp",
            "contact_name": "鈴木 花子",
            "contact_phone": "052-111-1111",
            "contact_email": "suzuki@sample.example.jp",
            "consent_method": "email",
            "need": "サーバー更改",
            "product_interest": "servers",
            "region": "chubu",
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["status"] == "submitted"
    registration = db.session.scalar(sa.select(DealRegistration))
    assert registration.consent_method.value == "email"
    assert registration.organisation_id == world["alpha"].id
    assert registration.submitted_by_id == world["alpha_rep"].id


def test_staff_create_a_lead_and_offer_it(api, tokens, world):
    """The vendor's marketing automation posts a qualified lead and offers it to alpha."""
    created = api.post(
        "/leads",
        tokens["sales"],
        {
            "prospect": {
                "company_name": "株式会社マーケ",
                "address": "名古屋市中区",
                "phone": "052-222-2222",
                "representative": "代表 一郎",
                "website": "https://marke.example.jp",
                "region": "chubu",
                "industry": "manufacturing",
                "contact_name": "担当 二郎",
                "contact_phone": "052-333-3333",
                "contact_email": "jiro@marke.example.jp",
            },
            "lead": {
                "teaser": "製造業のサーバー更改",
                "need": "保守切れ",
                "product_interest": "servers",
            },
            "consent": True,
            "consent_method": "web_form",
            "checklist": {"budget": True, "authority": True, "need": True, "timing": True},
        },
    )
    assert created.status_code == 201, created.json
    ref = created.json["ref"]
    assert created.json["stage"] == "qualified"
    offered = api.post(f"/leads/{ref}/offers", tokens["sales"], {"partner": "alpha"})
    assert offered.status_code == 201, offered.json
    assert [o["partner"] for o in offered.json["offers"]] == ["alpha"]
    assert api.get(f"/leads/{ref}", tokens["alpha_manager"]).json["disclosure"] == "teaser"
    unknown = api.post(f"/leads/{ref}/offers", tokens["sales"], {"partner": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "partner"


def test_partners_cannot_use_staff_endpoints(api, tokens, offer_for):
    """Creating or offering leads needs a staff token: 403 (or 404 for a lead out of reach)."""
    offer = offer_for("alpha")
    assert api.post("/leads", tokens["alpha_manager"], {}).status_code in (403, 422)
    response = api.post(
        f"/leads/{offer.lead.ref}/offers", tokens["alpha_manager"], {"partner": "beta"}
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 1
