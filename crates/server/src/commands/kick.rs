//! KICK <channel>{,<channel>} <nick>{,<nick>} [<reason>]
//!
//! One channel with several nicks kicks each from it; several channels
//! pair up with the nicks one to one (RFC 2812 §3.2.8).

use ciao_proto::{CaseKey, Message};

use super::context::{CommandError, CommandResult, Ctx};
use super::limits::MAX_KICKS;
use super::policy;
use crate::state::client::Protocol;
use crate::state::{TEXT_LEN, truncate};

/// A KICK's arguments: which nick to kick from which channel, at most
/// [`MAX_KICKS`] of them, and the reason if one was given.
#[derive(Debug, PartialEq, Eq)]
struct Kick<'m> {
    pairs: Vec<(&'m str, &'m str)>,
    reason: Option<&'m str>,
}

impl<'m> Kick<'m> {
    fn parse(message: &'m Message) -> Result<Self, CommandError> {
        let list = |k: usize| -> Vec<&'m str> {
            message
                .param(k)
                .unwrap_or("")
                .split(',')
                .filter(|item| !item.is_empty())
                .collect()
        };
        let (channels, nicks) = (list(0), list(1));
        let pairs: Vec<(&str, &str)> = match channels.as_slice() {
            [] => return Err(CommandError::NeedMoreParams),
            [channel] => nicks.iter().map(|nick| (*channel, *nick)).collect(),
            _ => channels.into_iter().zip(nicks).collect(),
        };
        if pairs.is_empty() {
            return Err(CommandError::NeedMoreParams);
        }
        Ok(Kick {
            pairs: pairs.into_iter().take(MAX_KICKS).collect(),
            reason: message.param(2).filter(|r| !r.is_empty()),
        })
    }
}

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let kick = Kick::parse(message)?;
    let reason = match kick.reason {
        Some(reason) => truncate(reason, TEXT_LEN).to_owned(),
        None => ctx.nick(),
    };
    // A refused kick does not stop the others.
    for (channel, nick) in kick.pairs {
        if let Err(error) = kick_one(ctx, channel, nick, &reason) {
            ctx.refuse(error);
        }
    }
    Ok(())
}

fn kick_one(ctx: &mut Ctx<'_>, name: &str, nick: &str, reason: &str) -> CommandResult {
    let channel = ctx.member_of(name)?;
    policy::may_kick(channel, ctx.id)?;
    let channel_name = channel.name.clone();
    let target = ctx
        .state
        .find_nick(nick)
        .filter(|c| channel.members().contains_key(&c.id))
        .map(|c| (c.id, c.nick().to_owned(), c.protocol));
    let Some((target_id, target_nick, protocol)) = target else {
        return Err(CommandError::not_in_channel(nick, &channel_name));
    };
    policy::may_kick_member(channel, ctx.id, target_id)?;
    let key = CaseKey::new(name);
    let kicker = ctx.nick();
    let lang = ctx.state.config().lang;
    let kick =
        Message::new("KICK", [channel_name.as_str(), &target_nick, reason]).with_source(ctx.mask());
    let plain = lang.kicked(&target_nick, &kicker, reason);
    ctx.state
        .publish_channel_event(ctx.id, &key, kick, Some(plain));
    ctx.state.remove_member(target_id, &key);
    // A plain client lives in one room only: being kicked out of it ends
    // its session.
    if protocol == Protocol::Plain && key == super::registration::plain_channel(ctx.state) {
        ctx.state.disconnect(
            target_id,
            &lang.kicked(&target_nick, &kicker, reason),
            &format!("Kicked by {kicker}"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ciao_proto::Message;

    use super::Kick;

    /// A KICK's pairs and reason, owned.
    type Parsed = (Vec<(String, String)>, Option<String>);

    /// What `line` parses to; `None` when refused.
    fn parse(line: &str) -> Option<Parsed> {
        let message: Message = line.parse().expect("a line");
        let kick = Kick::parse(&message).ok()?;
        let pairs = kick.pairs.iter();
        let pairs = pairs.map(|(c, n)| (c.to_string(), n.to_string()));
        Some((pairs.collect(), kick.reason.map(str::to_owned)))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn one_channel_takes_every_nick_and_several_pair_up() {
        let (kicks, reason) = parse("KICK #a b,c :bye").expect("valid");
        assert_eq!(kicks, pairs(&[("#a", "b"), ("#a", "c")]));
        assert_eq!(reason.as_deref(), Some("bye"));
        let (kicks, reason) = parse("KICK #a,#b,#c x,y").expect("valid");
        assert_eq!(kicks, pairs(&[("#a", "x"), ("#b", "y")]));
        assert_eq!(reason, None);
        assert_eq!(parse("KICK #a a,b,c,d,e").expect("valid").0.len(), 4);
    }

    #[test]
    fn empty_lists_need_more_params() {
        assert!(parse("KICK , x").is_none());
        assert!(parse("KICK #a ,").is_none());
        assert!(parse("KICK #a,#b ,").is_none());
    }
}
