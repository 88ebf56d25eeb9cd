//! Where encoded layers are: base64 and hex runs on one line around an anchor hit, base64 and
//! hex blocks wrapped over several lines (what `base64`, `openssl` and `xxd -p` print), and
//! UTF-16 / UTF-32 text inside other bytes. Finding a layer and decoding it are bounded: every
//! pass is linear in the text, and decoded bytes come out of a per-blob [`Budget`].

use super::text;
use std::ops::Range;

/// Shortest base64 run worth decoding (a key ID is 20 bytes, 28 base64 characters).
pub const MIN_BASE64_RUN: usize = 24;
/// Shortest first line of a wrapped block (`base64` wraps at 76, PEM at 64, `xxd -p` at 60).
const MIN_WRAP_WIDTH: usize = 40;

/// How many decoded bytes a scan may still produce (decoders stop when it runs out).
#[derive(Debug, Clone)]
pub struct Budget {
    left: usize,
    /// Whether a decoder was refused because the budget ran out.
    pub exhausted: bool,
}

impl Budget {
    /// A budget for a buffer of `len` bytes: four times its size, and at least 1 MiB.
    pub fn for_len(len: usize) -> Budget {
        Budget {
            left: len.saturating_mul(4).max(1 << 20),
            exhausted: false,
        }
    }

    /// Takes `n` bytes from the budget; false (and nothing taken) when fewer are left.
    pub fn take(&mut self, n: usize) -> bool {
        if n > self.left {
            self.exhausted = true;
            return false;
        }
        self.left -= n;
        true
    }
}

/// The maximal run of base64 characters (plus trailing `=`) around `at`.
pub fn base64_run(text: &[u8], at: usize) -> Range<usize> {
    let mut start = at;
    while start > 0 && text::is_base64_byte(text[start - 1]) {
        start -= 1;
    }
    let mut end = at;
    while end < text.len() && text::is_base64_byte(text[end]) {
        end += 1;
    }
    while end < text.len() && text[end] == b'=' && end < start + (end - start).div_ceil(4) * 4 {
        end += 1;
    }
    start..end
}

/// The maximal run of hex digits around `at`, trimmed to an even length.
pub fn hex_run(text: &[u8], at: usize) -> Range<usize> {
    let mut start = at;
    while start > 0 && text[start - 1].is_ascii_hexdigit() {
        start -= 1;
    }
    let mut end = at;
    while end < text.len() && text[end].is_ascii_hexdigit() {
        end += 1;
    }
    // Keep the byte alignment of the hit.
    if (end - start) % 2 == 1 {
        if (at - start) % 2 == 0 {
            end -= 1;
        } else {
            start += 1;
        }
    }
    start..end
}

/// Decodes hex digits (`None` when there is an odd count or a non-hex byte).
pub fn hex_decode(digits: &[u8]) -> Option<Vec<u8>> {
    if digits.len() % 2 == 1 {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|p| {
            let h = (p[0] as char).to_digit(16)?;
            let l = (p[1] as char).to_digit(16)?;
            Some((h * 16 + l) as u8)
        })
        .collect()
}

/// A block of two or more consecutive lines of base64 (or hex) characters, all as wide as the
/// first (at least [`MIN_WRAP_WIDTH`]) but the last, with the same indentation: an encoded value
/// wrapped over lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// From the first character of the first line to the end of the last line.
    pub span: Range<usize>,
    /// The encoded characters without indentation and line breaks.
    pub body: Vec<u8>,
}

/// The wrapped blocks of `text`, in order. One pass; most lines are rejected by their first
/// and last byte.
pub fn wrapped_blocks(text: &[u8]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<OpenBlock> = None;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len()));
    for end in ends {
        let line = start..end;
        start = end + 1;
        let piece = block_line(text, line.clone());
        open = match (open.take(), piece) {
            (Some(mut b), Some(p)) if b.accepts(&p) => {
                b.push(text, p);
                if b.closed {
                    finish(b, &mut out);
                    None
                } else {
                    Some(b)
                }
            }
            (prev, p) => {
                if let Some(b) = prev {
                    finish(b, &mut out);
                }
                p.filter(|p| p.body.len() >= MIN_WRAP_WIDTH && !p.padded)
                    .map(|p| OpenBlock::new(text, p))
            }
        };
        if end == text.len() {
            break;
        }
    }
    if let Some(b) = open {
        finish(b, &mut out);
    }
    out
}

/// One line's encoded characters.
struct Piece {
    indent: usize,
    body: Range<usize>,
    /// Ends with `=` padding (only a block's last line may).
    padded: bool,
}

fn block_line(text: &[u8], line: Range<usize>) -> Option<Piece> {
    let mut end = line.end;
    if end > line.start && text[end - 1] == b'\r' {
        end -= 1;
    }
    let mut first = line.start;
    while first < end && (text[first] == b' ' || text[first] == b'\t') {
        first += 1;
    }
    if first == end {
        return None;
    }
    // Cheap rejection first: code and prose rarely start and end with base64 characters.
    let last = text[end - 1];
    if !text::is_base64_byte(text[first]) || !(text::is_base64_byte(last) || last == b'=') {
        return None;
    }
    let mut body_end = end;
    while body_end > first && text[body_end - 1] == b'=' {
        body_end -= 1;
    }
    if end - body_end > 2
        || !text[first..body_end]
            .iter()
            .all(|&b| text::is_base64_byte(b))
    {
        return None;
    }
    Some(Piece {
        indent: first - line.start,
        body: first..end,
        padded: body_end < end,
    })
}

