//! The handle every connection shares: the state behind its one lock.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::Semaphore;

use crate::config::Config;
use crate::history::{HistoryConfig, HistoryError};
use crate::state::State;
use crate::state::publisher::Released;
use crate::state::release::LocalLog;

#[derive(Debug)]
pub(crate) struct Hub {
    state: Arc<Mutex<State>>,
    pub(crate) config: Arc<Config>,
    /// How far the releases have got: connections wait on it without
    /// taking the lock.
    pub(crate) released: Arc<Released>,
    /// Slow checks (password hashes) running at once, for all clients: a
    /// flood of logins queues here instead of taking every core (or,
    /// argon2 needing 19 MiB each, the memory).
    pub(crate) checks: Arc<Semaphore>,
}

impl Hub {
    pub(crate) fn new(config: Config) -> Self {
        let config = Arc::new(config);
        Hub {
            state: Arc::new(Mutex::new(State::new(config.clone()))),
            config,
            released: Arc::new(Released::default()),
            checks: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
        }
    }

    /// Locks the state. Never held across an `.await`.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-command may have left one client
        // half-updated, but refusing every other client forever would be
        // worse: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens the history store and puts it behind the commit seam.
    pub(crate) fn start_history(&self, config: HistoryConfig) -> Result<(), HistoryError> {
        let state: Weak<Mutex<State>> = Arc::downgrade(&self.state);
        let (log, loaded) = LocalLog::start(config, state, self.released.clone())?;
        self.lock().install_log(Box::new(log), loaded);
        Ok(())
    }

    /// Stops the history once every entry already submitted is stored and
    /// released.
    pub(crate) async fn close_history(&self) {
        let log = self.lock().take_log();
        if let Some(log) = log {
            log.close().await;
        }
    }
}
