// The chat as the page knows it: conversations, their lines, members,
// topic, read marker and unread counts. No DOM here (tested in Node);
// views draw from it.

import { fold } from "./irc.js";

/** Most lines kept per conversation: older ones come back on scroll-up. */
export const MAX_LINES = 5000;
/** Most conversations, members per channel: a hostile server's bounds. */
export const MAX_CONVERSATIONS = 500;
export const MAX_MEMBERS = 100000;

/** Lines that count as unread (not events, not our own, not local info). */
const COUNTED = new Set(["message", "action", "notice"]);

export class Conversation {
  constructor(name, kind) {
    this.name = name;
    // No IRC name has a space: the server's window cannot clash with one.
    this.key = kind === "server" ? " server" : fold(name);
    /** "server" (numerics, notices), "channel" or "private". */
    this.kind = kind;
    /** Sorted by time; equal times keep arrival order. */
    this.lines = [];
    this.msgids = new Set();
    /** fold(nick) -> { nick, modes, away, account } */
    this.members = new Map();
    this.topic = "";
    /** How far we have read (ms since epoch), from draft/read-marker. */
    this.marker = null;
    /** The latest line's time (ms) when this page last showed it all. */
    this.seenAt = null;
    this.unread = 0;
    this.mentions = 0;
    this.joined = kind !== "channel";
    /** Scrolled to the start of the stored history. */
    this.noOlder = false;
    this.loadingOlder = false;
  }

  /** Adds a line: history in time order, a `live` one at the end (the
   * order it arrived in, whatever this computer's clock says); returns
   * "append", "insert" or null (a line already there, by msgid). */
  add(line, live = false) {
    if (line.msgid) {
      if (this.msgids.has(line.msgid)) return null;
      const twin = this.twinOf(line);
      if (twin) {
        // The same event seen live without a msgid (JOIN, PART …), now
        // from history with one: keep one line.
        twin.msgid = line.msgid;
        this.msgids.add(line.msgid);
        return null;
      }
      this.msgids.add(line.msgid);
    }
    const lines = this.lines;
    let where = "append";
    if (!live && lines.length && lines[lines.length - 1].time > line.time) {
      let lo = 0, hi = lines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (lines[mid].time <= line.time) lo = mid + 1;
        else hi = mid;
      }
      lines.splice(lo, 0, line);
      where = "insert";
    } else {
      lines.push(line);
    }
    if (this.isUnread(line)) {
      this.unread++;
      if (line.mention) this.mentions++;
    }
    if (lines.length > MAX_LINES) {
      const dropped = lines.splice(0, lines.length - MAX_LINES);
      for (const old of dropped) if (old.msgid) this.msgids.delete(old.msgid);
      this.noOlder = false;
      this.recount();
    }
    return where;
  }

  /** Puts `block` (oldest first) before line `index`, leaving out lines
   * already there (by msgid, or live twins of events) and what MAX_LINES
   * has no room for (the oldest);
   * returns how many went in. */
  insertBefore(index, block) {
    const fresh = block.filter((line) => {
      if (!line.msgid) return true;
      if (this.msgids.has(line.msgid)) return false;
      // An event already shown live, without its msgid (JOIN, PART …).
      const twin = this.twinOf(line);
      if (!twin) return true;
      twin.msgid = line.msgid;
      this.msgids.add(line.msgid);
      return false;
    });
    const room = Math.max(0, MAX_LINES - this.lines.length);
    const taken = fresh.slice(Math.max(0, fresh.length - room));
    for (const line of taken) if (line.msgid) this.msgids.add(line.msgid);
    this.lines.splice(index, 0, ...taken);
    this.recount();
    return taken.length;
  }

  /** A line without msgid within a second of `line`, saying the same. */
  twinOf(line) {
    const t = line.time.getTime();
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const other = this.lines[i];
      const dt = other.time.getTime() - t;
      if (dt < -1000) break;
      if (!other.msgid && dt <= 1000 && other.kind === line.kind && other.nick === line.nick && other.text === line.text) return other;
    }
    return null;
  }

  isUnread(line) {
    // The server's window holds notices and replies, not conversation.
    return this.kind !== "server" && COUNTED.has(line.kind) && !line.self &&
      (this.marker === null || line.time.getTime() > this.marker);
  }

  /** Moves the read marker (only forward); true when it moved. */
  markRead(time) {
    if (time === null || (this.marker !== null && time <= this.marker)) return false;
    this.marker = time;
    this.recount();
    return true;
  }

  recount() {
    this.unread = 0;
    this.mentions = 0;
    for (const line of this.lines) {
      if (this.isUnread(line)) {
        this.unread++;
        if (line.mention) this.mentions++;
      }
    }
  }

  /** The latest line's time (ms). */
  latestTime() {
    return this.lines.length ? this.lines[this.lines.length - 1].time.getTime() : null;
  }

  /** The latest message's time (ms), for MARKREAD: not an event's, as
   * our own JOIN shown before the join's replay would mark it all read. */
  latestMessageTime() {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (COUNTED.has(this.lines[i].kind)) return this.lines[i].time.getTime();
    }
    return null;
  }

  oldestMsgid() {
    return this.lines.find((l) => l.msgid)?.msgid ?? null;
  }

  latestMsgid() {
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i].msgid) return this.lines[i].msgid;
    return null;
  }
}

