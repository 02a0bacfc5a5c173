//! The chat: conversations on the left, the conversation in the middle,
//! members on the right, the topic on top and the input at the bottom.
//! Each part is drawn by its own module from the session it shows.

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

pub use input::{ChatInput, INPUT_LABEL};
pub use messages::MENTION_LABEL;
pub use nick_color::nick_color;

pub fn show(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let Some(session) = app.session.as_mut() else {
        return;
    };
    attention::show(session, &app.view, ui.ctx());
    topic::show(session, app.host.as_ref(), ui);
    let input = input::show(&mut app.input, session, ui);
    if input.browse_channels {
        channel_browser::request(session);
    }
    buffers::show(session, ui);
    members::show(session, ui);
    let view = &app.view;
    egui::CentralPanel::default().show(ui, |ui| messages::show(session, view, ui));
    channel_browser::show(session, ui.ctx());
    if input.send {
        submit_input(app);
    }
}

fn submit_input(app: &mut CiaoApp) {
    let line = app.input.take();
    let Some(session) = &mut app.session else {
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
