//! One chat session: the connection task, the model built from its
//! updates, and reconnecting with backoff when the link drops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ciao_client::connection::Handle;
use ciao_client::model::{LinkState, Outgoing};
use ciao_client::{Backoff, Control, Model, Settings, Update, connect};
use tokio::sync::mpsc::UnboundedReceiver;

/// Wakes the UI when something arrives (a repaint, and in tests a signal).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

pub struct Session {
    pub settings: Settings,
    pub model: Model,
    handle: Handle,
    updates: UnboundedReceiver<Update>,
    runtime: tokio::runtime::Handle,
    waker: Waker,
    backoff: Backoff,
    /// When to try again after the link dropped (None: not scheduled).
    pub retry_at: Option<Instant>,
    /// True once the user chose to leave: no reconnecting.
    pub leaving: bool,
    /// True once the connection got past opening the socket.
    pub ever_connected: bool,
    /// Channels we were in when the link dropped, joined again on return.
    rejoin: Vec<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("settings", &self.settings)
            .field("link", &self.model.link)
            .field("retry_at", &self.retry_at)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn start(runtime: &tokio::runtime::Handle, settings: Settings, waker: Waker) -> Self {
        let (handle, updates) = connect(runtime, settings.clone(), waker.clone());
        Session {
            model: Model::new(&settings.nick),
            settings,
            handle,
            updates,
            runtime: runtime.clone(),
            waker,
            backoff: Backoff::default(),
            retry_at: None,
            leaving: false,
            ever_connected: false,
            rejoin: Vec::new(),
        }
    }

    /// Applies every update that arrived; returns them for the caller to
    /// react to (connected, failed).
    pub fn poll(&mut self) -> Vec<Update> {
        let mut seen = Vec::new();
        while let Ok(update) = self.updates.try_recv() {
            match &update {
                Update::Connected => {
                    self.ever_connected = true;
                    self.backoff.reset();
                    self.retry_at = None;
                }
                Update::Disconnected(_) | Update::ConnectFailed(_)
                    if self.ever_connected && !self.leaving =>
                {
                    let delay = self.backoff.next_delay();
                    self.retry_at = Some(Instant::now() + delay);
                    let joined = self.model.buffers.iter().filter(|b| b.joined);
                    let channels: Vec<String> = joined.map(|b| b.name.clone()).collect();
                    if !channels.is_empty() {
                        self.rejoin = channels;
                    }
                }
                Update::Message(message) if message.command == "001" && !self.rejoin.is_empty() => {
                    let channels = std::mem::take(&mut self.rejoin).join(",");
                    self.handle
                        .send(Control::Send(ciao_proto::Message::new("JOIN", [channels])));
                }
                _ => {}
            }
            self.model.apply(&update);
            seen.push(update);
        }
        self.reconnect_if_due();
        seen
    }

    /// Seconds until the next automatic reconnect, if one is scheduled.
    pub fn retry_in(&self) -> Option<Duration> {
        self.retry_at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    fn reconnect_if_due(&mut self) {
        if self.retry_at.is_some_and(|at| Instant::now() >= at) {
            self.reconnect_now();
        }
    }

    /// Opens a new connection with the same settings, keeping the buffers.
    pub fn reconnect_now(&mut self) {
        self.retry_at = None;
        self.leaving = false;
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
        self.leaving = true;
        self.retry_at = None;
        self.handle.send(Control::Quit(reason));
    }

    pub fn is_connected(&self) -> bool {
        matches!(
            self.model.link,
            LinkState::Connected | LinkState::Registered
        )
    }
}
