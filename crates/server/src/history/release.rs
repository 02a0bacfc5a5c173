//! The releaser: a task on the server's runtime that runs committed jobs'
//! releases (their fan-out), in commit order, under one hub lock per
//! batch. On a runtime worker, the recipients it wakes are scheduled
//! locally, which costs far less than waking them from another thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::mpsc::UnboundedReceiver;

use super::health::Transition;
use super::{Job, Release, Released, Stored};
use crate::state::State;
use crate::state::client::Protocol;

/// A batch of jobs the writer is done with, with each one's horizon.
#[derive(Debug)]
pub struct Committed {
    /// The jobs, in submission order.
    pub jobs: Vec<Job>,
    /// Each job's horizon (see `Stored::horizon`).
    pub horizons: Vec<i64>,
    /// Whether the batch's transaction committed: releases of messages
    /// that were not stored refuse them instead of delivering them.
    pub committed: bool,
    /// The store started failing or recovered with this batch: the
    /// operators online are told.
    pub transition: Option<Transition>,
}

/// Releases batches until the writer is gone.
pub async fn run(
    mut batches: UnboundedReceiver<Committed>,
    state: Weak<Mutex<State>>,
    released: Arc<Released>,
) {
    let mut ticket = 0;
    while let Some(batch) = batches.recv().await {
        let count = batch.jobs.len() as u64;
        if let Some(state) = state.upgrade() {
            crate::link::wakes::batched(|| release(&state, batch, &mut ticket));
        } else {
            ticket += count;
        }
        released.advance(count);
    }
}

/// Runs one committed batch's releases under one hub lock; the
/// recipients are woken once, when the lock is released.
fn release(state: &Mutex<State>, batch: Committed, ticket: &mut u64) {
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(transition) = &batch.transition {
        tell_operators(&state, transition);
    }
    for (job, horizon) in batch.jobs.into_iter().zip(batch.horizons) {
        *ticket += 1;
        let stored = Stored {
            ticket: *ticket,
            horizon,
            committed: batch.committed,
        };
        // The writer has made every read already.
        let Release::Deliver(release) = job.release else {
            tracing::error!(ticket = *ticket, "history: a read reached the releaser");
            continue;
        };
        // A bug in one release must not stop every later message (and
        // every client waiting on one).
        state.set_releasing(Some(*ticket));
        let state_ref = &mut *state;
        if catch_unwind(AssertUnwindSafe(move || release(state_ref, Some(stored)))).is_err() {
            tracing::error!(ticket = *ticket, "history: a release panicked");
        }
        state.set_releasing(None);
    }
}

/// A server NOTICE to every IRC operator online.
fn tell_operators(state: &State, transition: &Transition) {
    let text = match transition {
        Transition::Failing(error) => format!(
            "*** History store failing ({error}): messages are refused until it can store them again"
        ),
        Transition::Recovered => {
            "*** History store recovered: messages are stored and delivered again".to_owned()
        }
    };
    for client in state.clients.values() {
        if client.oper && client.protocol == Protocol::Irc {
            let notice = state.server_message("NOTICE", [client.nick.as_str(), text.as_str()]);
            state.deliver_aside(client, notice.to_bytes());
        }
    }
}
