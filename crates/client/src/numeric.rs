//! Numeric replies by name: a code read off the wire becomes a
//! [`Numeric`], so the model and the connection match on names
//! (`Numeric::Welcome`), never on raw numbers.
//!
//! ciao-proto names the numerics but has no way back from a code; this is
//! that way, kept in the client so ciao-proto stays as it is. The few
//! numerics the client reads that ciao-proto does not name are in
//! [`unnamed`], matched by code in that one place.

use ciao_proto::Numeric;

/// Every numeric ciao-proto names, so any of them reads back.
const NAMED: &[Numeric] = &[
    Numeric::Welcome,
    Numeric::YourHost,
    Numeric::Created,
    Numeric::MyInfo,
    Numeric::ISupport,
    Numeric::UModeIs,
    Numeric::LUserClient,
    Numeric::LUserOp,
    Numeric::LUserUnknown,
    Numeric::LUserChannels,
    Numeric::LUserMe,
    Numeric::LocalUsers,
    Numeric::GlobalUsers,
    Numeric::Away,
    Numeric::UserHost,
    Numeric::IsOn,
    Numeric::UnAway,
    Numeric::NowAway,
    Numeric::WhoisUser,
    Numeric::WhoisServer,
    Numeric::WhowasUser,
    Numeric::Links,
    Numeric::EndOfLinks,
    Numeric::HelpNotFound,
    Numeric::HelpStart,
    Numeric::HelpTxt,
    Numeric::EndOfHelp,
    Numeric::Inviting,
    Numeric::InviteList,
    Numeric::EndOfInviteList,
    Numeric::UserOnChannel,
    Numeric::InviteOnlyChan,
    Numeric::EndOfWhowas,
    Numeric::WasNoSuchNick,
    Numeric::Info,
    Numeric::EndOfInfo,
    Numeric::WhoisOperator,
    Numeric::EndOfWho,
    Numeric::WhoisIdle,
    Numeric::EndOfWhois,
    Numeric::WhoisChannels,
    Numeric::ListStart,
    Numeric::List,
    Numeric::ListEnd,
    Numeric::ChannelModeIs,
    Numeric::CreationTime,
    Numeric::NoTopic,
    Numeric::Topic,
    Numeric::TopicWhoTime,
    Numeric::Version,
    Numeric::WhoReply,
    Numeric::NamReply,
    Numeric::EndOfNames,
    Numeric::EndOfBanList,
    Numeric::BanList,
    Numeric::BannedFromChan,
    Numeric::BanListFull,
    Numeric::Motd,
    Numeric::MotdStart,
    Numeric::EndOfMotd,
    Numeric::YoureOper,
    Numeric::Time,
    Numeric::NoSuchNick,
    Numeric::NoSuchServer,
    Numeric::NoSuchChannel,
    Numeric::CannotSendToChan,
    Numeric::TooManyChannels,
    Numeric::NoOrigin,
    Numeric::InvalidCapCmd,
    Numeric::NoRecipient,
    Numeric::NoTextToSend,
    Numeric::InputTooLong,
    Numeric::UnknownCommand,
    Numeric::NoMotd,
    Numeric::NoNicknameGiven,
    Numeric::ErroneusNickname,
    Numeric::NicknameInUse,
    Numeric::UserNotInChannel,
    Numeric::NotOnChannel,
    Numeric::NotRegistered,
    Numeric::NeedMoreParams,
    Numeric::AlreadyRegistered,
    Numeric::PasswdMismatch,
    Numeric::ChannelIsFull,
    Numeric::UnknownMode,
    Numeric::BadChannelKey,
    Numeric::BadChanMask,
    Numeric::NoPrivileges,
    Numeric::ChanOPrivsNeeded,
    Numeric::NoOperHost,
    Numeric::UModeUnknownFlag,
    Numeric::UsersDontMatch,
    Numeric::InvalidModeParam,
    Numeric::WhoisBot,
    Numeric::InvExList,
    Numeric::EndOfInvExList,
    Numeric::ExceptList,
    Numeric::EndOfExceptList,
    Numeric::WhoSpcRpl,
    Numeric::MonOnline,
    Numeric::MonOffline,
    Numeric::MonList,
    Numeric::EndOfMonList,
    Numeric::MonListFull,
];

/// The named numeric whose code is `code` (`"001"` → `Welcome`); `None`
/// for anything else, numeric or not.
pub(crate) fn numeric(code: &str) -> Option<Numeric> {
    NAMED.iter().copied().find(|n| n.code() == code)
}

/// True for a numeric reply's command: three ASCII digits.
pub(crate) fn is_numeric(command: &str) -> bool {
    command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit())
}

/// Numerics the client reads that `ciao_proto::Numeric` does not name
/// (yet), by their names in the specifications (modern.ircdocs.horse).
/// Once ciao-proto names them, they move to the `match`es on [`Numeric`].
pub(crate) mod unnamed {
    pub const RPL_WHOISACCOUNT: &str = "330";
    pub const RPL_VISIBLEHOST: &str = "396";
    pub const RPL_WHOISSECURE: &str = "671";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_their_names() {
        for &named in NAMED {
            assert_eq!(numeric(named.code()), Some(named));
        }
        assert_eq!(numeric("001"), Some(Numeric::Welcome));
        assert_eq!(numeric("999"), None);
        assert_eq!(numeric("PRIVMSG"), None);
    }

    #[test]
    fn unnamed_codes_are_not_named() {
        for code in [
            unnamed::RPL_WHOISACCOUNT,
            unnamed::RPL_VISIBLEHOST,
            unnamed::RPL_WHOISSECURE,
        ] {
            assert!(is_numeric(code));
            assert_eq!(numeric(code), None);
        }
    }
}
