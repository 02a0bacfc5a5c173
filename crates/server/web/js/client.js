// What the server says, applied to the model: joins, parts, names,
// modes, topics, messages, history batches, read markers. The views are
// told what changed through `ui` (lines, members, topic, list, mention).

import { fold, isChannel, nickOf } from "./irc.js";
import { strip } from "./format.js";
import { MAX_LINES } from "./model.js";

/** Lines per history request, and the join's replay catch-up. */
export const OLDER_PAGE = 50;
export const CATCH_UP = 100;
/** Open batches kept at once, and lines in each (a hostile server's bounds). */
const MAX_BATCHES = 20;
const MAX_BATCH_LINES = 2000;
const DAY_MS = 86400000;
const MARK_DELAY_MS = 1000;

function timeOf(message) {
  const time = message.tags.time ? new Date(message.tags.time) : new Date();
  return Number.isNaN(time.getTime()) ? new Date() : time;
}

/** The CTCP ACTION text, or null. */
function actionOf(text) {
  const m = /^\x01ACTION ?([^\x01]*)\x01?$/.exec(text);
  return m ? m[1] : null;
}

export class Client {
  constructor(model, connection, ui) {
    this.model = model;
    this.conn = connection;
    this.ui = ui;
    this.batches = new Map();
    this.names = new Map();
    /** Channels to open when we join them (asked for with /join). */
    this.toOpen = new Set();
    /** Channels to join at registration, besides the ones we were in. */
    this.wantedChannels = [];
    this.markTimers = new Map();
    /** Channels whose topic a bare /topic asked for. */
    this.askedTopic = new Set();
  }

  line(message, kind, nick, text, extra = {}) {
    return {
      time: timeOf(message),
      msgid: message.tags.msgid || null,
      kind,
      nick,
      text,
      self: !!nick && this.model.isMe(nick),
      mention: false,
      account: message.tags.account || null,
      ...extra,
    };
  }

  /** A line the page itself says (errors, help, "link lost"). */
  info(conv, text, kind = "info") {
    const target = conv ?? this.model.active;
    const line = { time: new Date(), msgid: null, kind, nick: "", text, self: false, mention: false };
    this.addLine(target, line, true);
  }

  addLine(conv, line, live) {
    const where = conv.add(line, live);
    if (!where) return;
    this.ui.lines(conv, where, line);
    if (live && line.mention && conv.isUnread(line)) this.ui.mention(conv, line);
    this.ui.list();
  }

  /** A conversation for a message to `target` from `nick`. */
  conversationFor(target, nick, command) {
    const m = this.model;
    const bare = target.replace(new RegExp(`^[${m.prefixSymbols.replace(/[\]\\^-]/g, "\\$&")}]+`), "");
    if (isChannel(bare, m.chantypes)) return m.conversation(bare, "channel");
    const other = m.isMe(nick) ? target : nick;
    if (!other || !nick.length || other === "*") return m.server;
    if (command === "NOTICE" && !m.find(other)) return nick.includes(".") ? m.server : m.active;
    return m.conversation(other, "private");
  }

  /** The line a stored or live message shows as, or null. */
  lineOf(message) {
    const nick = nickOf(message.source);
    const p = message.params;
    switch (message.command) {
      case "PRIVMSG":
      case "NOTICE": {
        const text = p[1] ?? "";
        const action = actionOf(text);
        if (action === null && text.startsWith("\x01")) return null;
        const kind = action !== null ? "action" : message.command === "NOTICE" ? "notice" : "message";
        const line = this.line(message, kind, nick, action ?? text);
        const conv = this.conversationFor(p[0] ?? "", nick, message.command);
        line.mention = !line.self && conv?.kind !== "server" &&
          (this.model.mentions(strip(line.text)) || conv?.kind === "private");
        return line;
      }
      case "JOIN": return this.line(message, "event", nick, "joined");
      case "PART": return this.line(message, "event", nick, "left" + (p[1] ? ` (${p[1]})` : ""));
      case "QUIT": return this.line(message, "event", nick, "quit" + (p[0] ? ` (${p[0]})` : ""));
      case "NICK": return this.line(message, "event", nick, `is now known as ${p[0]}`);
      case "KICK": return this.line(message, "event", nick, `kicked ${p[1]}` + (p[2] ? ` (${p[2]})` : ""));
      case "TOPIC": return this.line(message, "event", nick, `changed the topic to: ${p[1] ?? ""}`);
      case "MODE": return this.line(message, "event", nick, `sets mode ${p.slice(1).join(" ")}`);
      default: return null;
    }
  }

