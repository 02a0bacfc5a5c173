//! Metering and charging: the work a command does under the hub lock is
//! counted as it is done (see [`cost`](crate::link::cost)) and charged,
//! with its line of flood control, to its sender.

use std::time::Duration;

use crate::link::cost::AddressBudgets;
use crate::state::State;
use crate::state::client::ClientId;

#[derive(Debug)]
pub(crate) struct Meter {
    /// Work units spent by the command being metered. A fan-out counts
    /// its deliveries here while it reads the clients from the registry:
    /// the meter is a field of its own, borrowed mutably beside them (see
    /// `Sink` in `delivery.rs`).
    work: u64,
    /// True while a metered command runs.
    metering: bool,
    /// The work budgets of the addresses clients connect from.
    budgets: AddressBudgets,
    /// Server start in Unix milliseconds: flood control's clock counts
    /// from it.
    started_at_millis: u64,
}

impl Meter {
    pub(super) fn new(started_at_millis: u64) -> Self {
        Meter {
            work: 0,
            metering: false,
            budgets: AddressBudgets::default(),
            started_at_millis,
        }
    }

    /// Counts `units` of work against the command being metered.
    pub(super) fn spend(&mut self, units: u64) {
        if self.metering {
            self.work += units;
        }
    }

    /// Milliseconds since the server started, wrapping (flood control).
    pub(super) fn clock_ms(&self) -> u32 {
        crate::clock::now_millis().wrapping_sub(self.started_at_millis) as u32
    }
}

impl State {
    /// Starts metering a line's work (see [`cost`](crate::link::cost)).
    pub(crate) fn begin_metering(&mut self) {
        self.meter.work = 0;
        self.meter.metering = true;
    }

    /// Stops metering; returns the work units spent since it began.
    pub(crate) fn end_metering(&mut self) -> u64 {
        self.meter.metering = false;
        std::mem::take(&mut self.meter.work)
    }

    /// Runs `f` unmetered (a message inside a metered line: plain text
    /// becomes a PRIVMSG).
    pub(crate) fn unmetered<T>(&mut self, f: impl FnOnce(&mut State) -> T) -> T {
        let was = std::mem::replace(&mut self.meter.metering, false);
        let result = f(self);
        self.meter.metering = was;
        result
    }

    /// Counts `units` of work against the command being metered.
    pub(crate) fn spend(&mut self, units: u64) {
        self.meter.spend(units);
    }

    /// Charges client `id` one line of flood control and the `work` its
    /// command did to its address's work budget; returns how long it must
    /// wait before its next line, if it is over its own flood limit.
    pub(crate) fn charge_line(&mut self, id: ClientId, work: u64) -> Option<Duration> {
        self.charge_work(id, work);
        let limits = self.config.flood?;
        let now_ms = self.meter.clock_ms();
        let client = self.registry.get_mut(id).filter(|c| !c.oper)?;
        client.flood.charge(now_ms, limits)
    }

    /// Charges `work` units done for client `id` to its address's work
    /// budget. The debt holds back the address's next costly command
    /// (see `work_wait`), not this client's messages.
    pub(crate) fn charge_work(&mut self, id: ClientId, work: u64) {
        if work == 0 || self.config.flood.is_none() {
            return;
        }
        let now_ms = self.meter.clock_ms();
        if let Some(client) = self.registry.get(id).filter(|c| !c.oper) {
            self.meter.budgets.spend(client.ip, work, now_ms);
        }
    }

    /// How long a metered command from `id` must wait because its
    /// address has spent its work budget; `None` when it may run now.
    pub(crate) fn work_wait(&self, id: ClientId) -> Option<Duration> {
        self.config.flood?;
        let client = self.registry.get(id).filter(|c| !c.oper)?;
        self.meter.budgets.wait(client.ip, self.meter.clock_ms())
    }

    /// Charges client `id` `lines` more on top of its current line (see
    /// `Bucket::add`).
    pub(crate) fn charge_extra(&mut self, id: ClientId, lines: u32) {
        if self.config.flood.is_some()
            && let Some(client) = self.registry.get_mut(id)
            && !client.oper
        {
            client.flood.add(lines);
        }
    }
}
