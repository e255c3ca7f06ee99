"""The generated rows of every table, one generator per table, with its columns."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from bench.seed.plan import Plan, Row, fmt, fmt_date, password_hash, token
from bench.seed.scales import (
    DOMAIN,
    STAFF_ADMIN,
    STAFF_SALES,
    manager_email,
    partner_slug,
    rep_email,
)
from bench.seed.vocabulary import (
    AFFIXES,
    AUDIT_ACTIONS,
    COMMENT_TEXTS,
    COMPANY_STEMS,
    COMPANY_WORDS,
    DECLINE_REASONS,
    GIVEN,
    INDUSTRIES,
    LOST_REASONS,
    NEEDS,
    NOTE_TEXTS,
    OPEN_OFFER_STATES,
    PREFECTURES,
    PRODUCT_LINES,
    REGION_WEIGHTS,
    REGIONS,
    RESPONSE_SLA_HOURS,
    SIZE_BANDS,
    SIZE_WEIGHTS,
    SURNAMES,
    TEASERS,
    TIERS,
    TITLES,
    UPDATE_SLA_DAYS,
    WORKING_STAGES,
)
from models.administration import POLICY_FIELDS
from models.organisations import DEFAULT_REGISTRATION_DAYS
from models.prospects import normalise_company_name


def organisation_rows(plan: Plan) -> Iterator[Row]:
    """The vendor, then the partners p0001 … (p0001 the largest)."""
    rng = plan.rng("organisations")
    created = fmt(plan.now - 3 * 365 * 86400)
    yield (
        plan.vendor_id,
        "vendor",
        "vendor",
        "ベンチマーク・ベンダー株式会社",
        None,
        "active",
        "[]",
        "[]",
        "1000+",
        None,
        None,
        None,
        None,
        created,
    )
    for n, org_id in enumerate(plan.partner_ids, start=1):
        status = (
            "active" if n <= 10 or rng.random() < 0.92 else rng.choice(["onboarding", "suspended"])
        )
        tier = TIERS[0] if n <= 5 else TIERS[1] if n <= 50 else rng.choice(TIERS[2:])
        regions = rng.sample(REGIONS, rng.randint(1, 3))
        lines = rng.sample(PRODUCT_LINES, rng.randint(1, 4))
        yield (
            org_id,
            "partner",
            partner_slug(n),
            f"{rng.choice(COMPANY_STEMS)}{rng.choice(COMPANY_WORDS)}パートナーズ {n:04d}",
            tier,
            status,
            json.dumps(regions),
            json.dumps(lines),
            rng.choices(SIZE_BANDS, SIZE_WEIGHTS)[0],
            rng.choice(["展示会", "紹介", "ウェブ", "既存代理店"]),
            rng.randint(1, 500) * 1_000_000,
            rng.choice(["low", "medium", "high"]),
            None,
            created,
        )


ORGANISATION_COLUMNS = [
    "id",
    "kind",
    "slug",
    "name",
    "tier",
    "status",
    "regions",
    "product_lines",
    "size_band",
    "source",
    "annual_value",
    "engagement",
    "account_owner_id",
    "created_at",
]


def policy_rows(plan: Plan) -> Iterator[Row]:
    """One visibility policy per partner, mostly generous, some strict."""
    rng = plan.rng("policies")
    for org_id in plan.partner_ids:
        strict = rng.random() < 0.2
        yield (
            org_id,
            not strict,
            True,
            not strict,
            rng.random() < 0.3,
            strict,
            "[]",
            "[]",
            10_000,
            RESPONSE_SLA_HOURS,
            UPDATE_SLA_DAYS,
            DEFAULT_REGISTRATION_DAYS,
        )


POLICY_COLUMNS = ["organisation_id", *POLICY_FIELDS]


def user_rows(plan: Plan) -> Iterator[Row]:
    """Vendor staff, then every partner's managers and reps (all share one password hash)."""
    rng = plan.rng("users")
    hashed = password_hash(plan.seed)
    created = fmt(plan.now - 2 * 365 * 86400)
    uid = itertools.count(1)

    def row(email: str, name: str, role: str, org: int) -> Row:
        return (
            next(uid),
            email,
            name,
            role,
            org,
            "ja" if rng.random() < 0.9 else "en",
            None,
            True,
            hashed,
            token(rng, 32),
            created,
            None,
            created,
        )

    yield row(STAFF_ADMIN, "管理者 ベンチ", "admin", plan.vendor_id)
    for i in range(plan.scale.sales_users):
        email = STAFF_SALES if i == 0 else f"sales{i:03d}@{DOMAIN}"
        yield row(email, f"営業 {i:03d}", "sales", plan.vendor_id)
    # Two users per partner, the rest spread by partner size.
    extra = plan.scale.partner_users - 2 * len(plan.partner_ids)
    weights = [1 / n for n in range(1, len(plan.partner_ids) + 1)]
    total = sum(weights)
    counts = [2 + int(extra * w / total) for w in weights]
    counts[-1] += plan.scale.partner_users - sum(counts)
    for n, (org_id, count) in enumerate(zip(plan.partner_ids, counts, strict=True), start=1):
        slug = partner_slug(n)
        for k in range(count):
            # One manager per partner, and one more per 25 users in the large ones.
            manager = k == 0 or (k > 1 and k % 25 == 0)
            if k == 0:
                email = manager_email(n)
            elif k == 1:
                email = rep_email(n)
            else:
                email = f"{'manager' if manager else 'rep'}{k}@{slug}.{DOMAIN}"
            surname = rng.choice(SURNAMES)[0]
            yield row(
                email,
                f"{surname} {rng.choice(GIVEN)}",
                "partner_manager" if manager else "partner_rep",
                org_id,
            )


