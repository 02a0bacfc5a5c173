#!/usr/bin/env bash
# Real IRC clients against ciao-server, scripted (issue 7).
#
#   scripts/interop.sh [irssi] [weechat]        (default: both)
#
# For each client: starts ciao-server on a free port of 127.0.0.1 with a
# temporary data dir, a "ciao peer" (ciao-client's real connection task and
# Model: crates/client/examples/interop_peer.rs) and a "plain peer" (a raw
# TCP client speaking the seed's text protocol), then the real client in a
# private tmux server, over TLS to the certificate the server generated:
# irssi with a temporary --home, verifying it against the generated CA
# (tls_cafile), typed into with send-keys; weechat-headless with a
# temporary --dir, the certificate's fingerprint pinned
# (ssl_fingerprint), driven through its FIFO. Each client logs in with
# SASL (irssi PLAIN, weechat SCRAM-SHA-256) to an account a raw connection
# made with REGISTER just before. The client talks with both peers both ways, changes nick, is kicked
# by the ciao peer (channel operator: the first to join) and rejoins; every
# party must see every line, and the client's status window must show no
# protocol error (see check_client_errors). docs/INTEROP.md has the details.
#
# Needs: apt-get install irssi weechat-headless tmux. Environment:
#   CIAO_SERVER=PATH    use this ciao-server binary instead of building one
#   INTEROP_TIMEOUT=S   seconds each expected line may take (default 20)
#   INTEROP_KEEP=1      keep the work dir (all logs) after the run
# Every wait is a bounded poll; everything started here is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=
STATUS_LOGS=()
TIMEOUT=${INTEROP_TIMEOUT:-20}

log() { printf '[interop] %s\n' "$*" >&2; }
# fail MESSAGE [FILE...]: says what is missing, shows the end of FILEs, exits 1.
fail() {
    local message=$1 file
    shift
    printf '\n[interop] FAIL (%s): %s\n' "${CLIENT:-setup}" "$message" >&2
    for file in "$@"; do
        [ -f "$file" ] || continue
        printf '[interop] --- last lines of %s\n' "${file#"$WORK"/}" >&2
        tail -n 25 "$file" | tr -d '\r' | sed 's/^/    /' >&2
    done
    exit 1
}

# --- arguments and tools ---------------------------------------------------
CLIENTS=()
for arg in "$@"; do
    case $arg in
        irssi | weechat) CLIENTS+=("$arg") ;;
        all) CLIENTS+=(irssi weechat) ;;
        -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown client '$arg' (expected irssi, weechat or all)" ;;
    esac
