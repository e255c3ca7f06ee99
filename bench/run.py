"""The benchmark run behind ``make bench``: seed, serve, drive, time the commands, report.

``python -m bench.run --scale small|full`` (``DATABASE_URL`` must name PostgreSQL):

1. fills the database when it does not hold this scale yet (``flask bench seed --if-needed``);
2. starts ``gunicorn wsgi:app`` with ``BENCH_ENDPOINTS`` on;
3. picks the driver's targets from the database (a large partner's manager and rep,
   lead references, open offers to accept, accepted offers to comment on);
4. runs the load driver (``bench/driver.py``) in a separate process;
5. measures each gunicorn worker's resident memory;
6. times the SLA sweep, an outbox delivery pass (into a local SMTP sink) and a
   CSV import in-process with ``flask bench timeit``;
7. prints the table with each page's ratio to the reference endpoint and the
   targets, and writes ``bench/results/<date>-<scale>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent

#: The issue's targets (full scale, PostgreSQL). Checked and printed, never asserted in tests.
TARGETS = {
    "inbox_p95_ms (largest partner)": 30,
    "inbox_p95_ms (typical partner)": 30,
    "lead_page_p95_ms (largest partner)": 30,
    "lead_page_p95_ms (typical partner)": 30,
    "portal_throughput_vs_reference": 0.5,
    "staff_lead_list_p95_ms": 150,
    "staff_lead_list_speedup_vs_stock": 5,
    "staff_home_p95_ms": 100,
    "dashboard_p95_ms": 300,
    "accept_offer_p95_ms": 100,
    "import_leads_per_s": 5000,
    "sla_sweep_s": 2,
    "outbox_msgs_per_s": 200,
    "worker_rss_mb": 150,
    "scale_out_ratio": 1.7,
    "scale_out_errors": 0,
    "scale_out_duplicate_deliveries": 0,
}

SETTINGS = {
    "small": {
        "requests": 150,
        "warmup": 10,
        "seconds": 8,
        "concurrency": 4,
        "writes": 80,
        "import_rows": 1000,
        "slow_requests": 30,
        "budget_seconds": 45,
        "typical_partner": 10,
        "scale_seconds": 15,
    },
    "full": {
        "requests": 200,
        "warmup": 10,
        "seconds": 12,
        "concurrency": 4,
        "writes": 100,
        "import_rows": 5000,
        "slow_requests": 30,
        "budget_seconds": 45,
        "typical_partner": 100,
        "scale_seconds": 20,
    },
}


class _Skipped(Exception):
    """A job left out of this run on purpose."""


def plain_url(url: str) -> str:
    """A libpq URL psycopg accepts (no SQLAlchemy driver suffix)."""
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)


def flask(*args: str, env: dict, capture: bool = True) -> subprocess.CompletedProcess:
    """Run ``flask --app wsgi ARGS`` from the project root."""
    return subprocess.run(  # noqa: S603 - fixed argument lists
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def prepare_database(url: str, env: dict) -> None:
    """Create the database if missing and migrate it to head.

    The project keeps one regenerated schema revision until its first release, so
    a benchmark database stamped with an older revision is emptied and rebuilt:
    it only ever holds generated data.
    """
    from psycopg import sql

    conninfo = psycopg.conninfo.conninfo_to_dict(plain_url(url))
    name = conninfo.get("dbname")
    admin = psycopg.conninfo.make_conninfo(plain_url(url), dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    heads = {p.stem.split("_", 1)[0] for p in (ROOT / "migrations" / "versions").glob("*.py")}
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        stamped = (
            conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()[0]
            and conn.execute("SELECT version_num FROM alembic_version").fetchall()
        )
        if stamped and not {r[0] for r in stamped} <= heads:
            print("schema revision changed: rebuilding the benchmark database's schema")
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    flask("db", "upgrade", env=env)


def timeit(*args: str, env: dict) -> dict:
    """Time a ``flask`` command in-process (``flask bench timeit``); return output and seconds."""
    proc = flask("bench", "timeit", *args, env=env)
    lines = proc.stdout.strip().splitlines()
    timing = json.loads(lines[-1])
    timing["output"] = "\n".join(lines[:-1])[-2000:]
    return timing


def machine(conn: psycopg.Connection) -> dict:
    """What ran the benchmark: CPU, memory, PostgreSQL, Python, load."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "postgresql": conn.execute("SELECT version()").fetchone()[0],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def targets_from_db(conn: psycopg.Connection, n: int, writes: int, typical: int) -> dict:
    """Pick the driver's lead references: the largest partner (p0001) and a typical one."""
    from bench.seed import manager_email, partner_slug, rep_email

    org = conn.execute("SELECT id FROM organisations WHERE slug = 'p0001'").fetchone()[0]
    rep_id = conn.execute("SELECT id FROM users WHERE email = %s", (rep_email(1),)).fetchone()[0]
    page_refs = [
        r[0]
        for r in conn.execute(
            "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.organisation_id = %s AND NOT l.archived ORDER BY md5(l.ref) LIMIT %s",
            (org, n),
        )
    ]
    accept = conn.execute(
        "SELECT l.ref, o.version FROM offers o JOIN leads l ON l.id = o.lead_id "
        "WHERE o.organisation_id = %s AND o.state IN ('offered', 'details_requested', "
        "'details_granted') AND l.stage = 'qualified' AND NOT l.archived "
        "AND o.respond_by > now() AT TIME ZONE 'UTC' + interval '2 hours' "
        "ORDER BY md5(l.ref) LIMIT %s",
        (org, writes),
    ).fetchall()
    board = [
        r[0]
        for r in conn.execute(
            "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.organisation_id = %s AND o.state = 'accepted' AND NOT l.archived "
            "ORDER BY md5(l.ref) LIMIT %s",
            (org, writes),
        )
    ]
    typical_org = conn.execute(
        "SELECT id FROM organisations WHERE slug = %s", (partner_slug(typical),)
    ).fetchone()[0]
    typical_refs = [
        r[0]
        for r in conn.execute(
            "SELECT l.ref FROM offers o JOIN leads l ON l.id = o.lead_id "
            "WHERE o.organisation_id = %s AND NOT l.archived ORDER BY md5(l.ref) LIMIT %s",
            (typical_org, n),
        )
    ]
    typical_offers = conn.execute(
        "SELECT count(*) FROM offers WHERE organisation_id = %s", (typical_org,)
    ).fetchone()[0]
    max_lead = conn.execute("SELECT max(id) FROM leads").fetchone()[0]
    offers_of_org = conn.execute(
        "SELECT count(*) FROM offers WHERE organisation_id = %s", (org,)
    ).fetchone()[0]
    rep_leads = conn.execute(
        "SELECT count(*) FROM offers WHERE assigned_rep_id = %s AND state = 'accepted'", (rep_id,)
    ).fetchone()[0]
    return {
        "organisation_id": org,
        "manager": manager_email(1),
        "rep": rep_email(1),
        "offers_of_partner": offers_of_org,
        "typical_manager": manager_email(typical),
        "typical_refs": typical_refs,
        "offers_of_typical_partner": typical_offers,
        "accepted_leads_of_rep": rep_leads,
        "page_refs": page_refs,
        "accept": accept,
        "board": board,
        "max_lead_id": max_lead,
    }


