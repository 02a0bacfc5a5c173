//! Who may do what: the permission rules of channels and operators, in
//! one place.
//!
//! Pure functions over the channel and the client's data; handlers ask
//! them, and the context (`Ctx`) turns a [`Denied`] into its numeric.
//! Rank thresholds in short: voiced members speak under `+m`;
//! half-operators set the topic under `+t`, invite under `+i`, voice,
//! and kick those below them; everything else takes an operator.

use crate::state::channel::{Channel, Identity, MaskList, Rank};
use crate::state::client::ClientId;

/// Why a rule refuses, with the channel's name as the numeric shows it
/// (as the channel was created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denied {
    /// ERR_CHANOPRIVSNEEDED: the sender's rank is too low.
    NotOperator(String),
    /// ERR_CANNOTSENDTOCHAN.
    CannotSend(String),
    /// ERR_NOPRIVILEGES: not an IRC operator.
    NotOper,
}

/// True when a ban matches `who` (`nick!user@host`, or its account for
/// an account extban) and no ban exception does.
pub(super) fn is_banned(channel: &Channel, who: Identity<'_>) -> bool {
    channel.matches(MaskList::Bans, who) && !channel.matches(MaskList::Exceptions, who)
}

/// Whether client `id` (`who`) may say `texts` in `channel`: `+n` keeps
/// out non-members, `+m` everyone below voice, a ban silences a member
/// below voice (it may stay but not speak), and `+C` refuses CTCP but
/// ACTION.
pub(super) fn may_speak<'t, 'w>(
    channel: &Channel,
    id: ClientId,
    who: impl Into<Identity<'w>>,
    texts: impl IntoIterator<Item = &'t str>,
) -> Result<(), Denied> {
    let who = who.into();
    let rank = channel.rank(id);
    let allowed = match rank {
        Some(rank) => !channel.modes.moderated || rank >= Rank::Voice,
        None => !channel.modes.no_external && !channel.modes.moderated,
    };
    let banned = rank < Some(Rank::Voice) && is_banned(channel, who);
    let ctcp = || {
        texts
            .into_iter()
            .any(|t| t.starts_with('\u{1}') && !t.starts_with("\u{1}ACTION "))
    };
    if !allowed || banned || (channel.modes.no_ctcp && ctcp()) {
        return Err(Denied::CannotSend(channel.name.clone()));
    }
    Ok(())
}

/// The mode that keeps a client out of a channel it asks to join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closed {
    /// `+b`: banned.
    Banned,
    /// `+i`: invite only.
    InviteOnly,
    /// `+k`: the key was missing or wrong.
    Key,
    /// `+l`: full.
    Full,
}

impl Closed {
    /// The mode letter, as `Cannot join channel (+b)` names it.
    pub(super) fn mode(self) -> char {
        match self {
            Closed::Banned => 'b',
            Closed::InviteOnly => 'i',
            Closed::Key => 'k',
            Closed::Full => 'l',
        }
    }
}

/// Why `who` (client `id`) may not join `channel` with `key`, if it may
/// not. An invitation from a half-operator or above gets past everything
/// (bans, `+i`, `+k`, `+l`), as in InspIRCd; an invite exception (`+I`)
/// only past `+i`, and a ban exception (`+e`) past the bans.
pub(super) fn may_join<'w>(
    channel: &Channel,
    id: ClientId,
    who: impl Into<Identity<'w>>,
    key: Option<&str>,
) -> Result<(), Closed> {
    let who = who.into();
    if channel.invited().get(&id) == Some(&true) {
        return Ok(());
    }
    if is_banned(channel, who) {
        return Err(Closed::Banned);
    }
    if channel.modes.invite_only && !channel.matches(MaskList::InviteExceptions, who) {
        return Err(Closed::InviteOnly);
    }
    if let Some(expected) = &channel.modes.key
        && key != Some(expected.as_str())
    {
        return Err(Closed::Key);
    }
    if let Some(limit) = channel.modes.limit
        && channel.members().len() >= limit
    {
        return Err(Closed::Full);
    }
    Ok(())
}

/// Whether client `id` may see `channel` in NAMES, WHO, WHOIS, LIST and
/// TOPIC: a secret channel (`+s`) shows only to its members.
pub(super) fn may_see(channel: &Channel, id: ClientId) -> bool {
    !channel.modes.secret || channel.members().contains_key(&id)
}

/// Whether member `id` may change the topic: under `+t`, half-operators
/// and above.
pub(super) fn may_set_topic(channel: &Channel, id: ClientId) -> Result<(), Denied> {
    if channel.modes.topic_ops_only && channel.rank(id) < Some(Rank::HalfOp) {
        return Err(not_operator(channel));
    }
    Ok(())
}

