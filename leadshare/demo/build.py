"""The demo's builder: a vendor, five partners and about sixty leads from :mod:`.data`.

Everything is built through the rules in :mod:`models.workflow` with ``now=`` set
to moments in the past, so the audit log, the stage histories, the boards and the
outbox tell one consistent story. A session hook stamps the rows the rules create
without a time (audit events, outbox messages) with the same demo clock.

The content is deterministic (one ``random.Random`` with a fixed seed); the opaque
lead references and session tokens stay random because they are secrets.
Loading is idempotent: when the vendor organisation exists, nothing changes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher

from leadshare.demo.clock import DemoClock, demo_clock
from leadshare.demo.conversations import (
    ACTIVITY_TEXT,
    ACTIVITY_TEXT_EN,
    DECLINES,
    ENGLISH_COMPANIES,
    ENGLISH_INTERNAL,
    FOLLOW_UPS,
    INTERNAL_NOTES,
    LOST_OUTCOMES,
    SCENARIOS,
    WITHDRAW_REASONS,
)
from leadshare.demo.data import (
    ANSWER_SPEED,
    CONTACT_TITLES,
    GIVEN_NAMES,
    INDUSTRY_JA,
    INDUSTRY_WORDS,
    INSTALLED,
    ORDER_PRODUCTS,
    PARTNERS,
    PATHS,
    PEOPLE,
    PLACES,
    PLANS,
    REGISTRATIONS,
    SIZE_PEOPLE,
    STAFF,
    STEMS,
    SURNAMES,
    VENDOR_NAME,
)
from leadshare.extensions import db
from models import (
    Channel,
    ConsentMethod,
    InstalledProduct,
    Lead,
    LeadSource,
    Locale,
    NoteCategory,
    NoteVisibility,
    Offer,
    Organisation,
    OrgKind,
    OutboxStatus,
    PartnerPolicy,
    Prospect,
    Role,
    Stage,
    Timing,
    User,
    utcnow,
)
from models import workflow as wf
from models.base import business_zone

PASSWORD = "demo-password"  # noqa: S105 - the documented demo password
SEED = 20240401
VENDOR_SLUG = "vendor"

OPEN_OUTCOMES = ("offered", "offered!", "requested", "granted")


# --------------------------------------------------------------------------- the builder


@dataclass
class _World:
    """Everything the builder needs while it writes the demo."""

    rng: random.Random
    clock: DemoClock
    now: datetime
    staff: dict[str, User] = field(default_factory=dict)
    partners: dict[str, Organisation] = field(default_factory=dict)
    managers: dict[str, User] = field(default_factory=dict)
    reps: dict[str, list[User]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    counter: int = 0

    def tick(self) -> int:
        """A running number, to vary texts deterministically."""
        self.counter += 1
        return self.counter


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _d(days: float) -> timedelta:
    return timedelta(days=days)


def _jst_date(moment: datetime) -> date:
    """The calendar date of a UTC moment in the business time zone (Japan)."""
    return moment.astimezone(business_zone()).date()


def _phone(rng: random.Random, area: str) -> str:
    """A Japanese fixed-line number with ``area`` as its area code (ten digits in all)."""
    rest = 10 - len(area)
    local = "".join(str(rng.randint(0, 9)) for _ in range(rest))
    local = str(rng.randint(2, 9)) + local[1:]
    split = rest - 4
    return f"{area}-{local[:split]}-{local[split:]}"


def _person(rng: random.Random) -> tuple[str, str, str]:
    """A Japanese name as written, and its romaji parts (surname, given name)."""
    surname, s_r = rng.choice(SURNAMES)
    given, g_r = rng.choice(GIVEN_NAMES)
    return f"{surname} {given}", s_r, g_r


def _create_users(w: _World, password_hash: str, at: datetime) -> None:
    """The vendor's staff and every partner's people."""
    vendor = Organisation(kind=OrgKind.VENDOR, slug=VENDOR_SLUG, name=VENDOR_NAME, created_at=at)
    db.session.add(vendor)

    def person(org: Organisation, email: str, name: str, role: Role, locale: Locale) -> User:
        user = User(
            email=email,
            name=name,
            role=role,
            organisation=org,
            locale=locale,
            password_hash=password_hash,
            password_changed_at=at,
            created_at=at,
        )
        db.session.add(user)
        return user

    for key, email, name, role, locale in STAFF:
        w.staff[key] = person(vendor, email, name, role, locale)
    db.session.flush()

    for spec in PARTNERS:
        org = Organisation(
            kind=OrgKind.PARTNER,
            slug=spec["slug"],
            name=spec["name"],
            tier=spec["tier"],
            status=spec["status"],
            regions=spec["regions"],
            product_lines=spec["product_lines"],
            size_band=spec["size_band"],
            source=spec["source"],
            annual_value=spec["annual_value"],
            engagement=spec["engagement"],
            account_owner=w.staff[spec["owner"]],
            created_at=at,
        )
        org.policy = PartnerPolicy(**spec["policy"])
        db.session.add(org)
        w.partners[spec["slug"]] = org

    for slug, email, name, role, locale in PEOPLE:
        user = person(w.partners[slug], email, name, role, locale)
        if role is Role.PARTNER_MANAGER:
            w.managers[slug] = user
        else:
            w.reps.setdefault(slug, []).append(user)
    db.session.flush()


def _prospect(
    w: _World, region: str, line: str, flags: set[str], created: datetime, owner: User
) -> tuple[Prospect, dict[str, str]]:
    """A prospect company in ``region``, and the texts of its lead."""
    rng = w.rng
    english = next((f[3:] for f in flags if f.startswith("en:")), None)
    if english:
        spec = dict(ENGLISH_COMPANIES[english])
        texts = {key: spec.pop(key) for key in ("teaser", "need", "said")}
        prospect = Prospect(region=region, created_at=created, **spec)
    else:
        industry = rng.choice(sorted(INDUSTRY_WORDS))
        while True:
            stem, stem_r = rng.choice(STEMS[region])
            word, word_r = rng.choice(INDUSTRY_WORDS[industry])
            name = f"株式会社{stem}{word}" if rng.random() < 0.5 else f"{stem}{word}株式会社"
            if name not in w.names:
                break
        address, area, place = rng.choice(PLACES[region])
        size_band = rng.choice(["1-49", "50-299", "50-299", "300-999", "1000+"])
        low, high = SIZE_PEOPLE[size_band]
        people = rng.randint(low, high) // 10 * 10 or 10
        domain = f"{stem_r}-{word_r}.co.jp"
        contact, surname_r, given_r = _person(rng)
        representative, _, _ = _person(rng)
        block = f"{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}"
        building = rng.choice(
            ["", f" {stem}ビル{rng.randint(2, 9)}F", f" 第{rng.randint(2, 3)}ビル"]
        )
        teaser_end, need, said = rng.choice(SCENARIOS[line])
        texts = {
            "teaser": f"{place}の{INDUSTRY_JA[industry]}（従業員約{people}名）。{teaser_end}",
            "need": need,
            "said": said,
        }
        main = _phone(rng, area)
        prospect = Prospect(
            company_name=name,
            address=f"{address}{block}{building}",
            phone=main,
            representative=representative,
            website=f"https://www.{domain}",
            industry=industry,
            size_band=size_band,
            region=region,
            contact_name=contact,
            contact_title=rng.choice(CONTACT_TITLES),
            contact_phone=f"{main[:-4]}{rng.randint(1000, 9999)}",
            contact_email=f"{given_r[0]}.{surname_r}@{domain}",
            created_at=created,
        )
        w.names.add(name)
    if "noconsent" not in flags:
        prospect.consent_to_share = True
        prospect.consent_recorded_at = created + _h(1)
        prospect.consent_method = rng.choice(list(ConsentMethod))
        prospect.consent_recorded_by_id = owner.id
    db.session.add(prospect)
    if rng.random() < 0.6:
        installed_line = rng.choice(sorted(INSTALLED))
        product, notes = INSTALLED[installed_line]
        prospect.installed_products.append(
            InstalledProduct(
                product_name=product,
                product_line=installed_line,
                quantity=rng.randint(1, 4),
                notes=notes,
                installed_on=date(rng.randint(2015, 2021), rng.randint(1, 12), 1),
            )
        )
    return prospect, texts


def _worker(w: _World, offer: Offer) -> User:
    """Who works an accepted lead: the assigned rep, else the partner's manager."""
    return offer.assigned_rep or w.managers[offer.organisation.slug]


