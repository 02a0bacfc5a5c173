//! What a handler works with: the sender, the locked state, and lookups
//! that refuse for it.
//!
//! Every refusal a handler shares with others is written once, here: a
//! handler says `ctx.channel(name)?` and the sender reads
//! `403 <name> :No such channel`, whichever command it sent. The rules
//! themselves (who may speak, kick, set modes) are in
//! [`policy`](super::policy); this file turns their verdicts into the
//! numerics on the wire.

use ciao_proto::{Message, Numeric};

use super::policy::{self, Denied};
use crate::caps::Cap;
use crate::state::State;
use crate::state::channel::{Channel, Identity};
use crate::state::client::{Client, ClientId};
use crate::state::responses::MAX_LABEL_LEN;

/// Why a command was refused; turned into a numeric reply by
/// [`Ctx::refuse`].
#[derive(Debug)]
pub(crate) enum CommandError {
    /// ERR_NEEDMOREPARAMS for the command being handled.
    NeedMoreParams,
    /// Any other error numeric with its parameters (after the nick).
    Numeric(Numeric, Vec<String>),
}

pub(super) type CommandResult = Result<(), CommandError>;

/// The refusals several commands share, each in one place so that their
/// texts cannot drift apart.
impl CommandError {
    pub(crate) fn numeric<I, S>(numeric: Numeric, params: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CommandError::Numeric(numeric, params.into_iter().map(Into::into).collect())
    }

    /// ERR_NOSUCHCHANNEL (403), naming the channel as the sender wrote it.
    pub(crate) fn no_such_channel(name: &str) -> Self {
        Self::numeric(Numeric::NoSuchChannel, [name, "No such channel"])
    }

    /// ERR_NOSUCHNICK (401).
    pub(crate) fn no_such_nick(nick: &str) -> Self {
        Self::numeric(Numeric::NoSuchNick, [nick, "No such nick/channel"])
    }

    /// ERR_NOTONCHANNEL (442): the sender is not a member.
    pub(crate) fn not_on_channel(name: &str) -> Self {
        Self::numeric(Numeric::NotOnChannel, [name, "You're not on that channel"])
    }

    /// ERR_USERNOTINCHANNEL (441): `nick` is not a member.
    pub(crate) fn not_in_channel(nick: &str, channel: &str) -> Self {
        Self::numeric(
            Numeric::UserNotInChannel,
            [nick, channel, "They aren't on that channel"],
        )
    }

    /// ERR_CHANOPRIVSNEEDED (482).
    pub(crate) fn not_operator(channel: &str) -> Self {
        Self::numeric(
            Numeric::ChanOPrivsNeeded,
            [channel, "You're not channel operator"],
        )
    }

    /// ERR_CANNOTSENDTOCHAN (404).
    pub(crate) fn cannot_send(channel: &str) -> Self {
        Self::numeric(
            Numeric::CannotSendToChan,
            [channel, "Cannot send to channel"],
        )
    }

    /// ERR_NOPRIVILEGES (481): not an IRC operator.
    pub(crate) fn no_privileges() -> Self {
        Self::numeric(
            Numeric::NoPrivileges,
            ["Permission Denied- You're not an IRC operator"],
        )
    }
}

impl From<Denied> for CommandError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotOperator(channel) => CommandError::not_operator(&channel),
            Denied::CannotSend(channel) => CommandError::cannot_send(&channel),
            Denied::NotOper => CommandError::no_privileges(),
        }
    }
}

