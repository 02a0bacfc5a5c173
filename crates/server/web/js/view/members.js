// #members: the open channel's members with their rank (@ % +), away
// ones greyed with their message on hover.

import { nickClass } from "./nick-colour.js";

export class MembersView {
  constructor(element, countElement, { onQuery }) {
    this.el = element;
    this.count = countElement;
    this.el.addEventListener("dblclick", (event) => {
      const li = event.target.closest("li[data-nick]");
      if (li) onQuery(li.dataset.nick);
    });
  }

  draw(model, conv) {
    if (conv.kind !== "channel") {
      this.el.replaceChildren();
      this.count.textContent = "";
      return;
    }
    const members = model.sortedMembers(conv);
    this.count.textContent = `${members.length} ${members.length === 1 ? "member" : "members"}`;
    this.el.replaceChildren(...members.map((member) => {
      const li = document.createElement("li");
      li.dataset.nick = member.nick;
      if (member.away) {
        li.classList.add("away");
        li.title = member.awayText ? `away: ${member.awayText}` : "away";
      }
      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = model.rankOf(member);
      const nick = document.createElement("span");
      nick.className = "nick " + nickClass(member.nick);
      if (member.account) nick.classList.add("account");
      nick.textContent = member.nick;
      li.append(rank, nick);
      return li;
    }));
  }
}
