// The link to the server: the WebSocket (text.ircv3.net, one line a
// frame), registration (CAP LS 302, NICK/USER, SASL PLAIN or REGISTER),
// a taken nick's suffix, PING, paced sending, and reconnecting with
// backoff. Everything else goes to `onMessage`.

import { parse, serialize } from "./irc.js";

/** Capabilities the page asks for when offered. */
export const WANTED_CAPS = [
  "server-time", "message-tags", "echo-message", "batch", "draft/chathistory",
  "draft/event-playback", "multi-prefix", "away-notify", "account-tag",
  "account-notify", "extended-join", "draft/read-marker", "cap-notify", "setname",
];

/** Reconnect delays (s): 1, 2, 4 … 60. */
const BACKOFF = [1, 2, 4, 8, 16, 32, 60];
/** A link up this long starts the delays again (ms). */
const STABLE_MS = 30000;
/** Nick retries after 433 during registration, then we give up. */
const MAX_NICK_TRIES = 6;
/** Paced sending, below the server's flood limit (20 at once, 4/s). */
const BURST = 15;
const PER_SECOND = 3;
/** Most capabilities remembered from CAP LS/NEW. */
const MAX_CAPS = 200;
/** A server that never lets us in is given up after this (ms). */
const REGISTRATION_TIMEOUT_MS = 30000;

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The longest line sent (bytes, without CRLF), tags aside. */
const MAX_LINE = 510;

function fit(line) {
  let bytes = 0;
  let end = 0;
  for (const ch of line) {
    bytes += ch.codePointAt(0) < 0x80 ? 1 : ch.codePointAt(0) < 0x800 ? 2 : ch.codePointAt(0) < 0x10000 ? 3 : 4;
    if (bytes > MAX_LINE) return line.slice(0, end);
    end += ch.length;
  }
  return line;
}

export class Connection {
  constructor(handlers) {
    /** { onMessage(msg), onState(state, detail), onFatal(text), onNickTaken(wanted, got), onRegistered() } */
    this.handlers = handlers;
    this.socket = null;
    /** idle | connecting | registering | connected | waiting | stopped */
    this.state = "idle";
    this.nick = "";
    this.attempt = 0;
    this.timer = null;
    this.caps = new Set();
    this.offered = new Map();
    this.queue = [];
    this.tokens = BURST;
    this.refill = null;
  }

  /** Starts (or restarts) with this identity. The password lives only
   * in memory, for reconnects of this page. */
  start({ nick, password = "", register = false }) {
    this.wantedNick = nick;
    this.nick = nick;
    this.password = password;
    this.register = register && !!password;
    this.attempt = 0;
    this.open();
  }