/// Whether member `id` may invite to `channel`, and if so whether its
/// invitation is privileged (from a half-operator or above: it gets the
/// invited past `+k`, `+l` and bans, see [`may_join`]). Under `+i` only
/// the privileged may invite.
pub(super) fn may_invite(channel: &Channel, id: ClientId) -> Result<bool, Denied> {
    let privileged = channel.rank(id) >= Some(Rank::HalfOp);
    if channel.modes.invite_only && !privileged {
        return Err(not_operator(channel));
    }
    Ok(privileged)
}

/// Whether invite-notify tells a member of `rank` about an invitation:
/// in an invite-only channel only those who could have invited.
pub(super) fn hears_invites(invite_only: bool, rank: Rank) -> bool {
    !invite_only || rank >= Rank::HalfOp
}

/// Whether `kicker` may kick from `channel` at all: half-operators and
/// above (checked before the target is looked up).
pub(super) fn may_kick(channel: &Channel, kicker: ClientId) -> Result<(), Denied> {
    if channel.rank(kicker) < Some(Rank::HalfOp) {
        return Err(not_operator(channel));
    }
    Ok(())
}

/// Whether `kicker` may kick member `target`: operators anyone,
/// half-operators only those below them.
pub(super) fn may_kick_member(
    channel: &Channel,
    kicker: ClientId,
    target: ClientId,
) -> Result<(), Denied> {
    may_kick(channel, kicker)?;
    if channel.rank(kicker) < Some(Rank::Op) && channel.rank(target) >= Some(Rank::HalfOp) {
        return Err(not_operator(channel));
    }
    Ok(())
}

/// Whether client `id` may change `channel`'s modes at all (half-operators
/// and above; [`rank_to_set`] says which).
pub(super) fn may_change_modes(channel: &Channel, id: ClientId) -> Result<(), Denied> {
    if channel.rank(id) < Some(Rank::HalfOp) {
        return Err(not_operator(channel));
    }
    Ok(())
}

/// The rank needed to set or unset channel mode `letter`: half-operators
/// may only voice and devoice.
pub(super) fn rank_to_set(letter: char) -> Rank {
    match letter {
        'v' => Rank::HalfOp,
        _ => Rank::Op,
    }
}

/// Whether client `id` may read `list` of `channel`: anyone the ban
/// list; the exception lists, which say who gets past the channel's
/// defences, only its operators.
pub(super) fn may_read_list(channel: &Channel, id: ClientId, list: MaskList) -> Result<(), Denied> {
    if list != MaskList::Bans && channel.rank(id) < Some(Rank::Op) {
        return Err(not_operator(channel));
    }
    Ok(())
}

/// Whether a message may be redacted: by its author (`own`), an operator
/// of its channel (`rank`) or an IRC operator.
pub(super) fn may_redact(own: bool, rank: Option<Rank>, oper: bool) -> bool {
    own || rank >= Some(Rank::Op) || oper
}

/// The oper-only commands (KILL, WALLOPS; the command table's column):
/// an IRC operator, or ERR_NOPRIVILEGES.
pub(super) fn require_oper(oper: bool) -> Result<(), Denied> {
    if oper { Ok(()) } else { Err(Denied::NotOper) }
}

