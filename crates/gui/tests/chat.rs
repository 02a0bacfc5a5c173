//! The chat view as a user meets it: formatting, links, the input,
//! completion, attention, the member list and the channel browser,
//! against a real ciao-server in-process.

mod common;

use std::cell::Cell;

use ciao::chat::{INPUT_LABEL, MENTION_LABEL};
use common::*;
use egui::Role;
use egui_kittest::kittest::NodeT;

#[test]
fn formatting_is_drawn_without_control_characters() {
    let (fixture, mut harness, mut other) = chat_with("other");
    other.say(
        &fixture.runtime,
        &["\x0304red\x03 and \x02bold\x02 \x1Ditalic\x1D \x04ff8000hex\x0F\x07!"],
    );
    fixture.wait_until(&mut harness, "the formatted line", |h| {
        h.query_by_label("red and bold italic hex!").is_some()
    });
    for node in harness.query_all_by_label_contains("red") {
        let label = node.accesskit_node().label().unwrap_or_default();
        assert!(!label.contains("04red"), "{label:?}");
        assert!(!label.chars().any(|c| c.is_control()), "{label:?}");
    }
}

#[test]
fn links_in_three_forms_are_hyperlinks() {
    let (fixture, mut harness, mut other) = chat_with("other");
    other.say(
        &fixture.runtime,
        &["see https://a.example/x, www.b.example and <https://c.example/y>."],
    );
    fixture.wait_until(&mut harness, "the links", |h| {
        h.query_by_role_and_label(Role::Link, "https://a.example/x")
            .is_some()
    });
    assert!(
        harness
            .query_by_role_and_label(Role::Link, "www.b.example")
            .is_some()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Link, "https://c.example/y")
            .is_some()
    );
    // The punctuation and brackets around them stay text.
    assert!(harness.query_by_label(">.").is_some());
}

#[test]
fn shift_enter_starts_a_new_line_and_enter_sends_the_whole_text() {
    let (fixture, mut harness, mut other) = chat_with("other");
    let input = harness.get_by_label(INPUT_LABEL);
    input.focus();
    input.type_text("one");
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    harness.run();
    harness.get_by_label(INPUT_LABEL).type_text("two");
    harness.run();
    assert_eq!(
        harness.get_by_label(INPUT_LABEL).value().as_deref(),
        Some("one\ntwo")
    );
    // A paste keeps its lines too.
    harness.event(egui::Event::Paste("\nthree\nfour".into()));
    harness.run();
    assert_eq!(
        harness.get_by_label(INPUT_LABEL).value().as_deref(),
        Some("one\ntwo\nthree\nfour")
    );

    harness.key_press(egui::Key::Enter);
    harness.run();
    let input = harness.get_by_label(INPUT_LABEL);
    assert_eq!(input.value().as_deref(), Some(""));
    assert!(input.is_focused());
    assert_eq!(
        harness.state().input.history.last().map(String::as_str),
        Some("one\ntwo\nthree\nfour"),
        "the text was submitted as typed"
    );
    // ciao offers draft/multiline: the paste is ONE message to a client
    // that takes it (sending.rs checks plain clients get four lines).
    other.until(&fixture.runtime, "the paste as one message", |m| {
        m.buffer("#lobby").is_some_and(|b| {
            b.lines
                .iter()
                .any(|l| l.sender.as_deref() == Some("gui") && l.text == "one\ntwo\nthree\nfour")
        })
    });
}

#[test]
fn a_long_accented_line_typed_in_the_app_arrives_whole() {
    let (fixture, mut harness, mut other) = chat_with("other");
    // 449 characters, 535 bytes: "Input line was too long" before.
    let filler: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(345)
        .collect();
    let text = format!("{}é{filler}.", "àèìòù ".repeat(17));
    assert_eq!(text.len(), 535);
    send_line(&mut harness, &text, false);
    let wanted = text.clone();
    other.until(&fixture.runtime, "the whole text", move |m| {
        m.buffer("#lobby").is_some_and(|b| {
            let said: String = b
                .lines
                .iter()
                .filter(|l| l.sender.as_deref() == Some("gui"))
                .map(|l| l.text.as_str())
                .collect();
            said == wanted
        })
    });
    // And the app shows it once, as typed.
    fixture.wait_until(&mut harness, "the echo, once", |h| {
        let lines = &session(h).model.active_buffer().lines;
        lines.iter().filter(|l| l.text == text).count() == 1
    });
}

