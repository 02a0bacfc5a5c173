//! Service users as commands meet them (see `state::services`): what is
//! said to one — `PRIVMSG NickServ :<command>`, or its own verb
//! (`NICKSERV`, `NS`) — runs its handler; `WHOIS` answers for it; its
//! answers are NOTICEs from it. Nothing said to a service is stored or
//! relayed: it never reaches the history or another client.

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::{chanserv, nickserv};
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::services::{self, CHANSERV, NICKSERV, ServiceUser};

/// What a service does with a line of text said to it.
type Handler = fn(&mut Ctx<'_>, &str);

/// Each service with its handler (every one of `state::services::SERVICES`).
const HANDLERS: &[(ServiceUser, Handler)] =
    &[(NICKSERV, nickserv::command), (CHANSERV, chanserv::command)];

fn handler(service: ServiceUser) -> Option<Handler> {
    HANDLERS
        .iter()
        .find(|(known, _)| *known == service)
        .map(|(_, handler)| *handler)
}

/// `NICKSERV <command…>` / `NS <command…>`: the parameters as one line.
pub(super) fn nickserv(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    nickserv::command(ctx, &message.params.join(" "));
    Ok(())
}

/// Runs `text` as a command of the service called `target`, if `target`
/// is one: true when it is (whatever the verb: a NOTICE or TAGMSG to a
/// service is dropped, since a NOTICE must never be answered).
pub(super) fn said_to_service(ctx: &mut Ctx<'_>, verb: &str, target: &str, text: &str) -> bool {
    let Some(service) = services::service(target) else {
        return false;
    };
    if verb == "PRIVMSG"
        && let Some(handler) = handler(service)
    {
        handler(ctx, text);
    }
    true
}

/// WHOIS of a service, if `nick` is one: true when it answered.
pub(super) fn whois(ctx: &mut Ctx<'_>, nick: &str) -> bool {
    let Some(service) = services::service(nick) else {
        return false;
    };
    let server = ctx.state.config().server_name.clone();
    let name = service.nick;
    ctx.reply(
        Numeric::WhoisUser,
        [name, name, server.as_str(), "*", service.realname],
    );
    ctx.reply(Numeric::WhoisServer, [name, server.as_str(), "Services"]);
    ctx.reply(Numeric::WhoisOperator, [name, "is a Network Service"]);
    ctx.reply(Numeric::EndOfWhois, [name, "End of /WHOIS list"]);
    true
}

/// A NOTICE from `service` to client `id` (its nick, or `*` before it
/// has one). A function of the state, not of a `Ctx`: slow checks answer
/// from their verdicts.
pub(crate) fn tell(state: &mut State, id: ClientId, service: ServiceUser, text: &str) {
    let Some(nick) = state.client(id).map(|client| client.nick().to_owned()) else {
        return;
    };
    let mask = service.mask(&state.config().server_name);
    let notice = Message::new("NOTICE", [nick.as_str(), text]).with_source(mask);
    state.send(id, &notice);
}

#[cfg(test)]
mod tests {
    use super::handler;
    use crate::state::services::{SERVICES, service};

    #[test]
    fn every_service_has_a_handler_and_is_found_in_any_case() {
        for known in SERVICES {
            assert!(handler(*known).is_some(), "{}", known.nick);
            assert_eq!(service(&known.nick.to_uppercase()), Some(*known));
        }
        assert_eq!(service("NickServ_"), None);
    }
}
