//! The commands, as `/help` lists them (and the chat window may
//! complete them): name, aliases, usage and what each does.

/// One command for `/help` (and for completing command names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandHelp {
    /// The name, without the slash.
    pub name: &'static str,
    /// Other names for it.
    pub aliases: &'static [&'static str],
    /// How to call it.
    pub usage: &'static str,
    /// What it does, in a few words.
    pub about: &'static str,
}

const fn command(
    name: &'static str,
    aliases: &'static [&'static str],
    usage: &'static str,
    about: &'static str,
) -> CommandHelp {
    CommandHelp {
        name,
        aliases,
        usage,
        about,
    }
}

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[CommandHelp] = &[
    command("join", &["j"], "/join #channel [key]", "join a channel"),
    command(
        "part",
        &["leave"],
        "/part [#channel] [reason]",
        "leave a channel",
    ),
    command("msg", &[], "/msg nick|#channel text", "send a message"),
    command(
        "query",
        &["q"],
        "/query nick [text]",
        "open a private conversation",
    ),
    command("notice", &[], "/notice nick|#channel text", "send a notice"),
    command("me", &[], "/me action", "describe what you do"),
    command("nick", &[], "/nick newnick", "change your nickname"),
    command(
        "topic",
        &[],
        "/topic [text]",
        "show or set the channel's topic",
    ),
    command("whois", &["wi"], "/whois nick", "who someone is"),
    command(
        "away",
        &[],
        "/away [message]",
        "mark yourself away (no message: back)",
    ),
    command("back", &[], "/back", "you are back"),
    command(
        "list",
        &[],
        "/list [*mask*|>members]",
        "browse the server's channels",
    ),
    command(
        "names",
        &[],
        "/names [#channel]",
        "list a channel's members",
    ),
    command(
        "kick",
        &["k"],
        "/kick nick [reason]",
        "remove someone from the channel",
    ),
    command("ban", &[], "/ban nick|mask", "ban from the channel"),
    command("unban", &[], "/unban nick|mask", "lift a ban"),
    command(
        "mode",
        &[],
        "/mode [target] modes [args]",
        "change or show modes",
    ),
    command("op", &[], "/op nick…", "make channel operators"),
    command("deop", &[], "/deop nick…", "take operator status"),
    command(
        "voice",
        &[],
        "/voice nick…",
        "let speak in a moderated channel",
    ),
    command("devoice", &[], "/devoice nick…", "take voice"),
    command("invite", &[], "/invite nick [#channel]", "invite someone"),
    command(
        "close",
        &[],
        "/close",
        "close this conversation (parts a channel)",
    ),
    command(
        "ignore",
        &[],
        "/ignore [nick|mask]",
        "hide someone's messages (no mask: list)",
    ),
    command(
        "unignore",
        &[],
        "/unignore nick|mask",
        "show someone's messages again",
    ),
    command(
        "quote",
        &["raw"],
        "/quote IRC line",
        "send a line to the server as is",
    ),
    command(
        "quit",
        &["exit"],
        "/quit [reason] (or {quit})",
        "disconnect",
    ),
    command("help", &[], "/help", "this list"),
];

/// The text `/help` shows: one line per command.
pub fn help_text() -> String {
    let mut text = String::from("Commands:");
    for command in COMMANDS {
        text.push_str(&format!("\n{} — {}", command.usage, command.about));
    }
    text
}
