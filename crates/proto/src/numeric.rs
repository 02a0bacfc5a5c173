//! Every numeric reply ciao sends, named once.
//!
//! Names and meanings follow modern.ircdocs.horse and RFC 2812; no handler
//! writes a raw number. `Numeric::Welcome.code()` is `"001"`.

macro_rules! numerics {
    ($($name:ident = $code:literal, $spec:literal;)*) => {
        /// A numeric reply code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Numeric {
            $($name,)*
        }

        impl Numeric {
            /// The three-digit code as it appears on the wire.
            pub fn code(self) -> &'static str {
                match self {
                    $(Numeric::$name => $code,)*
                }
            }

            /// The numeric whose wire code is `code` (`"001"` →
            /// `Welcome`); `None` for any other command.
            pub fn from_code(code: &str) -> Option<Numeric> {
                match code {
                    $($code => Some(Numeric::$name),)*
                    _ => None,
                }
            }

            /// The symbolic name used by the specifications.
            pub fn spec_name(self) -> &'static str {
                match self {
                    $(Numeric::$name => $spec,)*
                }
            }
        }
    };
}

numerics! {
    Welcome = "001", "RPL_WELCOME";
    YourHost = "002", "RPL_YOURHOST";
    Created = "003", "RPL_CREATED";
    MyInfo = "004", "RPL_MYINFO";
    ISupport = "005", "RPL_ISUPPORT";
    UModeIs = "221", "RPL_UMODEIS";
    LUserClient = "251", "RPL_LUSERCLIENT";
    LUserOp = "252", "RPL_LUSEROP";
    LUserUnknown = "253", "RPL_LUSERUNKNOWN";
    LUserChannels = "254", "RPL_LUSERCHANNELS";
    LUserMe = "255", "RPL_LUSERME";
    LocalUsers = "265", "RPL_LOCALUSERS";
    GlobalUsers = "266", "RPL_GLOBALUSERS";
    Away = "301", "RPL_AWAY";
    UserHost = "302", "RPL_USERHOST";
    IsOn = "303", "RPL_ISON";
    UnAway = "305", "RPL_UNAWAY";
    NowAway = "306", "RPL_NOWAWAY";
    WhoisUser = "311", "RPL_WHOISUSER";
    WhoisServer = "312", "RPL_WHOISSERVER";
    WhoisAccount = "330", "RPL_WHOISACCOUNT";
    VisibleHost = "396", "RPL_VISIBLEHOST";
    WhoisSecure = "671", "RPL_WHOISSECURE";
    WhoisCertFp = "276", "RPL_WHOISCERTFP";
    YoureBannedCreep = "465", "ERR_YOUREBANNEDCREEP";
    WhowasUser = "314", "RPL_WHOWASUSER";
    Links = "364", "RPL_LINKS";
    EndOfLinks = "365", "RPL_ENDOFLINKS";
    HelpNotFound = "524", "ERR_HELPNOTFOUND";
    HelpStart = "704", "RPL_HELPSTART";
    HelpTxt = "705", "RPL_HELPTXT";
    EndOfHelp = "706", "RPL_ENDOFHELP";
    Inviting = "341", "RPL_INVITING";
    InviteList = "336", "RPL_INVITELIST";
    EndOfInviteList = "337", "RPL_ENDOFINVITELIST";
    UserOnChannel = "443", "ERR_USERONCHANNEL";
    InviteOnlyChan = "473", "ERR_INVITEONLYCHAN";
    EndOfWhowas = "369", "RPL_ENDOFWHOWAS";
    WasNoSuchNick = "406", "ERR_WASNOSUCHNICK";
    Info = "371", "RPL_INFO";
    EndOfInfo = "374", "RPL_ENDOFINFO";
    WhoisOperator = "313", "RPL_WHOISOPERATOR";
    EndOfWho = "315", "RPL_ENDOFWHO";
    WhoisIdle = "317", "RPL_WHOISIDLE";
    EndOfWhois = "318", "RPL_ENDOFWHOIS";
    WhoisChannels = "319", "RPL_WHOISCHANNELS";
    ListStart = "321", "RPL_LISTSTART";
    List = "322", "RPL_LIST";
    ListEnd = "323", "RPL_LISTEND";
    ChannelModeIs = "324", "RPL_CHANNELMODEIS";
    CreationTime = "329", "RPL_CREATIONTIME";
    NoTopic = "331", "RPL_NOTOPIC";
    Topic = "332", "RPL_TOPIC";
    TopicWhoTime = "333", "RPL_TOPICWHOTIME";
    Version = "351", "RPL_VERSION";
    WhoReply = "352", "RPL_WHOREPLY";
    NamReply = "353", "RPL_NAMREPLY";
    EndOfNames = "366", "RPL_ENDOFNAMES";
    EndOfBanList = "368", "RPL_ENDOFBANLIST";
    BanList = "367", "RPL_BANLIST";
    BannedFromChan = "474", "ERR_BANNEDFROMCHAN";
    BanListFull = "478", "ERR_BANLISTFULL";
    Motd = "372", "RPL_MOTD";
    MotdStart = "375", "RPL_MOTDSTART";
    EndOfMotd = "376", "RPL_ENDOFMOTD";
    YoureOper = "381", "RPL_YOUREOPER";
    Time = "391", "RPL_TIME";
    NoSuchNick = "401", "ERR_NOSUCHNICK";
    NoSuchServer = "402", "ERR_NOSUCHSERVER";
    NoSuchChannel = "403", "ERR_NOSUCHCHANNEL";
    CannotSendToChan = "404", "ERR_CANNOTSENDTOCHAN";
    TooManyChannels = "405", "ERR_TOOMANYCHANNELS";
    NoOrigin = "409", "ERR_NOORIGIN";
    InvalidCapCmd = "410", "ERR_INVALIDCAPCMD";
    NoRecipient = "411", "ERR_NORECIPIENT";
    NoTextToSend = "412", "ERR_NOTEXTTOSEND";
    InputTooLong = "417", "ERR_INPUTTOOLONG";
    UnknownCommand = "421", "ERR_UNKNOWNCOMMAND";
    NoMotd = "422", "ERR_NOMOTD";
    NoNicknameGiven = "431", "ERR_NONICKNAMEGIVEN";
    ErroneusNickname = "432", "ERR_ERRONEUSNICKNAME";
    NicknameInUse = "433", "ERR_NICKNAMEINUSE";
    UserNotInChannel = "441", "ERR_USERNOTINCHANNEL";
    NotOnChannel = "442", "ERR_NOTONCHANNEL";
    NotRegistered = "451", "ERR_NOTREGISTERED";
    NeedMoreParams = "461", "ERR_NEEDMOREPARAMS";
    AlreadyRegistered = "462", "ERR_ALREADYREGISTERED";
    PasswdMismatch = "464", "ERR_PASSWDMISMATCH";
    ChannelIsFull = "471", "ERR_CHANNELISFULL";
    UnknownMode = "472", "ERR_UNKNOWNMODE";
    BadChannelKey = "475", "ERR_BADCHANNELKEY";
    BadChanMask = "476", "ERR_BADCHANMASK";
    NoPrivileges = "481", "ERR_NOPRIVILEGES";
    ChanOPrivsNeeded = "482", "ERR_CHANOPRIVSNEEDED";
    NoOperHost = "491", "ERR_NOOPERHOST";
    UModeUnknownFlag = "501", "ERR_UMODEUNKNOWNFLAG";
    UsersDontMatch = "502", "ERR_USERSDONTMATCH";
    InvalidModeParam = "696", "ERR_INVALIDMODEPARAM";
    LoggedIn = "900", "RPL_LOGGEDIN";
    LoggedOut = "901", "RPL_LOGGEDOUT";
    NickLocked = "902", "ERR_NICKLOCKED";
    SaslSuccess = "903", "RPL_SASLSUCCESS";
    SaslFail = "904", "ERR_SASLFAIL";
    SaslTooLong = "905", "ERR_SASLTOOLONG";
    SaslAborted = "906", "ERR_SASLABORTED";
    SaslAlready = "907", "ERR_SASLALREADY";
    SaslMechs = "908", "RPL_SASLMECHS";
    WhoisBot = "335", "RPL_WHOISBOT";
    InvExList = "346", "RPL_INVEXLIST";
    EndOfInvExList = "347", "RPL_ENDOFINVEXLIST";
    ExceptList = "348", "RPL_EXCEPTLIST";
    EndOfExceptList = "349", "RPL_ENDOFEXCEPTLIST";
    WhoSpcRpl = "354", "RPL_WHOSPCRPL";
    MonOnline = "730", "RPL_MONONLINE";
    MonOffline = "731", "RPL_MONOFFLINE";
    MonList = "732", "RPL_MONLIST";
    EndOfMonList = "733", "RPL_ENDOFMONLIST";
    MonListFull = "734", "ERR_MONLISTFULL";
}

#[cfg(test)]
mod tests {
    use super::Numeric;

    #[test]
    fn codes_are_three_digits() {
        assert_eq!(Numeric::Welcome.code(), "001");
        assert_eq!(Numeric::NicknameInUse.code(), "433");
        assert_eq!(Numeric::UnknownCommand.spec_name(), "ERR_UNKNOWNCOMMAND");
    }
}
