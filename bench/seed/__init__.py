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

The package, by topic: ``scales`` (how many rows, the generated logins),
``vocabulary`` (catalogue codes and texts the rows are made of), ``plan`` (ids
and relations fixed before any row is written), ``rows`` (one generator per
table) and ``load`` (``seed()`` and the PostgreSQL and SQLite loaders).
"""

from bench.seed.load import TRUNCATE_ORDER, seed, tables
from bench.seed.plan import Plan, make_plan
from bench.seed.scales import (
    DOMAIN,
    PASSWORD,
    SCALES,
    STAFF_ADMIN,
    STAFF_SALES,
    Scale,
    manager_email,
    partner_slug,
    rep_email,
)

__all__ = [
    "DOMAIN",
    "PASSWORD",
    "SCALES",
    "STAFF_ADMIN",
    "STAFF_SALES",
    "TRUNCATE_ORDER",
    "Plan",
    "Scale",
    "make_plan",
    "manager_email",
    "partner_slug",
    "rep_email",
    "seed",
    "tables",
]
