// What the input box sends: a message, or a /command. Pure: returns
// what to do, the caller does it.

import { byteLength, isChannel, splitText } from "./irc.js";

export const HELP = [
  ["/join #channel [key]", "join a channel"],
  ["/part [#channel] [reason]", "leave a channel (this one by default)"],
  ["/msg nick text", "a private message"],
  ["/query nick", "open a private conversation"],
  ["/me action", "an action (“* you waves”)"],
  ["/nick name", "change your nick"],
  ["/topic [text]", "show or set this channel's topic"],
  ["/away [text]", "mark yourself away (/back to return)"],
  ["/whois nick", "who someone is"],
  ["/close", "close this conversation (leaves a channel)"],
  ["/quote line", "send a raw IRC line"],
  ["/quit [reason]", "leave the chat"],
  ["/help", "this list"],
  ["//text", "send a message starting with /"],
];

export const COMMAND_NAMES = ["join", "part", "msg", "query", "me", "nick", "topic", "away",
  "back", "whois", "close", "quote", "raw", "quit", "help"];

/** Text bytes a PRIVMSG to `target` may carry: 512 less CRLF and the
 * `:nick!user@host PRIVMSG target :` the server puts in front (user and
 * host at their longest). */
export function textBudget(me, target) {
  return 510 - (byteLength(me) + byteLength(target) + 87);
}

/** PRIVMSGs for `text` to `target`, one per line, long lines cut. */
export function messages(me, target, text, action = false) {
  const out = [];
  const budget = textBudget(me, target) - (action ? 9 : 0);
  for (const line of text.split("\n")) {
    if (!line.length) continue;
    for (const piece of splitText(line, Math.max(budget, 20))) {
      out.push(["PRIVMSG", [target, action ? `\x01ACTION ${piece}\x01` : piece]]);
    }
  }
  return out;
}

/** `{ send: [[command, params]…], open, close, help, quit, error }` for
 * what was typed in `ctx.active` ({ name, kind }), as `ctx.me`. */
export function run(input, ctx) {
  const { active, me, chantypes = "#" } = ctx;
  const result = { send: [] };
  const inTalk = active && active.kind !== "server";
  const say = (target, text, action) => {
    result.send.push(...messages(me, target, text, action));
  };
  if (!input.startsWith("/") || input.startsWith("//")) {
    const text = input.startsWith("//") ? input.slice(1) : input;
    if (!text.trim()) return result;
    if (!inTalk) {
      result.error = "This is the server's window: open a conversation, or /join #channel.";
      return result;
    }
    say(active.name, text, false);
    return result;
  }
  const flat = input.replace(/\n/g, " ");
  const match = /^\/(\S+)\s*(.*)$/s.exec(flat);
  const verb = match[1].toLowerCase();
  const rest = match[2].trim();
  const words = rest.split(/\s+/).filter(Boolean);
  const channel = inTalk && active.kind === "channel" ? active.name : null;
  const need = (ok, usage) => {
    if (!ok) result.error = `Usage: ${usage}`;
    return ok;
  };
  switch (verb) {
    case "join":
      if (need(words.length >= 1, "/join #channel [key]")) {
        const name = isChannel(words[0], chantypes) ? words[0] : "#" + words[0];
        result.send.push(["JOIN", words[1] ? [name, words[1]] : [name]]);
        result.open = name;
      }
      break;
    case "part":
    case "leave": {
      const target = words[0] && isChannel(words[0], chantypes) ? words[0] : channel;
      const reason = target === words[0] ? words.slice(1).join(" ") : rest;
      if (need(!!target, "/part #channel [reason]")) result.send.push(["PART", reason ? [target, reason] : [target]]);
      break;
    }
    case "msg":
      if (need(words.length >= 2, "/msg nick text")) {
        say(words[0], rest.slice(rest.indexOf(words[0]) + words[0].length).trim(), false);
        if (!isChannel(words[0], chantypes)) result.open = words[0];
      }
      break;
    case "query":
      if (need(words.length >= 1 && !isChannel(words[0], chantypes), "/query nick")) {
        result.open = words[0];
        result.query = true;
        if (words.length > 1) say(words[0], words.slice(1).join(" "), false);
      }
      break;
    case "me":
      if (need(rest.length > 0, "/me action") && need(inTalk, "/me in a conversation")) say(active.name, rest, true);
      break;
    case "nick":
      if (need(words.length === 1, "/nick name")) result.send.push(["NICK", [words[0]]]);
      break;
    case "topic":
      if (need(!!channel, "/topic [text] in a channel")) result.send.push(["TOPIC", rest ? [channel, rest] : [channel]]);
      break;
    case "away":
      result.send.push(["AWAY", rest ? [rest] : []]);
      break;
    case "back":
      result.send.push(["AWAY", []]);
      break;
    case "whois":
      if (need(words.length === 1, "/whois nick")) result.send.push(["WHOIS", [words[0]]]);
      break;
    case "close":
      if (channel) result.send.push(["PART", [channel]]);
      else if (inTalk) result.close = true;
      break;
    case "quote":
    case "raw":
      if (need(rest.length > 0, "/quote line")) result.raw = rest;
      break;
    case "quit":
      result.quit = rest || "Leaving";
      break;
    case "help":
      result.help = true;
      break;
    default:
      result.error = `Unknown command /${verb}: /help lists them (//${verb} sends the text).`;
  }
  return result;
}
