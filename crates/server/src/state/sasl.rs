//! One client's SASL exchange under way (IRCv3 SASL 3.1/3.2): the
//! mechanism, the base64 payload gathered from 400-byte `AUTHENTICATE`
//! chunks, and where a SCRAM exchange stands. `commands::authenticate`
//! drives it; the state only keeps it, per client, until it ends.

use ciao_proto::CaseKey;

use crate::credentials::scram;

/// Most bytes of base64 one SASL message may gather: far above any PLAIN,
/// SCRAM or EXTERNAL message, and a bound on what a client can make the
/// server hold.
pub(crate) const MAX_PAYLOAD: usize = 4096;

/// A mechanism ciao offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mechanism {
    Plain,
    ScramSha256,
    External,
}

impl Mechanism {
    /// The value of the `sasl` capability, and of 908.
    pub(crate) const OFFERED: &'static str = crate::caps::SASL_MECHANISMS;

    pub(crate) fn from_name(name: &str) -> Option<Mechanism> {
        match name.to_ascii_uppercase().as_str() {
            "PLAIN" => Some(Mechanism::Plain),
            "SCRAM-SHA-256" => Some(Mechanism::ScramSha256),
            "EXTERNAL" => Some(Mechanism::External),
            _ => None,
        }
    }
}

/// Where a SCRAM exchange stands.
#[derive(Debug, Clone)]
pub(crate) enum ScramStep {
    /// Waiting for the client-first message.
    First,
    /// Server-first sent; waiting for client-final.
    Final {
        exchange: Box<scram::Exchange>,
        account: CaseKey,
    },
    /// Server-final sent; waiting for the client's empty answer to log
    /// it in.
    Done { account: CaseKey },
}

/// A SASL exchange under way.
#[derive(Debug, Clone)]
pub(crate) struct SaslExchange {
    pub(crate) mechanism: Mechanism,
    /// Base64 gathered from chunks of exactly 400 bytes so far.
    pub(crate) gathered: String,
    pub(crate) scram: ScramStep,
}

impl SaslExchange {
    pub(crate) fn new(mechanism: Mechanism) -> Self {
        SaslExchange {
            mechanism,
            gathered: String::new(),
            scram: ScramStep::First,
        }
    }
}