USER_COLUMNS = [
    "id",
    "email",
    "name",
    "role",
    "organisation_id",
    "locale",
    "timezone",
    "active",
    "password_hash",
    "session_token",
    "password_changed_at",
    "last_login_at",
    "created_at",
]


_COMPANY_KEYS: dict[str, str] = {}


def prospect_rows(plan: Plan) -> Iterator[Row]:
    """One prospect per lead: a Japanese company and its contact person."""
    rng = plan.rng("prospects")
    now = plan.now
    for pid in range(1, plan.scale.leads + 1):
        region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
        pref, area, towns = PREFECTURES[region]
        stem = rng.choice(COMPANY_STEMS) + rng.choice(COMPANY_WORDS)
        name = rng.choice(AFFIXES).format(stem)
        key = _COMPANY_KEYS.get(name)
        if key is None:
            key = _COMPANY_KEYS[name] = normalise_company_name(name)
        surname, romaji = rng.choice(SURNAMES)
        phone = f"{area}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        contact_phone = f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        consent = rng.random() < 0.6
        created = now - rng.random() * 2 * 365 * 86400
        yield (
            pid,
            name,
            key,
            f"{pref}{rng.choice(towns)}{rng.randint(1, 9)}-{rng.randint(1, 30)}-"
            f"{rng.randint(1, 20)}",
            phone,
            phone.replace("-", ""),
            f"{rng.choice(SURNAMES)[0]} {rng.choice(GIVEN)}",
            f"https://c{pid}.example.jp",
            rng.choice(INDUSTRIES),
            rng.choices(SIZE_BANDS, SIZE_WEIGHTS)[0],
            region,
            f"{surname} {rng.choice(GIVEN)}",
            rng.choice(TITLES),
            contact_phone,
            contact_phone.replace("-", ""),
            f"{romaji}.{pid}@c{pid}.example.jp",
            consent,
            fmt(created) if consent else None,
            rng.choice(["phone", "email", "web_form", "written"]) if consent else None,
            None,
            fmt(created),
        )


PROSPECT_COLUMNS = [
    "id",
    "company_name",
    "company_key",
    "address",
    "phone",
    "phone_key",
    "representative",
    "website",
    "industry",
    "size_band",
    "region",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_phone_key",
    "contact_email",
    "consent_to_share",
    "consent_recorded_at",
    "consent_method",
    "consent_recorded_by_id",
    "created_at",
]


