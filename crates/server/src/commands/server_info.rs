//! What the server says about itself, in the welcome burst and when
//! asked (VERSION, LUSERS, MOTD): its version, its ISUPPORT tokens, its
//! user counts and its message of the day.

use ciao_proto::Numeric;
use ciao_proto::names::{CHANNEL_LEN, NICK_LEN};

use super::limits::{MAX_KICKS, MAX_PARAM_MODES, MAX_TARGETS, REALNAME_LEN, USER_LEN};
use crate::state::channel::{ACCOUNT_EXTBAN, EXTBAN_PREFIX};
use crate::state::client::ClientId;
use crate::state::monitor::MAX_MONITORED;
use crate::state::{MAX_CHANNELS_PER_CLIENT, State, TEXT_LEN};

/// Server software and version, for 002, 004 and VERSION.
pub(super) const VERSION: &str = concat!("ciao-", env!("CARGO_PKG_VERSION"));

/// The ISUPPORT tokens: every limit the server enforces, truthfully.
pub(super) fn isupport_tokens(state: &State) -> Vec<String> {
    let config = state.config();
    let lists = crate::state::channel::MAX_LIST_ENTRIES;
    let mut tokens = vec![
        // IRCv3 account-extban: `+b ~a:<account>` (`state::channel`).
        format!("ACCOUNTEXTBAN={ACCOUNT_EXTBAN}"),
        format!("AWAYLEN={TEXT_LEN}"),
        "BOT=B".to_owned(),
        "CASEMAPPING=rfc1459".to_owned(),
        format!("CHANLIMIT=#:{MAX_CHANNELS_PER_CLIENT}"),
        "CHANMODES=beI,k,l,Cimnst".to_owned(),
        format!("CHANNELLEN={CHANNEL_LEN}"),
        "CHANTYPES=#".to_owned(),
        "ELIST=CMNTU".to_owned(),
        "EXCEPTS=e".to_owned(),
        format!("EXTBAN={EXTBAN_PREFIX},{ACCOUNT_EXTBAN}"),
        "INVEX=I".to_owned(),
        format!("KICKLEN={TEXT_LEN}"),
        format!("MAXLIST=b:{lists},e:{lists},I:{lists}"),
        format!("MODES={MAX_PARAM_MODES}"),
        format!("MONITOR={MAX_MONITORED}"),
        format!("NAMELEN={REALNAME_LEN}"),
        format!("NETWORK={}", config.network),
        format!("NICKLEN={NICK_LEN}"),
        "PREFIX=(ohv)@%+".to_owned(),
        "STATUSMSG=@%+".to_owned(),
        format!(
            "TARGMAX=PRIVMSG:{MAX_TARGETS},NOTICE:{MAX_TARGETS},TAGMSG:{MAX_TARGETS},JOIN:,PART:,KICK:{MAX_KICKS},NAMES:,WHOIS:1,MONITOR:"
        ),
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

pub(super) fn send_isupport(state: &mut State, id: ClientId) {
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

pub(super) fn send_motd(state: &mut State, id: ClientId) {
    // The settings outlive this borrow of the state (an `Arc`).
    let config = state.shared_config();
    let motd = &config.motd;
    if motd.is_empty() {
        state.reply(id, Numeric::NoMotd, ["MOTD File is missing"]);
        return;
    }
    let server = &config.server_name;
    state.reply(
        id,
        Numeric::MotdStart,
        [format!("- {server} Message of the day - ")],
    );
    for line in motd {
        state.reply(id, Numeric::Motd, [format!("- {line}")]);
    }
    state.reply(id, Numeric::EndOfMotd, ["End of /MOTD command."]);
}

pub(super) fn send_lusers(state: &mut State, id: ClientId) {
    let (users, unknown) = state.counts();
    let invisible = state
        .clients()
        .filter(|c| c.registered() && c.invisible)
        .count();
    let opers = state.clients().filter(|c| c.oper).count();
    let channels = state.channels().len();
    state.reply(
        id,
        Numeric::LUserClient,
        [format!(
            "There are {} users and {invisible} invisible on 1 servers",
            users - invisible
        )],
    );
    state.reply(
        id,
        Numeric::LUserOp,
        [opers.to_string(), "operator(s) online".to_owned()],
    );
    state.reply(
        id,
        Numeric::LUserUnknown,
        [unknown.to_string(), "unknown connection(s)".to_owned()],
    );
    if channels > 0 {
        state.reply(
            id,
            Numeric::LUserChannels,
            [channels.to_string(), "channels formed".to_owned()],
        );
    }
    state.reply(
        id,
        Numeric::LUserMe,
        [format!("I have {users} clients and 0 servers")],
    );
    let max = state.registry().peak_users().to_string();
    state.reply(
        id,
        Numeric::LocalUsers,
        [
            users.to_string(),
            max.clone(),
            format!("Current local users {users}, max {max}"),
        ],
    );
    state.reply(
        id,
        Numeric::GlobalUsers,
        [
            users.to_string(),
            max.clone(),
            format!("Current global users {users}, max {max}"),
        ],
    );
}
