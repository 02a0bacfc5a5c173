//! IRCv3 capabilities ciao offers.

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
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
}

impl Cap {
    pub const ALL: [Cap; 11] = [
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
    ];

    pub fn name(self) -> &'static str {
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
        }
    }

    pub fn from_name(name: &str) -> Option<Cap> {
        Cap::ALL.into_iter().find(|c| c.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of capabilities, one bit each: small enough to copy into the
/// fan-out loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caps(u16);

impl Caps {
    pub fn has(self, cap: Cap) -> bool {
        self.0 & cap.bit() != 0
    }

    pub fn set(&mut self, cap: Cap, on: bool) {
        if on {
            self.0 |= cap.bit();
        } else {
            self.0 &= !cap.bit();
        }
    }

    pub fn names(self) -> Vec<&'static str> {
        Cap::ALL
            .into_iter()
            .filter(|c| self.has(*c))
            .map(Cap::name)
            .collect()
    }
}
