//! Which connections count as "the same address" for per-address limits.
//!
//! An IPv4 host has one address, but an IPv6 host is normally given a
//! whole /64 (and a site a /48): counting single IPv6 addresses would let
//! anyone with a /64 open 2^64 "different" connections. So IPv4 (and
//! IPv4-mapped IPv6, as a dual-stack listener sees IPv4 clients) is keyed
//! by address, IPv6 by its /64; and IPv6 connections are also counted per
//! /48, so a site cannot multiply its share by using many /64s.

use std::net::{IpAddr, Ipv6Addr};

/// The key per-address accounting (connection counts, the connect rate)
/// uses for `ip`: the IPv4 address, or the IPv6 /64 network (host bits
/// zeroed). Other per-address accounting should use it too, so that all
/// agree on what one address is.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(masked(v6, 64)),
    }
}

/// The IPv6 /48 network `ip` belongs to; `None` for IPv4 (a site's IPv4
/// share is its addresses, which `address_key` already counts).
pub(crate) fn network_key(ip: IpAddr) -> Option<IpAddr> {
    match ip.to_canonical() {
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => Some(IpAddr::V6(masked(v6, 48))),
    }
}

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.
pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

fn masked(ip: Ipv6Addr, prefix: u32) -> Ipv6Addr {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    Ipv6Addr::from(ip.to_bits() & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn ipv4_and_mapped_ipv4_are_keyed_by_address() {
        assert_eq!(address_key(ip("10.1.2.3")), ip("10.1.2.3"));
        assert_eq!(address_key(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
        assert_ne!(address_key(ip("10.1.2.3")), address_key(ip("10.1.2.4")));
        assert_eq!(network_key(ip("10.1.2.3")), None);
        assert_eq!(network_key(ip("::ffff:10.1.2.3")), None);
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_grouped_by_its_48() {
        let a = ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
        let same_64 = ip("2001:db8:1:2::1");
        let other_64 = ip("2001:db8:1:3::1");
        let other_48 = ip("2001:db8:2:2::1");
        assert_eq!(address_key(a), ip("2001:db8:1:2::"));
        assert_eq!(address_key(a), address_key(same_64));
        assert_ne!(address_key(a), address_key(other_64));
        assert_eq!(network_key(a), Some(ip("2001:db8:1::")));
        assert_eq!(network_key(a), network_key(other_64));
        assert_ne!(network_key(a), network_key(other_48));
    }

    #[test]
    fn loopback_in_every_spelling() {
        assert!(is_loopback(ip("127.0.0.1")));
        assert!(is_loopback(ip("127.9.8.7")));
        assert!(is_loopback(ip("::1")));
        assert!(is_loopback(ip("::ffff:127.0.0.1")));
        assert!(!is_loopback(ip("10.0.0.1")));
        assert!(!is_loopback(ip("::2")));
    }
}