  handle(message) {
    const batchRef = message.tags.batch;
    if (batchRef && this.batches.has(batchRef)) {
      const batch = this.batches.get(batchRef);
      if (batch.type === "chathistory" || batch.type === "draft/chathistory-targets") {
        if (batch.messages.length < MAX_BATCH_LINES) batch.messages.push(message);
        return;
      }
    }
    const handler = this[`on${message.command}`];
    if (handler) return handler.call(this, message);
    if (/^\d{3}$/.test(message.command)) return this.onNumeric(message);
  }

  onBATCH(message) {
    const ref = message.params[0] ?? "";
    if (ref.startsWith("+")) {
      if (this.batches.size >= MAX_BATCHES) return;
      this.batches.set(ref.slice(1), {
        type: message.params[1] ?? "",
        target: message.params[2] ?? "",
        messages: [],
      });
    } else if (ref.startsWith("-")) {
      const batch = this.batches.get(ref.slice(1));
      this.batches.delete(ref.slice(1));
      if (batch?.type === "chathistory") this.history(batch);
      else if (batch?.type === "draft/chathistory-targets") this.targets(batch);
    }
  }

  /** A history batch: lines only, no state changes (they are past). */
  history(batch) {
    const m = this.model;
    if (!batch.target) return;
    const conv = m.conversation(batch.target, isChannel(batch.target, m.chantypes) ? "channel" : "private");
    if (!conv) return;
    const lines = batch.messages.map((message) => this.lineOf(message)).filter(Boolean);
    let added = 0;
    const anchor = conv.loadingOlder ? conv.lines.findIndex((l) => l.msgid === conv.olderAnchor) : -1;
    if (anchor >= 0 && lines.every((l) => l.time <= conv.lines[anchor].time)) {
      // The answer to BEFORE: all of it goes before the line it was
      // asked for, in the server's order (lines of one millisecond
      // cannot be ordered by time).
      added = conv.insertBefore(anchor, lines);
    } else {
      for (const line of lines) if (conv.add(line)) added++;
    }
    if (conv.loadingOlder) {
      conv.loadingOlder = false;
      if (added === 0) conv.noOlder = true;
    }
    this.ui.lines(conv, "reset");
    this.ui.list();
  }

  /** CHATHISTORY TARGETS: private conversations of the last days. */
  targets(batch) {
    const m = this.model;
    for (const message of batch.messages) {
      const name = message.params[1];
      if (!name || isChannel(name, m.chantypes) || m.isMe(name)) continue;
      const known = m.find(name);
      const conv = m.conversation(name, "private");
      if (!conv || (known && known.lines.length)) continue;
      this.conn.send("CHATHISTORY", ["LATEST", name, "*", String(OLDER_PAGE)]);
      if (this.conn.has("draft/read-marker")) this.conn.send("MARKREAD", [name]);
    }
    this.ui.list();
  }

  /** Registered and told the server's features: join, catch up. */
  ready() {
    // Once per connection: a later /motd ends with 376 too.
    if (this.readyDone) return;
    this.readyDone = true;
    const m = this.model;
    const channels = new Map();
    for (const conv of m.conversations.values()) {
      if (conv.kind === "channel" && conv.wanted !== false) channels.set(conv.key, conv.name);
    }
    for (const name of [m.defaultChannel, ...this.wantedChannels]) {
      if (name && isChannel(name, m.chantypes)) channels.set(fold(name), name);
    }
    if (channels.size) this.conn.send("JOIN", [[...channels.values()].join(",")]);
    if (!this.conn.has("draft/chathistory")) return;
    for (const conv of m.conversations.values()) {
      const last = conv.latestMsgid();
      if (last && conv.kind !== "server") {
        this.conn.send("CHATHISTORY", ["AFTER", conv.name, `msgid=${last}`, String(CATCH_UP)]);
      }
    }
    const now = Date.now();
    this.conn.send("CHATHISTORY", ["TARGETS", `timestamp=${new Date(now - 30 * DAY_MS).toISOString()}`,
      `timestamp=${new Date(now).toISOString()}`, "50"]);
  }

