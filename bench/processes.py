"""The processes a benchmark run starts: ``flask`` commands, gunicorn, the driver, an SMTP sink."""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


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


def worker_rss(master: psutil.Process) -> list[float]:
    """Resident memory of each gunicorn worker, in MB."""
    return [round(p.memory_info().rss / 2**20, 1) for p in master.children(recursive=True)]


def drive(plan: dict, env: dict) -> list | dict:
    """Run the load driver (``bench/driver.py``) on ``plan`` in a separate process."""
    with tempfile.TemporaryDirectory() as tmp:
        plan_file, out_file = Path(tmp) / "plan.json", Path(tmp) / "out.json"
        plan_file.write_text(json.dumps(plan))
        subprocess.run(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "bench.driver", str(plan_file), str(out_file)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        return json.loads(out_file.read_text())
