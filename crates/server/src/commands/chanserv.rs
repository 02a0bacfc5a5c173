//! ChanServ, the channel service (as ergo's): `PRIVMSG ChanServ :<command>`,
//! or `CHANSERV <command>` / `CS <command>`.
//!
//! REGISTER <#channel>                  a logged-in operator of it
//! INFO <#channel>                      anyone
//! OP <#channel> [<nick>]               the founder and its operators
//! ACCESS <#channel> LIST               the founder and its operators
//! ACCESS <#channel> ADD <account> [op] the founder
//! ACCESS <#channel> DEL <account>      the founder
//! DROP <#channel>                      the founder
//!
//! A registered channel keeps its topic, modes, mask lists, founder and
//! operators across restarts (with history on), and its founder's and
//! operators' accounts get `@` on joining (see `state::kept_channels`).
//! Every answer and refusal is a NOTICE from ChanServ.

use ciao_proto::names::check_nick;
use ciao_proto::{CaseKey, Message, Numeric, irc_eq};

use super::context::{CommandResult, Ctx};
use super::policy;
use crate::state::channel::{MAX_CHANNEL_OPERATORS, Rank, Registration};
use crate::state::kept_channels::CHANSERV;

/// Most channels one account may register: registrations outlive their
/// owners' sessions, so they are bounded per account.
const MAX_REGISTERED_PER_ACCOUNT: usize = 20;

/// What a refusal says.
type Refused = String;

/// `CHANSERV <command…>` and `CS <command…>`.
pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    command(ctx, &message.params.join(" "));
    Ok(())
}

/// True for the service's nick, which no client may take.
pub(super) fn is_service(nick: &str) -> bool {
    irc_eq(nick, CHANSERV)
}

/// Runs one ChanServ command sent as text (a PRIVMSG to ChanServ).
pub(super) fn command(ctx: &mut Ctx<'_>, text: &str) {
    let mut words = text.split_whitespace();
    let verb = words.next().unwrap_or("").to_ascii_uppercase();
    let args: Vec<&str> = words.collect();
    let result = match (verb.as_str(), args.as_slice()) {
        ("REGISTER", [channel]) => register(ctx, channel),
        ("INFO", [channel]) => info(ctx, channel),
        ("OP", [channel]) => op(ctx, channel, None),
        ("OP", [channel, nick]) => op(ctx, channel, Some(nick)),
        ("ACCESS", [channel, rest @ ..]) => access(ctx, channel, rest),
        ("DROP", [channel]) => drop_registration(ctx, channel),
        ("HELP" | "", _) => {
            help(ctx);
            Ok(())
        }
        ("REGISTER" | "INFO" | "DROP", _) => Err(format!("Syntax: {verb} <#channel>")),
        ("OP", _) => Err("Syntax: OP <#channel> [<nick>]".to_owned()),
        ("ACCESS", _) => {
            Err("Syntax: ACCESS <#channel> LIST | ADD <account> [op] | DEL <account>".to_owned())
        }
        _ => Err(format!("Unknown command {verb}. Send HELP for the list.")),
    };
    if let Err(refused) = result {
        tell(ctx, &refused);
    }
}

/// WHOIS ChanServ: a service, on this server.
pub(super) fn whois(ctx: &mut Ctx<'_>) {
    let server = ctx.state.config().server_name.clone();
    ctx.reply(
        Numeric::WhoisUser,
        [CHANSERV, CHANSERV, server.as_str(), "*", "Channel services"],
    );
    ctx.reply(
        Numeric::WhoisServer,
        [CHANSERV, server.as_str(), "Services"],
    );
    ctx.reply(Numeric::WhoisOperator, [CHANSERV, "is a Network Service"]);
    ctx.reply(Numeric::EndOfWhois, [CHANSERV, "End of /WHOIS list"]);
}

/// A NOTICE from ChanServ to the sender.
fn tell(ctx: &mut Ctx<'_>, text: &str) {
    let notice = Message::new("NOTICE", [ctx.nick(), text.to_owned()])
        .with_source(ctx.state.chanserv_mask());
    ctx.state.send(ctx.id, &notice);
}

