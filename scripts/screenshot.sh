#!/usr/bin/env bash
# Takes a screenshot of the ciao desktop client in a real chat, for the docs:
# two servers in one window, IRC formatting, and a member's menu open.
#
#   scripts/screenshot.sh [OUTPUT.png]      (default: docs/gui.png)
#
# Builds ciao and ciao-server (release), starts two servers on free ports of
# 127.0.0.1 and the GUI as "giulia" on both under a private Xvfb, then brings
# in "marco" (an IRC client, who writes in colours) and "luca" (a plain
# nc-style client), has everyone chat in #lobby (giulia types through
# xdotool), has "anna" talk on the second server, opens marco's menu in the
# member list, and saves a PNG of the window. Installs what it needs with apt-get when something is missing.
# Every wait is bounded; everything started here is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/docs/gui.png}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

log() { printf '[screenshot] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools -----------------------------------------------------------------
need_pkgs=()
for pkg in xvfb imagemagick xdotool fonts-noto-color-emoji \
    libgl1-mesa-dri libegl-mesa0 libglx-mesa0; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || need_pkgs+=("$pkg")
done
command -v python3 >/dev/null || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
    log "installing: ${need_pkgs[*]}"
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need_pkgs[@]}"
fi
# /usr/local/bin may hold a stand-in `convert`; `import` is ImageMagick's own.
command -v import >/dev/null || die "ImageMagick's import is missing"

# --- build -----------------------------------------------------------------
cd "$ROOT"
log "building (release)…"
cargo build --release -p ciao -p ciao-server
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
[ -x "$BIN/ciao" ] && [ -x "$BIN/ciao-server" ] || die "binaries not found in $BIN"

# --- cleanup ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ciao-shot.XXXXXX")
PIDS=()
cleanup() {
    local status=$? pid i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" != 0 ]; then
        for f in server.log server2.log gui.log xvfb.log scene.log; do
            [ -s "$WORK/$f" ] && { log "--- $f (last lines)"; tail -n 15 "$WORK/$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    die "timed out after ${limit}s waiting for $what"
}
alive() { kill -0 "$1" 2>/dev/null || die "$2 exited early"; }

# --- server ----------------------------------------------------------------
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
PORT2=$(free_port)
log "servers on 127.0.0.1:$PORT and 127.0.0.1:$PORT2"
"$BIN/ciao-server" --listen "127.0.0.1:$PORT" --no-tls --no-web --data-dir "$WORK/data1" >"$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
"$BIN/ciao-server" --listen "127.0.0.1:$PORT2" --no-tls --no-web --data-dir "$WORK/data2" >"$WORK/server2.log" 2>&1 &
SERVER2=$!
PIDS+=("$SERVER2")
# port_open PID PORT
port_open() {
    alive "$1" ciao-server
    python3 - "$2" <<'EOF'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5).close()
except OSError:
    sys.exit(1)
EOF
}
wait_for 20 "the first server's port" port_open "$SERVER" "$PORT"
wait_for 20 "the second server's port" port_open "$SERVER2" "$PORT2"

# --- X display and GUI -----------------------------------------------------
: >"$WORK/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
    3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
XVFB=$!
PIDS+=("$XVFB")
display_ready() { alive "$XVFB" Xvfb; [ -n "$(tr -d '[:space:]' <"$WORK/display")" ]; }
wait_for 20 "Xvfb" display_ready
export DISPLAY=:$(tr -d '[:space:]' <"$WORK/display")
log "Xvfb on $DISPLAY"
unset WAYLAND_DISPLAY

# A throwaway home: eframe keeps the connect form under the data dir.
mkdir -p "$WORK/home"
HOME=$WORK/home XDG_DATA_HOME=$WORK/home/.local/share \
    XDG_CONFIG_HOME=$WORK/home/.config XDG_CACHE_HOME=$WORK/home/.cache \
    WINIT_X11_SCALE_FACTOR=1 LIBGL_ALWAYS_SOFTWARE=1 \
    "$BIN/ciao" --connect "127.0.0.1:$PORT" --connect "127.0.0.1:$PORT2" --plaintext --nick giulia \
    >"$WORK/gui.log" 2>&1 &
GUI=$!
PIDS+=("$GUI")

find_window() {
    alive "$GUI" "the ciao GUI"
    WID=$(xdotool search --onlyvisible --name '^ciao$' 2>/dev/null | head -n 1)
    [ -n "$WID" ]
}
wait_for 30 "the ciao window" find_window
log "window $WID"
# Keep the pointer off the window so nothing shows a hover.
xdotool mousemove 1279 799

# --- the conversation ------------------------------------------------------
cat >"$WORK/scene.py" <<'EOF'
"""marco (IRC) and luca (plain) chat with giulia (the GUI, typed via
xdotool); anna talks on the second server; marco's menu is opened."""
import socket, subprocess, sys, time

port, port2, wid, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
DEADLINE = time.monotonic() + 90

def say(*a):
    print("[scene]", *a, file=sys.stderr, flush=True)

class Conn:
    def __init__(self, to=None):
        self.sock = socket.create_connection(("127.0.0.1", to or port), timeout=5)
        self.buf = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = min(end, DEADLINE) - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return None
            if not data:
                sys.exit("[scene] the server closed the connection")
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw.rstrip(b"\r").decode("utf-8", "replace")