done
((${#CLIENTS[@]})) || CLIENTS=(irssi weechat)

missing=()
command -v tmux >/dev/null || missing+=(tmux)
for client in "${CLIENTS[@]}"; do
    case $client in
        irssi) command -v irssi >/dev/null || missing+=(irssi) ;;
        weechat) command -v weechat-headless >/dev/null || missing+=(weechat-headless) ;;
    esac
done
((${#missing[@]} == 0)) || fail "missing ${missing[*]}: apt-get install ${missing[*]}"

# --- build -----------------------------------------------------------------
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -n "${CIAO_SERVER:-}" ]; then
    log "building the ciao peer…"
    cargo build -p ciao-client --example interop_peer
    SERVER_BIN=$CIAO_SERVER
else
    log "building ciao-server and the ciao peer…"
    cargo build -p ciao-server --bin ciao-server -p ciao-client --example interop_peer
    SERVER_BIN=$TARGET/debug/ciao-server
fi
PEER_BIN=$TARGET/debug/examples/interop_peer
[ -x "$SERVER_BIN" ] || fail "no ciao-server at $SERVER_BIN"
[ -x "$PEER_BIN" ] || fail "no interop_peer at $PEER_BIN"

# --- cleanup ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ciao-interop.XXXXXX")
TMUX_SOCKET=$WORK/tmux.sock
PIDS=()     # processes of the current session, stopped in reverse order
FDS=()      # file descriptors the script holds open (peer input, plain socket)

stop_session() {
    local fd pid i
    tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true
    # (No 2>/dev/null here: on exec it would silence the script for good.)
    for fd in "${FDS[@]}"; do exec {fd}>&-; done
    FDS=()
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
cleanup() {
    local status=$?
    stop_session
    if [ "${INTEROP_KEEP:-}" = 1 ]; then
        log "logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# --- waiting ---------------------------------------------------------------
# wait_until DESCRIPTION COMMAND...: polls COMMAND every 0.1 s for TIMEOUT s.
wait_until() {
    local what=$1 i
    shift
    for ((i = 0; i < TIMEOUT * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    fail "timed out after ${TIMEOUT}s waiting for $what"
}
# exited PID: the process is gone (or a zombie nobody reaped yet).
exited() { ! [ -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# lit TEXT: TEXT as an extended regex matching itself.
lit() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }
# expect WHO FILE REGEX: waits until FILE has a line matching REGEX.
expect() {
    local who=$1 file=$2 re=$3 i
    for ((i = 0; i < TIMEOUT * 10; i++)); do
        if [ -f "$file" ] && grep -Eq -- "$re" "$file"; then
            log "  ok  $who: ${re//\\/}"
            return 0
        fi
        sleep 0.1
    done
    local context=()
    [ "$who" != "${CLIENT:-}" ] || context=("${STATUS_LOGS[@]}")
    fail "$who did not show a line matching /$re/ within ${TIMEOUT}s" "$file" "${context[@]}"
}

# --- the server --------------------------------------------------------------
# Defaults but for the address and the data dir: #lobby is the default
# channel every client is put in on arrival (how IRC and plain users meet).
start_server() {
    "$SERVER_BIN" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 --web 127.0.0.1:0 --data-dir "$DIR/data" >"$DIR/server.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    server_port() {
        kill -0 "$SERVER_PID" 2>/dev/null || fail "ciao-server exited" "$DIR/server.log"
        PORT=$(sed -n 's/.*listening addr=127\.0\.0\.1:\([0-9]*\) tls=false.*/\1/p' "$DIR/server.log")
        TLS_PORT=$(sed -n 's/.*listening addr=127\.0\.0\.1:\([0-9]*\) tls=true.*/\1/p' "$DIR/server.log")
        [ -n "$PORT" ] && [ -n "$TLS_PORT" ]
    }
    wait_until "ciao-server to listen" server_port
    # The certificate it generated on first start: irssi verifies it
    # against its CA, weechat pins its fingerprint.
    CA_PEM=$DIR/data/tls/ca.pem
    [ -s "$CA_PEM" ] || fail "no generated CA at $CA_PEM" "$DIR/server.log"
    FINGERPRINT=$("$SERVER_BIN" --data-dir "$DIR/data" tls-fingerprint | sed -n 's/^tls_fingerprint *//p')
    [ ${#FINGERPRINT} = 64 ] || fail "no TLS fingerprint from ciao-server tls-fingerprint"
}

# --- the ciao peer (ciao-client's connection task and Model) ---------------
CIAO=ciaopeer
start_ciao_peer() {
    mkfifo "$DIR/ciao.in"
    "$PEER_BIN" 127.0.0.1 "$PORT" "$CIAO" <"$DIR/ciao.in" >"$DIR/ciao.out" 2>"$DIR/ciao.err" &
    CIAO_PID=$!
    PIDS+=("$CIAO_PID")
    # Read-write: opening a FIFO so never blocks, and closing it is the EOF.
    exec {CIAO_FD}<>"$DIR/ciao.in"
    FDS+=("$CIAO_FD")
}
ciao_types() { printf '%s\n' "$1" >&"$CIAO_FD"; }

# --- the plain peer (the seed's protocol, as nc would speak it) ------------
PLAIN=plainpeer
start_plain_peer() {
    exec {PLAIN_FD}<>"/dev/tcp/127.0.0.1/$PORT"
    FDS+=("$PLAIN_FD")
    cat <&"$PLAIN_FD" >"$DIR/plain.out" &
    PLAIN_PID=$!
    PIDS+=("$PLAIN_PID")
}
plain_types() { printf '%s\n' "$1" >&"$PLAIN_FD"; }

# --- the client's account ---------------------------------------------------
# register_account NAME PASSWORD: a raw IRC connection (from 127.0.0.1, where
# passwords in clear are taken) registers as NAME, makes the account NAME
# with REGISTER (draft/account-registration) and quits; the client then logs
# in to it with SASL.
register_account() {
    local name=$1 password=$2 fd reader out=$DIR/register.out
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
    cat <&"$fd" >"$out" &
    reader=$!
    printf 'NICK %s\r\nUSER %s 0 * :register\r\n' "$name" "$name" >&"$fd"
    expect "registration" "$out" " 001 $name "
    printf 'REGISTER %s * %s\r\n' "$name" "$password" >&"$fd"
    expect "registration" "$out" "REGISTER SUCCESS $name "
    printf 'QUIT :registered\r\n' >&"$fd"
    wait_until "the registering connection to close" exited "$reader"
    exec {fd}>&-
}

# --- the real clients --------------------------------------------------------
# Each client has: <client>_start, _say TEXT, _act TEXT, _command /CMD,
# _quit REASON, and these file names: CHAN_LOG (the #lobby window), STATUS_LOGS
# (the status window: irssi's window 1; weechat's core and server buffers),
# RAW_LOG (every line in and out).
tmux_() { tmux -S "$TMUX_SOCKET" "$@"; }
client_running() { tmux_ has-session -t "$CLIENT" 2>/dev/null; }
client_gone() { ! client_running; }

irssi_start() {
    local home=$DIR/irssi
    mkdir -p "$home" "$DIR/logs"
    CHAN_LOG=$DIR/logs/ciao/#lobby.log
    STATUS_LOGS=("$DIR/logs/status.log")
    RAW_LOG=$DIR/logs/raw.log
    cat >"$home/config" <<EOF
servers = (
  { address = "localhost"; chatnet = "ciao"; port = "$TLS_PORT"; use_tls = "yes"; tls_verify = "yes"; tls_cafile = "$CA_PEM"; autoconnect = "yes"; }
);
chatnets = { ciao = { type = "IRC"; autosendcmd = "/rawlog open $RAW_LOG";
  sasl_mechanism = "PLAIN"; sasl_username = "$NICK1"; sasl_password = "$PASSWORD"; }; };
settings = {
  core = { real_name = "irssi interop"; user_name = "$NICK1"; nick = "$NICK1"; settings_autosave = "no"; rawlog_lines = "1000"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "$DIR/logs/\$tag/\$0.log"; autolog_level = "ALL"; };
};
EOF
    # Commands irssi runs at start: log the status window (window 1).
    printf '/window log on %s\n' "${STATUS_LOGS[0]}" >"$home/startup"
    tmux_ -f /dev/null new-session -d -s irssi -x 200 -y 50 -e LANG=C.UTF-8 \
        "irssi --home=$(printf %q "$home")"
}
# irssi_keys TEXT: types TEXT and Enter into irssi.
irssi_keys() {
    client_running || fail "irssi is not running" "${STATUS_LOGS[0]}"
    tmux_ send-keys -t irssi -l "$1"
    tmux_ send-keys -t irssi Enter
}
irssi_say() { irssi_keys "/window goto #lobby"; irssi_keys "$1"; }
irssi_act() { irssi_keys "/window goto #lobby"; irssi_keys "/me $1"; }
irssi_command() { irssi_keys "$1"; }
irssi_quit() { irssi_keys "/quit $1"; }
# irssi_screen WINDOW FILE PROMPT: shows WINDOW (its input prompt reads
# [PROMPT]) and saves what the terminal shows in FILE.
irssi_screen() {
    local window=$1 file=$2 prompt=$3
    irssi_keys "/window goto $window"
    showing() { tmux_ capture-pane -p -t irssi | grep -Fq "[$prompt]"; }
    wait_until "irssi to show window $window" showing
    tmux_ capture-pane -p -J -S - -t irssi >"$file"
}

weechat_start() {
    local home=$DIR/weechat
    mkdir -p "$home"
    CHAN_LOG=$DIR/logs/irc.ciao.#lobby.weechatlog
    STATUS_LOGS=("$DIR/logs/core.weechat.weechatlog" "$DIR/logs/irc.server.ciao.weechatlog")
    RAW_LOG=$DIR/logs/irc.irc_raw.weechatlog
    FIFO=$home/fifo
    # Logger: every buffer to a file, written at once. The raw buffer
    # (every line in and out) is opened first and its no_log cleared so it
    # is logged too.
    local setup=(
        "/set fifo.file.path $FIFO"
        "/set logger.file.path $DIR/logs"
        "/set logger.file.mask \$plugin.\$name.weechatlog"
        "/set logger.file.flush_delay 0"
        "/set logger.file.time_format %H:%M:%S"
        "/server raw"
        "/command -buffer irc.irc_raw * /buffer set localvar_del_no_log"
        "/command -buffer irc.irc_raw * /logger set 9"
        "/server add ciao 127.0.0.1/$TLS_PORT -ssl -ssl_fingerprint=$FINGERPRINT -sasl_mechanism=scram-sha-256 -sasl_username=$NICK1 -sasl_password=$PASSWORD -nicks=$NICK1 -username=$NICK1 -realname=weechat_interop"
        "/connect ciao"
    )
    local commands
    commands=$(printf '%s; ' "${setup[@]}")
    tmux_ -f /dev/null new-session -d -s weechat -x 200 -y 50 -e LANG=C.UTF-8 \
        "weechat-headless --stdout --dir $(printf %q "$home") -r $(printf %q "$commands")"
}
# weechat_fifo BUFFER TEXT: what the user would type in BUFFER.
weechat_fifo() {
    client_running || fail "weechat is not running" "${STATUS_LOGS[@]}"
    [ -p "$FIFO" ] || fail "weechat's FIFO $FIFO is missing" "${STATUS_LOGS[@]}"
    # A FIFO nobody reads would block the open: bound it.
    timeout 5 bash -c 'printf "%s *%s\n" "$1" "$2" >"$3"' _ "$1" "$2" "$FIFO" \
        || fail "could not write to weechat's FIFO"
}
weechat_say() { weechat_fifo "irc.ciao.#lobby" "$1"; }
weechat_act() { weechat_fifo "irc.ciao.#lobby" "/me $1"; }
weechat_command() { weechat_fifo "irc.server.ciao" "$1"; }
weechat_quit() { weechat_fifo "core.weechat" "/quit $1"; }

# How each client shows things, as regexes (its log lines: irssi
# "HH:MM <@nick> text", weechat "HH:MM:SS<TAB>@nick<TAB>text").
re_message() { # NICK TEXT
    case $CLIENT in
        irssi) printf '<[ @+]?%s> %s' "$1" "$(lit "$2")" ;;
        weechat) printf '\t[ @+]?%s\t%s' "$1" "$(lit "$2")" ;;
    esac
}
re_action() {
    case $CLIENT in
        irssi) printf ' \\* %s %s' "$1" "$(lit "$2")" ;;
        weechat) printf ' \\*\t%s %s' "$1" "$(lit "$2")" ;;
    esac
}
re_joined() {
    case $CLIENT in
        irssi) printf -- '-!- %s \\[[^]]*\\] has joined #lobby' "$1" ;;
        weechat) printf -- '-->\t%s \\(.*\\) has joined #lobby' "$1" ;;
    esac
}
re_own_nick() {
    case $CLIENT in
        irssi) printf "You're now known as %s" "$1" ;;
        weechat) printf 'You are now known as %s' "$1" ;;
    esac
}
re_kicked() { # VICTIM BY REASON
    case $CLIENT in
        irssi) printf '%s was kicked from #lobby by %s \\[%s\\]' "$1" "$2" "$(lit "$3")" ;;
        weechat) printf '%s has kicked %s \\(%s\\)' "$2" "$1" "$(lit "$3")" ;;
    esac
}

