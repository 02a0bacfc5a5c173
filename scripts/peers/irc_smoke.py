#!/usr/bin/env python3
"""Smoke test for an IRC server on loopback, used by scripts/bench-peers.sh.

Registers two clients, joins both to #bench, and checks that a PRIVMSG from
one reaches the other. With --many N it then also registers N more clients
at once (bounded concurrency) and reports how many made it, which checks
that no connection limit stops the idle scenario. Exits non-zero on failure.
"""
import argparse
import asyncio
import sys
import time


class Client:
    def __init__(self, nick):
        self.nick = nick
        self.reader = None
        self.writer = None

    async def connect(self, host, port, timeout):
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), timeout)
        self.send(f"NICK {self.nick}")
        self.send(f"USER {self.nick} 0 * :smoke")
        await self.wait_for(lambda p: p[1] == "001", timeout)

    def send(self, line):
        self.writer.write((line + "\r\n").encode())

    async def wait_for(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.nick}: timed out")
            raw = await asyncio.wait_for(self.reader.readline(), left)
            if not raw:
                raise ConnectionError(f"{self.nick}: connection closed")
            line = raw.decode(errors="replace").rstrip("\r\n")
            parts = line.split(" ")
            if parts[0] == "PING":
                self.send("PONG " + " ".join(parts[1:]))
                continue
            if parts[0].startswith(":") and len(parts) > 1:
                if parts[1] in ("433", "432"):
                    raise RuntimeError(f"{self.nick}: nick refused: {line}")
                if parts[1] == "ERROR" or parts[0] == "ERROR":
                    raise RuntimeError(f"{self.nick}: {line}")
                if pred(parts):
                    return line
            elif parts[0] == "ERROR":
                raise RuntimeError(f"{self.nick}: {line}")

    async def close(self):
        try:
            self.send("QUIT :bye")
            await self.writer.drain()
            self.writer.close()
        except Exception:
            pass


async def pair_test(host, port, channel):
    a, b = Client("smokeA"), Client("smokeB")
    await a.connect(host, port, 10)
    await b.connect(host, port, 10)
    for c in (a, b):
        c.send(f"JOIN {channel}")
        await c.wait_for(lambda p: p[1] == "366", 10)  # end of NAMES
    text = f"hello-{time.time_ns()}"
    a.send(f"PRIVMSG {channel} :{text}")
    got = await b.wait_for(lambda p: p[1] == "PRIVMSG" and text in " ".join(p), 5)
    await a.close()
    await b.close()
    return got


async def many_test(host, port, n, concurrency):
    sem = asyncio.Semaphore(concurrency)
    clients = []

    async def one(i):
        c = Client(f"idle{i}")
        async with sem:
            await c.connect(host, port, 30)
        clients.append(c)

    start = time.monotonic()
    results = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    elapsed = time.monotonic() - start
    errors = [r for r in results if isinstance(r, BaseException)]
    for c in clients:
        c.writer.close()
    return n - len(errors), elapsed, errors[:3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True, help="HOST:PORT")
    ap.add_argument("--channel", default="#bench")
    ap.add_argument("--many", type=int, default=0)
    ap.add_argument("--concurrency", type=int, default=200)
    args = ap.parse_args()
    host, port = args.addr.rsplit(":", 1)
    try:
        got = asyncio.run(pair_test(host, int(port), args.channel))
        print(f"smoke {args.addr}: ok, B got: {got}")
        if args.many:
            ok, secs, errs = asyncio.run(many_test(host, int(port), args.many, args.concurrency))
            print(f"smoke {args.addr}: {ok}/{args.many} clients registered in {secs:.1f}s"
                  + (f"; errors e.g. {errs!r}" if errs else ""))
            if ok != args.many:
                return 1
    except Exception as e:  # noqa: BLE001 - report any failure
        print(f"smoke {args.addr}: FAILED: {e!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