def installed_product_rows(plan: Plan) -> Iterator[Row]:
    """What some prospects already run."""
    rng = plan.rng("installed_products")
    for iid in range(1, plan.scale.installed_products + 1):
        line = rng.choice(PRODUCT_LINES)
        yield (
            iid,
            rng.randint(1, plan.scale.leads),
            f"LS-{line.upper()}-{rng.randint(100, 999)}",
            line,
            fmt_date(plan.now - rng.random() * 8 * 365 * 86400),
            rng.randint(1, 20),
            None,
        )


INSTALLED_PRODUCT_COLUMNS = [
    "id",
    "prospect_id",
    "product_name",
    "product_line",
    "installed_on",
    "quantity",
    "notes",
]


def offer_plan(plan: Plan) -> Iterator[tuple[int, str, float, list[tuple[int, str, float]]]]:
    """For each lead: (lead id, stage, created, offers), the same on every pass.

    An offer is (organisation, state, offered_at). Each lead gets 0–3 offers to
    distinct partners (mean 1.5): the last one is accepted (45 %), still open
    (25 %, offered inside the response SLA, a minute's worth already overdue) or
    ended like the earlier ones (30 %). Stages follow: open or ended offers leave
    the lead qualified; an accepted one puts it somewhere in the pipeline.
    """
    rng = plan.rng("offer-plan")
    now = plan.now
    budget = plan.scale.offers
    sla = RESPONSE_SLA_HOURS * 3600
    for lead_id in range(1, plan.scale.leads + 1):
        k = min(rng.choices((0, 1, 2, 3), (20, 30, 30, 20))[0], budget)
        budget -= k
        created = now - (30 + rng.random() * 700) * 86400
        if k == 0:
            yield lead_id, ("new" if rng.random() < 0.6 else "qualified"), created, []
            continue
        orgs: list[int] = []
        while len(orgs) < k:
            org = plan.pick_partner(rng)
            if org not in orgs:
                orgs.append(org)
        outcome = rng.random()
        offers = []
        t = created + 86400
        for j, org in enumerate(orgs):
            last = j == k - 1
            if last and outcome < 0.25:
                offers.append((org, rng.choice(OPEN_OFFER_STATES), now - rng.random() * (sla + 60)))
            elif last and outcome < 0.70:
                offers.append((org, "accepted", t))
            else:
                offers.append((org, rng.choice(["declined", "expired", "withdrawn"]), t))
            t += (1 + rng.random() * 5) * 86400
        if outcome < 0.25 or outcome >= 0.70:
            stage = "qualified"
        else:
            stage = rng.choices(
                ["appointment", "needs_hearing", "proposal", "won", "delivered", "paid", "lost"],
                [20, 15, 15, 10, 5, 10, 25],
            )[0]
        yield lead_id, stage, created, offers


