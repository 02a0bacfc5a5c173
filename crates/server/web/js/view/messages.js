// The open conversation's lines in #messages: time, nick, formatted
// text, the "new messages" divider, sticking to the bottom, and asking
// for older lines at the top.

import { hhmm } from "../irc.js";
import { render } from "../format.js";
import { nickClass } from "./nick-colour.js";

/** Pixels from the top that ask for older lines, from the bottom that count as "at the bottom". */
const TOP_SLACK = 60;
const BOTTOM_SLACK = 30;

export class MessagesView {
  constructor(element, { onOlder, onSeen }) {
    this.el = element;
    this.onOlder = onOlder;
    this.onSeen = onSeen;
    this.conv = null;
    this.rows = [];
    /** Lines after this time (ms) are below the divider; null: none. */
    this.dividerTime = null;
    this.divider = null;
    this.el.addEventListener("scroll", () => this.scrolled(), { passive: true });
  }

  atBottom() {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight <= BOTTOM_SLACK;
  }

  scrolled() {
    if (!this.conv) return;
    if (!this.atBottom()) this.scrolledOnce = true;
    if (this.el.scrollTop <= TOP_SLACK) this.onOlder(this.conv);
    if (this.atBottom()) this.onSeen();
  }

  /** Shows `conv` from scratch; the divider sits at its read marker. */
  open(conv) {
    this.conv = conv;
    this.dividerTime = null;
    this.draw(true);
  }

  /** Where the divider goes: after the read marker, else after what this
   * page last showed of it (never read nor shown: no divider, every line
   * is new). */
  pickDivider() {
    const conv = this.conv;
    const since = conv.marker ?? conv.seenAt;
    if (this.dividerTime === null && conv.unread && since != null) this.dividerTime = since;
  }

  /** Redraws the open conversation (lines were inserted), keeping the
   * view where it was. */
  redraw() {
    if (!this.conv) return;
    const bottom = this.atBottom();
    const fromBottom = this.el.scrollHeight - this.el.scrollTop;
    this.draw(false);
    if (this.divider && bottom && !this.scrolledOnce) this.divider.scrollIntoView({ block: "center" });
    else if (bottom) this.toBottom();
    else this.el.scrollTop = this.el.scrollHeight - fromBottom;
    // Lines that do not fill the pane cannot be scrolled up: ask now.
    if (this.el.scrollHeight <= this.el.clientHeight) this.onOlder(this.conv);
  }

  draw(opening) {
    const conv = this.conv;
    if (opening) this.scrolledOnce = false;
    this.el.replaceChildren();
    this.rows = [];
    this.divider = null;
    const top = document.createElement("div");
    top.className = "more";
    top.textContent = conv.kind === "server" ? "" : conv.noOlder ? "The start of the conversation" : "";
    this.el.appendChild(top);
    this.top = top;
    const fragment = document.createDocumentFragment();
    for (const line of conv.lines) {
      const el = this.lineElement(line);
      this.rows.push({ line, el });
      fragment.appendChild(el);
    }
    this.el.appendChild(fragment);
    this.pickDivider();
    this.placeDivider();
    if (opening) {
      if (this.divider) this.divider.scrollIntoView({ block: "center" });
      else this.toBottom();
      // A short conversation that does not fill the pane cannot be scrolled up.
      if (this.el.scrollHeight <= this.el.clientHeight) this.onOlder(conv);
    }
  }

  /** A line just arrived at the end. */
  append(line) {
    const bottom = this.atBottom();
    const el = this.lineElement(line);
    this.rows.push({ line, el });
    this.el.appendChild(el);
    // The model dropped its oldest lines (MAX_LINES): so does the pane.
    while (this.rows.length > this.conv.lines.length) this.rows.shift().el.remove();
    if (!this.divider && this.dividerTime !== null) this.placeDivider();
    if (bottom) this.toBottom();
  }

  toBottom() {
    this.el.scrollTop = this.el.scrollHeight;
  }

  /** Puts the divider before the first unread line after `dividerTime`. */
  placeDivider() {
    this.divider?.remove();
    this.divider = null;
    if (this.dividerTime === null || !this.conv) return;
    const first = this.rows.find(({ line }) =>
      line.time.getTime() > this.dividerTime && !line.self && ["message", "action", "notice"].includes(line.kind));
    if (!first) return;
    const divider = document.createElement("div");
    divider.className = "divider";
    divider.setAttribute("role", "separator");
    divider.textContent = "new messages";
    this.el.insertBefore(divider, first.el);
    this.divider = divider;
  }

  /** The user looked away: lines from now on are new. */
  markAway() {
    if (!this.conv || this.divider) return;
    this.dividerTime = this.conv.marker ?? this.conv.latestTime() ?? 0;
  }

  lineElement(line) {
    const el = document.createElement("div");
    el.className = "line " + line.kind;
    if (line.self) el.classList.add("self");
    if (line.mention) el.classList.add("mention");
    if (line.msgid) el.dataset.msgid = line.msgid;
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = hhmm(line.time);
    time.title = line.time.toLocaleString();
    const nick = document.createElement("span");
    nick.className = "nick";
    if (line.nick) {
      nick.textContent = line.nick;
      if (line.kind !== "event") nick.classList.add(nickClass(line.nick));
      if (line.account) nick.title = `logged in as ${line.account}`;
    }
    const text = document.createElement("span");
    text.className = "text";
    text.setAttribute("dir", "auto");
    text.appendChild(render(line.text));
    el.append(time, nick, text);
    return el;
  }
}
