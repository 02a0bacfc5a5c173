//! Who may connect: the global `--max-clients` and the per-address
//! `--max-per-ip`. A [`Slot`] is held from accept until the hub has
//! forgotten the client, so a client that saw its own disconnection can be
//! replaced at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `--max-clients` connections are open.
    Full,
    /// `--max-per-ip` connections are open from this address.
    TooManyFromAddress,
}

/// The admission policy and its counters.
#[derive(Debug)]
pub struct Admission {
    slots: Arc<Semaphore>,
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_ip: usize,
    limit_loopback: bool,
}

/// A place taken by one connection; dropping it frees the place.
#[derive(Debug)]
pub struct Slot {
    _global: OwnedSemaphorePermit,
    /// Boxed: every connection's future holds its slot, and the box is a
    /// pointer where the permit would be 32 bytes.
    _address: Option<Box<AddressPermit>>,
}

#[derive(Debug)]
struct AddressPermit {
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl Drop for AddressPermit {
    fn drop(&mut self) {
        let mut per_ip = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = per_ip.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

impl Admission {
    pub fn new(config: &Config) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(config.max_clients)),
            per_ip: Arc::default(),
            max_per_ip: config.max_per_ip,
            limit_loopback: config.limit_loopback,
        }
    }

    /// Takes a place for a connection from `ip`, or says why not.
    pub fn admit(&self, ip: IpAddr) -> Result<Slot, Refusal> {
        let ip = ip.to_canonical();
        let address = if self.max_per_ip == 0 || (ip.is_loopback() && !self.limit_loopback) {
            None
        } else {
            let mut per_ip = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
            let count = per_ip.entry(ip).or_insert(0);
            if *count >= self.max_per_ip {
                return Err(Refusal::TooManyFromAddress);
            }
            *count += 1;
            Some(Box::new(AddressPermit {
                per_ip: self.per_ip.clone(),
                ip,
            }))
        };
        // On refusal here the address permit drops and gives its place back.
        let global = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Full)?;
        Ok(Slot {
            _global: global,
            _address: address,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(max_clients: usize, max_per_ip: usize) -> Admission {
        Admission::new(&Config {
            max_clients,
            max_per_ip,
            limit_loopback: true,
            ..Config::default()
        })
    }

    #[test]
    fn per_address_and_global_limits_give_places_back() {
        let admission = admission(3, 2);
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let first = admission.admit(a).expect("first");
        let _second = admission.admit(a).expect("second");
        assert_eq!(admission.admit(a).err(), Some(Refusal::TooManyFromAddress));
        let _third = admission.admit(b).expect("another address");
        assert_eq!(admission.admit(b).err(), Some(Refusal::Full));
        drop(first);
        admission.admit(a).expect("a freed place is free again");
    }

    #[test]
    fn loopback_is_exempt_unless_asked() {
        let mut admission = admission(10, 1);
        admission.limit_loopback = false;
        let local: IpAddr = "127.0.0.1".parse().expect("ip");
        let _one = admission.admit(local).expect("one");
        let _two = admission.admit(local).expect("loopback is not limited");
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        let _three = admission.admit(mapped).expect("mapped");
        assert_eq!(
            admission.admit("10.0.0.1".parse().expect("ip")).err(),
            Some(Refusal::TooManyFromAddress),
            "an IPv4-mapped address counts as the IPv4 one"
        );
    }
}
