//! The chat model fed what a broken or hostile server may send: missing
//! parameters, floods, endless batches. Nothing panics, everything stays
//! within the bounds of `model::limits`, and the model stays usable.

mod support;

use ciao_client::model::limits::{
    LINES_DROPPED_AT_ONCE, MAX_BATCH_LINES, MAX_CONVERSATIONS, MAX_LINES_PER_BUFFER,
    MAX_OPEN_BATCHES,
};
use ciao_client::{LineKind, Model, Update};
use support::model::{feed, feed_one, in_lobby};

fn last_text(model: &Model, buffer: &str) -> Option<String> {
    Some(model.buffer(buffer)?.lines.last()?.text.clone())
}

#[test]
fn replies_and_commands_without_parameters_do_not_panic() {
    let mut model = in_lobby();
    // Each of these once indexed a parameter that was not there.
    feed(
        &mut model,
        &[
            ":x 401",
            ":x 482 me",
            ":x 332",
            ":x MODE",
            ":x MODE #lobby",
            ":x 353",
            ":x 366",
            ":x 301",
            ":x 311",
            ":x 317 me bob notanumber",
            ":x 333 me #lobby",
            ":x 352",
            ":x 001",
            ":x JOIN",
            ":x PART",
            ":x KICK #lobby",
            ":x NICK",
            ":x TOPIC",
            ":x PRIVMSG",
            ":x NOTICE",
            ":x REDACT",
            ":x AWAY",
            ":x BATCH",
            ":x BATCH +",
            ":x BATCH -",
            "ERROR",
            "QUIT",
            "NICK x",
        ],
    );
    assert_eq!(model.own_nick, "me", "an empty 001 does not erase the nick");
    assert!(
        model.buffers.iter().all(|b| !b.name.is_empty()),
        "no buffer without a name"
    );
    feed(&mut model, &[":bob!u@h PRIVMSG #lobby :still here"]);
    assert_eq!(last_text(&model, "#lobby").as_deref(), Some("still here"));
}

#[test]
fn text_is_never_cut_inside_a_character() {
    let mut model = in_lobby();
    feed(
        &mut model,
        &[
            ":bob!u@h PRIVMSG #lobby :\u{1}é",
            ":bob!u@h PRIVMSG #lobby :\u{1}ACTION ünïcödé\u{1}",
        ],
    );
    assert_eq!(last_text(&model, "#lobby").as_deref(), Some("ünïcödé"));
    feed(
        &mut model,
        &[
            ":srv 353 me = #lobby :@é +ü ~ß",
            ":srv 366 me #lobby :End",
            ":srv 352 me #lobby ü h s ü Gé :0 Ünï",
        ],
    );
    assert_eq!(
        last_text(&model, "#lobby").as_deref(),
        Some("ü (ü@h) in #lobby, away: Ünï")
    );
    let lobby = model.buffer("#lobby").expect("lobby");
    assert_eq!(
        lobby.member("ü").and_then(|m| m.away.clone()),
        Some(String::new())
    );
}

#[test]
fn thirty_thousand_joins_then_quits_keep_the_member_list_right() {
    const CROWD: usize = 30_000;
    let mut model = in_lobby();
    for i in 0..CROWD {
        feed_one(&mut model, &format!(":n{i}!u@h JOIN #lobby"));
    }
    let lobby = model.buffer("#lobby").expect("lobby");
    assert_eq!(lobby.member_count(), CROWD + 2);
    assert!(lobby.lines.len() <= MAX_LINES_PER_BUFFER);
    let first: Vec<&str> = lobby.members().take(3).map(|m| m.nick.as_str()).collect();
    assert_eq!(first, ["me", "bob", "n0"], "operators first, then by nick");
    for i in 0..CROWD {
        feed_one(&mut model, &format!(":n{i}!u@h QUIT :bye"));
    }
    let lobby = model.buffer("#lobby").expect("lobby");
    let left: Vec<&str> = lobby.members().map(|m| m.nick.as_str()).collect();
    assert_eq!(left, ["me", "bob"]);
    assert_eq!(
        last_text(&model, "#lobby").as_deref(),
        Some("n29999 quit (bye)")
    );
}

