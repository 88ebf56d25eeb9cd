//! JSON `\uXXXX` and URL `%XX` escapes of whole values (every character escaped, as an attacker
//! or an over-eager serializer writes them): the lines near an escaped key ID prefix are
//! unescaped, keeping every line break where it was, and the result is scanned like the original.
//!
//! Unescaping is line-local and never adds or removes a line (escaped line breaks and tabs become
//! spaces), so lines, pairing and the evidence radius mean the same in the unescaped text; a map
//! takes every unescaped byte back to where it came from.

use super::text::LineIndex;
use std::ops::Range;

/// Unescaped text and the way back to the original: a list of segments (copied text, or one
/// escape), so that the map costs memory per escape, not per byte.
pub struct Unescaped {
    /// The text with the lines near the hits unescaped.
    pub text: Vec<u8>,
    segments: Vec<Segment>,
    original_len: usize,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Where it starts in the unescaped text, and its length there.
    at: usize,
    len: usize,
    /// Where it starts in the original, and its length there.
    from: usize,
    from_len: usize,
}

impl Unescaped {
    /// The original offset of unescaped offset `at` (`text.len()`: the original's end).
    fn map(&self, at: usize) -> usize {
        let i = self.segments.partition_point(|s| s.at + s.len <= at);
        match self.segments.get(i) {
            None => self.original_len,
            Some(s) if s.len == s.from_len => s.from + (at - s.at),
            // Within one escape: its first byte is the escape's start; the others its last byte.
            Some(s) if at == s.at => s.from,
            Some(s) => s.from + s.from_len - 1,
        }
    }

    /// The original span of an unescaped span.
    pub fn original(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.map(span.start);
        let end = self.map(span.end);
        start..end.max(start)
    }

    /// Whether the original of `span` was escaped (longer than its unescaped form).
    pub fn was_escaped(&self, span: &Range<usize>) -> bool {
        self.original(span).len() != span.len()
    }

    fn copy(&mut self, text: &[u8], range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let at = self.text.len();
        self.text.extend_from_slice(&text[range.clone()]);
        match self.segments.last_mut() {
            Some(s) if s.len == s.from_len && s.from + s.from_len == range.start => {
                s.len += range.len();
                s.from_len += range.len();
            }
            _ => self.segments.push(Segment {
                at,
                len: range.len(),
                from: range.start,
                from_len: range.len(),
            }),
        }
    }

    fn escape(&mut self, decoded: &[u8], from: usize, from_len: usize) {
        self.segments.push(Segment {
            at: self.text.len(),
            len: decoded.len(),
            from,
            from_len,
        });
        self.text.extend_from_slice(decoded);
    }
}

/// Unescapes JSON and URL escapes on every line within `radius` lines of a hit (`hits`: byte
/// offsets). `None` when nothing changed.
pub fn unescape_near(
    text: &[u8],
    lines: &LineIndex,
    hits: &[usize],
    radius: usize,
) -> Option<Unescaped> {
    let mut regions: Vec<Range<usize>> = Vec::new();
    for &hit in hits {
        let line = lines.line_of(hit);
        let start = lines.line_start(line.saturating_sub(radius));
        let end = lines.line_end(line + radius, text.len());
        match regions.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => regions.push(start..end),
        }
    }
    let mut out = Unescaped {
        text: Vec::with_capacity(text.len()),
        segments: Vec::new(),
        original_len: text.len(),
    };
    let mut at = 0;
    let mut changed = false;
    for region in regions {
        out.copy(text, at..region.start);
        changed |= unescape(text, region.clone(), &mut out);
        at = region.end;
    }
    out.copy(text, at..text.len());
    changed.then_some(out)
}

/// Unescapes `range` of `text` into `out`; whether anything was unescaped.
fn unescape(text: &[u8], range: Range<usize>, out: &mut Unescaped) -> bool {
    let mut changed = false;
    let mut i = range.start;
    while i < range.end {
        let (bytes, used) = match text[i] {
            b'\\' => json_escape(&text[i..range.end]),
            b'%' => url_escape(&text[i..range.end]),
            _ => (None, 1),
        };
        match bytes {
            Some(decoded) => {
                changed = true;
                out.escape(&decoded, i, used);
            }
            None => out.copy(text, i..i + used),
        }
        i += used;
    }
    changed
}