export class Model {
  constructor() {
    this.me = "";
    this.serverName = "server";
    this.network = "";
    /** ISUPPORT: PREFIX modes and their symbols, highest first. */
    this.prefixModes = "ohv";
    this.prefixSymbols = "@%+";
    this.chantypes = "#";
    /** CHANMODES groups A,B,C,D: which modes take a parameter. */
    this.chanmodes = ["beI", "k", "l", ""];
    this.defaultChannel = null;
    this.conversations = new Map();
    this.server = new Conversation("server", "server");
    this.conversations.set(this.server.key, this.server);
    this.activeKey = this.server.key;
  }

  /** Forgets every conversation (a new start after /quit). */
  reset() {
    this.conversations.clear();
    this.server = new Conversation("server", "server");
    this.conversations.set(this.server.key, this.server);
    this.activeKey = this.server.key;
  }

  get active() {
    return this.conversations.get(this.activeKey) ?? this.server;
  }

  find(name) {
    return this.conversations.get(fold(name)) ?? null;
  }

  /** The conversation named `name`, made if missing (null past the bound). */
  conversation(name, kind) {
    let conv = this.find(name);
    if (!conv) {
      if (this.conversations.size >= MAX_CONVERSATIONS) return null;
      conv = new Conversation(name, kind);
      this.conversations.set(conv.key, conv);
    }
    return conv;
  }

  remove(conv) {
    if (conv.kind === "server") return;
    this.conversations.delete(conv.key);
    if (this.activeKey === conv.key) {
      const next = [...this.conversations.values()].find((c) => c.kind === "channel") ?? this.server;
      this.activeKey = next.key;
    }
  }

  rename(conv, name) {
    this.conversations.delete(conv.key);
    const wasActive = this.activeKey === conv.key;
    conv.name = name;
    conv.key = fold(name);
    this.conversations.set(conv.key, conv);
    if (wasActive) this.activeKey = conv.key;
  }

  isMe(nick) {
    return fold(nick) === fold(this.me);
  }

  /** Sorted: the server first, then channels, then private ones. */
  list() {
    const order = { server: 0, channel: 1, private: 2 };
    return [...this.conversations.values()].sort((a, b) =>
      order[a.kind] - order[b.kind] || a.key.localeCompare(b.key));
  }

  totalMentions() {
    let n = 0;
    for (const conv of this.conversations.values()) n += conv.mentions;
    return n;
  }

  /** Splits "@+ann" into ["@+", "ann"] by the PREFIX symbols. */
  splitPrefix(name) {
    let i = 0;
    while (i < name.length && this.prefixSymbols.includes(name[i])) i++;
    return [name.slice(0, i), name.slice(i)];
  }

  /** Mode letters of a symbol string ("@+" -> "ov"). */
  modesOf(symbols) {
    return [...symbols].map((s) => this.prefixModes[this.prefixSymbols.indexOf(s)] ?? "").join("");
  }

  /** The highest rank symbol of a member, or "". */
  rankOf(member) {
    for (let i = 0; i < this.prefixModes.length; i++) {
      if (member.modes.includes(this.prefixModes[i])) return this.prefixSymbols[i];
    }
    return "";
  }

  rankIndex(member) {
    for (let i = 0; i < this.prefixModes.length; i++) {
      if (member.modes.includes(this.prefixModes[i])) return i;
    }
    return this.prefixModes.length;
  }

  /** Members sorted by rank, then name. */
  sortedMembers(conv) {
    return [...conv.members.values()].sort((a, b) =>
      this.rankIndex(a) - this.rankIndex(b) || fold(a.nick).localeCompare(fold(b.nick)));
  }

  addMember(conv, nick, modes = "", extra = {}) {
    const key = fold(nick);
    const existing = conv.members.get(key);
    if (existing) {
      existing.nick = nick;
      Object.assign(existing, extra);
      return existing;
    }
    if (conv.members.size >= MAX_MEMBERS) return null;
    const member = { nick, modes, away: false, account: null, ...extra };
    conv.members.set(key, member);
    return member;
  }

  /** Applies `MODE #chan +o-v ann bob`; returns true if members changed. */
  applyChannelModes(conv, modeString, args) {
    let adding = true;
    let changed = false;
    const [listModes, alwaysModes, setModes] = this.chanmodes;
    let arg = 0;
    for (const c of modeString) {
      if (c === "+" || c === "-") {
        adding = c === "+";
      } else if (this.prefixModes.includes(c)) {
        const member = conv.members.get(fold(args[arg++] ?? ""));
        if (!member) continue;
        const has = member.modes.includes(c);
        if (adding && !has) member.modes = this.prefixModes.split("").filter((m) => m === c || member.modes.includes(m)).join("");
        if (!adding && has) member.modes = member.modes.replace(c, "");
        changed = true;
      } else if (listModes.includes(c) || alwaysModes.includes(c) || (adding && setModes.includes(c))) {
        arg++;
      }
    }
    return changed;
  }

  /** Whether `text` (formatting stripped) names us as a word. */
  mentions(text) {
    if (!this.me) return false;
    const escaped = this.me.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(^|[^\\w\\[\\]\\\\\`^{}|-])${escaped}($|[^\\w\\[\\]\\\\\`^{}|-])`, "i").test(text);
  }
}
