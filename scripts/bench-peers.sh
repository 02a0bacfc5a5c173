#!/usr/bin/env bash
# Benchmark ciao-server against two established IRC servers, InspIRCd 3 and
# ngIRCd 26 (from Debian), and issue 17's ideal relay (a physical-limit
# stand-in, built from its source beside the repo), with ciao-bench, on
# loopback only.
#
# Usage:
#   scripts/bench-peers.sh [run]         build, run every scenario ROUNDS times,
#                                        servers interleaved, print the table,
#                                        draw the chart ($RESULTS/chart.png)
#   scripts/bench-peers.sh smoke [N]     install and start each server, check a
#                                        PRIVMSG between 2 clients (and that N
#                                        more clients can register), stop
#   scripts/bench-peers.sh table FILE    print the table for a raw.jsonl
#   scripts/bench-peers.sh chart FILE OUT.png
#                                        draw the chart for a raw.jsonl
#
# Issue 17's three scenarios for ciao, ciao with history, InspIRCd and the
# ideal relay (the defaults), 3 rounds:
#   SCENARIOS=issue17 scripts/bench-peers.sh run
#
# Every run gets a freshly started server on a free 127.0.0.1 port, so no
# state (channel members, heap growth, TIME_WAIT sockets) leaks between runs.
# Order: for each round, for each scenario, each server in turn (the order of
# servers rotates per round). Peer configs: scripts/peers/*.conf; they turn
# off flood control and per-IP/connection limits, and disable DNS/ident
# lookups. Limits that ngIRCd cannot turn off are listed in peers/ngircd.conf.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  SERVERS ["ciao ciao-history inspircd ideal"]: "ciao" without
#       history, "ciao-history" with its history store on, "inspircd",
#       "ngircd", "ideal" (the ideal relay), "ciao-base" (the baseline binary
#       CIAO_BASE, started as "ciao" is, for old-against-new runs)
#   RESULTS [target/bench-results/DATE]
#   SCENARIOS ["many-senders one-sender steady idle-10000 churn"]; "issue17"
#       stands for "many-senders one-sender steady". The names before issue 17
#       still work: fanout-1000x10 = many-senders, fanout-100x1 = one-sender,
#       fanout-rate = steady (results are recorded under the new names)
#   NO_BUILD=1 skips cargo build of ciao (the ideal relay is still built if
#       its binary is missing); CIAO_SERVER, BENCH: binaries [target/release/...]
#   F1_CLIENTS [1000] F1_SENDERS [10] F1_MESSAGES [2000]   many-senders (saturating)
#   F2_CLIENTS [100]  F2_SENDERS [1]  F2_MESSAGES [200000] one-sender (saturating)
#   FR_CLIENTS [1000] FR_SENDERS [10] FR_RATE_PER_SENDER [40] FR_SECS [10]
#       steady: each sender at FR_RATE_PER_SENDER msg/s (whole numbers) for
#       FR_SECS, i.e. about 400 k deliveries/s
#   FANOUT_WINDOW [unset: ciao-bench default] passed as --window
#   IDEAL_RELAY_SRC [$ROOT/../shared/reference/idealrelay] the ideal relay's
#       source, built with cargo into $TARGET/idealrelay (its code is never
#       copied into the project);
#       IDEAL_RELAY: a built binary to use instead; IDEAL_ARGS [""] after its
#       port (e.g. "st"; empty: its defaults, mt with 2 workers). ciao-bench
#       talks to it with --no-motd: it sends 001 and nothing else on
#       registration. It has no TLS, history or limits to configure.
#   IDLE_CLIENTS [10000]  CHURN_SECS [5]  CHURN_CONCURRENCY [10]
#       (ngIRCd listens with a backlog of 10: more simultaneous connects get
#       reset; InspIRCd 3 finishes registrations only in a 1-second tick, so
#       its churn rate is about CHURN_CONCURRENCY cycles/s)
#   BENCH_ARGS [""] extra arguments for every ciao-bench call;
#   BENCH_ARGS_CIAO, BENCH_ARGS_CIAO_HISTORY, BENCH_ARGS_INSPIRCD, BENCH_ARGS_NGIRCD,
#   BENCH_ARGS_IDEAL: only for that server
#   PIN=1 pins the server to CPU 1 and ciao-bench to CPU 0 [off]
#   RUN_TIMEOUT [300] seconds per ciao-bench run; COOLDOWN [2] seconds between runs
# (ciao-bench's --messages is per sender.)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS="$ROOT/scripts/peers"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CIAO_SERVER=${CIAO_SERVER:-$TARGET/release/ciao-server}
CIAO_BASE=${CIAO_BASE:-}
BENCH=${BENCH:-$TARGET/release/ciao-bench}
ROUNDS=${ROUNDS:-3}
SERVERS_GIVEN=${SERVERS:-}  # the chart of a saved file keeps its own order unless told
SERVERS=${SERVERS:-"ciao ciao-history inspircd ideal"}
SCENARIOS=${SCENARIOS:-"many-senders one-sender steady idle-10000 churn"}
RESULTS=${RESULTS:-$TARGET/bench-results/$(date +%Y%m%d-%H%M%S)}
F1_CLIENTS=${F1_CLIENTS:-1000} F1_SENDERS=${F1_SENDERS:-10} F1_MESSAGES=${F1_MESSAGES:-2000}
F2_CLIENTS=${F2_CLIENTS:-100} F2_SENDERS=${F2_SENDERS:-1} F2_MESSAGES=${F2_MESSAGES:-200000}
FR_CLIENTS=${FR_CLIENTS:-1000} FR_SENDERS=${FR_SENDERS:-10}
FR_RATE_PER_SENDER=${FR_RATE_PER_SENDER:-40} FR_SECS=${FR_SECS:-10}
FANOUT_WINDOW=${FANOUT_WINDOW:-}
IDLE_CLIENTS=${IDLE_CLIENTS:-10000}
CHURN_SECS=${CHURN_SECS:-5} CHURN_CONCURRENCY=${CHURN_CONCURRENCY:-10}
BENCH_ARGS=${BENCH_ARGS:-}
PIN=${PIN:-0}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
COOLDOWN=${COOLDOWN:-2}
IDEAL_RELAY_SRC=${IDEAL_RELAY_SRC:-$ROOT/../shared/reference/idealrelay}
IDEAL_RELAY=${IDEAL_RELAY:-}
IDEAL_ARGS=${IDEAL_ARGS:-}
SENDQ=1048576            # ciao's default --sendq; the peers get the same
PEER_USER=irc            # InspIRCd refuses to run as root; both peers use this
MOTD="$PEERS/motd.txt"   # same one-line MOTD for all three servers

