//! The limits the commands enforce and ISUPPORT advertises, side by side
//! so that the welcome burst tells the truth about the handlers.

/// Longest user name kept (`USERLEN`).
pub(crate) const USER_LEN: usize = 16;

/// Longest real name (`NAMELEN`), from USER or SETNAME.
pub(super) const REALNAME_LEN: usize = 100;

/// Most targets of one PRIVMSG, NOTICE or TAGMSG (`TARGMAX`).
pub(super) const MAX_TARGETS: usize = 4;

/// Most kicks in one command (`TARGMAX=KICK:4`).
pub(super) const MAX_KICKS: usize = 4;

/// Most parameterised mode changes in one command (`MODES`).
pub(super) const MAX_PARAM_MODES: usize = 4;
