//! The accounts owner: every account in memory (loaded at start, each
//! change sent to the store through the ordered seam), who is logged in
//! to which, SASL exchanges under way, and the throttles on failed logins
//! and registrations.
//!
//! Names: an account's name is the nick it was registered with, and the
//! account owns that nick (`registration::reserve`); names are compared
//! folded, as nicks are.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use ciao_proto::{CaseKey, Message, Numeric};

use crate::caps::Cap;
use crate::credentials::scram;
use crate::history::{AccountChange, AccountRecord, Change};
use crate::link::IdMap;
use crate::link::admission::address::address_key;
use crate::link::attempts::Attempts;
use crate::state::State;
use crate::state::client::ClientId;
use crate::state::fanout::Fanout;
use crate::state::publisher::Release;
use crate::state::sasl::SaslExchange;

/// Failed logins one address may make per [`FAILURE_WINDOW`].
pub(crate) const FAILURES_PER_ADDRESS: u32 = 10;
/// Failed logins to one account (from anywhere) per [`FAILURE_WINDOW`].
pub(crate) const FAILURES_PER_ACCOUNT: u32 = 5;
pub(crate) const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Accounts one address may register per [`REGISTRATION_WINDOW`].
pub(crate) const REGISTRATIONS_PER_ADDRESS: u32 = 3;
/// Accounts the whole server registers per [`REGISTRATION_WINDOW`].
pub(crate) const REGISTRATIONS_IN_ALL: u32 = 30;
pub(crate) const REGISTRATION_WINDOW: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub(crate) struct Accounts {
    records: HashMap<CaseKey, AccountRecord>,
    /// Certificate fingerprint → account.
    by_cert: HashMap<String, CaseKey>,
    /// SASL exchanges under way, by client.
    exchanges: IdMap<SaslExchange>,
    failures_by_address: Attempts<IpAddr>,
    failures_by_account: Attempts<CaseKey>,
    registrations_by_address: Attempts<IpAddr>,
    registrations: Attempts<()>,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            records: HashMap::new(),
            by_cert: HashMap::new(),
            exchanges: IdMap::default(),
            failures_by_address: Attempts::new(FAILURES_PER_ADDRESS, FAILURE_WINDOW),
            failures_by_account: Attempts::new(FAILURES_PER_ACCOUNT, FAILURE_WINDOW),
            registrations_by_address: Attempts::new(REGISTRATIONS_PER_ADDRESS, REGISTRATION_WINDOW),
            registrations: Attempts::new(REGISTRATIONS_IN_ALL, REGISTRATION_WINDOW),
        }
    }
}

impl Accounts {
    /// Takes the accounts read from the store at start.
    pub(super) fn load(&mut self, accounts: Vec<(String, AccountRecord)>) {
        for (_, record) in accounts {
            let key = CaseKey::new(&record.name);
            for cert in &record.certs {
                self.by_cert.insert(cert.clone(), key.clone());
            }
            self.records.insert(key, record);
        }
    }

    /// Forgets what `id` had under way (it left).
    pub(super) fn forget_client(&mut self, id: ClientId) {
        self.exchanges.remove(&id);
    }
}

/// Why a certificate cannot be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CertRefusal {
    /// Another account has it.
    Taken,
    /// The account has as many as it may.
    TooMany,
}

/// Most certificates one account may have.
pub(crate) const MAX_CERTS: usize = 8;

impl State {
    /// The account called `name` (folded comparison), if registered.
    pub(crate) fn account(&self, name: &str) -> Option<&AccountRecord> {
        self.accounts.records.get(&CaseKey::new(name))
    }

    /// The account a client certificate logs in to.
    pub(crate) fn account_by_cert(&self, fingerprint: &str) -> Option<&AccountRecord> {
        let key = self.accounts.by_cert.get(fingerprint)?;
        self.accounts.records.get(key)
    }

