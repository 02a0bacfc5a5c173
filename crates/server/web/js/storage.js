// The nick, remembered in localStorage (never a password). Storage can
// be off or full: then nothing is remembered, and nothing breaks.

const KEY = "ciao.nick";

export function savedNick() {
  try {
    return localStorage.getItem(KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveNick(nick) {
  try {
    localStorage.setItem(KEY, nick);
  } catch {
    // Private mode or storage off.
  }
}
