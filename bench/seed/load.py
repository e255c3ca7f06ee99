"""Loading the generated rows: ``seed()`` empties the database and fills it, table by table."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from tqdm import tqdm

from bench.seed.plan import Plan, Row, index_users, make_plan
from bench.seed.rows import (
    AUDIT_COLUMNS,
    COMMENT_COLUMNS,
    INSTALLED_PRODUCT_COLUMNS,
    LEAD_COLUMNS,
    NOTE_COLUMNS,
    OFFER_COLUMNS,
    ORGANISATION_COLUMNS,
    POLICY_COLUMNS,
    PROSPECT_COLUMNS,
    USER_COLUMNS,
    audit_rows,
    comment_rows,
    installed_product_rows,
    lead_rows,
    note_rows,
    offer_rows,
    organisation_rows,
    policy_rows,
    prospect_rows,
    user_rows,
)
from bench.seed.scales import SCALES
from models import counters


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
    index_users(plan, users)
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
