//! What a plain client's terminal may be sent: text without control
//! characters.
//!
//! Plain clients read raw bytes in a terminal, where ESC sequences clear
//! the screen or move the cursor, backspace and vertical tab overwrite
//! what was shown, and so on; relayed verbatim, they let a sender forge
//! lines that seem to come from someone else. So every C0 control
//! (U+0000–U+001F), DEL and every C1 control (U+0080–U+009F) is removed
//! from plain output, and IRC formatting codes go with their arguments
//! (a plain user would see `04,02` otherwise). TAB becomes one space: it
//! cannot overwrite anything, but it separates words, and a space is what
//! the sender meant. Removed rather than replaced with a visible mark, so
//! that formatted text reads as the words it carries; the sender's name
//! still starts every relayed line, and with the controls gone nothing can
//! move it off the screen. IRC clients keep every code (their clients
//! render them).

/// Mark of an IRC colour code: `\x03` then up to two digits, optionally
/// `,` and up to two more.
const COLOUR: u8 = 0x03;
/// Mark of an IRC hex colour code: `\x04` then `RRGGBB`, optionally `,`
/// and `RRGGBB`.
const HEX_COLOUR: u8 = 0x04;
/// The first byte of a C1 control's UTF-8 form (`C2 80`–`C2 9F`).
const C1_LEAD: u8 = 0xC2;

/// Appends `text` to `out` without control characters and IRC formatting
/// codes (see the module's notes). One pass over the bytes, copying the
/// runs between controls; nothing is allocated beyond `out`'s growth.
pub(crate) fn push_printable(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = bytes.get(at..).and_then(|rest| {
        rest.iter()
            .position(|&b| b < 0x20 || b == 0x7F || b == C1_LEAD)
    }) {
        at += offset;
        let byte = bytes.get(at).copied().unwrap_or_default();
        let rest = bytes.get(at + 1..).unwrap_or_default();
        let removed = match byte {
            COLOUR => 1 + colour_arguments(rest),
            HEX_COLOUR => 1 + hex_colour_arguments(rest),
            C1_LEAD if matches!(rest.first(), Some(0x80..=0x9F)) => 2,
            // Another character starting with C2 (U+00A0–U+00BF): text.
            C1_LEAD => {
                at += 1;
                continue;
            }
            _ => 1,
        };
        // Every index here is at an ASCII byte or a C1 control's lead byte,
        // or just after one of them or after ASCII arguments: always a
        // character boundary, so `get` never fails.
        out.push_str(text.get(copied..at).unwrap_or_default());
        if byte == b'\t' {
            out.push(' ');
        }
        at += removed;
        copied = at;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
}

/// How many bytes after `\x03` belong to the colour code: up to two
/// digits, and `,` with up to two digits only after a foreground (a
/// comma after a bare `\x03` is text).
fn colour_arguments(rest: &[u8]) -> usize {
    let foreground = leading(rest, 2, u8::is_ascii_digit);
    if foreground == 0 {
        return 0;
    }
    match rest.get(foreground..) {
        Some([b',', after @ ..]) => match leading(after, 2, u8::is_ascii_digit) {
            0 => foreground,
            background => foreground + 1 + background,
        },
        _ => foreground,
    }
}

/// How many bytes after `\x04` belong to the hex colour code: exactly six
/// hex digits, then optionally `,` and six more; anything shorter is not
/// an argument (a bare `\x04` resets the colour).
fn hex_colour_arguments(rest: &[u8]) -> usize {
    const RGB: usize = 6;
    if leading(rest, RGB, u8::is_ascii_hexdigit) < RGB {
        return 0;
    }
    match rest.get(RGB..) {
        Some([b',', after @ ..]) if leading(after, RGB, u8::is_ascii_hexdigit) == RGB => {
            RGB + 1 + RGB
        }
        _ => RGB,
    }
}

/// How many of the first `max` bytes of `bytes` satisfy `is`, in a row.
fn leading(bytes: &[u8], max: usize, is: fn(&u8) -> bool) -> usize {
    bytes.iter().take(max).take_while(|b| is(b)).count()
}

#[cfg(test)]
mod tests {
    use super::push_printable;

    fn printable(text: &str) -> String {
        let mut out = String::new();
        push_printable(&mut out, text);
        out
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for text in ["", "hi", "ciao a tutti, Zoë! €5 ¿qué? 日本 🎉", "a,b 12"] {
            assert_eq!(printable(text), text);
        }
    }

    #[test]
    fn terminal_controls_are_removed_and_tab_becomes_a_space() {
        assert_eq!(
            printable("\x1b[2J\x1b[Hbob: moved\x08\x0b\x0c\x07\x7f!"),
            "[2J[Hbob: moved!"
        );
        assert_eq!(printable("a\tb"), "a b");
        assert_eq!(printable("a\r\nb\0c\x01d"), "abcd");
        assert_eq!(printable("x\u{85}y\u{9b}2Jz\u{80}\u{9f}"), "xy2Jz");
        // Neighbours of the C1 range are kept.
        assert_eq!(printable("\u{7e}\u{a0}\u{a9}"), "\u{7e}\u{a0}\u{a9}");
    }

    #[test]
    fn formatting_codes_vanish_with_their_arguments() {
        assert_eq!(
            printable(
                "\x02bold\x02 \x1ditalic\x1d \x1funder\x1f \x1estrike\x1e \x11mono\x11 \x16rev\x16\x0f."
            ),
            "bold italic under strike mono rev."
        );
        assert_eq!(
            printable("\x034red\x03 \x0304,12on blue\x03"),
            "red on blue"
        );
        assert_eq!(printable("\x03123"), "3", "two digits at most");
        assert_eq!(printable("\x034,123"), "3", "two background digits at most");
        assert_eq!(
            printable("\x03,5 x"),
            ",5 x",
            "no background without foreground"
        );
        assert_eq!(
            printable("\x035, x"),
            ", x",
            "a comma without digits is text"
        );
        assert_eq!(printable("\x04FF00aaHex\x04"), "Hex");
        assert_eq!(printable("\x04ff0000,00FF00two"), "two");
        assert_eq!(printable("\x04ff0000,00FFtwo"), ",00FFtwo");
        assert_eq!(printable("\x04abcZ"), "abcZ", "short hex is text");
        assert_eq!(printable("end\x03"), "end");
        assert_eq!(printable("end\x0312,"), "end,");
    }
}
