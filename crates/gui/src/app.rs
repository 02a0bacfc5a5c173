//! The application: which screen is shown, the session, the hosted
//! server, and the preferences remembered between runs.

use std::sync::Arc;

use ciao_client::Settings;
use ciao_client::Update;
use ciao_client::model::LinkState;
use eframe::egui;
use serde::{Deserialize, Serialize};

use crate::chat::ChatInput;
use crate::host::HostedServer;
use crate::session::{Session, Waker};
use crate::view_settings::ViewSettings;

/// Key of the preferences in eframe's storage.
pub const PREFS_KEY: &str = "ciao-connect-form";

/// The connect form's fields, remembered between runs (not the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    pub host: String,
    pub port: String,
    pub nick: String,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            host: "127.0.0.1".to_owned(),
            port: "6667".to_owned(),
            nick: String::new(),
        }
    }
}

/// What the form asked for, once validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Join,
    Host,
}

pub struct CiaoApp {
    pub runtime: tokio::runtime::Handle,
    pub prefs: Prefs,
    /// Typed each time; never stored.
    pub password: String,
    /// The inline error under the form.
    pub form_error: Option<String>,
    pub session: Option<Session>,
    /// True once the session got in: the chat view is shown.
    pub in_chat: bool,
    pub host: Option<HostedServer>,
    pub input: ChatInput,
    /// Look and behaviour chosen in the settings.
    pub view: ViewSettings,
    /// Set after /quit, {quit} or a close request: close once the QUIT
    /// has been said.
    pub closing: bool,
    /// Set when the window may now close.
    pub close_now: bool,
    /// The window was told to close (once is enough).
    close_sent: bool,
    waker: Waker,
}

impl std::fmt::Debug for CiaoApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CiaoApp")
            .field("prefs", &self.prefs)
            .field("session", &self.session)
            .field("in_chat", &self.in_chat)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl CiaoApp {
    /// `wake` is called from the network side when something arrives.
    pub fn new(runtime: tokio::runtime::Handle, prefs: Prefs, wake: Waker) -> Self {
        CiaoApp {
            runtime,
            prefs,
            password: String::new(),
            form_error: None,
            session: None,
            in_chat: false,
            host: None,
            input: ChatInput::default(),
            view: ViewSettings::default(),
            closing: false,
            close_now: false,
            close_sent: false,
            waker: wake,
        }
    }

    /// Checks the form; the error is a sentence for the user.
    pub fn validate(&self) -> Result<Settings, String> {
        let host = self.prefs.host.trim();
        if host.is_empty() {
            return Err("Enter the server's address.".to_owned());
        }
        let port = match self.prefs.port.trim().parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return Err("The port must be a number from 1 to 65535.".to_owned()),
        };
        let nick = self.prefs.nick.trim();
        if let Err(why) = ciao_proto::names::check_nick(nick) {
            return Err(format!("Nickname: {why}."));
        }
        let mut settings = Settings::new(host, port, nick);
        if !self.password.is_empty() {
            settings.password = Some(self.password.clone());
        }
        Ok(settings)
    }

    /// Connects (or hosts, then connects) with the form's values.
    pub fn submit(&mut self, intent: Intent) {
        self.form_error = None;
        let mut settings = match self.validate() {
            Ok(settings) => settings,
            Err(error) => {
                self.form_error = Some(error);
                return;
            }
        };
        if intent == Intent::Host {
            match HostedServer::start(&self.runtime, settings.port) {
                Ok(server) => {
                    settings.host = "127.0.0.1".to_owned();
                    settings.port = server.port;
                    self.host = Some(server);
                }
                Err(error) => {
                    self.form_error = Some(error);
                    return;
                }
            }
        }
        self.session = Some(Session::start(&self.runtime, settings, self.waker.clone()));
    }

    pub fn is_connecting(&self) -> bool {
        self.session.is_some() && !self.in_chat
    }

    /// Takes in what the network sent since the last frame.
    pub fn poll(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        for update in session.poll() {
            match update {
                Update::Connected => self.in_chat = true,
                Update::ConnectFailed(reason) if !session.ever_connected => {
                    // Back to the form, still filled, with the reason.
                    self.form_error = Some(reason);
                    self.session = None;
                    if let Some(mut host) = self.host.take() {
                        host.stop();
                    }
                    return;
                }
                _ => {}
            }
        }
        if self.closing && matches!(session.model.link, LinkState::Disconnected(_)) {
            self.close_now = true;
        }
    }

    /// Leaves the chat: QUIT, then close once the server let us go.
    pub fn leave(&mut self, reason: Option<String>) {
        self.closing = true;
        match &mut self.session {
            Some(session) if !matches!(session.model.link, LinkState::Disconnected(_)) => {
                session.quit(reason);
            }
            _ => self.close_now = true,
        }
    }

    /// Stops the hosted server, if any, and waits for its goodbyes.
    pub fn shutdown(&mut self) {
        if let Some(mut host) = self.host.take() {
            host.stop();
            host.wait(&self.runtime);
        }
    }

    /// Draws the whole window. A close request (the window's X, Ctrl+C)
    /// is held until QUIT has been said.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let close_requested = ui.ctx().input(|i| i.viewport().close_requested());
        if close_requested && !self.close_now {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::CancelClose);
            if !self.closing {
                self.leave(None);
            }
        }
        self.poll();
        if let Some(retry) = self.session.as_ref().and_then(|s| s.retry_in()) {
            ui.ctx().request_repaint_after(retry);
        }
        if self.in_chat {
            crate::chat::show(self, ui);
        } else {
            crate::connect_screen::show(self, ui);
        }
        if self.close_now && !self.close_sent {
            self.close_sent = true;
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

/// A waker that repaints `ctx`.
pub fn repaint_waker(ctx: &egui::Context) -> Waker {
    let ctx = ctx.clone();
    Arc::new(move || ctx.request_repaint())
}

impl eframe::App for CiaoApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}
