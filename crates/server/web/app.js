// The ciao page: connects to the server it came from over the IRCv3
// WebSocket protocol and wires the model, the link and the views.

import { fold, isChannel } from "./js/irc.js";
import { Model } from "./js/model.js";
import { Connection } from "./js/connection.js";
import { Client, OLDER_PAGE } from "./js/client.js";
import { run, HELP, COMMAND_NAMES } from "./js/commands.js";
import { MessagesView } from "./js/view/messages.js";
import { ConversationsView } from "./js/view/conversations.js";
import { MembersView } from "./js/view/members.js";
import { InputView } from "./js/view/input.js";
import { Drawers } from "./js/view/drawers.js";
import { setTitle, askPermission, notify } from "./js/notify.js";
import { savedNick, saveNick } from "./js/storage.js";
import { strip } from "./js/format.js";

const $ = (id) => document.getElementById(id);
const touch = matchMedia("(pointer: coarse)").matches;
const model = new Model();

let focused = true;
const looking = () => document.visibilityState === "visible" && focused;

const ui = {
  lines(conv, where, line) {
    if (conv.key !== model.activeKey) return;
    if (where === "append") messages.append(line);
    else messages.redraw();
    seenIfLooking();
  },
  members(conv) {
    if (conv.key === model.activeKey) later("members");
  },
  topic(conv) {
    if (conv.key === model.activeKey) drawBar();
  },
  list() {
    later("list");
  },
  marker() {
    later("list");
  },
  mention(conv, line) {
    if (looking() && conv.key === model.activeKey) return;
    notify(conv.kind === "private" ? line.nick : `${line.nick} in ${conv.name}`, strip(line.text), () => open(conv.key));
  },
  activate(conv) {
    open(conv.key);
  },
  removed() {
    open(model.activeKey);
  },
  me(nick) {
    $("me").textContent = nick;
    drawStatus();
  },
};

const connection = new Connection({
  onMessage: (message) => client.handle(message),
  onState: () => {
    if (connection.state === "waiting" && wasConnected) client.linkLost();
    if (connection.state === "connected") wasConnected = true;
    drawStatus();
  },
  onFatal: (text) => showLogin(text),
  onNickTaken: (wanted, got) => {
    nickNote = `The nick ${wanted} is taken: you are ${got}.`;
    client.info(model.server, nickNote);
  },
  onRegistered: () => {
    $("me").textContent = connection.nick;
  },
  onNotice: (text) => client.info(model.server, text),
});
const client = new Client(model, connection, ui);
let wasConnected = false;
let nickNote = null;

const messages = new MessagesView($("messages"), {
  onOlder: (conv) => {
    client.loadOlder(conv);
  },
  onSeen: () => seenIfLooking(),
});
const conversations = new ConversationsView($("conversations"), { onOpen: (key) => open(key) });
const members = new MembersView($("members"), $("members-count"), { onQuery: (nick) => query(nick) });
const drawers = new Drawers({
  conversations: $("sidebar"),
  members: $("members-pane"),
  openConversations: $("open-conversations"),
  openMembers: $("open-members"),
  backdrop: $("backdrop"),
});
new InputView($("input"), $("send"), { onSend: send, sources: completionSources });

/** Redraws coalesced into one task (setTimeout, not animation frames,
 * so the title still counts while the tab is hidden). */
const pending = new Set();
function later(what) {
  if (!pending.size) setTimeout(flush, 0);
  pending.add(what);
}
function flush() {
  if (pending.has("list")) {
    conversations.draw(model);
    setTitle(model.totalMentions());
  }
  if (pending.has("members")) members.draw(model, model.active);
  pending.clear();
}

function open(key) {
  if (!model.conversations.has(key)) key = model.server.key;
  model.activeKey = key;
  const conv = model.active;
  messages.open(conv);
  if (nickNote && conv.kind === "channel") {
    client.info(conv, nickNote);
    nickNote = null;
  }
  drawBar();
  members.draw(model, conv);
  later("list");
  drawers.close();
  seenIfLooking();
  if (!touch) $("input").focus();
}

function seenIfLooking() {
  if (looking() && messages.atBottom()) {
    client.seen(model.active);
    later("list");
  }
}

function drawBar() {
  const conv = model.active;
  $("conversation-name").textContent = conv.kind === "server" ? model.network || model.serverName : conv.name;
  $("topic").textContent = strip(conv.topic);
  $("topic").title = strip(conv.topic);
  $("members-pane").hidden = false;
  $("open-members").hidden = conv.kind !== "channel";
}

let countdown = null;
function drawStatus() {
  const status = $("status");
  const state = connection.state;
  clearInterval(countdown);
  const words = {
    idle: "offline",
    connecting: "connecting…",
    registering: "signing in…",
    connected: `connected as ${connection.nick}`,
    stopped: "offline",
  };
  if (state === "waiting") {
    const tick = () => {
      const left = Math.max(0, Math.ceil((connection.retryAt - Date.now()) / 1000));
      status.textContent = `offline: retrying in ${left} s` + (connection.errorText ? ` (${connection.errorText})` : "");
    };
    tick();
    countdown = setInterval(tick, 1000);
  } else {
    status.textContent = words[state] ?? state;
  }
  status.classList.toggle("down", state === "waiting" || state === "stopped");
  $("reconnect").hidden = !(state === "waiting" || state === "stopped");
}

