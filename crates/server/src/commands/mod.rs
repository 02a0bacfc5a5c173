//! IRC command dispatch: one table, checked before any handler runs.
//!
//! As in ergo, the table says how many parameters a command needs and
//! whether it may be used before registration, so ERR_NEEDMOREPARAMS and
//! ERR_NOTREGISTERED come from one place. Each verb lives in its own file,
//! headed by its syntax.

mod away;
mod batch;
mod cap;
mod chathistory;
mod help;
mod info;
mod invite;
mod join;
mod kick;
mod kill;
mod list;
mod markread;
mod mode;
mod monitor;
mod names;
mod nick;
mod oper;
mod part;
mod pass;
mod ping;
pub mod privmsg;
mod quit;
mod redact;
mod setname;
mod topic;
pub mod user;
mod userhost;
mod wallops;
mod who;
mod whois;
mod whowas;

pub mod registration;

pub use user::USER_LEN;

use ciao_proto::{Message, Numeric};

use crate::caps::Cap;
use crate::state::State;
use crate::state::client::{Client, ClientId};
use crate::state::responses::MAX_LABEL_LEN;

/// Why a command was refused; turned into a numeric reply centrally.
#[derive(Debug)]
pub enum CommandError {
    /// ERR_NEEDMOREPARAMS for the command being handled.
    NeedMoreParams,
    /// Any other error numeric with its parameters (after the nick).
    Numeric(Numeric, Vec<String>),
}

impl CommandError {
    pub fn numeric<I, S>(numeric: Numeric, params: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CommandError::Numeric(numeric, params.into_iter().map(Into::into).collect())
    }
}

pub type CommandResult = Result<(), CommandError>;

/// The sender, for commands that only make sense before registration
/// (`PASS`, `USER`): 462 once registered; `None` if it is gone.
pub fn unregistered<'a>(ctx: &'a mut Ctx<'_>) -> Result<Option<&'a mut Client>, CommandError> {
    match ctx.state.client_mut(ctx.id) {
        Some(client) if client.registered => Err(CommandError::numeric(
            Numeric::AlreadyRegistered,
            ["You may not reregister"],
        )),
        client => Ok(client),
    }
}

/// What a handler gets: the state (locked), who sent the command, and the
/// command itself.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub state: &'a mut State,
    pub id: ClientId,
}

impl Ctx<'_> {
    pub fn nick(&self) -> String {
        self.state
            .client(self.id)
            .map(|c| c.nick.clone())
            .unwrap_or_default()
    }

    pub fn mask(&self) -> String {
        self.state
            .client(self.id)
            .map(|c| c.mask.clone())
            .unwrap_or_default()
    }

    pub fn reply<I, S>(&self, numeric: Numeric, params: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.state.reply(self.id, numeric, params);
    }
}

type Handler = fn(&mut Ctx<'_>, &Message) -> CommandResult;

/// One row of the command table.
struct Spec {
    min_params: usize,
    before_registration: bool,
    handler: Handler,
}

fn spec(verb: &str) -> Option<Spec> {
    let (min_params, before_registration, handler): (usize, bool, Handler) = match verb {
        "CAP" => (1, true, cap::handle),
        "PASS" => (1, true, pass::handle),
        "NICK" => (0, true, nick::handle),
        "USER" => (4, true, user::handle),
        "PING" => (0, true, ping::ping),
        "PONG" => (0, true, ping::pong),
        "QUIT" => (0, true, quit::handle),
        "JOIN" => (1, false, join::handle),
        "PART" => (1, false, part::handle),
        "PRIVMSG" | "NOTICE" | "TAGMSG" => (0, false, privmsg::handle),
        "NAMES" => (0, false, names::handle),
        "TOPIC" => (1, false, topic::handle),
        "WHO" => (0, false, who::handle),
        "WHOIS" => (1, false, whois::handle),
        "MODE" => (1, false, mode::handle),
        "KICK" => (2, false, kick::handle),
        "AWAY" => (0, false, away::handle),
        "LIST" => (0, false, list::handle),
        "MOTD" => (0, false, info::motd),
        "LUSERS" => (0, false, info::lusers),
        "VERSION" => (0, false, info::version),
        "TIME" => (0, false, info::time),
        "INFO" => (0, false, info::info),
        "WHOWAS" => (1, false, whowas::handle),
        "KILL" => (1, false, kill::handle),
        "INVITE" => (0, false, invite::handle),
        "WALLOPS" => (1, false, wallops::handle),
        "LINKS" => (0, false, info::links),
        "HELP" | "HELPOP" => (0, false, help::handle),
        "OPER" => (2, false, oper::handle),
        "ISON" => (1, false, userhost::ison),
        "USERHOST" => (1, false, userhost::userhost),
        "CHATHISTORY" => (1, false, chathistory::handle),
        "MONITOR" => (1, false, monitor::handle),
        "MARKREAD" => (0, false, markread::handle),
        "SETNAME" => (1, false, setname::handle),
        "REDACT" => (2, false, redact::handle),
        "BATCH" => (1, false, batch::handle),
        _ => return None,
    };
    Some(Spec {
        min_params,
        before_registration,
        handler,
    })
}

/// What became of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatched {
    /// It ran as a command, doing `work` units of metered work (see
    /// [`cost`](crate::link::cost)) for flood control to charge.
    Ran { work: u64 },
    /// It is part of an open multiline batch: flood control charges the
    /// message when it closes (`multiline::cost`).
    Collected,
    /// It did not run: the sender's address has spent its work budget.
    /// The connection hands the line back after this long.
    Deferred(std::time::Duration),
}

