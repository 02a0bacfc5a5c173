//! IRC formatting codes (bold, colours, …) parsed into styled spans, so
//! the window draws styles instead of control characters.
//!
//! The codes, as <https://modern.ircdocs.horse/formatting.html> lists
//! them: `\x02` bold, `\x1D` italic, `\x1F` underline, `\x1E`
//! strikethrough, `\x11` monospace, `\x16` reverse (each toggles),
//! `\x03` mIRC colours `fg[,bg]` (one or two digits), `\x04` hex colours
//! `RRGGBB[,RRGGBB]`, and `\x0F` resets everything. Any other control
//! character is dropped: a font has no glyph for it and would draw a box.

/// A colour as red, green, blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// The style in force for a run of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strikethrough: bool,
    pub monospace: bool,
    /// Foreground and background swapped (the renderer knows the
    /// defaults they swap with).
    pub reverse: bool,
    /// `None`: the theme's colour.
    pub fg: Option<Rgb>,
    pub bg: Option<Rgb>,
}

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

const BOLD: char = '\x02';
const COLOR: char = '\x03';
const HEX_COLOR: char = '\x04';
const RESET: char = '\x0F';
const MONOSPACE: char = '\x11';
const REVERSE: char = '\x16';
const ITALIC: char = '\x1D';
const STRIKETHROUGH: char = '\x1E';
const UNDERLINE: char = '\x1F';

/// The 99 mIRC colours, 00 to 98 (99 means "the default colour").
pub const MIRC_COLORS: [Rgb; 99] = {
    const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }
    const TABLE: [u32; 99] = [
        // 0–15: the classic sixteen.
        0xffffff, 0x000000, 0x00007f, 0x009300, 0xff0000, 0x7f0000, 0x9c009c, 0xfc7f00, //
        0xffff00, 0x00fc00, 0x009393, 0x00ffff, 0x0000fc, 0xff00ff, 0x7f7f7f, 0xd2d2d2, //
        // 16–98: the extended table, dark to light, then greys.
        0x470000, 0x472100, 0x474700, 0x324700, 0x004700, 0x00472c, 0x004747, 0x002747, //
        0x000047, 0x2e0047, 0x470047, 0x47002a, 0x740000, 0x743a00, 0x747400, 0x517400, //
        0x007400, 0x007449, 0x007474, 0x004074, 0x000074, 0x4b0074, 0x740074, 0x740045, //
        0xb50000, 0xb56300, 0xb5b500, 0x7db500, 0x00b500, 0x00b571, 0x00b5b5, 0x0063b5, //
        0x0000b5, 0x7500b5, 0xb500b5, 0xb5006b, 0xff0000, 0xff8c00, 0xffff00, 0xb2ff00, //
        0x00ff00, 0x00ffa0, 0x00ffff, 0x008cff, 0x0000ff, 0xa500ff, 0xff00ff, 0xff0098, //
        0xff5959, 0xffb459, 0xffff71, 0xcfff60, 0x6fff6f, 0x65ffc9, 0x6dffff, 0x59b4ff, //
        0x5959ff, 0xc459ff, 0xff66ff, 0xff59bc, 0xff9c9c, 0xffd39c, 0xffff9c, 0xe2ff9c, //
        0x9cff9c, 0x9cffdb, 0x9cffff, 0x9cd3ff, 0x9c9cff, 0xdc9cff, 0xff9cff, 0xff94d3, //
        0x000000, 0x131313, 0x282828, 0x363636, 0x4d4d4d, 0x656565, 0x818181, 0x9f9f9f, //
        0xbcbcbc, 0xe2e2e2, 0xffffff,
    ];
    let mut colors = [Rgb(0, 0, 0); 99];
    let mut i = 0;
    while i < 99 {
        colors[i] = hex(TABLE[i]);
        i += 1;
    }
    colors
};

/// The mIRC colour `code`; 99 (and anything past the table) is the
/// default colour.
fn mirc(code: u8) -> Option<Rgb> {
    MIRC_COLORS.get(usize::from(code)).copied()
}

/// Splits `text` into styled spans; no control character survives.
pub fn parse(text: &str) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut style = Style::default();
    let mut run = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let before = style;
        match c {
            BOLD => style.bold ^= true,
            ITALIC => style.italic ^= true,
            UNDERLINE => style.underline ^= true,
            STRIKETHROUGH => style.strikethrough ^= true,
            MONOSPACE => style.monospace ^= true,
            REVERSE => style.reverse ^= true,
            RESET => style = Style::default(),
            COLOR => {
                let rest = &text[at + 1..];
                let (colors, used) = mirc_colors(rest);
                apply_colors(&mut style, colors);
                skip(&mut chars, used);
            }
            HEX_COLOR => {
                let rest = &text[at + 1..];
                let (colors, used) = hex_colors(rest);
                apply_colors(&mut style, colors);
                skip(&mut chars, used);
            }
            // A tab is spacing, not a box.
            '\t' => run.push(' '),
            c if c.is_control() => {}
            c => run.push(c),
        }
        if style != before {
            flush(&mut spans, &mut run, before);
        }
    }
    flush(&mut spans, &mut run, style);
    spans
}

/// The text without any formatting, for places drawn in one style
/// (topics, member lists, notifications, the channel browser).
pub fn strip(text: &str) -> String {
    parse(text).into_iter().map(|span| span.text).collect()
}

/// Colours read after a colour code: `None` resets both.
type Colors = Option<(Option<Rgb>, Option<Option<Rgb>>)>;

fn apply_colors(style: &mut Style, colors: Colors) {
    match colors {
        None => {
            style.fg = None;
            style.bg = None;
        }
        Some((fg, bg)) => {
            style.fg = fg;
            if let Some(bg) = bg {
                style.bg = bg;
            }
        }
    }
}