def _english(lead: Lead) -> bool:
    return lead.teaser.isascii()


def _make_offer(
    w: _World, lead: Lead, slug: str, at: datetime, *, comment: bool, override: bool = False
) -> Offer:
    """Offer ``lead`` to partner ``slug`` at ``at``."""
    place = lead.teaser.split("の", 1)[0] if not _english(lead) else None
    text = None
    if comment:
        text = (
            f"{place}のお客様です。導入時期が近いため、早めのご連絡をお願いします。"
            if place
            else "English-speaking customer; please assign someone who can meet in English."
        )
    reason = (
        "お客様が同社の九州拠点と取引があり、同社経由での提案を希望されているため。"
        if override
        else None
    )
    return wf.offer_lead(
        lead, w.partners[slug], lead.owner, comment=text, override_reason=reason, now=w.clock(at)
    )


def _answer_at(offer: Offer, start: datetime, room: timedelta) -> datetime:
    """When the offer's partner first answers, given ``room`` before its next step."""
    return start + room * ANSWER_SPEED.get(offer.organisation.slug, 0.3)


def _request(w: _World, offer: Offer, at: datetime, *, grant: bool = True) -> None:
    """The partner's manager asks for details; staff grant them when the policy needs it."""
    manager = w.managers[offer.organisation.slug]
    wf.request_details(offer, manager, now=w.clock(at))
    if grant and offer.state.value == "details_requested":
        wf.grant_details(offer, offer.lead.owner, now=w.clock(at + _h(2)))