log() { printf '[bench-peers] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# wants SERVER: true if SERVER is one of $SERVERS.
wants() { [[ " $SERVERS " == *" $1 "* ]]; }

# --- packages ---------------------------------------------------------------
# apt_install PACKAGE...: from Debian, apt-get update only when the package
# lists cannot provide them.
apt_install() {
    log "installing $*"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends)
    if ! "${apt[@]}" "$@" >&2; then
        apt-get update -q >&2
        "${apt[@]}" "$@" >&2
    fi
}

ensure_packages() {
    local missing=()
    [[ -x /usr/sbin/inspircd ]] || missing+=(inspircd)
    [[ -x /usr/sbin/ngircd ]] || missing+=(ngircd)
    command -v python3 >/dev/null || missing+=(python3)
    command -v setpriv >/dev/null || missing+=(util-linux)
    command -v taskset >/dev/null || missing+=(util-linux)
    command -v gnuplot >/dev/null || missing+=(gnuplot-nox)  # the chart
    ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
    # The packages' own services (if an init system started them) use port
    # 6667; this script never uses fixed ports, so they do not interfere.
    id "$PEER_USER" >/dev/null 2>&1 || die "user $PEER_USER missing"
}

# ensure_ideal_relay: sets IDEAL_RELAY to a built ideal relay when SERVERS
# has "ideal". Built from its source (never copied here) into its own
# target dir; --locked, so the source directory is only read.
ensure_ideal_relay() {
    wants ideal || return 0
    if [[ -n $IDEAL_RELAY ]]; then
        [[ -x $IDEAL_RELAY ]] || die "IDEAL_RELAY=$IDEAL_RELAY is not an executable"
        return 0
    fi
    IDEAL_RELAY=$TARGET/idealrelay/release/idealrelay
    [[ ${NO_BUILD:-0} == 1 && -x $IDEAL_RELAY ]] && return 0
    [[ -f $IDEAL_RELAY_SRC/Cargo.toml ]] ||
        die "no ideal relay source at $IDEAL_RELAY_SRC (set IDEAL_RELAY_SRC=DIR or IDEAL_RELAY=BINARY)"
    log "cargo build --release (the ideal relay, $IDEAL_RELAY_SRC)"
    cargo build --release --locked --manifest-path "$IDEAL_RELAY_SRC/Cargo.toml" \
        --target-dir "$TARGET/idealrelay" >&2
    [[ -x $IDEAL_RELAY ]] || die "the ideal relay's build made no $IDEAL_RELAY"
}

