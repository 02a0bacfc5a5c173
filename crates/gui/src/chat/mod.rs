//! The chat: conversations on the left, the conversation in the middle,
//! members on the right, the topic on top and the input at the bottom.
//! Each part is drawn by its own module from the session it shows.

mod buffers;
mod input;
mod members;
mod messages;
mod nick_color;
mod topic;

use ciao_client::model::LineKind;
use ciao_client::{Action, parse_input};
use eframe::egui;

use crate::app::CiaoApp;

pub use input::ChatInput;
pub use nick_color::nick_color;

pub fn show(app: &mut CiaoApp, ui: &mut egui::Ui) {
    let Some(session) = app.session.as_mut() else {
        return;
    };
    topic::show(session, app.host.as_ref(), ui);
    let submitted = input::show(&mut app.input, ui);
    buffers::show(session, ui);
    members::show(session, ui);
    let view = &app.view;
    egui::CentralPanel::default().show(ui, |ui| messages::show(session, view, ui));
    if submitted {
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
