use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::*;
use crate::config::Config;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

fn config() -> Config {
    Config {
        limit_loopback: true,
        connect_rate: None,
        ..Config::default()
    }
}

fn admission(max_clients: usize, max_per_ip: usize) -> Admission {
    Admission::new(
        Config {
            max_clients,
            max_per_ip,
            ..config()
        }
        .admission_limits(),
    )
}

#[test]
fn per_address_and_global_limits_give_places_back() {
    let admission = admission(3, 2);
    let now = Instant::now();
    let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
    let first = admission.admit(a, now).expect("first");
    let _second = admission.admit(a, now).expect("second");
    assert_eq!(
        admission.admit(a, now).err(),
        Some(Refusal::TooManyFromAddress)
    );
    let _third = admission.admit(b, now).expect("another address");
    assert_eq!(admission.admit(b, now).err(), Some(Refusal::Full));
    drop(first);
    admission
        .admit(a, now)
        .expect("a freed place is free again");
}

#[test]
fn loopback_is_exempt_unless_asked() {
    let admission = Admission::new(
        Config {
            max_per_ip: 1,
            limit_loopback: false,
            connect_rate: Some(ConnectRate {
                burst: 1,
                interval: Duration::from_secs(60),
            }),
            ..Config::default()
        }
        .admission_limits(),
    );
    let now = Instant::now();
    let _one = admission.admit(ip("127.0.0.1"), now).expect("one");
    let _two = admission
        .admit(ip("127.0.0.1"), now)
        .expect("loopback is neither counted nor rate limited");
    let _three = admission.admit(ip("::ffff:10.0.0.1"), now).expect("mapped");
    assert_eq!(
        admission.admit(ip("10.0.0.1"), now).err(),
        Some(Refusal::TooFast(Duration::from_secs(60))),
        "an IPv4-mapped address counts as the IPv4 one"
    );
}

#[test]
fn ipv6_counts_per_64_and_per_48() {
    let admission = Admission::new(
        Config {
            max_per_ip: 2,
            max_per_ipv6_48: 3,
            ..config()
        }
        .admission_limits(),
    );
    let now = Instant::now();
    let _a = admission.admit(ip("2001:db8:0:1::1"), now).expect("a");
    let _b = admission.admit(ip("2001:db8:0:1::2"), now).expect("b");
    assert_eq!(
        admission.admit(ip("2001:db8:0:1::3"), now).err(),
        Some(Refusal::TooManyFromAddress),
        "one /64 is one address"
    );
    let c = admission.admit(ip("2001:db8:0:2::1"), now).expect("c");
    assert_eq!(
        admission.admit(ip("2001:db8:0:3::1"), now).err(),
        Some(Refusal::TooManyFromNetwork),
        "a /48 holds at most 3"
    );
    let _elsewhere = admission
        .admit(ip("2001:db8:1:3::1"), now)
        .expect("other /48");
    drop(c);
    let _d = admission.admit(ip("2001:db8:0:3::1"), now).expect("freed");
}

#[test]
fn a_refused_connect_is_not_counted() {
    let admission = Admission::new(
        Config {
            max_clients: 1,
            connect_rate: Some(ConnectRate {
                burst: 1,
                interval: Duration::from_secs(60),
            }),
            ..config()
        }
        .admission_limits(),
    );
    let now = Instant::now();
    let _full = admission.admit(ip("10.0.0.1"), now).expect("first");
    assert_eq!(
        admission.admit(ip("10.0.0.2"), now).err(),
        Some(Refusal::Full)
    );
    drop(_full);
    admission
        .admit(ip("10.0.0.2"), now)
        .expect("the refusal did not spend 10.0.0.2's connect");
}

#[test]
fn only_registering_connections_count_against_the_registering_cap() {
    let admission = Admission::new(
        Config {
            max_registering: 2,
            registration_timeout_busy: Duration::from_secs(10),
            ..config()
        }
        .admission_limits(),
    );
    let start = Instant::now();
    let mut first = admission.admit(ip("10.0.0.1"), start).expect("first");
    let mut second = admission.admit(ip("10.0.0.2"), start).expect("second");
    first.attach(1, ip("10.0.0.1"), start);
    second.attach(2, ip("10.0.0.2"), start);
    let refused = admission.admit(ip("10.0.0.3"), start);
    assert!(
        matches!(refused, Err(Refusal::Registering(wait)) if wait == Duration::from_secs(10)),
        "{refused:?}"
    );
    assert_eq!(
        admission.overdue(ip("10.0.0.9"), start),
        None,
        "nobody is overdue yet"
    );
    let later = start + Duration::from_secs(11);
    assert_eq!(
        admission.overdue(ip("10.0.0.9"), later),
        Some(1),
        "the oldest first"
    );
    first.registered();
    assert_eq!(
        admission.overdue(ip("10.0.0.9"), later),
        Some(2),
        "registered ones never"
    );
    let _third = admission.admit(ip("10.0.0.3"), start).expect("room again");
    drop(second);
    let _fourth = admission.admit(ip("10.0.0.4"), start).expect("room again");
    assert_eq!(admission.overdue(ip("10.0.0.9"), later), None);
}

#[test]
fn room_is_made_at_the_expense_of_the_biggest_holder() {
    let admission = Admission::new(
        Config {
            max_registering: 3,
            registration_timeout_busy: Duration::from_secs(10),
            ..config()
        }
        .admission_limits(),
    );
    let start = Instant::now();
    let (big, small) = (ip("10.0.0.1"), ip("10.0.0.2"));
    let mut slots = Vec::new();
    for (id, from) in [(1, small), (2, big), (3, big)] {
        let mut slot = admission.admit(from, start).expect("admit");
        slot.attach(id, from, start);
        slots.push(slot);
    }
    let later = start + Duration::from_secs(11);
    assert_eq!(
        admission.overdue(ip("10.0.0.3"), later),
        Some(2),
        "the oldest of the biggest holder, not the oldest overall"
    );
    assert_eq!(
        admission.overdue(small, later),
        None,
        "1 against 2: a swap would only trade places"
    );
    drop(slots.remove(1));
    assert_eq!(admission.overdue(big, later), None, "1 against 1");
    assert_eq!(
        admission.overdue(ip("10.0.0.3"), later),
        Some(1),
        "someone new displaces the oldest of the equals"
    );
}