fn not_operator(channel: &Channel) -> Denied {
    Denied::NotOperator(channel.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::channel::{MaskEntry, Status};

    const MEMBER: ClientId = 1;
    const VOICED: ClientId = 2;
    const HALFOP: ClientId = 3;
    const OP: ClientId = 4;
    const OUTSIDER: ClientId = 9;

    fn channel() -> Channel {
        let mut channel = Channel::new("#Chan");
        for (id, status) in [
            (MEMBER, Status::default()),
            (
                VOICED,
                Status {
                    voice: true,
                    ..Status::default()
                },
            ),
            (
                HALFOP,
                Status {
                    halfop: true,
                    ..Status::default()
                },
            ),
            (
                OP,
                Status {
                    op: true,
                    ..Status::default()
                },
            ),
        ] {
            channel.add_member_for_test(id, status);
        }
        channel
    }

    fn entry(mask: &str) -> MaskEntry {
        MaskEntry {
            mask: mask.to_owned(),
            set_by: "op".to_owned(),
            set_at: 0,
        }
    }

    fn speaks(channel: &Channel, id: ClientId, text: &str) -> bool {
        may_speak(channel, id, "bob!u@h", [text]).is_ok()
    }

    #[test]
    fn no_external_and_moderated() {
        let mut channel = channel();
        assert!(speaks(&channel, MEMBER, "hi"));
        assert!(!speaks(&channel, OUTSIDER, "hi"), "+n keeps outsiders out");
        channel.modes.no_external = false;
        assert!(speaks(&channel, OUTSIDER, "hi"));
        channel.modes.moderated = true;
        assert!(!speaks(&channel, OUTSIDER, "hi"));
        assert!(!speaks(&channel, MEMBER, "hi"));
        assert!(speaks(&channel, VOICED, "hi"));
        assert_eq!(
            may_speak(&channel, MEMBER, "bob!u@h", ["hi"]),
            Err(Denied::CannotSend("#Chan".to_owned()))
        );
    }

    #[test]
    fn a_ban_silences_below_voice_unless_excepted() {
        let mut channel = channel();
        channel.modes.bans.push(entry("bob!*@*"));
        assert!(!speaks(&channel, MEMBER, "hi"));
        assert!(speaks(&channel, VOICED, "hi"));
        channel.modes.exceptions.push(entry("*!u@h"));
        assert!(speaks(&channel, MEMBER, "hi"));
    }

    #[test]
    fn no_ctcp_lets_action_through() {
        let mut channel = channel();
        channel.modes.no_ctcp = true;
        assert!(speaks(&channel, MEMBER, "\u{1}ACTION waves\u{1}"));
        assert!(!speaks(&channel, OP, "\u{1}VERSION\u{1}"));
    }

    #[test]
    fn joins() {
        let mut channel = channel();
        assert_eq!(may_join(&channel, OUTSIDER, "bob!u@h", None), Ok(()));
        channel.modes.limit = Some(4);
        assert_eq!(
            may_join(&channel, OUTSIDER, "bob!u@h", None),
            Err(Closed::Full)
        );
        channel.modes.key = Some("k".to_owned());
        assert_eq!(
            may_join(&channel, OUTSIDER, "bob!u@h", None),
            Err(Closed::Key)
        );
        channel.modes.invite_only = true;
        assert_eq!(
            may_join(&channel, OUTSIDER, "bob!u@h", Some("k")),
            Err(Closed::InviteOnly)
        );
        channel.modes.bans.push(entry("*!*@h"));
        assert_eq!(
            may_join(&channel, OUTSIDER, "bob!u@h", Some("k")).map_err(Closed::mode),
            Err('b')
        );
        // A half-operator's invitation gets past all of it; anyone
        // else's past nothing.
        channel.invite(OUTSIDER, false);
        assert!(may_join(&channel, OUTSIDER, "bob!u@h", None).is_err());
        channel.invite(OUTSIDER, true);
        assert_eq!(may_join(&channel, OUTSIDER, "bob!u@h", None), Ok(()));
    }

    #[test]
    fn topic_invite_and_kick_ranks() {
        let mut channel = channel();
        assert!(may_set_topic(&channel, MEMBER).is_err(), "+t by default");
        assert!(may_set_topic(&channel, HALFOP).is_ok());
        channel.modes.topic_ops_only = false;
        assert!(may_set_topic(&channel, MEMBER).is_ok());

        assert_eq!(may_invite(&channel, MEMBER), Ok(false));
        assert_eq!(may_invite(&channel, HALFOP), Ok(true));
        channel.modes.invite_only = true;
        assert!(may_invite(&channel, VOICED).is_err());
        assert!(!hears_invites(true, Rank::Voice));
        assert!(hears_invites(false, Rank::Member));

        assert!(may_kick(&channel, VOICED).is_err());
        assert!(may_kick_member(&channel, HALFOP, MEMBER).is_ok());
        assert!(may_kick_member(&channel, HALFOP, HALFOP).is_err());
        assert!(may_kick_member(&channel, OP, HALFOP).is_ok());
    }

    #[test]
    fn modes_and_lists() {
        let channel = channel();
        assert!(may_change_modes(&channel, VOICED).is_err());
        assert!(may_change_modes(&channel, HALFOP).is_ok());
        assert_eq!(rank_to_set('v'), Rank::HalfOp);
        assert_eq!(rank_to_set('o'), Rank::Op);
        assert!(may_read_list(&channel, OUTSIDER, MaskList::Bans).is_ok());
        assert!(may_read_list(&channel, HALFOP, MaskList::Exceptions).is_err());
        assert!(may_read_list(&channel, OP, MaskList::InviteExceptions).is_ok());
    }

    #[test]
    fn secret_redact_and_oper() {
        let mut channel = channel();
        assert!(may_see(&channel, OUTSIDER));
        channel.modes.secret = true;
        assert!(!may_see(&channel, OUTSIDER));
        assert!(may_see(&channel, MEMBER));
        assert!(may_redact(true, None, false));
        assert!(!may_redact(false, Some(Rank::HalfOp), false));
        assert!(may_redact(false, Some(Rank::Op), false));
        assert!(may_redact(false, None, true));
        assert_eq!(require_oper(false), Err(Denied::NotOper));
    }
}