@contextmanager
def _approval_needed(partner: Organisation) -> Iterator[None]:
    """These requests came in while the partner's details still needed staff approval."""
    policy = partner.policy
    before = policy.details_need_approval
    policy.details_need_approval = True
    try:
        yield
    finally:
        policy.details_need_approval = before


def _end_offer(w: _World, offer: Offer, outcome: str, at: datetime) -> datetime:
    """Decline, expire or withdraw an offer made at ``at``; return when it ended."""
    n = w.tick()
    manager = w.managers[offer.organisation.slug]
    if n % 2:
        _request(w, offer, _answer_at(offer, at, _h(4)))
    if outcome == "declined":
        reason, note = DECLINES[n % len(DECLINES)]
        end = at + _h(5)
        wf.decline_offer(offer, manager, reason=reason, note=note, now=w.clock(end))
    elif outcome == "expired":
        end = offer.respond_by + timedelta(minutes=10)
        wf.expire_offer(offer, now=w.clock(end))
    else:
        end = at + _h(6)
        wf.withdraw_offer(offer, offer.lead.owner, reason=WITHDRAW_REASONS[n % 2], now=w.clock(end))
    return end


def _comment(w: _World, offer: Offer, author: User, at: datetime, ja: str, en: str) -> None:
    """Post on the board in the language the lead (or the author) is kept in."""
    english = _english(offer.lead) or author.locale is Locale.EN and author.is_partner
    wf.post_comment(offer, author, body=en if english else ja, now=w.clock(at))


def _work(
    w: _World, offer: Offer, final: Stage, accepted: datetime, end: datetime, line: str
) -> None:
    """Carry an accepted lead from its appointment to ``final``, the last step at ``end``."""
    lead = offer.lead
    worker = _worker(w, offer)
    owner = lead.owner
    rng = w.rng
    _comment(
        w,
        offer,
        owner,
        accepted + _h(2),
        "受諾ありがとうございます。お客様は早期の導入を希望されています。"
        "初回訪問の日程が決まりましたら、こちらでお知らせください。",
        "Thank you for accepting. The customer would like to move quickly; "
        "please post here once the first visit is booked.",
    )
    _comment(
        w,
        offer,
        worker,
        accepted + _h(6),
        "承知しました。来週前半で訪問日程を調整しています。",
        "Understood. We are arranging a first visit early next week.",
    )
    path = PATHS[final]
    steps = len(path) + 1
    gap = (end - accepted) / steps
    english = _english(lead)
    for i, stage in enumerate([Stage.APPOINTMENT, *path]):
        at = accepted + gap * (i + 1)
        nxt = path[i] if i < len(path) else None
        if nxt is None:
            # The last thing that happened: a contact about the current stage.
            channel, category, text = ACTIVITY_TEXT[stage]
            if stage in (Stage.WON, Stage.DELIVERED, Stage.PAID, Stage.LOST):
                break
            wf.log_activity(
                offer,
                worker,
                occurred_at=at,
                channel=channel,
                category=category,
                detail=ACTIVITY_TEXT_EN[stage] if english else text,
                now=w.clock(at),
            )
            break
        channel, category, text = ACTIVITY_TEXT[nxt]
        contact = at - gap / 2
        wf.log_activity(
            offer,
            worker,
            occurred_at=contact,
            channel=channel,
            category=category,
            detail=ACTIVITY_TEXT_EN[nxt] if english else text,
            now=w.clock(contact),
        )
        if nxt is Stage.WON:
            order = _jst_date(at)
            delivery_step = accepted + gap * (i + 2)
            delivery = (
                _jst_date(delivery_step)
                if final in (Stage.DELIVERED, Stage.PAID)
                else order + timedelta(days=45)
            )
            amount = round((lead.estimated_value or 5_000_000) * rng.uniform(0.85, 1.1), -4)
            wf.close_won(
                offer,
                worker,
                order_date=order,
                product=ORDER_PRODUCTS[line],
                amount=int(amount),
                delivery_date=delivery,
                now=w.clock(at),
            )
            _comment(
                w,
                offer,
                worker,
                at + _h(3),
                "おかげさまで受注できました。ご紹介ありがとうございました。",
                "We won the order. Thank you for the introduction.",
            )
        elif nxt is Stage.LOST:
            reason, note = LOST_OUTCOMES[w.tick() % len(LOST_OUTCOMES)]
            wf.close_lost(offer, worker, reason=reason, note=note, now=w.clock(at))
        else:
            wf.move_stage(offer, worker, nxt, now=w.clock(at))