# --- the protocol-error check ------------------------------------------------
# 1. The raw log: no line from the server, up to the client's own QUIT, is a
#    4xx/5xx numeric (an error reply), FAIL or WARN (IRCv3 standard replies)
#    or ERROR (the server closing the link), except:
#      422 ERR_NOMOTD: the server runs with defaults, without --motd; this is
#          the standard "there is no MOTD" and every client treats it as the
#          end of the MOTD;
#      451 ERR_NOTREGISTERED before 001: irssi sends a bogus "JOIN :" right
#          after "CAP LS 302" to detect servers without CAP, and this is the
#          answer it expects (it shows nothing).
# 2. The status window as the user sees it (and the #lobby window): no line
#    saying unknown, invalid, error, failed, not found, not enough
#    parameters, not registered, warning or critical (case-insensitive),
#    except the LUSERS statistic "N unknown connection(s)" (253) and
#    irssi's TLS summary "EDH Key: 253 bit Unknown" (irssi 1.4 has no
#    name for X25519, the key exchange rustls prefers); for weechat also no
#    line with its error prefix "=!=".
raw_errors() {
    local file=$1
    case $CLIENT in
        # irssi: ">> line" came in, "<< line" went out.
        irssi) sed -n -e '/^<< QUIT/q' -e 's/^>> //p' "$file" ;;
        # weechat: "HH:MM:SS<TAB>--> ciao<TAB>line" in, "<-- ciao" out
        # (an "M" before the arrow marks a line a script modified).
        weechat) awk -F'\t' '$2 ~ /<--/ && $3 ~ /^QUIT/ { exit } $2 ~ /-->/ { print $3 }' "$file" ;;
    esac | awk '
        { line = $0; sub(/^@[^ ]* /, "", line); sub(/^:[^ ]* /, "", line)
          split(line, word, " "); command = word[1] }
        command == "001" { registered = 1 }
        command == "422" { next }
        command == "451" && !registered { next }
        command ~ /^[45][0-9][0-9]$/ || command == "FAIL" || command == "WARN" || command == "ERROR" { print }'
}
window_errors() {
    tr -d '\r' <"$1" \
        | grep -Ei 'unknown|invalid|error|failed|not found|not enough parameters|not registered|warning|critical|=!=' \
        | grep -Ev '[0-9]+ unknown connection\(s\)|Irssi: EDH Key: [0-9]+ bit Unknown *$' || true
}
check_client_errors() {
    local file bad=
    [ -s "$RAW_LOG" ] || fail "the raw log $RAW_LOG is empty"
    bad=$(raw_errors "$RAW_LOG")
    [ -z "$bad" ] || fail "error replies from the server:
$bad" "$RAW_LOG"
    log "  ok  no error replies in the raw log ($(wc -l <"$RAW_LOG") lines)"
    for file in "${STATUS_LOGS[@]}" "$CHAN_LOG" "${SCREENS[@]}"; do
        [ -f "$file" ] || fail "no window log $file"
        bad=$(window_errors "$file")
        [ -z "$bad" ] || fail "protocol errors shown in ${file#"$WORK"/}:
$bad" "$file"
    done
    log "  ok  no protocol errors in the status and #lobby windows"
}

