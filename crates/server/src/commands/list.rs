//! LIST [<condition>{,<condition>}]
//!
//! Without conditions, every channel the sender may see. Conditions
//! (`ELIST=CMNTU`): a channel name or a mask with `*`/`?` (M) names the
//! channels wanted; `!mask` (N) leaves matching ones out; `>n`/`<n` (U)
//! bound the member count; `C>n`/`C<n` keep channels created more/less
//! than n minutes ago, `T>n`/`T<n` those whose topic was set more/less
//! than n minutes ago. A channel must satisfy every condition, and at
//! least one name or mask when any is given.
//!
//! A server may have a hundred thousand channels: the answer goes out a
//! piece at a time (512 channels walked each, in name order), the next
//! when the client has read the last, so no piece holds the hub lock for
//! long, no answer overflows the sendq, and the client's other lines wait
//! for the end of it.

use std::ops::Bound;

use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::policy;
use crate::glob::Glob;
use crate::link::cost;
use crate::state::State;
use crate::state::channel::Channel;
use crate::state::client::ClientId;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let conditions: Vec<Condition> = message
        .param(0)
        .unwrap_or("")
        .split(',')
        .filter(|c| !c.is_empty())
        .filter_map(Condition::parse)
        .collect();
    let any_name = conditions.iter().any(|c| matches!(c, Condition::Name(_)));
    ctx.reply(Numeric::ListStart, ["Channel", "Users  Name"]);
    let mut listing = Listing {
        conditions,
        any_name,
        after: None,
    };
    if !ctx.state.answering_label() {
        // A piece now, the rest as the client reads.
        if listing.send(ctx.state, ctx.id, PIECE) {
            ctx.state.continue_later(
                ctx.id,
                Box::new(move |state, id| listing.send(state, id, PIECE)),
            );
        }
        return Ok(());
    }
    // A labeled LIST is answered at once (its replies are gathered into
    // one labeled batch), so it is cut short rather than hold the lock
    // for every channel of a big server.
    if listing.send(ctx.state, ctx.id, LABELED_MOST) {
        let notice = format!(
            "LIST stopped after {LABELED_MOST} channels: send it without a label, \
             or with a mask, for the rest"
        );
        let notice = ctx
            .state
            .server_message("NOTICE", [ctx.nick().as_str(), notice.as_str()]);
        ctx.state.send(ctx.id, &notice);
        ctx.reply(Numeric::ListEnd, ["End of /LIST"]);
    }
    Ok(())
}

/// Most channels a labeled LIST walks.
const LABELED_MOST: usize = 4 * PIECE;

/// Channels walked for one piece of a LIST: a piece holds the hub lock
/// for well under a millisecond, however many channels there are.
const PIECE: usize = 512;

/// A LIST being answered: its conditions and how far it has got.
struct Listing {
    conditions: Vec<Condition>,
    /// True when a name or mask is among the conditions.
    any_name: bool,
    /// The last channel walked; the next piece starts after it.
    after: Option<CaseKey>,
}

impl Listing {
    /// Walks up to `piece` channels from where it stopped, sending those
    /// that qualify; ends the list (323) when it reaches the last channel.
    /// Returns true, without ending it, while channels are left.
    fn send(&mut self, state: &mut State, id: ClientId, piece: usize) -> bool {
        let now = crate::clock::now_secs();
        let start = match self.after.take() {
            Some(after) => Bound::Excluded(after),
            None => Bound::Unbounded,
        };
        let mut walked = 0;
        let mut more = false;
        // The piece's rows, sent once the walk no longer borrows the
        // channels.
        let mut rows = Vec::new();
        for (key, channel) in state.channels().range((start, Bound::Unbounded)) {
            if walked == piece {
                more = true;
                break;
            }
            walked += 1;
            self.after = Some(key.clone());
            let visible = policy::may_see(channel, id);
            let named = !self.any_name || self.conditions.iter().any(|c| c.names(&channel.name));
            if visible && named && self.conditions.iter().all(|c| c.keeps(channel, now)) {
                let topic = channel.topic.as_ref().map_or("", |t| t.text.as_str());
                let users = channel.members().len().to_string();
                rows.push([channel.name.clone(), users, topic.to_owned()]);
            }
        }
        for row in rows {
            state.reply(id, Numeric::List, row);
        }
        state.spend(cost::ENTRY * walked as u64);
        if !more {
            state.reply(id, Numeric::ListEnd, ["End of /LIST"]);
        }
        more
    }
}

