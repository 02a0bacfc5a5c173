//! One server's session: the connection task, the model built from its
//! updates, and reconnecting with backoff when a link that was up drops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ciao_client::connection::{Handle, Untrusted, taken_nick_note};
use ciao_client::model::{LinkState, Outgoing, Registration};
use ciao_client::{Backoff, Control, Model, Settings, Update, Updates, connect};
use ciao_proto::{Message, irc_eq};

use crate::servers::ServerEntry;

/// Wakes the UI when something arrives (a repaint, and in tests a signal).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Updates applied in one frame at most, and the time they may take: a
/// flood from the server is taken in over several frames, so the window
/// keeps answering.
pub const UPDATES_PER_FRAME: usize = 500;
pub const FRAME_BUDGET: Duration = Duration::from_millis(8);

/// What the app must react to after a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server let us in (001), for the first time in this session.
    Registered,
    /// The server turned us away (or could not be reached) before ever
    /// letting us in: the session is over, nothing is retried.
    Refused(String),
    /// The server's certificate is not trusted, before it ever let us
    /// in: the session is over; the app asks the user ([`Untrusted::
    /// Unknown`]) or shows the hard error ([`Untrusted::Changed`]).
    Untrusted(Untrusted),
    /// `REGISTER` created this account: the saved entry logs in to it.
    AccountCreated(String),
}

pub struct Session {
    /// The saved server this session belongs to (its name in the list).
    pub name: String,
    pub settings: Settings,
    pub model: Model,
    handle: Handle,
    updates: Updates,
    runtime: tokio::runtime::Handle,
    waker: Waker,
    backoff: Backoff,
    /// When to try again after the link dropped (None: not scheduled).
    pub retry_at: Option<Instant>,
    /// True once the user chose to leave: no reconnecting.
    pub leaving: bool,
    /// True once the server let us in at least once: only such a session
    /// reconnects by itself.
    pub ever_registered: bool,
    /// Channels we were in when the link dropped, joined again on return.
    rejoin: Vec<String>,
    /// Channels of the saved server, joined after the first 001.
    autojoin: Vec<String>,
    /// Something the user must see now (a taken nick), above the chat.
    pub notice: Option<String>,
    /// True for the session with the server this app hosts.
    pub hosted: bool,
    /// The saved-list entry this session was opened with; saved once the
    /// server lets us in (None for the hosted server).
    pub entry: Option<ServerEntry>,
    /// The nick the user chose (the form's, or the last `/nick` the server
    /// accepted): every reconnect asks for it again, even when the last
    /// registration settled for `dave_` because a ghost held `dave`.
    wanted_nick: String,
    /// The nick the last registration got, maybe an alternative.
    registered_as: String,
    /// The model's REGISTER outcome last seen, to react to a new one once.
    seen_registration: Option<Registration>,
}

/// The longest JOIN line the app sends when it joins several channels at
/// once, below the 512-byte limit with room for the server's prefix.
const JOIN_LINE_BYTES: usize = 400;

