//! The hub's fan-out path: one PRIVMSG to a channel of 1000 members, from
//! dispatch to every recipient's outbox (no sockets).

use std::sync::Arc;

use ciao_proto::Message;
use ciao_server::Config;
use ciao_server::testing::{Hub, Outbox};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A hub with `members` registered clients in #bench (half of them with
/// server-time when `server_time`); returns the sender's id and every
/// outbox, emptied.
fn channel_of(members: usize, server_time: bool) -> (Hub, u64, Vec<Arc<Outbox>>) {
    let mut hub = Hub::new(Config {
        default_channel: None,
        flood: None,
        ..Config::default()
    });
    let mut outboxes = Vec::with_capacity(members);
    let mut first = 0;
    for i in 0..members {
        let (id, outbox) = hub.connect(usize::MAX);
        outboxes.push(outbox);
        if server_time && i % 2 == 0 {
            hub.irc(id, "CAP REQ server-time");
        }
        hub.irc(id, &format!("NICK user{i}"));
        hub.irc(id, &format!("USER user{i} 0 * :user {i}"));
        if server_time && i % 2 == 0 {
            hub.irc(id, "CAP END");
        }
        hub.irc(id, "JOIN #bench");
        if i == 0 {
            first = id;
        }
    }
    for outbox in &outboxes {
        outbox.take_queued();
    }
    (hub, first, outboxes)
}

fn fanout(c: &mut Criterion) {
    let message = Message::new(
        "PRIVMSG",
        ["#bench", "hello everyone, this is a typical chat line"],
    );
    let mut group = c.benchmark_group("privmsg to a channel");
    for (members, server_time) in [(1000, false), (1000, true), (100, false)] {
        let (mut hub, sender, outboxes) = channel_of(members, server_time);
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
                    hub.irc_message(sender, &message);
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
