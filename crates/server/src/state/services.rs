//! Service users (NickServ, ChanServ): nicks no client may hold,
//! answered by the server itself.
//!
//! Each service's nick is held in the nick table by [`SERVICE_ID`], an id
//! no connection ever gets, from the start: so `NICK NickServ` is "in
//! use" and `NICK N1ckServ` "too similar" through the one nick rule, with
//! nothing to check beside it. The commands layer routes what is sent to
//! them (`commands::services`).

use crate::state::client::ClientId;

/// The id holding the services' nicks: connections' ids start at 1.
pub(crate) const SERVICE_ID: ClientId = 0;

/// A service user as WHOIS shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServiceUser {
    pub(crate) nick: &'static str,
    /// The real name field of WHOIS.
    pub(crate) realname: &'static str,
}

pub(crate) const NICKSERV: ServiceUser = ServiceUser {
    nick: "NickServ",
    realname: "Nickname and account services",
};

pub(crate) const CHANSERV: ServiceUser = ServiceUser {
    nick: "ChanServ",
    realname: "Channel services",
};

/// Every service user.
pub(crate) const SERVICES: &[ServiceUser] = &[NICKSERV, CHANSERV];

/// The service called `nick` (under the server's casemapping), if any.
pub(crate) fn service(nick: &str) -> Option<ServiceUser> {
    SERVICES
        .iter()
        .copied()
        .find(|service| ciao_proto::irc_eq(service.nick, nick))
}

impl ServiceUser {
    /// `NickServ!NickServ@<server name>`, the source of a service's
    /// lines: the server itself speaks (and no address is a server name).
    pub(crate) fn mask(self, server_name: &str) -> String {
        format!("{0}!{0}@{server_name}", self.nick)
    }
}
