// The page's modules that need no DOM, checked with Node's test runner:
//   node --test crates/server/web/tests/
// (not served: the web listener serves only the FILES table's paths).

import test from "node:test";
import assert from "node:assert/strict";
import { parse, serialize, unescapeTag, escapeTag, splitText, byteLength, fold } from "../js/irc.js";
import { runs, strip, linkPieces } from "../js/format.js";
import { Model, MAX_LINES } from "../js/model.js";
import { run, messages } from "../js/commands.js";
import { Completer } from "../js/complete.js";
import { Client } from "../js/client.js";

test("lines parse with tags, source and trailing", () => {
  const m = parse("@time=2026-01-01T00:00:00.000Z;msgid=a\\sb\\:c;flag :ann!u@h PRIVMSG #c :hi  there");
  assert.deepEqual(m.tags, { time: "2026-01-01T00:00:00.000Z", msgid: "a b;c", flag: "" });
  assert.equal(m.source, "ann!u@h");
  assert.deepEqual(m.params, ["#c", "hi  there"]);
  assert.equal(parse(":srv 001 me :Welcome").command, "001");
  assert.equal(parse("ping x").command, "PING");
  assert.equal(parse(""), null);
  assert.equal(parse("@only-tags"), null);
});

test("tag escaping round-trips, and a lone backslash is dropped", () => {
  for (const value of ["a b", "x;y", "back\\slash", "cr\rlf\n", ""]) {
    assert.equal(unescapeTag(escapeTag(value)), value);
  }
  assert.equal(unescapeTag("end\\"), "end");
  assert.equal(unescapeTag("\\q"), "q");
});

test("a line we build never carries a second command", () => {
  const line = serialize("PRIVMSG", ["#c", "hi\r\nQUIT :bye"]);
  assert.ok(!/[\r\n]/.test(line));
  assert.equal(serialize("PRIVMSG", ["#c", ":)"]), "PRIVMSG #c ::)");
  assert.equal(serialize("PRIVMSG", ["#c", ""]), "PRIVMSG #c :");
  assert.equal(serialize("JOIN", ["#a b"]), "JOIN :#a b");
  assert.equal(serialize("NICK", ["ann"]), "NICK ann");
});

test("long text is cut at spaces, never inside a character", () => {
  const text = "é".repeat(300) + " " + "word ".repeat(100);
  const pieces = splitText(text, 100);
  for (const piece of pieces) assert.ok(byteLength(piece) <= 100);
  assert.equal(pieces.join("").replace(/ /g, ""), text.replace(/ /g, ""));
  assert.equal(fold("Ann[]\\~"), "ann{}|^");
});

test("formatting becomes runs, control characters never show", () => {
  const r = runs("a\x02b\x0304,12c\x0fd\x01\x07");
  assert.deepEqual(r.map((x) => x.text), ["a", "b", "c", "d"]);
  assert.equal(r[2].style.fg, 4);
  assert.equal(r[2].style.bg, 12);
  assert.equal(r[3].style.b, false);
  assert.equal(strip("\x1dit\x1d \x04ff0000red"), "it red");
});

test("links only for http and https", () => {
  const pieces = linkPieces("go https://a.example/x_(y). javascript:alert(1) data:text/html,x http://b.example,");
  assert.deepEqual(pieces.filter((p) => p.href).map((p) => p.href), ["https://a.example/x_(y)", "http://b.example/"]);
  assert.equal(pieces.map((p) => p.text).join(""), "go https://a.example/x_(y). javascript:alert(1) data:text/html,x http://b.example,");
});

const at = (ms) => new Date(ms);
const line = (ms, extra = {}) => ({ time: at(ms), msgid: null, kind: "message", nick: "bob", text: "t", self: false, mention: false, ...extra });

