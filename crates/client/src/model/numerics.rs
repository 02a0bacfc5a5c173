//! Numeric replies, named once, each shown as a sentence (never as raw
//! parameters): "Current local users: 4, max: 4", "bob is away: lunch",
//! "#ciao was created on 2026-01-02 03:04". State the replies carry
//! (topic, names, away) is applied in `incoming.rs`; this file says what
//! the user reads and where.

use chrono::{Local, TimeZone};
use ciao_proto::Message;

use super::LineKind;

/// The codes the model knows, by their names in the specifications
/// (modern.ircdocs.horse).
pub(crate) mod code {
    pub const RPL_WELCOME: &str = "001";
    pub const RPL_MYINFO: &str = "004";
    pub const RPL_ISUPPORT: &str = "005";
    pub const RPL_UMODEIS: &str = "221";
    pub const RPL_AWAY: &str = "301";
    pub const RPL_UNAWAY: &str = "305";
    pub const RPL_NOWAWAY: &str = "306";
    pub const RPL_WHOISUSER: &str = "311";
    pub const RPL_WHOISSERVER: &str = "312";
    pub const RPL_WHOISOPERATOR: &str = "313";
    pub const RPL_WHOWASUSER: &str = "314";
    pub const RPL_ENDOFWHO: &str = "315";
    pub const RPL_WHOISIDLE: &str = "317";
    pub const RPL_ENDOFWHOIS: &str = "318";
    pub const RPL_WHOISCHANNELS: &str = "319";
    pub const RPL_CHANNELMODEIS: &str = "324";
    pub const RPL_CREATIONTIME: &str = "329";
    pub const RPL_WHOISACCOUNT: &str = "330";
    pub const RPL_NOTOPIC: &str = "331";
    pub const RPL_TOPIC: &str = "332";
    pub const RPL_TOPICWHOTIME: &str = "333";
    pub const RPL_WHOISBOT: &str = "335";
    pub const RPL_INVITING: &str = "341";
    pub const RPL_WHOREPLY: &str = "352";
    pub const RPL_NAMREPLY: &str = "353";
    pub const RPL_ENDOFNAMES: &str = "366";
    pub const RPL_BANLIST: &str = "367";
    pub const RPL_ENDOFBANLIST: &str = "368";
    pub const RPL_ENDOFWHOWAS: &str = "369";
    pub const ERR_NOMOTD: &str = "422";
    pub const RPL_WHOISSECURE: &str = "671";
}

/// Where a reply is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// The server buffer: registration, server statistics, MOTD.
    Server,
    /// Where the user is looking: answers to what they just asked
    /// (WHOIS, errors).
    Active,
    /// A channel's buffer if it is open, else the active one.
    Channel(String),
}

/// What the user reads of a numeric reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub text: String,
    pub kind: LineKind,
    pub place: Place,
}

/// True for a numeric reply's command: three ASCII digits.
pub(crate) fn is_numeric(command: &str) -> bool {
    command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit())
}

/// True for an error reply (4xx and 5xx).
fn is_error(command: &str) -> bool {
    command.starts_with(['4', '5'])
}