# --- servers ----------------------------------------------------------------
WORK=""                   # private temp dir of this invocation
SERVER_PID="" SERVER_ADDR="" SERVER_DIR="" BENCH_PID=""
SEQ=0

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Prefix that pins a process to a CPU when PIN=1 (taskset execs: same PID).
pin() { if [[ $PIN == 1 ]]; then echo "taskset -c $1"; fi; }

# start_server NAME: sets SERVER_PID (the server process itself), SERVER_ADDR.
start_server() {
    local name=$1 port exe
    SEQ=$((SEQ + 1))
    port=$(free_port)
    SERVER_DIR="$WORK/$SEQ-$name"
    SERVER_ADDR="127.0.0.1:$port"
    mkdir -p "$SERVER_DIR/conf.d"
    cp "$MOTD" "$SERVER_DIR/motd.txt"   # readable by the peers' user
    case $name in
    ciao | ciao-history | ciao-base)
        exe=$CIAO_SERVER
        if [[ $name == ciao-base ]]; then
            [[ -x $CIAO_BASE ]] || die "ciao-base needs CIAO_BASE=/path/to/old/ciao-server"
            exe=$CIAO_BASE
        fi
        # "ciao" is measured without the history store, as the peers keep
        # none; "ciao-history" stores every message before relaying it.
        local history=(--no-history)
        [[ $name == ciao-history ]] && history=(--data-dir "$SERVER_DIR/data")
        # shellcheck disable=SC2046
        # No TLS listener (on 6697 by default since issue 15) and no web
        # port (8067, issue 16): the scenarios are plaintext IRC; the
        # variables are ignored by older builds.
        CIAO_NO_TLS=true CIAO_NO_WEB=true $(pin 1) "$exe" --listen "$SERVER_ADDR" --max-clients $((IDLE_CLIENTS + 10000)) \
            --default-channel '' --sendq "$SENDQ" --motd "$SERVER_DIR/motd.txt" --flood off \
            "${history[@]}" >"$SERVER_DIR/server.log" 2>&1 &
        ;;
    ideal)
        # Its own defaults (mt, 2 workers) unless IDEAL_ARGS says otherwise;
        # it listens on 127.0.0.1:PORT and raises its own open-file limit.
        exe=$IDEAL_RELAY
        # shellcheck disable=SC2046,SC2086
        $(pin 1) "$exe" "$port" $IDEAL_ARGS >"$SERVER_DIR/server.log" 2>&1 &
        ;;
    inspircd | ngircd)
        exe=/usr/sbin/$name
        sed -e "s#@PORT@#$port#g; s#@DIR@#$SERVER_DIR#g; s#@MOTD@#$SERVER_DIR/motd.txt#g" \
            "$PEERS/$name.conf" >"$SERVER_DIR/$name.conf"
        chown -R "$PEER_USER:" "$SERVER_DIR"
        local args=(--nofork --config="$SERVER_DIR/inspircd.conf")
        [[ $name == ngircd ]] && args=(--nodaemon --config "$SERVER_DIR/ngircd.conf")
        # setpriv execs (no wrapper process), so $! is the server itself.
        # shellcheck disable=SC2046
        $(pin 1) setpriv --reuid="$PEER_USER" --regid="$PEER_USER" --clear-groups -- \
            "$exe" "${args[@]}" >"$SERVER_DIR/server.log" 2>&1 &
        ;;
    *) die "unknown server $name" ;;
    esac
    SERVER_PID=$!
    local deadline=$((SECONDS + 15))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || ((SECONDS > deadline)); then
            tail -n 20 "$SERVER_DIR/server.log" >&2 || true
            stop_server
            die "$name did not start listening on $SERVER_ADDR"
        fi
        sleep 0.1
    done
    [[ $(readlink -f "/proc/$SERVER_PID/exe") == $(readlink -f "$exe") ]] ||
        die "pid $SERVER_PID is $(readlink -f "/proc/$SERVER_PID/exe"), not $exe"
}

