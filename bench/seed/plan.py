"""The generation plan (ids and relations fixed before any row is written) and value helpers."""

from __future__ import annotations

import base64
import bisect
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import datetime

from bench.seed.scales import PASSWORD, Scale


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


Row = tuple


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


def index_users(plan: Plan, users: list[Row]) -> None:
    """Remember every partner's managers and reps for the offer and comment tables."""
    for row in users:
        uid, _email, _name, role, org = row[:5]
        if role == "partner_manager":
            plan.managers.setdefault(org, []).append(uid)
        elif role == "partner_rep":
            plan.reps.setdefault(org, []).append(uid)
