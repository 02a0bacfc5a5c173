//! A client (the real connection task and a model fed by it) and the real
//! server on 127.0.0.1:0, for the tests that talk over sockets.

#![allow(dead_code)] // each test file uses its own part

use std::sync::Arc;
use std::time::Duration;

use ciao_client::connection::Handle;
use ciao_client::{Control, Model, Settings, connect};
use ciao_proto::Message;
use tokio::sync::oneshot;

/// How long a test waits for what it expects before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A client: its connection and the model built from its updates.
pub struct Client {
    pub handle: Handle,
    pub updates: ciao_client::Updates,
    pub model: Model,
}

impl Client {
    pub fn start(port: u16, nick: &str) -> Self {
        let (handle, updates) = open(port, nick);
        Client {
            handle,
            updates,
            model: Model::new(nick),
        }
    }

    /// Connects again (to `port`), keeping the model: what the app does
    /// after a lost link.
    pub fn reconnect(&mut self, port: u16) {
        let (handle, updates) = open(port, &self.model.own_nick);
        self.handle = handle;
        self.updates = updates;
    }

    /// Applies updates until `done` holds (bounded by [`PATIENCE`]),
    /// sending what the model asks for itself, as the app does.
    pub async fn until(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        let wait = async {
            while !done(&self.model) {
                match self.updates.recv().await {
                    Some(update) => self.model.apply(&update),
                    None => panic!("connection ended while waiting for {what}"),
                }
                for request in self.model.take_requests() {
                    self.send(request);
                }
            }
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .unwrap_or_else(|_| panic!("{}: timed out waiting for {what}", self.model.own_nick));
    }

    pub fn send(&self, message: Message) {
        assert!(self.handle.send(Control::Send(message)), "connection open");
    }
}

fn open(port: u16, nick: &str) -> (Handle, ciao_client::Updates) {
    let runtime = tokio::runtime::Handle::current();
    connect(
        &runtime,
        Settings::new("127.0.0.1", port, nick),
        Arc::new(|| {}),
    )
}

/// The real ciao-server, running until dropped (or stopped).
pub struct Server {
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start() -> Self {
        let listener = ciao_server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let run =
                ciao_server::run(ciao_server::Config::default(), vec![listener], async move {
                    let _ = stopped.await;
                });
            run.await.expect("server ran");
        });
        Server {
            port,
            stop: Some(stop),
            task,
        }
    }

    /// Shuts the server down and waits until it is gone.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("server stops")
            .expect("server task");
    }
}