class Irc(Conn):
    def __init__(self, nick, to=None):
        super().__init__(to)
        self.nick = nick
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick.title()}")

    def wait(self, what, pred, timeout=20):
        """Reads until pred(prefix, verb, params) holds; answers PINGs."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            raw = self.line(end - time.monotonic())
            if raw is None:
                break
            prefix, rest = "", raw
            if rest.startswith(":"):
                prefix, _, rest = rest[1:].partition(" ")
            head, _, trailing = rest.partition(" :")
            params = head.split()
            verb, params = (params[0].upper(), params[1:]) if params else ("", [])
            if trailing or " :" in rest:
                params.append(trailing)
            if verb == "PING":
                self.send("PONG :" + (params[-1] if params else ""))
            if pred(prefix.split("!")[0], verb, params):
                return params
        sys.exit(f"[scene] {self.nick}: timed out waiting for {what}")

    def names(self, channel="#lobby"):
        """NAMES of the channel as {nick: prefix}."""
        self.send(f"NAMES {channel}")
        members = {}
        def collect(_src, verb, params):
            if verb == "353":
                for n in params[-1].split():
                    bare = n.lstrip("@+%~&")
                    members[bare] = n[: len(n) - len(bare)]
            return verb == "366"
        self.wait("NAMES", collect)
        return members

    def privmsg(self, text):
        self.send(f"PRIVMSG #lobby :{text}")

def xdo(*args):
    subprocess.run(["xdotool", *args], check=True, timeout=20)

def click(x, y, button=1):
    """A click at (x, y) in the window."""
    xdo("mousemove", "--window", wid, str(x), str(y))
    pause(0.3)
    xdo("click", str(button))

def giulia_types(text):
    xdo("windowfocus", "--sync", wid)
    xdo("type", "--delay", "25", text)
    xdo("key", "Return")

def pause(s=0.7):
    time.sleep(s)

# 0. anna on the second server, once giulia is there too.
anna = Irc("anna", port2)
anna.wait("registration", lambda s, v, p: v == "001")
anna.wait("auto-join", lambda s, v, p: v == "366")
while "giulia" not in anna.names():
    time.sleep(0.2)

# The first server's #lobby on screen: the second line of its group.
click(56, 111)

# 1. marco in, only once giulia is in #lobby, so that she is its first
#    member and so its operator.
marco = Irc("marco")
marco.wait("registration", lambda s, v, p: v == "001")
marco.wait("auto-join", lambda s, v, p: v == "366")
members = marco.names()
if "giulia" not in members:
    say("giulia not in #lobby yet; marco steps out until she is")
    marco.send("PART #lobby")
    marco.wait("PART", lambda s, v, p: v == "PART" and s == "marco")
    while True:
        marco.send("ISON giulia")
        p = marco.wait("ISON", lambda s, v, p: v == "303")
        if "giulia" in p[-1].split():
            break
        time.sleep(0.2)
    marco.send("JOIN #lobby")
    marco.wait("JOIN", lambda s, v, p: v == "366")
    members = marco.names()
if members.get("giulia", "") != "@":
    say(f"giulia is not op ({members}); marco hands it over")
    marco.send("MODE #lobby +o giulia")
say("members:", members)

# 2. luca, a plain client: greeting, then his name.
luca = Conn()
greeting = luca.line(5)
if not greeting or "HELLO" not in greeting:
    sys.exit(f"[scene] unexpected plain greeting: {greeting!r}")
luca.sock.sendall(b"luca\n")
marco.wait("luca's join", lambda s, v, p: v == "JOIN" and s == "luca")

def luca_says(text):
    luca.sock.sendall(text.encode() + b"\n")
    marco.wait(f"luca: {text}", lambda s, v, p: v == "PRIVMSG" and s == "luca" and p[-1] == text)

def giulia_says(text, expect=None):
    giulia_types(text)
    expect = expect or (lambda s, v, p: v == "PRIVMSG" and s == "giulia" and p[-1] == text)
    marco.wait(f"giulia: {text}", expect)

# 3. The chat.
pause()
giulia_says("/topic Welcome to ciao",
            lambda s, v, p: v == "TOPIC" and s == "giulia" and p[-1] == "Welcome to ciao")
pause()
giulia_says("ciao a tutti!")
pause()
marco.privmsg("ciao giulia! 😀")
pause()
luca_says("eccomi! le foto di sabato sono qui: https://example.org/ciao")
pause()
marco.privmsg("bellissime, grazie luca 🎉")
pause()
anna.send("PRIVMSG #lobby :giulia, ci sei stasera?")
pause()
marco.privmsg("\x02grassetto\x02, \x1dcorsivo\x1d, \x1fsottolineato\x1f, "
              "\x0304rosso\x03, \x0303verde\x03, \x0312blu\x03, "
              "\x0308,02giallo su blu\x0f, \x11monospazio\x11")
pause()
giulia_says("/me waves", lambda s, v, p: v == "PRIVMSG" and s == "giulia"
            and p[-1] == "\x01ACTION waves\x01")
pause()
luca_says("a dopo, vado a pranzo")
pause()
# marco's menu in the member list (@giulia, luca, marco: the third row).
click(860, 109, 3)
pause(1.0)

open(ready, "w").close()
say("ready")
# Stay connected while the picture is taken; the script stops us.
while time.monotonic() < DEADLINE + 60:
    marco.line(1)
EOF

python3 -u "$WORK/scene.py" "$PORT" "$PORT2" "$WID" "$WORK/ready" 2>"$WORK/scene.log" &
SCENE=$!
PIDS+=("$SCENE")
scene_ready() { [ -e "$WORK/ready" ] || { alive "$SCENE" "the chat scene"; false; }; }
wait_for 100 "the chat scene" scene_ready
sed 's/^/  /' "$WORK/scene.log" >&2
# Let the GUI paint what arrived last.
sleep 1.5
alive "$GUI" "the ciao GUI"

# --- the picture -----------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
import -window "$WID" "$WORK/shot.png"
mv "$WORK/shot.png" "$OUT"
log "wrote $OUT ($(identify -format '%wx%h' "$OUT"))"