/// How a verb is metered (see [`cost`](crate::link::cost)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metering {
    /// A message: delivering it is the service; flood control paces it.
    Message,
    /// Cheap, and needed to stay connected: metered, never held back.
    Light,
    /// Anything else: metered, and held back while the address is over
    /// its work budget.
    Costly,
}

fn metering(verb: &str) -> Metering {
    match verb {
        "PRIVMSG" | "NOTICE" | "TAGMSG" | "BATCH" => Metering::Message,
        "PING" | "PONG" | "QUIT" | "CAP" | "PASS" => Metering::Light,
        _ => Metering::Costly,
    }
}

/// Runs one IRC command from client `id`. With labeled-response, the
/// replies to a labeled command are gathered and labeled as a whole.
pub fn dispatch(state: &mut State, id: ClientId, message: &Message) -> Dispatched {
    // A line of an open multiline batch is collected, not run.
    if let Some(Some(reference)) = message.tag("batch")
        && state.batches().contains(id)
    {
        batch::collect(state, id, message, reference);
        return Dispatched::Collected;
    }
    match metering(&message.command) {
        Metering::Message => {
            state.unmetered(|state| run_labeled(state, id, message));
            Dispatched::Ran { work: 0 }
        }
        metered => {
            if metered == Metering::Costly
                && let Some(wait) = state.work_wait(id)
            {
                return Dispatched::Deferred(wait);
            }
            state.begin_metering();
            run_labeled(state, id, message);
            Dispatched::Ran {
                work: state.end_metering(),
            }
        }
    }
}

fn run_labeled(state: &mut State, id: ClientId, message: &Message) {
    // A multiline batch carries its label to its echo itself.
    let label = match message.command.as_str() {
        "BATCH" => None,
        _ => requested_label(state, id, message),
    };
    match label {
        Some(label) => {
            let token = state.begin_response(id, label);
            run(state, id, message);
            state.end_response(token);
        }
        None => run(state, id, message),
    }
}

/// The command's `label`, when the client negotiated labeled-response
/// and the label is within bounds.
pub fn requested_label(state: &State, id: ClientId, message: &Message) -> Option<String> {
    let label = message.tag("label")??;
    let wanted = state
        .client(id)
        .is_some_and(|c| c.caps.has(Cap::LabeledResponse));
    (wanted && !label.is_empty() && label.len() <= MAX_LABEL_LEN).then(|| label.to_owned())
}

fn run(state: &mut State, id: ClientId, message: &Message) {
    let Some(client) = state.client(id) else {
        return;
    };
    let registered = client.registered;
    let verb = message.command.as_str();
    let Some(spec) = spec(verb) else {
        if registered {
            state.reply(id, Numeric::UnknownCommand, [verb, "Unknown command"]);
        } else {
            state.reply(id, Numeric::NotRegistered, ["You have not registered"]);
        }
        return;
    };
    if !registered && !spec.before_registration {
        state.reply(id, Numeric::NotRegistered, ["You have not registered"]);
        return;
    }
    let mut ctx = Ctx { state, id };
    let result = if message.params.len() < spec.min_params {
        Err(CommandError::NeedMoreParams)
    } else {
        (spec.handler)(&mut ctx, message)
    };
    match result {
        Ok(()) => {}
        Err(CommandError::NeedMoreParams) => {
            ctx.reply(Numeric::NeedMoreParams, [verb, "Not enough parameters"]);
        }
        Err(CommandError::Numeric(numeric, params)) => ctx.reply(numeric, params),
    }
}
