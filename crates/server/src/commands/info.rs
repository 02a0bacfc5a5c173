//! MOTD | LUSERS | VERSION | TIME | INFO

use ciao_proto::{Message, Numeric};

use super::{CommandResult, Ctx, registration};
use crate::state::State;
use crate::state::client::ClientId;

pub fn motd(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    send_motd(ctx.state, ctx.id);
    Ok(())
}

pub fn lusers(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    send_lusers(ctx.state, ctx.id);
    Ok(())
}

pub fn version(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    let server = ctx.state.config().server_name.clone();
    ctx.reply(
        Numeric::Version,
        [registration::VERSION, server.as_str(), "ciao chat server"],
    );
    registration::send_isupport(ctx.state, ctx.id);
    Ok(())
}

pub fn info(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    for line in [
        format!("ciao {} — a small self-hosted chat", registration::VERSION),
        "IRC clients and plain nc/telnet users on one port.".to_owned(),
        "Written in Rust with tokio; history in SQLite.".to_owned(),
    ] {
        ctx.reply(Numeric::Info, [line]);
    }
    ctx.reply(Numeric::EndOfInfo, ["End of INFO list"]);
    Ok(())
}

/// LINKS: one server, this one.
pub fn links(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
    let server = ctx.state.config().server_name.clone();
    let info = format!("0 {}", ctx.state.config().server_info);
    ctx.reply(Numeric::Links, [server.as_str(), &server, &info]);
    ctx.reply(Numeric::EndOfLinks, ["*", "End of /LINKS list"]);
    Ok(())
}

pub fn time(ctx: &mut Ctx<'_>, _message: &Message) -> CommandResult {
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

pub fn send_motd(state: &State, id: ClientId) {
    let motd = &state.config().motd;
    if motd.is_empty() {
        state.reply(id, Numeric::NoMotd, ["MOTD File is missing"]);
        return;
    }
    let server = &state.config().server_name;
    state.reply(
        id,
        Numeric::MotdStart,
        [format!("- {server} Message of the day - ")],
    );
    for line in motd {
        state.reply(id, Numeric::Motd, [format!("- {line}")]);
    }
    state.reply(id, Numeric::EndOfMotd, ["End of /MOTD command."]);
}

pub fn send_lusers(state: &State, id: ClientId) {
    let (users, unknown) = state.counts();
    let invisible = state
        .clients()
        .filter(|c| c.registered && c.invisible)
        .count();
    let opers = state.clients().filter(|c| c.oper).count();
    let channels = state.channels().len();
    state.reply(
        id,
        Numeric::LUserClient,
        [format!(
            "There are {} users and {invisible} invisible on 1 servers",
            users - invisible
        )],
    );
    state.reply(
        id,
        Numeric::LUserOp,
        [opers.to_string(), "operator(s) online".to_owned()],
    );
    state.reply(
        id,
        Numeric::LUserUnknown,
        [unknown.to_string(), "unknown connection(s)".to_owned()],
    );
    if channels > 0 {
        state.reply(
            id,
            Numeric::LUserChannels,
            [channels.to_string(), "channels formed".to_owned()],
        );
    }
    state.reply(
        id,
        Numeric::LUserMe,
        [format!("I have {users} clients and 0 servers")],
    );
    let max = state.registry().peak_users().to_string();
    state.reply(
        id,
        Numeric::LocalUsers,
        [
            users.to_string(),
            max.clone(),
            format!("Current local users {users}, max {max}"),
        ],
    );
    state.reply(
        id,
        Numeric::GlobalUsers,
        [
            users.to_string(),
            max.clone(),
            format!("Current global users {users}, max {max}"),
        ],
    );
}
