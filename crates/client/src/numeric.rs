//! Numeric replies by name: a code read off the wire becomes a
//! [`Numeric`], so the model and the connection match on names
//! (`Numeric::Welcome`), never on raw numbers.
//!

use ciao_proto::Numeric;

/// The named numeric whose code is `code` (`"001"` → `Welcome`); `None`
/// for anything else, numeric or not.
pub(crate) fn numeric(code: &str) -> Option<Numeric> {
    Numeric::from_code(code)
}

/// True for a numeric reply's command: three ASCII digits.
pub(crate) fn is_numeric(command: &str) -> bool {
    command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_their_names() {
        assert_eq!(numeric("001"), Some(Numeric::Welcome));
        assert_eq!(numeric("330"), Some(Numeric::WhoisAccount));
        assert_eq!(numeric("999"), None);
        assert_eq!(numeric("PRIVMSG"), None);
        assert!(is_numeric("999") && !is_numeric("PRIVMSG"));
    }
}
