// IRC formatting (bold, italic, underline, strikethrough, monospace,
// colours, reverse, reset) to DOM nodes. Text only ever becomes text
// nodes (textContent); styles are classes, never style attributes (the
// server's CSP); links are made only for http: and https: URLs that
// `new URL()` accepts.

const BOLD = "\x02", ITALIC = "\x1d", UNDERLINE = "\x1f", STRIKE = "\x1e";
const MONO = "\x11", COLOR = "\x03", HEX = "\x04", REVERSE = "\x16", RESET = "\x0f";

function plainStyle() {
  return { b: false, i: false, u: false, s: false, m: false, rev: false, fg: null, bg: null };
}

/** Splits formatted text into runs `{ text, style }`. Pure. */
export function runs(text) {
  const out = [];
  let style = plainStyle();
  let current = "";
  const flush = () => {
    if (current) out.push({ text: current, style: { ...style } });
    current = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const toggle = { [BOLD]: "b", [ITALIC]: "i", [UNDERLINE]: "u", [STRIKE]: "s", [MONO]: "m", [REVERSE]: "rev" }[c];
    if (toggle) {
      flush();
      style[toggle] = !style[toggle];
    } else if (c === RESET) {
      flush();
      style = plainStyle();
    } else if (c === COLOR) {
      flush();
      const m = /^(\d{1,2})(?:,(\d{1,2}))?/.exec(text.slice(i + 1));
      if (!m) {
        style.fg = style.bg = null;
      } else {
        style.fg = Number(m[1]) <= 98 ? Number(m[1]) : null;
        if (m[2] !== undefined) style.bg = Number(m[2]) <= 98 ? Number(m[2]) : null;
        i += m[0].length;
      }
    } else if (c === HEX) {
      // Hex colours: consumed, not drawn (classes cannot name every colour).
      flush();
      const m = /^[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?/.exec(text.slice(i + 1));
      if (m) i += m[0].length;
    } else if (c < " " && c !== "\t") {
      // Other control characters are never shown raw.
    } else {
      current += c;
    }
  }
  flush();
  return out;
}

/** The text without formatting, for mentions and notifications. */
export function strip(text) {
  return runs(text).map((r) => r.text).join("");
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;

/** Splits text into `{ text, href }` pieces; href only for a valid
 * http(s) URL. Trailing punctuation stays text. Pure. */
export function linkPieces(text) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let candidate = match[0];
    // A sentence's full stop or closing bracket is not part of the link.
    while (/[.,;:!?')\]}]$/.test(candidate)) {
      const opens = (candidate.match(/\(/g) || []).length;
      const closes = (candidate.match(/\)/g) || []).length;
      if (candidate.endsWith(")") && opens >= closes) break;
      candidate = candidate.slice(0, -1);
    }
    let href = null;
    try {
      const url = new URL(candidate);
      if (url.protocol === "http:" || url.protocol === "https:") href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    if (match.index > last) pieces.push({ text: text.slice(last, match.index), href: null });
    pieces.push({ text: candidate, href });
    last = match.index + candidate.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), href: null });
  return pieces;
}

function classesOf(style) {
  const names = [];
  for (const key of ["b", "i", "u", "s", "m"]) if (style[key]) names.push("f-" + key);
  let { fg, bg } = style;
  if (style.rev) {
    [fg, bg] = [bg ?? "rev-fg", fg ?? "rev-bg"];
  }
  if (fg !== null) names.push("c" + (typeof fg === "number" ? fg : "-" + fg));
  if (bg !== null) names.push("bg" + (typeof bg === "number" ? bg : "-" + bg));
  return names;
}

/** Formatted IRC text as a DocumentFragment. */
export function render(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const run of runs(text)) {
    const classes = classesOf(run.style);
    let parent = fragment;
    if (classes.length) {
      parent = doc.createElement("span");
      parent.className = classes.join(" ");
      fragment.appendChild(parent);
    }
    for (const piece of linkPieces(run.text)) {
      if (piece.href) {
        const a = doc.createElement("a");
        a.href = piece.href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.textContent = piece.text;
        parent.appendChild(a);
      } else {
        parent.appendChild(doc.createTextNode(piece.text));
      }
    }
  }
  return fragment;
}
