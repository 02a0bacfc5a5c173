//! The application: which screen is shown, one session per connected
//! server, the saved server list, the hosted server, and what is
//! remembered between runs.

use std::path::PathBuf;
use std::sync::Arc;

use ciao_client::Settings;
use ciao_client::connection::Untrusted;
use ciao_client::model::LinkState;
use eframe::egui;

use crate::chat::{self, ChatInput};
use crate::connect_screen::{self, Form};
use crate::host::{HostedServer, default_data_dir};
use crate::servers::{SERVERS_KEY, ServerEntry, ServerList, parse_channels};
use crate::session::{Outcome, Session, Waker};
use crate::trust_prompt::{self, TrustPrompt};
use crate::view_settings::{VIEW_KEY, ViewSettings};

// The form's fields and its two ways in are the form's; they stay
// reachable here, where they were.
pub use crate::connect_screen::{Intent, Prefs};

/// Key of the connect form in eframe's storage.
pub const PREFS_KEY: &str = "ciao-connect-form";

/// Name of the hosted server's session in the conversation list.
pub const HOSTED_NAME: &str = "Hosted here";

pub struct CiaoApp {
    pub runtime: tokio::runtime::Handle,
    pub prefs: Prefs,
    /// Typed each time unless a saved server remembers it.
    pub password: String,
    /// The account's password, likewise.
    pub account_password: String,
    /// A connection waiting for the user to trust a certificate.
    pub trust_prompt: Option<TrustPrompt>,
    /// The inline error under the form.
    pub form_error: Option<String>,
    /// One per server connected or connecting, in the order opened.
    pub(crate) sessions: Vec<Session>,
    /// Index in `sessions` of the server whose conversation is shown.
    pub(crate) active: usize,
    /// The saved servers.
    pub servers: ServerList,
    /// The form is shown over the chat ("Add server").
    pub adding_server: bool,
    /// The settings window is open.
    pub settings_open: bool,
    pub host: Option<HostedServer>,
    /// Where a hosted server keeps its history (None: it keeps none).
    pub data_dir: Option<PathBuf>,
    pub input: ChatInput,
    /// Look and behaviour chosen in the settings.
    pub view: ViewSettings,
    /// What was last applied to the window, to apply changes once.
    applied_view: Option<ViewSettings>,
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
            .field("sessions", &self.sessions)
            .field("active", &self.active)
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
            account_password: String::new(),
            trust_prompt: None,
            form_error: None,
            sessions: Vec::new(),
            active: 0,
            servers: ServerList::default(),
            adding_server: false,
            settings_open: false,
            host: None,
            data_dir: default_data_dir(),
            input: ChatInput::default(),
            view: ViewSettings::default(),
            applied_view: None,
            closing: false,
            close_now: false,
            close_sent: false,
            waker: wake,
        }
    }

    /// Takes back what [`eframe::App::save`] stored: the form, the server
    /// list and the settings.
    pub fn restore(&mut self, storage: &dyn eframe::Storage) {
        if let Some(prefs) = eframe::get_value(storage, PREFS_KEY) {
            self.prefs = prefs;
        }
        if let Some(servers) = eframe::get_value(storage, SERVERS_KEY) {
            self.servers = servers;
        }
        if let Some(view) = eframe::get_value(storage, VIEW_KEY) {
            self.view = view;
        }
    }

    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    /// The session of the conversation on screen.
    pub fn active_session(&self) -> Option<&Session> {
        self.sessions.get(self.active)
    }

    pub fn active_session_mut(&mut self) -> Option<&mut Session> {
        self.sessions.get_mut(self.active)
    }

    pub fn session_named(&self, name: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.name == name)
    }

    /// Saved servers with no session now.
    pub fn idle_servers(&self) -> Vec<String> {
        let entries = self.servers.entries.iter();
        let idle = entries.filter(|e| self.session_named(&e.name).is_none());
        idle.map(|e| e.name.clone()).collect()
    }

    /// Shows buffer `buffer` of session `session`.
    pub fn select(&mut self, session: usize, buffer: usize) {
        if let Some(chosen) = self.sessions.get_mut(session) {
            chosen.model.set_active(buffer);
            self.active = session;
        }
    }

    /// The chat view is shown: some server let us in, and the user is not
    /// adding another.
    pub fn in_chat(&self) -> bool {
        !self.adding_server && self.sessions.iter().any(|s| s.ever_registered)
    }

    /// A connection from the form is under way.
    pub fn is_connecting(&self) -> bool {
        self.sessions.iter().any(|s| !s.ever_registered)
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
        if self.prefs.tls {
            let ca_file = self.prefs.ca_file.trim();
            settings.tls = Some(ciao_client::connection::Tls {
                ca_file: (!ca_file.is_empty()).then(|| ca_file.into()),
                pinned: None,
            });
        }
        let account = self.prefs.account.trim();
        if !account.is_empty() {
            if self.account_password.is_empty() {
                return Err(format!("Enter the password of the account {account}."));
            }
            settings.login = Some(ciao_client::connection::Account {
                name: account.to_owned(),
                password: self.account_password.clone(),
            });
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
        let channels = parse_channels(&self.prefs.channels);
        if intent == Intent::CreateAccount {
            if self.account_password.is_empty() {
                self.form_error = Some(
                    "Choose a password for the new account (the account is named after your nickname)."
                        .to_owned(),
                );
                return;
            }
            settings.login = Some(ciao_client::connection::Account {
                name: settings.nick.clone(),
                password: self.account_password.clone(),
            });
            settings.create_account = true;
        }
        if intent == Intent::Host {
            // The hosted server is on this computer: no TLS needed.
            settings.tls = None;
            if self.host.is_some() {
                self.form_error = Some("This app already hosts a chat.".to_owned());
                return;
            }
            let data_dir = self.data_dir.clone();
            match HostedServer::start(&self.runtime, settings.port, self.prefs.reach, data_dir) {
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
            let mut session = self.start_session(HOSTED_NAME, settings, channels);
            session.hosted = true;
            self.sessions.push(session);
            return;
        }
        let name = match self.prefs.name.trim() {
            "" => ServerEntry::default_name(&settings.host, settings.port),
            name => name.to_owned(),
        };
        let remember = self.prefs.remember_password;
        let saved = self.servers.get(&name);
        // A fingerprint accepted for this very address stays accepted.
        let fingerprint = saved
            .filter(|e| e.host == settings.host && e.port == settings.port)
            .and_then(|e| e.fingerprint.clone());
        let entry = ServerEntry {
            name: name.clone(),
            host: settings.host.clone(),
            port: settings.port,
            nick: settings.nick.clone(),
            password: settings.password.clone().filter(|_| remember),
            channels: channels.clone(),
            ignored: saved.map(|e| e.ignored.clone()).unwrap_or_default(),
            tls: settings.tls.is_some(),
            ca_file: settings.tls.as_ref().and_then(|t| t.ca_file.clone()),
            fingerprint,
            // A new account is the entry's once REGISTER succeeds.
            account: settings
                .login
                .as_ref()
                .filter(|_| !settings.create_account)
                .map(|l| l.name.clone()),
            account_password: settings
                .login
                .as_ref()
                .filter(|_| remember && !settings.create_account)
                .map(|l| l.password.clone()),
        };
        // The pinned fingerprint goes with the settings too.
        let settings = Settings {
            tls: entry.settings(None).tls,
            ..settings
        };
        self.open(entry, settings, channels);
    }

    /// Connects to a saved server.
    pub fn connect_saved(&mut self, name: &str) {
        let Some(entry) = self.servers.get(name).cloned() else {
            return;
        };
        let typed = (!self.account_password.is_empty()).then_some(self.account_password.as_str());
        let settings = entry.settings(typed);
        let channels = entry.channels.clone();
        self.open(entry, settings, channels);
    }

    fn open(&mut self, entry: ServerEntry, settings: Settings, channels: Vec<String>) {
        if let Some(index) = self.sessions.iter().position(|s| s.name == entry.name) {
            if self.sessions[index].ever_registered {
                // Already there: show it rather than connect twice.
                self.active = index;
                self.adding_server = false;
            } else {
                self.form_error = Some(format!("Already connecting to {}.", entry.name));
            }
            return;
        }
        let mut session = self.start_session(&entry.name, settings, channels);
        session.model.set_ignored(entry.ignored.clone());
        session.entry = Some(entry);
        self.sessions.push(session);
    }

    fn start_session(&self, name: &str, settings: Settings, channels: Vec<String>) -> Session {
        Session::start(&self.runtime, name, settings, channels, self.waker.clone())
    }

    /// Takes in what the network sent since the last frame.
    pub fn poll(&mut self) {
        let mut refused = Vec::new();
        let mut untrusted_at = Vec::new();
        for index in 0..self.sessions.len() {
            for outcome in self.sessions[index].poll() {
                match outcome {
                    Outcome::Registered => {
                        self.active = index;
                        self.adding_server = false;
                        self.form_error = None;
                        if let Some(entry) = self.sessions[index].saved_entry() {
                            self.servers.upsert(entry);
                        }
                    }
                    Outcome::Refused(reason) => refused.push((index, reason)),
                    Outcome::Untrusted(untrusted) => untrusted_at.push((index, untrusted)),
                    Outcome::AccountCreated(account) => {
                        let remember = self.prefs.remember_password;
                        let session = &mut self.sessions[index];
                        let password = session.settings.login.as_ref().map(|l| l.password.clone());
                        if let Some(entry) = &mut session.entry {
                            entry.account = Some(account);
                            entry.account_password = password.filter(|_| remember);
                        }
                        if let Some(entry) = session.saved_entry() {
                            self.servers.upsert(entry);
                        }
                    }
                }
            }
        }
        // A certificate to ask about, or a changed one: back to the form,
        // with the question or the hard error.
        for (index, untrusted) in untrusted_at.into_iter().rev() {
            let session = self.remove_session(index);
            self.fill_form(&session);
            self.adding_server = self.sessions.iter().any(|s| s.ever_registered);
            let address = session.settings.address();
            let channels = session.autojoin_channels().to_vec();
            match (untrusted, session.entry) {
                (
                    Untrusted::Unknown {
                        fingerprint,
                        reason,
                    },
                    Some(entry),
                ) => {
                    self.trust_prompt = Some(TrustPrompt {
                        entry,
                        settings: session.settings,
                        channels,
                        fingerprint,
                        reason,
                    });
                }
                (untrusted, _) => self.form_error = Some(untrusted.sentence(&address)),
            }
        }
        // Back to the form, filled, with the server's reason; nothing is
        // retried, as it would only be refused again.
        for (index, reason) in refused.into_iter().rev() {
            let session = self.remove_session(index);
            self.fill_form(&session);
            self.form_error = Some(reason);
            self.adding_server = self.sessions.iter().any(|s| s.ever_registered);
        }
        let all_down = self
            .sessions
            .iter()
            .all(|s| matches!(s.model.link, LinkState::Disconnected(_)));
        if self.closing && all_down {
            self.close_now = true;
        }
    }

    /// Takes session `index` out, stopping the hosted server with its own
    /// session, and keeps `active` on a session that is still there.
    fn remove_session(&mut self, index: usize) -> Session {
        let session = self.sessions.remove(index);
        if session.hosted
            && let Some(mut host) = self.host.take()
        {
            host.stop();
            host.wait(&self.runtime);
        }
        if self.active > index || self.active >= self.sessions.len() {
            self.active = self.active.saturating_sub(1);
        }
        session
    }

    fn fill_form(&mut self, session: &Session) {
        self.prefs.host = session.settings.host.clone();
        self.prefs.port = session.settings.port.to_string();
        self.prefs.nick = session.model.own_nick.clone();
        if !session.hosted {
            self.prefs.name = session.name.clone();
        }
        if let Some(entry) = &session.entry {
            self.prefs.channels = entry.channels.join(", ");
        }
    }

    /// Leaves server `index`: QUIT, and its conversations go. With no
    /// other server left, the form comes back, filled for this one.
    pub fn disconnect(&mut self, index: usize) {
        if index >= self.sessions.len() {
            return;
        }
        self.sessions[index].quit(None);
        let session = self.remove_session(index);
        if !self.sessions.iter().any(|s| s.ever_registered) {
            self.fill_form(&session);
            self.adding_server = false;
        }
    }

    /// Leaves the chat: QUIT everywhere, then close once the servers let
    /// us go.
    pub fn leave(&mut self, reason: Option<String>) {
        self.closing = true;
        let mut waiting = false;
        for session in &mut self.sessions {
            if matches!(session.model.link, LinkState::Disconnected(_)) {
                // Down and waiting to retry: it must not come back while
                // the others say goodbye, or the window never closes.
                session.stop_retrying();
            } else {
                session.quit(reason.clone());
                waiting = true;
            }
        }
        if !waiting {
            self.close_now = true;
        }
    }

    /// Stops the hosted server, if any, and waits for its goodbyes.
    pub fn shutdown(&mut self) {
        if let Some(mut host) = self.host.take() {
            host.stop();
            host.wait(&self.runtime);
        }
    }

    /// Applies the theme and the font size when they changed.
    fn apply_view(&mut self, ctx: &egui::Context) {
        if self.applied_view.as_ref() == Some(&self.view) {
            return;
        }
        crate::view_settings::apply(&self.view, ctx);
        self.applied_view = Some(self.view.clone());
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
        self.apply_view(ui.ctx());
        // Only the server on screen reads its active conversation.
        let shown = self.in_chat().then_some(self.active);
        for (index, session) in self.sessions.iter_mut().enumerate() {
            let on_screen = shown == Some(index);
            if on_screen && !session.model.on_screen {
                // Coming on screen: what it shows is read now.
                let active = session.model.active;
                session.model.set_active(active);
            }
            session.model.on_screen = on_screen;
        }
        self.poll();
        let next_retry = self.sessions.iter().filter_map(|s| s.retry_in()).min();
        if let Some(retry) = next_retry {
            ui.ctx().request_repaint_after(retry);
        }
        let asked = if self.in_chat() {
            self.show_chat(ui)
        } else {
            self.show_form(ui)
        };
        if asked {
            // What was asked changes what the next frame shows.
            ui.ctx().request_repaint();
        }
        crate::settings_window::show(&mut self.settings_open, &mut self.view, ui.ctx());
        if self.close_now && !self.close_sent {
            self.close_sent = true;
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// Draws the chat and does what it asked; true if it asked anything.
    fn show_chat(&mut self, ui: &mut egui::Ui) -> bool {
        let idle = self.idle_servers();
        let shown = chat::Chat {
            sessions: &mut self.sessions,
            active: self.active,
            idle: &idle,
            input: &mut self.input,
            view: &self.view,
            host: self.host.as_ref(),
        };
        let events = chat::show(shown, ui);
        let asked = !events.is_empty();
        for event in events {
            self.on_chat(event);
        }
        asked
    }

    fn on_chat(&mut self, event: chat::Event) {
        match event {
            chat::Event::Leave(reason) => self.leave(reason),
            chat::Event::AddServer => self.adding_server = true,
            chat::Event::OpenSettings => self.settings_open = true,
            chat::Event::Disconnect(index) => self.disconnect(index),
            chat::Event::Select { session, buffer } => self.select(session, buffer),
            chat::Event::ConnectSaved(name) => self.connect_saved(&name),
        }
    }

    /// The user's answer to the trust prompt: trusting keeps the
    /// fingerprint with the saved server at once (it is the user's
    /// decision about that server, whatever the login does next) and
    /// connects again, checking it.
    fn answer_trust(&mut self, answer: trust_prompt::Answer) {
        let Some(prompt) = self.trust_prompt.take() else {
            return;
        };
        if answer == trust_prompt::Answer::Cancel {
            return;
        }
        let TrustPrompt {
            mut entry,
            mut settings,
            channels,
            fingerprint,
            ..
        } = prompt;
        entry.fingerprint = Some(fingerprint.to_string());
        if let Some(tls) = &mut settings.tls {
            tls.pinned = Some(fingerprint);
        }
        match self.servers.get(&entry.name) {
            Some(saved) => {
                let mut saved = saved.clone();
                saved.fingerprint = entry.fingerprint.clone();
                self.servers.upsert(saved);
            }
            None => self.servers.upsert(entry.clone()),
        }
        self.open(entry, settings, channels);
    }

    /// Draws the connect form and does what it asked; true if it asked
    /// anything.
    fn show_form(&mut self, ui: &mut egui::Ui) -> bool {
        if let Some(prompt) = &self.trust_prompt {
            if let Some(answer) = trust_prompt::show(prompt, ui.ctx()) {
                self.answer_trust(answer);
                return true;
            }
        }
        let connecting = self.is_connecting();
        let sessions = &self.sessions;
        let form = Form {
            prefs: &mut self.prefs,
            password: &mut self.password,
            account_password: &mut self.account_password,
            error: self.form_error.as_deref(),
            idle: self
                .servers
                .entries
                .iter()
                .filter(|e| !sessions.iter().any(|s| s.name == e.name))
                .collect(),
            in_chat_behind: sessions.iter().any(|s| s.ever_registered),
            connecting: connecting || self.trust_prompt.is_some(),
            hosting: self.host.is_some(),
        };
        let events = connect_screen::show(form, ui);
        let asked = !events.is_empty();
        for event in events {
            self.on_form(event);
        }
        asked
    }

    fn on_form(&mut self, event: connect_screen::Event) {
        match event {
            connect_screen::Event::Submit(intent) => self.submit(intent),
            connect_screen::Event::ConnectSaved(name) => {
                self.form_error = None;
                self.connect_saved(&name);
            }
            connect_screen::Event::ForgetSaved(name) => self.servers.remove(&name),
            connect_screen::Event::OpenSettings => self.settings_open = true,
            connect_screen::Event::BackToChat => {
                self.adding_server = false;
                self.form_error = None;
            }
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
        // The ignore lists live in the models while connected.
        for entry in self.sessions.iter().filter_map(Session::saved_entry) {
            if self.servers.get(&entry.name).is_some() {
                self.servers.upsert(entry);
            }
        }
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
        // The list may hold passwords: readable by the user only.
        if let Some(path) = crate::servers::storage_file()
            && let Err(error) = crate::servers::protect_storage(&path)
        {
            tracing::warn!(path = %path.display(), %error, "cannot make the saved servers private");
        }
        eframe::set_value(storage, SERVERS_KEY, &self.servers);
        eframe::set_value(storage, VIEW_KEY, &self.view);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}
