//! The handle every connection shares: the state behind its one lock.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::Config;
use crate::state::State;

#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    pub config: Arc<Config>,
}

impl Hub {
    pub fn new(config: Config) -> Self {
        let config = Arc::new(config);
        Hub {
            state: Mutex::new(State::new(config.clone())),
            config,
        }
    }

    /// Locks the state. Never held across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-command may have left one client
        // half-updated, but refusing every other client forever would be
        // worse: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