  /** Asks for the lines before the oldest one shown. */
  loadOlder(conv) {
    if (conv.kind === "server" || conv.noOlder || conv.loadingOlder || !this.conn.has("draft/chathistory")) return;
    // Full: scrolling back further would drop what was just loaded.
    if (conv.lines.length >= MAX_LINES) return;
    const oldest = conv.oldestMsgid();
    if (!oldest) return;
    conv.loadingOlder = true;
    conv.olderAnchor = oldest;
    this.conn.send("CHATHISTORY", ["BEFORE", conv.name, `msgid=${oldest}`, String(OLDER_PAGE)]);
  }

  /** The conversation was seen up to its latest line. */
  seen(conv) {
    // Shown up to here, messages or not (the divider's fallback).
    conv.seenAt = conv.latestTime() ?? Date.now();
    const time = conv.latestMessageTime();
    if (time === null || (conv.marker !== null && time <= conv.marker)) return;
    const had = conv.unread;
    conv.markRead(time);
    if (this.conn.has("draft/read-marker")) this.sendMarker(conv);
    if (had) this.ui.list();
  }

  /** MARKREAD, at most one per conversation every MARK_DELAY_MS: a busy
   * channel read live must not spend the flood allowance. */
  sendMarker(conv) {
    const key = conv.key;
    if (this.markTimers.has(key)) return;
    this.markTimers.set(key, setTimeout(() => {
      this.markTimers.delete(key);
      const now = this.model.conversations.get(key);
      const may = now && (now.kind === "private" || (now.kind === "channel" && now.joined));
      if (may && now.marker !== null) {
        this.conn.send("MARKREAD", [now.name, `timestamp=${new Date(now.marker).toISOString()}`]);
      }
    }, MARK_DELAY_MS));
  }

  /** The link dropped: say so once in each conversation. */
  linkLost() {
    for (const conv of this.model.conversations.values()) {
      if (conv.kind === "channel") {
        conv.joined = false;
        conv.members.clear();
        this.ui.members(conv);
      }
      const last = conv.lines[conv.lines.length - 1];
      if (conv.kind !== "server" && last?.kind !== "lost") {
        this.addLine(conv, { time: new Date(), msgid: null, kind: "lost", nick: "", text: "Link lost; reconnecting…", self: false, mention: false }, true);
      }
    }
  }

  on001(message) {
    this.readyDone = false;
    this.model.me = message.params[0];
    if (message.source) this.model.serverName = message.source;
    this.info(this.model.server, message.params[1] ?? "Welcome");
  }

