#!/usr/bin/env bash
# What an idle, connected app costs: CPU of the client over 30 s, under a
# private Xvfb, connected to a local ciao-server, its window focused (so a
# text cursor would blink), nothing said. Issue 13's idle-cost figure.
#
#   scripts/bench-app-idle.sh [ciao|hexchat] ...     (default: ciao)
#
# Environment: BIN (dir with release ciao and ciao-server; default
# target/release), SECS (30), ROUNDS (3). HexChat refuses to run as root,
# so under root it runs as nobody. Needs xvfb, xdotool (and hexchat to
# compare); installs them with apt-get when missing. Prints one line per
# round: CPU ticks (1/100 s) and the share of one core.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/target/release}
SECS=${SECS:-30}
ROUNDS=${ROUNDS:-3}
CLIENTS=("${@:-ciao}")

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
for c in "${CLIENTS[@]}"; do
    [[ $c == hexchat ]] && ! command -v hexchat >/dev/null && need+=(hexchat)
done
if ((${#need[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
[[ -x $BIN/ciao-server ]] || { echo "no $BIN/ciao-server: cargo build --release -p ciao -p ciao-server" >&2; exit 1; }

PIDS=()
WORK=
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    [[ -n $WORK ]] && rm -rf "$WORK"
    WORK=
}
trap cleanup EXIT

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit * 10; i++)); do "$@" && return 0; sleep 0.1; done
    echo "timed out waiting for $what" >&2
    exit 1
}

measure() {
    local client=$1 port name pid wid t0 t1
    WORK=$(mktemp -d)
    chmod 755 "$WORK"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$BIN/ciao-server" --listen "127.0.0.1:$port" --no-tls --no-web --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
    PIDS+=($!)
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
    PIDS+=($!)
    wait_for 20 Xvfb test -s "$WORK/display"
    export DISPLAY=:$(tr -d '[:space:]' <"$WORK/display")
    export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_DATA_HOME=$WORK/home/.local/share
    mkdir -p "$HOME/.config/hexchat"
    case $client in
    ciao)
        LIBGL_ALWAYS_SOFTWARE=1 "$BIN/ciao" --connect "127.0.0.1:$port" --plaintext --nick idler \
            >"$WORK/client.log" 2>&1 &
        name='^ciao$'
        ;;
    hexchat)
        printf 'irc_nick1 = idler\nirc_user_name = idler\ngui_slist_skip = 1\nirc_logging = 0\n' \
            >"$HOME/.config/hexchat/hexchat.conf"
        local run=()
        if [[ $(id -u) == 0 ]]; then
            chown -R nobody: "$HOME"
            run=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
        fi
        "${run[@]}" env HOME="$HOME" hexchat --cfgdir="$HOME/.config/hexchat" \
            "irc://127.0.0.1:$port/#lobby" >"$WORK/client.log" 2>&1 &
        name='HexChat'
        ;;
    *) echo "unknown client $client" >&2; exit 2 ;;
    esac
    pid=$!
    PIDS+=("$pid")
    find_window() { wid=$(xdotool search --onlyvisible --name "$name" 2>/dev/null | head -n 1); [[ -n $wid ]]; }
    wait_for 30 "the $client window" find_window
    # Time to connect, join and settle before the window is focused.
    sleep 8
    xdotool windowfocus "$wid" 2>/dev/null || true
    sleep 2
    t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    sleep "$SECS"
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    python3 -c "print(f'$client: {$t1 - $t0} ticks in $SECS s = {($t1 - $t0) / $SECS:.2f} % of a core')"
    cleanup
}

for client in "${CLIENTS[@]}"; do
    for _ in $(seq "$ROUNDS"); do measure "$client"; done
done
