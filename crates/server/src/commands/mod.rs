//! IRC command dispatch: one table, checked before any handler runs.
//!
//! As in ergo, the table says how many parameters a command needs,
//! whether it may be used before registration and whether it is for IRC
//! operators, so ERR_NEEDMOREPARAMS, ERR_NOTREGISTERED and
//! ERR_NOPRIVILEGES come from one place; and what kind of command it is,
//! for flood control and for the connection. Each verb lives in its own
//! file, headed by its syntax.
//!
//! The modules form layers, each using only those below it: this file
//! (the table) → the handlers → `registration` (the welcome, which NICK,
//! USER and CAP complete) → `server_info` (what the server says about
//! itself) → `context` (the lookups that refuse) → `policy` (the rules) and
//! `limits`.

mod authenticate;
mod away;
mod batch;
mod cap;
mod chanserv;
mod chathistory;
mod context;
mod help;
mod info;
mod invite;
mod join;
mod kick;
mod kill;
mod limits;
mod list;
mod login;
mod markread;
mod mode;
mod monitor;
mod names;
mod nick;
mod nickserv;
mod oper;
mod part;
mod pass;
mod ping;
mod policy;
mod privmsg;
mod quit;
mod redact;
mod register;
pub(crate) mod secrets;
mod server_info;
mod services;
mod setname;
mod topic;
mod user;
mod userhost;
mod wallops;
mod who;
mod whois;
mod whowas;

pub(crate) mod registration;

pub(crate) use limits::USER_LEN;

use ciao_proto::{Message, Numeric};

use crate::state::State;
use crate::state::client::ClientId;
use context::{CommandError, CommandResult, Ctx, requested_label};

type Handler = fn(&mut Ctx<'_>, &Message) -> CommandResult;

/// One row of the command table: who may run the command, and what kind
/// of command it is.
#[derive(Clone, Copy)]
struct Spec {
    /// Fewer parameters get ERR_NEEDMOREPARAMS.
    min_params: usize,
    /// Usable before registration; anything else gets ERR_NOTREGISTERED.
    before_registration: bool,
    /// For IRC operators only; anyone else gets ERR_NOPRIVILEGES (after
    /// the parameter count, as the handlers checked it before).
    oper_only: bool,
    /// How flood control charges it.
    metering: Metering,
    /// It only sends a message, whose output is released in order with
    /// the history: the connection lets it queue behind the client's
    /// last message instead of waiting for that to be released.
    message: bool,
    handler: Handler,
}

impl Spec {
    /// A command for registered clients, metered as costly.
    const fn new(min_params: usize, handler: Handler) -> Spec {
        Spec {
            min_params,
            before_registration: false,
            oper_only: false,
            metering: Metering::Costly,
            message: false,
            handler,
        }
    }

    /// Usable before registration too.
    const fn early(self) -> Spec {
        Spec {
            before_registration: true,
            ..self
        }
    }

    /// Cheap and needed to stay connected (see [`Metering::Light`]).
    const fn light(self) -> Spec {
        Spec {
            metering: Metering::Light,
            ..self
        }
    }

    const fn oper_only(self) -> Spec {
        Spec {
            oper_only: true,
            ..self
        }
    }

    /// Part of sending a message: paced, not metered. BATCH is this and
    /// no more, since its own replies are not released in order.
    const fn paced(self) -> Spec {
        Spec {
            metering: Metering::Message,
            ..self
        }
    }

    /// A message (see [`Spec::message`]).
    const fn message(self) -> Spec {
        Spec {
            message: true,
            ..self.paced()
        }
    }
}

/// The command table.
fn spec(verb: &str) -> Option<Spec> {
    let spec = match verb {
        "CAP" => Spec::new(1, cap::handle).early().light(),
        "PASS" => Spec::new(1, pass::handle).early().light(),
        "AUTHENTICATE" => Spec::new(1, authenticate::handle).early().light(),
        "REGISTER" => Spec::new(3, register::register).early(),
        "VERIFY" => Spec::new(2, register::verify).early(),
        "NICK" => Spec::new(0, nick::handle).early(),
        "USER" => Spec::new(4, user::handle).early(),
        "PING" => Spec::new(0, ping::ping).early().light(),
        "PONG" => Spec::new(0, ping::pong).early().light(),
        "QUIT" => Spec::new(0, quit::handle).early().light(),
        "JOIN" => Spec::new(1, join::handle),
        "PART" => Spec::new(1, part::handle),
        "PRIVMSG" | "NOTICE" | "TAGMSG" => Spec::new(0, privmsg::handle).message(),
        "NAMES" => Spec::new(0, names::handle),
        "TOPIC" => Spec::new(1, topic::handle),
        "WHO" => Spec::new(0, who::handle),
        "WHOIS" => Spec::new(1, whois::handle),
        "MODE" => Spec::new(1, mode::handle),
        "KICK" => Spec::new(2, kick::handle),
        "AWAY" => Spec::new(0, away::handle),
        "LIST" => Spec::new(0, list::handle),
        "MOTD" => Spec::new(0, info::motd),
        "LUSERS" => Spec::new(0, info::lusers),
        "VERSION" => Spec::new(0, info::version),
        "TIME" => Spec::new(0, info::time),
        "INFO" => Spec::new(0, info::info),
        "WHOWAS" => Spec::new(1, whowas::handle),
        "KILL" => Spec::new(1, kill::handle).oper_only(),
        "INVITE" => Spec::new(0, invite::handle),
        "WALLOPS" => Spec::new(1, wallops::handle).oper_only(),
        "LINKS" => Spec::new(0, info::links),
        "HELP" | "HELPOP" => Spec::new(0, help::handle),
        "OPER" => Spec::new(2, oper::handle),
        "ISON" => Spec::new(1, userhost::ison),
        "USERHOST" => Spec::new(1, userhost::userhost),
        "CHATHISTORY" => Spec::new(1, chathistory::handle),
        "MONITOR" => Spec::new(1, monitor::handle),
        "MARKREAD" => Spec::new(0, markread::handle),
        "SETNAME" => Spec::new(1, setname::handle),
        "REDACT" => Spec::new(2, redact::handle),
        "BATCH" => Spec::new(1, batch::handle).paced(),
        "CHANSERV" | "CS" => Spec::new(0, chanserv::handle),
        "NICKSERV" | "NS" => Spec::new(0, services::nickserv).early(),
        _ => return None,
    };
    Some(spec)
}

/// Longest verb in the table (`CHATHISTORY`).
const LONGEST_VERB: usize = 11;

/// True when `verb` (as sent, in any case) is a message in the table's
/// sense ([`Spec::message`]). For the connection, which asks of lines it
/// has not parsed yet: no allocation, and no parse past the verb.
pub(crate) fn is_message(verb: &[u8]) -> bool {
    let mut upper = [0u8; LONGEST_VERB];
    let Some(upper) = upper.get_mut(..verb.len()) else {
        return false;
    };
    upper.copy_from_slice(verb);
    upper.make_ascii_uppercase();
    std::str::from_utf8(upper)
        .ok()
        .and_then(spec)
        .is_some_and(|spec| spec.message)
}

/// What became of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dispatched {
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
    /// A message or part of one: delivering it is the service; flood
    /// control paces it.
    Message,
    /// Cheap, and needed to stay connected: metered, never held back.
    Light,
    /// Anything else: metered, and held back while the address is over
    /// its work budget.
    Costly,
}