#[test]
fn tab_completes_a_nick_and_keeps_the_focus() {
    let (fixture, mut harness) = fixture();
    let _alice = fixture.other("alice");
    connect_as(&fixture, &mut harness, "gui");
    fixture.wait_until(&mut harness, "alice in the member list", |h| {
        session(h).model.active_buffer().member("alice").is_some()
    });
    let input = harness.get_by_label(INPUT_LABEL);
    input.focus();
    input.type_text("ali");
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();
    let input = harness.get_by_label(INPUT_LABEL);
    assert_eq!(input.value().as_deref(), Some("alice: "));
    assert!(input.is_focused(), "Tab did not move the focus away");
    // Typing goes on after the completion.
    input.type_text("hi");
    harness.run();
    assert_eq!(
        harness.get_by_label(INPUT_LABEL).value().as_deref(),
        Some("alice: hi")
    );
}

#[test]
fn the_own_nick_is_shown_beside_the_input() {
    let (fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "gui");
    harness.run();
    let input = harness.get_by_label(INPUT_LABEL).rect();
    let beside = harness.query_all_by_label("gui").any(|node| {
        let rect = node.rect();
        rect.max.x <= input.min.x
            && rect.center().y >= input.min.y
            && rect.center().y <= input.max.y
    });
    assert!(beside, "a label with the nick left of the input");
}

#[test]
fn a_mention_is_highlighted_and_asks_for_attention_when_unfocused() {
    let (fixture, mut harness, mut other) = chat_with("other");
    other.say(&fixture.runtime, &["no mention here"]);
    fixture.wait_until(&mut harness, "the plain line", |h| {
        h.query_by_label("no mention here").is_some()
    });
    assert!(harness.query_by_label(MENTION_LABEL).is_none());

    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .focused = Some(false);
    other.say(&fixture.runtime, &["gui: look here"]);
    let asked = Cell::new(false);
    fixture.wait_until(&mut harness, "the highlighted mention", |h| {
        let commands = &h.output().viewport_output[&egui::ViewportId::ROOT].commands;
        asked.set(
            asked.get()
                || commands
                    .iter()
                    .any(|c| matches!(c, egui::ViewportCommand::RequestUserAttention(_))),
        );
        h.query_by_label(MENTION_LABEL).is_some()
    });
    assert!(asked.get(), "the unfocused window asked for attention");
    let highlight = harness.get_by_label(MENTION_LABEL).rect();
    let line = harness.get_by_label("gui: look here").rect();
    assert!(
        highlight.contains_rect(line),
        "{highlight:?} holds {line:?}"
    );
}

#[test]
fn an_away_member_is_greyed_with_the_message_on_hover() {
    let (fixture, mut harness, other) = chat_with("other");
    fixture.wait_until(&mut harness, "other in the member list", |h| {
        session(h).model.active_buffer().member("other").is_some()
    });
    // The app learns it from the server (away-notify), as a user would.
    other.send(ciao_proto::Message::new("AWAY", ["gone \x02fishing\x02"]));
    fixture.wait_until(&mut harness, "other marked away", |h| {
        session(h)
            .model
            .active_buffer()
            .member("other")
            .is_some_and(|m| m.away.is_some())
    });
    // The first in #lobby, other is its operator.
    harness.get_by_label("@other").hover();
    for _ in 0..8 {
        harness.step();
    }
    assert!(
        harness.query_by_label("Away: gone fishing").is_some(),
        "the away message shows on hover"
    );
}

#[test]
fn the_member_menu_sends_whois_op_and_kick() {
    let (fixture, mut harness, mut other) = chat_with("other");
    send_line(&mut harness, "/join #ops", false);
    fixture.wait_until(&mut harness, "#ops with us as operator", |h| {
        let buffer = session(h).model.active_buffer();
        buffer.name == "#ops" && buffer.member("gui").is_some_and(|m| m.prefix == "@")
    });
    other.send(ciao_proto::Message::new("JOIN", ["#ops"]));
    fixture.wait_until(&mut harness, "other in #ops", |h| {
        session(h).model.active_buffer().member("other").is_some()
    });

    let menu = |harness: &mut Harness<'static, CiaoApp>, member: &str, item: &str| {
        harness.get_by_label(member).click_secondary();
        harness.run();
        harness.get_by_label(item).click();
        harness.run();
    };
    menu(&mut harness, "other", "Whois");
    // The answer shows where the user is looking, as sentences.
    fixture.wait_until(&mut harness, "the whois reply", |h| {
        session(h)
            .model
            .active_buffer()
            .lines
            .iter()
            .any(|l| l.text == "End of WHOIS for other")
    });
    menu(&mut harness, "other", "Op");
    other.until(&fixture.runtime, "other made operator", |m| {
        m.buffer("#ops")
            .and_then(|b| b.member("other"))
            .is_some_and(|m| m.prefix.contains('@'))
    });
    fixture.wait_until(&mut harness, "the new operator in the list", |h| {
        h.query_by_label("@other").is_some()
    });
    menu(&mut harness, "@other", "Kick");
    other.until(&fixture.runtime, "other kicked", |m| {
        m.buffer("#ops").is_some_and(|b| !b.joined)
    });
}

