//! CHATHISTORY LATEST  <target> <* | msgid=ID | timestamp=T> <limit>
//! CHATHISTORY BEFORE  <target> <msgid=ID | timestamp=T> <limit>
//! CHATHISTORY AFTER   <target> <msgid=ID | timestamp=T> <limit>
//! CHATHISTORY AROUND  <target> <msgid=ID | timestamp=T> <limit>
//! CHATHISTORY BETWEEN <target> <ref> <ref> <limit>
//! CHATHISTORY TARGETS <timestamp=T> <timestamp=T> <limit>
//!
//! IRCv3 `draft/chathistory`. Channel history is for members only;
//! private history only for its two parties: a logged-in party's is its
//! account's, all of it, and an anonymous party sees of its nick's only
//! what was stored in its session of it (see `state::parties` and
//! `state::sessions`: whoever takes a nick later reads nothing of its
//! earlier holder's).
//! The query runs on the history writer, after every message sent
//! before it is stored.

use ciao_proto::Message;
use ciao_proto::names::looks_like_channel;

use super::context::{CommandResult, Ctx};
use crate::caps::Cap;
use crate::history::{self, Anchor, QUERY_LIMIT, Scope, Since, Store, conversation};
use crate::link::cost;
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::parties;
use crate::state::replay;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let sub = message.param(0).unwrap_or("").to_ascii_uppercase();
    let params = &message.params[1.min(message.params.len())..];
    if !ctx.state.history_on() {
        fail(
            ctx.state,
            ctx.id,
            "MESSAGE_ERROR",
            &[&sub],
            "History is off on this server",
        );
        return Ok(());
    }
    let needed = match sub.as_str() {
        "LATEST" | "BEFORE" | "AFTER" | "AROUND" | "TARGETS" => 3,
        "BETWEEN" => 4,
        _ => {
            fail(
                ctx.state,
                ctx.id,
                "INVALID_PARAMS",
                &[&sub],
                "Unknown subcommand",
            );
            return Ok(());
        }
    };
    if params.len() < needed {
        fail(
            ctx.state,
            ctx.id,
            "NEED_MORE_PARAMS",
            &[&sub],
            "Missing parameters",
        );
        return Ok(());
    }
    let Some(limit) = params[needed - 1].parse::<usize>().ok() else {
        fail(
            ctx.state,
            ctx.id,
            "INVALID_PARAMS",
            &[&sub],
            "Invalid limit",
        );
        return Ok(());
    };
    let limit = if limit == 0 {
        QUERY_LIMIT
    } else {
        limit.min(QUERY_LIMIT)
    };
    if sub == "TARGETS" {
        let (Some(Reference::Time(from)), Some(Reference::Time(to))) =
            (Reference::parse(&params[0]), Reference::parse(&params[1]))
        else {
            fail(
                ctx.state,
                ctx.id,
                "INVALID_PARAMS",
                &[&sub],
                "TARGETS takes two timestamps",
            );
            return Ok(());
        };
        targets(ctx, from, to, limit);
        return Ok(());
    }

    let target = params[0].clone();
    let Some((key, shown_as, since)) = conversation_of(ctx, &target) else {
        fail(
            ctx.state,
            ctx.id,
            "INVALID_TARGET",
            &[&sub, &target],
            "No such conversation for you",
        );
        return Ok(());
    };
    let mut references = Vec::new();
    for text in &params[1..needed - 1] {
        match Reference::parse(text) {
            Some(Reference::Latest) if sub != "LATEST" => {}
            Some(reference) => {
                references.push(reference);
                continue;
            }
            None => {}
        }
        fail(
            ctx.state,
            ctx.id,
            "INVALID_PARAMS",
            &[&sub, text],
            "Invalid message reference",
        );
        return Ok(());
    }
    let id = ctx.id;
    let events = ctx
        .state
        .client(id)
        .is_some_and(|c| c.caps.has(Cap::EventPlayback));
    // The rows are read and sent later, on the history's side: charged
    // now, at most what was asked for.
    ctx.state.spend(cost::HISTORY_ROW * limit as u64);
    ctx.state.publish_read(move |store, horizon| {
        let scope = Scope {
            target: &key,
            horizon,
            since,
            events,
        };
        let read = query(store, scope, &sub, &references, limit);
        Box::new(move |state| match read {
            Ok(events) => replay::send(state, id, &shown_as, &events, true),
            Err(error) => {
                tracing::warn!(%error, "CHATHISTORY query failed");
                fail(
                    state,
                    id,
                    "MESSAGE_ERROR",
                    &[&sub, &shown_as],
                    "Could not read the history",
                );
            }
        })
    });
    Ok(())
}

