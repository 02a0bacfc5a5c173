//! IRC masks (`nick!user@host` with `*` and `?`): completing what the
//! user typed, and matching a source against a mask. Below both the input
//! (which reads `/ignore bob`) and the model (which checks every line).

/// A mask completed to `nick!user@host`: `bob` → `bob!*@*`,
/// `bob!x` → `bob!x@*`, `x@host` → `*!x@host`.
pub fn full_mask(mask: &str) -> String {
    match (mask.find('!'), mask.find('@')) {
        (Some(_), Some(_)) => mask.to_owned(),
        (Some(_), None) => format!("{mask}@*"),
        (None, Some(_)) => format!("*!{mask}"),
        (None, None) => format!("{mask}!*@*"),
    }
}

/// `*` matches any run of characters, `?` one; both sides already folded
/// to one case.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` take one more character.
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_completed() {
        assert_eq!(full_mask("bob"), "bob!*@*");
        assert_eq!(full_mask("bob!x"), "bob!x@*");
        assert_eq!(full_mask("x@h"), "*!x@h");
        assert_eq!(full_mask("*!*@h"), "*!*@h");
    }

    #[test]
    fn globs() {
        assert!(glob_matches("bob!*@*", "bob!u@h"));
        assert!(!glob_matches("bob!*@*", "bobby!u@h"));
        assert!(glob_matches("b?b*!*@*.example", "bab1!u@x.example"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(!glob_matches("a*b*c", "axxbyy"));
        assert!(glob_matches("*@*", "n!u@h"));
    }
}