fn help(ctx: &mut Ctx<'_>) {
    for line in [
        "ChanServ keeps a registered channel's topic, modes and bans, and gives @ to its founder and operators by account.",
        "REGISTER <#channel>: register a channel you are an operator of (you must be logged in)",
        "INFO <#channel>: who a channel is registered to",
        "OP <#channel> [<nick>]: give @ (founder and operators)",
        "ACCESS <#channel> LIST | ADD <account> [op] | DEL <account>: the channel's operators (founder)",
        "DROP <#channel>: unregister a channel (founder)",
    ] {
        tell(ctx, line);
    }
}

/// The sender's account, or why it cannot `what`.
fn account(ctx: &Ctx<'_>, what: &str) -> Result<String, Refused> {
    ctx.sender()
        .and_then(|client| client.account())
        .map(str::to_owned)
        .ok_or_else(|| format!("You must be logged in to an account to {what}."))
}

/// The registration of `name`, or why there is none. A secret channel
/// is not told of to those outside it.
fn registration<'c>(ctx: &'c Ctx<'_>, name: &str) -> Result<&'c Registration, Refused> {
    ctx.state
        .channel(name)
        .filter(|channel| policy::may_see(channel, ctx.id))
        .and_then(|channel| channel.kept.registration.as_ref())
        .ok_or_else(|| format!("{name} is not registered."))
}

fn register(ctx: &mut Ctx<'_>, name: &str) -> Result<(), Refused> {
    let account = account(ctx, "register a channel")?;
    let key = CaseKey::new(name);
    let Some(channel) = ctx.state.channels().get(&key) else {
        return Err(format!("{name} does not exist: join it first."));
    };
    if let Some(registration) = &channel.kept.registration {
        return Err(format!(
            "{} is already registered to {}.",
            channel.name, registration.founder
        ));
    }
    if channel.rank(ctx.id) != Some(Rank::Op) {
        return Err(format!(
            "You must be a channel operator of {} to register it.",
            channel.name
        ));
    }
    let owned = ctx
        .state
        .channels()
        .values()
        .filter_map(|channel| channel.kept.registration.as_ref())
        .filter(|registration| registration.is_founder(&account))
        .count();
    if owned >= MAX_REGISTERED_PER_ACCOUNT {
        return Err(format!(
            "Your account already has {MAX_REGISTERED_PER_ACCOUNT} channels registered, the most it may."
        ));
    }
    let channel_name = channel.name.clone();
    if let Some(channel) = ctx.state.channels_mut().get_mut(&key) {
        channel.kept.registration = Some(Registration {
            founder: account.clone(),
            registered_at: crate::clock::now_secs(),
            operators: Vec::new(),
        });
    }
    ctx.state.save_channel(&key);
    let kept = if ctx.state.history_on() {
        "its topic, modes and bans are kept across restarts"
    } else {
        "this server keeps no history, so the registration lasts until it restarts"
    };
    tell(
        ctx,
        &format!("{channel_name} is now registered to your account {account}: {kept}."),
    );
    Ok(())
}

fn info(ctx: &mut Ctx<'_>, name: &str) -> Result<(), Refused> {
    let registration = registration(ctx, name)?;
    let since = crate::clock::iso8601(registration.registered_at.saturating_mul(1000));
    let lines = [
        format!(
            "{name} is registered to {} since {since}.",
            registration.founder
        ),
        match registration.operators.as_slice() {
            [] => "Operators: none but the founder.".to_owned(),
            operators => format!("Operators: {}.", operators.join(", ")),
        },
    ];
    for line in lines {
        tell(ctx, &line);
    }
    Ok(())
}

/// The sender's account if the registration of `name` makes it an
/// operator (its founder with `founder_only`), or why not.
fn owner(ctx: &Ctx<'_>, name: &str, founder_only: bool) -> Result<String, Refused> {
    let account = account(ctx, "manage a registered channel")?;
    let registration = registration(ctx, name)?;
    if founder_only && !registration.is_founder(&account) {
        return Err(format!(
            "Only the founder of {name} ({}) may do that.",
            registration.founder
        ));
    }
    if !registration.gives_op(&account) {
        return Err(format!(
            "Your account {account} is not an operator of {name}."
        ));
    }
    Ok(account)
}