/// A message reference: `*`, `msgid=…` or `timestamp=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reference {
    Latest,
    MsgId(String),
    Time(u64),
}

impl Reference {
    fn parse(text: &str) -> Option<Self> {
        if text == "*" {
            return Some(Reference::Latest);
        }
        if let Some(msgid) = text.strip_prefix("msgid=").filter(|m| !m.is_empty()) {
            return Some(Reference::MsgId(msgid.to_owned()));
        }
        let time = text.strip_prefix("timestamp=")?;
        crate::clock::parse_iso8601(time).map(Reference::Time)
    }

    /// Where this reference points in `target`; `None` for an unknown
    /// msgid. `Latest` never gets here.
    fn anchor(&self, store: &Store, target: &str) -> rusqlite::Result<Option<Anchor>> {
        Ok(match self {
            Reference::Latest => None,
            Reference::Time(time) => Some(Anchor::Time(*time)),
            Reference::MsgId(msgid) => store.row_of(target, msgid)?.map(Anchor::Row),
        })
    }
}

fn query(
    store: &Store,
    scope: Scope<'_>,
    sub: &str,
    references: &[Reference],
    limit: usize,
) -> rusqlite::Result<Vec<history::Event>> {
    let mut anchors = Vec::new();
    for reference in references {
        match reference.anchor(store, scope.target)? {
            Some(anchor) => anchors.push(anchor),
            // `*`, or a msgid we do not have: LATEST reads from the end,
            // anything else finds nothing.
            None if sub == "LATEST" => {}
            None => return Ok(Vec::new()),
        }
    }
    match (sub, anchors.as_slice()) {
        ("LATEST", []) => store.latest(scope, None, limit),
        ("LATEST", [after]) => store.latest(scope, Some(*after), limit),
        ("BEFORE", [anchor]) => store.before(scope, *anchor, limit),
        ("AFTER", [anchor]) => store.after(scope, *anchor, limit),
        ("AROUND", [anchor]) => store.around(scope, *anchor, limit),
        ("BETWEEN", [from, to]) => store.between(scope, *from, *to, limit),
        _ => Ok(Vec::new()),
    }
}

/// The stored conversation `target` names for the sender, how to name it
/// back, and where the sender's view of it begins: a channel the sender
/// is in (every row), or a nick, whose conversation with the sender is
/// keyed and seen as `state::parties` says.
fn conversation_of(ctx: &Ctx<'_>, target: &str) -> Option<(String, String, Since)> {
    if looks_like_channel(target) {
        let channel = ctx.state.channel(target)?;
        channel
            .members()
            .contains_key(&ctx.id)
            .then(|| (conversation(target, None), channel.name.clone(), Since::ALL))
    } else {
        Some((
            ctx.state.private_conversation(ctx.id, target)?,
            target.to_owned(),
            ctx.state.private_view(ctx.id),
        ))
    }
}

