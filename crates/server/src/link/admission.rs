//! Who may connect. A new connection is refused, with the reason, when
//! its address connects too fast (`--connect-rate`, `--connect-burst`),
//! has `--max-per-ip` connections (IPv6: per /64) or its IPv6 /48 has
//! `--max-per-ipv6-48`, when `--max-clients` are open, or when
//! `--max-registering` connections have not registered yet. Only the last
//! two are worth making room for: the server closes the oldest connection
//! that has been registering for longer than `--registration-timeout-busy`
//! (see `Admission::overdue`) and admits the newcomer in its place, so
//! idle sockets cannot hold the server, and registered users never pay.
//!
//! A [`Slot`] is held from accept until the hub has forgotten the client,
//! so a client that saw its own disconnection can be replaced at once.

pub(crate) mod address;
mod rate;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

pub(crate) use address::{address_key, is_loopback, network_key};
pub use rate::ConnectRate;

use super::ClientId;
use rate::Buckets;

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `--max-clients` connections are open.
    Full,
    /// `--max-registering` connections are still registering; the oldest
    /// may be closed to make room after the given time.
    Registering(Duration),
    /// `--max-per-ip` connections are open from this address (or /64).
    TooManyFromAddress,
    /// `--max-per-ipv6-48` connections are open from this /48.
    TooManyFromNetwork,
    /// This address connected too often lately; it may again after the
    /// given time.
    TooFast(Duration),
}

impl Refusal {
    /// True if closing an overdue registering connection would let the
    /// newcomer in.
    pub(crate) fn room_can_be_made(self) -> bool {
        matches!(self, Refusal::Full | Refusal::Registering(_))
    }
}

/// The admission policy and its counters.
#[derive(Debug)]
pub(crate) struct Admission {
    /// The counters, shared with every slot so it can give its place back.
    counts: Arc<Mutex<Counts>>,
    /// The limits, from the settings.
    limits: AdmissionLimits,
}

/// The settings `Admission` applies (from the server's `Config`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdmissionLimits {
    pub(crate) max_clients: usize,
    pub(crate) max_registering: usize,
    pub(crate) max_per_ip: usize,
    pub max_per_ipv6_48: usize,
    pub(crate) limit_loopback: bool,
    pub(crate) connect_rate: Option<ConnectRate>,
    pub(crate) registration_timeout_busy: Duration,
}

/// Everything that is counted, under one lock.
#[derive(Debug)]
struct Counts {
    /// Open connections (against `--max-clients`).
    clients: usize,
    /// Connections not yet registered (against `--max-registering`).
    registering: usize,
    /// Each unregistered client, by id (ids grow, so the first entry is
    /// the oldest): who may be closed when room is needed.
    registering_since: BTreeMap<ClientId, Registering>,
    /// How many of `registering_since` each address key holds: room is
    /// made at the expense of the address holding the most.
    registering_per_address: HashMap<IpAddr, usize>,
    /// Open connections per address key (IPv4 address, IPv6 /64).
    per_address: HashMap<IpAddr, usize>,
    /// Open IPv6 connections per /48.
    per_network: HashMap<IpAddr, usize>,
    /// Recent connects per address key.
    rates: Buckets,
}

/// One connection still registering.
#[derive(Debug, Clone, Copy)]
struct Registering {
    /// When it connected.
    since: Instant,
    /// Its `address_key`.
    address: IpAddr,
}

/// A place taken by one connection; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Slot {
    /// Where to give the place back.
    counts: Arc<Mutex<Counts>>,
    /// The per-address counts this slot holds; `None` for exempt
    /// (loopback) addresses. Boxed: every client holds a slot, and the box
    /// is a pointer where the keys would be 36 bytes.
    address: Option<Box<AddressKeys>>,
    /// Whether the slot still counts as registering.
    stage: Stage,
}

/// The keys a slot is counted under.
#[derive(Debug)]
struct AddressKeys {
    /// Its `address_key`.
    address: IpAddr,
    /// Its `network_key`, if counted per network.
    network: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Admitted; the hub has not given it an id yet.
    Admitted,
    /// Registering as this client.
    Registering(ClientId),
    /// Registered: no longer counted against `--max-registering`.
    Registered,
}

fn lock(counts: &Mutex<Counts>) -> MutexGuard<'_, Counts> {
    // The counts are updated in single statements; a panic elsewhere
    // cannot leave them half-changed.
    counts.lock().unwrap_or_else(|e| e.into_inner())
}

impl Admission {
    pub(crate) fn new(limits: AdmissionLimits) -> Self {
        Admission {
            counts: Arc::new(Mutex::new(Counts {
                clients: 0,
                registering: 0,
                registering_since: BTreeMap::new(),
                registering_per_address: HashMap::new(),
                per_address: HashMap::new(),
                per_network: HashMap::new(),
                rates: Buckets::new(Instant::now()),
            })),
            limits,
        }
    }

