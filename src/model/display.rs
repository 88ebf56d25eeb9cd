//! Text echoed from scanned content (paths, commit subjects, author names, ref names) is
//! attacker-controlled: [`clean`] makes it safe to print on a terminal, in a CI log or in a
//! pusher's `remote:` lines by escaping every control character (C0, DEL, C1) and the Unicode
//! bidirectional overrides that reorder what a reader sees.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character and bidirectional override escaped (`\x1b`, `\n`,
/// `\u{202e}`): one printable line whatever the input.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`clean`] but keeps line breaks and tabs: for multi-line text (a message) printed as
/// several lines.
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| {
                line.split('\t')
                    .map(|part| clean(part).into_owned())
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        assert_eq!(clean("plain/path.py"), "plain/path.py");
        assert_eq!(clean("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(clean("x\u{202e}y\u{9b}"), "x\\u{202e}y\\x9b");
        assert_eq!(clean("two\nlines\r"), "two\\nlines\\r");
        assert_eq!(clean("tab\there"), "tab\\there");
    }

    #[test]
    fn clean_lines_keeps_breaks_and_tabs() {
        assert_eq!(clean_lines("a\n\tb\x1b"), "a\n\tb\\x1b");
        assert!(matches!(clean_lines("ok\nfine"), Cow::Borrowed(_)));
    }
}
