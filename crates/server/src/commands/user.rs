//! USER <username> <mode> <unused> :<realname>

use ciao_proto::Message;

use super::context::{CommandError, CommandResult, Ctx};
use super::limits::{REALNAME_LEN, USER_LEN};
use super::registration;

/// USER's arguments, cleaned: the user name as shown in masks (`~`
/// and the safe characters of what was given) and the real name, each
/// cut to its limit.
#[derive(Debug, PartialEq, Eq)]
struct User<'m> {
    user: String,
    realname: &'m str,
}

impl<'m> User<'m> {
    fn parse(message: &'m Message) -> Result<Self, CommandError> {
        let (given, realname) = (
            message.param(0).unwrap_or(""),
            message.param(3).unwrap_or(""),
        );
        if given.is_empty() || realname.is_empty() {
            return Err(CommandError::NeedMoreParams);
        }
        let mut user: String = given
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(USER_LEN)
            .collect();
        if user.is_empty() {
            // Nothing usable (emoji, punctuation): a neutral placeholder.
            user = "user".to_owned();
        }
        Ok(User {
            user: format!("~{user}").chars().take(USER_LEN).collect(),
            realname: crate::state::truncate(realname, REALNAME_LEN),
        })
    }
}

pub(super) fn handle(ctx: &mut Ctx<'_>, message: &Message) -> CommandResult {
    let Some(client) = ctx.unregistered()? else {
        return Ok(());
    };
    let user = User::parse(message)?;
    client.set_user(user.user);
    client.realname = user.realname.into();
    registration::try_complete(ctx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use ciao_proto::Message;

    use super::User;

    fn user(line: &str) -> Option<(String, String)> {
        let message: Message = line.parse().expect("a line");
        let user = User::parse(&message).ok()?;
        Some((user.user, user.realname.to_owned()))
    }

    #[test]
    fn names_are_cleaned_and_cut() {
        let (name, real) = user("USER al!ce 0 * :Alice A").expect("valid");
        assert_eq!((name.as_str(), real.as_str()), ("~alce", "Alice A"));
        assert_eq!(user("USER \u{1F600} 0 * :x").expect("valid").0.len(), 5);
        assert_eq!(
            user(&format!("USER {} 0 * :x", "a".repeat(40)))
                .expect("valid")
                .0
                .len(),
            16
        );
        assert!(user("USER a 0 * :").is_none());
    }
}