    /// Registers `name`; false if it exists already (a race between two
    /// registrations of one name: the first one wins).
    pub(crate) fn create_account(
        &mut self,
        name: &str,
        password: String,
        keys: scram::Keys,
    ) -> bool {
        let key = CaseKey::new(name);
        if self.accounts.records.contains_key(&key) {
            return false;
        }
        let now = crate::clock::now_secs();
        let record = AccountRecord {
            name: name.to_owned(),
            password,
            scram: keys,
            created: now,
            last_seen: now,
            certs: Vec::new(),
        };
        self.accounts.records.insert(key.clone(), record);
        self.save_account(&key);
        true
    }

    /// Gives `name` a new password (its hash and SCRAM keys).
    pub(crate) fn set_account_password(&mut self, name: &str, password: String, keys: scram::Keys) {
        let key = CaseKey::new(name);
        if let Some(record) = self.accounts.records.get_mut(&key) {
            record.password = password;
            record.scram = keys;
            self.save_account(&key);
        }
    }

    /// Adds a client certificate to `name`.
    pub(crate) fn add_account_cert(
        &mut self,
        name: &str,
        fingerprint: &str,
    ) -> Result<(), CertRefusal> {
        let key = CaseKey::new(name);
        match self.accounts.by_cert.get(fingerprint) {
            Some(owner) if *owner == key => return Ok(()),
            Some(_) => return Err(CertRefusal::Taken),
            None => {}
        }
        let Some(record) = self.accounts.records.get_mut(&key) else {
            return Ok(());
        };
        if record.certs.len() >= MAX_CERTS {
            return Err(CertRefusal::TooMany);
        }
        record.certs.push(fingerprint.to_owned());
        self.accounts
            .by_cert
            .insert(fingerprint.to_owned(), key.clone());
        self.save_account(&key);
        Ok(())
    }

    /// Removes a client certificate from `name`; false if it had none
    /// such.
    pub(crate) fn remove_account_cert(&mut self, name: &str, fingerprint: &str) -> bool {
        let key = CaseKey::new(name);
        let Some(record) = self.accounts.records.get_mut(&key) else {
            return false;
        };
        let before = record.certs.len();
        record.certs.retain(|cert| cert != fingerprint);
        if record.certs.len() == before {
            return false;
        }
        self.accounts.by_cert.remove(fingerprint);
        self.save_account(&key);
        true
    }

    /// Drops `name`: whoever is logged in to it is logged out, and its
    /// nick is free again.
    pub(crate) fn drop_account(&mut self, name: &str) {
        let key = CaseKey::new(name);
        let Some(record) = self.accounts.records.remove(&key) else {
            return;
        };
        for cert in &record.certs {
            self.accounts.by_cert.remove(cert);
        }
        let holders: Vec<ClientId> = self
            .registry
            .iter()
            .filter(|client| client.account().is_some_and(|a| CaseKey::new(a) == key))
            .map(|client| client.id)
            .collect();
        for id in holders {
            self.log_out(id);
        }
        let change = Change::Account(AccountChange::Drop {
            key: key.as_str().to_owned(),
        });
        self.submit(Vec::new(), vec![change], Release::nothing(), None);
    }

    /// Logs `id` in to `name`: 900, and `ACCOUNT` to neighbours with
    /// account-notify. Its failed attempts are forgotten. False if there
    /// is no such account (any more) or no such client.
    pub(crate) fn log_in(&mut self, id: ClientId, name: &str) -> bool {
        let key = CaseKey::new(name);
        if !self.registry.contains(id) {
            return false;
        }
        let Some(record) = self.accounts.records.get_mut(&key) else {
            return false;
        };
        record.last_seen = crate::clock::now_secs();
        let (account, seen) = (record.name.clone(), record.last_seen);
        self.accounts.failures_by_account.clear(&key);
        let Some(client) = self.registry.get_mut(id) else {
            return false;
        };
        client.account = Some(account.clone());
        let (nick, mask, registered) =
            (client.nick.clone(), client.mask.clone(), client.registered);
        let change = Change::Account(AccountChange::Seen {
            key: key.as_str().to_owned(),
            time: seen,
        });
        self.submit(Vec::new(), vec![change], Release::nothing(), None);
        self.reply(
            id,
            Numeric::LoggedIn,
            [
                mask.clone(),
                account.clone(),
                format!("You are now logged in as {account}"),
            ],
        );
        tracing::info!(id, %nick, %account, "logged in");
        if registered {
            self.tell_account(id, &mask, &account);
            // Registered channels it is already in name it an operator.
            self.give_ops_on_login(id);
        }
        true
    }

