//! What a command costs the server, charged to whoever sent it.
//!
//! Flood control counts lines; but one `WHO *` on a big server, a `LIST`
//! of many channels or a `JOIN` of a hundred channels with history each
//! does thousands of times the work of a message, all of it under the hub
//! lock that every other client waits for. So every command except
//! messages is metered while it runs, in *work units* of roughly 25 ns of
//! server time: each reply it makes the server build, each line it makes
//! the server queue for anyone (the fan-out it causes), each member or
//! entry it walks, each history row it reads. The units are charged to a
//! budget shared by every connection from the sender's address
//! ([`ADDRESS_BURST`], [`ADDRESS_RATE`]): once an address has used it,
//! its next metered command (from any of its connections) waits until the
//! budget has recovered, while its messages still pass. So sixty-four
//! connections from one address together cost what one would, and one
//! client alone may use its address's whole budget: a `LIST` of 100 000
//! channels takes it about five seconds.
//!
//! Messages (`PRIVMSG`, `NOTICE`, `TAGMSG`, multiline batches) are not
//! metered: delivering them is the service itself, and flood control
//! already paces them. Operators are exempt, and `--flood off` turns the
//! whole thing off.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::link::flood::Bucket;
// What addresses share a budget: the one key admission counts by (an
// IPv4 address, or an IPv6 /64: one subscriber's network).
use crate::link::admission::address::address_key;

/// One line queued for a client (a reply, or a fan-out delivery of a
/// line serialised once for many).
pub(crate) const DELIVERY: u64 = 4;
/// One reply built for one client (a WHO row, a LIST entry, a NAMES
/// line): formatting it costs about a microsecond (measured: `WHO *` of
/// 5 000 users, 6 ms of server CPU).
pub(crate) const REPLY: u64 = 36;
/// One member, client or channel walked while looking for the ones
/// wanted (a mask checked against 5 000 nicks: 0.05 ms).
pub(crate) const ENTRY: u64 = 1;
/// One name formatted and sorted into a NAMES reply.
pub(crate) const NAME: u64 = 4;
/// One history row read and sent (replay on join, CHATHISTORY).
pub(crate) const HISTORY_ROW: u64 = 160;

/// Work units an address may spend at once (≈ 50 ms of server time).
pub(crate) const ADDRESS_BURST: f32 = 2_000_000.0;
/// Work units an address gets back per second (≈ 10 ms of server time a
/// second: 1 % of the 2-core machine ciao is measured on).
pub(crate) const ADDRESS_RATE: f32 = 400_000.0;

/// The work budgets of the addresses that spent some recently.
#[derive(Debug, Default)]
pub(crate) struct AddressBudgets {
    budgets: HashMap<IpAddr, Bucket>,
    /// How many budgets there were after the last sweep: the next sweep
    /// waits until the map has grown well past that, so sweeping costs
    /// amortised O(1) per charge.
    swept_at: usize,
}

impl AddressBudgets {
    /// Charges `units` to the address of `ip` at `now_ms`; returns how long
    /// its next metered command must wait, if it is now over its budget.
    pub(crate) fn spend(&mut self, ip: IpAddr, units: u64, now_ms: u32) -> Option<Duration> {
        if self.budgets.len() > 2 * self.swept_at + 1024 {
            // Budgets that have fully recovered are the same as none.
            self.budgets
                .retain(|_, bucket| bucket.debt_at(now_ms, ADDRESS_RATE) > 0.0);
            self.swept_at = self.budgets.len();
        }
        self.budgets.entry(address_key(ip)).or_default().spend(
            now_ms,
            units as f32,
            ADDRESS_BURST,
            ADDRESS_RATE,
        )
    }

    /// How long a metered command from `ip` must wait before it may run:
    /// `None` while the address is within its budget.
    pub(crate) fn wait(&self, ip: IpAddr, now_ms: u32) -> Option<Duration> {
        self.budgets
            .get(&address_key(ip))?
            .wait(now_ms, ADDRESS_BURST, ADDRESS_RATE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_budget_waits_until_it_recovers() {
        let mut budgets = AddressBudgets::default();
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        let other: IpAddr = "10.0.0.2".parse().expect("ip");
        assert_eq!(budgets.spend(ip, 1_000, 0), None);
        assert_eq!(budgets.wait(ip, 0), None);
        // One big command may take it past the burst; then it waits.
        let over = budgets.spend(ip, (ADDRESS_BURST + ADDRESS_RATE) as u64, 0);
        assert!(over.is_some());
        let wait = budgets.wait(ip, 0).expect("over budget");
        assert!(wait > Duration::from_millis(900), "{wait:?}");
        assert_eq!(budgets.wait(other, 0), None, "other addresses are not held");
        // A second later it has a second's worth back.
        let later = budgets.wait(ip, 1_000).expect("still a little over");
        assert!(later < Duration::from_millis(100), "{later:?}");
        assert_eq!(budgets.wait(ip, 2_000), None);
    }

    #[test]
    fn recovered_budgets_are_forgotten() {
        let mut budgets = AddressBudgets::default();
        // Ten thousand addresses, a millisecond apart: each has long
        // recovered when the next comes.
        for n in 0..10_000u32 {
            let ip = IpAddr::from([10, 1, (n >> 8) as u8, n as u8]);
            budgets.spend(ip, 10, n);
            assert!(budgets.budgets.len() <= 1026, "{}", budgets.budgets.len());
        }
    }
}
