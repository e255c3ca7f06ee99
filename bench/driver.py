"""The load driver: a separate process that drives a running LeadShare over HTTP.

``python -m bench.driver PLAN.json OUT.json`` reads the scenarios the runner
prepared (URLs, logins, lead references), and for each one measures

* latency with **one client**: ``requests`` sequential requests after a warm-up,
  reported as p50 / p95 / p99 in milliseconds, and
* **throughput** with ``concurrency`` clients for ``seconds`` seconds
  (requests per second, every answer checked for the expected status).

Write scenarios (accept, comment) consume their targets, so they run once,
with one client; every request still counts towards latency and throughput.
A scenario with ``budget_seconds`` stops its one-client phase after that long
(with at least 5 samples), so a page that takes seconds cannot stall the run.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class Client:
    """One browser-like session: cookies, a CSRF token, timed requests."""

    def __init__(self, base: str, login: dict | None):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.token = ""
        if login:
            self.login(login["email"], login["password"], login.get("landing", "/"))

    def login(self, email: str, password: str, landing: str) -> None:
        """Log in through the real form and pick up the session's CSRF token."""
        page = self.http.get(self.base + "/login")
        found = CSRF.search(page.text)
        answer = self.http.post(
            self.base + "/login",
            data={"email": email, "password": password, "csrf_token": found[1] if found else ""},
            allow_redirects=False,
        )
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"login of {email} failed: HTTP {answer.status_code}")
        # The login rotates the session, so read a fresh token from a logged-in page.
        page = self.http.get(self.base + landing)
        found = CSRF.search(page.text)
        self.token = found.group(1) if found else ""

    def request(self, step: dict) -> tuple[float, int]:
        """Send one request of a scenario; return (seconds, status)."""
        url = self.base + step["path"]
        started = time.perf_counter()
        if step.get("method", "GET") == "POST":
            data = dict(step.get("data") or {})
            data["csrf_token"] = self.token
            answer = self.http.post(url, data=data, allow_redirects=False)
        else:
            answer = self.http.get(url, allow_redirects=False)
        elapsed = time.perf_counter() - started
        return elapsed, answer.status_code


def _check(status: int, scenario: dict, errors: list) -> None:
    """Remember unexpected answers (a benchmark of error pages measures nothing)."""
    if status not in scenario.get("expect", [200]):
        errors.append(status)


def run_scenario(base: str, scenario: dict) -> dict:
    """Measure one scenario: single-client latency, then multi-client throughput."""
    steps = scenario["steps"]
    client = Client(base, scenario.get("login"))
    errors: list[int] = []
    warmup = scenario.get("warmup", 0)
    for i in range(warmup):
        client.request(steps[i % len(steps)])
    # Steps repeat when a scenario has fewer of them than requests (one URL, many hits).
    count = scenario.get("requests", len(steps))
    measured = [steps[(warmup + i) % len(steps)] for i in range(count)]
    latencies = []
    started = time.perf_counter()
    budget = scenario.get("budget_seconds", 0)
    for step in measured:
        if budget and len(latencies) >= 5 and time.perf_counter() - started > budget:
            break  # a very slow page: enough samples, keep the run's length bounded
        elapsed, status = client.request(step)
        latencies.append(elapsed * 1000)
        _check(status, scenario, errors)
    single_seconds = time.perf_counter() - started
    result = {
        "name": scenario["name"],
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "single_client_rps": round(len(latencies) / single_seconds, 1) if single_seconds else None,
    }
    seconds = scenario.get("seconds", 0)
    concurrency = scenario.get("concurrency", 0)
    if latencies and percentile(latencies, 50) > 2000:
        # Seconds per request: a loaded phase would only queue; report the one-client rate.
        result["throughput_rps"] = result["single_client_rps"]
        result["throughput_note"] = "single client only (page takes seconds)"
    elif seconds and concurrency:
        result.update(_throughput(base, scenario, seconds, concurrency, errors))
    result["errors"] = len(errors)
    result["error_statuses"] = sorted(set(errors))
    return result


def _throughput(base: str, scenario: dict, seconds: float, concurrency: int, errors: list) -> dict:
    """Requests per second with ``concurrency`` clients for ``seconds`` seconds."""
    clients = [Client(base, scenario.get("login")) for _ in range(concurrency)]
    steps = scenario["steps"]
    done = [0] * concurrency
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def work(i: int) -> None:
        k = i
        while time.perf_counter() < deadline:
            elapsed, status = clients[i].request(steps[k % len(steps)])
            k += concurrency
            done[i] += 1
            latencies[i].append(elapsed * 1000)
            if status not in scenario.get("expect", [200]):
                with lock:
                    errors.append(status)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    flat = [x for part in latencies for x in part]
    return {
        "concurrency": concurrency,
        "throughput_rps": round(sum(done) / elapsed, 1),
        "loaded_p95_ms": round(percentile(flat, 95), 1),
    }


def mixed_load(bases: list[str], groups: list[dict], seconds: float) -> dict:
    """The mixed load spread over ``bases`` (client ``i`` talks to ``bases[i % n]``).

    Each group is ``{"login", "steps", "clients", "expect"}``; every client logs
    in, then cycles through its group's steps for ``seconds`` seconds.
    """
    workers = []
    for group in groups:
        for _ in range(group["clients"]):
            base = bases[len(workers) % len(bases)]
            workers.append((Client(base, group.get("login")), group))
    done = [0] * len(workers)
    latencies: list[list[float]] = [[] for _ in workers]
    errors: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work(i: int) -> None:
        client, group = workers[i]
        k = i
        while time.perf_counter() < deadline:
            elapsed, status = client.request(group["steps"][k % len(group["steps"])])
            k += 1
            done[i] += 1
            latencies[i].append(elapsed * 1000)
            if status not in group.get("expect", [200]):
                with lock:
                    errors.append(status)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workers))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    flat = [x for part in latencies for x in part]
    return {
        "instances": len(bases),
        "clients": len(workers),
        "requests": sum(done),
        "throughput_rps": round(sum(done) / elapsed, 1),
        "p95_ms": round(percentile(flat, 95), 1),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
    }


def main(argv: list[str]) -> int:
    """Run every scenario of the plan file and write the results file."""
    plan = json.loads(Path(argv[1]).read_text())
    if "mixed" in plan:
        outcome = mixed_load(plan["bases"], plan["mixed"], plan["seconds"])
        print(json.dumps(outcome), flush=True)
        Path(argv[2]).write_text(json.dumps(outcome, indent=2))
        return 0
    results = []
    for scenario in plan["scenarios"]:
        try:
            outcome = run_scenario(plan["base"], scenario)
        except Exception as exc:  # noqa: BLE001 - one broken page must not stop the others
            outcome = {"name": scenario["name"], "failed": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(outcome), flush=True)
        results.append(outcome)
    Path(argv[2]).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
