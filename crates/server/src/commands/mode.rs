//! MODE <nick> [<modestring>]
//! MODE <channel> [<modestring> [<mode arguments>…]]
//!
//! User modes: `+i` (invisible), `+w` (wallops), `+B` (bot), `-o` (drop
//! operator). Channel modes: `+o +h +v` (member status), `+t +n +m +s +i
//! +C` (flags), `+k <key>`, `+l <limit>`, and the mask lists `+b +e +I`.
//! Half-operators may only voice and devoice; everything else takes an
//! operator. Applied changes are announced to the channel in one MODE line.

use ciao_proto::names::looks_like_channel;
use ciao_proto::{CaseKey, Message, Numeric, irc_eq};

use super::context::{CommandError, CommandResult, Ctx};
use super::limits::MAX_PARAM_MODES;
use super::policy;
use crate::state::channel::{MAX_LIST_ENTRIES, MaskEntry, MaskList, list_entry};
use crate::state::fanout::Fanout;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let target = &message.params[0];
    if looks_like_channel(target) {
        channel_mode(ctx, target, &message.params[1..])
    } else {
        user_mode(ctx, target, message.param(1))
    }
}

fn user_mode(ctx: &mut Ctx<'_>, target: &str, modes: Option<&str>) -> CommandResult {
    let nick = ctx.nick();
    if !irc_eq(target, &nick) {
        ctx.nick_holder(target)?;
        return Err(CommandError::numeric(
            Numeric::UsersDontMatch,
            ["Can't change mode for other users"],
        ));
    }
    let Some(modes) = modes else {
        let current = ctx
            .state
            .client(ctx.id)
            .map(|c| c.mode_string())
            .unwrap_or_default();
        ctx.reply(Numeric::UModeIs, [current]);
        return Ok(());
    };
    let Some(client) = ctx.state.client_mut(ctx.id) else {
        return Ok(());
    };
    let mut adding = true;
    let mut applied = String::new();
    let mut unknown = false;
    let mut last_sign = None;
    for c in modes.chars() {
        let changed = match c {
            '+' | '-' => {
                adding = c == '+';
                continue;
            }
            'i' if client.invisible != adding => {
                client.invisible = adding;
                true
            }
            // Operator status is only granted by OPER, but may be dropped.
            'o' if !adding && client.oper => {
                client.oper = false;
                true
            }
            'w' if client.wallops != adding => {
                client.wallops = adding;
                true
            }
            'B' if client.bot != adding => {
                client.bot = adding;
                true
            }
            // `+Z` (TLS) is the connection's, not the user's to change.
            'i' | 'o' | 'w' | 'B' | 'Z' => false,
            _ => {
                unknown = true;
                false
            }
        };
        if changed {
            if last_sign != Some(adding) {
                applied.push(if adding { '+' } else { '-' });
                last_sign = Some(adding);
            }
            applied.push(c);
        }
    }
    if unknown {
        ctx.reply(Numeric::UModeUnknownFlag, ["Unknown MODE flag"]);
    }
    if !applied.is_empty() {
        let line = Message::new("MODE", [nick.as_str(), applied.as_str()]).with_source(ctx.mask());
        ctx.state.send(ctx.id, &line);
    }
    Ok(())
}

