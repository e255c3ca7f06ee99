"""Deterministic data generator for the benchmark: ``flask --app wsgi bench seed``.

The same ``--seed`` and anchor time give the same rows. Full scale is one vendor,
1,000 partners (Zipf-skewed: a few large, many small), 10,000 partner users,
1,000,000 leads with their prospects, 3,000,000 conversation notes, 1,500,000
offers in every state, 500,000 board posts and 2,000,000 audit events.

On PostgreSQL the big tables are loaded with ``COPY … FREEZE`` (psycopg 3
``cursor.copy()``) inside one transaction that first truncates every table:
secondary indexes are dropped and rebuilt around the load, foreign-key triggers
are skipped (``session_replication_role = replica``; the generator builds only
valid references) and the partial unique indexes are rebuilt afterwards, so the
database still checks "one accepted offer per lead". ``VACUUM ANALYZE`` follows.
On SQLite (small scale only) rows go in with ``executemany``.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from models import counters
from models.organisations import DEFAULT_REGISTRATION_DAYS
from models.prospects import normalise_company_name

PASSWORD = "demo-password"  # noqa: S105 - the documented demo password
DOMAIN = "bench.example"


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind one scale generates."""

    name: str
    partners: int
    partner_users: int
    sales_users: int
    leads: int
    notes: int
    offers: int
    comments: int
    audit_events: int
    installed_products: int


SCALES = {
    "full": Scale(
        "full",
        partners=1_000,
        partner_users=10_000,
        sales_users=50,
        leads=1_000_000,
        notes=3_000_000,
        offers=1_500_000,
        comments=500_000,
        audit_events=2_000_000,
        installed_products=250_000,
    ),
    "small": Scale(
        "small",
        partners=20,
        partner_users=100,
        sales_users=5,
        leads=10_000,
        notes=30_000,
        offers=15_000,
        comments=5_000,
        audit_events=20_000,
        installed_products=2_500,
    ),
}

# Catalogue codes (models/catalogue.py) with realistic weights.
REGIONS = ["kanto", "kinki", "chubu", "kyushu", "tohoku", "chugoku", "hokkaido", "shikoku"]
REGION_WEIGHTS = [40, 18, 15, 9, 6, 5, 4, 3]
PRODUCT_LINES = ["servers", "storage", "software", "cloud", "security", "services"]
INDUSTRIES = [
    "manufacturing",
    "retail",
    "finance",
    "healthcare",
    "logistics",
    "construction",
    "public",
    "services",
]
SIZE_BANDS = ["1-49", "50-299", "300-999", "1000+"]
SIZE_WEIGHTS = [50, 30, 13, 7]
TIERS = ["platinum", "gold", "silver", "registered"]

