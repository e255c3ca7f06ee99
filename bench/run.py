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

The pieces live beside it: ``bench/processes.py`` (the processes it starts),
``bench/scenarios.py`` (what the driver requests), ``bench/jobs.py`` (the timed
jobs and the scale-out) and ``bench/summary.py`` (the targets and the table).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import psutil
import psycopg
import requests

from bench.jobs import csv_import, outbox_delivery, scale_out, sla_sweep
from bench.processes import (
    ROOT,
    drive,
    flask,
    machine,
    plain_url,
    prepare_database,
    start_gunicorn,
    timeit,
    worker_rss,
)
from bench.scenarios import scenarios, staff_list_filter, targets_from_db
from bench.summary import check_targets, report

RESULTS = ROOT / "bench" / "results"

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
        print("== driving (separate process)", flush=True)
        pages = drive(plan, env)
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
    jobs.update(sla_sweep(env, skip=args.skip_sweep))
    print("== outbox delivery", flush=True)
    jobs["outbox_delivery"] = outbox_delivery(env, conn)
    print("== CSV import", flush=True)
    jobs["csv_import"] = csv_import(env, s["import_rows"])

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