/// `JOIN` messages for `channels`, each within [`JOIN_LINE_BYTES`]: one
/// long line would be cut by the server, losing the last channels.
fn join_messages(channels: &[String]) -> Vec<Message> {
    let mut messages = Vec::new();
    let mut line = String::new();
    for channel in channels {
        if !line.is_empty() && line.len() + 1 + channel.len() > JOIN_LINE_BYTES {
            messages.push(Message::new("JOIN", [std::mem::take(&mut line)]));
        }
        if !line.is_empty() {
            line.push(',');
        }
        line.push_str(channel);
    }
    if !line.is_empty() {
        messages.push(Message::new("JOIN", [line]));
    }
    messages
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("link", &self.model.link)
            .field("retry_at", &self.retry_at)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn start(
        runtime: &tokio::runtime::Handle,
        name: &str,
        settings: Settings,
        autojoin: Vec<String>,
        waker: Waker,
    ) -> Self {
        let (handle, updates) = connect(runtime, settings.clone(), waker.clone());
        let nick = settings.nick.clone();
        Session {
            name: name.to_owned(),
            model: Model::new(&settings.nick),
            settings,
            handle,
            updates,
            runtime: runtime.clone(),
            waker,
            backoff: Backoff::default(),
            retry_at: None,
            leaving: false,
            ever_registered: false,
            rejoin: Vec::new(),
            autojoin,
            notice: None,
            hosted: false,
            entry: None,
            wanted_nick: nick.clone(),
            registered_as: nick,
            seen_registration: None,
        }
    }

    /// The saved entry of this server as it stands now: with the ignore
    /// list the user changed while connected.
    pub fn saved_entry(&self) -> Option<ServerEntry> {
        let mut entry = self.entry.clone()?;
        entry.ignored = self.model.ignored().to_vec();
        Some(entry)
    }

    /// Applies the updates that arrived, within this frame's budget (the
    /// UI is woken again for the rest); returns what the app must react to.
    pub fn poll(&mut self) -> Vec<Outcome> {
        let started = Instant::now();
        let mut outcomes = Vec::new();
        for applied in 0.. {
            if applied >= UPDATES_PER_FRAME || started.elapsed() >= FRAME_BUDGET {
                if !self.updates.is_empty() {
                    (self.waker)();
                }
                break;
            }
            let Ok(update) = self.updates.try_recv() else {
                break;
            };
            if let Some(outcome) = self.react(&update) {
                outcomes.push(outcome);
            }
            self.model.apply(&update);
        }
        if let Some(outcome) = self.registration_changed() {
            outcomes.push(outcome);
        }
        // What the model asks for itself (a WHO after joining).
        for message in self.model.take_requests() {
            self.handle.send(Control::Send(message));
        }
        self.reconnect_if_due();
        outcomes
    }

    /// A new answer to our REGISTER: said above the chat; a created
    /// account is logged in to from now on (reconnects included).
    fn registration_changed(&mut self) -> Option<Outcome> {
        if self.model.registration == self.seen_registration {
            return None;
        }
        self.seen_registration = self.model.registration.clone();
        match self.seen_registration.clone()? {
            Registration::Created { account, .. } => {
                self.notice = Some(format!(
                    "Account {account} created; you are logged in to it."
                ));
                // Reconnects log in instead of registering again.
                self.settings.create_account = false;
                if let Some(login) = &mut self.settings.login {
                    login.name = account.clone();
                }
                Some(Outcome::AccountCreated(account))
            }
            Registration::VerificationRequired { account, message } => {
                self.notice = Some(format!(
                    "Account {account} created; it must be verified: {message}"
                ));
                None
            }
            Registration::Failed { message, .. } => {
                self.notice = Some(format!("Could not create the account: {message}"));
                self.settings.create_account = false;
                self.settings.login = None;
                None
            }
        }
    }

    /// The session's own part of an update, before the model takes it.
    fn react(&mut self, update: &Update) -> Option<Outcome> {
        match update {
            Update::Registered { nick } => {
                self.backoff.registered(Instant::now());
                self.retry_at = None;
                let first = !self.ever_registered;
                self.ever_registered = true;
                self.notice = (!irc_eq(nick, &self.wanted_nick))
                    .then(|| taken_nick_note(&self.wanted_nick, nick));
                self.registered_as = nick.clone();
                let mut channels = std::mem::take(&mut self.rejoin);
                if first {
                    channels.extend(self.autojoin.iter().cloned());
                }
                for join in join_messages(&channels) {
                    self.handle.send(Control::Send(join));
                }
                first.then_some(Outcome::Registered)
            }
            Update::Refused(reason) | Update::ConnectFailed(reason) if !self.ever_registered => {
                Some(Outcome::Refused(reason.clone()))
            }
            Update::Untrusted(untrusted) if !self.ever_registered => {
                Some(Outcome::Untrusted(untrusted.clone()))
            }
            // The certificate changed (or is no longer trusted) between
            // two connections: never retried by itself.
            Update::Untrusted(untrusted) => {
                self.stop_retrying();
                self.notice = Some(untrusted.sentence(&self.settings.address()));
                None
            }
            Update::Refused(_) | Update::ConnectFailed(_) | Update::Disconnected(_)
                if !self.leaving =>
            {
                let delay = self.backoff.dropped(Instant::now());
                self.retry_at = Some(Instant::now() + delay);
                let joined = self.model.buffers.iter().filter(|b| b.joined);
                let channels: Vec<String> = joined.map(|b| b.name.clone()).collect();
                if !channels.is_empty() {
                    self.rejoin = channels;
                }
                None
            }
            _ => None,
        }
    }

    /// The channels joined after the first registration.
    pub fn autojoin_channels(&self) -> &[String] {
        &self.autojoin
    }

    /// Time until the next automatic reconnect, if one is scheduled.
    pub fn retry_in(&self) -> Option<Duration> {
        self.retry_at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Reconnect attempts since the link was last up for a while.
    pub fn attempts(&self) -> u32 {
        self.backoff.attempts()
    }

    fn reconnect_if_due(&mut self) {
        if self.retry_at.is_some_and(|at| Instant::now() >= at) {
            self.reconnect_now();
        }
    }

    /// Opens a new connection, keeping the buffers, as the nick we had
    /// (after `/nick davide`, as davide).
    pub fn reconnect_now(&mut self) {
        self.retry_at = None;
        self.leaving = false;
        // A nick changed since registration was the user's `/nick`.
        if !irc_eq(&self.model.own_nick, &self.registered_as) {
            self.wanted_nick = self.model.own_nick.clone();
        }
        self.settings.nick = self.wanted_nick.clone();
        // Until the server answers, our nick is the one we ask for: the
        // model's taken-nick note then names the same nick as the
        // session's notice.
        self.model.own_nick = self.wanted_nick.clone();
        let (handle, updates) = connect(&self.runtime, self.settings.clone(), self.waker.clone());
        self.handle = handle;
        self.updates = updates;
        self.model.link = LinkState::Connecting;
        self.model.echo_message = false;
    }

    /// Sends what an action produced; a quit stops reconnecting.
    pub fn send(&mut self, outgoing: Outgoing) {
        if let Some(reason) = outgoing.quit {
            self.quit(reason);
            return;
        }
        for message in outgoing.messages {
            self.handle.send(Control::Send(message));
        }
    }

    pub fn quit(&mut self, reason: Option<String>) {
        self.stop_retrying();
        self.handle.send(Control::Quit(reason));
    }

    /// No more automatic reconnects: the user is leaving.
    pub fn stop_retrying(&mut self) {
        self.leaving = true;
        self.retry_at = None;
    }

    pub fn is_connected(&self) -> bool {
        matches!(
            self.model.link,
            LinkState::Connected | LinkState::Registered
        )
    }

    /// The link's state in a few words, for the conversation list and the
    /// status bar: "connected", "reconnecting in 8 s (attempt 4)" …
    pub fn status(&self) -> String {
        match &self.model.link {
            LinkState::Registered => "connected".to_owned(),
            LinkState::Connecting | LinkState::Connected => "connecting…".to_owned(),
            LinkState::Disconnected(_) => match self.retry_in() {
                Some(wait) if !self.leaving => format!(
                    "reconnecting in {} s… (attempt {})",
                    wait.as_secs() + 1,
                    self.attempts()
                ),
                _ => "disconnected".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_channels_join_in_lines_that_fit() {
        let channels: Vec<String> = (0..40).map(|i| format!("#channel-number-{i:02}")).collect();
        let joins = join_messages(&channels);
        assert!(joins.len() >= 2);
        let mut all = Vec::new();
        for join in &joins {
            let list = join.param(0).expect("channels");
            assert!(list.len() <= JOIN_LINE_BYTES, "{}", list.len());
            all.extend(list.split(',').map(str::to_owned));
        }
        assert_eq!(all, channels);
        assert!(join_messages(&[]).is_empty());
    }
}