/// CHATHISTORY TARGETS: the sender's channels and private conversations
/// with messages between two times.
fn targets(ctx: &mut Ctx<'_>, from: u64, to: u64, limit: usize) {
    let Some(me) = ctx.state.client(ctx.id) else {
        return;
    };
    let my_key = parties::identity(me);
    let since = ctx.state.private_view(ctx.id);
    let channels: Vec<(String, String)> = me
        .channels()
        .iter()
        .filter_map(|key| ctx.state.channels().get(key))
        .map(|channel| (conversation(&channel.name, None), channel.name.clone()))
        .collect();
    let id = ctx.id;
    // One read per conversation, later: charged now for the most there
    // can be.
    ctx.state
        .spend(cost::HISTORY_ROW * (channels.len() + PRIVATE_TARGETS) as u64);
    ctx.state.publish_read(move |store, horizon| {
        let read = active_targets(store, horizon, &my_key, since, channels, (from, to), limit);
        Box::new(move |state| match read {
            Ok(found) => send_targets(state, id, &found),
            Err(error) => {
                tracing::warn!(%error, "CHATHISTORY TARGETS failed");
                fail(
                    state,
                    id,
                    "MESSAGE_ERROR",
                    &["TARGETS"],
                    "Could not read the history",
                );
            }
        })
    });
}

/// Most private conversations of one nick TARGETS looks at: the ones with
/// the latest messages (a bound on what one query may read).
const PRIVATE_TARGETS: usize = 500;

/// The conversations among `channels` (key, name) and the private ones
/// of `my_key` (the asker's identity) with messages between two times
/// (of those, only messages since `since`, the asker's view): each named as the client knows
/// it, with the time of its latest message there.
fn active_targets(
    store: &Store,
    horizon: i64,
    my_key: &str,
    since: Since,
    channels: Vec<(String, String)>,
    (from, to): (u64, u64),
    limit: usize,
) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut names: Vec<(String, String, Since)> = channels
        .into_iter()
        .map(|(key, name)| (key, name, Since::ALL))
        .collect();
    // A private key holds both parties: name it by the other one (or
    // ours, for notes to self), an account by its name. Conversations
    // last active before the session began are not even looked at.
    let after = from.min(to).max(since.time.saturating_sub(1));
    for key in store.private_targets_of(my_key, after, PRIVATE_TARGETS)? {
        let other = key
            .split(' ')
            .find(|part| *part != my_key)
            .unwrap_or(my_key);
        let other = parties::shown_name(other).to_owned();
        names.push((key, other, since));
    }
    let keys: Vec<(String, Since)> = names
        .iter()
        .map(|(key, _, since)| (key.clone(), *since))
        .collect();
    let found = store.active_targets(&keys, horizon, from, to, limit)?;
    Ok(found
        .into_iter()
        .map(|(key, time)| {
            let name = names
                .iter()
                .find(|(k, _, _)| *k == key)
                .map_or(key.clone(), |(_, n, _)| n.clone());
            (name, time)
        })
        .collect())
}

/// The TARGETS answer: a `draft/chathistory-targets` batch.
fn send_targets(state: &mut State, id: ClientId, found: &[(String, u64)]) {
    let reference = state.next_batch_ref();
    let server = state.config().server_name.clone();
    let start = Message::new(
        "BATCH",
        [format!("+{reference}"), "draft/chathistory-targets".into()],
    )
    .with_source(server.clone());
    state.send(id, &start);
    for (name, time) in found {
        let mut line = Message::new(
            "CHATHISTORY",
            [
                "TARGETS".to_owned(),
                name.clone(),
                // A bare timestamp, as the spec's example (and irctest) has it.
                crate::clock::iso8601(*time),
            ],
        )
        .with_source(server.clone());
        line.tags.push(ciao_proto::Tag {
            key: "batch".into(),
            value: Some(reference.clone()),
        });
        state.send(id, &line);
    }
    state.send(
        id,
        &Message::new("BATCH", [format!("-{reference}")]).with_source(server),
    );
}

/// `FAIL CHATHISTORY CODE context… :text` (IRCv3 standard replies).
fn fail(state: &mut State, id: ClientId, code: &str, context: &[&str], text: &str) {
    let mut params = vec![code];
    params.extend_from_slice(context);
    params.push(text);
    state.fail(id, "CHATHISTORY", &params);
}
