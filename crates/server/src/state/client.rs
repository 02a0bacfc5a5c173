//! What the server knows about one connection.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use ciao_proto::CaseKey;

use crate::caps::Caps;
use crate::link::admission::Slot;
use crate::link::flood::Bucket;
use crate::link::outbox::Outbox;
use crate::link::presence::PresenceBudget;
use crate::state::sessions::Sessions;

/// A connection's id, unique for the life of the server.
pub(crate) use crate::link::ClientId;

/// How the client talks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// An IRC client: lines are IRC messages.
    Irc,
    /// A seed-style client (nc, telnet, `Client.py`): lines are text.
    Plain,
}

#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) id: ClientId,
    pub(crate) protocol: Protocol,
    /// Current nick; `*` until one is chosen.
    pub(in crate::state) nick: String,
    /// The user name from `USER` (the plain name for plain clients).
    pub(crate) user: Box<str>,
    pub(crate) realname: Box<str>,
    /// The peer's address, shown as the host part of the mask.
    pub(crate) ip: IpAddr,
    pub(crate) host: Box<str>,
    /// `nick!user@host`, kept in step with `nick` because every relayed
    /// line needs it.
    pub(in crate::state) mask: String,
    /// True once the welcome burst was sent.
    pub(in crate::state) registered: bool,
    /// Capabilities acknowledged by `CAP REQ`.
    pub(crate) caps: Caps,
    /// True between `CAP LS`/`REQ` and `CAP END`: registration waits.
    pub(crate) cap_negotiating: bool,
    /// The password given with `PASS`, checked when registration completes.
    pub(crate) pass: Option<Box<str>>,
    /// The server password (`--password`) was checked and right: set once
    /// a hashed one is verified off the runtime.
    pub(crate) pass_verified: bool,
    pub(crate) away: Option<Box<str>>,
    /// IRC operator (`+o`), granted by `OPER`.
    pub(crate) oper: bool,
    /// User mode `+i`.
    pub(crate) invisible: bool,
    /// User mode `+w`: receives WALLOPS.
    pub(crate) wallops: bool,
    /// User mode `+B` (IRCv3 bot mode): marked as a bot in WHO and WHOIS,
    /// and its messages carry the `bot` tag.
    pub(crate) bot: bool,
    /// Connected over TLS: user mode `+Z` and WHOIS 671 (set at connect,
    /// never changed by MODE).
    pub(crate) secure: bool,
    /// SHA-256 of the TLS client certificate (lowercase hex, no colons),
    /// if one was presented: what SASL EXTERNAL and `CERT ADD` use.
    pub(crate) cert_fingerprint: Option<Box<str>>,
    /// The account logged in to (SASL, `PASS account:password`,
    /// `NickServ IDENTIFY`, `REGISTER`); changed only through the
    /// accounts owner, which announces it (`account-notify`).
    pub(in crate::state) account: Option<String>,
    /// Channels joined, by folded name.
    pub(in crate::state) channels: Vec<CaseKey>,
    /// Where lines for this client go.
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) connected_at: u64,
    /// Last PRIVMSG/NOTICE, for WHOIS idle time.
    pub(crate) last_spoke: Instant,
    /// The connection's place under `--max-clients` and `--max-per-ip`,
    /// freed when the hub forgets the client (kept here rather than in the
    /// connection's future, whose size every idle connection pays).
    pub(crate) slot: Option<Slot>,
    /// Flood control's token bucket.
    pub(crate) flood: Bucket,
    /// How many of its joins, parts, quits and nick changes the history
    /// still stores (a churning client's are only sent).
    pub(crate) presence: PresenceBudget,
    /// Its sessions of the nicks it holds and held: what of their
    /// private history it may read (`state::sessions`). Changed only
    /// with the nick, by the registry.
    pub(in crate::state) sessions: Sessions,
}

impl Client {
    /// The client, holding its connection's admission `slot` until the
    /// hub forgets it.
    pub(crate) fn holding(self, slot: Slot) -> Self {
        Client {
            slot: Some(slot),
            ..self
        }
    }

    /// Current nick; `*` until one is chosen (changed only by the
    /// registry, which owns the nick rule).
    pub(crate) fn nick(&self) -> &str {
        &self.nick
    }

    /// `nick!user@host`.
    pub(crate) fn mask(&self) -> &str {
        &self.mask
    }

    /// True once the welcome burst was sent (set by
    /// `State::note_registration`).
    pub(crate) fn registered(&self) -> bool {
        self.registered
    }

    /// Its session of the nick it holds (none before its first nick):
    /// where its private history begins.
    pub(crate) fn session(&self) -> Option<&crate::state::sessions::NickSession> {
        self.sessions.current()
    }

    /// The account this client is logged in to, if any.
    pub(crate) fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// Channels joined, by folded name (kept in step with the channels'
    /// members by `state::channels`).
    pub(crate) fn channels(&self) -> &[CaseKey] {
        &self.channels
    }

    pub(crate) fn new(id: ClientId, ip: IpAddr, outbox: Arc<Outbox>) -> Self {
        // IPv4 clients of a dual-stack listener show as plain IPv4, and a
        // host starting with ':' (IPv6) gets a leading 0, as other ircds
        // do, because a parameter cannot start with ':'.
        let host = match ip.to_canonical().to_string() {
            host if host.starts_with(':') => format!("0{host}"),
            host => host,
        };
        Client {
            id,
            protocol: Protocol::Irc,
            nick: "*".to_owned(),
            user: Box::default(),
            realname: Box::default(),
            ip,
            mask: format!("*!*@{host}"),
            host: host.into_boxed_str(),
            registered: false,
            caps: Caps::default(),
            cap_negotiating: false,
            pass: None,
            pass_verified: false,
            away: None,
            oper: false,
            invisible: false,
            wallops: false,
            bot: false,
            secure: false,
            cert_fingerprint: None,
            account: None,
            channels: Vec::new(),
            outbox,
            connected_at: crate::clock::now_secs(),
            last_spoke: Instant::now(),
            slot: None,
            flood: Bucket::default(),
            presence: PresenceBudget::default(),
            sessions: Sessions::default(),
        }
    }

    /// Only the registry changes a nick (`Registry::claim_nick`), so the
    /// nick table and the clients' nicks never disagree.
    pub(in crate::state) fn set_nick(&mut self, nick: &str) {
        self.nick = nick.to_owned();
        self.update_mask();
    }

    /// Sets the user name (`USER`, a plain client's name), and the mask
    /// with it.
    pub(crate) fn set_user(&mut self, user: String) {
        self.user = user.into_boxed_str();
        self.update_mask();
    }

    fn update_mask(&mut self) {
        let user = if self.user.is_empty() {
            "*"
        } else {
            &self.user
        };
        self.mask = format!("{}!{}@{}", self.nick, user, self.host);
    }

    /// User modes as shown by `MODE nick` (`+io`).
    pub(crate) fn mode_string(&self) -> String {
        let mut modes = String::from("+");
        if self.invisible {
            modes.push('i');
        }
        if self.oper {
            modes.push('o');
        }
        if self.wallops {
            modes.push('w');
        }
        if self.bot {
            modes.push('B');
        }
        if self.secure {
            modes.push('Z');
        }
        modes
    }
}
