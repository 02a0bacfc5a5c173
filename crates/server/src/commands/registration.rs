//! Finishing registration: the password check, the welcome burst
//! (001–005, LUSERS, MOTD) and the join to the default channel.

use ciao_proto::names::{CHANNEL_LEN, NICK_LEN};
use ciao_proto::{CaseKey, Numeric};

use super::setname::REALNAME_LEN;
use super::{Ctx, USER_LEN, info};
use crate::state::client::{ClientId, Protocol};
use crate::state::monitor::MAX_MONITORED;
use crate::state::{MAX_CHANNELS_PER_CLIENT, State, TEXT_LEN};

/// Server software and version, for 002, 004 and VERSION.
pub const VERSION: &str = concat!("ciao-", env!("CARGO_PKG_VERSION"));

/// Completes registration once NICK and USER are in and CAP is done.
pub fn try_complete(ctx: &mut Ctx<'_>) {
    let Some(client) = ctx.state.client(ctx.id) else {
        return;
    };
    if client.registered || client.cap_negotiating || client.nick == "*" || client.user.is_empty() {
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
    if let Some(client) = ctx.state.client_mut(ctx.id) {
        client.registered = true;
    }
    ctx.state.note_registration(ctx.id);
    tracing::info!(id = ctx.id, nick = %ctx.nick(), "registered (IRC)");
    welcome(ctx);
    join_default_channel(ctx.state, ctx.id);
}

fn welcome(ctx: &mut Ctx<'_>) {
    let config = ctx.state.config();
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
        [server, VERSION, "Biow", "CbeIhiklmnostv", "beIhklov"],
    );
    send_isupport(ctx.state, ctx.id);
    info::send_lusers(ctx.state, ctx.id);
    info::send_motd(ctx.state, ctx.id);
}

/// The ISUPPORT tokens: every limit the server enforces, truthfully.
pub fn isupport_tokens(state: &State) -> Vec<String> {
    let config = state.config();
    let lists = crate::state::channel::MAX_LIST_ENTRIES;
    let mut tokens = vec![
        format!("AWAYLEN={TEXT_LEN}"),
        "BOT=B".to_owned(),
        "CASEMAPPING=rfc1459".to_owned(),
        format!("CHANLIMIT=#:{MAX_CHANNELS_PER_CLIENT}"),
        "CHANMODES=beI,k,l,Cimnst".to_owned(),
        format!("CHANNELLEN={CHANNEL_LEN}"),
        "CHANTYPES=#".to_owned(),
        "ELIST=CMNTU".to_owned(),
        "EXCEPTS=e".to_owned(),
        "INVEX=I".to_owned(),
        format!("KICKLEN={TEXT_LEN}"),
        format!("MAXLIST=b:{lists},e:{lists},I:{lists}"),
        "MODES=4".to_owned(),
        format!("MONITOR={MAX_MONITORED}"),
        format!("NAMELEN={REALNAME_LEN}"),
        format!("NETWORK={}", config.network),
        format!("NICKLEN={NICK_LEN}"),
        "PREFIX=(ohv)@%+".to_owned(),
        "STATUSMSG=@%+".to_owned(),
        "TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:,KICK:4,NAMES:,WHOIS:1,MONITOR:".to_owned(),
        format!("TOPICLEN={TEXT_LEN}"),
        "UTF8ONLY".to_owned(),
        format!("USERLEN={USER_LEN}"),
        "WHOX".to_owned(),
    ];
    if let Some(channel) = &config.default_channel {
        tokens.push(format!("DEFAULTCHAN={channel}"));
    }
    if state.history_on() {
        tokens.push(format!("CHATHISTORY={}", crate::history::QUERY_LIMIT));
        tokens.push("MSGREFTYPES=msgid,timestamp".to_owned());
    }
    tokens
}

pub fn send_isupport(state: &State, id: ClientId) {
    let tokens = isupport_tokens(state);
    // Thirteen tokens a line, the most the 15-parameter limit leaves
    // beside the nick and the text: fewer lines in every welcome (each
    // line of the burst costs idle memory, docs/BENCHMARKS.md).
    for chunk in tokens.chunks(13) {
        let mut params: Vec<String> = chunk.to_vec();
        params.push("are supported by this server".to_owned());
        state.reply(id, Numeric::ISupport, params);
    }
}

/// Joins a newly registered client to the default channel. The server
/// puts it there, so channel keys and limits do not apply. Plain clients
/// always need a room: without a default channel they use `#lobby`.
pub fn join_default_channel(state: &mut State, id: ClientId) {
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
pub const PLAIN_FALLBACK_CHANNEL: &str = "#lobby";

/// The channel a plain client talks in.
pub fn plain_channel(state: &State) -> CaseKey {
    CaseKey::new(
        state
            .config()
            .default_channel
            .as_deref()
            .unwrap_or(PLAIN_FALLBACK_CHANNEL),
    )
}
