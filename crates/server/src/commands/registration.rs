//! Finishing registration: the password check, the welcome burst
//! (001–005, LUSERS, MOTD) and the join to the default channel.

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::Ctx;
use super::login;
use super::server_info::{self, VERSION};
use crate::state::State;
use crate::state::client::{ClientId, Protocol};

/// Completes registration once NICK and USER are in and CAP is done.
pub(crate) fn try_complete(ctx: &mut Ctx<'_>) {
    let Some(client) = ctx.state.client(ctx.id) else {
        return;
    };
    if client.registered()
        || client.cap_negotiating
        || client.nick() == "*"
        || client.user.is_empty()
    {
        return;
    }
    if let Some(expected) = ctx.state.config().password.clone()
        && !client.pass_verified
    {
        check_server_password(ctx, expected);
        return;
    }
    if ctx.state.config().password.is_none()
        && client.account().is_none()
        && let Some((account, password)) = client.pass.as_deref().and_then(|p| p.split_once(':'))
    {
        // `PASS account:password` logs in (without a server password):
        // the verdict completes the registration, logged in or not.
        let (account, password) = (account.to_owned(), password.to_owned());
        if let Some(client) = ctx.state.client_mut(ctx.id) {
            client.pass = None;
        }
        let id = ctx.id;
        let name = account.clone();
        login::verify_password(ctx.state, id, &account, password, move |state, outcome| {
            if let login::Outcome::Refused(why) = outcome {
                state.notice(id, &format!("Login to {name} failed: {why}"));
            }
            try_complete(&mut Ctx {
                state,
                id,
                verb: "PASS",
            });
        });
        return;
    }
    reserve(ctx);
    ctx.state.note_registration(ctx.id);
    tracing::info!(id = ctx.id, nick = %ctx.nick(), "registered (IRC)");
    welcome(ctx);
    join_default_channel(ctx.state, ctx.id);
}

/// The server password: compared at once if configured in clear, else
/// verified off the runtime; right, registration goes on; wrong, 464 and
/// the link is closed.
fn check_server_password(ctx: &mut Ctx<'_>, expected: String) {
    let id = ctx.id;
    let given = ctx
        .state
        .client_mut(id)
        .and_then(|client| client.pass.take())
        .unwrap_or_default();
    let verdict = move |state: &mut State, right: bool| {
        if !right {
            state.reply(id, Numeric::PasswdMismatch, ["Password incorrect"]);
            state.disconnect(id, "Closing link: bad password", "Bad password");
            return;
        }
        let Some(client) = state.client_mut(id) else {
            return;
        };
        client.pass_verified = true;
        try_complete(&mut Ctx {
            state,
            id,
            verb: "PASS",
        });
    };
    login::check_secret(ctx.state, id, expected, given.into(), verdict);
}

/// A registered nick is its account's: a client completing registration
/// with one it is not logged in to is renamed `Guest-NNNN` (checked only
/// now, so that SASL sent after NICK counts).
fn reserve(ctx: &mut Ctx<'_>) {
    let nick = ctx.nick();
    if !nick_reserved_from(ctx.state, ctx.id, &nick) {
        return;
    }
    ctx.reply(
        Numeric::NicknameInUse,
        [nick.as_str(), "Nickname is reserved by a different account"],
    );
    let mut n = ctx.id % 10_000;
    let guest = loop {
        let guest = format!("Guest-{n:04}");
        if ctx.state.claim_nick(ctx.id, &guest).is_ok() {
            break guest;
        }
        n += 10_000;
    };
    let text = format!(
        "{nick} belongs to an account: log in to it with SASL to use it. You are {guest} for now"
    );
    ctx.state
        .fail(ctx.id, "NICK", &["NICKNAME_RESERVED", &nick, &text]);
    let old_mask = ctx.mask().replacen(&guest, &nick, 1);
    let rename = Message::new("NICK", [guest.as_str()]).with_source(old_mask);
    ctx.state.send(ctx.id, &rename);
}

/// True when `nick` is a registered account that `id` is not logged in
/// to.
pub(crate) fn nick_reserved_from(state: &State, id: ClientId, nick: &str) -> bool {
    let Some(record) = state.account(nick) else {
        return false;
    };
    let owner = CaseKey::new(&record.name);
    state
        .client(id)
        .and_then(|client| client.account())
        .is_none_or(|account| CaseKey::new(account) != owner)
}

fn welcome(ctx: &mut Ctx<'_>) {
    // The settings outlive this borrow of the state (an `Arc`).
    let config = ctx.state.shared_config();
    let server = config.server_name.as_str();
    let network = config.network.as_str();
    let mask = ctx.mask();
    ctx.reply(
        Numeric::Welcome,
        [format!("Welcome to the {network} IRC network, {mask}")],
    );
    ctx.reply(
        Numeric::YourHost,
        [format!("Your host is {server}, running version {VERSION}")],
    );
    let created = crate::clock::iso8601(ctx.state.started_at() * 1000);
    ctx.reply(
        Numeric::Created,
        [format!("This server was created {created}")],
    );
    ctx.reply(
        Numeric::MyInfo,
        [server, VERSION, "BiowZ", "CbeIhiklmnostv", "beIhklov"],
    );
    server_info::send_isupport(ctx.state, ctx.id);
    server_info::send_lusers(ctx.state, ctx.id);
    server_info::send_motd(ctx.state, ctx.id);
}

/// Joins a newly registered client to the default channel. The server
/// puts it there, so channel keys and limits do not apply. Plain clients
/// always need a room: without a default channel they use `#lobby`.
pub(crate) fn join_default_channel(state: &mut State, id: ClientId) {
    let Some(client) = state.client(id) else {
        return;
    };
    let channel = match (&state.config().default_channel, client.protocol) {
        (Some(channel), _) => channel.clone(),
        (None, Protocol::Plain) => PLAIN_FALLBACK_CHANNEL.to_owned(),
        (None, Protocol::Irc) => return,
    };
    state.join(id, &channel);
}

/// The room of plain clients when auto-join is off.
pub(crate) const PLAIN_FALLBACK_CHANNEL: &str = "#lobby";

/// The channel a plain client talks in.
pub(crate) fn plain_channel(state: &State) -> CaseKey {
    CaseKey::new(
        state
            .config()
            .default_channel
            .as_deref()
            .unwrap_or(PLAIN_FALLBACK_CHANNEL),
    )
}
