//! The hub's fan-out path: one PRIVMSG to a channel of 1000 members, from
//! dispatch to every recipient's outbox (no sockets).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use ciao_proto::Message;
use ciao_server::link::outbox::Outbox;
use ciao_server::state::State;
use ciao_server::state::client::Client;
use ciao_server::{Config, commands};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A state with `members` registered clients in #bench; returns the
/// sender's id and every outbox.
fn channel_of(members: usize, server_time: bool) -> (State, u64, Vec<Arc<Outbox>>) {
    let mut state = State::new(Arc::new(Config {
        default_channel: None,
        ..Config::default()
    }));
    let mut outboxes = Vec::with_capacity(members);
    let mut first = 0;
    for i in 0..members {
        let outbox = Arc::new(Outbox::new(usize::MAX));
        outboxes.push(outbox.clone());
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let id = state.add_client(|id| Client::new(id, ip, outbox));
        let nick = format!("user{i}");
        state
            .registry_mut()
            .claim_nick(id, &nick)
            .expect("distinct nicks");
        if let Some(client) = state.client_mut(id) {
            client.set_user(format!("~{nick}"));
            client.registered = true;
            client.caps.set(
                ciao_server::caps::Cap::ServerTime,
                server_time && i % 2 == 0,
            );
        }
        state.join(id, "#bench");
        if i == 0 {
            first = id;
        }
    }
    for outbox in &outboxes {
        outbox.take_queued();
    }
    (state, first, outboxes)
}

fn fanout(c: &mut Criterion) {
    let message = Message::new(
        "PRIVMSG",
        ["#bench", "hello everyone, this is a typical chat line"],
    );
    let mut group = c.benchmark_group("privmsg to a channel");
    for (members, server_time) in [(1000, false), (1000, true), (100, false)] {
        let (mut state, sender, outboxes) = channel_of(members, server_time);
        let label = if server_time {
            "half with server-time"
        } else {
            "plain IRC"
        };
        group.bench_with_input(BenchmarkId::new(label, members), &members, |b, _| {
            // Time only the dispatch; empty the queues between runs so
            // memory stays flat.
            b.iter_custom(|iterations| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iterations {
                    let start = std::time::Instant::now();
                    commands::dispatch(&mut state, sender, &message);
                    total += start.elapsed();
                    for outbox in &outboxes {
                        outbox.take_queued();
                    }
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