    /// Logs `id` out (its account was dropped): 901, and `ACCOUNT *`.
    pub(crate) fn log_out(&mut self, id: ClientId) {
        let Some(client) = self.registry.get_mut(id) else {
            return;
        };
        if client.account.take().is_none() {
            return;
        }
        let (mask, registered) = (client.mask.clone(), client.registered);
        self.reply(
            id,
            Numeric::LoggedOut,
            [mask.clone(), "You are now logged out".to_owned()],
        );
        if registered {
            self.tell_account(id, &mask, "*");
        }
    }

    fn tell_account(&mut self, id: ClientId, mask: &str, account: &str) {
        let message = Message::new("ACCOUNT", [account]).with_source(mask.to_owned());
        let mut fanout = Fanout::new(message, None);
        // account-notify: neighbours who asked, and (extended-monitor)
        // those watching its nick.
        let told = self.fanout_neighbours(id, &mut fanout, false, Some(Cap::AccountNotify));
        self.tell_watchers_change(id, &mut fanout, Cap::AccountNotify, &told);
    }

    fn save_account(&mut self, key: &CaseKey) {
        let Some(record) = self.accounts.records.get(key) else {
            return;
        };
        let change = Change::Account(AccountChange::Save {
            key: key.as_str().to_owned(),
            record: record.clone(),
        });
        self.submit(Vec::new(), vec![change], Release::nothing(), None);
    }

    /// How long until `id` may try to log in to `account` again, if it
    /// failed too often (from its address, or anyone at that account).
    pub(crate) fn login_wait(&self, id: ClientId, account: &str) -> Option<Duration> {
        let now = Instant::now();
        let by_address = self.client(id).and_then(|client| {
            self.accounts
                .failures_by_address
                .retry_after(&address_key(client.ip), now)
        });
        let by_account = self
            .accounts
            .failures_by_account
            .retry_after(&CaseKey::new(account), now);
        by_address.max(by_account)
    }

    /// Counts a failed login of `id` to `account`.
    pub(crate) fn login_failed(&mut self, id: ClientId, account: &str) {
        let now = Instant::now();
        if let Some(ip) = self.client(id).map(|client| address_key(client.ip)) {
            self.accounts.failures_by_address.record(ip, now);
        }
        self.accounts
            .failures_by_account
            .record(CaseKey::new(account), now);
    }

    /// How long until `id` may register an account, if its address or the
    /// server registered as many as they may lately.
    pub(crate) fn registration_wait(&self, id: ClientId) -> Option<Duration> {
        let now = Instant::now();
        let by_address = self.client(id).and_then(|client| {
            self.accounts
                .registrations_by_address
                .retry_after(&address_key(client.ip), now)
        });
        by_address.max(self.accounts.registrations.retry_after(&(), now))
    }

    /// Counts a registration by `id`.
    pub(crate) fn registered_account(&mut self, id: ClientId) {
        let now = Instant::now();
        if let Some(ip) = self.client(id).map(|client| address_key(client.ip)) {
            self.accounts.registrations_by_address.record(ip, now);
        }
        self.accounts.registrations.record((), now);
    }

    /// `id`'s SASL exchange under way.
    pub(crate) fn sasl(&mut self, id: ClientId) -> Option<&mut SaslExchange> {
        self.accounts.exchanges.get_mut(&id)
    }

    /// Starts (or replaces) `id`'s SASL exchange.
    pub(crate) fn begin_sasl(&mut self, id: ClientId, exchange: SaslExchange) {
        if self.registry.contains(id) {
            self.accounts.exchanges.insert(id, exchange);
        }
    }

    /// Ends `id`'s SASL exchange, returning it.
    pub(crate) fn end_sasl(&mut self, id: ClientId) -> Option<SaslExchange> {
        self.accounts.exchanges.remove(&id)
    }
}
