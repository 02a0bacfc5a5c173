// A nick's colour class, the same for the same nick everywhere (a hash
// of its casefolded form).

import { fold } from "../irc.js";

const COLOURS = 12;

export function nickClass(nick) {
  let hash = 0x811c9dc5;
  for (const ch of fold(nick)) {
    hash ^= ch.codePointAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return "n" + (hash % COLOURS);
}
