#!/usr/bin/env bash
# Runs the irctest conformance suite (github.com/progval/irctest) against
# ciao-server. Fetches nothing: give the path of an irctest checkout.
#
#   IRCTEST_DIR=~/src/irctest scripts/irctest.sh [extra pytest arguments]
#
# Needs Python 3 with irctest's requirements (pip install -r
# $IRCTEST_DIR/requirements.txt), websockets among them: the WebSocket
# tests (server_tests/websocket.py, on ciao's web listener) need it.
# Builds target/release/ciao-server unless NO_BUILD=1 or CIAO_SERVER
# points at a binary. The selection is the one docs/CONFORMANCE.md
# reports: no services, nothing implementation-specific, deprecated or
# strict; SERVICES=1 runs the services-marked tests instead
# (accounts, SASL, NickServ: built into ciao), the second selection it
# reports.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${IRCTEST_DIR:?set IRCTEST_DIR to an irctest checkout}"
if [[ -z ${CIAO_SERVER:-} && -z ${NO_BUILD:-} ]]; then
    (cd "$ROOT" && cargo build --release -p ciao-server)
fi
export CIAO_SERVER=${CIAO_SERVER:-$ROOT/target/release/ciao-server}
# Without websockets irctest skips its WebSocket tests, which would hide a
# regression: refuse instead.
if ! python3 -c 'import websockets' 2>/dev/null; then
    echo "irctest.sh: the WebSocket tests need Python's websockets package (pip install websockets)" >&2
    exit 1
fi
if [[ -n ${SERVICES:-} ]]; then
    MARKS='services and not implementation-specific and not deprecated and not strict'
else
    MARKS='not services and not implementation-specific and not deprecated and not strict'
fi
cd "$IRCTEST_DIR"
PYTHONPATH="$ROOT/tools/irctest:$IRCTEST_DIR${PYTHONPATH:+:$PYTHONPATH}" \
    python3 -m pytest --controller ciao \
    -m "${MARKS}" \
    "$@"