PREFECTURES = {
    "kanto": ("東京都", "03", ["千代田区丸の内", "港区芝浦", "新宿区西新宿", "横浜市西区"]),
    "kinki": ("大阪府", "06", ["大阪市北区梅田", "大阪市中央区本町", "京都市下京区"]),
    "chubu": ("愛知県", "052", ["名古屋市中区栄", "名古屋市中村区名駅", "豊田市元城町"]),
    "kyushu": ("福岡県", "092", ["福岡市博多区博多駅前", "北九州市小倉北区"]),
    "tohoku": ("宮城県", "022", ["仙台市青葉区中央", "仙台市宮城野区"]),
    "chugoku": ("広島県", "082", ["広島市中区基町", "岡山市北区駅前町"]),
    "hokkaido": ("北海道", "011", ["札幌市中央区北一条", "旭川市宮下通"]),
    "shikoku": ("香川県", "087", ["高松市番町", "松山市一番町"]),
}
SURNAMES = [
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
    ("木村", "kimura"),
    ("林", "hayashi"),
]
GIVEN = ["太郎", "花子", "健一", "美咲", "大輔", "由美", "誠", "直子", "翔太", "恵"]
COMPANY_STEMS = ["東海", "中部", "関東", "日本", "大和", "富士", "三河", "北陸", "瀬戸", "青葉"]
COMPANY_WORDS = [
    "精機",
    "物流",
    "商事",
    "製作所",
    "システム",
    "電機",
    "建設",
    "薬品",
    "食品",
    "工業",
]
AFFIXES = ["株式会社{}", "{}株式会社", "有限会社{}", "{}(株)"]
TITLES = ["情報システム部 部長", "総務部 課長", "経営企画室", "代表取締役", "工場長"]
NEEDS = [
    "基幹サーバーの老朽化に伴う更改を検討中。",
    "拠点間のファイル共有とバックアップを見直したい。",
    "テレワーク環境のセキュリティを強化したい。",
    "販売管理システムをクラウドへ移行したい。",
    "保守契約の切れる機器の入れ替えを相談したい。",
]
TEASERS = [
    "{industry}企業、{size}名規模。{product}の更改を{timing}に検討。",
    "{region}の{industry}。{product}の導入について情報収集中。",
    "既存顧客。{product}の追加導入を検討、予算確保済み。",
]
NOTE_TEXTS = [
    "電話にて。現行サーバーが5年経過し、保守切れが近いとのこと。見積を希望。",
    "ウェブ問い合わせ。複数拠点のデータ共有に課題あり。担当者は前向き。",
    "訪問。決裁者は部長、来期予算で検討。競合他社からも提案を受けている。",
    "メールにて納期の確認。年度末までの導入を希望。",
    "クレーム対応の経緯あり。前回の導入時の対応に不満。丁寧なフォローが必要。",
    "製品に関する問い合わせ。ライセンス体系について説明した。",
]
COMMENT_TEXTS = [
    "本日お客様を訪問しました。次回は見積を持参します。",
    "ご紹介ありがとうございます。来週アポイントを取りました。",
    "先方の決裁が来月にずれ込むとのことです。",
    "提案書を送付しました。ご確認をお願いします。",
    "Thank you, we called the customer today and set up a meeting.",
]
AUDIT_ACTIONS = [
    ("offer.offered", "Offer"),
    ("offer.details_requested", "Offer"),
    ("offer.accepted", "Offer"),
    ("offer.declined", "Offer"),
    ("lead.viewed_contact", "Lead"),
    ("lead.stage_changed", "Lead"),
    ("comment.posted", "Offer"),
    ("note.added", "Lead"),
]
DECLINE_REASONS = [
    "no_capacity",
    "out_of_territory",
    "no_product_fit",
    "already_known",
    "too_small",
    "other",
]
LOST_REASONS = ["price", "competitor", "no_budget", "no_decision", "timing", "unreachable", "other"]
OPEN_OFFER_STATES = ["offered", "details_requested", "details_granted"]
RESPONSE_SLA_HOURS = 48
UPDATE_SLA_DAYS = 14
WORKING_STAGES = ("appointment", "needs_hearing", "proposal")


def fmt(ts: float) -> str:
    """A UTC epoch time as the naive UTC text both databases parse."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def fmt_date(ts: float) -> str:
    """A UTC epoch time as an ISO date."""
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def token(rng: random.Random, nbytes: int) -> str:
    """A URL-safe random token drawn from ``rng`` (reproducible, unlike ``secrets``)."""
    return base64.urlsafe_b64encode(rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")).decode()


def password_hash(seed: int) -> str:
    """One Argon2id hash of the demo password shared by every generated user (fixed salt)."""
    from argon2 import PasswordHasher
    from argon2.low_level import Type, hash_secret

    params = PasswordHasher()
    salt = random.Random(f"{seed}:salt").getrandbits(128).to_bytes(16, "big")
    return hash_secret(
        PASSWORD.encode(),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        type=Type.ID,
    ).decode()


def partner_slug(index: int) -> str:
    """``p0001`` … ``p1000``: partner 1 is the largest."""
    return f"p{index:04d}"


def manager_email(index: int) -> str:
    """The first manager of partner ``index`` (known to the load driver)."""
    return f"manager@{partner_slug(index)}.{DOMAIN}"


def rep_email(index: int) -> str:
    """The first rep of partner ``index`` (known to the load driver)."""
    return f"rep@{partner_slug(index)}.{DOMAIN}"


STAFF_ADMIN = f"admin@{DOMAIN}"
STAFF_SALES = f"sales@{DOMAIN}"


@dataclass
class Plan:
    """Ids and relations shared between the tables while generating."""

    scale: Scale
    seed: int
    now: float
    vendor_id: int = 1
    admin_id: int = 1
    sales_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    partner_cum_weights: list[float] = field(default_factory=list)
    managers: dict[int, list[int]] = field(default_factory=dict)
    reps: dict[int, list[int]] = field(default_factory=dict)
    # (offer id, organisation id, accepted at) of every accepted offer, for the board.
    accepted: list[tuple[int, int, float]] = field(default_factory=list)
    lead_refs: list[str] = field(default_factory=list)
    offer_counts: dict[str, int] = field(default_factory=dict)
    today_jst: str = ""

    def rng(self, table: str) -> random.Random:
        """One reproducible random stream per table."""
        return random.Random(f"{self.seed}:{table}")

    def pick_partner(self, rng: random.Random) -> int:
        """A partner id, large partners far more often (Zipf, s = 1)."""
        i = bisect.bisect_left(
            self.partner_cum_weights, rng.random() * self.partner_cum_weights[-1]
        )
        return self.partner_ids[min(i, len(self.partner_ids) - 1)]


# --------------------------------------------------------------------------- tables

Row = tuple
Table = tuple[str, list[str], int, Callable[[Plan], Iterator[Row]]]


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


POLICY_COLUMNS = [
    "organisation_id",
    "show_notes",
    "show_installed_products",
    "show_contact",
    "show_value",
    "details_need_approval",
    "allowed_regions",
    "allowed_product_lines",
    "max_open_leads",
    "response_sla_hours",
    "update_sla_days",
    "registration_days",
]


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


# --------------------------------------------------------------------------- the plan


def make_plan(scale: Scale, seed: int, now: datetime) -> Plan:
    """Fix every id and the partner weights before any row is written."""
    plan = Plan(scale=scale, seed=seed, now=now.timestamp())
    plan.today_jst = fmt_date(plan.now + 9 * 3600)  # Asia/Tokyo has no DST
    plan.sales_ids = list(range(2, 2 + scale.sales_users))
    plan.partner_ids = list(range(2, 2 + scale.partners))
    plan.partner_cum_weights = list(
        itertools.accumulate(1 / n for n in range(1, scale.partners + 1))
    )
    return plan


def _index_users(plan: Plan, users: list[Row]) -> None:
    """Remember every partner's managers and reps for the offer and comment tables."""
    for row in users:
        uid, _email, _name, role, org = row[:5]
        if role == "partner_manager":
            plan.managers.setdefault(org, []).append(uid)
        elif role == "partner_rep":
            plan.reps.setdefault(org, []).append(uid)