def _build_lead(w: _World, index: int, region: str, line: str, offers: str, flags_text: str):
    """Create one lead with its notes and its whole offer history."""
    rng = w.rng
    flags = set(flags_text.split())
    steps = [tuple(s.split(":", 1)) for s in offers.split()]
    final_slug, final = steps[-1] if steps else (None, None)
    history = [s for s in steps[:-1] if s[1] != "race"]
    races = [s for s in steps[:-1] if s[1] == "race"]
    now = w.now

    # Work out when the lead was found, counting back from its last step.
    final_stage: Stage | None = None
    if final and final.startswith("accepted:"):
        final_stage = Stage(final.split(":", 1)[1])
        tail = _d(rng.uniform(24, 40)) if "stale" in flags else _d(rng.uniform(0.5, 5))
        if final_stage in (Stage.WON, Stage.DELIVERED, Stage.PAID, Stage.LOST):
            tail = _d(rng.uniform(3, 25))
        end = now - tail
        per_step = _d(rng.uniform(6, 12))
        accepted = end - per_step * (len(PATHS[final_stage]) + 1)
        final_offer_at = accepted - _h(rng.uniform(4, 18))
    elif final in OPEN_OUTCOMES:
        sla = w.partners[final_slug].policy.response_sla_hours
        if final == "offered!":
            final_offer_at = now - _h(sla - rng.uniform(2, 6))
        else:
            final_offer_at = now - _h(rng.uniform(5, sla * 0.7))
    else:
        final_offer_at = now - _d(rng.uniform(5, 20))
    created = final_offer_at - _d(2 + 5 * len(history) + rng.uniform(0, 4))

    owner = w.staff["sales2"] if index % 3 == 2 else w.staff["sales"]
    prospect, texts = _prospect(w, region, line, flags, created, owner)
    timing = rng.choice(
        [
            Timing.WITHIN_1_MONTH,
            Timing.WITHIN_3_MONTHS,
            Timing.WITHIN_3_MONTHS,
            Timing.WITHIN_6_MONTHS,
            Timing.LATER,
        ]
    )
    if "overdue" in flags:
        close_on = _jst_date(now) - timedelta(days=rng.randint(5, 25))
    else:
        close_on = _jst_date(now) + timedelta(days=rng.randint(20, 150))
    lead = Lead(
        prospect=prospect,
        teaser=texts["teaser"],
        need=texts["need"],
        product_interest=line,
        source=rng.choice(
            [
                LeadSource.PHONE,
                LeadSource.PHONE,
                LeadSource.WEB,
                LeadSource.EVENT,
                LeadSource.REFERRAL,
            ]
        ),
        timing=timing,
        estimated_value=rng.randint(15, 400) * 100_000,
        expected_close_on=close_on,
        owner=owner,
        created_at=w.clock(created),
    )
    db.session.add(lead)
    db.session.flush()

    english = _english(lead)
    wf.add_note(
        lead,
        owner,
        text=texts["said"],
        channel=Channel.PHONE,
        category=NoteCategory.PRODUCT_INQUIRY,
        visibility=NoteVisibility.SHAREABLE,
        occurred_at=w.clock(created),
    )
    wf.add_note(
        lead,
        owner,
        text=ENGLISH_INTERNAL if english else rng.choice(INTERNAL_NOTES),
        channel=Channel.PHONE,
        category=NoteCategory.OTHER,
        visibility=NoteVisibility.INTERNAL,
        occurred_at=w.clock(created + _h(1)),
    )
    if not english and index % 2 == 0:
        channel, category, text = FOLLOW_UPS[index % len(FOLLOW_UPS)]
        wf.add_note(
            lead,
            owner,
            text=text,
            channel=channel,
            category=category,
            visibility=NoteVisibility.SHAREABLE if index % 4 else NoteVisibility.INTERNAL,
            occurred_at=w.clock(created + _d(1)),
        )

    if "new" in flags:
        # Captured, checklist still incomplete.
        wf.qualify_lead(
            lead,
            owner,
            budget=index % 2 == 0,
            authority=False,
            need=True,
            timing=index % 3 == 0,
            now=w.clock(created + _d(1) + _h(2)),
        )
        return lead
    wf.qualify_lead(
        lead,
        owner,
        budget=True,
        authority=True,
        need=True,
        timing=True,
        now=w.clock(created + _d(1) + _h(2)),
    )

    at = created + _d(2)
    for slug, outcome in history:
        offer = _make_offer(w, lead, slug, at, comment=False)
        at = _end_offer(w, offer, outcome, at) + _d(1)
    if final is None:
        return lead
    if final in ("declined", "expired", "withdrawn"):
        offer = _make_offer(w, lead, final_slug, final_offer_at, comment=True)
        _end_offer(w, offer, final, final_offer_at)
        return lead

    for slug, _ in races:
        _make_offer(w, lead, slug, final_offer_at - timedelta(minutes=5), comment=False)
    offer = _make_offer(
        w, lead, final_slug, final_offer_at, comment=index % 2 == 0, override="override" in flags
    )
    partner = w.partners[final_slug]
    if final == "requested":
        with _approval_needed(partner):
            room = min(w.now - final_offer_at, _h(8))
            _request(w, offer, _answer_at(offer, final_offer_at, room), grant=False)
    elif final == "granted":
        room = min(w.now - final_offer_at, _h(8)) - _h(2)  # staff grant two hours later
        _request(w, offer, _answer_at(offer, final_offer_at, room))
    elif final_stage is not None:
        if index % 3:
            _request(w, offer, _answer_at(offer, final_offer_at, accepted - final_offer_at))
        reps = w.reps[final_slug]
        rep = None if index % 4 == 3 else reps[index % len(reps)]
        wf.accept_offer(offer, w.managers[final_slug], rep=rep, now=w.clock(accepted))
        _work(w, offer, final_stage, accepted, end, line)
        if "stale" in flags:
            _comment(
                w,
                offer,
                owner,
                now - _d(2),
                "その後の進捗はいかがでしょうか。お客様から当社にも問い合わせがありました。",
                "Any news? The customer called us asking about next steps.",
            )
    return lead


