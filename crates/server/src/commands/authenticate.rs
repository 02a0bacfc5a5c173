//! AUTHENTICATE <mechanism> | <base64 chunk> | + | *
//!
//! IRCv3 SASL 3.1/3.2 with PLAIN, SCRAM-SHA-256 and EXTERNAL. A payload
//! comes in chunks of 400 bytes (a chunk shorter than that, or `+`, ends
//! it); a line over 400 bytes gets 905 and ends the exchange; `*` aborts
//! it with one 906. A PLAIN password is verified off the runtime
//! (`state::checks`), so the client's next line — `CAP END`, typically,
//! in the same burst — waits for the verdict.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ciao_proto::{CaseKey, Message, Numeric};

use super::context::{CommandResult, Ctx};
use super::login;
use crate::credentials::scram::{ClientFirst, Exchange};
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::sasl::{MAX_PAYLOAD, Mechanism, SaslExchange, ScramStep};

/// The longest `AUTHENTICATE` parameter, and the size of every chunk but
/// the last.
const CHUNK: usize = 400;

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let param = message.params[0].as_str();
    if param == "*" {
        ctx.state.end_sasl(ctx.id);
        ctx.reply(Numeric::SaslAborted, ["SASL authentication aborted"]);
        return Ok(());
    }
    if param.len() > CHUNK {
        ctx.state.end_sasl(ctx.id);
        ctx.reply(Numeric::SaslTooLong, ["SASL message too long"]);
        return Ok(());
    }
    if ctx
        .sender()
        .is_some_and(|client| client.account().is_some())
    {
        ctx.reply(
            Numeric::SaslAlready,
            ["You have already authenticated using SASL"],
        );
        return Ok(());
    }
    let Some(exchange) = ctx.state.sasl(ctx.id) else {
        begin(ctx, param);
        return Ok(());
    };
    if param != "+" {
        exchange.gathered.push_str(param);
    }
    if exchange.gathered.len() > MAX_PAYLOAD {
        fail(ctx.state, ctx.id, "SASL message too long");
        return Ok(());
    }
    if param.len() == CHUNK {
        // More chunks follow.
        return Ok(());
    }
    let (mechanism, gathered) = (exchange.mechanism, std::mem::take(&mut exchange.gathered));
    let Ok(payload) = BASE64.decode(gathered.as_bytes()) else {
        fail(ctx.state, ctx.id, "SASL message is not valid base64");
        return Ok(());
    };
    match mechanism {
        Mechanism::Plain => plain(ctx, &payload),
        Mechanism::External => external(ctx, &payload),
        Mechanism::ScramSha256 => scram(ctx, &payload),
    }
    Ok(())
}

/// `AUTHENTICATE <mechanism>`: `AUTHENTICATE +` to go on, or 908 and 904
/// for a mechanism ciao does not offer.
fn begin(ctx: &mut Ctx<'_>, name: &str) {
    let Some(mechanism) = Mechanism::from_name(name) else {
        ctx.reply(
            Numeric::SaslMechs,
            [Mechanism::OFFERED, "are available SASL mechanisms"],
        );
        ctx.reply(Numeric::SaslFail, ["SASL authentication failed"]);
        return;
    };
    if mechanism == Mechanism::External
        && ctx.sender().is_some_and(|c| c.cert_fingerprint.is_none())
    {
        ctx.reply(
            Numeric::SaslFail,
            ["SASL authentication failed: EXTERNAL needs a TLS client certificate"],
        );
        return;
    }
    // PLAIN carries the password itself; SCRAM never sends it, and is
    // taken on any connection.
    if mechanism == Mechanism::Plain
        && let Some(why) = super::secrets::plaintext_refusal(ctx.state, ctx.id)
    {
        ctx.reply(
            Numeric::SaslFail,
            [format!("SASL authentication failed: {why}")],
        );
        return;
    }
    ctx.state.begin_sasl(ctx.id, SaslExchange::new(mechanism));
    send_payload(ctx.state, ctx.id, b"");
}

/// PLAIN: `authzid \0 authcid \0 password`, the authzid empty or the
/// account itself.
fn plain(ctx: &mut Ctx<'_>, payload: &[u8]) {
    ctx.state.end_sasl(ctx.id);
    let text = String::from_utf8_lossy(payload);
    let mut fields = text.split('\0');
    let (Some(authzid), Some(account), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        fail(ctx.state, ctx.id, "malformed PLAIN message");
        return;
    };
    if !authzid.is_empty() && CaseKey::new(authzid) != CaseKey::new(account) {
        fail(
            ctx.state,
            ctx.id,
            "authorization identity must be the account",
        );
        return;
    }
    let id = ctx.id;
    login::verify_password(
        ctx.state,
        id,
        account,
        password.to_owned(),
        move |state: &mut State, outcome: login::Outcome| match outcome {
            login::Outcome::LoggedIn => {
                state.reply(id, Numeric::SaslSuccess, ["SASL authentication successful"])
            }
            login::Outcome::Refused(why) => state.reply(
                id,
                Numeric::SaslFail,
                [format!("SASL authentication failed: {why}")],
            ),
        },
    );
}

