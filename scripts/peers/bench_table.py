#!/usr/bin/env python3
"""Markdown table of medians from the raw JSON lines of scripts/bench-peers.sh.

Usage: bench_table.py RAW.jsonl [--ref ciao] [--servers ciao,ciao-history,inspircd,ideal]

Each line is one ciao-bench result annotated by the script with "run" (the
scenario name, e.g. many-senders), "server" and "round", or an error line
{"run", "server", "round", "error"}. For every scenario and metric it prints
the median over the rounds per server and the ratio ref/peer of the medians,
with the direction in which the metric is better; then, when the servers are
there, issue 17's targets as ratios with pass or fail.
"""
import argparse
import json
import statistics
import sys

# (json path, label, better): "higher" or "lower"; None = shown, no ratio.
FANOUT = [
    ("deliveries_per_s", "deliveries/s", "higher"),
    ("latency_us.p50", "latency p50 (µs)", "lower"),
    ("latency_us.p99", "latency p99 (µs)", "lower"),
    ("latency_us.p999", "latency p99.9 (µs)", "lower"),
    ("server_cpu_us_per_delivery", "server CPU µs/delivery", "lower"),
    ("lost", "lost", None),
    ("out_of_order", "out of order", None),
]
METRICS = {
    "fanout": FANOUT,
    "idle": [
        ("rss_bytes_per_client", "server RSS bytes/client", "lower"),
        ("registered", "registered", None),
    ],
    "churn": [
        ("cycles_per_s", "connect+register+quit/s", "higher"),
        ("server_cpu_s*1e6/cycles", "server CPU µs/cycle", "lower"),
        ("failures", "failures", None),
    ],
}

# The scenarios' names before issue 17, as older raw files have them.
ALIASES = {
    "fanout-1000x10": "many-senders",
    "fanout-100x1": "one-sender",
    "fanout-rate": "steady",
}
# Issue 17's three scenarios, in the order its table has them.
ISSUE17 = ["many-senders", "one-sender", "steady"]

THROUGHPUT = "deliveries_per_s"
CPU = "server_cpu_us_per_delivery"
P99 = "latency_us.p99"
# Issue 17's targets: (label, server, against, metric, limit, "max"/"min",
# scenarios). The ratio is server/against of the medians; "max" passes at
# or below the limit, "min" at or above it.
TARGETS = [
    ("ciao CPU/delivery ≤ ideal × 1.1", "ciao", "ideal", CPU, 1.1, "max", ISSUE17),
    ("ciao deliveries/s ≥ ideal × 0.9", "ciao", "ideal", THROUGHPUT, 0.9, "min", ISSUE17),
    ("ciao p99 ≤ ideal × 1.2", "ciao", "ideal", P99, 1.2, "max", ["steady"]),
    ("ciao CPU/delivery ≤ InspIRCd's", "ciao", "inspircd", CPU, 1.0, "max", ISSUE17),
    ("ciao deliveries/s ≥ InspIRCd's", "ciao", "inspircd", THROUGHPUT, 1.0, "min", ISSUE17),
    ("ciao-history deliveries/s ≥ ciao × 0.9", "ciao-history", "ciao", THROUGHPUT, 0.9,
     "min", ["one-sender"]),
    ("ciao-history CPU/delivery ≤ ciao × 1.2", "ciao-history", "ciao", CPU, 1.2, "max",
     ISSUE17),
]
IDLE_BYTES_LIMIT = 1900  # issue 17: ≤ 1.9 KB per idle connection at 10 000
IDLE_CLIENTS = 10_000


def get(obj, path):
    if "*1e6/" in path:  # derived: a/b in millionths
        num, den = path.split("*1e6/")
        a, b = get(obj, num), get(obj, den)
        return a * 1e6 / b if a is not None and b else None
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj if isinstance(obj, (int, float)) and not isinstance(obj, bool) else None


def fmt(v):
    if v is None:
        return "–"
    if abs(v) >= 1000 or (abs(v) >= 10 and float(v).is_integer()):
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def ratio(ref, peer):
    if ref is None or peer is None or peer == 0:
        return "–"
    return f"{ref / peer:.2f}×"


