//! IRCv3 capabilities ciao offers.

/// The SASL mechanisms offered (the `sasl` value, and RPL_SASLMECHS).
pub(crate) const SASL_MECHANISMS: &str = "PLAIN,SCRAM-SHA-256,EXTERNAL";

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Variants are the capabilities' names, `cap-notify` among them.
#[allow(clippy::enum_variant_names)]
pub(crate) enum Cap {
    ServerTime,
    MessageTags,
    EchoMessage,
    MultiPrefix,
    UserhostInNames,
    AwayNotify,
    ExtendedJoin,
    CapNotify,
    Batch,
    /// `draft/chathistory`, offered only with history on.
    ChatHistory,
    /// `draft/event-playback`: history includes joins, parts and the
    /// like; offered only with history on.
    EventPlayback,
    /// Replies to a command carrying a `label` tag come back with it: one
    /// line tagged, several in a `labeled-response` batch, none as `ACK`.
    LabeledResponse,
    /// Channel members are told of invitations (`INVITE`).
    InviteNotify,
    /// `SETNAME` changes the real name, and neighbours are told.
    Setname,
    /// MONITOR also reports away and real-name changes (to clients that
    /// asked for those with `away-notify` and `setname`).
    ExtendedMonitor,
    /// `ACCOUNT` when a neighbour logs in or out.
    AccountNotify,
    /// The `account` tag on messages from logged-in users.
    AccountTag,
    /// `draft/read-marker`: MARKREAD, how far one has read.
    ReadMarker,
    /// `draft/message-redaction`: REDACT, taking a message back.
    MessageRedaction,
    /// `draft/multiline`: messages of several lines, as one batch.
    Multiline,
    /// SASL logins (`AUTHENTICATE`), with the mechanisms offered.
    Sasl,
    /// `draft/account-registration`: `REGISTER`, before connecting too.
    AccountRegistration,
}

impl Cap {
    pub(crate) const ALL: [Cap; 22] = [
        Cap::ServerTime,
        Cap::MessageTags,
        Cap::EchoMessage,
        Cap::MultiPrefix,
        Cap::UserhostInNames,
        Cap::AwayNotify,
        Cap::ExtendedJoin,
        Cap::CapNotify,
        Cap::Batch,
        Cap::ChatHistory,
        Cap::EventPlayback,
        Cap::LabeledResponse,
        Cap::InviteNotify,
        Cap::Setname,
        Cap::ExtendedMonitor,
        Cap::AccountNotify,
        Cap::AccountTag,
        Cap::ReadMarker,
        Cap::MessageRedaction,
        Cap::Multiline,
        Cap::Sasl,
        Cap::AccountRegistration,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Cap::ServerTime => "server-time",
            Cap::MessageTags => "message-tags",
            Cap::EchoMessage => "echo-message",
            Cap::MultiPrefix => "multi-prefix",
            Cap::UserhostInNames => "userhost-in-names",
            Cap::AwayNotify => "away-notify",
            Cap::ExtendedJoin => "extended-join",
            Cap::CapNotify => "cap-notify",
            Cap::Batch => "batch",
            Cap::ChatHistory => "draft/chathistory",
            Cap::EventPlayback => "draft/event-playback",
            Cap::LabeledResponse => "labeled-response",
            Cap::InviteNotify => "invite-notify",
            Cap::Setname => "setname",
            Cap::ExtendedMonitor => "extended-monitor",
            Cap::AccountNotify => "account-notify",
            Cap::AccountTag => "account-tag",
            Cap::ReadMarker => "draft/read-marker",
            Cap::MessageRedaction => "draft/message-redaction",
            Cap::Multiline => "draft/multiline",
            Cap::Sasl => "sasl",
            Cap::AccountRegistration => "draft/account-registration",
        }
    }

    /// The value advertised with the name to `CAP LS 302` clients.
    pub(crate) fn value(self) -> Option<&'static str> {
        match self {
            Cap::Multiline => Some(MULTILINE_VALUE),
            Cap::Sasl => Some(SASL_MECHANISMS),
            // Accounts are named after nicks, and there is no e-mail.
            Cap::AccountRegistration => Some("before-connect"),
            _ => None,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Cap> {
        Cap::ALL.into_iter().find(|c| c.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of capabilities, one bit each: small enough to copy into the
/// fan-out loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Caps(u32);

impl Caps {
    pub(crate) fn has(self, cap: Cap) -> bool {
        self.0 & cap.bit() != 0
    }

    pub(crate) fn set(&mut self, cap: Cap, on: bool) {
        if on {
            self.0 |= cap.bit();
        } else {
            self.0 &= !cap.bit();
        }
    }

    pub(crate) fn names(self) -> Vec<&'static str> {
        Cap::ALL
            .into_iter()
            .filter(|c| self.has(*c))
            .map(Cap::name)
            .collect()
    }
}

/// Most bytes of text in one multiline message, line breaks counted
/// (`max-bytes`).
pub(crate) const MULTILINE_MAX_BYTES: usize = 4096;
/// Most lines in one multiline message (`max-lines`).
pub(crate) const MULTILINE_MAX_LINES: usize = 100;
/// `draft/multiline`'s value, advertised to `CAP LS 302` clients.
pub(crate) const MULTILINE_VALUE: &str = "max-bytes=4096,max-lines=100";
