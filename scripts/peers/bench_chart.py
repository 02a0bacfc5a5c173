#!/usr/bin/env python3
"""PNG chart of the fan-out results in a raw.jsonl of scripts/bench-peers.sh.

Usage: bench_chart.py RAW.jsonl OUT.png [--servers ciao,ciao-history,inspircd,ideal]

Two rows of panels, one column per fan-out scenario (issue 17's three
first): deliveries/s on top, server CPU µs per delivery below. Each panel
has its own scale, starting at zero, so one sender's 0.3 µs is not flattened
by the steady load's 1.5 µs; a bar per server is its median over the rounds,
the whisker the lowest and highest round, and the dashed line (with the
ideal relay in the run) issue 17's target for ciao: ideal × 0.9 for
deliveries/s, ideal × 1.1 for CPU. Drawn by gnuplot (gnuplot-nox), which
reads the script this writes on its standard input.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_table import (  # noqa: E402
    CPU, ISSUE17, THROUGHPUT, kind_of, load, median, servers_in, values)

COLOURS = {
    "ciao": "#1f5fa8",
    "ciao-history": "#7fa9d9",
    "ciao-base": "#8e6bb8",
    "inspircd": "#e08a2e",
    "ngircd": "#4f9d4f",
    "ideal": "#8c8c8c",
}
SPARE = ["#c44e52", "#64b5cd", "#b8860b", "#555555"]
# (metric, y axis label, scale of the plotted values, target factor on the
# ideal relay's median)
ROWS = [
    (THROUGHPUT, "M deliveries/s (higher is better)", 1e-6, 0.9),
    (CPU, "server CPU µs per delivery (lower is better)", 1, 1.1),
]


def short(v, metric):
    if metric == THROUGHPUT:
        return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.0f} k"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}"


def describe(name, by_server):
    """The panel's title: the scenario and its load, from a result."""
    r = next((r for rs in by_server.values() for r in rs), {})
    load = f"{r.get('clients', '?')} clients, {r.get('senders', '?')} sender"
    load += "s" if r.get("senders") != 1 else ""
    each = r.get("rate_per_sender")
    if each is None and r.get("rate") and r.get("senders"):
        each = r["rate"] / r["senders"]
    load += f" × {each:g} msg/s" if each else ", saturating"
    return f"{name}\n{load}"


def quote(text):
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + text + '"'


def gnuplot_script(runs, scenarios, servers, out, title):
    n_cols = len(scenarios)
    width, height = max(420 * n_cols, 700), 840
    lines = [
        "set encoding utf8",
        f"set terminal pngcairo size {width},{height} font 'DejaVu Sans,11' noenhanced",
        f"set output {quote(out)}",
        f"set multiplot layout 2,{n_cols} title {quote(title)} font ',13'",
        "set style fill solid 0.9 border -1",
        "set boxwidth 0.7",
        "set grid ytics lc rgb '#dddddd'",
        "set border 3",
        "set tics nomirror",
        "set key off",
        "set style textbox opaque noborder",
        "set format y '%g'",
        "set yrange [0:*]",
        f"set xrange [-0.6:{len(servers) - 0.4}]",
        "set xtics (" + ", ".join(f"{quote(s)} {i}" for i, s in enumerate(servers)) + ")",
        "set xtics rotate by -25 left",
    ]
    for metric, ylabel, scale, factor in ROWS:
        for col, name in enumerate(scenarios):
            by_server = runs.get(name, {})
            rows, top = [], 0.0
            for i, server in enumerate(servers):
                vals = values(by_server.get(server, []), metric)
                if not vals:
                    continue
                med = median(by_server[server], metric)
                colour = int((COLOURS.get(server) or SPARE[i % len(SPARE)])[1:], 16)
                rows.append(f"{i} {med * scale!r} {min(vals) * scale!r} {max(vals) * scale!r} "
                            f"{colour} {quote(short(med, metric))}")
                top = max(top, max(vals) * scale)
            block = f"$d{metric[:3]}{col}"
            lines.append(f"{block} << EOD")
            lines += rows or ['-1 0 0 0 0 ""']
            lines.append("EOD")
            lines.append(f"set title {quote(describe(name, by_server))}")
            lines.append(f"set ylabel {quote(ylabel)}" if col == 0 else "unset ylabel")
            plots = [f"{block} using 1:2:(0.7):5 with boxes lc rgb variable",
                     f"{block} using 1:3:(0):($4-$3) with vectors nohead lw 1.2 lc rgb '#333333'"]
            ideal = median(by_server.get("ideal", []), metric)
            if ideal is not None:
                # Over the bars, under the value labels.
                level = ideal * factor * scale
                top = max(top, level)
                plots.append(f"{level!r} with lines dt 2 lw 1.5 lc rgb '#c00000'")
            plots.append(f"{block} using 1:4:6 with labels boxed offset 0,0.8 font ',9'")
            # Room above the tallest whisker for the value labels.
            lines.append(f"set yrange [0:{top * 1.18 if top > 0 else 1}]")
            lines.append("plot " + ", ".join(plots))
    lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out")
    ap.add_argument("--servers", default="")
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    runs, order, _ = load(args.raw)
    scenarios = [n for n in ISSUE17 if n in runs]
    scenarios += [n for n in order if n in runs and n not in scenarios
                  and kind_of(n, runs[n]) == "fanout"]
    if not scenarios:
        print(f"bench_chart: no fan-out results in {args.raw}", file=sys.stderr)
        return 1
    servers = [s for s in args.servers.split(",") if s] or servers_in(runs, order)
    rounds = max(len(rs) for n in scenarios for rs in runs[n].values())
    title = args.title or (f"fan-out, median of {rounds} round{'s' if rounds != 1 else ''}"
                           " per server (whiskers: lowest and highest round)")
    if any(runs[n].get("ideal") for n in scenarios):
        title += ("\ndashed red line: issue 17's target for ciao, the ideal relay's"
                  " deliveries/s × 0.9 and CPU per delivery × 1.1")
    script = gnuplot_script(runs, scenarios, servers, args.out, title)
    try:
        done = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    except FileNotFoundError:
        print("bench_chart: gnuplot not found (apt-get install gnuplot-nox)", file=sys.stderr)
        return 1
    if done.returncode != 0 or not os.path.exists(args.out):
        print(f"bench_chart: gnuplot failed:\n{done.stderr}", file=sys.stderr)
        return 1
    if done.stderr.strip():
        print(done.stderr.strip(), file=sys.stderr)
    print(f"chart: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