function completionSources() {
  const conv = model.active;
  const recent = [];
  for (let i = conv.lines.length - 1; i >= 0 && recent.length < 50; i--) {
    const line = conv.lines[i];
    if (line.nick && !line.self && line.kind !== "event") recent.push(line.nick);
  }
  const nicks = [...recent, ...model.sortedMembers(conv).map((m) => m.nick)];
  if (conv.kind === "private") nicks.push(conv.name);
  const channels = [...model.conversations.values()].filter((c) => c.kind === "channel").map((c) => c.name);
  return { nicks: nicks.filter((n) => !model.isMe(n)), channels, commands: COMMAND_NAMES };
}

function query(nick) {
  const conv = model.conversation(nick, "private");
  if (!conv) return;
  if (!conv.lines.length && connection.has("draft/chathistory")) {
    connection.send("CHATHISTORY", ["LATEST", nick, "*", String(OLDER_PAGE)]);
    if (connection.has("draft/read-marker")) connection.send("MARKREAD", [nick]);
  }
  open(conv.key);
}

function send(text) {
  const result = run(text, { active: model.active, me: model.me || connection.nick, chantypes: model.chantypes });
  if (result.error) return client.info(null, result.error, "error");
  if (result.help) {
    for (const [usage, what] of HELP) client.info(null, `${usage} — ${what}`);
    return;
  }
  if (result.quit) {
    connection.stop(result.quit);
    model.reset();
    wasConnected = false;
    showLogin("You left the chat.");
    return;
  }
  if (result.close) {
    model.remove(model.active);
    return open(model.activeKey);
  }
  if (connection.state !== "connected" && (result.send.length || result.raw)) {
    $("input").value = text;
    return client.info(null, "Not connected: nothing was sent (it is back in the box).", "error");
  }
  if (result.raw) connection.sendRaw(result.raw);
  // An explicit /nick is the nick to come back with next time.
  const renamed = result.send.find(([command]) => command === "NICK");
  if (renamed) saveNick(renamed[1][0]);
  for (const [command, params] of result.send) {
    connection.send(command, params);
    if (command === "TOPIC" && params.length === 1) client.askedTopic.add(fold(params[0]));
    // Without echo-message the server does not send our lines back.
    if (command === "PRIVMSG" && !connection.has("echo-message")) {
      client.handle({ tags: {}, source: model.me, command, params });
    }
  }
  if (result.open) {
    if (isChannel(result.open, model.chantypes)) {
      const conv = model.find(result.open);
      if (conv?.joined) open(conv.key);
      else client.toOpen.add(fold(result.open));
    } else {
      query(result.open);
    }
  }
}

function showLogin(error) {
  $("chat").hidden = true;
  $("login").hidden = false;
  $("login-error").hidden = !error;
  $("login-error").textContent = error ?? "";
  $("password").value = "";
  if (!touch) $("nick").focus();
}

function start(event) {
  event?.preventDefault();
  const nick = $("nick").value.trim();
  const password = $("password").value;
  const register = $("register").checked;
  if (!nick) return showLogin("Choose a nickname.");
  if (/[\s,*?!@]/.test(nick) || nick.startsWith("#") || nick.startsWith(":")) {
    return showLogin("A nickname cannot have spaces or , * ? ! @, nor start with # or :.");
  }
  if (register && !password) return showLogin("Creating an account needs a password.");
  saveNick(nick);
  if (event) askPermission();
  $("password").value = "";
  $("login").hidden = true;
  $("chat").hidden = false;
  $("me").textContent = nick;
  model.reset();
  nickNote = null;
  open(model.server.key);
  connection.start({ nick, password, register });
}

function init() {
  const params = new URLSearchParams(location.search);
  // "?channel=#x&autoconnect=1" puts "#x&autoconnect=1" in the
  // fragment: take the channel and the rest from there.
  let channel = params.get("channel") ?? "";
  if (!channel && location.hash.length > 1 && params.has("channel")) {
    const [name, ...rest] = location.hash.slice(1).split("&");
    channel = "#" + (new URLSearchParams("c=" + name).get("c") ?? "");
    for (const [key, value] of new URLSearchParams(rest.join("&"))) params.set(key, value);
  }
  if (channel) {
    // A link to a channel opens it once joined.
    const name = isChannel(channel, "#&") ? channel : "#" + channel;
    client.wantedChannels.push(name);
    client.toOpen.add(fold(name));
  }
  $("nick").value = params.get("nick") || savedNick();
  $("connect").addEventListener("submit", start);
  $("reconnect").addEventListener("click", () => connection.reconnectNow());
  window.addEventListener("focus", () => {
    focused = true;
    seenIfLooking();
  });
  window.addEventListener("blur", () => {
    focused = false;
    messages.markAway();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") seenIfLooking();
    else messages.markAway();
  });
  window.addEventListener("pagehide", () => {
    if (connection.state === "connected") connection.stop("Page closed");
  });
  // Alt+Up / Alt+Down: the previous or next conversation.
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown") || $("chat").hidden) return;
    event.preventDefault();
    const list = model.list();
    const here = list.findIndex((c) => c.key === model.activeKey);
    const next = list[(here + (event.key === "ArrowUp" ? list.length - 1 : 1)) % list.length];
    open(next.key);
  });
  // Back from the back/forward cache: pagehide said QUIT, so connect again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && !$("chat").hidden && connection.state === "stopped") connection.open();
  });
  // Back online (a phone waking up): try at once rather than after the delay.
  window.addEventListener("online", () => connection.reconnectNow());
  drawStatus();
  if (params.get("autoconnect") === "1" && $("nick").value) start();
  else showLogin(null);
}

init();
