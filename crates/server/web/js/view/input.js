// textarea#input: Enter sends, Shift+Enter is a new line, Tab
// completes, Up/Down recall what was sent; it grows to six lines.

import { Completer } from "../complete.js";

/** Sent lines remembered for Up/Down. */
const RECALL = 100;
const MAX_ROWS = 6;

export class InputView {
  constructor(textarea, form, { onSend, sources }) {
    this.el = textarea;
    this.onSend = onSend;
    this.sources = sources;
    this.sent = [];
    this.recallIndex = null;
    this.draft = "";
    this.completer = new Completer();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    textarea.addEventListener("keydown", (event) => this.key(event));
    textarea.addEventListener("input", () => {
      this.completer.reset();
      this.grow();
    });
  }

  submit() {
    const text = this.el.value;
    if (!text.trim()) return;
    this.sent.push(text);
    if (this.sent.length > RECALL) this.sent.shift();
    this.recallIndex = null;
    this.el.value = "";
    this.grow();
    this.onSend(text);
  }

  key(event) {
    if (event.isComposing || event.altKey) return;
    const el = this.el;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      this.submit();
    } else if (event.key === "Tab" && !event.ctrlKey && !event.altKey) {
      if (!el.value) return;
      event.preventDefault();
      const done = this.completer.complete(el.value, el.selectionStart, this.sources(), event.shiftKey);
      if (done) {
        el.value = done.value;
        el.setSelectionRange(done.caret, done.caret);
        this.grow();
      }
    } else if (event.key === "ArrowUp" && !el.value.slice(0, el.selectionStart).includes("\n")) {
      if (!this.sent.length) return;
      event.preventDefault();
      if (this.recallIndex === null) {
        this.draft = el.value;
        this.recallIndex = this.sent.length;
      }
      this.recallIndex = Math.max(0, this.recallIndex - 1);
      this.show(this.sent[this.recallIndex]);
    } else if (event.key === "ArrowDown" && this.recallIndex !== null && !el.value.slice(el.selectionEnd).includes("\n")) {
      event.preventDefault();
      this.recallIndex++;
      if (this.recallIndex >= this.sent.length) {
        this.recallIndex = null;
        this.show(this.draft);
      } else {
        this.show(this.sent[this.recallIndex]);
      }
    }
  }

  show(text) {
    this.el.value = text;
    this.el.setSelectionRange(text.length, text.length);
    this.completer.reset();
    this.grow();
  }

  /** Rows follow the text, up to six (an attribute, not a style: CSP). */
  grow() {
    const rows = Math.min(MAX_ROWS, Math.max(1, this.el.value.split("\n").length));
    this.el.rows = rows;
  }
}
