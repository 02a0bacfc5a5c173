//! Channel modes and the queries around channels: ban and invite
//! exceptions, half-operators, invitations past limits, LIST filters,
//! NAMES of several channels and WHOX.

mod common;

use common::{TestClient, TestServer, numeric_of, quiet_config};

/// Sends a mode change and waits for its announcement to `client`.
async fn mode(client: &mut TestClient, change: &str) {
    client.send(&format!("MODE {change}")).await;
    client.wait_contains(&format!(" MODE {change}")).await;
}

#[tokio::test]
async fn ban_and_invite_exceptions_let_matching_users_in() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut bar = TestClient::irc(server.addr, "Bar").await;
    let mut baz = TestClient::irc(server.addr, "baz").await;
    op.join("#c").await;

    mode(&mut op, "#c +b ba*!*@*").await;
    bar.send("JOIN #c").await;
    bar.expect(":test.server 474 Bar #c :Cannot join channel (+b)")
        .await;
    mode(&mut op, "#c +e *ar!*@*").await;
    bar.join("#c").await;
    // Still banned, and not excepted.
    baz.send("JOIN #c").await;
    baz.expect(":test.server 474 baz #c :Cannot join channel (+b)")
        .await;

    mode(&mut op, "#c -b ba*!*@*").await;
    mode(&mut op, "#c +i").await;
    baz.send("JOIN #c").await;
    baz.expect(":test.server 473 baz #c :Cannot join channel (+i)")
        .await;
    mode(&mut op, "#c +I baz").await;
    baz.join("#c").await;

    // Operators read the exception lists; others may not.
    op.send("MODE #c e").await;
    let entry = op.wait_numeric("348").await;
    assert!(entry.starts_with(":test.server 348 op #c *ar!*@* op!~op@127.0.0.1 "));
    op.expect(":test.server 349 op #c :End of channel exception list")
        .await;
    op.send("MODE #c +I").await;
    let entry = op.wait_numeric("346").await;
    assert!(entry.starts_with(":test.server 346 op #c baz!*@* op!~op@127.0.0.1 "));
    op.expect(":test.server 347 op #c :End of channel invite exception list")
        .await;
    baz.send("MODE #c I").await;
    baz.wait_for("482", |l| {
        l == ":test.server 482 baz #c :You're not channel operator"
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn half_operators_voice_kick_below_them_and_set_the_topic() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut half = TestClient::irc_with_caps(server.addr, "half", &["multi-prefix"]).await;
    let mut user = TestClient::irc(server.addr, "user").await;
    for client in [&mut op, &mut half, &mut user] {
        client.join("#c").await;
    }
    mode(&mut op, "#c +hv half half").await;
    half.send("NAMES #c").await;
    let names = half.wait_numeric("353").await;
    assert!(names.contains("%+half"), "{names}");
    assert!(names.contains("@op"), "{names}");
    mode(&mut half, "#c +v user").await;
    half.send("MODE #c +o user").await;
    half.wait_for("482", |l| numeric_of(l) == Some("482")).await;
    half.send("MODE #c +m").await;
    half.wait_for("482", |l| numeric_of(l) == Some("482")).await;
    half.send("KICK #c op").await;
    half.wait_for("482", |l| numeric_of(l) == Some("482")).await;
    // Refused means not done: the operator saw none of it.
    let seen = op.sync().await;
    assert!(
        !seen.iter().any(|l| l.contains(" MODE #c +o")
            || l.contains(" MODE #c +m")
            || l.contains(" KICK ")),
        "{seen:#?}"
    );
    half.send("TOPIC #c :set by a half-op").await;
    half.wait_contains("TOPIC #c :set by a half-op").await;
    half.send("KICK #c user :out").await;
    user.wait_contains("KICK #c user :out").await;
    op.wait_contains("KICK #c user :out").await;

    // A banned member may stay but not speak, unless voiced.
    user.join("#c").await;
    mode(&mut op, "#c +b user!*@*").await;
    user.send("PRIVMSG #c :hello?").await;
    user.wait_for("404", |l| {
        l == ":test.server 404 user #c :Cannot send to channel"
    })
    .await;
    mode(&mut op, "#c +v user").await;
    user.send("PRIVMSG #c :heard").await;
    op.wait_contains("PRIVMSG #c :heard").await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_invitation_gets_past_the_limit_and_the_key() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut member = TestClient::irc(server.addr, "member").await;
    let mut guest = TestClient::irc(server.addr, "guest").await;
    op.join("#c").await;
    member.join("#c").await;
    mode(&mut op, "#c +lk 2 secret").await;
    // An ordinary member's invitation is only word of the channel.
    member.send("INVITE guest #c").await;
    member.wait_numeric("341").await;
    guest.wait_contains("INVITE guest #c").await;
    guest.send("JOIN #c").await;
    guest
        .expect(":test.server 475 guest #c :Cannot join channel (+k)")
        .await;
    guest.send("JOIN #c secret").await;
    guest
        .expect(":test.server 471 guest #c :Cannot join channel (+l)")
        .await;
    member.send("PART #c").await;
    member.wait_contains("PART #c").await;
    mode(&mut op, "#c +l 1").await;
    guest.send("JOIN #c secret").await;
    guest
        .expect(":test.server 471 guest #c :Cannot join channel (+l)")
        .await;
    guest.send("JOIN #c").await;
    guest
        .expect(":test.server 475 guest #c :Cannot join channel (+k)")
        .await;
    op.send("INVITE guest #c").await;
    guest.wait_contains("INVITE guest #c").await;
    guest.send("JOIN #c").await;
    guest.expect(":guest!~guest@127.0.0.1 JOIN #c").await;
    server.shutdown().await;
}

#[tokio::test]
async fn list_filters_by_name_members_and_age() {
    let server = TestServer::start(quiet_config()).await;
    let mut a = TestClient::irc(server.addr, "a").await;
    let mut b = TestClient::irc(server.addr, "b").await;
    a.join("#chan1").await;
    a.join("#chan2").await;
    b.join("#chan2").await;
    a.send("TOPIC #chan1 :first").await;
    a.wait_contains("TOPIC #chan1").await;

    let mut list = async |query: &str| -> Vec<String> {
        b.send(&format!("LIST {query}")).await;
        let mut names = Vec::new();
        loop {
            let line = b.line().await;
            match numeric_of(&line) {
                Some("322") => names.push(line.split(' ').nth(3).unwrap_or("").to_owned()),
                Some("323") => return names,
                _ => {}
            }
        }
    };
    assert_eq!(list("").await, ["#chan1", "#chan2"]);
    assert_eq!(list("*an1").await, ["#chan1"]);
    assert_eq!(list("#CHAN2").await, ["#chan2"]);
    assert_eq!(list("!*an1").await, ["#chan2"]);
    assert_eq!(list(">1").await, ["#chan2"]);
    assert_eq!(list("<2").await, ["#chan1"]);
    assert_eq!(list("#ch*,>1").await, ["#chan2"]);
    // Both channels are younger than a minute; only #chan1 has a topic.
    assert_eq!(list("C<1").await, ["#chan1", "#chan2"]);
    assert!(list("C>1").await.is_empty());
    assert_eq!(list("T<1").await, ["#chan1"]);
    assert!(list("T>1").await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn names_of_several_channels_end_once() {
    let server = TestServer::start(quiet_config()).await;
    let mut a = TestClient::irc(server.addr, "a").await;
    a.join("#one").await;
    a.join("#two").await;
    a.send("NAMES #one,#nope,#two").await;
    a.expect(":test.server 353 a = #one :@a").await;
    a.expect(":test.server 353 a = #two :@a").await;
    a.expect(":test.server 366 a #one,#nope,#two :End of /NAMES list")
        .await;
    a.send("NAMES #ONE").await;
    a.expect(":test.server 353 a = #one :@a").await;
    a.expect(":test.server 366 a #one :End of /NAMES list")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn whox_sends_the_fields_asked_for_in_a_fixed_order() {
    let server = TestServer::start(quiet_config()).await;
    let mut cool = TestClient::connect(server.addr, "cool").await;
    cool.send("NICK cool").await;
    cool.send("USER cooluser 0 * :Cool Name").await;
    cool.wait_for("end of MOTD", |l| {
        matches!(numeric_of(l), Some("376" | "422"))
    })
    .await;
    cool.join("#c").await;
    let mut other = TestClient::irc(server.addr, "other").await;

    other.send("WHO cool %tcuihsnfdlaor,42").await;
    let row = other.wait_numeric("354").await;
    let (head, realname) = row.split_once(" :").expect("trailing");
    let fields: Vec<&str> = head.split(' ').collect();
    assert_eq!(
        fields[..12],
        [
            ":test.server",
            "354",
            "other",
            "42",
            "*",
            "~cooluser",
            "127.0.0.1",
            "127.0.0.1",
            "test.server",
            "cool",
            "H",
            "0",
        ]
    );
    assert!(fields[12].parse::<u64>().is_ok(), "idle: {row}");
    assert_eq!(fields[13..], ["0", "n/a"]);
    assert_eq!(realname, "Cool Name");
    other
        .expect(":test.server 315 other cool :End of /WHO list")
        .await;

    // The order asked for does not matter; the token is optional.
    other.send("WHO #c %nfc").await;
    other.expect(":test.server 354 other #c cool :H@").await;
    other.wait_numeric("315").await;
    // A token asked for but missing still takes its place.
    other.send("WHO cool %tn").await;
    other.expect(":test.server 354 other 0 :cool").await;
    other.wait_numeric("315").await;
    // `o` keeps only IRC operators.
    other.send("WHO * o%n").await;
    other
        .expect(":test.server 315 other * :End of /WHO list")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn no_ctcp_mode_lets_only_actions_through() {
    let server = TestServer::start(quiet_config()).await;
    let mut op = TestClient::irc(server.addr, "op").await;
    let mut user = TestClient::irc(server.addr, "user").await;
    op.join("#c").await;
    user.join("#c").await;
    op.wait_contains("JOIN #c").await;
    mode(&mut op, "#c +C").await;
    user.wait_contains("MODE #c +C").await;

    user.send("PRIVMSG #c :\u{1}PING 1\u{1}").await;
    user.expect(":test.server 404 user #c :Cannot send to channel")
        .await;
    user.send("PRIVMSG #c :\u{1}ACTION waves\u{1}").await;
    op.expect(":user!~user@127.0.0.1 PRIVMSG #c :\u{1}ACTION waves\u{1}")
        .await;
    op.send("MODE #c").await;
    op.wait_for("324", |l| l == ":test.server 324 op #c :+Cnt")
        .await;
    server.shutdown().await;
}

/// A LIST of more channels than the sendq holds at once goes out a piece
/// at a time as the client reads it: complete, in name order, and ahead
/// of the replies to whatever the client sent after it.
#[tokio::test]
async fn a_list_longer_than_the_sendq_arrives_whole_and_in_order() {
    let server = TestServer::start(ciao_server::Config {
        sendq_bytes: 128 * 1024,
        ..quiet_config()
    })
    .await;
    // 5 000 channels, kept open by 50 members of 100 each: about 200 KB of
    // LIST replies, more than the 128 KiB sendq.
    let mut keepers = Vec::new();
    for k in 0..50 {
        let mut keeper = TestClient::irc(server.addr, &format!("keeper{k}")).await;
        for half in 0..2 {
            let names: Vec<String> = (0..50)
                .map(|c| format!("#room{:04}", k * 100 + half * 50 + c))
                .collect();
            keeper.send(&format!("JOIN {}", names.join(","))).await;
        }
        keeper.sync().await;
        keepers.push(keeper);
    }
    let mut lister = TestClient::irc(server.addr, "lister").await;
    lister.send("LIST").await;
    lister.send("PING :after-the-list").await;
    lister.wait_numeric("321").await;
    let mut listed = Vec::new();
    loop {
        let line = lister.line().await;
        match numeric_of(&line) {
            Some("322") => listed.push(line.split(' ').nth(3).unwrap_or_default().to_owned()),
            Some("323") => break,
            _ => panic!("inside the LIST: {line}"),
        }
    }
    let wanted: Vec<String> = (0..5000).map(|c| format!("#room{c:04}")).collect();
    assert_eq!(listed, wanted, "every channel once, in name order");
    assert!(
        lister.line().await.ends_with("after-the-list"),
        "the PONG comes after"
    );
    server.shutdown().await;
}