#[test]
fn a_buffer_keeps_its_latest_lines() {
    let mut model = in_lobby();
    let total = MAX_LINES_PER_BUFFER * 3 + 7;
    for i in 0..total {
        feed_one(&mut model, &format!(":bob!u@h PRIVMSG #lobby :line {i}"));
        assert!(model.buffer("#lobby").expect("lobby").lines.len() <= MAX_LINES_PER_BUFFER);
    }
    assert_eq!(
        last_text(&model, "#lobby"),
        Some(format!("line {}", total - 1))
    );
}

#[test]
fn a_query_per_invented_nick_stops_at_the_bound_with_one_note() {
    let mut model = in_lobby();
    for i in 0..MAX_CONVERSATIONS + 50 {
        feed_one(&mut model, &format!(":fake{i}!u@h PRIVMSG me :hi {i}"));
    }
    assert_eq!(
        model.buffers.len(),
        MAX_CONVERSATIONS + 1,
        "and the server's"
    );
    let server = &model.buffers[0];
    let notes = server
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Error && l.text.contains("conversations"))
        .count();
    assert_eq!(notes, 1, "said once");
    assert_eq!(
        server.lines.last().map(|l| l.text.as_str()),
        Some(format!("hi {}", MAX_CONVERSATIONS + 49).as_str()),
        "further lines are shown in the server buffer"
    );
    // Conversations already open still get their lines.
    feed(&mut model, &[":fake3!u@h PRIVMSG me :again"]);
    assert_eq!(last_text(&model, "fake3").as_deref(), Some("again"));
}

#[test]
fn an_endless_history_batch_holds_its_latest_lines_and_live_lines_still_show() {
    let mut model = in_lobby();
    model.apply(&Update::CapsAcked(vec![
        "batch".into(),
        "draft/chathistory".into(),
    ]));
    feed(&mut model, &[":srv BATCH +h chathistory #lobby"]);
    let flood = MAX_BATCH_LINES * 2 + 3;
    for i in 0..flood {
        feed_one(
            &mut model,
            &format!("@batch=h;msgid=m{i} :bob!u@h PRIVMSG #lobby :old {i}"),
        );
        assert!(model.playback().collected_lines() <= MAX_BATCH_LINES);
    }
    let notes = model.buffers[0]
        .lines
        .iter()
        .filter(|l| l.text.contains("history of #lobby"))
        .count();
    assert_eq!(notes, 1, "the user is told once");
    feed(&mut model, &[":bob!u@h PRIVMSG #lobby :live"]);
    assert_eq!(last_text(&model, "#lobby").as_deref(), Some("live"));
    // When it ends at last, the latest history is what is shown.
    feed(&mut model, &[":srv BATCH -h"]);
    let lobby = model.buffer("#lobby").expect("lobby");
    let shown: Vec<&str> = lobby
        .lines
        .iter()
        .filter(|l| l.replayed)
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        shown.len() > MAX_BATCH_LINES - LINES_DROPPED_AT_ONCE && shown.len() <= MAX_BATCH_LINES
    );
    assert_eq!(
        shown.last().copied(),
        Some(format!("old {}", flood - 1).as_str())
    );
}

#[test]
fn too_many_open_batches_close_the_oldest() {
    let mut model = in_lobby();
    for b in 0..MAX_OPEN_BATCHES * 4 {
        feed(
            &mut model,
            &[
                &format!(":srv BATCH +b{b} chathistory #lobby"),
                &format!("@batch=b{b};msgid=x{b} :bob!u@h PRIVMSG #lobby :from batch {b}"),
            ],
        );
        assert!(model.playback().open_batches() <= MAX_OPEN_BATCHES);
    }
    let lobby = model.buffer("#lobby").expect("lobby");
    assert!(
        lobby
            .lines
            .iter()
            .any(|l| l.replayed && l.text == "from batch 0"),
        "the oldest batch was shown, not lost"
    );
}