def tables(plan: Plan) -> list[tuple[str, list[str], int, Callable[[], Iterable[Row]]]]:
    """Every table in load order: (name, columns, expected rows, row source)."""
    s = plan.scale
    return [
        ("prospects", PROSPECT_COLUMNS, s.leads, lambda: prospect_rows(plan)),
        (
            "installed_products",
            INSTALLED_PRODUCT_COLUMNS,
            s.installed_products,
            lambda: installed_product_rows(plan),
        ),
        ("leads", LEAD_COLUMNS, s.leads, lambda: lead_rows(plan)),
        ("offers", OFFER_COLUMNS, s.offers, lambda: offer_rows(plan)),
        ("conversation_notes", NOTE_COLUMNS, s.notes, lambda: note_rows(plan)),
        ("comments", COMMENT_COLUMNS, s.comments, lambda: comment_rows(plan)),
        ("audit_events", AUDIT_COLUMNS, s.audit_events, lambda: audit_rows(plan)),
    ]


# --------------------------------------------------------------------------- loading


def seed(
    engine: sa.Engine,
    scale_name: str,
    seed_value: int = 1,
    now: datetime | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    """Empty the database and load one scale of generated data; return what was loaded."""
    scale = SCALES[scale_name]
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    plan = make_plan(scale, seed_value, now)
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"
    if not postgres and scale.leads > SCALES["small"].leads:
        raise ValueError("full scale needs PostgreSQL (SQLite loads the small scale only)")
    users = list(user_rows(plan))
    _index_users(plan, users)
    small = [
        ("organisations", ORGANISATION_COLUMNS, list(organisation_rows(plan))),
        ("users", USER_COLUMNS, users),
        ("partner_policies", POLICY_COLUMNS, list(policy_rows(plan))),
    ]
    big = tables(plan)
    total = sum(len(rows) for _, _, rows in small) + sum(n for _, _, n, _ in big)
    bar = tqdm(total=total, unit="row", unit_scale=True, disable=not progress, desc="seed")
    counts: dict[str, int] = {}
    timings: dict[str, float] = {}
    loader = _PostgresLoader(engine, log) if postgres else _SQLiteLoader(engine)
    with loader:
        for name, columns, rows in small:
            t0 = time.perf_counter()
            counts[name] = loader.load(name, columns, rows, bar)
            timings[name] = round(time.perf_counter() - t0, 2)
        for name, columns, _n, source in big:
            t0 = time.perf_counter()
            counts[name] = loader.load(name, columns, source(), bar)
            timings[name] = round(time.perf_counter() - t0, 2)
            bar.set_postfix_str(name)
        t0 = time.perf_counter()
        loader.finish()
        timings["indexes_and_constraints"] = round(time.perf_counter() - t0, 2)
    bar.close()
    t0 = time.perf_counter()
    loader.analyze()
    timings["vacuum_analyze"] = round(time.perf_counter() - t0, 2)
    # COPY bypasses the session's listeners: count the counters once from the rows.
    t0 = time.perf_counter()
    with Session(engine) as session:
        counters.check(session, fix=True)
        session.commit()
    timings["counters"] = round(time.perf_counter() - t0, 2)
    return {
        "scale": scale_name,
        "seed": seed_value,
        "anchor": now.isoformat(),
        "rows": counts,
        "offer_states": plan.offer_counts,
        "seconds": round(time.perf_counter() - started, 1),
        "table_seconds": timings,
    }


TRUNCATE_ORDER = [
    "counters",
    "report_snapshots",
    "audit_events",
    "outbox_messages",
    "board_reads",
    "comments",
    "activities",
    "stage_changes",
    "deal_registrations",
    "conversation_notes",
    "offers",
    "leads",
    "installed_products",
    "prospects",
    "partner_policies",
    "users",
    "organisations",
]


class _PostgresLoader:
    """COPY into emptied tables inside one transaction; indexes rebuilt at the end."""

    BIG = (
        "prospects",
        "installed_products",
        "leads",
        "offers",
        "conversation_notes",
        "comments",
        "audit_events",
    )

    def __init__(self, engine: sa.Engine, log: Callable[[str], None]):
        self.engine = engine
        self.log = log
        self.raw = None
        self.conn = None
        self.dropped: list[tuple[str, str]] = []

    def __enter__(self):
        self.raw = self.engine.raw_connection()
        self.conn = self.raw.driver_connection
        cur = self.conn.cursor()
        existing = {
            r[0]
            for r in cur.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        names = ", ".join(t for t in TRUNCATE_ORDER if t in existing)
        cur.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        superuser = cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if superuser.fetchone()[0]:
            # Foreign keys stay declared; their triggers are skipped for rows built valid.
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Secondary indexes (not the primary keys or unique constraints) are rebuilt after.
        rows = cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (list(self.BIG),),
        ).fetchall()
        for name, definition in rows:
            cur.execute(f'DROP INDEX "{name}"')
            self.dropped.append((name, definition))
        return self

    def load(self, table: str, columns: list[str], rows: Iterable[Row], bar: tqdm) -> int:
        """COPY ``rows`` into ``table`` (FREEZE: the table was truncated in this transaction)."""
        n = 0
        cols = ", ".join(columns)
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FREEZE)") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
                    n += 1
                    if n % 20_000 == 0:
                        bar.update(20_000)
            bar.update(n % 20_000)
            if columns[0] == "id":
                # Later inserts by the app continue after the generated ids.
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"GREATEST((SELECT max(id) FROM {table}), 1))"
                )
        return n

    def finish(self) -> None:
        """Rebuild the dropped indexes (the partial unique ones check the offers)."""
        with self.conn.cursor() as cur:
            for _name, definition in tqdm(self.dropped, desc="indexes", leave=False):
                cur.execute(definition)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()
        self.raw.close()

    def analyze(self) -> None:
        """Statistics and the visibility map, so the planner and index-only scans are right."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM (ANALYZE)"))


class _SQLiteLoader:
    """executemany into emptied tables (small scale)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def __enter__(self):
        self.raw = self.engine.raw_connection()
        cur = self.raw.cursor()
        cur.execute("PRAGMA foreign_keys = OFF")
        existing = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in TRUNCATE_ORDER:
            if table in existing:
                cur.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        return self

    def load(self, table: str, columns: list[str], rows: Iterable[Row], bar: tqdm) -> int:
        """Insert ``rows`` in chunks of 5,000."""
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        cur = self.raw.cursor()
        n = 0
        source = iter(rows)
        while chunk := list(itertools.islice(source, 5000)):
            cur.executemany(sql, chunk)
            n += len(chunk)
            bar.update(len(chunk))
        return n

    def finish(self) -> None:
        """Nothing to rebuild on SQLite."""

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.raw.commit()
        else:
            self.raw.rollback()
        cur = self.raw.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        self.raw.close()

    def analyze(self) -> None:
        """Refresh SQLite's planner statistics."""
        with self.engine.begin() as c:
            c.execute(sa.text("ANALYZE"))
