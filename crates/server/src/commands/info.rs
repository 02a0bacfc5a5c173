//! MOTD | LUSERS | VERSION | TIME | INFO

use ciao_proto::{Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::server_info::{VERSION, send_isupport, send_lusers, send_motd};

pub(super) fn motd(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    send_motd(ctx.state, ctx.id);
    Ok(())
}

pub(super) fn lusers(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    send_lusers(ctx.state, ctx.id);
    Ok(())
}

pub(super) fn version(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    let server = ctx.state.config().server_name.clone();
    ctx.reply(
        Numeric::Version,
        [VERSION, server.as_str(), "ciao chat server"],
    );
    send_isupport(ctx.state, ctx.id);
    Ok(())
}

pub(super) fn info(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    for line in [
        format!("ciao {} — a small self-hosted chat", VERSION),
        "IRC clients and plain nc/telnet users on one port.".to_owned(),
        "Written in Rust with tokio; history in SQLite.".to_owned(),
    ] {
        ctx.reply(Numeric::Info, [line]);
    }
    ctx.reply(Numeric::EndOfInfo, ["End of INFO list"]);
    Ok(())
}

/// LINKS: one server, this one.
pub(super) fn links(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    let server = ctx.state.config().server_name.clone();
    let info = format!("0 {}", ctx.state.config().server_info);
    ctx.reply(Numeric::Links, [server.as_str(), &server, &info]);
    ctx.reply(Numeric::EndOfLinks, ["*", "End of /LINKS list"]);
    Ok(())
}

pub(super) fn time(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    let server = ctx.state.config().server_name.clone();
    let millis = crate::clock::now_millis();
    ctx.reply(
        Numeric::Time,
        [
            server,
            (millis / 1000).to_string(),
            crate::clock::iso8601(millis),
        ],
    );
    Ok(())
}
