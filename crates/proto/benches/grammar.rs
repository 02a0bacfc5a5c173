//! Parsing and serialising typical lines.

use ciao_proto::Message;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn grammar(c: &mut Criterion) {
    let privmsg = ":alice!~alice@127.0.0.1 PRIVMSG #lobby :hello everyone, how is it going today?";
    let tagged = "@time=2026-11-25T15:04:05.123Z;msgid=abc-1;+typing=active :alice!~alice@127.0.0.1 PRIVMSG #lobby :hi";
    c.bench_function("parse privmsg", |b| {
        b.iter(|| black_box(privmsg).parse::<Message>())
    });
    c.bench_function("parse tagged privmsg", |b| {
        b.iter(|| black_box(tagged).parse::<Message>())
    });
    let message: Message = privmsg.parse().expect("valid");
    c.bench_function("serialise privmsg", |b| {
        b.iter(|| black_box(&message).to_bytes())
    });
    let message: Message = tagged.parse().expect("valid");
    c.bench_function("serialise tagged privmsg", |b| {
        b.iter(|| black_box(&message).to_bytes())
    });
}

criterion_group!(benches, grammar);
criterion_main!(benches);