def staff_list_filter(env: dict) -> str:
    """The query string of the back office's lead list filtered to stage = qualified."""
    os.environ.update(env)
    from leadshare import create_app

    app = create_app()
    for admin in app.extensions.get("admin", []):
        for view in admin._views:
            if getattr(view, "endpoint", None) != "staff_leads":
                continue
            for key, (_index, flt) in (view._filter_args or {}).items():
                column = getattr(getattr(flt, "column", None), "key", None)
                kind = type(flt).__name__
                if column == "stage" and "Equal" in kind and "Not" not in kind:
                    return f"flt0_{key}=QUALIFIED"
    return ""


def scenarios(t: dict, s: dict, staff_filter: str) -> list[dict]:
    """The driver's plan: every page of the issue, the reference and the stock ModelView."""
    from bench.seed import PASSWORD, STAFF_SALES

    def login(email: str, landing: str) -> dict:
        return {"email": email, "password": PASSWORD, "landing": landing}

    manager = login(t["manager"], "/leads")
    n, w = s["requests"] + s["warmup"], s["warmup"]
    common = {
        "budget_seconds": s["budget_seconds"],
        "warmup": w,
        "requests": s["requests"],
        "seconds": s["seconds"],
        "concurrency": s["concurrency"],
    }
    step = max(1, t["max_lead_id"] // n)
    refs = t["page_refs"] or ["missing"]
    typical = t["typical_refs"] or ["missing"]
    return [
        {
            "name": "reference",
            **common,
            "login": None,
            "steps": [{"path": f"/bench/reference?id={1 + i * step}"} for i in range(n)],
        },
        {"name": "inbox", **common, "login": manager, "steps": [{"path": "/leads"}]},
        {
            "name": "inbox_rep",
            **common,
            "login": login(t["rep"], "/leads"),
            "steps": [{"path": "/leads"}],
        },
        {
            "name": "inbox_typical",
            **common,
            "login": login(t["typical_manager"], "/leads"),
            "steps": [{"path": "/leads"}],
        },
        {
            "name": "lead_page_typical",
            **common,
            "login": login(t["typical_manager"], "/leads"),
            "steps": [{"path": f"/leads/{typical[i % len(typical)]}"} for i in range(n)],
        },
        {
            "name": "lead_page",
            **common,
            "login": manager,
            "steps": [{"path": f"/leads/{refs[i % len(refs)]}"} for i in range(n)],
        },
        {
            "name": "staff_lead_list",
            **common,
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": f"/admin/leads/?{staff_filter}"}],
        },
        {
            "name": "stock_modelview",
            "warmup": 2,
            "budget_seconds": s["budget_seconds"],
            "requests": s["slow_requests"],
            "seconds": s["seconds"],
            "concurrency": s["concurrency"],
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": "/admin/bench-stock-leads/"}],
        },
        {
            "name": "staff_home",
            **common,
            "requests": s["slow_requests"],
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": "/admin/"}],
        },
        {
            "name": "dashboard",
            "warmup": 2,
            "budget_seconds": s["budget_seconds"],
            "requests": s["slow_requests"],
            "seconds": s["seconds"],
            "concurrency": s["concurrency"],
            "login": login(STAFF_SALES, "/admin/"),
            "steps": [{"path": "/admin/reports/"}],
        },
        {
            "name": "board_comment",
            "warmup": 0,
            "login": manager,
            "expect": [302, 303],
            "steps": [
                {
                    "method": "POST",
                    "path": f"/leads/{ref}/comments",
                    "data": {"body": f"ベンチマークの投稿 {i}"},
                }
                for i, ref in enumerate(t["board"])
            ],
        },
        {
            "name": "accept_offer",
            "warmup": 0,
            "login": manager,
            "expect": [302, 303],
            "steps": [
                {
                    "method": "POST",
                    "path": f"/leads/{ref}/accept",
                    "data": {"version": str(version), "rep": "0", "comment": ""},
                }
                for ref, version in t["accept"]
            ],
        },
    ]


def write_import_csv(path: Path, rows: int, seed: int) -> None:
    """A CSV of new leads in the back office's import format (every row valid)."""
    from admin.imports import COLUMNS

    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for i in range(rows):
            values = {
                "company_name": f"株式会社インポート{seed}-{i:05d}",
                "address": f"愛知県名古屋市中区栄{i % 9 + 1}-1-1",
                "phone": f"052-{100 + i % 900}-{1000 + i % 9000}",
                "representative": "山田 太郎",
                "website": f"https://import{i}.example.jp",
                "industry": "manufacturing",
                "size_band": "50-299",
                "region": "chubu",
                "contact_name": "佐藤 花子",
                "contact_title": "情報システム部",
                "contact_phone": f"090-{1000 + i % 9000}-{2000 + i % 7000}",
                "contact_email": f"contact{seed}.{i}@import{i}.example.jp",
                "consent": "yes",
                "consent_method": "phone",
                "teaser": "製造業、サーバー更改を検討",
                "need": "基幹サーバーの更改",
                "product_interest": "servers",
                "source": "phone",
                "timing": "3m",
                "estimated_value": "3000000",
                "budget": "yes",
                "authority": "yes",
                "need_confirmed": "yes",
                "timing_confirmed": "yes",
                "partner": "",
            }
            out.writerow([values.get(c, "") for c in COLUMNS])


def start_smtp_sink(received: list | None = None) -> tuple[object, int]:
    """A local SMTP server that accepts every message (for the outbox rate).

    With ``received``, each message's Message-ID and recipients are appended to it.
    """
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            if received is not None:
                headers = BytesHeaderParser().parsebytes(envelope.content)
                received.append((headers.get("Message-ID"), tuple(envelope.rcpt_tos)))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def start_gunicorn(port: int, workers: int, env: dict) -> subprocess.Popen:
    """``gunicorn wsgi:app`` on ``port``, once it answers /healthz."""
    server = subprocess.Popen(  # noqa: S603 - fixed argument list
        [
            str(BIN / "gunicorn"),
            "wsgi:app",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz")


def scale_out(t: dict, s: dict, args, env: dict, conn: psycopg.Connection) -> dict:
    """Two gunicorn instances and two outbox workers against one PostgreSQL and one Redis.

    The same mixed load (partner pages and board posts) runs against one instance,
    then spread over two; Flask-Limiter keeps its counters in Redis (shared by
    the instances). Two ``flask outbox work`` processes deliver what the load
    queued into a local SMTP sink; every message must arrive exactly once.
    """
    from bench.seed import PASSWORD

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    except Exception as exc:  # noqa: BLE001 - report, do not stop the run
        return {"failed": f"Redis at {redis_url}: {exc}"}
    received: list = []
    controller, smtp_port = start_smtp_sink(received)
    shared = dict(
        env,
        FLASK_RATELIMIT_ENABLED="true",
        FLASK_RATELIMIT_STORAGE_URI=redis_url,
        FLASK_MAIL_SERVER="127.0.0.1",
        FLASK_MAIL_PORT=str(smtp_port),
    )
    sent_before = conn.execute(
        "SELECT count(*) FROM outbox_messages WHERE status = 'sent'"
    ).fetchone()[0]
    typical = t["typical_refs"] or ["missing"]
    reader = {
        "login": {"email": t["typical_manager"], "password": PASSWORD, "landing": "/leads"},
        "clients": 6,
        "steps": [{"path": "/leads"}]
        + [{"path": f"/leads/{ref}"} for ref in typical[:20]]
        + [{"path": "/leads?tab=accepted"}],
    }
    writer = {
        "login": {"email": t["manager"], "password": PASSWORD, "landing": "/leads"},
        "clients": 2,
        "expect": [302, 303],
        "steps": [
            {
                "method": "POST",
                "path": f"/leads/{ref}/comments",
                "data": {"body": f"スケールアウトの投稿 {i}"},
            }
            for i, ref in enumerate(t["board"][:40])
        ],
    }
    # The main server has stopped: its port and the one 100 above serve the two instances.
    ports = [args.port, args.port + 100]
    outcome: dict = {"seconds": s["scale_seconds"], "clients": 8}
    servers: list[subprocess.Popen] = []
    workers: list[subprocess.Popen] = []
    try:
        servers = [start_gunicorn(p, args.workers, shared) for p in ports]
        workers = [
            subprocess.Popen(  # noqa: S603 - fixed argument list
                [str(BIN / "flask"), "--app", "wsgi", "outbox", "work"],
                cwd=ROOT,
                env=shared,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        for label, bases in (("one", ports[:1]), ("two", ports)):
            with tempfile.TemporaryDirectory() as tmp:
                plan_file, out_file = Path(tmp) / "plan.json", Path(tmp) / "out.json"
                plan_file.write_text(
                    json.dumps(
                        {
                            "bases": [f"http://127.0.0.1:{p}" for p in bases],
                            "mixed": [reader, writer],
                            "seconds": s["scale_seconds"],
                        }
                    )
                )
                subprocess.run(  # noqa: S603 - fixed argument list
                    [sys.executable, "-m", "bench.driver", str(plan_file), str(out_file)],
                    cwd=ROOT,
                    env=env,
                    check=True,
                )
                outcome[label] = json.loads(out_file.read_text())
        # Let the two workers deliver what the load queued.
        deadline = time.time() + 180
        pending = None
        while time.time() < deadline:
            pending = conn.execute(
                "SELECT count(*) FROM outbox_messages WHERE status = 'pending' "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= now() AT TIME ZONE 'UTC')"
            ).fetchone()[0]
            if not pending:
                break
            time.sleep(2)
        outcome["pending_after"] = pending
    finally:
        for process in workers + servers:
            process.terminate()
        for process in workers + servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
    sent_after = conn.execute(
        "SELECT count(*) FROM outbox_messages WHERE status = 'sent'"
    ).fetchone()[0]
    ids = [message_id for message_id, _rcpt in received]
    outcome.update(
        sent_in_database=sent_after - sent_before,
        delivered_to_sink=len(received),
        duplicate_deliveries=len(ids) - len(set(ids)),
        errors=outcome.get("one", {}).get("errors", 0) + outcome.get("two", {}).get("errors", 0),
    )
    one = outcome.get("one", {}).get("throughput_rps")
    two = outcome.get("two", {}).get("throughput_rps")
    outcome["ratio"] = round(two / one, 2) if one and two else None
    outcome["summary"] = (
        f"one instance {one} req/s, two {two} req/s (×{outcome['ratio']}); "
        f"{outcome['errors']} errors; {len(received)} messages delivered by two workers, "
        f"{outcome['duplicate_deliveries']} twice; {outcome['pending_after']} left pending"
    )
    return outcome


def worker_rss(master: psutil.Process) -> list[float]:
    """Resident memory of each gunicorn worker, in MB."""
    return [round(p.memory_info().rss / 2**20, 1) for p in master.children(recursive=True)]


def fmt(value, unit: str = "") -> str:
    """A table cell."""
    if value is None:
        return "—"
    return f"{value:,.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def report(result: dict) -> str:
    """The benchmark table with ratios to the reference and the targets."""
    pages = {p["name"]: p for p in result["pages"]}
    ref = pages.get("reference", {})
    ref_rps = ref.get("throughput_rps") or 0
    lines = [
        f"LeadShare benchmark — scale {result['scale']}, {result['date']}",
        f"machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
        f"{result['machine']['memory_gb']} GB; {result['machine']['postgresql'].split(' on ')[0]}",
        f"gunicorn: {result['gunicorn']['workers']} sync workers; driver: "
        f"{result['settings']['concurrency']} clients for the throughput columns",
        "",
        f"{'page':<18}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'×ref p50':>10}"
        f"{'% ref rps':>11}{'errors':>8}",
    ]
    for name, page in pages.items():
        if "failed" in page:
            lines.append(f"{name:<18} FAILED: {page['failed'][:80]}")
            continue
        rps = page.get("throughput_rps")
        ratio = page["p50_ms"] / ref["p50_ms"] if ref.get("p50_ms") else None
        share = rps / ref_rps * 100 if rps and ref_rps else None
        lines.append(
            f"{name:<18}{fmt(page['p50_ms']):>9}{fmt(page['p95_ms']):>9}{fmt(page['p99_ms']):>9}"
            f"{fmt(rps if rps is not None else page.get('single_client_rps')):>9}"
            f"{fmt(ratio):>10}{fmt(share):>11}{page.get('errors', 0):>8}"
        )
    lines.append("")
    for name, job in result["jobs"].items():
        lines.append(f"{name:<20}{job.get('summary', '')}")
    lines.append(
        f"{'worker RSS':<18}{result['worker_rss_mb']} MB after the run "
        f"({result.get('worker_rss_mb_at_start')} MB after start-up)"
    )
    scale = result.get("scale_out") or {}
    lines.append(f"{'scale-out':<20}{scale.get('summary') or scale.get('failed', '')}")
    lines.append("")
    lines.append("targets (the issue's, for full scale):")
    for name, check in result["targets"].items():
        mark = {True: "met", False: "MISSED", None: "n/a"}[check["met"]]
        lines.append(f"  {name:<36}{fmt(check['value']):>10}  target {check['target']:<8}{mark}")
    return "\n".join(lines)


def check_targets(result: dict) -> dict:
    """Compare the measured values with :data:`TARGETS`."""
    pages = {p["name"]: p for p in result["pages"] if "failed" not in p}
    jobs = result["jobs"]
    ref_rps = pages.get("reference", {}).get("throughput_rps")

    def share(name: str):
        rps = pages.get(name, {}).get("throughput_rps")
        return round(rps / ref_rps, 2) if rps and ref_rps else None

    scale = result.get("scale_out") or {}
    staff = pages.get("staff_lead_list", {}).get("p95_ms")
    stock = pages.get("stock_modelview", {}).get("p95_ms")
    values = {
        "inbox_p95_ms (largest partner)": (pages.get("inbox", {}).get("p95_ms"), "≤"),
        "inbox_p95_ms (typical partner)": (pages.get("inbox_typical", {}).get("p95_ms"), "≤"),
        "lead_page_p95_ms (largest partner)": (pages.get("lead_page", {}).get("p95_ms"), "≤"),
        "lead_page_p95_ms (typical partner)": (
            pages.get("lead_page_typical", {}).get("p95_ms"),
            "≤",
        ),
        "portal_throughput_vs_reference": (
            min(
                [
                    x
                    for x in (
                        share(n)
                        for n in ("inbox", "inbox_typical", "lead_page", "lead_page_typical")
                    )
                    if x is not None
                ],
                default=None,
            ),
            "≥",
        ),
        "staff_lead_list_p95_ms": (staff, "≤"),
        "staff_lead_list_speedup_vs_stock": (
            round(stock / staff, 1) if staff and stock else None,
            "≥",
        ),
        "staff_home_p95_ms": (pages.get("staff_home", {}).get("p95_ms"), "≤"),
        "dashboard_p95_ms": (pages.get("dashboard", {}).get("p95_ms"), "≤"),
        "accept_offer_p95_ms": (pages.get("accept_offer", {}).get("p95_ms"), "≤"),
        "import_leads_per_s": (jobs.get("csv_import", {}).get("rate"), "≥"),
        "sla_sweep_s": (jobs.get("sla_sweep", {}).get("seconds"), "≤"),
        "outbox_msgs_per_s": (jobs.get("outbox_delivery", {}).get("rate"), "≥"),
        "worker_rss_mb": (max(result["worker_rss_mb"], default=None), "≤"),
        "scale_out_ratio": (scale.get("ratio"), "≥"),
        "scale_out_errors": (scale.get("errors"), "≤"),
        "scale_out_duplicate_deliveries": (scale.get("duplicate_deliveries"), "≤"),
    }
    out = {}
    for name, (value, op) in values.items():
        target = TARGETS[name]
        met = None if value is None else (value <= target if op == "≤" else value >= target)
        out[name] = {"value": value, "target": f"{op}{target}", "met": met}
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SETTINGS, default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-seed", action="store_true", help="Use the database as it is.")
    parser.add_argument(
        "--skip-sweep",
        action="store_true",
        help="Do not time the SLA sweep (its catch-up after a long pause can take many minutes).",
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        print("DATABASE_URL must name a PostgreSQL database (see docs/performance.md).")
        return 2
    s = SETTINGS[args.scale]
    env = dict(os.environ)
    env.setdefault("FLASK_SECRET_KEY", "bench-secret-key-not-for-production")
    env.update(
        FLASK_BENCH_ENDPOINTS="true", FLASK_RATELIMIT_ENABLED="false", LEADSHARE_ENV="development"
    )
    started = datetime.now(UTC)

    seed_report = None
    prepare_database(url, env)
    if not args.no_seed:
        print(f"== seeding ({args.scale}) if needed", flush=True)
        t0 = time.perf_counter()
        flask(
            "bench",
            "seed",
            "--scale",
            args.scale,
            "--seed",
            str(args.seed),
            "--if-needed",
            env=env,
            capture=False,
        )
        seed_report = {"seconds_including_check": round(time.perf_counter() - t0, 1)}

    conn = psycopg.connect(plain_url(url), autocommit=True)
    box = machine(conn)
    targets = targets_from_db(conn, s["requests"] + s["warmup"], s["writes"], s["typical_partner"])
    staff_filter = staff_list_filter(env)
    plan = {
        "base": f"http://127.0.0.1:{args.port}",
        "scenarios": scenarios(targets, s, staff_filter),
    }

    print("== reports refresh (what cron or the worker does every few minutes)", flush=True)
    refresh = timeit("reports", "refresh", env=env)
    print(f"== gunicorn ({args.workers} workers) on port {args.port}", flush=True)
    server = start_gunicorn(args.port, args.workers, env)
    try:
        requests.get(plan["base"] + "/bench/reference?id=1", timeout=10)
        rss_start = worker_rss(psutil.Process(server.pid))
        with tempfile.TemporaryDirectory() as tmp:
            plan_file, out_file = Path(tmp) / "plan.json", Path(tmp) / "out.json"
            plan_file.write_text(json.dumps(plan))
            print("== driving (separate process)", flush=True)
            subprocess.run(  # noqa: S603 - fixed argument list
                [sys.executable, "-m", "bench.driver", str(plan_file), str(out_file)],
                cwd=ROOT,
                env=env,
                check=True,
            )
            pages = json.loads(out_file.read_text())
        rss = worker_rss(psutil.Process(server.pid))
        rss_at_start = rss_start
    finally:
        server.terminate()
        server.wait(timeout=30)

    accepted = conn.execute(
        "SELECT count(*) FROM offers o JOIN leads l ON l.id = o.lead_id "
        "WHERE l.ref = ANY(%s) AND o.state = 'accepted' AND o.organisation_id = %s",
        ([r for r, _ in targets["accept"]], targets["organisation_id"]),
    ).fetchone()[0]
    for page in pages:
        if page["name"] == "accept_offer":
            page["accepted_in_database"] = accepted

    jobs: dict[str, dict] = {
        "reports_refresh": {**refresh, "summary": f"{refresh['seconds']:.2f} s"},
    }
    print("== SLA sweep (catch-up, then one minute later the timed run)", flush=True)
    try:
        if args.skip_sweep:
            raise _Skipped("not measured in this run (--skip-sweep)")
        # Cron runs the sweep every minute: first catch up with what fell due since
        # seeding, then time the sweep of the next minute, the steady state.
        catch_up = timeit("sla", "sweep", env=env)
        jobs["sla_sweep_catch_up"] = {
            **catch_up,
            "summary": f"{catch_up['seconds']:.2f} s — {catch_up['output'].splitlines()[-1:]}",
        }
        time.sleep(max(0.0, 60 - catch_up["seconds"]))
        sweep = timeit("sla", "sweep", env=env)
        sweep["summary"] = f"{sweep['seconds']:.2f} s — {sweep['output'].splitlines()[-1:]}"
        jobs["sla_sweep"] = sweep
    except subprocess.CalledProcessError as exc:
        jobs["sla_sweep"] = {"failed": exc.stderr[-500:], "summary": "FAILED"}
    except _Skipped as skipped:
        jobs["sla_sweep"] = {"skipped": str(skipped), "summary": str(skipped)}

    print("== outbox delivery", flush=True)
    controller, port = start_smtp_sink()
    try:
        pending = conn.execute(
            "SELECT count(*) FROM outbox_messages WHERE status = 'pending'"
        ).fetchone()[0]
        mail_env = dict(env, FLASK_MAIL_SERVER="127.0.0.1", FLASK_MAIL_PORT=str(port))
        send = timeit("outbox", "send", "--limit", "500", env=mail_env)
        found = re.search(r"sent (\d+)", send["output"])
        sent = int(found[1]) if found else 0
        send.update(
            pending_before=pending,
            sent=sent,
            rate=round(sent / send["seconds"], 1) if send["seconds"] else None,
        )
        send["summary"] = f"{sent} messages in {send['seconds']:.2f} s = {send['rate']} msg/s"
        jobs["outbox_delivery"] = send
    except subprocess.CalledProcessError as exc:
        jobs["outbox_delivery"] = {"failed": (exc.stderr or exc.stdout)[-500:], "summary": "FAILED"}
    finally:
        controller.stop()

    print("== CSV import", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        stamp = int(time.time())
        write_import_csv(path, s["import_rows"], stamp)
        try:
            imp = timeit("leads", "import", str(path), env=env)
            found = re.search(r"(\d+) leads imported", imp["output"])
            imported = int(found[1]) if found else 0
            imp.update(
                rows=s["import_rows"],
                imported=imported,
                rate=round(imported / imp["seconds"], 1) if imp["seconds"] else None,
            )
            imp["summary"] = f"{imported} leads in {imp['seconds']:.2f} s = {imp['rate']} leads/s"
            jobs["csv_import"] = imp
        except (subprocess.CalledProcessError, ImportError) as exc:
            jobs["csv_import"] = {
                "failed": str(getattr(exc, "stderr", exc))[-500:],
                "summary": "FAILED",
            }

    print("== scale-out: two instances and two outbox workers", flush=True)
    try:
        scale = scale_out(targets, s, args, env, conn)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        scale = {"failed": str(exc)[-500:], "summary": "FAILED"}
    print(scale.get("summary"), flush=True)

    box["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "scale": args.scale,
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": box,
        "gunicorn": {"workers": args.workers, "worker_class": "sync"},
        "settings": s,
        "seed": seed_report,
        "targets_used": {k: v for k, v in targets.items() if not isinstance(v, list)},
        "pages": pages,
        "jobs": jobs,
        "worker_rss_mb": rss,
        "worker_rss_mb_at_start": rss_at_start,
        "scale_out": scale,
    }
    result["targets"] = check_targets(result)
    table = report(result)
    result["table"] = table.splitlines()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y-%m-%d}-{args.scale}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table)
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
