//! The human texts plain-mode clients see, in English and in the seed's
//! Italian. IRC numerics keep their usual English texts.

/// Language of the plain-mode texts (`--lang`; the binary's `cli` names
/// them, so the library links no flag or file parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    It,
}

impl Lang {
    /// Sent on connect, asking for a name.
    pub(crate) fn greeting(self) -> &'static str {
        match self {
            Lang::En => "HELLO! Type your name and press Enter!",
            Lang::It => "CIAO! Digita il tuo Nome seguito dal tasto Invio!",
        }
    }

    /// Sent once the name is accepted.
    pub(crate) fn welcome(self, name: &str) -> String {
        match self {
            Lang::En => {
                format!("Welcome {name}! If you want to leave the chat, type {{quit}} to exit.")
            }
            Lang::It => {
                format!("Benvenuto {name}! Se vuoi lasciare la Chat, scrivi {{quit}} per uscire.")
            }
        }
    }

    pub(crate) fn joined(self, name: &str) -> String {
        match self {
            Lang::En => format!("{name} joined the chat!"),
            Lang::It => format!("{name} si è unito alla chat!"),
        }
    }

    pub(crate) fn left(self, name: &str) -> String {
        match self {
            Lang::En => format!("{name} left the chat."),
            Lang::It => format!("{name} ha abbandonato la Chat."),
        }
    }

    pub(crate) fn renamed(self, old: &str, new: &str) -> String {
        match self {
            Lang::En => format!("{old} is now known as {new}."),
            Lang::It => format!("{old} ora si chiama {new}."),
        }
    }

    pub(crate) fn topic(self, who: &str, topic: &str) -> String {
        match self {
            Lang::En => format!("{who} set the topic: {topic}"),
            Lang::It => format!("{who} ha cambiato l'argomento: {topic}"),
        }
    }

    pub(crate) fn kicked(self, who: &str, by: &str, reason: &str) -> String {
        match self {
            Lang::En => format!("{who} was kicked out by {by} ({reason})."),
            Lang::It => format!("{who} è stato espulso da {by} ({reason})."),
        }
    }

    pub(crate) fn bad_name(self, why: &str) -> String {
        match self {
            Lang::En => format!("That name cannot be used: {why}. Type another name!"),
            Lang::It => format!("Questo nome non va bene: {why}. Digita un altro nome!"),
        }
    }

    pub(crate) fn name_taken(self, name: &str) -> String {
        match self {
            Lang::En => format!("The name {name} is already taken. Type another name!"),
            Lang::It => format!("Il nome {name} è già in uso. Digita un altro nome!"),
        }
    }

    /// A name that looks like one in use (`bоb` with a Cyrillic `о`
    /// beside `bob`): refused so nobody can pass for someone else.
    pub(crate) fn name_too_similar(self, name: &str) -> String {
        match self {
            Lang::En => format!(
                "The name {name} looks too much like a name already taken. Type another name!"
            ),
            Lang::It => format!(
                "Il nome {name} somiglia troppo a un nome già in uso. Digita un altro nome!"
            ),
        }
    }

    pub(crate) fn shutting_down(self) -> &'static str {
        match self {
            Lang::En => "The server is shutting down. Goodbye!",
            Lang::It => "Il server si sta spegnendo. Arrivederci!",
        }
    }

    /// A message refused because the history store cannot keep it (a
    /// full disk): nobody got it.
    pub(crate) fn not_stored(self) -> &'static str {
        match self {
            Lang::En => "Message not sent: the server cannot store it right now. Try again later.",
            Lang::It => {
                "Messaggio non inviato: il server ora non riesce a salvarlo. Riprova più tardi."
            }
        }
    }

    pub(crate) fn too_many_from_address(self, max: usize) -> String {
        match self {
            Lang::En => format!("Too many connections from your address (the limit is {max})"),
            Lang::It => format!("Troppe connessioni dal tuo indirizzo (il limite è {max})"),
        }
    }

    pub(crate) fn too_many_from_network(self, max: usize) -> String {
        match self {
            Lang::En => {
                format!("Too many connections from your network (the limit is {max} per /48)")
            }
            Lang::It => format!("Troppe connessioni dalla tua rete (il limite è {max} per /48)"),
        }
    }

    /// `secs` is when the address may connect again.
    pub(crate) fn too_fast(self, secs: u64) -> String {
        match self {
            Lang::En => {
                format!("Too many connections from your address too quickly, try again in {secs} s")
            }
            Lang::It => {
                format!("Troppe connessioni dal tuo indirizzo in poco tempo, riprova tra {secs} s")
            }
        }
    }

    /// `secs` is when the oldest registering connection may be closed to
    /// make room.
    pub(crate) fn too_many_registering(self, secs: u64) -> String {
        match self {
            Lang::En => {
                format!("Too many connections are still registering, try again in {secs} s")
            }
            Lang::It => {
                format!("Troppe connessioni in attesa di registrazione, riprova tra {secs} s")
            }
        }
    }

    /// Said to a connection closed to make room for a newcomer.
    pub(crate) fn registration_timed_out_busy(self) -> &'static str {
        match self {
            Lang::En => "Registration timed out: the server is busy, please connect again",
            Lang::It => "Registrazione scaduta: il server è occupato, ricollegati",
        }
    }

    pub(crate) fn server_full(self, max: usize) -> String {
        match self {
            Lang::En => format!("Server full ({max} clients), try again later"),
            Lang::It => format!("Server pieno ({max} client), riprova più tardi"),
        }
    }

    pub(crate) fn password_required(self) -> &'static str {
        match self {
            Lang::En => "This server needs a password: connect with an IRC client.",
            Lang::It => "Questo server richiede una password: collegati con un client IRC.",
        }
    }

    pub(crate) fn no_such_name(self, name: &str) -> String {
        match self {
            Lang::En => format!("Nobody is called {name}."),
            Lang::It => format!("Nessuno si chiama {name}."),
        }
    }

    pub(crate) fn plain_help(self) -> &'static str {
        match self {
            Lang::En => {
                "Commands: /names (who is here), /me ACTION, /msg NAME TEXT (private), /quit or {quit} (leave)."
            }
            Lang::It => {
                "Comandi: /names (chi c'è), /me AZIONE, /msg NOME TESTO (privato), /quit o {quit} (esci)."
            }
        }
    }

    pub(crate) fn here(self, names: &str) -> String {
        match self {
            Lang::En => format!("Here now: {names}"),
            Lang::It => format!("Presenti: {names}"),
        }
    }
}
