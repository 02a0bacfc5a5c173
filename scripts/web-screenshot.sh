#!/usr/bin/env bash
# Takes pictures of ciao's web page in a real chat, for the docs: a laptop
# window and a phone.
#
#   scripts/web-screenshot.sh [DESKTOP.png [PHONE.png]]
#                         (default: docs/web.png 1280×800, docs/web-mobile.png 390×844)
#
# Starts ciao-server (target/release if built, else target/debug, built if
# missing; $CIAO_SERVER names another; extra server flags may follow the
# two file names, e.g. --web-dir crates/server/web) with its web listener on a free port of 127.0.0.1, opens the page
# in Debian's chromium, headless, through chromedriver, and joins as
# "giulia" through the form. "marco" and "anna" (IRC clients; marco writes
# in colours) and "luca" (a plain nc-style client) chat with her in #lobby;
# anna also talks in #foto and writes to giulia privately, so the list shows
# unread counts and a mention. giulia types through the page. Then the
# window is pictured, resized to a phone's viewport and pictured again.
# Installs what it needs with apt-get when something is missing (never a
# downloaded browser). Every wait is bounded; everything started here is
# stopped on exit. Fails if the page logged a console error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/docs/web.png}
OUT_PHONE=${2:-$ROOT/docs/web-mobile.png}
shift $(( $# < 2 ? $# : 2 ))
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
case $OUT_PHONE in /*) ;; *) OUT_PHONE=$PWD/$OUT_PHONE ;; esac

log() { printf '[web-screenshot] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools -----------------------------------------------------------------
need_pkgs=()
for pkg in chromium chromium-driver fonts-noto-color-emoji python3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || need_pkgs+=("$pkg")
done
if ((${#need_pkgs[@]})); then
    log "installing: ${need_pkgs[*]}"
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${need_pkgs[@]}"
fi

# --- the server binary -----------------------------------------------------
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -n "${CIAO_SERVER:-}" ]; then
    BIN=$CIAO_SERVER # another build of the server, e.g. a branch's
elif [ -x "$TARGET/release/ciao-server" ]; then
    BIN=$TARGET/release/ciao-server
else
    BIN=$TARGET/debug/ciao-server
    if [ ! -x "$BIN" ]; then
        log "building ciao-server (debug)…"
        (cd "$ROOT" && cargo build -p ciao-server)
    fi
fi
[ -x "$BIN" ] || die "ciao-server not found in $TARGET"
log "server: $BIN"

# --- cleanup ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ciao-web-shot.XXXXXX")
PIDS=()
cleanup() {
    local status=$? pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" != 0 ]; then
        for f in server.log scene.log; do
            [ -s "$WORK/$f" ] && { log "--- $f (last lines)"; tail -n 20 "$WORK/$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- server ----------------------------------------------------------------
# Port 0 everywhere: the server logs the addresses it got.
RUST_LOG=info "$BIN" --listen 127.0.0.1:0 --no-tls --web 127.0.0.1:0 \
    --data-dir "$WORK/data" "$@" >"$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
# listening: the `listening addr=…` lines, colour codes removed.
listening() { grep 'listening' "$WORK/server.log" | sed 's/\x1b\[[0-9;]*m//g' || true; }
addr_of() { sed -E 's/.*addr=([^ ]+).*/\1/' | head -n 1; }
for _ in $(seq 200); do
    kill -0 "$SERVER" 2>/dev/null || die "ciao-server exited early"
    WEB=$(listening | grep 'web=true' | addr_of || true)
    CHAT=$(listening | grep -v 'web=true' | grep 'tls=false' | addr_of || true)
    [ -n "$WEB" ] && [ -n "$CHAT" ] && break
    sleep 0.1
done
[ -n "$WEB" ] || die "the server logged no web listener"
log "chat on $CHAT, page on http://$WEB/"

# --- the scene -------------------------------------------------------------
cat >"$WORK/scene.py" <<'EOF'
"""giulia on the page (chromium through chromedriver, spoken to over plain
WebDriver HTTP) chats with marco and anna (IRC) and luca (plain)."""
import base64, json, os, signal, socket, subprocess, sys, time, urllib.error, urllib.request

chat, web, out, out_phone, work = sys.argv[1:6]
chat_host, chat_port = chat.rsplit(":", 1)
DEADLINE = time.monotonic() + 120


def say(*a):
    print("[scene]", *a, file=sys.stderr, flush=True)


def left():
    rest = DEADLINE - time.monotonic()
    if rest <= 0:
        sys.exit("[scene] out of time")
    return rest


# --- chromedriver ------------------------------------------------------------
# Its own process group, so that chromium goes with it at the end.
driver = subprocess.Popen(["/usr/bin/chromedriver", "--port=0", "--log-level=WARNING"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True)
port = None
while port is None:
    line = driver.stdout.readline()
    if not line:
        sys.exit("[scene] chromedriver exited before saying its port")
    if "started successfully on port " in line:
        port = int(line.rsplit(" ", 1)[1].strip().rstrip("."))
    left()


class Page:
    """The few WebDriver commands the scene needs."""

    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"browserName": "chrome",
                "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--force-device-scale-factor=1",
                    f"--user-data-dir={work}/profile", "--no-first-run",
                    "--hide-scrollbars", "--lang=it-IT", "--window-size=1280,800"]}}
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
        self.session = value["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=min(30, left())) as reply:
                return json.load(reply)["value"]
        except urllib.error.HTTPError as error:
            sys.exit(f"[scene] {method} {path}: {error.read().decode(errors='replace')[:500]}")

    def cmd(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def run(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, what, script, *args, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.run(script, *args)
            if value:
                return value
            time.sleep(0.1)
        sys.exit(f"[scene] timed out waiting for {what}: "
                 f"{self.run('return document.body.innerText')!r}")

    def element(self, css):
        self.wait(css, "return document.querySelector(arguments[0]) !== null", css)
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[self.ELEMENT]

    def type(self, css, text):
        self.cmd("POST", f"/element/{self.element(css)}/value", {"text": text})

    def click(self, css):
        self.cmd("POST", f"/element/{self.element(css)}/click", {})

    def viewport(self, width, height):
        extra = self.run("return [outerWidth - innerWidth, outerHeight - innerHeight]")
        self.cmd("POST", "/window/rect", {"width": width + extra[0], "height": height + extra[1]})
        self.wait(f"a {width}x{height} viewport",
                  "return innerWidth === arguments[0] && innerHeight === arguments[1]",
                  width, height)

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))

    def errors(self):
        entries = self.cmd("POST", "/se/log", {"type": "browser"})
        return [e["message"] for e in entries if e.get("level") == "SEVERE"]

    def close(self):
        self.call("DELETE", f"/session/{self.session}")


SHOWS_LINE = """return [...document.querySelectorAll('#messages .line .text')]
    .some((t) => t.textContent.includes(arguments[0]))"""


class Conn:
    def __init__(self):
        self.sock = socket.create_connection((chat_host, int(chat_port)), timeout=5)
        self.buf = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            rest = min(end - time.monotonic(), left())
            if rest <= 0:
                return None
            self.sock.settimeout(rest)
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
    def __init__(self, nick):
        super().__init__()
        self.nick = nick
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick.title()}")
        self.wait("registration", lambda s, v, p: v == "001")

    def wait(self, what, pred, timeout=20):
        """Reads until pred(source nick, verb, params) holds; answers PINGs."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            raw = self.line(end - time.monotonic())
            if raw is None:
                break
            prefix, rest = "", raw
            if rest.startswith(":"):
                prefix, _, rest = rest[1:].partition(" ")
            head, sep, trailing = rest.partition(" :")
            params = head.split()
            verb, params = (params[0].upper(), params[1:]) if params else ("", [])
            if sep:
                params.append(trailing)
            if verb == "PING":
                self.send("PONG :" + (params[-1] if params else ""))
            if pred(prefix.split("!")[0], verb, params):
                return params
        sys.exit(f"[scene] {self.nick}: timed out waiting for {what}")

    def say(self, target, text):
        self.send(f"PRIVMSG {target} :{text}")


page = None
try:
    page = Page(port)
    page.viewport(1280, 800)
    page.run("return 1")
    page.call("POST", f"/session/{page.session}/url", {"url": f"http://{web}/"})
    page.type("form#connect input#nick", "giulia")
    page.click("form#connect button[type=submit]")
    page.wait("the page to connect", """const s = document.querySelector('#status');
        return s && /(^|[^a-z])connected/i.test(s.textContent)""")
    page.wait("#lobby", "return document.querySelector('li.conversation[data-target=\"#lobby\"]')")
    say("giulia is in")

    def giulia(text, shows=None):
        page.type("textarea#input", text + "\ue007")
        page.wait(f"giulia's {text!r}", SHOWS_LINE, shows or text)
        time.sleep(0.4)

    # #foto first, and back to #lobby before anyone speaks, so that the
    # picture is of one stretch of live chat.
    page.type("textarea#input", "/join #foto\ue007")
    page.wait("#foto", "return document.querySelector('li.conversation[data-target=\"#foto\"]')")
    page.click('li.conversation[data-target="#lobby"]')
    page.wait("#lobby open", """return document.querySelector(
        'li.conversation[data-target="#lobby"]')?.getAttribute('aria-current') === 'true'""")
    # giulia came first, so she is #lobby's operator.
    marco = Irc("marco")
    marco.wait("auto-join", lambda s, v, p: v == "366")
    anna = Irc("anna")
    anna.wait("auto-join", lambda s, v, p: v == "366")
    anna.send("JOIN #foto")
    anna.wait("#foto", lambda s, v, p: v == "366")
    luca = Conn()
    luca.line(5)  # the greeting
    luca.sock.sendall(b"luca\n")
    marco.wait("luca's join", lambda s, v, p: v == "JOIN" and s == "luca")

    def others(who, text):
        if who == "luca":
            luca.sock.sendall(text.encode() + b"\n")
        else:
            {"marco": marco, "anna": anna}[who].say("#lobby", text)
        page.wait(f"{who}'s {text!r}", SHOWS_LINE, text.strip("\x02\x1d\x1f"))
        time.sleep(0.4)

    giulia("/topic Benvenuti su ciao · la chat del gruppo", shows="Benvenuti")
    giulia("ciao a tutti!")
    others("marco", "ciao giulia! 😀")
    others("luca", "eccomi! le foto di sabato sono qui: https://example.org/ciao")
    others("marco", "bellissime, grazie luca 🎉")
    marco.say("#lobby", "\x02grassetto\x02, \x1dcorsivo\x1d, \x0304rosso\x03, "
              "\x0303verde\x03, \x0312blu\x03, \x11monospazio\x11")
    page.wait("marco's colours", SHOWS_LINE, "monospazio")
    others("anna", "giulia, ci sei stasera? 🍕")
    giulia("/me arriva alle otto", shows="arriva alle otto")
    others("luca", "a dopo, vado a pranzo")
    # Unread lines elsewhere: #foto, and anna writing privately.
    for text in ["la prima è la mia preferita", "e questa? 📷"]:
        anna.say("#foto", text)
    anna.say("giulia", "ti porto il libro stasera")
    page.wait("the unread counts", """const n = (t) => document.querySelector(
        `li.conversation[data-target="${t}"] .unread`)?.textContent.trim();
        return n('#foto') === '2' && n('anna') === '1'""")
    page.run("document.activeElement?.blur(); return 1")
    time.sleep(0.5)
    page.screenshot(out)
    say("wrote", out)

    page.viewport(390, 844)
    page.wait("the phone layout", """const b = document.querySelector('#open-conversations');
        return b && b.getBoundingClientRect().width > 0""")
    time.sleep(0.8)
    page.screenshot(out_phone)
    say("wrote", out_phone)

    errors = page.errors()
    if errors:
        sys.exit("[scene] the page logged errors:\n" + "\n".join(errors))
finally:
    try:
        if page:
            page.close()
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
EOF

mkdir -p "$(dirname "$OUT")" "$(dirname "$OUT_PHONE")"
timeout 150 python3 -u "$WORK/scene.py" "$CHAT" "$WEB" "$WORK/web.png" "$WORK/web-mobile.png" \
    "$WORK" 2>"$WORK/scene.log" || die "the scene failed"
sed 's/^/  /' "$WORK/scene.log" >&2
mv "$WORK/web.png" "$OUT"
mv "$WORK/web-mobile.png" "$OUT_PHONE"
log "wrote $OUT and $OUT_PHONE"
