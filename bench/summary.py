"""The run's verdict: the targets, the measured values against them, the printed table."""

from __future__ import annotations

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