fn channel_mode(ctx: &mut Ctx<'_>, target: &str, args: &[String]) -> CommandResult {
    let key = CaseKey::new(target);
    let channel = ctx.channel(target)?;
    let name = channel.name.clone();
    let Some(modestring) = args.first() else {
        let is_member = channel.members().contains_key(&ctx.id);
        let (flags, params) = channel.modes.describe(is_member);
        let created = channel.created_at.to_string();
        let mut reply = vec![name.clone(), flags];
        reply.extend(params);
        ctx.reply(Numeric::ChannelModeIs, reply);
        ctx.reply(Numeric::CreationTime, [name, created]);
        return Ok(());
    };
    // `MODE #chan b` (or `+b`, `e`, `I` with no mask) asks for a list.
    let letters = modestring.trim_start_matches('+');
    if args.len() == 1
        && let Some(list) = single_char(letters).and_then(MaskList::from_letter)
    {
        return show_list(ctx, &key, &name, list);
    }
    policy::may_change_modes(channel, ctx.id)?;
    // The rank the sender had when the command came decides for all its
    // letters, even one that changes it.
    let rank = channel.rank(ctx.id);

    let mut params = args[1..].iter();
    let mut adding = true;
    let mut applied: Vec<(bool, char, Option<String>)> = Vec::new();
    let mut param_modes = 0;
    for c in modestring.chars() {
        if c == '+' || c == '-' {
            adding = c == '+';
            continue;
        }
        let Some(needs_param) = takes_param(c, adding) else {
            ctx.reply(
                Numeric::UnknownMode,
                [c.to_string(), "is unknown mode char to me".to_owned()],
            );
            continue;
        };
        // `-k` may carry the old key; it is taken if given.
        let param = if needs_param || c == 'k' {
            params.next()
        } else {
            None
        };
        if needs_param && param.is_none() {
            ctx.refuse(CommandError::NeedMoreParams);
            continue;
        }
        if param.is_some() {
            param_modes += 1;
            if param_modes > MAX_PARAM_MODES {
                break;
            }
        }
        if rank < Some(policy::rank_to_set(c)) {
            ctx.refuse(CommandError::not_operator(&name));
            continue;
        }
        let param = param.map(String::as_str);
        let change = match c {
            't' | 'n' | 'm' | 's' | 'i' | 'C' => flag_mode(ctx, &key, adding, c),
            _ => param_mode(ctx, &key, &name, adding, c, param),
        };
        applied.extend(change);
    }
    // What a kept channel keeps is its modes, not who holds `@` now.
    let kept_changed = applied
        .iter()
        .any(|(_, c, _)| !matches!(c, 'o' | 'h' | 'v'));
    announce(ctx, &key, &name, applied);
    if kept_changed {
        ctx.state.save_channel(&key);
    }
    Ok(())
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Whether channel mode `c` takes a parameter when set (`adding`) or
/// unset; `None` for modes ciao does not know.
fn takes_param(c: char, adding: bool) -> Option<bool> {
    match c {
        't' | 'n' | 'm' | 's' | 'i' | 'C' => Some(false),
        'o' | 'h' | 'v' | 'b' | 'e' | 'I' => Some(true),
        'k' | 'l' => Some(adding),
        _ => None,
    }
}

/// RPL_BANLIST, RPL_EXCEPTLIST or RPL_INVITELIST entries and their end,
/// to those [`policy::may_read_list`] lets read them.
fn show_list(ctx: &mut Ctx<'_>, key: &CaseKey, name: &str, list: MaskList) -> CommandResult {
    let Some(channel) = ctx.state.channels().get(key) else {
        return Ok(());
    };
    policy::may_read_list(channel, ctx.id, list)?;
    let (entry, end, text) = match list {
        MaskList::Bans => (
            Numeric::BanList,
            Numeric::EndOfBanList,
            "End of channel ban list",
        ),
        MaskList::Exceptions => (
            Numeric::ExceptList,
            Numeric::EndOfExceptList,
            "End of channel exception list",
        ),
        MaskList::InviteExceptions => (
            Numeric::InvExList,
            Numeric::EndOfInvExList,
            "End of channel invite exception list",
        ),
    };
    let items: Vec<[String; 4]> = channel
        .modes
        .list(list)
        .iter()
        .map(|item| {
            [
                name.to_owned(),
                item.mask.clone(),
                item.set_by.clone(),
                item.set_at.to_string(),
            ]
        })
        .collect();
    for item in items {
        ctx.reply(entry, item);
    }
    ctx.reply(end, [name, text]);
    Ok(())
}

/// Sets or clears a flag mode; returns what changed.
fn flag_mode(
    ctx: &mut Ctx<'_>,
    key: &CaseKey,
    adding: bool,
    mode: char,
) -> Option<(bool, char, Option<String>)> {
    let channel = ctx.state.channels_mut().get_mut(key)?;
    let flag = match mode {
        't' => &mut channel.modes.topic_ops_only,
        'n' => &mut channel.modes.no_external,
        'm' => &mut channel.modes.moderated,
        'i' => &mut channel.modes.invite_only,
        'C' => &mut channel.modes.no_ctcp,
        _ => &mut channel.modes.secret,
    };
    (*flag != adding).then(|| {
        *flag = adding;
        (adding, mode, None)
    })
}

/// Applies one parameterised mode; returns what changed.
fn param_mode(
    ctx: &mut Ctx<'_>,
    key: &CaseKey,
    name: &str,
    adding: bool,
    mode: char,
    param: Option<&str>,
) -> Option<(bool, char, Option<String>)> {
    match mode {
        'o' | 'h' | 'v' => {
            let nick = param?;
            let (target_id, target_nick) = match ctx.nick_holder(nick) {
                Ok(target) => (target.id, target.nick().to_owned()),
                Err(error) => {
                    ctx.refuse(error);
                    return None;
                }
            };
            let channel = ctx.state.channels_mut().get_mut(key)?;
            let Some(status) = channel.member_mut(target_id) else {
                ctx.refuse(CommandError::not_in_channel(nick, name));
                return None;
            };
            let flag = match mode {
                'o' => &mut status.op,
                'h' => &mut status.halfop,
                _ => &mut status.voice,
            };
            (*flag != adding).then(|| {
                *flag = adding;
                (adding, mode, Some(target_nick))
            })
        }
        'k' => {
            let channel = ctx.state.channels_mut().get_mut(key)?;
            if adding {
                let new_key = param?.to_owned();
                let valid = !new_key.is_empty()
                    && new_key.len() <= 23
                    && !new_key
                        .chars()
                        .any(|c| c == ',' || c.is_whitespace() || c.is_control());
                if !valid {
                    // The rejected key is not echoed: it may be secret.
                    ctx.reply(Numeric::InvalidModeParam, [name, "k", "*", "Invalid key"]);
                    return None;
                }
                channel.modes.key = Some(new_key.clone());
                Some((true, 'k', Some(new_key)))
            } else {
                channel
                    .modes
                    .key
                    .take()
                    .map(|_| (false, 'k', Some("*".to_owned())))
            }
        }
        'l' => {
            let channel = ctx.state.channels_mut().get_mut(key)?;
            if adding {
                let Some(limit) = param?.parse::<usize>().ok().filter(|l| *l > 0) else {
                    ctx.reply(
                        Numeric::InvalidModeParam,
                        [name, "l", param.unwrap_or(""), "Invalid limit"],
                    );
                    return None;
                };
                channel.modes.limit = Some(limit);
                Some((true, 'l', Some(limit.to_string())))
            } else {
                channel.modes.limit.take().map(|_| (false, 'l', None))
            }
        }
        _ => {
            let list = MaskList::from_letter(mode)?;
            list_mode(ctx, key, name, adding, list, param?)
        }
    }
}

/// Adds a mask to, or removes it from, a `+b`, `+e` or `+I` list.
fn list_mode(
    ctx: &mut Ctx<'_>,
    key: &CaseKey,
    name: &str,
    adding: bool,
    list: MaskList,
    mask: &str,
) -> Option<(bool, char, Option<String>)> {
    let mask = match list_entry(mask) {
        Ok(mask) => mask,
        Err(why) => {
            let letter = list.letter().to_string();
            ctx.reply(
                Numeric::InvalidModeParam,
                [name, letter.as_str(), mask, why],
            );
            return None;
        }
    };
    let by = ctx.mask();
    let channel = ctx.state.channels_mut().get_mut(key)?;
    let entries = channel.modes.list_mut(list);
    let existing = entries.iter().position(|e| irc_eq(&e.mask, &mask));
    match (adding, existing) {
        (true, None) if entries.len() >= MAX_LIST_ENTRIES => {
            ctx.reply(
                Numeric::BanListFull,
                [name, mask.as_str(), "Channel list is full"],
            );
            None
        }
        (true, None) => {
            entries.push(MaskEntry {
                mask: mask.clone(),
                set_by: by,
                set_at: crate::clock::now_secs(),
            });
            Some((true, list.letter(), Some(mask)))
        }
        (false, Some(index)) => {
            let entry = entries.remove(index);
            Some((false, list.letter(), Some(entry.mask)))
        }
        _ => None,
    }
}

fn announce(
    ctx: &mut Ctx<'_>,
    key: &CaseKey,
    name: &str,
    applied: Vec<(bool, char, Option<String>)>,
) {
    if applied.is_empty() {
        return;
    }
    let mut modes = String::new();
    let mut params = vec![name.to_owned()];
    let mut last_sign = None;
    for (adding, c, param) in applied {
        if last_sign != Some(adding) {
            modes.push(if adding { '+' } else { '-' });
            last_sign = Some(adding);
        }
        modes.push(c);
        params.extend(param);
    }
    params.insert(1, modes);
    let mut fanout = Fanout::new(Message::new("MODE", params).with_source(ctx.mask()), None)
        .with_account(ctx.account());
    ctx.state.fanout_channel(key, &mut fanout, None);
}