    /// Takes a place for a connection from `ip` at `now`, or says why not.
    /// Nothing is counted (not even against the rate) unless it succeeds.
    pub(crate) fn admit(&self, ip: IpAddr, now: Instant) -> Result<Slot, Refusal> {
        let limits = &self.limits;
        let exempt = is_loopback(ip) && !limits.limit_loopback;
        let keys = AddressKeys {
            address: address_key(ip),
            network: network_key(ip),
        };
        let mut counts = lock(&self.counts);
        if !exempt {
            if let Some(rate) = limits.connect_rate {
                counts
                    .rates
                    .check(keys.address, now, rate)
                    .map_err(Refusal::TooFast)?;
            }
            let held = |map: &HashMap<IpAddr, usize>, key| map.get(&key).copied().unwrap_or(0);
            if limits.max_per_ip > 0 && held(&counts.per_address, keys.address) >= limits.max_per_ip
            {
                return Err(Refusal::TooManyFromAddress);
            }
            if let Some(network) = keys.network
                && limits.max_per_ipv6_48 > 0
                && held(&counts.per_network, network) >= limits.max_per_ipv6_48
            {
                return Err(Refusal::TooManyFromNetwork);
            }
        }
        if counts.clients >= limits.max_clients {
            return Err(Refusal::Full);
        }
        if counts.registering >= limits.max_registering {
            // The oldest may be closed once it is overdue.
            let retry = counts.registering_since.values().next().map_or(
                limits.registration_timeout_busy,
                |oldest| {
                    (oldest.since + limits.registration_timeout_busy).saturating_duration_since(now)
                },
            );
            return Err(Refusal::Registering(retry));
        }
        counts.clients += 1;
        counts.registering += 1;
        let address = (!exempt).then(|| {
            if let Some(rate) = limits.connect_rate {
                counts.rates.take(keys.address, now, rate);
            }
            *counts.per_address.entry(keys.address).or_insert(0) += 1;
            if let Some(network) = keys.network {
                *counts.per_network.entry(network).or_insert(0) += 1;
            }
            Box::new(keys)
        });
        Ok(Slot {
            counts: self.counts.clone(),
            address,
            stage: Stage::Admitted,
        })
    }

    /// The client to close so that a newcomer from `ip` finds room (after
    /// `Refusal::room_can_be_made`): one registering for longer than
    /// `--registration-timeout-busy` at `now`, from the address holding
    /// the most registering places (the oldest of those). An address that
    /// holds none displaces anyone; one that holds some only an address
    /// holding at least two more, so places do not change hands between
    /// equals (which would keep every place young and shut newcomers out).
    /// And an address that spent more than half its connect burst lately
    /// (one reconnecting in a loop) displaces nobody.
    pub(crate) fn overdue(&self, ip: IpAddr, now: Instant) -> Option<ClientId> {
        let counts = lock(&self.counts);
        let held = |address| {
            counts
                .registering_per_address
                .get(&address)
                .copied()
                .unwrap_or(0)
        };
        let newcomer = address_key(ip);
        let exempt = is_loopback(ip) && !self.limits.limit_loopback;
        if let Some(rate) = self.limits.connect_rate
            && !exempt
            && !counts.rates.rested(newcomer, now, rate)
        {
            return None;
        }
        let newcomer_holds = held(newcomer);
        let deadline = now.checked_sub(self.limits.registration_timeout_busy)?;
        let mut best: Option<(usize, ClientId)> = None;
        for (&id, entry) in &counts.registering_since {
            if entry.since > deadline {
                // Ids grow with time: the rest are younger still.
                break;
            }
            let holds = held(entry.address);
            let may_displace = holds > 0 && (newcomer_holds == 0 || holds > newcomer_holds + 1);
            if may_displace && best.is_none_or(|(most, _)| holds > most) {
                best = Some((holds, id));
            }
        }
        best.map(|(_, id)| id)
    }

    /// Stops offering `id` as overdue (the hub no longer has it
    /// registering; its slot's end would do this too).
    pub(crate) fn forget_overdue(&self, id: ClientId) {
        lock(&self.counts).forget_registering(id);
    }
}

impl Counts {
    fn forget_registering(&mut self, id: ClientId) {
        if let Some(entry) = self.registering_since.remove(&id) {
            release(&mut self.registering_per_address, entry.address);
        }
    }
}

impl Slot {
    /// The hub gave this connection from `ip` the `id` at `now`: from
    /// then on it may be closed to make room while it is still
    /// registering.
    pub(crate) fn attach(&mut self, id: ClientId, ip: IpAddr, now: Instant) {
        if self.stage == Stage::Admitted {
            let address = address_key(ip);
            let mut counts = lock(&self.counts);
            counts.registering_since.insert(
                id,
                Registering {
                    since: now,
                    address,
                },
            );
            *counts.registering_per_address.entry(address).or_insert(0) += 1;
            self.stage = Stage::Registering(id);
        }
    }

    /// The client registered: it no longer counts as registering, and is
    /// never closed to make room.
    pub(crate) fn registered(&mut self) {
        if self.stage != Stage::Registered {
            self.stop_registering(&mut lock(&self.counts));
            self.stage = Stage::Registered;
        }
    }

    fn stop_registering(&self, counts: &mut Counts) {
        match self.stage {
            Stage::Registered => return,
            Stage::Registering(id) => counts.forget_registering(id),
            Stage::Admitted => {}
        }
        counts.registering = counts.registering.saturating_sub(1);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        self.stop_registering(&mut counts);
        counts.clients = counts.clients.saturating_sub(1);
        if let Some(keys) = &self.address {
            release(&mut counts.per_address, keys.address);
            if let Some(network) = keys.network {
                release(&mut counts.per_network, network);
            }
        }
    }
}

/// Gives back one of `key`'s places, forgetting keys that hold none.
fn release(map: &mut HashMap<IpAddr, usize>, key: IpAddr) {
    if let Some(count) = map.get_mut(&key) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests;
