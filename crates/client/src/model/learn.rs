//! What the model learns from server lines to fit our own lines: the
//! server's limits (ISUPPORT, kept in [`crate::isupport::Isupport`]) and the `user@host`
//! others see in front of what we say.

use ciao_proto::{Message, Numeric, irc_eq};

use super::Model;
use crate::numeric::numeric;

impl Model {
    /// Learns from a server line what fitting our own lines needs:
    /// ISUPPORT, and our `user@host` from our JOIN (its source is what the
    /// server puts in front of everything we say), 396 or CHGHOST.
    pub(crate) fn learn(&mut self, message: &Message) {
        match (numeric(&message.command), message.command.as_str()) {
            (Some(Numeric::ISupport), _) => self.isupport.learn_reply(message),
            // `396 nick host :is now your displayed host`.
            (Some(Numeric::VisibleHost), _) => {
                if let (Some(host), Some(userhost)) = (message.param(1), &self.own_userhost) {
                    let user = userhost.split('@').next().unwrap_or("");
                    self.own_userhost = Some(format!("{user}@{host}"));
                }
            }
            (_, "JOIN" | "CHGHOST" | "PRIVMSG" | "NOTICE") => {
                let Some((nick, userhost)) =
                    message.source.as_deref().and_then(|s| s.split_once('!'))
                else {
                    return;
                };
                if !irc_eq(nick, &self.own_nick) {
                    return;
                }
                if message.command == "CHGHOST" {
                    if let (Some(user), Some(host)) = (message.param(0), message.param(1)) {
                        self.own_userhost = Some(format!("{user}@{host}"));
                    }
                } else if userhost.contains('@') {
                    self.own_userhost = Some(userhost.to_owned());
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_user_and_host_come_from_our_own_lines() {
        let mut model = Model::new("me");
        let feed = |model: &mut Model, line: &str| {
            model.learn(&line.parse::<Message>().expect("line"));
        };
        feed(&mut model, ":other!x@y JOIN #a");
        assert_eq!(model.own_userhost, None);
        feed(&mut model, ":ME!~me@10.0.0.1 JOIN #a");
        assert_eq!(model.own_userhost.as_deref(), Some("~me@10.0.0.1"));
        feed(
            &mut model,
            ":srv 396 me cloak.example :is now your displayed host",
        );
        assert_eq!(model.own_userhost.as_deref(), Some("~me@cloak.example"));
        feed(&mut model, ":me!~me@cloak.example CHGHOST ident new.host");
        assert_eq!(model.own_userhost.as_deref(), Some("ident@new.host"));
    }
}
