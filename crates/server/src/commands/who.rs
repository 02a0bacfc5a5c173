//! WHO [<mask> [o][%<fields>[,<token>]]]
//!
//! A channel name lists its members; anything else is a nick mask with
//! `*` and `?` wildcards, matched against visible users. `o` keeps only
//! IRC operators. With `%fields` (WHOX) each user is one RPL_WHOSPCRPL
//! holding the fields asked for, always in the order `tcuihsnfdlaor`.

use ciao_proto::names::looks_like_channel;
use ciao_proto::{CaseKey, Message, Numeric, irc_lower};

use super::{CommandResult, Ctx};
use crate::caps::Cap;
use crate::channel::Status;
use crate::client::{Client, ClientId};

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let mask = message.param(0).filter(|m| !m.is_empty()).unwrap_or("*");
    let (filter, whox) = match message.param(1) {
        Some(options) => match options.split_once('%') {
            Some((filter, fields)) => (filter, Some(Whox::parse(fields))),
            None => (options, None),
        },
        None => ("", None),
    };
    let opers_only = filter.contains('o');
    let all_prefixes = ctx
        .state
        .client(ctx.id)
        .is_some_and(|c| c.caps.has(Cap::MultiPrefix));
    let mut rows: Vec<(String, ClientId, Option<Status>)> = Vec::new();
    if looks_like_channel(mask) {
        if let Some(channel) = ctx.state.channel(mask) {
            let visible = !channel.modes.secret || channel.members.contains_key(&ctx.id);
            if visible {
                rows.extend(
                    channel
                        .members
                        .iter()
                        .map(|(id, status)| (channel.name.clone(), *id, Some(*status))),
                );
            }
        }
    } else {
        let viewer_channels: Vec<CaseKey> = ctx
            .state
            .client(ctx.id)
            .map(|c| c.channels.clone())
            .unwrap_or_default();
        let pattern = irc_lower(mask);
        // `+i` hides a user from mask searches, not from someone who
        // already knows its nick.
        let exact_nick = !mask.contains(['*', '?']);
        for client in ctx.state.clients.values().filter(|c| c.registered) {
            let shares = client.channels.iter().any(|k| viewer_channels.contains(k));
            let visible = exact_nick || client.id == ctx.id || !client.invisible || shares;
            if visible && (wildcard_match(&pattern, &irc_lower(&client.nick)) || pattern == "0") {
                rows.push(("*".to_owned(), client.id, None));
            }
        }
    }
    for (channel, id, status) in rows {
        let Some(client) = ctx.state.client(id).filter(|c| c.oper || !opers_only) else {
            continue;
        };
        let flags = flags(client, status, all_prefixes);
        match &whox {
            Some(whox) => {
                let params = whox.reply(ctx, client, &channel, flags);
                ctx.reply(Numeric::WhoSpcRpl, params);
            }
            None => {
                let params = who_reply(ctx, client, &channel, flags);
                ctx.reply(Numeric::WhoReply, params);
            }
        }
    }
    ctx.reply(Numeric::EndOfWho, [mask, "End of /WHO list"]);
    Ok(())
}

/// `H` (here) or `G` (gone, away), `*` for an IRC operator, `B` for a
/// bot, then the channel prefix.
fn flags(client: &Client, status: Option<Status>, all_prefixes: bool) -> String {
    let mut flags = String::from(if client.away.is_some() { "G" } else { "H" });
    if client.oper {
        flags.push('*');
    }
    if client.bot {
        flags.push('B');
    }
    if let Some(status) = status {
        flags.push_str(&status.prefix(all_prefixes));
    }
    flags
}

fn who_reply(ctx: &Ctx<'_>, client: &Client, channel: &str, flags: String) -> Vec<String> {
    vec![
        channel.to_owned(),
        client.user.clone(),
        client.host.clone(),
        ctx.state.config.server_name.clone(),
        client.nick.clone(),
        flags,
        format!("0 {}", client.realname),
    ]
}

/// A WHOX request: which fields, and the query's token.
#[derive(Debug)]
struct Whox {
    fields: String,
    token: String,
}

impl Whox {
    /// The order fields are always sent in, whatever order they were asked.
    const ORDER: &str = "tcuihsnfdlaor";

    fn parse(text: &str) -> Self {
        let (fields, token) = match text.split_once(',') {
            Some((fields, token)) => (fields, Some(token)),
            None => (text, None),
        };
        // The spec's token is one to three digits; a missing or invalid
        // one is sent as `0`, since the fields are positional.
        let token = token
            .filter(|t| (1..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or("0")
            .to_owned();
        Whox {
            fields: Self::ORDER
                .chars()
                .filter(|c| fields.contains(*c))
                .collect(),
            token,
        }
    }

    fn reply(&self, ctx: &Ctx<'_>, client: &Client, channel: &str, flags: String) -> Vec<String> {
        // `f` appears at most once: `fields` is built from `ORDER`.
        let mut flags = Some(flags);
        self.fields
            .chars()
            .map(|field| match field {
                't' => self.token.clone(),
                'c' => channel.to_owned(),
                'u' => client.user.clone(),
                // ciao shows the address as the host: both are the IP.
                'i' | 'h' => client.host.clone(),
                's' => ctx.state.config.server_name.clone(),
                'n' => client.nick.clone(),
                'f' => flags.take().unwrap_or_default(),
                'd' => "0".to_owned(),
                'l' => client.last_spoke.elapsed().as_secs().to_string(),
                // No accounts (yet): `0` means not logged in.
                'a' => "0".to_owned(),
                // No channel op levels.
                'o' => "n/a".to_owned(),
                _ => client.realname.clone(),
            })
            .collect()
    }
}

/// Glob match with `*` (any run) and `?` (one character).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn globs() {
        assert!(wildcard_match("*", "alice"));
        assert!(wildcard_match("a*e", "alice"));
        assert!(wildcard_match("a?ice", "alice"));
        assert!(!wildcard_match("b*", "alice"));
        assert!(wildcard_match("alice", "alice"));
        assert!(!wildcard_match("alic", "alice"));
    }
}
