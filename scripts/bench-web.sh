#!/usr/bin/env bash
# What a WebSocket client costs ciao-server against a TCP one (issue 16):
# ciao-bench's idle, fanout and churn scenarios over TCP (the chat port) and over
# the IRCv3 WebSocket protocol (the web port, `--transport ws`), a fresh
# server per run, the two transports alternating round by round so the
# machine's drift hits both alike. Prints one JSON line per run to stdout
# and keeps them in $RESULTS.
#
#   ROUNDS=3 SCENARIOS="idle fanout churn" scripts/bench-web.sh
#
# Needs release builds (cargo build --release -p ciao-server -p ciao-bench;
# CIAO_SERVER and BENCH override the paths). Loopback only, ports chosen by
# the kernel (port 0) and read from the server's log.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CIAO_SERVER=${CIAO_SERVER:-$TARGET/release/ciao-server}
BENCH=${BENCH:-$TARGET/release/ciao-bench}
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-"idle fanout"}
IDLE_CLIENTS=${IDLE_CLIENTS:-10000}
FANOUT=${FANOUT:-"--clients 1000 --senders 10 --messages 2000"}
CHURN_SECS=${CHURN_SECS:-5} CHURN_CONCURRENCY=${CHURN_CONCURRENCY:-10}
RESULTS=${RESULTS:-$TARGET/bench-results/web-$(date +%Y%m%d-%H%M%S)}

log() { printf '[bench-web] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -x $CIAO_SERVER && -x $BENCH ]] || die "build first: cargo build --release -p ciao-server -p ciao-bench"
# The server and the generator each hold IDLE_CLIENTS descriptors.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= IDLE_CLIENTS + 100)) || die "ulimit -n $(ulimit -n) < IDLE_CLIENTS+100"
mkdir -p "$RESULTS"
WORK=$(mktemp -d /tmp/bench-web.XXXXXX)
SERVER_PID=""

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# start_server: a fresh server with a chat port and a web port; sets
# SERVER_PID, CHAT_ADDR and WEB_ADDR from its `listening` log lines.
start_server() {
    local log=$WORK/server.log i
    : >"$log"
    RUST_LOG=info "$CIAO_SERVER" --listen 127.0.0.1:0 --no-tls --web 127.0.0.1:0 \
        --max-clients 20000 --default-channel '' --no-history --flood off \
        --data-dir "$(mktemp -d "$WORK/data.XXXXXX")" 2>"$log" &
    SERVER_PID=$!
    CHAT_ADDR="" WEB_ADDR=""
    for ((i = 0; i < 150; i++)); do
        CHAT_ADDR=$(sed -n 's/.*listening addr=\(127\.0\.0\.1:[0-9]*\) tls=false$/\1/p' "$log" | head -n1)
        WEB_ADDR=$(sed -n 's/.*listening;.* addr=\(127\.0\.0\.1:[0-9]*\) tls=false web=true$/\1/p' "$log" | head -n1)
        [[ -n $CHAT_ADDR && -n $WEB_ADDR ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    die "the server did not log both of its addresses"
}

# run SCENARIO TRANSPORT ROUND
run() {
    local scenario=$1 transport=$2 round=$3 addr args out
    start_server
    addr=$CHAT_ADDR
    [[ $transport == ws ]] && addr=$WEB_ADDR
    case $scenario in
    idle) args=(idle --clients "$IDLE_CLIENTS" --transport "$transport") ;;
    # shellcheck disable=SC2206
    fanout) args=(fanout $FANOUT --transport "$transport") ;;
    churn) args=(churn --duration-secs "$CHURN_SECS" --concurrency "$CHURN_CONCURRENCY" --transport "$transport") ;;
    *) die "unknown scenario $scenario" ;;
    esac
    log "round $round: $scenario over $transport ($addr)"
    out=$("$BENCH" --addr "$addr" --server-pid "$SERVER_PID" --json "${args[@]}")
    stop_server
    echo "$out" | tee -a "$RESULTS/$scenario-$transport.jsonl"
}

for ((round = 1; round <= ROUNDS; round++)); do
    for scenario in $SCENARIOS; do
        # Alternate which transport goes first.
        if ((round % 2)); then order="tcp ws"; else order="ws tcp"; fi
        for transport in $order; do
            run "$scenario" "$transport" "$round"
        done
    done
done
log "results in $RESULTS"
