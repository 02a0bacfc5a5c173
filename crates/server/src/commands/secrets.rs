//! Whether a client may send a password here: the `plaintext-passwords`
//! setting. Every command that takes one (`PASS`, `OPER`, SASL PLAIN,
//! `REGISTER`, NickServ) asks [`plaintext_refusal`] before reading it,
//! and answers with the text it gives, so a refusal always says why.

use std::net::IpAddr;

use crate::config::PlaintextPasswords;
use crate::link::admission::is_loopback;
use crate::state::State;
use crate::state::client::ClientId;

/// Why a password from client `id` is not taken, or `None` if it is:
/// over TLS always; in clear as the setting says.
pub(crate) fn plaintext_refusal(state: &State, id: ClientId) -> Option<&'static str> {
    let client = state.client(id)?;
    refusal(state.config().plaintext_passwords, client.secure, client.ip)
}

/// The rule itself, on what it depends on.
fn refusal(policy: PlaintextPasswords, secure: bool, ip: IpAddr) -> Option<&'static str> {
    match policy {
        _ if secure => None,
        PlaintextPasswords::Allow => None,
        // (`::ffff:127.0.0.1`, an IPv4 client on a dual-stack socket, too.)
        PlaintextPasswords::Loopback if is_loopback(ip) => None,
        PlaintextPasswords::Loopback => {
            Some("Passwords are not accepted over plaintext from this address: connect with TLS")
        }
        PlaintextPasswords::Deny => {
            Some("Passwords are not accepted over plaintext: connect with TLS")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlaintextPasswords::{Allow, Deny, Loopback};

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn loopback_takes_passwords_in_clear_from_this_machine_only() {
        for local in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(refusal(Loopback, false, ip(local)), None, "{local}");
        }
        for remote in ["192.0.2.7", "10.0.0.1", "2001:db8::1", "::ffff:192.0.2.7"] {
            let why = refusal(Loopback, false, ip(remote)).expect("refused");
            assert!(
                why.contains("from this address") && why.contains("TLS"),
                "{why}"
            );
            // Over TLS the address does not matter.
            assert_eq!(refusal(Loopback, true, ip(remote)), None, "{remote}");
        }
    }

    #[test]
    fn allow_takes_any_and_deny_only_tls() {
        for addr in ["127.0.0.1", "192.0.2.7"] {
            assert_eq!(refusal(Allow, false, ip(addr)), None);
            assert!(refusal(Deny, false, ip(addr)).is_some_and(|why| why.contains("TLS")));
            assert_eq!(refusal(Deny, true, ip(addr)), None);
        }
    }
}