def lead_rows(plan: Plan) -> Iterator[Row]:
    """One lead per prospect; its stage and dates fit the offers it will get."""
    rng = plan.rng("leads")
    sales = plan.sales_ids
    for lead_id, stage, created, offers in offer_plan(plan):
        ref = token(rng, 12)
        plan.lead_refs.append(ref)
        qualified = stage != "new"
        product = rng.choice(PRODUCT_LINES)
        won = stage in ("won", "delivered", "paid")
        closed = won or stage == "lost"
        last_ts = offers[-1][2] if offers else created
        close_by = created + 120 * 86400
        # The SLA sweep's steady state: what was due before the anchor is flagged already.
        stale = stage in WORKING_STAGES and plan.now - last_ts >= UPDATE_SLA_DAYS * 86400
        # The sweep flags leads whose expected close date is before today in Japan.
        overdue = not closed and fmt_date(close_by) < plan.today_jst
        yield (
            lead_id,
            ref,
            lead_id,
            rng.choice(TEASERS).format(
                industry=rng.choice(["製造業", "小売業", "物流", "医療"]),
                size=rng.choice(["50", "120", "300", "1,200"]),
                product=product,
                timing="3か月以内",
                region=rng.choice(["中部", "関東", "近畿"]),
            ),
            rng.choice(NEEDS),
            product,
            rng.choice(["phone", "web", "event", "referral"]),
            rng.choice(["1m", "3m", "6m", "later", "unknown"]),
            rng.randint(1, 200) * 100_000,
            fmt_date(close_by),
            qualified,
            qualified,
            qualified,
            qualified,
            fmt(created + 3600) if qualified else None,
            sales[lead_id % len(sales)],
            stage,
            fmt_date(last_ts + 30 * 86400) if won else None,
            f"LS-{product.upper()}-500" if won else None,
            rng.randint(10, 500) * 100_000 if won else None,
            fmt_date(last_ts + 60 * 86400) if won else None,
            rng.choice(LOST_REASONS) if stage == "lost" else None,
            None,
            fmt(last_ts + 40 * 86400) if closed else None,
            fmt(last_ts),
            fmt(last_ts + UPDATE_SLA_DAYS * 86400) if stale else None,
            fmt(close_by) if overdue else None,
            False,
            fmt(created),
            fmt(last_ts),
            1,
        )


LEAD_COLUMNS = [
    "id",
    "ref",
    "prospect_id",
    "teaser",
    "need",
    "product_interest",
    "source",
    "timing",
    "estimated_value",
    "expected_close_on",
    "has_budget",
    "has_authority",
    "has_need",
    "has_timing",
    "qualified_at",
    "owner_id",
    "stage",
    "order_date",
    "order_product",
    "order_amount",
    "delivery_date",
    "lost_reason",
    "outcome_note",
    "closed_at",
    "last_activity_at",
    "stale_since",
    "overdue_since",
    "archived",
    "created_at",
    "updated_at",
    "version",
]


def offer_rows(plan: Plan) -> Iterator[Row]:
    """The offers of :func:`offer_plan`: every state, partial unique indexes respected."""
    rng = plan.rng("offers")
    now = plan.now
    sla = RESPONSE_SLA_HOURS * 3600
    sales = plan.sales_ids
    oid = 0
    counts: dict[str, int] = {}
    for lead_id, _stage, _created, offers in offer_plan(plan):
        for org, state, offered in offers:
            oid += 1
            counts[state] = counts.get(state, 0) + 1
            managers = plan.managers[org]
            accepted = state == "accepted"
            ended = state in ("declined", "expired", "withdrawn")
            is_open = state in OPEN_OFFER_STATES
            requested = state in ("details_requested", "details_granted") or (
                accepted and rng.random() < 0.7
            )
            granted = state == "details_granted" or (accepted and requested)
            if accepted:
                plan.accepted.append((oid, org, offered + 3600))
            yield (
                oid,
                lead_id,
                org,
                state,
                sales[lead_id % len(sales)],
                fmt(offered),
                fmt(offered + sla),
                fmt(offered + 0.75 * sla) if is_open and now - offered > 0.75 * sla + 60 else None,
                "ご検討をお願いします。" if rng.random() < 0.3 else None,
                None,
                fmt(offered + 600) if requested else None,
                fmt(offered + 1200) if granted else None,
                None,
                None,
                fmt(offered + 3600) if accepted else None,
                managers[0] if accepted else None,
                rng.choice(plan.reps.get(org) or managers) if accepted else None,
                rng.choice(DECLINE_REASONS) if state == "declined" else None,
                None,
                fmt(offered + 7200) if ended else None,
                "accepted by another partner" if state == "withdrawn" else None,
                1,
                # updated_at: the offer's last change.
                fmt(
                    offered
                    + (7200 if ended else 3600 if accepted else 1200 if granted else 0)
                    + (600 if requested and not (ended or accepted or granted) else 0)
                ),
                # The sweep has reminded the lead's owner of a request still waiting.
                fmt(offered + 0.75 * sla)
                if state == "details_requested" and now - offered > 0.75 * sla + 60
                else None,
            )
    plan.offer_counts = counts