  on005(message) {
    const m = this.model;
    for (const token of message.params.slice(1, -1)) {
      const [key, value = ""] = token.split("=");
      if (key === "PREFIX") {
        const match = /^\(([^)]*)\)(.*)$/.exec(value);
        if (match && match[1].length === match[2].length) [m.prefixModes, m.prefixSymbols] = [match[1], match[2]];
      } else if (key === "CHANTYPES") m.chantypes = value || "#";
      else if (key === "CHANMODES") m.chanmodes = value.split(",").concat(["", "", "", ""]).slice(0, 4);
      else if (key === "DEFAULTCHAN") m.defaultChannel = value || null;
      else if (key === "NETWORK") m.network = value;
    }
  }

  on376() {
    this.ready();
  }

  on422() {
    this.ready();
  }

  onNumeric(message) {
    const p = message.params;
    const code = Number(message.command);
    // The welcome burst and names/topic bookkeeping are not chat.
    if ([2, 3, 4, 5, 251, 252, 253, 254, 255, 265, 266, 250, 333, 366, 329, 900, 901, 903].includes(code)) return;
    const words = p.slice(1);
    const text = words.length > 1 ? `${words.slice(0, -1).join(" ")}: ${words[words.length - 1]}` : words.join(" ");
    const conv = [372, 375, 1].includes(code) ? this.model.server : this.model.active;
    this.info(conv, text, code >= 400 && code < 600 ? "error" : "info");
  }

  on353(message) {
    const p = message.params;
    const channel = p[2];
    if (!channel) return;
    const key = fold(channel);
    // NAMES lists still open at once: a hostile server's bound.
    if (!this.names.has(key) && this.names.size >= MAX_BATCHES) return;
    if (!this.names.has(key)) this.names.set(key, []);
    const list = this.names.get(key);
    for (const item of (p[3] ?? "").split(" ").filter(Boolean)) {
      if (list.length < 100000) list.push(this.model.splitPrefix(item));
    }
  }

  on366(message) {
    const channel = message.params[1];
    const conv = channel && this.model.find(channel);
    const list = this.names.get(fold(channel ?? "")) ?? [];
    this.names.delete(fold(channel ?? ""));
    if (!conv) return;
    const old = conv.members;
    conv.members = new Map();
    for (const [symbols, nick] of list) {
      const before = old.get(fold(nick));
      this.model.addMember(conv, nick, this.model.modesOf(symbols), before ? { away: before.away, account: before.account } : {});
    }
    this.ui.members(conv);
  }

  on332(message) {
    const conv = this.model.find(message.params[1] ?? "");
    if (!conv) return;
    conv.topic = message.params[2] ?? "";
    this.ui.topic(conv);
    this.answerTopic(conv, `The topic: ${conv.topic}`);
  }

  on331(message) {
    const conv = this.model.find(message.params[1] ?? "");
    if (!conv) return;
    conv.topic = "";
    this.ui.topic(conv);
    this.answerTopic(conv, "No topic is set.");
  }

  /** A bare /topic is answered in the conversation (a join's 332 is not). */
  answerTopic(conv, text) {
    if (this.askedTopic.delete(conv.key)) this.info(conv, text);
  }

  onTOPIC(message) {
    const conv = this.model.find(message.params[0] ?? "");
    if (!conv) return;
    conv.topic = message.params[1] ?? "";
    this.ui.topic(conv);
    const line = this.lineOf(message);
    if (line) this.addLine(conv, line, true);
  }

  onJOIN(message) {
    const m = this.model;
    const nick = nickOf(message.source);
    const channel = message.params[0];
    if (!channel) return;
    const extra = this.conn.has("extended-join") && message.params[1] && message.params[1] !== "*"
      ? { account: message.params[1] } : {};
    let conv;
    if (m.isMe(nick)) {
      conv = m.conversation(channel, "channel");
      if (!conv) return;
      conv.name = channel;
      conv.joined = true;
      conv.wanted = true;
      conv.members.clear();
      if (this.toOpen.has(fold(channel)) || m.active.kind === "server") {
        this.toOpen.delete(fold(channel));
        this.ui.activate(conv);
      }
    } else {
      conv = m.find(channel);
      if (!conv) return;
    }
    m.addMember(conv, nick, "", extra);
    this.ui.members(conv);
    this.addLine(conv, this.lineOf(message), true);
  }

  onPART(message) {
    const m = this.model;
    const nick = nickOf(message.source);
    const conv = m.find(message.params[0] ?? "");
    if (!conv) return;
    if (m.isMe(nick)) {
      m.remove(conv);
      this.ui.removed(conv);
      return;
    }
    conv.members.delete(fold(nick));
    this.ui.members(conv);
    this.addLine(conv, this.lineOf(message), true);
  }

  onKICK(message) {
    const m = this.model;
    const conv = m.find(message.params[0] ?? "");
    const victim = message.params[1] ?? "";
    if (!conv) return;
    if (m.isMe(victim)) {
      conv.joined = false;
      conv.wanted = false;
      conv.members.clear();
    } else {
      conv.members.delete(fold(victim));
    }
    this.ui.members(conv);
    this.addLine(conv, this.lineOf(message), true);
  }

  onQUIT(message) {
    const nick = nickOf(message.source);
    const key = fold(nick);
    for (const conv of this.model.conversations.values()) {
      const inChannel = conv.members.delete(key);
      if (inChannel || (conv.kind === "private" && conv.key === key)) {
        if (inChannel) this.ui.members(conv);
        this.addLine(conv, this.lineOf(message), true);
      }
    }
  }

  onNICK(message) {
    const m = this.model;
    const old = nickOf(message.source);
    const renamed = message.params[0];
    if (!renamed) return;
    const line = this.lineOf(message);
    if (m.isMe(old)) {
      m.me = renamed;
      this.ui.me(renamed);
    }
    for (const conv of [...m.conversations.values()]) {
      const member = conv.members.get(fold(old));
      if (member) {
        conv.members.delete(fold(old));
        member.nick = renamed;
        conv.members.set(fold(renamed), member);
        this.ui.members(conv);
        this.addLine(conv, { ...line }, true);
      } else if (conv.kind === "private" && conv.key === fold(old) && !m.find(renamed)) {
        m.rename(conv, renamed);
        this.addLine(conv, { ...line }, true);
      }
    }
    this.ui.list();
  }

  onMODE(message) {
    const m = this.model;
    const target = message.params[0] ?? "";
    if (!isChannel(target, m.chantypes)) return;
    const conv = m.find(target);
    if (!conv) return;
    if (m.applyChannelModes(conv, message.params[1] ?? "", message.params.slice(2))) this.ui.members(conv);
    this.addLine(conv, this.lineOf(message), true);
  }

  onPRIVMSG(message) {
    const nick = nickOf(message.source);
    const line = this.lineOf(message);
    if (!line) return;
    const conv = this.conversationFor(message.params[0] ?? "", nick, message.command);
    if (!conv) return;
    this.addLine(conv, line, true);
  }

  onNOTICE(message) {
    this.onPRIVMSG(message);
  }

  onAWAY(message) {
    const key = fold(nickOf(message.source));
    for (const conv of this.model.conversations.values()) {
      const member = conv.members.get(key);
      if (!member) continue;
      member.away = message.params.length > 0;
      member.awayText = message.params[0] ?? "";
      this.ui.members(conv);
    }
  }

  onACCOUNT(message) {
    const key = fold(nickOf(message.source));
    const account = message.params[0] === "*" ? null : message.params[0];
    for (const conv of this.model.conversations.values()) {
      const member = conv.members.get(key);
      if (member) {
        member.account = account;
        this.ui.members(conv);
      }
    }
  }

  onMARKREAD(message) {
    const [target, value = "*"] = message.params;
    const conv = target && this.model.find(target);
    if (!conv) return;
    const time = value.startsWith("timestamp=") ? Date.parse(value.slice(10)) : NaN;
    if (!Number.isNaN(time) && conv.markRead(time)) {
      this.ui.marker(conv);
      this.ui.list();
    }
  }

  onFAIL(message) {
    const [command, code] = message.params;
    const text = message.params[message.params.length - 1] ?? "";
    if (command === "CHATHISTORY") {
      for (const conv of this.model.conversations.values()) conv.loadingOlder = false;
      // A conversation the server has no history for is not an error to show.
      if (code === "INVALID_TARGET") return;
    }
    this.info(null, `${command}: ${text}`, "error");
  }

  onWARN(message) {
    this.info(null, message.params[message.params.length - 1] ?? "", "info");
  }

  onNOTE(message) {
    this.onWARN(message);
  }

  onERROR(message) {
    this.info(this.model.server, message.params[0] ?? "Closing link", "error");
  }

  onINVITE(message) {
    this.info(null, `${nickOf(message.source)} invites you to ${message.params[1] ?? ""}`);
  }
}