/// One comma-separated LIST condition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    /// A channel name or mask.
    Name(Glob),
    /// `!mask`.
    NotName(Glob),
    /// Member count above / below.
    MoreUsers(usize),
    FewerUsers(usize),
    /// Created more / less than this many minutes ago.
    OlderThan(u64),
    NewerThan(u64),
    /// Topic set more / less than this many minutes ago.
    TopicOlderThan(u64),
    TopicNewerThan(u64),
}

impl Condition {
    /// `None` for a condition that does not parse: it is ignored, as an
    /// unknown ELIST extension would be.
    fn parse(text: &str) -> Option<Condition> {
        let number = |s: &str| s.parse::<u64>().ok();
        Some(match text.as_bytes() {
            [b'>', ..] => Condition::MoreUsers(usize::try_from(number(&text[1..])?).ok()?),
            [b'<', ..] => Condition::FewerUsers(usize::try_from(number(&text[1..])?).ok()?),
            [b'C' | b'c', b'>', ..] => Condition::OlderThan(number(&text[2..])?),
            [b'C' | b'c', b'<', ..] => Condition::NewerThan(number(&text[2..])?),
            [b'T' | b't', b'>', ..] => Condition::TopicOlderThan(number(&text[2..])?),
            [b'T' | b't', b'<', ..] => Condition::TopicNewerThan(number(&text[2..])?),
            [b'!', ..] => Condition::NotName(Glob::new(&text[1..])),
            _ => Condition::Name(Glob::new(text)),
        })
    }

    /// True when this is a name or mask that `name` matches.
    fn names(&self, name: &str) -> bool {
        matches!(self, Condition::Name(mask) if mask.matches(name))
    }

    /// False when this condition leaves `channel` out.
    fn keeps(&self, channel: &Channel, now: u64) -> bool {
        // Ages in seconds, compared with whole minutes (any number a
        // client sends: saturating).
        let age = |since: u64| now.saturating_sub(since);
        let secs = |minutes: &u64| minutes.saturating_mul(60);
        let topic_age = channel.topic.as_ref().map(|t| age(t.set_at));
        match self {
            Condition::Name(_) => true,
            Condition::NotName(mask) => !mask.matches(&channel.name),
            Condition::MoreUsers(n) => channel.members().len() > *n,
            Condition::FewerUsers(n) => channel.members().len() < *n,
            Condition::OlderThan(minutes) => age(channel.created_at) > secs(minutes),
            Condition::NewerThan(minutes) => age(channel.created_at) < secs(minutes),
            Condition::TopicOlderThan(minutes) => topic_age.is_some_and(|a| a > secs(minutes)),
            Condition::TopicNewerThan(minutes) => topic_age.is_some_and(|a| a < secs(minutes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Condition;
    use crate::glob::Glob;

    #[test]
    fn conditions() {
        assert_eq!(Condition::parse(">2"), Some(Condition::MoreUsers(2)));
        assert_eq!(Condition::parse("<10"), Some(Condition::FewerUsers(10)));
        assert_eq!(Condition::parse("C>5"), Some(Condition::OlderThan(5)));
        assert_eq!(Condition::parse("T<1"), Some(Condition::TopicNewerThan(1)));
        assert_eq!(
            Condition::parse("!#Ch*"),
            Some(Condition::NotName(Glob::new("#ch*")))
        );
        assert_eq!(
            Condition::parse("#Chan"),
            Some(Condition::Name(Glob::new("#chan")))
        );
        assert_eq!(Condition::parse(">x"), None);
        assert!(Condition::Name(Glob::new("#c*n2")).names("#Chan2"));
        assert!(!Condition::Name(Glob::new("#c*n2")).names("#chan1"));
        // Huge numbers neither overflow nor panic.
        let channel = crate::state::channel::Channel::new("#c");
        let huge = Condition::parse(&format!("C<{}", u64::MAX)).expect("parses");
        assert!(huge.keeps(&channel, crate::clock::now_secs()));
    }
}
