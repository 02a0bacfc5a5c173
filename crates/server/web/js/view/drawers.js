// Narrow screens: conversations and members slide in as drawers over
// the one pane; the backdrop or a choice closes them.

export class Drawers {
  constructor({ conversations, members, openConversations, openMembers, backdrop }) {
    this.panes = { conversations, members };
    this.backdrop = backdrop;
    openConversations.addEventListener("click", () => this.toggle("conversations"));
    openMembers.addEventListener("click", () => this.toggle("members"));
    backdrop.addEventListener("click", () => this.close());
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    this.buttons = { conversations: openConversations, members: openMembers };
    this.close();
  }

  toggle(which) {
    const open = !this.panes[which].classList.contains("open");
    this.close();
    if (!open) return;
    this.panes[which].classList.add("open");
    this.buttons[which].setAttribute("aria-expanded", "true");
    this.backdrop.hidden = false;
  }

  close() {
    for (const [which, pane] of Object.entries(this.panes)) {
      pane.classList.remove("open");
      this.buttons[which].setAttribute("aria-expanded", "false");
    }
    this.backdrop.hidden = true;
  }
}