test("lines stay in time order, once per msgid, and count as unread past the marker", () => {
  const model = new Model();
  const conv = model.conversation("#c", "channel");
  assert.equal(conv.add(line(2000, { msgid: "b", mention: true })), "append");
  assert.equal(conv.add(line(1000, { msgid: "a" })), "insert");
  assert.equal(conv.add(line(1000, { msgid: "a" })), null);
  conv.add(line(3000, { self: true, msgid: "c" }));
  conv.add(line(3500, { kind: "event", msgid: "d" }));
  assert.deepEqual(conv.lines.map((l) => l.msgid), ["a", "b", "c", "d"]);
  assert.equal(conv.unread, 2);
  assert.equal(conv.mentions, 1);
  assert.ok(conv.markRead(1500));
  assert.equal(conv.unread, 1);
  assert.ok(!conv.markRead(1000), "the marker never goes back");
  assert.equal(conv.oldestMsgid(), "a");
  assert.equal(conv.latestMsgid(), "d");
});

test("an event seen live, then replayed with a msgid, is kept once", () => {
  const conv = new Model().conversation("#c", "channel");
  conv.add(line(1000, { kind: "event", text: "joined" }));
  assert.equal(conv.add(line(1000, { kind: "event", text: "joined", msgid: "x" })), null);
  assert.equal(conv.lines.length, 1);
  assert.equal(conv.lines[0].msgid, "x");
});

test("a conversation keeps at most MAX_LINES lines", () => {
  const conv = new Model().conversation("#c", "channel");
  for (let i = 0; i < MAX_LINES + 10; i++) conv.add(line(i, { msgid: "m" + i }));
  assert.equal(conv.lines.length, MAX_LINES);
  assert.equal(conv.msgids.size, MAX_LINES);
  assert.equal(conv.oldestMsgid(), "m10");
});

test("modes change ranks; list and key modes take their parameters", () => {
  const model = new Model();
  const conv = model.conversation("#c", "channel");
  model.addMember(conv, "ann");
  model.addMember(conv, "bob", "o");
  assert.ok(model.applyChannelModes(conv, "+kvo-o", ["key", "ann", "ann", "bob"]));
  assert.equal(model.rankOf(conv.members.get("ann")), "@");
  assert.equal(conv.members.get("ann").modes, "ov");
  assert.equal(model.rankOf(conv.members.get("bob")), "");
  assert.deepEqual(model.sortedMembers(conv).map((m) => m.nick), ["ann", "bob"]);
});

test("mentions are whole nicks", () => {
  const model = new Model();
  model.me = "ann";
  assert.ok(model.mentions("hi ann!"));
  assert.ok(model.mentions("ANN: look"));
  assert.ok(!model.mentions("joanna"));
  assert.ok(!model.mentions("ann_ there"));
});

test("commands", () => {
  const ctx = { active: { name: "#c", kind: "channel" }, me: "ann" };
  assert.deepEqual(run("hi", ctx).send, [["PRIVMSG", ["#c", "hi"]]]);
  assert.deepEqual(run("//join", ctx).send, [["PRIVMSG", ["#c", "/join"]]]);
  assert.deepEqual(run("/join x", ctx), { send: [["JOIN", ["#x"]]], open: "#x" });
  assert.deepEqual(run("/part", ctx).send, [["PART", ["#c"]]]);
  assert.deepEqual(run("/me waves", ctx).send, [["PRIVMSG", ["#c", "\x01ACTION waves\x01"]]]);
  assert.deepEqual(run("/msg bob hi there", ctx).send, [["PRIVMSG", ["bob", "hi there"]]]);
  assert.deepEqual(run("/topic new one", ctx).send, [["TOPIC", ["#c", "new one"]]]);
  assert.equal(run("/quit", ctx).quit, "Leaving");
  assert.ok(run("/nope", ctx).error.includes("/help"));
  assert.ok(run("hi", { active: { name: "server", kind: "server" }, me: "ann" }).error);
  const long = messages("ann", "#c", "x ".repeat(600));
  assert.ok(long.length > 1);
  for (const [, [target, text]] of long) assert.ok(byteLength(`:ann!u@h PRIVMSG ${target} :${text}`) < 510);
});