fn op(ctx: &mut Ctx<'_>, name: &str, nick: Option<&str>) -> Result<(), Refused> {
    owner(ctx, name, false)?;
    let key = CaseKey::new(name);
    let target = match nick {
        Some(nick) => ctx
            .state
            .find_nick(nick)
            .map(|client| client.id)
            .ok_or_else(|| format!("No one is called {nick}."))?,
        None => ctx.id,
    };
    let target_nick = ctx
        .state
        .client(target)
        .map(|c| c.nick().to_owned())
        .unwrap_or_default();
    match ctx.state.channels().get(&key).and_then(|c| c.rank(target)) {
        None => Err(format!("{target_nick} is not in {name}.")),
        Some(Rank::Op) => Err(format!("{target_nick} is already an operator of {name}.")),
        Some(_) => {
            ctx.state.give_op(&key, target);
            Ok(())
        }
    }
}

fn access(ctx: &mut Ctx<'_>, name: &str, args: &[&str]) -> Result<(), Refused> {
    let action = args.first().map(|a| a.to_ascii_uppercase());
    match (action.as_deref(), args.get(1..).unwrap_or_default()) {
        (Some("LIST"), []) => {
            owner(ctx, name, false)?;
            info(ctx, name)
        }
        (Some("ADD"), [account] | [account, _]) => {
            owner(ctx, name, true)?;
            if let [_, level] = &args[1..]
                && !level.eq_ignore_ascii_case("op")
            {
                return Err(format!("Unknown level {level}: the only one is op."));
            }
            add_operator(ctx, name, account)
        }
        (Some("DEL"), [account]) => {
            owner(ctx, name, true)?;
            del_operator(ctx, name, account)
        }
        _ => Err("Syntax: ACCESS <#channel> LIST | ADD <account> [op] | DEL <account>".to_owned()),
    }
}

fn add_operator(ctx: &mut Ctx<'_>, name: &str, account: &str) -> Result<(), Refused> {
    if let Err(why) = check_nick(account) {
        return Err(format!("{account} cannot be an account: {why}."));
    }
    let key = CaseKey::new(name);
    let Some(registration) = ctx
        .state
        .channels_mut()
        .get_mut(&key)
        .and_then(|c| c.kept.registration.as_mut())
    else {
        return Err(format!("{name} is not registered."));
    };
    if registration.gives_op(account) {
        return Err(format!("{account} is already an operator of {name}."));
    }
    if registration.operators.len() >= MAX_CHANNEL_OPERATORS {
        return Err(format!(
            "{name} has {MAX_CHANNEL_OPERATORS} operators, the most it may."
        ));
    }
    registration.operators.push(account.to_owned());
    ctx.state.save_channel(&key);
    // Those logged in to the account and in the channel get `@` now.
    let members: Vec<_> = ctx
        .state
        .channels()
        .get(&key)
        .map(|channel| channel.members().keys().copied().collect())
        .unwrap_or_default();
    for member in members {
        let logged_in = ctx
            .state
            .client(member)
            .and_then(|c| c.account())
            .is_some_and(|a| irc_eq(a, account));
        if logged_in {
            ctx.state.give_op(&key, member);
        }
    }
    tell(ctx, &format!("{account} gets @ in {name} from now on."));
    Ok(())
}

fn del_operator(ctx: &mut Ctx<'_>, name: &str, account: &str) -> Result<(), Refused> {
    let key = CaseKey::new(name);
    let Some(registration) = ctx
        .state
        .channels_mut()
        .get_mut(&key)
        .and_then(|c| c.kept.registration.as_mut())
    else {
        return Err(format!("{name} is not registered."));
    };
    let before = registration.operators.len();
    registration.operators.retain(|a| !irc_eq(a, account));
    if registration.operators.len() == before {
        return Err(format!("{account} is not on the operators of {name}."));
    }
    ctx.state.save_channel(&key);
    tell(
        ctx,
        &format!("{account} no longer gets @ in {name} (an @ held now stays until taken)."),
    );
    Ok(())
}

fn drop_registration(ctx: &mut Ctx<'_>, name: &str) -> Result<(), Refused> {
    owner(ctx, name, true)?;
    let key = CaseKey::new(name);
    let Some(channel) = ctx.state.channels_mut().get_mut(&key) else {
        return Err(format!("{name} is not registered."));
    };
    channel.kept.registration = None;
    let channel_name = channel.name.clone();
    // The default channel is still kept, without an owner.
    if channel.kept.any() {
        ctx.state.save_channel(&key);
    } else {
        ctx.state.forget_channel(&key);
        ctx.state.channels_mut().drop_if_unused(&key);
    }
    tell(ctx, &format!("{channel_name} is no longer registered."));
    Ok(())
}
