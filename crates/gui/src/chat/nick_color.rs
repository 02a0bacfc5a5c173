//! A colour per nick.

use eframe::egui::Color32;

/// A stable colour per nick, readable on dark and light backgrounds.
pub fn nick_color(nick: &str, dark: bool) -> Color32 {
    const DARK: [Color32; 8] = [
        Color32::from_rgb(0x8a, 0xc6, 0xff),
        Color32::from_rgb(0xff, 0xa6, 0x57),
        Color32::from_rgb(0x7e, 0xe7, 0x87),
        Color32::from_rgb(0xff, 0x7b, 0x9c),
        Color32::from_rgb(0xd2, 0xa8, 0xff),
        Color32::from_rgb(0xf2, 0xcc, 0x60),
        Color32::from_rgb(0x56, 0xd4, 0xdd),
        Color32::from_rgb(0xff, 0x9e, 0xd8),
    ];
    const LIGHT: [Color32; 8] = [
        Color32::from_rgb(0x09, 0x69, 0xda),
        Color32::from_rgb(0xbc, 0x4c, 0x00),
        Color32::from_rgb(0x1a, 0x7f, 0x37),
        Color32::from_rgb(0xcf, 0x22, 0x2e),
        Color32::from_rgb(0x82, 0x50, 0xdf),
        Color32::from_rgb(0x9a, 0x67, 0x00),
        Color32::from_rgb(0x1b, 0x7c, 0x83),
        Color32::from_rgb(0xbf, 0x39, 0x89),
    ];
    let hash = ciao_proto::irc_lower(nick)
        .bytes()
        .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b));
    let palette = if dark { &DARK } else { &LIGHT };
    palette[hash as usize % palette.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nick_colours_are_stable_and_casefolded() {
        assert_eq!(nick_color("Bob", true), nick_color("bob", true));
    }
}