/// What a handler gets: the state (locked), who sent the command, and
/// its verb (for ERR_NEEDMOREPARAMS).
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a mut State,
    pub(crate) id: ClientId,
    /// The command being handled, as ERR_NEEDMOREPARAMS names it.
    pub(crate) verb: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn nick(&self) -> String {
        self.sender()
            .map(|c| c.nick().to_owned())
            .unwrap_or_default()
    }

    pub(crate) fn mask(&self) -> String {
        self.sender()
            .map(|c| c.mask().to_owned())
            .unwrap_or_default()
    }

    /// The account the sender is logged in to, if any: the `account` tag
    /// (account-tag) of what it makes others see.
    pub(crate) fn account(&self) -> Option<String> {
        self.sender().and_then(|c| c.account()).map(str::to_owned)
    }

    /// The client that sent the command; `None` once it is gone.
    pub(crate) fn sender(&self) -> Option<&Client> {
        self.state.client(self.id)
    }

    pub(crate) fn reply<I, S>(&mut self, numeric: Numeric, params: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.state.reply(self.id, numeric, params);
    }

    /// Tells the sender why (part of) its command was refused. Handlers
    /// that work through a list of targets refuse one and go on with the
    /// next; the others return the error and `dispatch` refuses it.
    pub(crate) fn refuse(&mut self, error: CommandError) {
        match error {
            CommandError::NeedMoreParams => {
                let verb = self.verb;
                self.reply(Numeric::NeedMoreParams, [verb, "Not enough parameters"]);
            }
            CommandError::Numeric(numeric, params) => self.reply(numeric, params),
        }
    }

    /// The channel called `name`, or ERR_NOSUCHCHANNEL.
    pub(crate) fn channel(&self, name: &str) -> Result<&Channel, CommandError> {
        self.state
            .channel(name)
            .ok_or_else(|| CommandError::no_such_channel(name))
    }

    /// The channel called `name` with the sender in it, or
    /// ERR_NOSUCHCHANNEL / ERR_NOTONCHANNEL, both naming it as asked.
    pub(crate) fn member_of(&self, name: &str) -> Result<&Channel, CommandError> {
        let channel = self.channel(name)?;
        if !channel.members().contains_key(&self.id) {
            return Err(CommandError::not_on_channel(name));
        }
        Ok(channel)
    }

    /// ERR_NOTONCHANNEL naming the channel as it was created (INVITE's
    /// habit, where [`member_of`](Self::member_of) names it as asked),
    /// unless the sender is a member of `channel`.
    pub(crate) fn require_member(&self, channel: &Channel) -> CommandResult {
        if !channel.members().contains_key(&self.id) {
            return Err(CommandError::not_on_channel(&channel.name));
        }
        Ok(())
    }

    /// The registered client called `nick`, or ERR_NOSUCHNICK.
    pub(crate) fn nick_target(&self, nick: &str) -> Result<&Client, CommandError> {
        self.state
            .find_nick(nick)
            .filter(|c| c.registered())
            .ok_or_else(|| CommandError::no_such_nick(nick))
    }

    /// The client holding `nick`, registered or not, or ERR_NOSUCHNICK.
    /// MODE looks nicks up this way (a nick taken by a client still
    /// registering is not "no such nick" to it).
    pub(crate) fn nick_holder(&self, nick: &str) -> Result<&Client, CommandError> {
        self.state
            .find_nick(nick)
            .ok_or_else(|| CommandError::no_such_nick(nick))
    }

    /// Whether the sender may say `texts` in channel `name`: its
    /// [`policy::may_speak`], or ERR_NOSUCHCHANNEL.
    pub(crate) fn may_speak<'t>(
        &self,
        name: &str,
        texts: impl IntoIterator<Item = &'t str>,
    ) -> CommandResult {
        let channel = self.channel(name)?;
        let Some(sender) = self.sender() else {
            return Ok(());
        };
        Ok(policy::may_speak(
            channel,
            self.id,
            Identity::of(sender),
            texts,
        )?)
    }

    /// The sender, for commands that only make sense before registration
    /// (`PASS`, `USER`): ERR_ALREADYREGISTERED once registered; `None` if
    /// it is gone.
    pub(crate) fn unregistered(&mut self) -> Result<Option<&mut Client>, CommandError> {
        match self.state.client_mut(self.id) {
            Some(client) if client.registered() => Err(CommandError::numeric(
                Numeric::AlreadyRegistered,
                ["You may not reregister"],
            )),
            client => Ok(client),
        }
    }
}

/// The command's `label`, when the client negotiated labeled-response
/// and the label is within bounds.
pub(super) fn requested_label(state: &State, id: ClientId, message: &Message) -> Option<String> {
    let label = message.tag("label")??;
    let wanted = state
        .client(id)
        .is_some_and(|c| c.caps.has(Cap::LabeledResponse));
    (wanted && !label.is_empty() && label.len() <= MAX_LABEL_LEN).then(|| label.to_owned())
}
