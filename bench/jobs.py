"""The timed jobs beside the pages: SLA sweep, outbox delivery, CSV import, scale-out."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import psycopg

from bench.processes import BIN, ROOT, drive, start_gunicorn, start_smtp_sink, timeit


class Skipped(Exception):
    """A job left out of this run on purpose."""


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


def sla_sweep(env: dict, skip: bool) -> dict[str, dict]:
    """Time ``flask sla sweep`` as cron runs it; return the jobs it recorded.

    Cron runs the sweep every minute: first catch up with what fell due since
    seeding, then time the sweep of the next minute, the steady state.
    """
    jobs: dict[str, dict] = {}
    try:
        if skip:
            raise Skipped("not measured in this run (--skip-sweep)")
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
    except Skipped as skipped:
        jobs["sla_sweep"] = {"skipped": str(skipped), "summary": str(skipped)}
    return jobs


def _with_rate(timing: dict, key: str, pattern: str, what: str, unit: str, **before) -> dict:
    """``timing`` plus ``before``, the count the command printed (``pattern``) under ``key``,
    the rate per second and a summary line."""
    found = re.search(pattern, timing["output"])
    count = int(found[1]) if found else 0
    timing.update(before)
    timing[key] = count
    timing["rate"] = round(count / timing["seconds"], 1) if timing["seconds"] else None
    timing["summary"] = f"{count} {what} in {timing['seconds']:.2f} s = {timing['rate']} {unit}"
    return timing


def outbox_delivery(env: dict, conn: psycopg.Connection) -> dict:
    """Time one ``flask outbox send`` pass (500 messages at most) into a local SMTP sink."""
    controller, port = start_smtp_sink()
    try:
        pending = conn.execute(
            "SELECT count(*) FROM outbox_messages WHERE status = 'pending'"
        ).fetchone()[0]
        mail_env = dict(env, FLASK_MAIL_SERVER="127.0.0.1", FLASK_MAIL_PORT=str(port))
        send = timeit("outbox", "send", "--limit", "500", env=mail_env)
        return _with_rate(send, "sent", r"sent (\d+)", "messages", "msg/s", pending_before=pending)
    except subprocess.CalledProcessError as exc:
        return {"failed": (exc.stderr or exc.stdout)[-500:], "summary": "FAILED"}
    finally:
        controller.stop()


def csv_import(env: dict, rows: int) -> dict:
    """Time ``flask leads import`` of a generated CSV of ``rows`` new leads."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        stamp = int(time.time())
        write_import_csv(path, rows, stamp)
        try:
            imp = timeit("leads", "import", str(path), env=env)
            return _with_rate(
                imp, "imported", r"(\d+) leads imported", "leads", "leads/s", rows=rows
            )
        except (subprocess.CalledProcessError, ImportError) as exc:
            return {
                "failed": str(getattr(exc, "stderr", exc))[-500:],
                "summary": "FAILED",
            }


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
            mixed = {
                "bases": [f"http://127.0.0.1:{p}" for p in bases],
                "mixed": [reader, writer],
                "seconds": s["scale_seconds"],
            }
            # CPU use of the whole machine over the load: two instances cannot serve
            # more than one did when one already keeps every core busy.
            psutil.cpu_percent(None)
            outcome[label] = drive(mixed, env)
            outcome[label]["cpu_busy_percent"] = psutil.cpu_percent(None)
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
    cpu = [outcome.get(k, {}).get("cpu_busy_percent") for k in ("one", "two")]
    outcome["summary"] = (
        f"one instance {one} req/s, two {two} req/s (×{outcome['ratio']}; CPU busy "
        f"{cpu[0]} % and {cpu[1]} % of {os.cpu_count()} cores); "
        f"{outcome['errors']} errors; {len(received)} messages delivered by two workers, "
        f"{outcome['duplicate_deliveries']} twice; {outcome['pending_after']} left pending"
    )
    return outcome
