//! The chat: conversations on the left (one group per server), the
//! conversation in the middle, members on the right, the topic on top and
//! the input at the bottom. Each part is drawn by its own module from
//! what it shows; the active server's session for all but the list.

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

use crate::app::CiaoApp;

pub use buffers::ListAction;
pub use input::{ChatInput, INPUT_LABEL};
pub use messages::MENTION_LABEL;
pub use nick_color::nick_color;
pub use topic::TopAction;

/// The most of the window's width each side panel may take: in a narrow
/// window (480 px) the conversation keeps half of it.
const SIDE_PANEL_SHARE: f32 = 0.25;

pub fn show(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let side_max = ui.available_width() * SIDE_PANEL_SHARE;
    let idle = app.idle_servers();
    let active = app.active.min(app.sessions.len().saturating_sub(1));
    // Every server's mentions and private messages ask for attention,
    // not only the one on screen.
    for session in &mut app.sessions {
        attention::show(session, &app.view, ui.ctx());
    }
    let Some(session) = app.sessions.get_mut(active) else {
        return;
    };
    let top = topic::show(session, app.host.as_ref(), ui);
    let input = input::show(&mut app.input, session, ui);
    if input.browse_channels {
        channel_browser::request(session);
    }
    let chosen = buffers::show(&app.sessions, active, &idle, side_max, ui);
    let session = &mut app.sessions[active];
    members::show(session, side_max, ui);
    let view = &app.view;
    egui::CentralPanel::default().show(ui, |ui| messages::show(session, view, ui));
    channel_browser::show(session, ui.ctx());
    if input.send {
        submit_input(app);
    }
    match top {
        Some(TopAction::AddServer) => app.adding_server = true,
        Some(TopAction::Settings) => app.settings_open = true,
        Some(TopAction::Disconnect) => app.disconnect(active),
        None => {}
    }
    match chosen {
        Some(ListAction::Select { session, buffer }) => app.select(session, buffer),
        Some(ListAction::Connect(name)) => app.connect_saved(&name),
        Some(ListAction::Disconnect(index)) => app.disconnect(index),
        None => {}
    }
}

fn submit_input(app: &mut CiaoApp) {
    let line = app.input.take();
    let Some(session) = app.active_session_mut() else {
        return;
    };
    match parse_input(&line) {
        Ok(None) => {}
        Ok(Some(Action::Quit(reason))) => app.leave(reason),
        Ok(Some(action)) => {
            let outgoing = session.model.prepare(action);
            session.send(outgoing);
        }
        Err(error) => session.model.note(&error.to_string(), LineKind::Error),
    }
}
