//! Numeric replies, named once, each shown as a sentence (never as raw
//! parameters): "Current local users: 4, max: 4", "bob is away: lunch",
//! "#ciao was created on 2026-01-02 03:04". State the replies carry
//! (topic, names, away) is applied in `replies.rs`; this file says what
//! the user reads and where.

use chrono::{Local, TimeZone};
use ciao_proto::{Message, Numeric};

use super::LineKind;
use crate::numeric::numeric;

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

/// True for an error reply (4xx and 5xx).
fn is_error(command: &str) -> bool {
    command.starts_with(['4', '5'])
}

/// The sentence for a numeric reply, or `None` when there is nothing to
/// show (features lists, the ends of lists that speak for themselves,
/// replies without any text).
pub(crate) fn describe(message: &Message) -> Option<Reply> {
    let Some(named) = numeric(&message.command) else {
        return plain(message);
    };
    // params[0] is our own nick; what the reply is about follows.
    let arg = |i: usize| message.param(i).unwrap_or("");
    let about = arg(1);
    let text = trailing(message);
    match named {
        Numeric::MyInfo => info(format!("Server {about} runs {}", arg(2)), Place::Server),
        // The server's features, for clients to read, not people.
        Numeric::ISupport => None,
        Numeric::UModeIs => info(format!("Your modes: {about}"), Place::Server),
        Numeric::Away => info(format!("{about} is away: {text}"), Place::Active),
        Numeric::UnAway => info(
            "You are no longer marked as away.".to_owned(),
            Place::Active,
        ),
        Numeric::NowAway => info("You are now marked as away.".to_owned(), Place::Active),
        Numeric::WhoisUser => info(
            format!("{about} is {}@{}, real name: {text}", arg(2), arg(3)),
            Place::Active,
        ),
        Numeric::WhowasUser => info(
            format!("{about} was {}@{}, real name: {text}", arg(2), arg(3)),
            Place::Active,
        ),
        Numeric::WhoisServer => info(
            format!("{about} is connected to {} ({text})", arg(2)),
            Place::Active,
        ),
        Numeric::WhoisOperator => info(format!("{about} is an IRC operator"), Place::Active),
        Numeric::WhoisBot => info(format!("{about} is a bot"), Place::Active),
        Numeric::WhoisIdle => {
            let idle = arg(2).parse().map(human_duration).unwrap_or_default();
            let since = date(arg(3))
                .map(|d| format!(", online since {d}"))
                .unwrap_or_default();
            info(
                format!("{about} has been idle {idle}{since}"),
                Place::Active,
            )
        }
        Numeric::WhoisChannels => info(format!("{about} is in {text}"), Place::Active),
        Numeric::EndOfWhois => info(format!("End of WHOIS for {about}"), Place::Active),
        Numeric::EndOfWhowas => info(format!("End of WHOWAS for {about}"), Place::Active),
        Numeric::Inviting => info(format!("You invited {about} to {}", arg(2)), Place::Active),
        Numeric::ChannelModeIs => {
            let modes = message.params.get(2..).unwrap_or_default().join(" ");
            info(
                format!("Modes of {about}: {modes}"),
                Place::Channel(about.to_owned()),
            )
        }
        Numeric::CreationTime => date(arg(2)).and_then(|d| {
            info(
                format!("{about} was created on {d}"),
                Place::Channel(about.to_owned()),
            )
        }),
        Numeric::NoTopic => info(
            format!("{about} has no topic"),
            Place::Channel(about.to_owned()),
        ),
        Numeric::TopicWhoTime => {
            let setter = arg(2).split('!').next().unwrap_or_default();
            let when = date(arg(3)).map(|d| format!(" on {d}")).unwrap_or_default();
            info(
                format!("Topic set by {setter}{when}"),
                Place::Channel(about.to_owned()),
            )
        }
        Numeric::BanList => {
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
        Numeric::EndOfBanList => info(
            format!("End of the ban list of {about}"),
            Place::Channel(about.to_owned()),
        ),
        Numeric::WhoReply => {
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
        Numeric::EndOfWho | Numeric::EndOfNames => None,
        Numeric::NamReply => info(format!("Members of {}: {text}", arg(2)), Place::Active),
        // "MOTD File is missing" is information, not a failure.
        Numeric::NoMotd => info(text.to_owned(), Place::Server),
        Numeric::WhoisSecure => info(
            format!("{about} is using a secure connection"),
            Place::Active,
        ),
        Numeric::WhoisAccount => info(format!("{about} is logged in as {}", arg(2)), Place::Active),
        _ => plain(message),
    }
}

/// A reply with nothing of its own to say: an error (4xx, 5xx) where the
/// user looks, else (welcome lines, statistics such as "Current local
/// users: 4, max: 4", MOTD, LIST) the server's own words in the server
/// buffer, never the leading numbers.
fn plain(message: &Message) -> Option<Reply> {
    if is_error(&message.command) {
        Some(error(message))
    } else {
        info(trailing(message).to_owned(), Place::Server)
    }
}

/// An information line, unless there is nothing to read.
fn info(text: String, place: Place) -> Option<Reply> {
    (!text.trim().is_empty()).then_some(Reply {
        text,
        kind: LineKind::Info,
        place,
    })
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