OFFER_COLUMNS = [
    "id",
    "lead_id",
    "organisation_id",
    "state",
    "offered_by_id",
    "offered_at",
    "respond_by",
    "reminded_at",
    "comment_to_partner",
    "override_reason",
    "details_requested_at",
    "details_granted_at",
    "details_granted_by_id",
    "details_refused_reason",
    "accepted_at",
    "accepted_by_id",
    "assigned_rep_id",
    "decline_reason",
    "decline_note",
    "ended_at",
    "withdraw_reason",
    "version",
    "updated_at",
    "details_reminded_at",
]


def note_rows(plan: Plan) -> Iterator[Row]:
    """Conversation notes, 0–6 per lead (mean 3), internal or shareable."""
    rng = plan.rng("notes")
    leads = plan.scale.leads
    sales = plan.sales_ids
    now = plan.now
    for nid in range(1, plan.scale.notes + 1):
        # Notes are spread evenly: note n belongs to lead ⌈n·leads/notes⌉ (±jitter).
        lead_id = min(leads, max(1, (nid * leads) // plan.scale.notes + rng.randint(-1, 1)))
        ts = fmt(now - rng.random() * 700 * 86400)
        yield (
            nid,
            lead_id,
            sales[rng.randrange(len(sales))],
            ts,
            rng.choice(["phone", "email", "visit", "web"]),
            rng.choice(["product_inquiry", "delivery", "order", "complaint", "other"]),
            "shareable" if rng.random() < 0.5 else "internal",
            rng.choice(NOTE_TEXTS),
            False,
            ts,
        )


NOTE_COLUMNS = [
    "id",
    "lead_id",
    "author_id",
    "occurred_at",
    "channel",
    "category",
    "visibility",
    "text",
    "archived",
    "created_at",
]


def comment_rows(plan: Plan) -> Iterator[Row]:
    """Board posts on accepted offers, by the partner's people and the vendor's sales."""
    rng = plan.rng("comments")
    accepted = plan.accepted
    if not accepted:
        return
    sales = plan.sales_ids
    for cid in range(1, plan.scale.comments + 1):
        offer_id, org, since = accepted[rng.randrange(len(accepted))]
        if rng.random() < 0.6:
            people = plan.reps.get(org) or plan.managers[org]
            author = people[rng.randrange(len(people))]
        else:
            author = sales[rng.randrange(len(sales))]
        yield (
            cid,
            offer_id,
            author,
            rng.choice(COMMENT_TEXTS),
            fmt(since + rng.random() * 20 * 86400),
            None,
        )


COMMENT_COLUMNS = ["id", "offer_id", "author_id", "body", "created_at", "hidden_at"]


def audit_rows(plan: Plan) -> Iterator[Row]:
    """The audit trail: who did what to which lead or offer, with before/after."""
    rng = plan.rng("audit")
    refs = plan.lead_refs
    offers = max(1, sum(plan.offer_counts.values()))
    sales = plan.sales_ids
    now = plan.now
    for aid in range(1, plan.scale.audit_events + 1):
        action, entity = AUDIT_ACTIONS[rng.randrange(len(AUDIT_ACTIONS))]
        org = plan.pick_partner(rng)
        if entity == "Lead":
            entity_id = refs[rng.randrange(len(refs))]
            actor = sales[rng.randrange(len(sales))]
        else:
            entity_id = str(rng.randint(1, offers))
            actor = plan.managers[org][0]
        yield (
            aid,
            fmt(now - rng.random() * 700 * 86400),
            actor,
            action,
            entity,
            entity_id,
            org,
            '{"state": "offered"}' if action.startswith("offer.") else None,
            json.dumps({"state": action.split(".")[1]}),
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        )


AUDIT_COLUMNS = [
    "id",
    "occurred_at",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "organisation_id",
    "before",
    "after",
    "ip_address",
]
