//! The handle every connection shares: the state behind its one lock.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::config::Config;
use crate::history::{History, HistoryConfig, Released};
use crate::state::State;

#[derive(Debug)]
pub struct Hub {
    state: Arc<Mutex<State>>,
    pub config: Arc<Config>,
    /// How far the history writer has got: connections wait on it without
    /// taking the lock.
    pub released: Arc<Released>,
}

impl Hub {
    pub fn new(config: Config) -> Self {
        let config = Arc::new(config);
        Hub {
            state: Arc::new(Mutex::new(State::new(config.clone()))),
            config,
            released: Arc::new(Released::default()),
        }
    }

    /// Locks the state. Never held across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-command may have left one client
        // half-updated, but refusing every other client forever would be
        // worse: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens the history store and starts its writer.
    pub fn start_history(&self, config: HistoryConfig) -> Result<(), crate::history::HistoryError> {
        let state: Weak<Mutex<State>> = Arc::downgrade(&self.state);
        let (history, markers) = History::start(config, state, self.released.clone())?;
        let mut state = self.lock();
        state.history = Some(history);
        state.read_markers.load(markers);
        Ok(())
    }

    /// Stops the history once every job already submitted is stored and
    /// released.
    pub async fn close_history(&self) {
        let history = self.lock().history.take();
        if let Some(history) = history {
            history.close().await;
        }
    }
}