/// The sentence for a numeric reply, or `None` when there is nothing to
/// show (features lists, the ends of lists that speak for themselves,
/// replies without any text).
pub(crate) fn describe(message: &Message) -> Option<Reply> {
    use code::*;
    // params[0] is our own nick; what the reply is about follows.
    let arg = |i: usize| message.param(i).unwrap_or("");
    let info = |text: String, place: Place| {
        (!text.trim().is_empty()).then_some(Reply {
            text,
            kind: LineKind::Info,
            place,
        })
    };
    let about = arg(1);
    let text = trailing(message);
    let command = message.command.as_str();
    match command {
        RPL_MYINFO => info(format!("Server {about} runs {}", arg(2)), Place::Server),
        // The server's features, for clients to read, not people.
        RPL_ISUPPORT => None,
        RPL_UMODEIS => info(format!("Your modes: {about}"), Place::Server),
        RPL_AWAY => info(format!("{about} is away: {text}"), Place::Active),
        RPL_UNAWAY => info(
            "You are no longer marked as away.".to_owned(),
            Place::Active,
        ),
        RPL_NOWAWAY => info("You are now marked as away.".to_owned(), Place::Active),
        RPL_WHOISUSER => info(
            format!("{about} is {}@{}, real name: {text}", arg(2), arg(3)),
            Place::Active,
        ),
        RPL_WHOWASUSER => info(
            format!("{about} was {}@{}, real name: {text}", arg(2), arg(3)),
            Place::Active,
        ),
        RPL_WHOISSERVER => info(
            format!("{about} is connected to {} ({text})", arg(2)),
            Place::Active,
        ),
        RPL_WHOISOPERATOR => info(format!("{about} is an IRC operator"), Place::Active),
        RPL_WHOISBOT => info(format!("{about} is a bot"), Place::Active),
        RPL_WHOISSECURE => info(
            format!("{about} is using a secure connection"),
            Place::Active,
        ),
        RPL_WHOISACCOUNT => info(format!("{about} is logged in as {}", arg(2)), Place::Active),
        RPL_WHOISIDLE => {
            let idle = arg(2).parse().map(human_duration).unwrap_or_default();
            let since = date(arg(3))
                .map(|d| format!(", online since {d}"))
                .unwrap_or_default();
            info(
                format!("{about} has been idle {idle}{since}"),
                Place::Active,
            )
        }
        RPL_WHOISCHANNELS => info(format!("{about} is in {text}"), Place::Active),
        RPL_ENDOFWHOIS => info(format!("End of WHOIS for {about}"), Place::Active),
        RPL_ENDOFWHOWAS => info(format!("End of WHOWAS for {about}"), Place::Active),
        RPL_INVITING => info(format!("You invited {about} to {}", arg(2)), Place::Active),
        RPL_CHANNELMODEIS => {
            let modes = message.params.get(2..).unwrap_or_default().join(" ");
            info(
                format!("Modes of {about}: {modes}"),
                Place::Channel(about.to_owned()),
            )
        }
        RPL_CREATIONTIME => date(arg(2)).and_then(|d| {
            info(
                format!("{about} was created on {d}"),
                Place::Channel(about.to_owned()),
            )
        }),
        RPL_NOTOPIC => info(
            format!("{about} has no topic"),
            Place::Channel(about.to_owned()),
        ),
        RPL_TOPICWHOTIME => {
            let setter = arg(2).split('!').next().unwrap_or_default();
            let when = date(arg(3)).map(|d| format!(" on {d}")).unwrap_or_default();
            info(
                format!("Topic set by {setter}{when}"),
                Place::Channel(about.to_owned()),
            )
        }
        RPL_BANLIST => {
            let by = match (message.param(3), date(arg(4))) {
                (Some(setter), Some(when)) => format!(" (by {setter} on {when})"),
                (Some(setter), None) => format!(" (by {setter})"),
                _ => String::new(),
            };
            info(
                format!("Banned in {about}: {}{by}", arg(2)),
                Place::Channel(about.to_owned()),
            )
        }
        RPL_ENDOFBANLIST => info(
            format!("End of the ban list of {about}"),
            Place::Channel(about.to_owned()),
        ),
        RPL_WHOREPLY => {
            // `<channel> <user> <host> <server> <nick> <flags> :<hops> <realname>`
            let realname = text.split_once(' ').map_or("", |(_, name)| name);
            let away = if arg(6).starts_with('G') {
                ", away"
            } else {
                ""
            };
            info(
                format!(
                    "{} ({}@{}) in {about}{away}: {realname}",
                    arg(5),
                    arg(2),
                    arg(3)
                ),
                Place::Active,
            )
        }
        // The end of a list whose lines speak for themselves.
        RPL_ENDOFWHO | RPL_ENDOFNAMES => None,
        RPL_NAMREPLY => info(format!("Members of {}: {text}", arg(2)), Place::Active),
        // "MOTD File is missing" is information, not a failure.
        ERR_NOMOTD => info(text.to_owned(), Place::Server),
        _ if is_error(command) => Some(error(message)),
        // Everything else (welcome lines, statistics such as "Current
        // local users: 4, max: 4", MOTD, LIST): the server's own words,
        // never the leading numbers.
        _ => info(text.to_owned(), Place::Server),
    }
}

