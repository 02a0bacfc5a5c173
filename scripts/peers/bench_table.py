#!/usr/bin/env python3
"""Markdown table of medians from the raw JSON lines of scripts/bench-peers.sh.

Usage: bench_table.py RAW.jsonl [--ref ciao] [--servers ciao,inspircd,ngircd]

Each line is one ciao-bench result annotated by the script with "run" (the
scenario name, e.g. fanout-1000x10), "server" and "round", or an error line
{"run", "server", "round", "error"}. For every scenario and metric it prints
the median over the rounds per server and the ratio ref/peer of the medians,
with the direction in which the metric is better.
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
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def ratio(ref, peer):
    if ref is None or peer is None or peer == 0:
        return "–"
    return f"{ref / peer:.2f}×"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--ref", default="ciao")
    ap.add_argument("--servers", default="ciao,inspircd,ngircd")
    args = ap.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    peers = [s for s in servers if s != args.ref]

    runs = {}  # run name -> server -> list of results
    errors = []
    order = []
    with open(args.raw, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                errors.append(f"line {n}: not JSON")
                continue
            name, server = rec.get("run"), rec.get("server")
            if name not in order:
                order.append(name)
            if "error" in rec:
                errors.append(f"{name} / {server} / round {rec.get('round')}: {rec['error']}")
                continue
            runs.setdefault(name, {}).setdefault(server, []).append(rec)

    head = ["scenario", "metric", "better"] + servers + [f"{args.ref}/{p}" for p in peers]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in order:
        by_server = runs.get(name, {})
        sample = next((r for rs in by_server.values() for r in rs), {})
        kind = sample.get("scenario") or name.split("-")[0]
        counts = ", ".join(f"{s} {len(by_server.get(s, []))}" for s in servers)
        for i, (path, label, better) in enumerate(METRICS.get(kind, [])):
            med = {}
            for s in servers:
                vals = [v for v in (get(r, path) for r in by_server.get(s, [])) if v is not None]
                med[s] = statistics.median(vals) if vals else None
            row = [f"{name} (n: {counts})" if i == 0 else "", label,
                   {"higher": "↑", "lower": "↓"}.get(better, "")]
            row += [fmt(med[s]) for s in servers]
            row += [ratio(med[args.ref], med[p]) if better else "" for p in peers]
            out.append("| " + " | ".join(row) + " |")
    print("\n".join(out))
    print()
    print(f"Medians over rounds; n = successful runs per server. ↑ higher is better, "
          f"↓ lower is better; {args.ref}/peer is the ratio of medians "
          f"(> 1 means {args.ref} is ahead on ↑ rows, behind on ↓ rows).")
    if errors:
        print()
        print("Failed runs:")
        for e in errors:
            print(f"- {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