test("tab completion cycles and goes back", () => {
  const c = new Completer();
  const sources = { nicks: ["bob", "Bea"], channels: ["#lobby"], commands: ["join"] };
  assert.deepEqual(c.complete("b", 1, sources), { value: "bob: ", caret: 5 });
  assert.deepEqual(c.complete("bob: ", 5, sources), { value: "Bea: ", caret: 5 });
  assert.deepEqual(c.complete("Bea: ", 5, sources, true), { value: "bob: ", caret: 5 });
  c.reset();
  assert.deepEqual(c.complete("to #l", 5, sources), { value: "to #lobby ", caret: 10 });
  assert.deepEqual(c.complete("/jo", 3, sources), { value: "/join ", caret: 6 });
});

function fakeClient() {
  const sent = [];
  const conn = { caps: new Set(["draft/chathistory", "batch", "draft/read-marker"]), has(c) { return this.caps.has(c); }, send: (c, p) => sent.push([c, ...p]) };
  const calls = [];
  const ui = new Proxy({}, { get: (_, name) => (...args) => calls.push(name) });
  const model = new Model();
  const client = new Client(model, conn, ui);
  const feed = (...lines) => lines.forEach((l) => client.handle(parse(l)));
  return { model, client, sent, calls, feed };
}

test("registration, join, names, history and read marker", () => {
  const { model, sent, feed } = fakeClient();
  feed(":srv 001 ann :Welcome", ":srv 005 ann PREFIX=(ohv)@%+ DEFAULTCHAN=#lobby NETWORK=ciao :are supported", ":srv 376 ann :End");
  assert.deepEqual(sent[0], ["JOIN", "#lobby"]);
  assert.equal(sent.at(-1)[1], "TARGETS");
  feed(":ann!u@h JOIN #lobby", ":srv 353 ann = #lobby :@+bob ann", ":srv 366 ann #lobby :End",
    ":srv BATCH +r1 chathistory #lobby",
    "@batch=r1;time=2026-01-01T00:00:01.000Z;msgid=m1 :bob!u@h PRIVMSG #lobby :hello",
    "@batch=r1;time=2026-01-01T00:00:02.000Z;msgid=m2 :bob!u@h PRIVMSG #lobby :ann: you there?",
    "@batch=r1;time=2026-01-01T00:00:03.000Z;msgid=m3 :carl!u@h JOIN #lobby",
    ":srv BATCH -r1",
    ":srv MARKREAD #lobby timestamp=2026-01-01T00:00:01.500Z");
  const conv = model.find("#LOBBY");
  assert.deepEqual(conv.lines.filter((l) => l.msgid).map((l) => l.msgid), ["m1", "m2", "m3"]);
  assert.ok(!conv.members.has("carl"), "history does not change who is here");
  assert.equal(model.rankOf(conv.members.get("bob")), "@");
  assert.equal(conv.unread, 1);
  assert.equal(conv.mentions, 1);
  feed(":bob!u@h NICK robert", ":srv MODE #lobby -o robert");
  assert.equal(model.rankOf(conv.members.get("robert")), "+");
  feed(":robert!u@h QUIT :bye");
  assert.ok(!conv.members.has("robert"));
});

test("private messages and CHATHISTORY TARGETS", () => {
  const { model, sent, feed } = fakeClient();
  feed(":srv 001 ann :Welcome", ":bob!u@h PRIVMSG ann :psst", ":ann!u@h PRIVMSG carl :hi carl");
  assert.equal(model.find("bob").lines[0].mention, true, "a private message calls for attention");
  assert.equal(model.find("carl").lines[0].self, true);
  feed(":srv BATCH +t draft/chathistory-targets", "@batch=t :srv CHATHISTORY TARGETS dave 2026-01-01T00:00:00.000Z", ":srv BATCH -t");
  assert.ok(model.find("dave"));
  assert.deepEqual(sent.find((s) => s[0] === "CHATHISTORY"), ["CHATHISTORY", "LATEST", "dave", "*", "50"]);
});

test("a hostile server's batches are bounded", () => {
  const { client, feed } = fakeClient();
  for (let i = 0; i < 100; i++) feed(`:srv BATCH +b${i} chathistory #x`);
  assert.ok(client.batches.size <= 20);
});