  url() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
  }

  open() {
    clearTimeout(this.timer);
    this.closeSocket();
    this.caps = new Set();
    this.offered = new Map();
    this.queue = [];
    this.tokens = BURST;
    this.nickTries = 0;
    this.errorText = "";
    this.setState("connecting");
    let socket;
    try {
      socket = new WebSocket(this.url(), ["text.ircv3.net"]);
    } catch (error) {
      this.lost(String(error.message || error));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.setState("registering");
      this.raw(serialize("CAP", ["LS", "302"]));
      this.raw(serialize("NICK", [this.nick]));
      this.raw(serialize("USER", [this.nick.replace(/[^A-Za-z0-9]/g, "") || "web", "0", "*", "ciao web"]));
      this.timer = setTimeout(() => {
        if (this.state === "registering") {
          this.errorText = "the server did not let us in";
          this.closeSocket();
          this.lost();
        }
      }, REGISTRATION_TIMEOUT_MS);
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      if (typeof event.data !== "string") return;
      for (const line of event.data.split(/\r?\n/)) {
        const message = line && parse(line);
        if (message) this.receive(message);
      }
    };
    socket.onclose = () => {
      if (socket === this.socket) this.lost();
    };
  }

  closeSocket() {
    if (!this.socket) return;
    const socket = this.socket;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onclose = null;
    try {
      socket.close();
    } catch {
      // Already closing.
    }
  }

  setState(state, detail = "") {
    this.state = state;
    this.handlers.onState(state, detail);
  }

  lost() {
    clearTimeout(this.timer);
    clearInterval(this.refill);
    this.refill = null;
    this.socket = null;
    if (this.state === "stopped") return;
    if (this.upSince && Date.now() - this.upSince >= STABLE_MS) this.attempt = 0;
    this.upSince = null;
    const delay = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
    this.attempt++;
    this.retryAt = Date.now() + delay * 1000;
    this.setState("waiting", this.errorText);
    this.timer = setTimeout(() => this.open(), delay * 1000);
  }

  reconnectNow() {
    if (this.state === "waiting" || this.state === "idle") this.open();
  }

  /** Stops for good (QUIT, a refused login): no more reconnects. */
  stop(reason) {
    clearTimeout(this.timer);
    if (this.socket && reason !== undefined) this.raw(serialize("QUIT", [reason]));
    this.setState("stopped");
    this.closeSocket();
  }

  raw(line) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(line);
  }

  /** Sends after registration, paced so that flood control never bites;
   * a line is cut to what the server reads (510 bytes without CRLF)
   * rather than sent oversize. */
  send(command, params = [], tags = null) {
    if (this.state !== "connected") return false;
    this.queue.push(fit(serialize(command, params, tags)));
    this.drain();
    return true;
  }

  /** A raw line typed with /quote, paced like the rest. */
  sendRaw(line) {
    if (this.state !== "connected") return false;
    this.queue.push(fit(line.replace(/[\r\n\0]/g, " ")));
    this.drain();
    return true;
  }

  drain() {
    while (this.queue.length && this.tokens >= 1) {
      this.tokens--;
      this.raw(this.queue.shift());
    }
    if (!this.refill && this.tokens < BURST) {
      this.refill = setInterval(() => {
        this.tokens = Math.min(BURST, this.tokens + 1);
        this.drain();
        if (this.tokens >= BURST && !this.queue.length) {
          clearInterval(this.refill);
          this.refill = null;
        }
      }, 1000 / PER_SECOND);
    }
  }

  has(cap) {
    return this.caps.has(cap);
  }

  receive(message) {
    const { command, params } = message;
    if (command === "PING") {
      this.raw(serialize("PONG", params));
      return;
    }
    if (command === "CAP") return this.onCap(message);
    if (this.state === "registering") {
      if (this.onRegistering(message)) return;
    }
    if (command === "ERROR") this.errorText = params[0] ?? "";
    if (command === "NICK" && this.nick && message.source &&
        message.source.split("!")[0].toLowerCase() === this.nick.toLowerCase()) {
      this.nick = params[0];
    }
    this.handlers.onMessage(message);
  }

  onCap(message) {
    const sub = (message.params[1] ?? "").toUpperCase();
    const list = message.params[message.params.length - 1] ?? "";
    const more = message.params[2] === "*";
    if (sub === "LS" || sub === "NEW") {
      for (const item of list.split(" ").filter(Boolean)) {
        // Capabilities kept: a hostile server's bound.
        if (this.offered.size >= MAX_CAPS) break;
        const eq = item.indexOf("=");
        this.offered.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? "" : item.slice(eq + 1));
      }
      if (sub === "LS" && more) return;
      const wanted = WANTED_CAPS.filter((c) => this.offered.has(c) && !this.caps.has(c));
      if (this.password && this.offered.has("sasl") && !this.register) wanted.push("sasl");
      if (this.register && this.offered.has("draft/account-registration")) wanted.push("draft/account-registration");
      if (sub === "LS") this.pendingReqs = 0;
      if (wanted.length) {
        this.pendingReqs = (this.pendingReqs ?? 0) + 1;
        this.raw(serialize("CAP", ["REQ", wanted.join(" ")]));
      } else if (sub === "LS") {
        this.afterCaps();
      }
    } else if (sub === "ACK" || sub === "NAK") {
      const names = list.split(" ").filter(Boolean);
      if (sub === "ACK") {
        for (const name of names) {
          if (name.startsWith("-")) this.caps.delete(name.slice(1));
          else this.caps.add(name);
        }
      } else if (names.length > 1) {
        // All or nothing was refused: ask one by one.
        for (const name of names) {
          this.pendingReqs++;
          this.raw(serialize("CAP", ["REQ", name]));
        }
      }
      this.pendingReqs--;
      if (this.pendingReqs === 0 && this.state === "registering") this.afterCaps();
    } else if (sub === "DEL") {
      for (const name of list.split(" ")) {
        this.caps.delete(name);
        this.offered.delete(name);
      }
    }
  }

  /** Capabilities settled: log in, create the account, or finish. */
  afterCaps() {
    if (this.register) {
      if (!this.caps.has("draft/account-registration")) {
        return this.fatal("This server does not offer creating an account here.");
      }
      this.raw(serialize("REGISTER", [this.nick, "*", this.password]));
      return;
    }
    if (this.password) {
      if (!this.caps.has("sasl")) return this.fatal("This server does not offer logging in (SASL).");
      this.raw(serialize("AUTHENTICATE", ["PLAIN"]));
      return;
    }
    this.raw(serialize("CAP", ["END"]));
  }

  fatal(text) {
    this.stop();
    this.handlers.onFatal(text);
  }

  /** Registration replies; true when handled here. */
  onRegistering(message) {
    const { command, params } = message;
    const text = params[params.length - 1] ?? "";
    switch (command) {
      case "AUTHENTICATE":
        if (params[0] === "+") {
          const payload = base64(`${this.nick}\0${this.nick}\0${this.password}`);
          for (let i = 0; i < payload.length; i += 400) this.raw(serialize("AUTHENTICATE", [payload.slice(i, i + 400)]));
          if (payload.length % 400 === 0) this.raw(serialize("AUTHENTICATE", ["+"]));
        }
        return true;
      case "903":
        this.raw(serialize("CAP", ["END"]));
        return true;
      case "900":
      case "901":
      case "908":
        return true;
      case "902":
      case "904":
      case "905":
      case "906":
        this.fatal(`Login failed: ${text}`);
        return true;
      case "REGISTER":
        if (params[0] === "SUCCESS") {
          // From now on this page logs in to the new account.
          this.register = false;
          this.handlers.onNotice?.(text);
          this.raw(serialize("CAP", ["END"]));
        }
        return true;
      case "FAIL":
        if (params[0] === "REGISTER") {
          this.fatal(`Could not create the account: ${text}`);
          return true;
        }
        return false;
      case "433":
      case "432": {
        if (command === "432") {
          this.fatal(`The nick ${params[1] ?? this.nick} cannot be used: ${text}`);
          return true;
        }
        if (++this.nickTries > MAX_NICK_TRIES) {
          this.fatal(`The nick ${this.wantedNick} and its variants are taken.`);
          return true;
        }
        const base = this.wantedNick.slice(0, 28);
        const wanted = this.nick;
        this.nick = this.nickTries === 1 ? base + "_" : base + this.nickTries;
        this.raw(serialize("NICK", [this.nick]));
        this.handlers.onNickTaken?.(wanted, this.nick);
        return true;
      }
      case "001":
        clearTimeout(this.timer);
        this.nick = params[0] ?? this.nick;
        this.upSince = Date.now();
        this.setState("connected");
        this.handlers.onRegistered?.();
        return false;
      default:
        return false;
    }
  }
}
