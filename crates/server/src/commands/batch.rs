//! BATCH +<ref> draft/multiline <target> | BATCH -<ref>
//! (and the lines in between, tagged `batch=<ref>`)
//!
//! Client batches: only `draft/multiline` (see `crate::state::multiline`). The
//! message is checked and delivered when the batch closes, as a PRIVMSG
//! or NOTICE would be, with one msgid and time for all its lines. Errors
//! are standard replies, `FAIL BATCH <code> …`, and end the batch.

use ciao_proto::names::looks_like_channel;
use ciao_proto::{CaseKey, Message};

use super::context::{CommandError, CommandResult, Ctx, requested_label};
use super::privmsg::client_tags;
use crate::caps::Cap;
use crate::history::{self, Event};
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::effect::{Audience, Effect};
use crate::state::multiline::{
    BATCH_TYPE, CONCAT_TAG, Line, MAX_BYTES, MAX_LINES, MultilineFanout, OpenBatch, Refusal,
};
use crate::state::recent::Sent;
use crate::state::refusal::RefusedAs;

/// labeled-response: a batch that opens answers nothing yet (its echo
/// will carry the label); a refusal, and the closing, answer with it.
pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let reference = message.params[0].as_str();
    let open_label = ctx
        .state
        .batches()
        .get(ctx.id)
        .and_then(|batch| batch.label.clone());
    let label = open_label.or_else(|| requested_label(ctx.state, ctx.id, message));
    let token = label.map(|label| ctx.state.begin_response(ctx.id, label));
    let (result, opened) = if let Some(reference) = reference.strip_prefix('+') {
        let result = open(ctx, message, reference);
        (result, ctx.state.batches().contains(ctx.id))
    } else if let Some(reference) = reference.strip_prefix('-') {
        (close(ctx, reference), false)
    } else {
        fail(ctx, &["INVALID_REFTAG", reference, "Not a batch reference"]);
        (Ok(()), false)
    };
    // Errors answer inside the gathering, like any reply.
    if let Err(error @ CommandError::NeedMoreParams) = result {
        ctx.refuse(error);
    }
    match token {
        Some(token) if opened => ctx.state.cancel_response(token),
        Some(token) => ctx.state.end_response(token),
        None => {}
    }
    Ok(())
}

fn open(ctx: &mut Ctx<'_>, message: &Message, reference: &str) -> CommandResult {
    let kind = message.param(1).unwrap_or("");
    let Some(client) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    if kind != BATCH_TYPE || !client.caps.has(Cap::Multiline) {
        fail(
            ctx,
            &["UNKNOWN_TYPE", reference, kind, "Unsupported batch type"],
        );
        return Ok(());
    }
    let Some(target) = message.param(2).filter(|t| !t.is_empty()) else {
        return Err(CommandError::NeedMoreParams);
    };
    if reference.is_empty() {
        fail(ctx, &["INVALID_REFTAG", reference, "Empty batch reference"]);
        return Ok(());
    }
    if ctx.state.batches().contains(ctx.id) {
        fail(ctx, &["MULTILINE_INVALID", "A batch is already open"]);
        return Ok(());
    }
    let batch = OpenBatch {
        reference: reference.to_owned(),
        target: target.to_owned(),
        label: requested_label(ctx.state, ctx.id, message),
        client_tags: client_tags(message),
        command: None,
        lines: Vec::new(),
        bytes: 0,
    };
    ctx.state.batches_mut().open(ctx.id, batch);
    Ok(())
}

/// A line tagged `batch=<ref>` while client `id` has a batch open.
pub(super) fn collect(state: &mut State, id: ClientId, message: &Message, reference: &str) {
    let Some(batch) = state.batches_mut().get_mut(id) else {
        return;
    };
    let refusal = if batch.reference != reference {
        Some(Refusal::Invalid("A line of another batch"))
    } else {
        let line = Line {
            text: message.param(1).unwrap_or("").to_owned(),
            concat: message.tag(CONCAT_TAG).is_some(),
        };
        let target = message.param(0).unwrap_or("");
        batch.push(&message.command, target, line).err()
    };
    if let Some(refusal) = refusal {
        let batch = state.batches_mut().close(id);
        let label = batch.as_ref().and_then(|batch| batch.label.clone());
        let token = label.map(|label| state.begin_response(id, label));
        refuse(state, id, batch.as_ref(), &refusal);
        if let Some(token) = token {
            state.end_response(token);
        }
    }
}

fn close(ctx: &mut Ctx<'_>, reference: &str) -> CommandResult {
    let Some(batch) = ctx
        .state
        .batches_mut()
        .close(ctx.id)
        .filter(|b| b.reference == reference)
    else {
        fail(ctx, &["INVALID_REFTAG", reference, "No such batch open"]);
        return Ok(());
    };
    if let Err(refusal) = batch.check() {
        refuse(ctx.state, ctx.id, Some(&batch), &refusal);
        return Ok(());
    }
    let notice = batch.command.as_deref() == Some("NOTICE");
    // Flood control: the closing line is charged by the connection; the
    // rest of the message's cost comes on top.
    let lines = batch.lines.iter().filter(|l| !l.text.is_empty()).count();
    let cost = crate::state::multiline::cost(lines, batch.bytes);
    ctx.state.charge_extra(ctx.id, cost - 1);
    if let Err(error) = deliver(ctx, batch)
        && !notice
    {
        ctx.refuse(error);
    }
    Ok(())
}

