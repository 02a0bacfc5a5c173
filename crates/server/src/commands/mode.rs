//! MODE <nick> [<modestring>]
//! MODE <channel> [<modestring> [<mode arguments>…]]
//!
//! User modes: `+i` (invisible), `-o` (drop operator). Channel modes:
//! `+o +v` (member status), `+t +n +m +s` (flags), `+k <key>`, `+l <limit>`.
//! Applied changes are announced to the channel in one MODE line.

use ciao_proto::names::looks_like_channel;
use ciao_proto::{CaseKey, Message, Numeric, irc_eq};

use super::{CommandError, CommandResult, Ctx};
use crate::channel::{Ban, MAX_BANS, full_mask};
use crate::fanout::Fanout;

/// Most parameterised mode changes in one command (`MODES`).
const MAX_PARAM_MODES: usize = 4;

pub fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
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
        if ctx.state.find_nick(target).is_none() {
            return Err(CommandError::numeric(
                Numeric::NoSuchNick,
                [target, "No such nick/channel"],
            ));
        }
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
    let Some(client) = ctx.state.clients.get_mut(&ctx.id) else {
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
            'i' | 'o' | 'w' => false,
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
    let Some(channel) = ctx.state.channels.get(&key) else {
        return Err(CommandError::numeric(
            Numeric::NoSuchChannel,
            [target, "No such channel"],
        ));
    };
    let name = channel.name.clone();
    let Some(modestring) = args.first() else {
        let is_member = channel.members.contains_key(&ctx.id);
        let (flags, params) = channel.modes.describe(is_member);
        let created = channel.created_at.to_string();
        let mut reply = vec![name.clone(), flags];
        reply.extend(params);
        ctx.reply(Numeric::ChannelModeIs, reply);
        ctx.reply(Numeric::CreationTime, [name, created]);
        return Ok(());
    };
    // `MODE #chan b` (and `+b` with no mask) asks for the ban list.
    if modestring.trim_start_matches('+') == "b" && args.len() == 1 {
        let bans = channel.modes.bans.clone();
        for ban in bans {
            ctx.reply(
                Numeric::BanList,
                [name.clone(), ban.mask, ban.set_by, ban.set_at.to_string()],
            );
        }
        ctx.reply(
            Numeric::EndOfBanList,
            [name.as_str(), "End of channel ban list"],
        );
        return Ok(());
    }
    if !channel.is_op(ctx.id) {
        return Err(CommandError::numeric(
            Numeric::ChanOPrivsNeeded,
            [name.as_str(), "You're not channel operator"],
        ));
    }

    let mut params = args[1..].iter();
    let mut adding = true;
    let mut applied: Vec<(bool, char, Option<String>)> = Vec::new();
    let mut param_modes = 0;
    for c in modestring.chars() {
        match c {
            '+' | '-' => {
                adding = c == '+';
                continue;
            }
            't' | 'n' | 'm' | 's' | 'i' => {
                if let Some(channel) = ctx.state.channels.get_mut(&key) {
                    let flag = match c {
                        't' => &mut channel.modes.topic_ops_only,
                        'n' => &mut channel.modes.no_external,
                        'm' => &mut channel.modes.moderated,
                        'i' => &mut channel.modes.invite_only,
                        _ => &mut channel.modes.secret,
                    };
                    if *flag != adding {
                        *flag = adding;
                        applied.push((adding, c, None));
                    }
                }
            }
            'o' | 'v' | 'k' | 'l' | 'b' => {
                // `-k` may carry the old key; `-l` takes none.
                let needs_param = matches!(c, 'o' | 'v' | 'b') || adding;
                let param = if needs_param || c == 'k' {
                    params.next()
                } else {
                    None
                };
                if needs_param && param.is_none() {
                    ctx.reply(Numeric::NeedMoreParams, ["MODE", "Not enough parameters"]);
                    continue;
                }
                if param.is_some() {
                    param_modes += 1;
                    if param_modes > MAX_PARAM_MODES {
                        break;
                    }
                }
                if let Some(change) =
                    param_mode(ctx, &key, &name, adding, c, param.map(String::as_str))
                {
                    applied.push(change);
                }
            }
            other => {
                ctx.reply(
                    Numeric::UnknownMode,
                    [other.to_string(), "is unknown mode char to me".to_owned()],
                );
            }
        }
    }
    announce(ctx, &key, &name, applied);
    Ok(())
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
        'o' | 'v' => {
            let nick = param?;
            let Some(target) = ctx.state.find_nick(nick) else {
                ctx.reply(Numeric::NoSuchNick, [nick, "No such nick/channel"]);
                return None;
            };
            let (target_id, target_nick) = (target.id, target.nick.clone());
            let channel = ctx.state.channels.get_mut(key)?;
            let Some(status) = channel.members.get_mut(&target_id) else {
                ctx.reply(
                    Numeric::UserNotInChannel,
                    [nick, name, "They aren't on that channel"],
                );
                return None;
            };
            let flag = if mode == 'o' {
                &mut status.op
            } else {
                &mut status.voice
            };
            (*flag != adding).then(|| {
                *flag = adding;
                (adding, mode, Some(target_nick))
            })
        }
        'k' => {
            let channel = ctx.state.channels.get_mut(key)?;
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
            let channel = ctx.state.channels.get_mut(key)?;
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
        'b' => {
            let mask = full_mask(param?);
            let by = ctx.mask();
            let channel = ctx.state.channels.get_mut(key)?;
            let bans = &mut channel.modes.bans;
            let existing = bans.iter().position(|b| irc_eq(&b.mask, &mask));
            match (adding, existing) {
                (true, None) if bans.len() >= MAX_BANS => {
                    ctx.reply(
                        Numeric::BanListFull,
                        [name, mask.as_str(), "Channel ban list is full"],
                    );
                    None
                }
                (true, None) => {
                    bans.push(Ban {
                        mask: mask.clone(),
                        set_by: by,
                        set_at: crate::clock::now_secs(),
                    });
                    Some((true, 'b', Some(mask)))
                }
                (false, Some(index)) => {
                    let ban = bans.remove(index);
                    Some((false, 'b', Some(ban.mask)))
                }
                _ => None,
            }
        }
        _ => {
            ctx.reply(
                Numeric::UnknownMode,
                [mode.to_string(), "is unknown mode char to me".to_owned()],
            );
            None
        }
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
    let mut fanout = Fanout::new(Message::new("MODE", params).with_source(ctx.mask()), None);
    ctx.state.fanout_channel(key, &mut fanout, None);
}
