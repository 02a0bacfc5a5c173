//! WHO [<mask> [o][%<fields>[,<token>]]]
//!
//! A channel name lists its members; anything else is a nick mask with
//! `*` and `?` wildcards, matched against visible users. `o` keeps only
//! IRC operators. With `%fields` (WHOX) each user is one RPL_WHOSPCRPL
//! holding the fields asked for, always in the order `tcuihsnfdlaor`.

use ciao_proto::names::looks_like_channel;
use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::policy;
use crate::caps::Cap;
use crate::glob::Glob;
use crate::link::cost;
use crate::state::channel::Status;
use crate::state::client::{Client, ClientId};

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
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
            if policy::may_see(channel, ctx.id) {
                rows.extend(
                    channel
                        .members()
                        .iter()
                        .map(|(id, status)| (channel.name.clone(), *id, Some(*status))),
                );
            }
        }
    } else if !mask.contains(['*', '?']) && mask != "0" {
        // A nick, not a mask: one lookup, and `+i` does not hide a user
        // from someone who already knows its nick.
        if let Some(client) = ctx.state.find_nick(mask).filter(|c| c.registered()) {
            rows.push(("*".to_owned(), client.id, None));
        }
    } else {
        // `WHO 0` is an old way of saying `WHO *`.
        let glob = Glob::new(if mask == "0" { "*" } else { mask });
        let mut walked = 0;
        for client in ctx.state.clients() {
            walked += 1;
            if client.registered() && glob.matches(client.nick()) && visible(ctx, client) {
                rows.push(("*".to_owned(), client.id, None));
            }
        }
        ctx.state.spend(cost::ENTRY * walked);
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
        client.user.to_string(),
        client.host.to_string(),
        ctx.state.config().server_name.clone(),
        client.nick().to_owned(),
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
                'u' => client.user.to_string(),
                // ciao shows the address as the host: both are the IP.
                'i' | 'h' => client.host.to_string(),
                's' => ctx.state.config().server_name.clone(),
                'n' => client.nick().to_owned(),
                'f' => flags.take().unwrap_or_default(),
                'd' => "0".to_owned(),
                'l' => client.last_spoke.elapsed().as_secs().to_string(),
                // `0` means not logged in.
                'a' => client.account().unwrap_or("0").to_owned(),
                // No channel op levels.
                'o' => "n/a".to_owned(),
                _ => client.realname.to_string(),
            })
            .collect()
    }
}

/// True when a mask search by the sender may show `client`: `+i` hides
/// a user from those who share no channel with it.
fn visible(ctx: &Ctx<'_>, client: &Client) -> bool {
    !client.invisible
        || client.id == ctx.id
        || client.channels().iter().any(|key| {
            ctx.state
                .channels()
                .get(key)
                .is_some_and(|channel| channel.members().contains_key(&ctx.id))
        })
}
