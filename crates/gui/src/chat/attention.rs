//! Asking for the user's attention: while the window is not focused, a
//! mention or a private message makes the window ask for attention
//! (the task bar flashes) and shows a desktop notification where the
//! desktop has a notification service. Its absence is not an error.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use ciao_client::model::Alert;
use eframe::egui;

use crate::session::Session;
use crate::view_settings::ViewSettings;
use ciao_client::format;

/// Notifications waiting for the desktop: a burst beyond this is dropped
/// rather than queued behind a slow or absent notification service.
const QUEUE: usize = 8;

/// Characters of a message shown in its notification.
const BODY_CHARS: usize = 200;

/// What a desktop notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
}

/// Takes the session's alerts (every frame, so none pile up) and, when
/// the window is not focused and the user wants it, asks for attention.
/// Returns the notices sent to the desktop.
pub fn show(session: &mut Session, view: &ViewSettings, ctx: &egui::Context) -> Vec<Notice> {
    let alerts = session.model.take_alerts();
    // An unknown focus (some platforms never say) counts as focused:
    // better one missed flash than flashing at someone who is looking.
    let focused = ctx.input(|i| i.viewport().focused.unwrap_or(true));
    if alerts.is_empty() || !view.notifications || focused {
        return Vec::new();
    }
    ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
        egui::UserAttentionType::Informational,
    ));
    let notices = notices(&alerts, &session.model.own_nick);
    for notice in &notices {
        desktop(notice.clone());
    }
    notices
}

/// One notice per alert, or one for the lot when many came at once.
pub fn notices(alerts: &[Alert], own_nick: &str) -> Vec<Notice> {
    if alerts.len() > 3 {
        return vec![Notice {
            summary: "ciao".to_owned(),
            body: format!("{} new messages for {own_nick}", alerts.len()),
        }];
    }
    alerts
        .iter()
        .map(|alert| {
            let private = ciao_proto::irc_eq(&alert.buffer, &alert.sender);
            let summary = if private {
                format!("{} (private message)", alert.sender)
            } else {
                format!("{} in {}", alert.sender, alert.buffer)
            };
            let plain = format::strip(&alert.text);
            let mut body: String = plain.chars().take(BODY_CHARS).collect();
            if body.len() < plain.len() {
                body.push('…');
            }
            Notice { summary, body }
        })
        .collect()
}

/// Hands `notice` to the notifier thread: the desktop's service may be
/// slow or missing, and the window must not wait for it.
fn desktop(notice: Notice) {
    static NOTIFIER: OnceLock<Option<SyncSender<Notice>>> = OnceLock::new();
    let sender = NOTIFIER.get_or_init(|| {
        let (sender, receiver) = sync_channel::<Notice>(QUEUE);
        let spawned = std::thread::Builder::new()
            .name("ciao-notify".to_owned())
            .spawn(move || {
                for notice in receiver {
                    let shown = notify_rust::Notification::new()
                        .appname("ciao")
                        .summary(&notice.summary)
                        .body(&notice.body)
                        .show();
                    if let Err(error) = shown {
                        tracing::debug!("no desktop notification: {error}");
                    }
                }
            });
        match spawned {
            Ok(_) => Some(sender),
            Err(error) => {
                tracing::debug!("no notifier thread: {error}");
                None
            }
        }
    });
    if let Some(sender) = sender
        && let Err(TrySendError::Full(_)) = sender.try_send(notice)
    {
        tracing::debug!("desktop notifications are backed up; one dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(buffer: &str, sender: &str, text: &str) -> Alert {
        Alert {
            buffer: buffer.into(),
            sender: sender.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_notice_names_the_sender_and_the_place_without_formatting() {
        let notices = notices(
            &[
                alert("#lobby", "alice", "\x02me\x02: look"),
                alert("bob", "bob", "psst"),
            ],
            "me",
        );
        assert_eq!(notices[0].summary, "alice in #lobby");
        assert_eq!(notices[0].body, "me: look");
        assert_eq!(notices[1].summary, "bob (private message)");
        let long = "x".repeat(500);
        let cut = super::notices(&[alert("#a", "b", &long)], "me");
        assert_eq!(cut[0].body.chars().count(), BODY_CHARS + 1);
    }

    #[test]
    fn a_burst_is_one_notice() {
        let burst: Vec<Alert> = (0..10).map(|_| alert("#a", "b", "hi me")).collect();
        let notices = notices(&burst, "me");
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].body, "10 new messages for me");
    }
}