/// Runs one IRC command from client `id`. With labeled-response, the
/// replies to a labeled command are gathered and labeled as a whole.
pub(crate) fn dispatch(state: &mut State, id: ClientId, message: &Message) -> Dispatched {
    // A line of an open multiline batch is collected, not run.
    if let Some(Some(reference)) = message.tag("batch")
        && state.batches().contains(id)
    {
        batch::collect(state, id, message, reference);
        return Dispatched::Collected;
    }
    let spec = spec(&message.command);
    // An unknown verb costs what any command does.
    match spec.map_or(Metering::Costly, |spec| spec.metering) {
        Metering::Message => {
            state.unmetered(|state| run_labeled(state, id, message, spec));
            Dispatched::Ran { work: 0 }
        }
        metered => {
            if metered == Metering::Costly
                && let Some(wait) = state.work_wait(id)
            {
                return Dispatched::Deferred(wait);
            }
            state.begin_metering();
            run_labeled(state, id, message, spec);
            Dispatched::Ran {
                work: state.end_metering(),
            }
        }
    }
}

fn run_labeled(state: &mut State, id: ClientId, message: &Message, spec: Option<Spec>) {
    // A multiline batch carries its label to its echo itself.
    let label = match message.command.as_str() {
        "BATCH" => None,
        _ => requested_label(state, id, message),
    };
    match label {
        Some(label) => {
            let token = state.begin_response(id, label);
            run(state, id, message, spec);
            state.end_response(token);
        }
        None => run(state, id, message, spec),
    }
}

/// Runs the command `spec` says `message` is, once the table's checks
/// pass: registration, then the parameter count, then operator status.
fn run(state: &mut State, id: ClientId, message: &Message, spec: Option<Spec>) {
    let Some(client) = state.client(id) else {
        return;
    };
    let (registered, oper) = (client.registered(), client.oper);
    let verb = message.command.as_str();
    let spec = match spec {
        Some(spec) if registered || spec.before_registration => spec,
        // Before registration an unknown command is just not allowed yet.
        None if registered => {
            state.reply(id, Numeric::UnknownCommand, [verb, "Unknown command"]);
            return;
        }
        _ => {
            state.reply(id, Numeric::NotRegistered, ["You have not registered"]);
            return;
        }
    };
    let mut ctx = Ctx { state, id, verb };
    let result = if message.params.len() < spec.min_params {
        Err(CommandError::NeedMoreParams)
    } else if spec.oper_only
        && let Err(denied) = policy::require_oper(oper)
    {
        Err(denied.into())
    } else {
        (spec.handler)(&mut ctx, message)
    };
    if let Err(error) = result {
        ctx.refuse(error);
    }
}

#[cfg(test)]
mod tests {
    use super::{LONGEST_VERB, Metering, is_message, spec};

    #[test]
    fn messages_are_known_in_any_case() {
        for verb in ["PRIVMSG", "notice", "TagMsg"] {
            assert!(is_message(verb.as_bytes()), "{verb}");
        }
        for verb in ["BATCH", "JOIN", "PRIVMSGS", "", "CHATHISTORYX"] {
            assert!(!is_message(verb.as_bytes()), "{verb}");
        }
        assert!(!is_message(b"PRIV\xffMSG"));
    }

    #[test]
    fn the_table_fits_its_columns() {
        assert!(spec("CHATHISTORY").is_some());
        assert_eq!("CHATHISTORY".len(), LONGEST_VERB);
        // A message is paced, never metered; BATCH is paced but waits.
        let batch = spec("BATCH").expect("BATCH");
        assert!(batch.metering == Metering::Message && !batch.message);
        for verb in ["KILL", "WALLOPS"] {
            assert!(spec(verb).is_some_and(|s| s.oper_only), "{verb}");
        }
        assert!(spec("OPER").is_some_and(|s| !s.oper_only));
    }
}
