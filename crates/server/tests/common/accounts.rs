//! Accounts from the client's side: registering with `REGISTER`, logging
//! in with SASL PLAIN, and the client's half of SCRAM-SHA-256.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::{digest, hmac, pbkdf2};

use super::{TestClient, numeric_of};

/// A password long enough for `REGISTER`.
pub const PASSWORD: &str = "correct horse battery";

/// The base64 SASL PLAIN payload for `account` and `password`.
pub fn plain_payload(account: &str, password: &str) -> String {
    BASE64.encode(format!("\0{account}\0{password}"))
}

impl TestClient {
    /// Registers as `nick`, then creates the account `nick` with
    /// `password`, waiting for `REGISTER SUCCESS` (and the 900 before it).
    pub async fn with_account(addr: SocketAddr, nick: &str, password: &str) -> Self {
        let mut client = Self::irc(addr, nick).await;
        client.send(&format!("REGISTER * * :{password}")).await;
        client.wait_numeric("900").await;
        client.wait_contains("REGISTER SUCCESS").await;
        client
    }

    /// Registers as `nick` logged in to `account` with SASL PLAIN, sent in
    /// one burst with `CAP END` (as clients do); waits for the welcome.
    pub async fn logged_in(addr: SocketAddr, nick: &str, account: &str, password: &str) -> Self {
        Self::logged_in_with_caps(addr, nick, account, password, &[]).await
    }

    /// [`logged_in`](Self::logged_in), asking for `caps` beside `sasl`.
    pub async fn logged_in_with_caps(
        addr: SocketAddr,
        nick: &str,
        account: &str,
        password: &str,
        caps: &[&str],
    ) -> Self {
        let mut client = Self::connect(addr, nick).await;
        let wanted: Vec<&str> = std::iter::once("sasl")
            .chain(caps.iter().copied())
            .collect();
        let burst = format!(
            "CAP LS 302\r\nCAP REQ :{}\r\nNICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n\
             AUTHENTICATE PLAIN\r\nAUTHENTICATE {}\r\nCAP END\r\n",
            wanted.join(" "),
            plain_payload(account, password)
        );
        client.send_raw(burst.as_bytes()).await;
        client.wait_numeric("903").await;
        client.wait_numeric("001").await;
        client
            .wait_for("end of MOTD", |l| {
                matches!(numeric_of(l), Some("376" | "422"))
            })
            .await;
        client
    }
}

/// The client's side of one SCRAM-SHA-256 exchange.
pub struct ScramClient {
    password: String,
    client_first_bare: String,
    auth_message: String,
    salted: [u8; 32],
}

impl ScramClient {
    /// The client-first message for `user`, with `nonce`.
    pub fn first(user: &str, password: &str, nonce: &str) -> (Self, String) {
        let bare = format!("n={user},r={nonce}");
        let first = format!("n,,{bare}");
        let client = ScramClient {
            password: password.to_owned(),
            client_first_bare: bare,
            auth_message: String::new(),
            salted: [0; 32],
        };
        (client, first)
    }

    /// The client-final message answering `server_first`.
    pub fn answer(&mut self, server_first: &str) -> String {
        let field = |name: &str| {
            server_first
                .split(',')
                .find_map(|f| f.strip_prefix(name))
                .expect("server-first field")
                .to_owned()
        };
        let (nonce, salt, iterations) = (field("r="), field("s="), field("i="));
        let salt = BASE64.decode(salt).expect("salt");
        let iterations: u32 = iterations.parse().expect("iterations");
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(iterations).expect("rounds"),
            &salt,
            self.password.as_bytes(),
            &mut self.salted,
        );
        let without_proof = format!("c=biws,r={nonce}");
        self.auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_key = sign(&self.salted, b"Client Key");
        let stored_key = digest::digest(&digest::SHA256, &client_key);
        let signature = sign(stored_key.as_ref(), self.auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(k, s)| k ^ s)
            .collect();
        format!("{without_proof},p={}", BASE64.encode(proof))
    }

    /// True when `server_final` proves the server knew the password.
    pub fn server_is_genuine(&self, server_final: &str) -> bool {
        let server_key = sign(&self.salted, b"Server Key");
        let expected = sign(&server_key, self.auth_message.as_bytes());
        server_final == format!("v={}", BASE64.encode(expected))
    }
}

fn sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}
