// IRC lines <-> messages: { tags, source, command, params }, with IRCv3
// tag escaping. One line per WebSocket frame, so no CRLF here; a line
// we build never carries CR, LF or NUL (they are cut), so nothing typed
// can smuggle a second command.

const TAG_UNESCAPES = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

export function unescapeTag(value) {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== "\\") {
      out += c;
    } else if (i + 1 < value.length) {
      const next = value[++i];
      out += TAG_UNESCAPES[next] ?? next;
    }
    // A lone trailing backslash is dropped, as the spec says.
  }
  return out;
}

export function escapeTag(value) {
  return String(value).replace(/[\\; \r\n]/g, (c) =>
    ({ "\\": "\\\\", ";": "\\:", " ": "\\s", "\r": "\\r", "\n": "\\n" })[c]);
}

/** Parses one line; returns null for a line without a command. */
export function parse(line) {
  let rest = line.replace(/[\r\n]+$/, "");
  const message = { tags: {}, source: null, command: "", params: [] };
  if (rest.startsWith("@")) {
    const end = rest.indexOf(" ");
    if (end < 0) return null;
    for (const part of rest.slice(1, end).split(";")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      if (eq < 0) message.tags[part] = "";
      else message.tags[part.slice(0, eq)] = unescapeTag(part.slice(eq + 1));
    }
    rest = rest.slice(end + 1);
  }
  rest = rest.replace(/^ +/, "");
  if (rest.startsWith(":")) {
    const end = rest.indexOf(" ");
    if (end < 0) return null;
    message.source = rest.slice(1, end);
    rest = rest.slice(end + 1);
  }
  while (rest.length) {
    rest = rest.replace(/^ +/, "");
    if (!rest.length) break;
    if (rest.startsWith(":") && message.command) {
      message.params.push(rest.slice(1));
      break;
    }
    const end = rest.indexOf(" ");
    const word = end < 0 ? rest : rest.slice(0, end);
    if (!message.command) message.command = word.toUpperCase();
    else message.params.push(word);
    rest = end < 0 ? "" : rest.slice(end + 1);
  }
  return message.command ? message : null;
}

const UNSAFE = /[\r\n\0]/g;

/** Builds a line; the last parameter is always sent as a trailing one
 * when it needs to be (empty, a space, or a leading colon). */
export function serialize(command, params = [], tags = null) {
  let line = "";
  if (tags && Object.keys(tags).length) {
    line += "@" + Object.entries(tags)
      .map(([k, v]) => (v === "" || v == null ? k : `${k}=${escapeTag(v)}`))
      .join(";") + " ";
  }
  line += command;
  params.forEach((raw, i) => {
    const param = String(raw).replace(UNSAFE, " ");
    const last = i === params.length - 1;
    if (last && (param === "" || param.includes(" ") || param.startsWith(":"))) {
      line += " :" + param;
    } else {
      line += " " + param.replace(/ /g, "");
    }
  });
  return line;
}

/** The nick of a `nick!user@host` source. */
export function nickOf(source) {
  if (!source) return "";
  const bang = source.indexOf("!");
  return bang < 0 ? source : source.slice(0, bang);
}

/** RFC 1459 casemapping, the server's (CASEMAPPING=rfc1459). */
export function fold(name) {
  return String(name).toLowerCase().replace(/[[\]\\~]/g, (c) =>
    ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[c]);
}

export function isChannel(name, chantypes = "#") {
  return name.length > 0 && chantypes.includes(name[0]);
}

/** UTF-8 length of a string, in bytes. */
export function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

/** Cuts `text` into pieces of at most `max` UTF-8 bytes, at a space when
 * there is one, never inside a character. */
export function splitText(text, max) {
  const pieces = [];
  let rest = text;
  while (byteLength(rest) > max) {
    let cut = 0;
    let bytes = 0;
    let lastSpace = -1;
    for (const ch of rest) {
      const size = byteLength(ch);
      if (bytes + size > max) break;
      bytes += size;
      cut += ch.length;
      if (ch === " ") lastSpace = cut;
    }
    const at = lastSpace > 0 ? lastSpace : Math.max(cut, 1);
    pieces.push(rest.slice(0, at).replace(/ $/, ""));
    rest = rest.slice(at);
  }
  if (rest.length || !pieces.length) pieces.push(rest);
  return pieces;
}

/** `HH:MM` in local time. */
export function hhmm(date) {
  return String(date.getHours()).padStart(2, "0") + ":" +
    String(date.getMinutes()).padStart(2, "0");
}
