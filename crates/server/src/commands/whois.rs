//! WHOIS [<server>] <nick>

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::policy;
use super::services;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    // `WHOIS server nick` asks a given server; there is only this one.
    let nick = message.params.last().map(String::as_str).unwrap_or("");
    if services::whois(ctx, nick) {
        return Ok(());
    }
    let target = match ctx.nick_target(nick) {
        Ok(target) => target,
        Err(error) => {
            ctx.refuse(error);
            ctx.reply(Numeric::EndOfWhois, [nick, "End of /WHOIS list"]);
            return Ok(());
        }
    };
    let server = ctx.state.config().server_name.clone();
    let (t_nick, user, host, real) = (
        target.nick().to_owned(),
        target.user.clone(),
        target.host.clone(),
        target.realname.clone(),
    );
    let away = target.away.clone();
    let (oper, bot, secure) = (target.oper, target.bot, target.secure);
    let account = target.account().map(str::to_owned);
    // A client certificate's fingerprint ties a connection to an account
    // (SASL EXTERNAL): shown to its owner and to operators only, as ergo
    // and InspIRCd do.
    let asker_is_oper = ctx.sender().is_some_and(|me| me.oper);
    let cert_fingerprint = target
        .cert_fingerprint
        .clone()
        .filter(|_| target.id == ctx.id || asker_is_oper);
    let idle = target.last_spoke.elapsed().as_secs();
    let signon = target.connected_at;
    let channels: Vec<String> = target
        .channels()
        .iter()
        .filter_map(|key| ctx.state.channels().get(key))
        .filter(|ch| policy::may_see(ch, ctx.id))
        .map(|ch| {
            let prefix = ch
                .members()
                .get(&target.id)
                .map(|s| s.prefix(false))
                .unwrap_or_default();
            format!("{prefix}{}", ch.name)
        })
        .collect();

    ctx.reply(
        Numeric::WhoisUser,
        [t_nick.as_str(), &user, &host, "*", &real],
    );
    if !channels.is_empty() {
        ctx.reply(Numeric::WhoisChannels, [t_nick.clone(), channels.join(" ")]);
    }
    ctx.reply(
        Numeric::WhoisServer,
        [
            t_nick.as_str(),
            &server,
            &ctx.state.config().server_info.clone(),
        ],
    );
    if oper {
        ctx.reply(
            Numeric::WhoisOperator,
            [t_nick.as_str(), "is an IRC operator"],
        );
    }
    if let Some(account) = account {
        ctx.reply(
            Numeric::WhoisAccount,
            [t_nick.clone(), account, "is logged in as".to_owned()],
        );
    }
    if secure {
        ctx.reply(
            Numeric::WhoisSecure,
            [t_nick.as_str(), "is using a secure connection"],
        );
    }
    if let Some(fingerprint) = cert_fingerprint {
        ctx.reply(
            Numeric::WhoisCertFp,
            [
                t_nick.clone(),
                format!("has client certificate fingerprint {fingerprint}"),
            ],
        );
    }
    if bot {
        ctx.reply(Numeric::WhoisBot, [t_nick.as_str(), "is a bot"]);
    }
    if let Some(away) = away {
        ctx.reply(Numeric::Away, [t_nick.clone(), away.into()]);
    }
    ctx.reply(
        Numeric::WhoisIdle,
        [
            t_nick.clone(),
            idle.to_string(),
            signon.to_string(),
            "seconds idle, signon time".to_owned(),
        ],
    );
    ctx.reply(Numeric::EndOfWhois, [t_nick.as_str(), "End of /WHOIS list"]);
    Ok(())
}