/// The bytes of text the model's buffers hold, counted from their lines.
fn held_bytes(model: &Model) -> usize {
    model
        .buffers
        .iter()
        .flat_map(|b| &b.lines)
        .map(|l| l.text.len())
        .sum()
}

#[test]
fn long_pastes_are_bounded_by_bytes_not_only_by_lines() {
    use ciao_client::model::limits::{MAX_BYTES_PER_BUFFER, MAX_LINE_BYTES};
    let mut model = in_lobby();
    let part = "x".repeat(7000);
    for b in 0..1100 {
        feed_one(
            &mut model,
            &format!(":srv BATCH +b{b} draft/multiline #lobby"),
        );
        for _ in 0..9 {
            feed_one(
                &mut model,
                &format!("@batch=b{b} :bob!u@h PRIVMSG #lobby :{part}"),
            );
        }
        feed_one(&mut model, &format!(":srv BATCH -b{b}"));
    }
    let lobby = model.buffer("#lobby").expect("lobby");
    let lobby_bytes: usize = lobby.lines.iter().map(|l| l.text.len()).sum();
    assert!(
        lobby_bytes <= MAX_BYTES_PER_BUFFER,
        "{lobby_bytes} bytes in #lobby"
    );
    assert!(held_bytes(&model) <= MAX_LINE_BYTES);
    assert!(lobby.lines.len() > 10, "the latest pastes are kept");
    let last = lobby.lines.last().expect("a line");
    assert_eq!(last.sender.as_deref(), Some("bob"));
    assert!(last.text.starts_with("xxx"));
}

#[test]
fn many_full_buffers_stay_within_the_global_byte_budget() {
    use ciao_client::model::limits::{MAX_BYTES_PER_BUFFER, MAX_LINE_BYTES};
    let mut model = in_lobby();
    let text = "y".repeat(7000);
    let channels = 24;
    for c in 0..channels {
        feed_one(&mut model, &format!(":me!u@h JOIN #c{c}"));
        for i in 0..400 {
            feed_one(&mut model, &format!(":bob!u@h PRIVMSG #c{c} :{i} {text}"));
        }
        let buffer = model.buffer(&format!("#c{c}")).expect("channel");
        let bytes: usize = buffer.lines.iter().map(|l| l.text.len()).sum();
        assert!(bytes <= MAX_BYTES_PER_BUFFER, "#c{c} holds {bytes} bytes");
        assert!(held_bytes(&model) <= MAX_LINE_BYTES);
    }
    // The latest lines of the latest channel are all there.
    let last = model.buffer(&format!("#c{}", channels - 1)).expect("last");
    assert!(last.lines.last().expect("line").text.starts_with("399 "));
    assert!(last.lines.len() > 200);
    assert_eq!(
        model.line_bytes(),
        held_bytes(&model) + model_overhead(&model)
    );
}

/// What the model counts beyond line text: senders and msgids.
fn model_overhead(model: &Model) -> usize {
    model
        .buffers
        .iter()
        .flat_map(|b| &b.lines)
        .map(|l| l.sender.as_ref().map_or(0, String::len) + l.msgid.as_ref().map_or(0, String::len))
        .sum()
}

#[test]
fn a_history_batch_reference_reused_while_open_loses_nothing() {
    let mut model = Model::new("me");
    feed(
        &mut model,
        &[
            ":srv 001 me :Welcome",
            ":me!u@h JOIN #c",
            ":srv BATCH +r chathistory #c",
            "@batch=r;time=2026-01-01T10:00:00.000Z :bob!b@h PRIVMSG #c :first batch",
            ":srv BATCH +r chathistory #c",
            "@batch=r;time=2026-01-01T10:01:00.000Z :bob!b@h PRIVMSG #c :second batch",
            ":srv BATCH -r",
        ],
    );
    let texts: Vec<&str> = model
        .buffer("#c")
        .expect("channel")
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    assert!(texts.contains(&"first batch"), "{texts:?}");
    assert!(texts.contains(&"second batch"), "{texts:?}");
}