# stop_server: TERM, then KILL after 10 s; keeps the log in $RESULTS/logs.
stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    local pid=$SERVER_PID i
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [[ -n ${LOGDIR:-} && -d $SERVER_DIR ]]; then
        cat "$SERVER_DIR"/*.log >"$LOGDIR/$(basename "$SERVER_DIR").log" 2>/dev/null || true
    fi
}

cleanup() {
    local i
    if [[ -n $BENCH_PID ]]; then
        kill -TERM "$BENCH_PID" 2>/dev/null || true
        for ((i = 0; i < 70; i++)); do
            kill -0 "$BENCH_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$BENCH_PID" 2>/dev/null || true
    fi
    stop_server
    [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
}

setup() {
    ensure_packages
    # Each process (server, ciao-bench) needs ~IDLE_CLIENTS descriptors.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    (($(ulimit -n) >= IDLE_CLIENTS + 100)) || log "warning: ulimit -n $(ulimit -n) < IDLE_CLIENTS+100"
    WORK=$(mktemp -d /tmp/bench-peers.XXXXXX)
    chmod 755 "$WORK"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

# --- scenarios --------------------------------------------------------------
# scenario_names LIST: the scenarios of LIST with "issue17" expanded and the
# names before issue 17 replaced by theirs, so results of both name the same.
scenario_names() {
    local name out=()
    for name in $1; do
        case $name in
        issue17) out+=(many-senders one-sender steady) ;;
        fanout-1000x10) out+=(many-senders) ;;
        fanout-100x1) out+=(one-sender) ;;
        fanout-rate) out+=(steady) ;;
        *) out+=("$name") ;;
        esac
    done
    echo "${out[*]}"
}

# bench_args SCENARIO: the ciao-bench arguments (without --addr/--server-pid).
bench_args() {
    local win=()
    [[ -n $FANOUT_WINDOW ]] && win=(--window "$FANOUT_WINDOW")
    case $1 in
    many-senders) echo fanout --clients "$F1_CLIENTS" --senders "$F1_SENDERS" \
        --messages "$F1_MESSAGES" --channel '#bench' "${win[@]}" ;;
    one-sender) echo fanout --clients "$F2_CLIENTS" --senders "$F2_SENDERS" \
        --messages "$F2_MESSAGES" --channel '#bench' "${win[@]}" ;;
    steady)
        [[ -z ${FR_DELIVERIES_PER_S:-} ]] ||
            die "FR_DELIVERIES_PER_S is gone: steady offers FR_SENDERS × FR_RATE_PER_SENDER msg/s to FR_CLIENTS"
        [[ $FR_RATE_PER_SENDER =~ ^[1-9][0-9]*$ ]] ||
            die "FR_RATE_PER_SENDER=$FR_RATE_PER_SENDER: a whole number of messages/s"
        echo fanout --clients "$FR_CLIENTS" --senders "$FR_SENDERS" \
            --rate-per-sender "$FR_RATE_PER_SENDER" \
            --messages $((FR_RATE_PER_SENDER * FR_SECS)) --channel '#bench' "${win[@]}" ;;
    idle-*) echo idle --clients "$IDLE_CLIENTS" ;;
    churn) echo churn --duration-secs "$CHURN_SECS" --concurrency "$CHURN_CONCURRENCY" ;;
    *) die "unknown scenario $1" ;;
    esac
}

# server_args SERVER: ciao-bench arguments that SERVER needs to be measured
# at all (not tuning: those are BENCH_ARGS_<SERVER>).
server_args() {
    case $1 in
    ideal) echo --no-motd ;; # registration is 001 alone, no MOTD
    esac
}

# run_one SCENARIO SERVER ROUND: fresh server, one ciao-bench run, one JSON
# line appended to $RAW (the bench's object plus run/server/round, or an
# error object).
run_one() {
    local scenario=$1 server=$2 round=$3 rc=0 out err
    local per_server="BENCH_ARGS_${server^^}"
    per_server=${per_server//-/_}
    start_server "$server"
    out="$WORK/out.json" err="$LOGDIR/$(basename "$SERVER_DIR")-bench.stderr"
    # In the background so that a signal to this script is handled at once
    # (cleanup stops it); timeout passes TERM on to ciao-bench.
    # shellcheck disable=SC2046,SC2086
    timeout -k 5 "$RUN_TIMEOUT" $(pin 0) "$BENCH" $(bench_args "$scenario") \
        --addr "$SERVER_ADDR" --server-pid "$SERVER_PID" $(server_args "$server") \
        $BENCH_ARGS ${!per_server:-} --json \
        >"$out" 2>"$err" </dev/null &
    BENCH_PID=$!
    wait "$BENCH_PID" || rc=$?
    BENCH_PID=""
    local alive=true
    kill -0 "$SERVER_PID" 2>/dev/null || alive=false
    stop_server
    python3 - "$out" "$err" "$scenario" "$server" "$round" "$rc" "$alive" >>"$RAW" <<'PY'
import json, sys
out, err, run, server, rnd, rc, alive = sys.argv[1:]
meta = {"run": run, "server": server, "round": int(rnd), "server_alive": alive == "true"}
text = open(out, encoding="utf-8", errors="replace").read().strip()
try:
    obj = json.loads(text.splitlines()[-1]) if text else None
except json.JSONDecodeError:
    obj = None
if rc != "0" or not isinstance(obj, dict):
    # anyhow's "Error: ... Caused by: ..." block, else the last line.
    lines = [l.strip() for l in open(err, encoding="utf-8", errors="replace")]
    start = next((i for i, l in enumerate(lines) if l.startswith("Error:")), None)
    if start is None:
        msg = next((l for l in reversed(lines) if l), "")
    else:
        block = []
        for l in lines[start:]:
            if l.startswith("Stack backtrace"):
                break
            if l and l != "Caused by:":
                block.append(l)
        msg = " ".join(block)
    obj = {"error": f"exit {rc}{' (timeout)' if rc == '124' else ''}: {msg[:300]}"}
print(json.dumps({**obj, **meta}))
PY
    tail -n 1 "$RAW" | cut -c1-200 >&2
    sleep "$COOLDOWN"
}

# ideal_version: the ideal relay's source, by a hash of it (it has no version
# of its own), or the binary's when IDEAL_RELAY was given.
ideal_version() {
    if [[ -f $IDEAL_RELAY_SRC/src/main.rs && $IDEAL_RELAY == "$TARGET/idealrelay/release/idealrelay" ]]; then
        echo "source $(cat "$IDEAL_RELAY_SRC/Cargo.toml" "$IDEAL_RELAY_SRC"/src/*.rs | sha256sum | cut -c1-12)"
    else
        echo "binary $(sha256sum "$IDEAL_RELAY" | cut -c1-12)"
    fi
}

write_meta() {
    local ideal=""
    if wants ideal; then ideal=" ideal relay $(ideal_version) ${IDEAL_ARGS:-mt 2},"; fi
    {
        echo "setup: ciao $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')," \
            "InspIRCd $(dpkg-query -W -f='${Version}' inspircd)," \
            "ngIRCd $(dpkg-query -W -f='${Version}' ngircd),$ideal" \
            "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)," \
            "Linux $(uname -r); $ROUNDS rounds; PIN=$PIN; $(date -I)"
        echo "scenarios: $SCENARIOS"
        for s in $SCENARIOS; do echo "  $s: ciao-bench $(bench_args "$s") $BENCH_ARGS"; done
        if wants ideal; then echo "  (ideal: ciao-bench ... $(server_args ideal))"; fi
    } >"$RESULTS/meta.txt"
}

cmd_run() {
    local scenario
    SCENARIOS=$(scenario_names "$SCENARIOS")
    setup
    if [[ ${NO_BUILD:-0} != 1 ]]; then
        log "cargo build --release -p ciao-bench -p ciao-server"
        (cd "$ROOT" && cargo build --release -p ciao-bench -p ciao-server)
    fi
    ensure_ideal_relay
    [[ -x $CIAO_SERVER ]] || die "no $CIAO_SERVER"
    [[ -x $BENCH ]] || die "no $BENCH"
    for scenario in $SCENARIOS; do bench_args "$scenario" >/dev/null; done
    mkdir -p "$RESULTS/logs"
    RESULTS=$(cd "$RESULTS" && pwd)
    LOGDIR="$RESULTS/logs" RAW="$RESULTS/raw.jsonl"
    write_meta
    local servers round i n
    read -ra servers <<<"$SERVERS"
    n=${#servers[@]}
    for ((round = 1; round <= ROUNDS; round++)); do
        for scenario in $SCENARIOS; do
            for ((i = 0; i < n; i++)); do
                local server=${servers[$(((i + round - 1) % n))]}
                log "round $round/$ROUNDS $scenario $server"
                run_one "$scenario" "$server" "$round"
            done
        done
    done
    {
        head -n 1 "$RESULTS/meta.txt"
        echo
        python3 "$PEERS/bench_table.py" "$RAW" --servers "$(tr -s ' ' , <<<"$SERVERS")"
    } | tee "$RESULTS/table.md"
    local chart="$RESULTS/chart.png"
    if ! grep -q '"scenario": "fanout"' "$RAW"; then
        chart="(none: no fan-out results)"
    elif ! draw_chart "$RAW" "$chart" "$(tr -s ' ' , <<<"$SERVERS")"; then
        chart="(none: the chart failed)"
    fi
    log "raw results: $RAW; table: $RESULTS/table.md; chart: $chart"
}

# draw_chart RAW OUT [SERVERS,...]: the fan-out results as a PNG
# (scripts/peers/bench_chart.py), one bar per server in that order.
draw_chart() {
    command -v gnuplot >/dev/null || apt_install gnuplot-nox
    python3 "$PEERS/bench_chart.py" "$1" "$2" --servers "${3:-}"
}

cmd_chart() {
    (($# == 2)) || die "usage: $0 chart RAW.jsonl OUT.png"
    [[ -f $1 ]] || die "no $1"
    local order=""
    # Servers in the order of $SERVERS when set, else as the file has them.
    [[ -n $SERVERS_GIVEN ]] && order=$(tr -s ' ' , <<<"$SERVERS")
    draw_chart "$1" "$2" "$order"
}

cmd_smoke() {
    local many=${1:-0} failed=0 server
    LOGDIR=${SMOKE_LOGS:-/tmp/bench-peers-smoke-logs}
    mkdir -p "$LOGDIR"
    setup
    [[ -x $CIAO_SERVER ]] || die "no $CIAO_SERVER (set CIAO_SERVER=...)"
    ensure_ideal_relay
    for server in $SERVERS; do
        start_server "$server"
        log "$server pid $SERVER_PID ($(readlink -f /proc/$SERVER_PID/exe), user $(stat -c %U /proc/$SERVER_PID)) on $SERVER_ADDR"
        # Registrations in flight at once: InspIRCd 3 completes registrations
        # only in its once-a-second background tick, so it needs many in
        # flight; ngIRCd's listen backlog of 10 resets bursts of connects.
        local conc=200
        [[ $server == inspircd ]] && conc=1000
        [[ $server == ngircd ]] && conc=10
        python3 "$PEERS/irc_smoke.py" --addr "$SERVER_ADDR" --many "$many" --concurrency "$conc" || failed=1
        [[ $many -gt 0 ]] && log "$server RSS $(awk '/VmRSS/{print $2, $3}' /proc/$SERVER_PID/status)"
        local pid=$SERVER_PID
        stop_server
        if kill -0 "$pid" 2>/dev/null; then log "$server pid $pid survived stop"; failed=1; fi
    done
    ((failed == 0)) || die "smoke test failed"
    log "smoke test passed: $SERVERS"
}

case ${1:-run} in
run) cmd_run ;;
smoke) shift; cmd_smoke "$@" ;;
table) shift; python3 "$PEERS/bench_table.py" "$@" ;;
chart) shift; cmd_chart "$@" ;;
-h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "usage: $0 [run|smoke [N]|table FILE|chart FILE OUT.png]" ;;
esac
