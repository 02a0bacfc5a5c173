// Tab completion of nicks (latest speakers first), /commands and
// #channels; Tab again goes on to the next match, Shift+Tab back.

import { fold } from "./irc.js";

export class Completer {
  constructor() {
    this.last = null;
  }

  reset() {
    this.last = null;
  }

  /** The new `{ value, caret }` or null; `sources` gives the candidates:
   * `{ nicks, channels, commands }`. */
  complete(value, caret, sources, backwards = false) {
    const last = this.last;
    if (last && last.result === value && last.caret === caret && last.matches.length) {
      const n = last.matches.length;
      last.index = (last.index + (backwards ? n - 1 : 1)) % n;
      return this.apply(last);
    }
    const before = value.slice(0, caret);
    const start = before.search(/\S*$/);
    const word = before.slice(start);
    if (!word.length) return null;
    let pool;
    let suffix = " ";
    if (word.startsWith("/") && start === 0) {
      pool = sources.commands.map((c) => "/" + c);
    } else if (word.startsWith("#")) {
      pool = sources.channels;
    } else {
      pool = sources.nicks;
      if (start === 0) suffix = ": ";
    }
    const wanted = fold(word);
    const seen = new Set();
    const matches = pool.filter((c) => {
      const key = fold(c);
      if (!key.startsWith(wanted) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (!matches.length) return null;
    this.last = { value, start, end: caret, matches, index: backwards ? matches.length - 1 : 0, suffix };
    return this.apply(this.last);
  }

  apply(state) {
    const insert = state.matches[state.index] + state.suffix;
    const result = state.value.slice(0, state.start) + insert + state.value.slice(state.end);
    state.result = result;
    state.caret = state.start + insert.length;
    return { value: result, caret: state.caret };
  }
}