# --- one session -----------------------------------------------------------
session() {
    CLIENT=$1
    DIR=$WORK/$CLIENT
    NICK1=${CLIENT}1
    NICK2=${CLIENT}2
    PASSWORD=interop-$RANDOM$RANDOM
    SCREENS=()
    mkdir -p "$DIR"
    local started=$SECONDS tag=$RANDOM$RANDOM
    local -r ciao_out=$DIR/ciao.out plain_out=$DIR/plain.out
    log "== $CLIENT (logs under ${DIR#"$WORK"/})"

    start_server
    log "server on 127.0.0.1:$PORT"

    # The ciao peer joins first, so it is #lobby's operator.
    start_ciao_peer
    expect "ciao peer" "$ciao_out" 'link: Registered'
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Join) $CIAO joined #lobby")"

    start_plain_peer
    expect "plain peer" "$plain_out" "$(lit 'HELLO! Type your name and press Enter!')"
    plain_types "$PLAIN"
    expect "plain peer" "$plain_out" "$(lit "Welcome $PLAIN!")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Join) $PLAIN joined #lobby")"

    # The real client connects over TLS, verifying the certificate, and
    # logs in with SASL (irssi PLAIN, weechat SCRAM-SHA-256) to the
    # account made for it; the server puts it in #lobby. (Arriving as
    # NICK1 is the login: the account owns the nick, so anyone else would
    # be renamed Guest-NNNN. The raw log, complete once the client quit,
    # shows 900 and 903 below.)
    register_account "$NICK1" "$PASSWORD"
    "${CLIENT}_start"
    expect "$CLIENT" "$CHAN_LOG" "$(re_joined "$NICK1")"
    expect "ciao-server" "$DIR/server.log" "connected .*tls=true"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Join) $NICK1 joined #lobby")"
    expect "plain peer" "$plain_out" "$(lit "$NICK1 joined the chat!")"

    # Messages, all ways.
    local m1="hello from $CLIENT $tag" a1="waves at everyone $tag"
    local m2="ciao à tutti from ciao $tag" m3="hello from plain $tag"
    "${CLIENT}_say" "$m1"
    expect "$CLIENT" "$CHAN_LOG" "$(re_message "$NICK1" "$m1")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] <$NICK1> $m1")"
    expect "plain peer" "$plain_out" "$(lit "$NICK1: $m1")"
    "${CLIENT}_act" "$a1"
    expect "$CLIENT" "$CHAN_LOG" "$(re_action "$NICK1" "$a1")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] * $NICK1 $a1")"
    expect "plain peer" "$plain_out" "$(lit "* $NICK1 $a1")"
    ciao_types "$m2"
    expect "$CLIENT" "$CHAN_LOG" "$(re_message "$CIAO" "$m2")"
    expect "plain peer" "$plain_out" "$(lit "$CIAO: $m2")"
    plain_types "$m3"
    expect "$CLIENT" "$CHAN_LOG" "$(re_message "$PLAIN" "$m3")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] <$PLAIN> $m3")"

    # A new nick, seen by all and used from then on.
    "${CLIENT}_command" "/nick $NICK2"
    expect "$CLIENT" "$CHAN_LOG" "$(re_own_nick "$NICK2")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Nick) $NICK1 is now known as $NICK2")"
    expect "plain peer" "$plain_out" "$(lit "$NICK1 is now known as $NICK2.")"
    local m4="renamed $tag"
    "${CLIENT}_say" "$m4"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] <$NICK2> $m4")"
    expect "plain peer" "$plain_out" "$(lit "$NICK2: $m4")"

    # Kicked by the ciao peer, then back by itself.
    local reason="interop kick $tag"
    ciao_types "/kick #lobby $NICK2 $reason"
    expect "$CLIENT" "$CHAN_LOG" "$(re_kicked "$NICK2" "$CIAO" "$reason")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Kick) $NICK2 was kicked by $CIAO ($reason)")"
    expect "plain peer" "$plain_out" "$(lit "$NICK2 was kicked out by $CIAO ($reason).")"
    "${CLIENT}_command" "/join #lobby"
    expect "$CLIENT" "$CHAN_LOG" "$(re_joined "$NICK2")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Join) $NICK2 joined #lobby")"
    expect "plain peer" "$plain_out" "$(lit "$NICK2 joined the chat!")"
    local members
    members=$(printf '%s\n' "$NICK2" "$PLAIN" | LC_ALL=C sort | tr '\n' ' ')
    ciao_types "/members #lobby"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] members: @$CIAO ${members% }")"

    # Live again after the rejoin, all ways.
    local m5="back again $tag" m6="welcome back from ciao $tag" m7="welcome back from plain $tag"
    "${CLIENT}_say" "$m5"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] <$NICK2> $m5")"
    expect "plain peer" "$plain_out" "$(lit "$NICK2: $m5")"
    ciao_types "$m6"
    expect "$CLIENT" "$CHAN_LOG" "$(re_message "$CIAO" "$m6")"
    plain_types "$m7"
    expect "$CLIENT" "$CHAN_LOG" "$(re_message "$PLAIN" "$m7")"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] <$PLAIN> $m7")"

    # What irssi's terminal shows: the #lobby window has the conversation,
    # the status window is checked for errors below.
    if [ "$CLIENT" = irssi ]; then
        irssi_screen "#lobby" "$DIR/lobby.screen" "#lobby"
        grep -Eq -- "$(re_message "$PLAIN" "$m7")" "$DIR/lobby.screen" \
            || fail "irssi's #lobby window does not show the last message" "$DIR/lobby.screen"
        irssi_screen 1 "$DIR/status.screen" "(status)"
        SCREENS=("$DIR/lobby.screen" "$DIR/status.screen")
    fi

    # The client leaves; its windows must show no protocol error.
    "${CLIENT}_quit" "interop done $tag"
    wait_until "$CLIENT to exit" client_gone
    local mechanism=PLAIN
    [ "$CLIENT" = irssi ] || mechanism=SCRAM-SHA-256
    expect "$CLIENT" "$RAW_LOG" "AUTHENTICATE $mechanism\$"
    # (Before registration completes the client's nick is `*`.)
    expect "$CLIENT" "$RAW_LOG" " 900 [^ ]+ [^ ]+ $NICK1 :You are now logged in as $NICK1"
    expect "$CLIENT" "$RAW_LOG" " 903 [^ ]+ :SASL authentication successful"
    expect "ciao peer" "$ciao_out" "$(lit "[#lobby] (Quit) $NICK2 quit")"
    expect "plain peer" "$plain_out" "$(lit "$NICK2 left the chat.")"
    check_client_errors

    # The ciao model showed no error either (422: see above).
    local errors
    errors=$(grep -F '(Error)' "$ciao_out" | grep -Fv '(Error) MOTD File is missing' || true)
    [ -z "$errors" ] || fail "the ciao peer showed errors:
$errors" "$ciao_out"

    # The peers leave: the ciao peer with /quit, the plain one with {quit}.
    ciao_types "/quit"
    wait_until "the ciao peer to exit" exited "$CIAO_PID"
    plain_types "{quit}"
    wait_until "the server to close the plain peer's connection" exited "$PLAIN_PID"

    kill -TERM "$SERVER_PID"
    wait_until "ciao-server to stop" exited "$SERVER_PID"
    if grep -Eq 'panicked| ERROR ' "$DIR/server.log"; then
        fail "ciao-server logged an error" "$DIR/server.log"
    fi
    stop_session
    log "== $CLIENT passed in $((SECONDS - started)) s"
}

for client in "${CLIENTS[@]}"; do
    session "$client"
done
log "all passed: ${CLIENTS[*]}"
