//! A scripted ciao user for `scripts/interop.sh`: ciao's real connection
//! task and [`Model`], driven from stdin instead of a window.
//!
//! ```text
//! interop_peer HOST PORT NICK
//! ```
//!
//! Each stdin line is typed into the app's input box (`parse_input`, then
//! `Model::prepare`, as the GUI does): text is said in the buffer on
//! screen; `/join`, `/nick`, `/me`, `/msg`, `/quit` … work as in the app,
//! and mistakes show as `(Error)` lines, as in the app. Two more commands:
//!
//! - `/kick #channel nick [reason]` sends `KICK` (the app has no kick);
//! - `/members #channel` prints the member list the app shows beside the
//!   chat.
//!
//! Every line the model adds to any buffer is printed as the app would
//! show it, one per line, so a script can wait for it:
//!
//! ```text
//! [#lobby] <irssi1> hello            a message
//! [#lobby] * irssi1 waves            an action
//! [#lobby] -irssi1- note             a notice
//! [#lobby] (Kick) irssi2 was kicked by ciao (bye)   any other kind
//! link: Registered                   the link's state when it changes
//! ```
//!
//! End of stdin quits politely; the program exits when the link is closed.

use std::io::BufRead;
use std::sync::Arc;

use ciao_client::model::LinkState;
use ciao_client::{Control, Line, LineKind, Model, Settings, Update, connect, parse_input};
use ciao_proto::Message;
use tokio::sync::mpsc;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, port, nick] = args.as_slice() else {
        eprintln!("usage: interop_peer HOST PORT NICK");
        std::process::exit(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("interop_peer: bad port {port:?}");
        std::process::exit(2);
    };

    // Stdin is read on a thread of its own: blocking reads stay off the
    // runtime, and a closed stdin closes the channel.
    let (input_tx, mut input) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if input_tx.send(line).is_err() {
                break;
            }
        }
    });

    let runtime = tokio::runtime::Handle::current();
    let (handle, mut updates) = connect(&runtime, Settings::new(host, port, nick), Arc::new(|| {}));
    let mut view = View {
        model: Model::new(nick),
        shown: Vec::new(),
        link: None,
    };
    let mut input_open = true;
    loop {
        tokio::select! {
            update = updates.recv() => {
                let Some(update) = update else { break };
                view.model.apply(&update);
                view.print_new();
                if matches!(update, Update::ConnectFailed(_) | Update::Disconnected(_)) {
                    break;
                }
            }
            line = input.recv(), if input_open => {
                let controls = match line {
                    Some(line) => view.type_line(&line),
                    None => {
                        input_open = false;
                        vec![Control::Quit(None)]
                    }
                };
                for control in controls {
                    handle.send(control);
                }
                view.print_new();
            }
        }
    }
}

/// The model and how much of it has been printed.
struct View {
    model: Model,
    /// Lines already printed, per buffer index (buffers are only added,
    /// and live lines only appended).
    shown: Vec<usize>,
    /// The last link state printed.
    link: Option<LinkState>,
}

impl View {
    /// What typing `line` into the app sends.
    fn type_line(&mut self, line: &str) -> Vec<Control> {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("/kick") => {
                let params: Vec<String> = line.splitn(4, ' ').skip(1).map(str::to_owned).collect();
                if params.len() < 2 {
                    self.model
                        .note("Usage: /kick #channel nick [reason]", LineKind::Error);
                    return Vec::new();
                }
                return vec![Control::Send(Message::new("KICK", params))];
            }
            Some("/members") => {
                let name = words.next().unwrap_or("");
                match self.model.buffer(name) {
                    Some(buffer) => {
                        let members: Vec<String> = buffer
                            .members()
                            .map(|m| format!("{}{}", m.prefix, m.nick))
                            .collect();
                        println!("[{name}] members: {}", members.join(" "));
                    }
                    None => self
                        .model
                        .note(&format!("No buffer {name}"), LineKind::Error),
                }
                return Vec::new();
            }
            _ => {}
        }
        let action = match parse_input(line) {
            Ok(Some(action)) => action,
            Ok(None) => return Vec::new(),
            Err(error) => {
                // As the app does: the hint goes to the buffer on screen.
                self.model.note(&error.to_string(), LineKind::Error);
                return Vec::new();
            }
        };
        let outgoing = self.model.prepare(action);
        // Like the app's session: a quit says QUIT itself and closes.
        if let Some(reason) = outgoing.quit {
            return vec![Control::Quit(reason)];
        }
        outgoing.messages.into_iter().map(Control::Send).collect()
    }

    /// Prints the link state if it changed and every line not yet printed.
    fn print_new(&mut self) {
        if self.link.as_ref() != Some(&self.model.link) {
            println!("link: {:?}", self.model.link);
            self.link = Some(self.model.link.clone());
        }
        self.shown.resize(self.model.buffers.len(), 0);
        for (buffer, shown) in self.model.buffers.iter().zip(&mut self.shown) {
            for line in buffer.lines.iter().skip(*shown) {
                println!("[{}] {}", buffer.name, render(line));
            }
            *shown = buffer.lines.len();
        }
    }
}

/// One line as the chat view shows it, with the kind of system lines.
fn render(line: &Line) -> String {
    let sender = line.sender.as_deref().unwrap_or("");
    match line.kind {
        LineKind::Message => format!("<{sender}> {}", line.text),
        LineKind::Action => format!("* {sender} {}", line.text),
        LineKind::Notice => format!("-{sender}- {}", line.text),
        kind => format!("({kind:?}) {}", line.text),
    }
}