test("our own join, seen before the join's replay, does not mark the replay read", () => {
  const { model, client, feed } = fakeClient();
  feed(":srv 001 ann :Welcome", ":ann!u@h JOIN #c");
  const conv = model.find("#c");
  client.seen(conv);
  assert.equal(conv.marker, null);
  feed(":srv MARKREAD #c timestamp=2026-01-01T00:00:01.000Z",
    ":srv BATCH +h chathistory #c",
    "@batch=h;time=2026-01-01T00:00:02.000Z;msgid=x :bob!u@h PRIVMSG #c :missed",
    ":srv BATCH -h");
  assert.equal(conv.unread, 1);
  client.seen(conv);
  assert.equal(conv.unread, 0);
  assert.equal(conv.marker, Date.parse("2026-01-01T00:00:02.000Z"));
});

test("a line longer than the server reads is cut, at a character", async () => {
  const { Connection } = await import("../js/connection.js");
  const sent = [];
  const conn = new Connection({ onState() {} });
  conn.state = "connected";
  conn.raw = (line) => sent.push(line);
  conn.send("AWAY", ["x".repeat(2000)]);
  conn.sendRaw("PRIVMSG #a :" + "é".repeat(400));
  assert.equal(byteLength(sent[0]), 510);
  assert.ok(byteLength(sent[1]) <= 510 && sent[1].endsWith("é"));
});

test("nothing a server sends makes the client throw", () => {
  const { client, model } = fakeClient();
  const commands = ["001", "005", "353", "366", "332", "331", "376", "433", "JOIN", "PART", "KICK", "QUIT", "NICK",
    "MODE", "TOPIC", "PRIVMSG", "NOTICE", "AWAY", "ACCOUNT", "MARKREAD", "BATCH", "FAIL", "ERROR", "CHATHISTORY", "999"];
  const words = ["", "*", "#c", "ann", "bob", "+r1", "-r1", "chathistory", "draft/chathistory-targets", "+o", "-v+o",
    "timestamp=x", "timestamp=2026-01-01T00:00:00Z", "\x01ACTION", "PREFIX=(ov", "PREFIX=(o)@", "CHANMODES=", "@@@"];
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 20000; i++) {
    const params = Array.from({ length: random(5) }, () => words[random(words.length)]);
    const tags = random(3) === 0 ? { batch: "r1", time: random(2) ? "nonsense" : "2026-01-01T00:00:00Z" } : {};
    const source = ["ann!u@h", "bob!u@h", "srv", null, ""][random(5)];
    client.handle({ tags, source, command: commands[random(commands.length)], params });
  }
  assert.ok(model.conversations.size >= 1);
});

test("older lines of one millisecond keep the server's order", () => {
  const { model, client, sent, feed } = fakeClient();
  const t = "2026-01-01T00:00:00.000Z";
  feed(":srv 001 ann :Welcome", ":ann!u@h JOIN #c", ":srv BATCH +a chathistory #c",
    ...[3, 4, 5].map((i) => `@batch=a;time=${t};msgid=m${i} :bob!u@h PRIVMSG #c :line ${i}`), ":srv BATCH -a");
  const conv = model.find("#c");
  client.loadOlder(conv);
  assert.deepEqual(sent.at(-1), ["CHATHISTORY", "BEFORE", "#c", "msgid=m3", "50"]);
  feed(":srv BATCH +b chathistory #c",
    ...[0, 1, 2].map((i) => `@batch=b;time=${t};msgid=m${i} :bob!u@h PRIVMSG #c :line ${i}`), ":srv BATCH -b");
  assert.deepEqual(conv.lines.filter((l) => l.msgid).map((l) => l.text), [0, 1, 2, 3, 4, 5].map((i) => `line ${i}`));
  client.loadOlder(conv);
  feed(":srv BATCH +c chathistory #c", ":srv BATCH -c");
  assert.ok(conv.noOlder, "an empty answer: the start");
});
