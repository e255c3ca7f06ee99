"""Render a benchmark result as Markdown: ``python -m bench.report bench/results/FILE.json``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

LABELS = {
    "reference": "reference endpoint (1 indexed query)",
    "inbox": "partner inbox — largest partner",
    "inbox_typical": "partner inbox — typical partner",
    "inbox_rep": "partner inbox — rep of the largest partner",
    "lead_page": "lead page — largest partner",
    "lead_page_typical": "lead page — typical partner",
    "staff_lead_list": "back-office lead list (filtered)",
    "stock_modelview": "stock Flask-Admin ModelView, same table",
    "staff_home": "back-office home",
    "dashboard": "dashboard (reports)",
    "board_comment": "post a board comment",
    "accept_offer": "accept an offer",
}


def cell(value, digits: int = 0) -> str:
    """A number for a Markdown cell."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def markdown(result: dict) -> str:
    """The pages, the jobs and the targets of one run as Markdown tables."""
    pages = {p["name"]: p for p in result["pages"] if "failed" not in p}
    ref = pages.get("reference", {})
    out = [
        "| page | p50 ms | p95 ms | p99 ms | req/s | p50 × reference |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, page in pages.items():
        ratio = page["p50_ms"] / ref["p50_ms"] if ref.get("p50_ms") else None
        rps = page.get("throughput_rps") or page.get("single_client_rps")
        out.append(
            f"| {LABELS.get(name, name)} | {cell(page['p50_ms'], 1)} | {cell(page['p95_ms'], 1)} "
            f"| {cell(page['p99_ms'], 1)} | {cell(rps, 1)} | {cell(ratio, 1)} |"
        )
    out += ["", "| job | result |", "|---|---|"]
    for name, job in result["jobs"].items():
        out.append(f"| {name.replace('_', ' ')} | {job.get('summary', '')} |")
    rss = result.get("worker_rss_mb") or []
    out.append(
        f"| worker RSS | {rss} MB after the run, "
        f"{result.get('worker_rss_mb_at_start', '—')} MB after start-up |"
    )
    scale = result.get("scale_out")
    if scale:
        out.append(f"| scale-out | {scale.get('summary') or scale.get('failed', '')} |")
    out += ["", "| target | measured | goal | |", "|---|---:|---:|---|"]
    for name, check in result["targets"].items():
        mark = {True: "met", False: "**missed**", None: "n/a"}[check["met"]]
        value = check["value"]
        shown = cell(value, 2 if isinstance(value, float) and value < 10 else 0)
        out.append(f"| {name} | {shown} | {check['target']} | {mark} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Print the Markdown of the result file given."""
    print(markdown(json.loads(Path(argv[1]).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
