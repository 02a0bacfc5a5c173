//! Finishing registration: the password check, the welcome burst
//! (001–005, LUSERS, MOTD) and the join to the default channel.

use ciao_proto::{CaseKey, Numeric};

use super::context::Ctx;
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
    if let Some(expected) = &ctx.state.config().password
        && client.pass.as_deref() != Some(expected.as_str())
    {
        ctx.reply(Numeric::PasswdMismatch, ["Password incorrect"]);
        ctx.state
            .disconnect(ctx.id, "Closing link: bad password", "Bad password");
        return;
    }
    ctx.state.note_registration(ctx.id);
    tracing::info!(id = ctx.id, nick = %ctx.nick(), "registered (IRC)");
    welcome(ctx);
    join_default_channel(ctx.state, ctx.id);
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
