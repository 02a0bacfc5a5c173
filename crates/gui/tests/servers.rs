//! Several servers in one window, the saved list, the settings and
//! hosting, through the real app and real ciao-servers on 127.0.0.1:0.

mod common;

use ciao::view_settings::{Theme, ViewSettings};
use common::*;

fn name(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// Waits until the server at `port` is on screen with #lobby joined.
fn wait_for_server(fixture: &Fixture, harness: &mut Harness<'static, CiaoApp>, port: u16) {
    fixture.wait_until(harness, "the server's #lobby", |h| {
        h.state().in_chat()
            && h.state().active_session().is_some_and(|s| {
                s.settings.port == port && s.model.buffer("#lobby").is_some_and(|b| b.joined)
            })
    });
}

#[test]
fn two_servers_each_in_their_group_and_the_list_is_remembered() {
    let (fixture, mut harness) = fixture();
    let (second, _stop_second) = start_server(&fixture, 0, ciao_server::Config::default());
    let mut ann = fixture.other("ann");
    let mut bob = fixture.other_on(second, "bob");
    connect_as(&fixture, &mut harness, "me");
    harness.get_by_label("Add server").click();
    harness.run();
    submit_form(&mut harness, second, "me");
    wait_for_server(&fixture, &mut harness, second);
    harness.run_ok();
    for port in [fixture.port, second] {
        let header = format!("{} — connected", name(port));
        assert!(harness.query_by_label(&header).is_some(), "{header}");
    }

    ann.say(&fixture.runtime, &["hello one"]);
    bob.say(&fixture.runtime, &["hello two"]);
    let first_name = name(fixture.port);
    let second_name = name(second);
    fixture.wait_until(&mut harness, "each line on its server", |h| {
        let app = h.state();
        app.session_named(&first_name)
            .is_some_and(|s| has_line(s, "#lobby", "hello one"))
            && app
                .session_named(&second_name)
                .is_some_and(|s| has_line(s, "#lobby", "hello two"))
    });
    // The second server is on screen: the first one's line is unread
    // there, though #lobby is that server's own active conversation.
    harness.run();
    assert_eq!(
        harness.state().active_session().map(|s| s.name.clone()),
        Some(second_name.clone())
    );
    assert_eq!(harness.query_all_by_label("#lobby (1)").count(), 1);
    let app = harness.state();
    assert!(!has_line(
        app.session_named(&first_name).expect("first"),
        "#lobby",
        "hello two"
    ));
    assert!(!has_line(
        app.session_named(&second_name).expect("second"),
        "#lobby",
        "hello one"
    ));

    // Leaving the second server keeps the first, on screen.
    harness.get_by_label("Disconnect").click();
    harness.run();
    assert_eq!(harness.state().sessions().len(), 1);
    assert!(harness.state().in_chat());
    assert_eq!(
        harness.state().active_session().map(|s| s.name.clone()),
        Some(first_name.clone())
    );
    send_line(&mut harness, "still here", false);
    ann.until(&fixture.runtime, "the line from the first server", |m| {
        m.buffer("#lobby")
            .is_some_and(|b| b.lines.iter().any(|l| l.text == "still here"))
    });
    fixture.wait_until(&mut harness, "the second server as a saved one", |h| {
        h.query_by_label(&format!("Connect to {second_name}"))
            .is_some()
    });

    // After a restart the list is back, and connects with one click.
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let (fixture2, mut harness2) = common::fixture();
    harness2.state_mut().restore(&storage);
    harness2.run();
    let names: Vec<String> = harness2
        .state()
        .servers
        .entries
        .iter()
        .map(|e| e.name.clone())
        .collect();
    assert_eq!(names, [first_name, second_name.clone()]);
    harness2
        .get_by_label(&format!("Connect to {second_name}"))
        .click();
    harness2.step();
    wait_for_server(&fixture2, &mut harness2, second);
    assert_eq!(
        harness2
            .state()
            .active_session()
            .expect("session")
            .model
            .own_nick,
        "me"
    );
}

#[test]
fn the_last_disconnect_returns_to_the_filled_form() {
    let (fixture, mut harness) = fixture();
    connect_as(&fixture, &mut harness, "solo");
    harness.get_by_label("Disconnect").click();
    harness.run();
    assert!(!harness.state().in_chat());
    assert!(harness.state().sessions().is_empty());
    assert_eq!(
        harness.get_by_label("Port").value().as_deref(),
        Some(fixture.port.to_string().as_str())
    );
    assert_eq!(
        harness.get_by_label("Nickname").value().as_deref(),
        Some("solo")
    );
}

#[test]
fn settings_are_applied_and_remembered() {
    let (_fixture, mut harness) = fixture();
    harness.get_by_label("Settings").click();
    harness.run();
    harness.get_by_label("Light").click();
    harness.run();
    assert!(!harness.ctx.global_style().visuals.dark_mode);
    harness.get_by_label("Dark").click();
    harness.run();
    assert!(harness.ctx.global_style().visuals.dark_mode);
    harness.get_by_label("18 pt").click();
    harness.run();
    let body = |h: &Harness<'static, CiaoApp>| {
        h.ctx.global_style().text_styles[&egui::TextStyle::Body].size
    };
    assert_eq!(body(&harness), 18.0);
    harness.get_by_label("Show seconds in times").click();
    harness
        .get_by_label("Notify me of mentions and private messages")
        .click();
    harness.run();
    let chosen = ViewSettings {
        show_seconds: true,
        theme: Theme::Dark,
        font_size: 18.0,
        notifications: false,
    };
    assert_eq!(harness.state().view, chosen);

    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let (_fixture2, mut harness2) = common::fixture();
    harness2.state_mut().restore(&storage);
    harness2.run();
    assert_eq!(harness2.state().view, chosen);
    assert!(harness2.ctx.global_style().visuals.dark_mode);
    assert_eq!(body(&harness2), 18.0);
}

#[test]
fn hosting_for_this_computer_only_keeps_history_across_restarts() {
    let (fixture, mut harness) = fixture();
    let free = host_form(&mut harness, "host");
    harness
        .get_by_label("Only this computer (127.0.0.1)")
        .click();
    harness.get_by_label("Host a chat").click();
    harness.step();
    wait_for_server(&fixture, &mut harness, free);
    let bound = harness.state().host.as_ref().map(|h| h.bound);
    assert_eq!(
        bound,
        Some(std::net::SocketAddr::from(([127, 0, 0, 1], free)))
    );

    let mut guest = fixture.other_on(free, "guest");
    guest.say(&fixture.runtime, &["said before"]);
    fixture.wait_until(&mut harness, "the guest's line", |h| {
        h.state()
            .active_session()
            .is_some_and(|s| has_line(s, "#lobby", "said before"))
    });

    // Stop hosting, host again: the line comes back from history.
    harness.get_by_label("Disconnect").click();
    harness.run();
    assert!(harness.state().host.is_none(), "hosting stopped");
    harness.get_by_label("Host a chat").click();
    harness.step();
    wait_for_server(&fixture, &mut harness, free);
    fixture.wait_until(&mut harness, "the line replayed", |h| {
        h.state().active_session().is_some_and(|s| {
            s.model.buffer("#lobby").is_some_and(|b| {
                b.lines
                    .iter()
                    .any(|l| l.text == "said before" && l.replayed)
            })
        })
    });
    harness.state_mut().shutdown();
}