/// Checks the closed message as a PRIVMSG or NOTICE would be checked,
/// then stores and sends it.
fn deliver(ctx: &mut Ctx<'_>, batch: OpenBatch) -> CommandResult {
    let command = batch
        .command
        .clone()
        .unwrap_or_else(|| "PRIVMSG".to_owned());
    let target = batch.target.as_str();
    let texts = || batch.lines.iter().map(|line| line.text.as_str());
    let (shown_target, conversation, recipient) = if looks_like_channel(target) {
        ctx.may_speak(target, texts())?;
        let name = ctx.state.channel(target).map(|c| c.name.clone());
        let name = name.unwrap_or_else(|| target.to_owned());
        let conversation = history::conversation(&name, None);
        (name, conversation, None)
    } else {
        let recipient = ctx.nick_target(target)?;
        let (id, nick) = (recipient.id, recipient.nick().to_owned());
        // Keyed by the parties' accounts or nicks (`state::parties`).
        let Some(conversation) = ctx.state.private_conversation(ctx.id, &nick) else {
            return Ok(());
        };
        (nick, conversation, Some(id))
    };
    let Some(sender) = ctx.state.client(ctx.id) else {
        return Ok(());
    };
    let (source, nick, bot) = (
        sender.mask().to_owned(),
        sender.nick().to_owned(),
        sender.bot,
    );
    let account = sender.account().map(str::to_owned);
    // Only IRC clients open batches (they need the capability).
    let echo = sender.caps.has(Cap::EchoMessage);
    let msgid = ctx.state.next_msgid();
    let time = crate::clock::now_millis();
    let events = stored_lines(
        &batch,
        &command,
        &source,
        &shown_target,
        (&msgid, time),
        &conversation,
        account.as_deref(),
    );
    let sent = Sent::new(conversation, source.clone(), ctx.id, recipient);
    ctx.state.recent_mut().remember(msgid.clone(), sent);
    let reference = ctx.state.next_batch_ref();
    let fanout = MultilineFanout::new(
        source,
        nick,
        command,
        shown_target,
        batch.lines,
        (msgid, time),
        batch.client_tags,
        bot,
        reference,
        recipient.is_some(),
    );
    let to = match recipient {
        Some(id) => Audience::Client(id),
        None => Audience::Channel(CaseKey::new(target)),
    };
    // Refused as the other multiline failures are: `FAIL BATCH …`, the
    // batch being what the client sent.
    let refused_as = RefusedAs {
        command: "BATCH",
        target: target.to_owned(),
    };
    let effect = Effect::Multiline {
        to,
        fanout,
        sender: ctx.id,
        echo,
        refused_as,
    };
    ctx.state.publish(events, effect);
    Ok(())
}

/// The history rows of a multiline message: one per non-blank line, the
/// first with the message's msgid and the others with `msgid/n`, so that
/// a redaction of the msgid takes them all.
fn stored_lines(
    batch: &OpenBatch,
    command: &str,
    source: &str,
    target: &str,
    (msgid, time): (&str, u64),
    conversation: &str,
    account: Option<&str>,
) -> Vec<Event> {
    batch
        .lines
        .iter()
        .filter(|line| !line.text.is_empty())
        .enumerate()
        .map(|(i, line)| Event {
            msgid: if i == 0 {
                msgid.to_owned()
            } else {
                format!("{msgid}/{i}")
            },
            time,
            target: conversation.to_owned(),
            line: Message::new(command, [target, line.text.as_str()])
                .with_source(source.to_owned())
                .to_string(),
            account: account.map(str::to_owned),
        })
        .collect()
}

fn refuse(state: &mut State, id: ClientId, batch: Option<&OpenBatch>, refusal: &Refusal) {
    let target = batch.map_or("*", |b| b.target.as_str());
    let (max_bytes, max_lines) = (MAX_BYTES.to_string(), MAX_LINES.to_string());
    let params: Vec<&str> = match refusal {
        Refusal::MaxBytes => vec!["MULTILINE_MAX_BYTES", &max_bytes, "Message too long"],
        Refusal::MaxLines => vec!["MULTILINE_MAX_LINES", &max_lines, "Too many lines"],
        Refusal::InvalidTarget(other) => vec![
            "MULTILINE_INVALID_TARGET",
            target,
            other,
            "Every line must go to the batch's target",
        ],
        Refusal::Invalid(why) => vec!["MULTILINE_INVALID", why],
    };
    state.fail(id, "BATCH", &params);
}

fn fail(ctx: &mut Ctx<'_>, params: &[&str]) {
    ctx.state.fail(ctx.id, "BATCH", params);
}