def load(path):
    """(runs, order, errors): runs[scenario][server] is a list of results,
    order the scenarios as first seen, errors one text per failed run."""
    runs, order, errors = {}, [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                errors.append(f"line {n}: not JSON")
                continue
            if not isinstance(rec, dict):
                errors.append(f"line {n}: not an object")
                continue
            name, server = rec.get("run"), rec.get("server")
            name = ALIASES.get(name, name)
            if name not in order:
                order.append(name)
            if "error" in rec:
                errors.append(f"{name} / {server} / round {rec.get('round')}: {rec['error']}")
                continue
            runs.setdefault(name, {}).setdefault(server, []).append(rec)
    return runs, order, errors


def servers_in(runs, order):
    """The servers of a file in the order they first ran (the first round's
    order is $SERVERS's)."""
    servers = []
    for name in order:
        for server in runs.get(name, {}):
            if server not in servers:
                servers.append(server)
    return servers


def values(results, path):
    return [v for v in (get(r, path) for r in results) if v is not None]


def median(results, path):
    vals = values(results, path)
    return statistics.median(vals) if vals else None


def kind_of(name, by_server):
    sample = next((r for rs in by_server.values() for r in rs), {})
    if sample.get("scenario"):
        return sample["scenario"]
    if name in ISSUE17:
        return "fanout"
    return name.split("-")[0]


def medians_table(runs, order, servers, ref):
    # Ratio columns only when the reference server ran.
    peers = [s for s in servers if s != ref] if ref in servers else []
    head = ["scenario", "metric", "better"] + servers + [f"{ref}/{p}" for p in peers]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in order:
        by_server = runs.get(name, {})
        counts = ", ".join(f"{s} {len(by_server.get(s, []))}" for s in servers)
        for i, (path, label, better) in enumerate(METRICS.get(kind_of(name, by_server), [])):
            med = {s: median(by_server.get(s, []), path) for s in servers}
            row = [f"{name} (n: {counts})" if i == 0 else "", label,
                   {"higher": "↑", "lower": "↓"}.get(better, "")]
            row += [fmt(med[s]) for s in servers]
            row += [ratio(med[ref], med[p]) if better else "" for p in peers]
            out.append("| " + " | ".join(row) + " |")
    return out


def verdict(value, limit, sense):
    ok = value <= limit if sense == "max" else value >= limit
    shown = f"{value:.2f}"
    if f"{value:.2f}" == f"{limit:.2f}":  # so a fail never reads as the limit itself
        shown = f"{value:.3f}"
    return f"{shown}× {'pass' if ok else '**fail**'}"


def targets_table(runs, servers):
    """Issue 17's targets for the servers and scenarios present, or []."""
    columns = [s for s in ISSUE17 if s in runs]
    idle = next((n for n in runs if n.startswith("idle")), None)
    if idle:
        columns.append(idle)
    if not columns:
        return []
    rows = []
    for label, server, against, path, limit, sense, scenarios in TARGETS:
        if server not in servers or against not in servers:
            continue
        cells = []
        for name in columns:
            by_server = runs.get(name, {})
            a, b = median(by_server.get(server, []), path), median(by_server.get(against, []), path)
            if name not in scenarios or a is None or not b:
                cells.append("–")
            else:
                cells.append(verdict(a / b, limit, sense))
        if any(c != "–" for c in cells):
            rows.append([label] + cells)
    for server in ("ciao", "ciao-history"):
        if server not in servers:
            continue
        cells = []
        for name in columns:
            results = runs.get(name, {}).get(server, [])
            if name not in ISSUE17 or not results:
                cells.append("–")
                continue
            lost = sum(values(results, "lost"))
            disorder = sum(values(results, "out_of_order"))
            ok = lost == 0 and disorder == 0 and len(values(results, "lost")) == len(results)
            cells.append(f"{lost:g} / {disorder:g} {'pass' if ok else '**fail**'}")
        if any(c != "–" for c in cells):
            rows.append([f"{server}: 0 lost / 0 out of order (all runs)"] + cells)
    if idle and "ciao" in servers:
        results = runs[idle].get("ciao", [])
        med = median(results, "rss_bytes_per_client")
        held = median(results, "registered")
        if med is not None:
            if held is not None and held < IDLE_CLIENTS:
                # Fewer connections spread the fixed cost over fewer: no verdict.
                cell = f"{med:,.0f} B at {held:,.0f} connections (the target is at {IDLE_CLIENTS:,})"
            else:
                cell = f"{med:,.0f} B {'pass' if med <= IDLE_BYTES_LIMIT else '**fail**'}"
            rows.append([f"ciao RSS per idle connection ≤ {IDLE_BYTES_LIMIT:,} B"]
                        + ["–"] * (len(columns) - 1) + [cell])
    if not rows:
        return []
    out = ["| target (issue 17; ratio of medians) | " + " | ".join(columns) + " |",
           "|" + "---|" * (len(columns) + 1)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--ref", default="ciao")
    ap.add_argument("--servers", default="",
                    help="comma-separated, in this order (default: as the file has them)")
    args = ap.parse_args()
    runs, order, errors = load(args.raw)
    servers = [s for s in args.servers.split(",") if s] or servers_in(runs, order)

    print("\n".join(medians_table(runs, order, servers, args.ref)))
    print()
    note = "Medians over rounds; n = successful runs per server. ↑ higher is better, ↓ lower is better"
    if args.ref in servers and len(servers) > 1:
        note += (f"; {args.ref}/peer is the ratio of medians "
                 f"(> 1 means {args.ref} is ahead on ↑ rows, behind on ↓ rows)")
    print(note + ".")
    targets = targets_table(runs, servers)
    if targets:
        print()
        print("\n".join(targets))
    if errors:
        print()
        print("Failed runs:")
        for e in errors:
            print(f"- {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
