// #conversations: one li.conversation per conversation, the open one
// aria-current, its unread count and the mention mark.

export class ConversationsView {
  constructor(element, { onOpen }) {
    this.el = element;
    this.el.addEventListener("click", (event) => {
      const li = event.target.closest("li.conversation");
      if (li) onOpen(li.dataset.key);
    });
    this.el.addEventListener("keydown", (event) => {
      const li = event.target.closest("li.conversation");
      if (li && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        onOpen(li.dataset.key);
      }
    });
  }

  draw(model) {
    const items = model.list().map((conv) => {
      const li = document.createElement("li");
      li.className = "conversation " + conv.kind;
      if (conv.kind === "channel" && !conv.joined) li.classList.add("parted");
      if (conv.mentions) li.classList.add("mention");
      li.dataset.target = conv.kind === "server" ? model.serverName : conv.name;
      li.dataset.key = conv.key;
      li.tabIndex = 0;
      li.setAttribute("aria-current", conv.key === model.activeKey ? "true" : "false");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = conv.kind === "server" ? model.network || model.serverName : conv.name;
      const unread = document.createElement("span");
      unread.className = "unread";
      unread.textContent = conv.unread ? String(conv.unread) : "";
      if (conv.unread) unread.title = `${conv.unread} unread`;
      li.append(name, unread);
      return li;
    });
    this.el.replaceChildren(...items);
  }
}
