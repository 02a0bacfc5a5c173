//! The chat: conversations on the left (one group per server), the
//! conversation in the middle, members on the right, the topic on top and
//! the input at the bottom. Each part is drawn by its own module from
//! what it shows; the active server's session for all but the list.
//! What reaches past the session on screen (another server, the window,
//! the form) is an [`Event`] for the app to do.

pub mod attention;
mod buffers;
mod channel_browser;
pub mod formatting;
mod input;
mod links;
mod member_menu;
mod members;
mod messages;
mod nick_color;
mod topic;

use ciao_client::model::LineKind;
use ciao_client::{Action, parse_input};
use eframe::egui;

use crate::host::HostedServer;
use crate::session::Session;
use crate::view_settings::ViewSettings;

pub use buffers::ListAction;
pub use input::{ChatInput, INPUT_LABEL};
pub use messages::{MENTION_LABEL, badge_label};
pub use nick_color::nick_color;
pub use topic::{LOCK_LABEL, PLAINTEXT_LABEL, TopAction};

/// The most of the window's width each side panel may take: in a narrow
/// window (480 px) the conversation keeps half of it.
const SIDE_PANEL_SHARE: f32 = 0.25;

/// What the user asked of the chat beyond the session on screen, for the
/// app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `/quit` (or `{quit}`): say goodbye to every server, then close.
    Leave(Option<String>),
    /// Show the form over the chat, to add a server.
    AddServer,
    OpenSettings,
    /// Leave server `index` (its index in the sessions).
    Disconnect(usize),
    /// Show buffer `buffer` of session `session`.
    Select {
        session: usize,
        buffer: usize,
    },
    /// Connect to the saved server of that name.
    ConnectSaved(String),
}

/// What the chat shows, and the parts it edits.
#[derive(Debug)]
pub struct Chat<'a> {
    /// Every server's session: all are listed and ask for attention; the
    /// one on screen is read and written to.
    pub sessions: &'a mut [Session],
    /// Index in `sessions` of the one on screen.
    pub active: usize,
    /// Saved servers with no session now, offered in the list.
    pub idle: &'a [String],
    pub input: &'a mut ChatInput,
    pub view: &'a ViewSettings,
    /// The server this app hosts, for the note on its session.
    pub host: Option<&'a HostedServer>,
}

/// Draws the chat; what the user asked of the app, in the order it is
/// to be done.
pub fn show(chat: Chat<'_>, ui: &mut egui::Ui) -> Vec<Event> {
    let Chat {
        sessions,
        active,
        idle,
        input,
        view,
        host,
    } = chat;
    let mut events = Vec::new();
    let side_max = ui.available_width() * SIDE_PANEL_SHARE;
    let active = active.min(sessions.len().saturating_sub(1));
    // Every server's mentions and private messages ask for attention,
    // not only the one on screen.
    for session in sessions.iter_mut() {
        attention::show(session, view, ui.ctx());
    }
    let Some(session) = sessions.get_mut(active) else {
        return events;
    };
    let top = topic::show(session, host, ui);
    let typed = input::show(input, session, ui);
    if typed.browse_channels {
        channel_browser::request(session);
    }
    let chosen = buffers::show(sessions, active, idle, side_max, ui);
    let session = &mut sessions[active];
    members::show(session, side_max, ui);
    egui::CentralPanel::default().show(ui, |ui| messages::show(session, view, ui));
    channel_browser::show(session, ui.ctx());
    if typed.send {
        let line = input.take();
        events.extend(submit(session, &line));
    }
    events.extend(top.map(|top| match top {
        TopAction::AddServer => Event::AddServer,
        TopAction::Settings => Event::OpenSettings,
        TopAction::Disconnect => Event::Disconnect(active),
    }));
    events.extend(chosen.map(|chosen| match chosen {
        ListAction::Select { session, buffer } => Event::Select { session, buffer },
        ListAction::Connect(name) => Event::ConnectSaved(name),
        ListAction::Disconnect(index) => Event::Disconnect(index),
    }));
    events
}

/// Sends what the user typed to the session's server (or notes why it
/// cannot be sent); `/quit` is the app's to do.
fn submit(session: &mut Session, line: &str) -> Option<Event> {
    match parse_input(line) {
        Ok(None) => {}
        Ok(Some(Action::Quit(reason))) => return Some(Event::Leave(reason)),
        Ok(Some(action)) => {
            let outgoing = session.model.prepare(action);
            session.send(outgoing);
        }
        Err(error) => session.model.note(&error.to_string(), LineKind::Error),
    }
    None
}