def _registrations(w: _World) -> None:
    """Deal registrations: approved (now a lead), submitted, under review (a conflict), rejected."""
    now = w.now
    alpha_rep = w.reps["alpha"][1]
    approved = REGISTRATIONS["approved"]
    registration = wf.register_deal(alpha_rep, now=w.clock(now - _d(12)), **approved["fields"])
    lead = wf.approve_registration(registration, w.staff["sales"], now=w.clock(now - _d(11)))
    channel, category, detail = approved["activity"]
    wf.log_activity(
        lead.offers[0],
        alpha_rep,
        occurred_at=now - _d(6),
        channel=channel,
        category=category,
        detail=detail,
        now=w.clock(now - _d(6)),
    )
    wf.register_deal(
        w.managers["beta"], now=w.clock(now - _d(1) - _h(3)), **REGISTRATIONS["pending"]["fields"]
    )
    wf.register_deal(alpha_rep, now=w.clock(now - _h(2)), **REGISTRATIONS["conflict"]["fields"])
    rejected = REGISTRATIONS["rejected"]
    registration = wf.register_deal(
        w.reps["gamma"][0], now=w.clock(now - _d(20)), **rejected["fields"]
    )
    wf.reject_registration(
        registration, w.staff["sales"], reason=rejected["reason"], now=w.clock(now - _d(19))
    )


def load_demo(now: datetime | None = None) -> bool:
    """Load the demo data; return False (and change nothing) when it is already there."""
    exists = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == VENDOR_SLUG))
    if exists is not None:
        return False
    now = (now or utcnow()).astimezone(UTC).replace(second=0, microsecond=0)
    password_hash = PasswordHasher().hash(PASSWORD)
    try:
        with demo_clock(now - _d(400), now) as clock:
            w = _World(rng=random.Random(SEED), clock=clock, now=now)
            _create_users(w, password_hash, now - _d(400))
            for index, plan in enumerate(PLANS):
                _build_lead(w, index, *plan)
            _registrations(w)
            db.session.flush()
            # The history was delivered long ago; only what happens from now on is mailed.
            for message in clock.messages:
                message.status = OutboxStatus.SENT
                message.sent_at = message.created_at
                message.attempts = 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


__all__ = ["PASSWORD", "load_demo"]