/// EXTERNAL: the TLS client certificate's account (the payload, if any,
/// must name it).
fn external(ctx: &mut Ctx<'_>, payload: &[u8]) {
    ctx.state.end_sasl(ctx.id);
    let fingerprint = ctx.sender().and_then(|c| c.cert_fingerprint.clone());
    let account = fingerprint
        .and_then(|fp| ctx.state.account_by_cert(&fp))
        .map(|record| record.name.clone());
    let Some(account) = account else {
        fail(ctx.state, ctx.id, "no account has this client certificate");
        return;
    };
    let wanted = String::from_utf8_lossy(payload);
    if !wanted.is_empty() && CaseKey::new(&wanted) != CaseKey::new(&account) {
        fail(ctx.state, ctx.id, "this certificate is not of that account");
        return;
    }
    if ctx.state.log_in(ctx.id, &account) {
        ctx.reply(Numeric::SaslSuccess, ["SASL authentication successful"]);
    }
}

/// SCRAM-SHA-256, one step per payload: client-first, client-final, then
/// the client's empty answer to server-final.
fn scram(ctx: &mut Ctx<'_>, payload: &[u8]) {
    let id = ctx.id;
    let Some(step) = ctx.state.sasl(id).map(|exchange| exchange.scram.clone()) else {
        return;
    };
    let text = String::from_utf8_lossy(payload);
    match step {
        ScramStep::First => {
            let first = match ClientFirst::parse(&text) {
                Ok(first) => first,
                Err(error) => return fail(ctx.state, id, &error.to_string()),
            };
            if let Some(why) = login::refusal(ctx.state, id, &first.user) {
                return fail(ctx.state, id, &why);
            }
            let Some(record) = ctx.state.account(&first.user) else {
                ctx.state.login_failed(id, &first.user);
                return fail(ctx.state, id, login::INVALID);
            };
            let account = CaseKey::new(&record.name);
            let exchange = Exchange::start(first, &record.scram);
            let server_first = exchange.server_first().to_owned();
            if let Some(sasl) = ctx.state.sasl(id) {
                sasl.scram = ScramStep::Final {
                    exchange: Box::new(exchange),
                    account,
                };
            }
            send_payload(ctx.state, id, server_first.as_bytes());
        }
        ScramStep::Final { exchange, account } => {
            let Some(record) = ctx.state.account(account.as_str()) else {
                return fail(ctx.state, id, login::INVALID);
            };
            match exchange.finish(&record.scram, &text) {
                Ok(server_final) => {
                    if let Some(sasl) = ctx.state.sasl(id) {
                        sasl.scram = ScramStep::Done { account };
                    }
                    send_payload(ctx.state, id, server_final.as_bytes());
                }
                Err(error) => {
                    ctx.state.login_failed(id, account.as_str());
                    fail(ctx.state, id, &error.to_string());
                }
            }
        }
        ScramStep::Done { account } => {
            ctx.state.end_sasl(id);
            if ctx.state.log_in(id, account.as_str()) {
                ctx.reply(Numeric::SaslSuccess, ["SASL authentication successful"]);
            } else {
                fail(ctx.state, id, login::INVALID);
            }
        }
    }
}

/// 904 with the reason; the exchange ends.
fn fail(state: &mut State, id: ClientId, why: &str) {
    state.end_sasl(id);
    state.reply(
        id,
        Numeric::SaslFail,
        [format!("SASL authentication failed: {why}")],
    );
}

/// Sends `payload` in base64 `AUTHENTICATE` chunks of 400 (`+` when it is
/// empty, or after a last chunk of exactly 400).
fn send_payload(state: &mut State, id: ClientId, payload: &[u8]) {
    let encoded = BASE64.encode(payload);
    let mut chunks: Vec<&str> = encoded
        .as_bytes()
        .chunks(CHUNK)
        // Base64 is ASCII: every chunk is a string.
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    if encoded.len() % CHUNK == 0 {
        chunks.push("+");
    }
    for chunk in chunks {
        state.send(id, &Message::new("AUTHENTICATE", [chunk]));
    }
}