struct OpenBlock {
    span: Range<usize>,
    indent: usize,
    width: usize,
    lines: usize,
    body: Vec<u8>,
    /// A shorter (or padded) line ended it.
    closed: bool,
}

impl OpenBlock {
    fn new(text: &[u8], p: Piece) -> OpenBlock {
        OpenBlock {
            span: p.body.clone(),
            indent: p.indent,
            width: p.body.len(),
            lines: 1,
            body: text[p.body].to_vec(),
            closed: false,
        }
    }

    fn accepts(&self, p: &Piece) -> bool {
        p.indent == self.indent && p.body.len() <= self.width
    }

    fn push(&mut self, text: &[u8], p: Piece) {
        self.closed = p.body.len() < self.width || p.padded;
        self.span.end = p.body.end;
        self.lines += 1;
        self.body.extend_from_slice(&text[p.body]);
    }
}

fn finish(b: OpenBlock, out: &mut Vec<Block>) {
    if b.lines >= 2 && b.body.len() >= MIN_BASE64_RUN {
        out.push(Block {
            span: b.span,
            body: b.body,
        });
    }
}

/// Decodes a wrapped block: hex when it is only hex digits, base64 otherwise.
pub fn decode_block(body: &[u8]) -> Option<(Vec<u8>, bool)> {
    if body.iter().all(u8::is_ascii_hexdigit) {
        if let Some(bytes) = hex_decode(body) {
            return Some((bytes, true));
        }
    }
    text::base64_decode(body).map(|b| (b, false))
}

/// The run of UTF-16 (`width` 2) or UTF-32 (`width` 4) text around the code unit at `at`: code
/// units that are printable ASCII, tabs or line breaks, aligned with `at`.
pub fn wide_run(bytes: &[u8], at: usize, width: usize, little_endian: bool) -> Range<usize> {
    let unit_ok = |i: usize| -> bool {
        let Some(unit) = bytes.get(i..i + width) else {
            return false;
        };
        let (ch, zeros) = if little_endian {
            (unit[0], &unit[1..])
        } else {
            (unit[width - 1], &unit[..width - 1])
        };
        zeros.iter().all(|&z| z == 0)
            && (ch.is_ascii_graphic() || matches!(ch, b' ' | b'\t' | b'\n' | b'\r'))
    };
    let mut start = at;
    while start >= width && unit_ok(start - width) {
        start -= width;
    }
    let mut end = at;
    while unit_ok(end) {
        end += width;
    }
    start..end
}

/// Decoded bytes worth scanning: UTF-16 or UTF-32 text is transcoded; anything else must look
/// like text.
pub fn as_text(decoded: Vec<u8>) -> Option<Vec<u8>> {
    match text::decode_for_scan(&decoded) {
        (std::borrow::Cow::Owned(t), text::TextForm::Utf16 | text::TextForm::Utf32) => Some(t),
        (_, text::TextForm::Bytes) if text::looks_like_text(&decoded) => Some(decoded),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(s: &str, width: usize, indent: &str) -> String {
        s.as_bytes()
            .chunks(width)
            .map(|c| format!("{indent}{}\n", std::str::from_utf8(c).unwrap()))
            .collect()
    }

    #[test]
    fn wrapped_base64_is_one_block_whatever_the_indentation() {
        let encoded = text::base64_encode(&[b'x'; 200]);
        for indent in ["", "    "] {
            let text = format!("data: |\n{}next: 1\n", wrap(&encoded, 76, indent));
            let blocks = wrapped_blocks(text.as_bytes());
            assert_eq!(blocks.len(), 1, "{text}");
            assert_eq!(blocks[0].body, encoded.as_bytes());
            assert_eq!(decode_block(&blocks[0].body).unwrap().0, vec![b'x'; 200]);
        }
    }

    #[test]
    fn hex_blocks_decode_as_hex_and_code_is_no_block() {
        let hex: String = b"[default]\naws_access_key_id = x\n"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let text = wrap(&hex, 60, "");
        let blocks = wrapped_blocks(text.as_bytes());
        assert_eq!(blocks.len(), 1);
        let (bytes, is_hex) = decode_block(&blocks[0].body).unwrap();
        assert!(is_hex);
        assert!(bytes.starts_with(b"[default]"));
        let code = "fn main() {\n    let valueWithAVeryLongNameIndeedAndMoreOfIt = 1;\n}\n";
        assert!(wrapped_blocks(code.as_bytes()).is_empty());
    }

    #[test]
    fn hex_runs_keep_their_byte_alignment() {
        let text = b"x=0414b4941";
        let at = 3;
        let run = hex_run(text, at);
        assert_eq!(&text[run], b"414b4941");
    }

    #[test]
    fn wide_runs_stop_at_binary() {
        let mut bytes = vec![0xFFu8, 0x01];
        bytes.extend("key AKIA".encode_utf16().flat_map(u16::to_le_bytes));
        bytes.extend([0xFF, 0xFF]);
        let at = 2 + 8;
        let run = wide_run(&bytes, at, 2, true);
        assert_eq!(run, 2..18);
    }

    #[test]
    fn the_budget_refuses_and_says_so() {
        let mut b = Budget::for_len(0);
        assert!(b.take(1 << 20));
        assert!(!b.take(1));
        assert!(b.exhausted);
    }
}