fn skip(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, bytes: usize) {
    // The colour arguments are ASCII: one char per byte.
    for _ in 0..bytes {
        chars.next();
    }
}

/// Up to two digits at the start of `s`: the number and the bytes used.
fn digits(s: &str) -> Option<(u8, usize)> {
    let len = s.bytes().take(2).take_while(u8::is_ascii_digit).count();
    let value = s.get(..len)?.parse().ok()?;
    Some((value, len))
}

/// `fg[,bg]` after `\x03`, and how many bytes it took. A comma not
/// followed by a digit stays text.
fn mirc_colors(s: &str) -> (Colors, usize) {
    let Some((fg, mut used)) = digits(s) else {
        return (None, 0);
    };
    let mut bg = None;
    if s[used..].starts_with(',')
        && let Some((code, len)) = digits(&s[used + 1..])
    {
        bg = Some(mirc(code));
        used += 1 + len;
    }
    (Some((mirc(fg), bg)), used)
}

/// Six hex digits at the start of `s`.
fn hex(s: &str) -> Option<Rgb> {
    let digits = s.get(..6)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let value = u32::from_str_radix(digits, 16).ok()?;
    Some(Rgb((value >> 16) as u8, (value >> 8) as u8, value as u8))
}

/// `RRGGBB[,RRGGBB]` after `\x04`, and how many bytes it took.
fn hex_colors(s: &str) -> (Colors, usize) {
    let Some(fg) = hex(s) else {
        return (None, 0);
    };
    let mut used = 6;
    let mut bg = None;
    if s[used..].starts_with(',')
        && let Some(color) = hex(&s[used + 1..])
    {
        bg = Some(Some(color));
        used += 7;
    }
    (Some((Some(fg), bg)), used)
}

fn flush(spans: &mut Vec<Span>, run: &mut String, style: Style) {
    if run.is_empty() {
        return;
    }
    let text = std::mem::take(run);
    match spans.last_mut() {
        Some(last) if last.style == style => last.text.push_str(&text),
        _ => spans.push(Span { text, style }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        parse(text).into_iter().map(|s| s.text).collect()
    }

    const RED: Option<Rgb> = Some(Rgb(0xff, 0, 0));

    #[test]
    fn plain_text_is_one_span() {
        assert_eq!(
            parse("hello"),
            vec![Span {
                text: "hello".into(),
                style: Style::default()
            }]
        );
        assert!(parse("").is_empty());
    }

    #[test]
    fn toggles_open_and_close() {
        let spans = parse("a\x02b\x02c\x1Di\x1Fu\x1Es\x11m\x16r");
        assert_eq!(texts("a\x02b\x02c"), ["a", "b", "c"]);
        assert!(spans[1].style.bold && !spans[2].style.bold);
        let last = spans.last().expect("spans").style;
        assert!(last.italic && last.underline && last.strikethrough);
        assert!(last.monospace && last.reverse);
    }

    #[test]
    fn mirc_colours() {
        let spans = parse("\x0304red\x03 plain");
        assert_eq!(texts("\x0304red\x03 plain"), ["red", " plain"]);
        assert_eq!(spans[0].style.fg, RED);
        assert_eq!(spans[1].style, Style::default(), "\\x03 alone resets");

        let spans = parse("\x034,12x");
        assert_eq!(spans[0].style.fg, RED);
        assert_eq!(spans[0].style.bg, Some(Rgb(0, 0, 0xfc)));
        assert_eq!(spans[0].text, "x");
    }

    #[test]
    fn colour_edge_cases() {
        // The comma without a digit is text.
        let spans = parse("\x0304,x");
        assert_eq!(spans[0].text, ",x");
        assert_eq!(spans[0].style.fg, RED);
        assert_eq!(spans[0].style.bg, None);
        // A third digit is text.
        assert_eq!(parse("\x03044")[0].text, "4");
        assert_eq!(parse("\x03044")[0].style.fg, RED);
        // 99 is the default colour; a background alone keeps the foreground.
        assert_eq!(parse("\x0399x")[0].style.fg, None);
        let spans = parse("\x0304a\x0399,03b");
        assert_eq!(spans[1].style.fg, None);
        assert_eq!(spans[1].style.bg, Some(Rgb(0, 0x93, 0)));
        assert_eq!(MIRC_COLORS[98], Rgb(0xff, 0xff, 0xff));
        // A code at the very end of the text.
        assert_eq!(texts("x\x03"), ["x"]);
        assert_eq!(texts("x\x0312,"), ["x", ","]);
    }

    #[test]
    fn hex_colours() {
        let spans = parse("\x04FF8000orange\x04 back");
        assert_eq!(spans[0].style.fg, Some(Rgb(0xff, 0x80, 0)));
        assert_eq!(spans[1].style.fg, None);
        let spans = parse("\x04000000,ffffffx");
        assert_eq!(spans[0].style.bg, Some(Rgb(0xff, 0xff, 0xff)));
        assert_eq!(spans[0].text, "x");
        // Not six hex digits: a reset, the rest is text.
        assert_eq!(texts("\x04FFZ"), ["FFZ"]);
        assert_eq!(texts("\x040000"), ["0000"]);
    }

    #[test]
    fn reset_clears_everything() {
        let spans = parse("\x02\x1D\x0304a\x0Fb");
        assert_eq!(spans[1].style, Style::default());
        assert_eq!(spans[1].text, "b");
    }

    #[test]
    fn other_controls_are_dropped() {
        assert_eq!(strip("a\x00b\x07c\x1bd\x7fe\tf"), "abcde f");
        assert_eq!(strip("\x02\x0304,05\x04abcdef\x16"), "");
        assert_eq!(strip("ünï\x02cødé 😀"), "ünïcødé 😀");
    }
}
