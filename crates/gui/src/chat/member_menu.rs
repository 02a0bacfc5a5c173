//! The right-click menu on a member: whois, a private conversation,
//! operator and voice, kick and ban.
//!
//! The operator actions are offered to everyone: whether we may use them
//! is the server's to say (a half-operator may kick, a services bot may
//! have given us rights the list does not show), and a refusal comes
//! back as an error line in the conversation.

use ciao_client::model::{Member, Outgoing};
use ciao_proto::{Message, irc_eq};
use eframe::egui;

use crate::session::Session;

/// What the user picked for a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Open (or show) the private conversation.
    Query(String),
    /// Send these to the server.
    Send(Vec<Message>),
}

/// The menu on `response`'s member of `channel`; the choice, once made.
pub fn show(response: &egui::Response, member: &Member, channel: &str) -> Option<Choice> {
    let nick = member.nick.as_str();
    let mode = |change: &str| Message::new("MODE", [channel, change, nick]);
    let mut choice = None;
    response.context_menu(|ui| {
        ui.label(egui::RichText::new(nick).strong());
        ui.separator();
        let mut pick = |ui: &mut egui::Ui, label: &str, what: Choice| {
            if ui.button(label).clicked() {
                choice = Some(what);
                ui.close();
            }
        };
        pick(
            ui,
            "Whois",
            Choice::Send(vec![Message::new("WHOIS", [nick])]),
        );
        pick(ui, "Query", Choice::Query(nick.to_owned()));
        ui.separator();
        let (op, voice) = (member.prefix.contains('@'), member.prefix.contains('+'));
        let (label, change) = if op { ("Deop", "-o") } else { ("Op", "+o") };
        pick(ui, label, Choice::Send(vec![mode(change)]));
        let (label, change) = if voice {
            ("Devoice", "-v")
        } else {
            ("Voice", "+v")
        };
        pick(ui, label, Choice::Send(vec![mode(change)]));
        pick(ui, "Kick", Choice::Send(vec![kick(channel, nick)]));
        // Banning alone would leave them in, unable to speak but still
        // there: the usual "ban" of a client bans and kicks.
        pick(
            ui,
            "Ban",
            Choice::Send(vec![
                Message::new("MODE", [channel, "+b", &format!("{nick}!*@*")]),
                kick(channel, nick),
            ]),
        );
    });
    choice
}

fn kick(channel: &str, nick: &str) -> Message {
    Message::new("KICK", [channel, nick])
}

pub fn carry_out(session: &mut Session, choice: Choice) {
    match choice {
        Choice::Query(nick) => {
            if !irc_eq(&nick, &session.model.own_nick) {
                session.model.open_query(&nick);
            }
        }
        Choice::Send(messages) => session.send(Outgoing {
            messages,
            quit: None,
        }),
    }
}