#[test]
fn the_channel_browser_lists_filters_and_joins() {
    let (fixture, mut harness) = fixture();
    let mut other = fixture.other("other");
    for channel in ["#rust", "#golang"] {
        other.send(ciao_proto::Message::new("JOIN", [channel]));
    }
    other.until(&fixture.runtime, "other in both", |m| {
        m.buffer("#golang").is_some_and(|b| b.joined)
    });
    connect_as(&fixture, &mut harness, "gui");
    harness.get_by_label("Channels").click();
    fixture.wait_until(&mut harness, "the listing", |h| {
        h.query_by_label("#rust").is_some() && h.query_by_label("#golang").is_some()
    });
    fill(&mut harness, "Filter", "rus");
    assert!(harness.query_by_label("#golang").is_none(), "filtered out");
    let joins: Vec<_> = harness.query_all_by_label("Join").collect();
    assert_eq!(joins.len(), 1);
    joins[0].click();
    fixture.wait_until(&mut harness, "#rust joined and shown", |h| {
        let buffer = session(h).model.active_buffer();
        buffer.name == "#rust" && buffer.joined
    });
}

#[test]
fn a_narrow_window_wraps_long_lines_inside_the_view() {
    let (fixture, mut harness) = fixture();
    let mut other = fixture.other("other");
    harness.set_size(egui::vec2(480.0, 600.0));
    connect_as(&fixture, &mut harness, "gui");
    let long_word = "x".repeat(120);
    let words = "many words that go on and on ".repeat(4);
    let text = format!("{words}{long_word} https://example.com/{long_word}");
    other.say(&fixture.runtime, &[&text]);
    fixture.wait_until(&mut harness, "the long line", |h| {
        h.query_by_label_contains("many words").is_some()
    });
    harness.run();
    let member = harness.get_by_label("@other").rect();
    let text_nodes: Vec<egui::Rect> = harness
        .query_all_by_label_contains("xxxxxxxx")
        .chain(harness.query_all_by_label_contains("many words"))
        .map(|n| n.rect())
        .collect();
    assert!(text_nodes.len() >= 2);
    let clock = harness
        .query_all_by_label_contains(":")
        .map(|n| n.rect())
        .filter(|r| r.max.x < member.min.x)
        .map(|r| r.min.x)
        .fold(f32::INFINITY, f32::min);
    for rect in text_nodes {
        assert!(rect.min.x >= clock - 0.5, "cut at the left: {rect:?}");
        assert!(rect.max.x <= member.min.x + 0.5, "past the view: {rect:?}");
    }
}

#[test]
fn the_time_shows_seconds_when_chosen() {
    let (fixture, mut harness, mut other) = chat_with("other");
    harness.state_mut().view.show_seconds = true;
    other.say(&fixture.runtime, &["what time is it"]);
    fixture.wait_until(&mut harness, "the line", |h| {
        h.query_by_label("what time is it").is_some()
    });
    let clock = |label: &str| {
        let digits = label.trim().split(':').collect::<Vec<_>>();
        digits.len() == 3 && digits.iter().all(|d| d.len() == 2)
    };
    let shown = harness.query_all_by_role(Role::Label).any(|n| {
        n.accesskit_node()
            .label()
            .or(n.accesskit_node().value())
            .is_some_and(|l| clock(&l))
    });
    assert!(shown, "a HH:MM:SS clock beside the line");
}

#[test]
fn a_long_conversation_draws_its_latest_lines_and_offers_the_rest() {
    let (_fixture, mut harness, _other) = chat_with("other");
    {
        let session = harness.state_mut().active_session_mut().expect("session");
        for i in 0..2_000 {
            let line = format!(":other!o@h PRIVMSG #lobby :flood line {i}");
            let message: ciao_proto::Message = line.parse().expect("line");
            session.model.apply(&ciao_client::Update::Message(message));
        }
    }
    harness.run();
    let drawn =
        |h: &Harness<'static, CiaoApp>| h.query_all_by_label_contains("flood line ").count();
    // Every frame lays out what is drawn: the latest lines, not 2 000.
    let first = drawn(&harness);
    assert!((100..=400).contains(&first), "{first} lines drawn");
    assert!(harness.query_by_label("flood line 1999").is_some());
    // The rest is a click (or a scroll to the top) away.
    assert!(
        harness
            .query_all_by_label_contains("Show earlier lines")
            .next()
            .is_some(),
        "the way to the earlier lines"
    );
}