/// An error reply where the user is looking: what it is about, then the
/// server's words ("nobody: No such nick/channel").
fn error(message: &Message) -> Reply {
    let subject = match message.params.len() {
        0..=2 => String::new(),
        n => message.params[1..n - 1].join(" "),
    };
    let text = trailing(message);
    let text = match (subject.is_empty(), text.is_empty()) {
        (_, true) => format!(
            "The server refused the request (error {}).",
            message.command
        ),
        (true, false) => text.to_owned(),
        (false, false) => format!("{subject}: {text}"),
    };
    Reply {
        text,
        kind: LineKind::Error,
        place: Place::Active,
    }
}

/// The reply's free text: its last parameter after our own nick.
fn trailing(message: &Message) -> &str {
    match message.params.len() {
        0 | 1 => "",
        n => &message.params[n - 1],
    }
}

/// A Unix time in seconds (as the server sends it) as local
/// `YYYY-MM-DD HH:MM`.
fn date(seconds: &str) -> Option<String> {
    let seconds: i64 = seconds.parse().ok()?;
    let time = Local.timestamp_opt(seconds, 0).single()?;
    Some(time.format("%Y-%m-%d %H:%M").to_string())
}

/// Seconds as a person says them: "12 s", "4 min 10 s", "2 h 5 min",
/// "3 days 1 h".
fn human_duration(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    match seconds {
        s if s < MINUTE => format!("{s} s"),
        s if s < HOUR => format!("{} min {} s", s / MINUTE, s % MINUTE),
        s if s < DAY => format!("{} h {} min", s / HOUR, s % HOUR / MINUTE),
        s if s < 2 * DAY => format!("1 day {} h", s % DAY / HOUR),
        s => format!("{} days {} h", s / DAY, s % DAY / HOUR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(line: &str) -> Option<Reply> {
        describe(&line.parse().expect("line"))
    }

    fn text(line: &str) -> String {
        reply(line).map(|r| r.text).unwrap_or_default()
    }

    #[test]
    fn replies_read_as_sentences() {
        assert_eq!(
            text(":s 265 me 4 4 :Current local users 4, max 4"),
            "Current local users 4, max 4"
        );
        assert_eq!(
            text(":s 311 me bob ~b host * :Bob B"),
            "bob is ~b@host, real name: Bob B"
        );
        assert_eq!(
            text(":s 317 me bob 250 x :seconds idle"),
            "bob has been idle 4 min 10 s"
        );
        assert_eq!(
            text(":s 401 me nobody :No such nick"),
            "nobody: No such nick"
        );
        assert_eq!(text(":s 421 me :Unknown"), "Unknown");
        assert_eq!(
            text(":s 401"),
            "The server refused the request (error 401)."
        );
        let motd = reply(":s 422 me :MOTD File is missing").expect("shown");
        assert_eq!(motd.kind, LineKind::Info);
        assert_eq!(reply(":s 005 me A=b :are supported"), None);
        assert_eq!(reply(":s 999"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(5), "5 s");
        assert_eq!(human_duration(7_500), "2 h 5 min");
        assert_eq!(human_duration(90_000), "1 day 1 h");
        assert_eq!(human_duration(3 * 86_400), "3 days 0 h");
    }
}
