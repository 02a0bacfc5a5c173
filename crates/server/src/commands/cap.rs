//! CAP LS [302] | CAP LIST | CAP REQ :<caps> | CAP END
//!
//! IRCv3 capability negotiation. `LS` and `REQ` before registration hold
//! registration until `END`. `REQ` is all or nothing. `LS 302` shows
//! values (`draft/multiline=max-bytes=…`, and `sts=…` when STS is on);
//! the list fits one line.

use ciao_proto::{Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use super::registration;
use crate::caps::Cap;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let sub = message.params[0].to_ascii_uppercase();
    let nick = ctx.nick();
    let registered = ctx.state.client(ctx.id).is_some_and(|c| c.registered());
    let cap_reply = |ctx: &mut Ctx<'_>, params: Vec<String>| {
        let mut all = vec![nick.clone()];
        all.extend(params);
        let cap = ctx.state.server_message("CAP", all);
        ctx.state.send(ctx.id, &cap);
    };
    match sub.as_str() {
        "LS" => {
            if !registered {
                set_negotiating(ctx, true);
            }
            // Version 302 and later get the capabilities' values.
            let version = message.param(1).and_then(|v| v.parse::<u32>().ok());
            let with_values = version.is_some_and(|v| v >= 302);
            let before_connect = ctx.state.config().register_before_connect;
            let mut names: Vec<String> = offered(ctx)
                .map(|cap| match cap.value() {
                    // Registration only after connecting: no value.
                    _ if cap == Cap::AccountRegistration && !before_connect => {
                        cap.name().to_owned()
                    }
                    Some(value) if with_values => format!("{}={value}", cap.name()),
                    _ => cap.name().to_owned(),
                })
                .collect();
            // STS is nothing without its value, so only 302 clients see
            // it; it is not a `Cap`, since clients never request it (a
            // `REQ` for it is NAKed as unknown).
            if let Some(sts) = ctx.state.config().sts.filter(|_| with_values) {
                let secure = ctx.state.client(ctx.id).is_some_and(|c| c.secure);
                names.push(format!("sts={}", sts.cap_value(secure)));
            }
            cap_reply(ctx, vec!["LS".into(), names.join(" ")]);
        }
        "LIST" => {
            let caps = ctx.state.client(ctx.id).map(|c| c.caps).unwrap_or_default();
            cap_reply(ctx, vec!["LIST".into(), caps.names().join(" ")]);
        }
        "REQ" => {
            if !registered {
                set_negotiating(ctx, true);
            }
            let requested = message.param(1).unwrap_or("");
            let mut changes = Vec::new();
            for word in requested.split_whitespace() {
                let (name, on) = match word.strip_prefix('-') {
                    Some(name) => (name, false),
                    None => (word, true),
                };
                match Cap::from_name(name).filter(|cap| offered(ctx).any(|c| c == *cap)) {
                    Some(cap) => changes.push((cap, on)),
                    None => {
                        cap_reply(ctx, vec!["NAK".into(), requested.to_owned()]);
                        return Ok(());
                    }
                }
            }
            if let Some(client) = ctx.state.client_mut(ctx.id) {
                for (cap, on) in changes {
                    client.caps.set(cap, on);
                }
            }
            cap_reply(ctx, vec!["ACK".into(), requested.to_owned()]);
        }
        "END" => {
            if !registered {
                set_negotiating(ctx, false);
                registration::try_complete(ctx);
            }
        }
        _ => {
            return Err(CommandError::numeric(
                Numeric::InvalidCapCmd,
                [sub.as_str(), "Invalid CAP subcommand"],
            ));
        }
    }
    Ok(())
}

/// The capabilities this server offers: the history ones only with
/// history on.
fn offered<'a>(ctx: &'a Ctx<'_>) -> impl Iterator<Item = Cap> + 'a {
    let history = ctx.state.history_on();
    Cap::ALL
        .into_iter()
        .filter(move |cap| history || !matches!(cap, Cap::ChatHistory | Cap::EventPlayback))
}

fn set_negotiating(ctx: &mut Ctx<'_>, on: bool) {
    if let Some(client) = ctx.state.client_mut(ctx.id) {
        client.cap_negotiating = on;
    }
}
