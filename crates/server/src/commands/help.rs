//! HELP [<subject>] | HELPOP [<subject>]
//!
//! What each command does, one line of syntax and one of meaning.

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};

/// (command, syntax, what it does)
const TOPICS: &[(&str, &str, &str)] = &[
    (
        "AWAY",
        "AWAY [<message>]",
        "Marks you away (or back, without a message).",
    ),
    (
        "CHATHISTORY",
        "CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS ...",
        "Reads stored history.",
    ),
    ("INFO", "INFO", "About this server."),
    (
        "INVITE",
        "INVITE <nick> <channel>",
        "Invites someone into a channel (past +i).",
    ),
    ("ISON", "ISON <nick>...", "Which of these nicks are online."),
    (
        "JOIN",
        "JOIN <channel>[,...] [<key>[,...]]",
        "Joins channels.",
    ),
    (
        "KICK",
        "KICK <channel> <nick> [<reason>]",
        "Removes someone from a channel (operators).",
    ),
    (
        "KILL",
        "KILL <nick> [<reason>]",
        "Disconnects a user (IRC operators).",
    ),
    (
        "LINKS",
        "LINKS",
        "The servers of this network (just this one).",
    ),
    (
        "LIST",
        "LIST [<mask>|!<mask>|>n|<n|C>n|C<n|T>n|T<n[,...]]",
        "Channels and their topics, filtered by name, users, age or topic age.",
    ),
    ("LUSERS", "LUSERS", "How many users are here."),
    (
        "MODE",
        "MODE <channel>|<nick> [<modes> [<params>]]",
        "Shows or changes modes.",
    ),
    (
        "MONITOR",
        "MONITOR +|- <nick>[,...] | C | L | S",
        "Tells you when nicks come online or go offline.",
    ),
    ("MOTD", "MOTD", "The message of the day."),
    ("NAMES", "NAMES [<channel>[,...]]", "Who is in a channel."),
    ("NICK", "NICK <nick>", "Changes your nick."),
    (
        "NOTICE",
        "NOTICE <target> <text>",
        "Like PRIVMSG, but never answered automatically.",
    ),
    ("OPER", "OPER <name> <password>", "Become an IRC operator."),
    (
        "PART",
        "PART <channel>[,...] [<reason>]",
        "Leaves channels.",
    ),
    (
        "PRIVMSG",
        "PRIVMSG <target>[,...] <text>",
        "Says something to a channel or a user.",
    ),
    ("QUIT", "QUIT [<reason>]", "Leaves the server."),
    ("SETNAME", "SETNAME <realname>", "Changes your real name."),
    ("TIME", "TIME", "The server's time."),
    (
        "TOPIC",
        "TOPIC <channel> [<topic>]",
        "Shows or sets a channel's topic.",
    ),
    ("USERHOST", "USERHOST <nick>...", "Users' hosts."),
    ("VERSION", "VERSION", "The server's version and limits."),
    (
        "WALLOPS",
        "WALLOPS <text>",
        "A message to everyone with +w (IRC operators).",
    ),
    (
        "WHO",
        "WHO <mask>|<channel> [o][%<fields>[,<token>]]",
        "Lists users (o: operators only; %fields: WHOX).",
    ),
    ("WHOIS", "WHOIS <nick>", "About a user."),
    (
        "WHOWAS",
        "WHOWAS <nick> [<count>]",
        "Who used a nick before.",
    ),
];

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let asked = message.param(0).unwrap_or("").to_ascii_uppercase();
    if asked.is_empty() {
        let subject = "*";
        ctx.reply(
            Numeric::HelpStart,
            [subject, "ciao commands (HELP <command> for one):"],
        );
        for chunk in TOPICS.chunks(8) {
            let names: Vec<&str> = chunk.iter().map(|(name, _, _)| *name).collect();
            ctx.reply(Numeric::HelpTxt, [subject.to_owned(), names.join(" ")]);
        }
        ctx.reply(Numeric::EndOfHelp, [subject, "End of /HELP"]);
        return Ok(());
    }
    let Some((name, syntax, meaning)) = TOPICS.iter().find(|(name, _, _)| *name == asked) else {
        ctx.reply(
            Numeric::HelpNotFound,
            [asked.as_str(), "No help available on this topic"],
        );
        return Ok(());
    };
    ctx.reply(Numeric::HelpStart, [*name, *syntax]);
    ctx.reply(Numeric::HelpTxt, [*name, *meaning]);
    ctx.reply(Numeric::EndOfHelp, [*name, "End of /HELP"]);
    Ok(())
}