/// A JSON escape at the start of `s`: its UTF-8 bytes and the escape's length.
fn json_escape(s: &[u8]) -> (Option<Vec<u8>>, usize) {
    let simple = |b: u8| (Some(vec![b]), 2);
    match s.get(1) {
        Some(b'/') => simple(b'/'),
        Some(b'"') => simple(b'"'),
        Some(b'\\') => simple(b'\\'),
        // Line breaks and tabs stay on their line: a space keeps values apart.
        Some(b'n' | b'r' | b't' | b'b' | b'f') => simple(b' '),
        Some(b'u') => {
            let Some(unit) = hex4(s.get(2..6)) else {
                return (None, 1);
            };
            let (c, used) = if (0xD800..0xDC00).contains(&unit) {
                let low = (s.get(6) == Some(&b'\\') && s.get(7) == Some(&b'u'))
                    .then(|| hex4(s.get(8..12)))
                    .flatten()
                    .filter(|l| (0xDC00..0xE000).contains(l));
                match low {
                    Some(low) => (
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)),
                        12,
                    ),
                    None => (None, 6),
                }
            } else {
                (char::from_u32(unit), 6)
            };
            let c = match c {
                Some('\n' | '\r' | '\t') => ' ',
                Some(c) => c,
                None => char::REPLACEMENT_CHARACTER,
            };
            let mut buf = [0u8; 4];
            (Some(c.encode_utf8(&mut buf).as_bytes().to_vec()), used)
        }
        _ => (None, 1),
    }
}

/// A URL escape at the start of `s`: its byte and the escape's length (3).
fn url_escape(s: &[u8]) -> (Option<Vec<u8>>, usize) {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    match (hex(s.get(1)), hex(s.get(2))) {
        (Some(h), Some(l)) => {
            let b = (h * 16 + l) as u8;
            let b = if matches!(b, b'\n' | b'\r' | b'\t') {
                b' '
            } else {
                b
            };
            (Some(vec![b]), 3)
        }
        _ => (None, 1),
    }
}

fn hex4(s: Option<&[u8]>) -> Option<u32> {
    let s = std::str::from_utf8(s?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_all(s: &str) -> String {
        s.chars().map(|c| format!("\\u{:04X}", c as u32)).collect()
    }

    #[test]
    fn lines_near_hits_are_unescaped_and_map_back() {
        let text = format!(
            "first\n\"id\": \"{}\",\nother %41 line\n",
            json_all("AKIAEXAMPLE")
        );
        let hit = text.find("\\u0041").unwrap();
        let lines = LineIndex::new(text.as_bytes());
        let out = unescape_near(text.as_bytes(), &lines, &[hit], 1).unwrap();
        let decoded = String::from_utf8(out.text.clone()).unwrap();
        assert_eq!(decoded, "first\n\"id\": \"AKIAEXAMPLE\",\nother A line\n");
        let at = decoded.find("AKIA").unwrap();
        let span = at..at + 11;
        assert_eq!(out.original(&span), hit..hit + 66);
        assert!(out.was_escaped(&span));
        assert_eq!(&text[out.original(&(0..5))], "first");
    }

    #[test]
    fn escaped_line_breaks_keep_the_line_count() {
        let text = "a = \"x\\ny\\u000Az%0Aw\"\n";
        let lines = LineIndex::new(text.as_bytes());
        let out = unescape_near(text.as_bytes(), &lines, &[0], 0).unwrap();
        assert_eq!(out.text, b"a = \"x y z w\"\n");
    }

    #[test]
    fn surrogate_pairs_and_broken_escapes_do_not_panic() {
        let text = "\\uD83D\\uDE00 \\uD83D \\u12 %4 %zz \\";
        let lines = LineIndex::new(text.as_bytes());
        let out = unescape_near(text.as_bytes(), &lines, &[0], 0).unwrap();
        let decoded = String::from_utf8_lossy(&out.text).into_owned();
        assert!(decoded.starts_with('\u{1F600}'), "{decoded}");
        assert_eq!(out.original(&(0..out.text.len())), 0..text.len());
    }
}
