// Attention: the title counts unread mentions, and a desktop
// notification for a mention where the browser allows one (a secure
// context: HTTPS or localhost), asked for on a user's gesture.

export function setTitle(mentions) {
  const title = mentions > 0 ? `(${mentions}) ciao` : "ciao";
  if (document.title !== title) document.title = title;
}

function available() {
  return window.isSecureContext && "Notification" in window;
}

/** Call from a click or submit handler: browsers only ask then. */
export function askPermission() {
  if (available() && Notification.permission === "default") {
    Notification.requestPermission().catch(() => {});
  }
}

export function notify(title, body, onClick) {
  if (!available() || Notification.permission !== "granted") return;
  try {
    const notification = new Notification(title, { body, tag: title });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
  } catch {
    // Some browsers only notify from a service worker: then we do not.
  }
}
