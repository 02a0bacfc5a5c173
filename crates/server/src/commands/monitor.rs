//! MONITOR + <target>{,<target>} | MONITOR - <target>{,<target>}
//! MONITOR C | MONITOR L | MONITOR S
//!
//! IRCv3 MONITOR: a client keeps a list of nicks (`MONITOR=100`) and is
//! told with RPL_MONONLINE / RPL_MONOFFLINE when they come and go (see
//! `crate::state::monitor`). Targets are nicks; anything else is refused with
//! ERR_ERRONEUSNICKNAME.

use ciao_proto::names::check_nick;
use ciao_proto::{Message, Numeric};

use super::context::{CommandError, CommandResult, Ctx};
use crate::state::monitor::{ListFull, MAX_MONITORED};
use crate::state::pack_list;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let sub = message.params[0].as_str();
    let targets = || {
        message
            .param(1)
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
    };
    match sub {
        "+" => {
            if message.param(1).is_none() {
                return Err(CommandError::NeedMoreParams);
            }
            add(ctx, targets().collect());
        }
        "-" => {
            for target in targets() {
                ctx.state.monitors_mut().remove(ctx.id, target);
            }
        }
        "C" | "c" => ctx.state.monitors_mut().clear(ctx.id),
        "L" | "l" => {
            let list = ctx.state.monitors().list(ctx.id).to_vec();
            for line in pack_list(list.iter().map(String::as_str), ',') {
                ctx.reply(Numeric::MonList, [line]);
            }
            ctx.reply(Numeric::EndOfMonList, ["End of MONITOR list"]);
        }
        "S" | "s" => {
            let list = ctx.state.monitors().list(ctx.id).to_vec();
            status(ctx, list.iter().map(String::as_str));
        }
        _ => {
            return Err(CommandError::numeric(
                Numeric::UnknownCommand,
                ["MONITOR", "Unknown MONITOR subcommand"],
            ));
        }
    }
    Ok(())
}

fn add(ctx: &mut Ctx<'_>, targets: Vec<&str>) {
    let mut added = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        if check_nick(target).is_err() {
            ctx.reply(Numeric::ErroneusNickname, [*target, "Erroneous nickname"]);
            continue;
        }
        match ctx.state.monitors_mut().add(ctx.id, target) {
            Ok(_) => added.push(*target),
            Err(ListFull) => {
                let rest = targets[i..].join(",");
                ctx.reply(
                    Numeric::MonListFull,
                    [
                        MAX_MONITORED.to_string(),
                        rest,
                        "Monitor list is full".to_owned(),
                    ],
                );
                break;
            }
        }
    }
    status(ctx, added.into_iter());
}

/// RPL_MONONLINE for the targets online (as `nick!user@host`) and
/// RPL_MONOFFLINE for the others.
fn status<'a>(ctx: &mut Ctx<'_>, targets: impl Iterator<Item = &'a str>) {
    let mut online = Vec::new();
    let mut offline = Vec::new();
    for target in targets {
        match ctx.state.find_nick(target).filter(|c| c.registered()) {
            Some(client) => online.push(client.mask().to_owned()),
            None => offline.push(target.to_owned()),
        }
    }
    for line in pack_list(online.iter().map(String::as_str), ',') {
        ctx.reply(Numeric::MonOnline, [line]);
    }
    for line in pack_list(offline.iter().map(String::as_str), ',') {
        ctx.reply(Numeric::MonOffline, [line]);
    }
}

#[cfg(test)]
mod tests {
    use crate::state::{LIST_LINE_BUDGET, pack_list};

    #[test]
    fn long_lists_are_split() {
        assert!(pack_list(std::iter::empty(), ',').is_empty());
        assert_eq!(pack_list(["a", "b"].into_iter(), ','), ["a,b"]);
        let nick = "n".repeat(30);
        let lines = pack_list(std::iter::repeat_n(nick.as_str(), 40), ',');
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= LIST_LINE_BUDGET));
        assert_eq!(
            lines.iter().map(|l| l.split(',').count()).sum::<usize>(),
            40
        );
    }
}
