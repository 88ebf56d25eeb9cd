//! Text handling for the detector: UTF-16 detection and decoding, line/column positions,
//! value unescaping (JSON, URL) and base64 helpers.

use crate::finding::Encoding;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use std::borrow::Cow;

/// How many leading bytes are inspected to tell text from binary and UTF-16.
const SNIFF_LEN: usize = 8192;

/// The text form of a blob that the detector scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextForm {
    /// Bytes scanned as they are (UTF-8, ASCII, Latin-1, or mostly-text).
    Bytes,
    /// UTF-16 transcoded to UTF-8 before scanning.
    Utf16,
    /// UTF-32 transcoded to UTF-8 before scanning.
    Utf32,
    /// Binary (a NUL byte early on, not UTF-16 or UTF-32); still scanned as bytes.
    Binary,
}

/// Returns the bytes to scan and how they were obtained. UTF-16 (with or without a BOM) is
/// transcoded to UTF-8; everything else is scanned as it is.
pub fn decode_for_scan(bytes: &[u8]) -> (Cow<'_, [u8]>, TextForm) {
    match sniff(bytes) {
        (TextForm::Utf16, little_endian) => (
            Cow::Owned(transcode_utf16(bytes, little_endian)),
            TextForm::Utf16,
        ),
        (TextForm::Utf32, little_endian) => (
            Cow::Owned(transcode_utf32(bytes, little_endian)),
            TextForm::Utf32,
        ),
        (form, _) => (Cow::Borrowed(bytes), form),
    }
}

/// The form [`decode_for_scan`] would choose for `bytes`, judged from their head only.
pub fn sniff_form(bytes: &[u8]) -> TextForm {
    sniff(bytes).0
}

/// The form, and for UTF-16 whether it is little-endian.
fn sniff(bytes: &[u8]) -> (TextForm, bool) {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    let has_bom = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    // UTF-16 and UTF-32 text without a BOM always has NUL bytes: most blobs skip the analysis.
    if !has_bom && memchr::memchr(0, head).is_none() {
        return (TextForm::Bytes, false);
    }
    if let Some(little_endian) = utf32_endianness(head) {
        return (TextForm::Utf32, little_endian);
    }
    match utf16_endianness(head) {
        Some(little_endian) => (TextForm::Utf16, little_endian),
        None => (TextForm::Binary, false),
    }
}

/// `Some(true)` for UTF-32LE, `Some(false)` for UTF-32BE (with a BOM, or mostly characters
/// below U+0100 laid out as one byte and three NULs).
fn utf32_endianness(head: &[u8]) -> Option<bool> {
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Some(true);
    }
    if head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(false);
    }
    let units = head.len() / 4;
    if units < 2 {
        return None;
    }
    let le = head
        .chunks_exact(4)
        .filter(|c| c[0] != 0 && c[1..] == [0, 0, 0])
        .count();
    let be = head
        .chunks_exact(4)
        .filter(|c| c[3] != 0 && c[..3] == [0, 0, 0])
        .count();
    if le * 10 >= units * 7 {
        Some(true)
    } else if be * 10 >= units * 7 {
        Some(false)
    } else {
        None
    }
}

/// UTF-32 (BOM optional) to UTF-8; invalid code points become U+FFFD.
pub fn transcode_utf32(bytes: &[u8], little_endian: bool) -> Vec<u8> {
    let body = match bytes {
        [0xFF, 0xFE, 0, 0, rest @ ..] | [0, 0, 0xFE, 0xFF, rest @ ..] => rest,
        _ => bytes,
    };
    body.chunks_exact(4)
        .map(|c| {
            let v = if little_endian {
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            } else {
                u32::from_be_bytes([c[0], c[1], c[2], c[3]])
            };
            char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect::<String>()
        .into_bytes()
}

/// `Some(true)` for UTF-16LE, `Some(false)` for UTF-16BE, `None` for anything else.
fn utf16_endianness(head: &[u8]) -> Option<bool> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(true);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(false);
    }
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let zero_odd = head
        .chunks_exact(2)
        .filter(|c| c[1] == 0 && c[0] != 0)
        .count();
    let zero_even = head
        .chunks_exact(2)
        .filter(|c| c[0] == 0 && c[1] != 0)
        .count();
    if zero_odd * 10 >= pairs * 7 && zero_even * 20 <= pairs {
        Some(true)
    } else if zero_even * 10 >= pairs * 7 && zero_odd * 20 <= pairs {
        Some(false)
    } else {
        None
    }
}

/// UTF-16 (BOM optional) to UTF-8; unpaired surrogates become U+FFFD.
pub fn transcode_utf16(bytes: &[u8], little_endian: bool) -> Vec<u8> {
    let body = match bytes {
        [0xFF, 0xFE, rest @ ..] | [0xFE, 0xFF, rest @ ..] => rest,
        _ => bytes,
    };
    let units = body.chunks_exact(2).map(|c| {
        if little_endian {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

/// Maps byte offsets to 1-based line and column (column counted in characters).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        super::layers::for_each_newline(text, |i| starts.push(i + 1));
        LineIndex { starts }
    }

    /// 0-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based `line` starts (clamped to the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }

    /// Byte offset just past the end of 0-based `line` (before its newline).
    pub fn line_end(&self, line: usize, text_len: usize) -> usize {
        self.starts.get(line + 1).map(|s| s - 1).unwrap_or(text_len)
    }

    /// The number of lines.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are no lines (never true: an empty text has one empty line).
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// 1-based (line, column) of each of `offsets` (sorted ascending), the column in
    /// characters: one pass over the text however many offsets share a (minified) line.
    pub fn positions(&self, text: &[u8], offsets: &[usize]) -> Vec<(u32, u32)> {
        let mut out = Vec::with_capacity(offsets.len());
        // The line, byte offset and character column of the last position computed.
        let mut at: Option<(usize, usize, usize)> = None;
        for &offset in offsets {
            let offset = offset.min(text.len());
            let line = self.line_of(offset);
            let (from, base) = match at {
                Some((l, o, c)) if l == line && o <= offset => (o, c),
                _ => (self.starts[line], 0),
            };
            let column = base + count_chars(&text[from..offset]);
            at = Some((line, offset, column));
            out.push((line as u32 + 1, column as u32 + 1));
        }
        out
    }

    /// 1-based (line, column) of a byte offset, the column in characters.
    pub fn position(&self, text: &[u8], offset: usize) -> (u32, u32) {
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = String::from_utf8_lossy(&text[start..offset])
            .chars()
            .count()
            + 1;
        (line as u32 + 1, column as u32)
    }
}

/// The number of characters `String::from_utf8_lossy` would make of `bytes`: every byte that
/// does not continue a UTF-8 sequence starts a character (invalid bytes count one each).
fn count_chars(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    String::from_utf8_lossy(bytes).chars().count()
}

/// Undoes JSON (`\/`, `\u002B`, `\u002F`, `\u003D`) and URL (`%2F`, `%2B`, `%3D`) escaping in
/// a matched value.
pub fn unescape_value(raw: &[u8]) -> (String, Encoding) {
    let mut out = String::with_capacity(raw.len());
    let mut encoding = Encoding::Plain;
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\\' if raw.get(i + 1) == Some(&b'/') => {
                out.push('/');
                encoding = Encoding::JsonEscaped;
                i += 2;
            }
            b'\\' if raw.get(i + 1) == Some(&b'u') && raw.len() >= i + 6 => {
                let decoded = match raw[i + 2..i + 6].to_ascii_uppercase().as_slice() {
                    b"002B" => Some('+'),
                    b"002F" => Some('/'),
                    b"003D" => Some('='),
                    _ => None,
                };
                match decoded {
                    Some(c) => {
                        out.push(c);
                        encoding = Encoding::JsonEscaped;
                        i += 6;
                    }
                    None => {
                        out.push('\\');
                        i += 1;
                    }
                }
            }
            b'%' if i + 2 < raw.len() => {
                let decoded = match (raw[i + 1], raw[i + 2].to_ascii_uppercase()) {
                    (b'2', b'F') => Some('/'),
                    (b'2', b'B') => Some('+'),
                    (b'3', b'D') => Some('='),
                    _ => None,
                };
                match decoded {
                    Some(c) => {
                        out.push(c);
                        encoding = Encoding::UrlEncoded;
                        i += 3;
                    }
                    None => {
                        out.push('%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b as char);
                i += 1;
            }
        }
    }
    (out, encoding)
}

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes standard base64 (padding optional). `None` when it is not valid base64.
pub fn base64_decode(run: &[u8]) -> Option<Vec<u8>> {
    BASE64.decode(run).ok()
}

/// Encodes bytes as standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether a byte belongs to the standard base64 alphabet (without `=`).
pub fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Whether decoded bytes look like text worth scanning (mostly printable ASCII or whitespace).
pub fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    printable * 10 >= bytes.len() * 9
}

/// The characters of `prefix`'s base64 encoding that are the same wherever it starts in the
/// encoded stream, for each of the three byte alignments.
pub fn base64_anchors(prefix: &str) -> Vec<String> {
    base64_anchors_of(prefix.as_bytes())
}

/// [`base64_anchors`] of any bytes.
pub fn base64_anchors_of(prefix: &[u8]) -> Vec<String> {
    let mut anchors = Vec::new();
    for align in 0..3usize {
        let mut data = vec![0u8; align];
        data.extend_from_slice(prefix);
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&data);
        let first_bit = align * 8;
        let last_bit = (align + prefix.len()) * 8;
        let stable: String = encoded
            .chars()
            .enumerate()
            .filter(|(i, _)| i * 6 >= first_bit && (i + 1) * 6 <= last_bit)
            .map(|(_, c)| c)
            .collect();
        if stable.len() >= 4 {
            anchors.push(stable);
        }
    }
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16le_with_and_without_bom_is_transcoded() {
        let text = "Set-AWSCredential -AccessKey x\r\n";
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let (out, form) = decode_for_scan(&le);
        assert_eq!(form, TextForm::Utf16);
        assert_eq!(&*out, text.as_bytes());
        let no_bom: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode_for_scan(&no_bom).1, TextForm::Utf16);
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let (out, form) = decode_for_scan(&be);
        assert_eq!((form, &*out), (TextForm::Utf16, text.as_bytes()));
    }

    #[test]
    fn binary_and_plain_are_told_apart() {
        assert_eq!(decode_for_scan(b"hello\nworld").1, TextForm::Bytes);
        assert_eq!(
            decode_for_scan(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0").1,
            TextForm::Binary
        );
    }

    #[test]
    fn positions_are_one_based_in_characters() {
        let text = "ab\nc\u{e9}d\n".as_bytes();
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 3), (2, 1));
        // 'd' follows a two-byte character: byte offset 6, character column 3.
        assert_eq!(idx.position(text, 6), (2, 3));
    }

    #[test]
    fn values_are_unescaped() {
        assert_eq!(unescape_value(b"ab\\/cd").0, "ab/cd");
        assert_eq!(unescape_value(b"ab%2Fcd%2b").0, "ab/cd+");
        assert_eq!(unescape_value(b"ab%2Fcd").1, Encoding::UrlEncoded);
        assert_eq!(unescape_value(b"plain").1, Encoding::Plain);
    }

    #[test]
    fn base64_anchors_find_the_prefix_at_every_alignment() {
        let anchors = base64_anchors("AKIA");
        for pad in ["", "x", "xy"] {
            let encoded = base64_encode(format!("{pad}AKIAQWERTY").as_bytes());
            assert!(
                anchors.iter().any(|a| encoded.contains(a.as_str())),
                "{pad:?} {encoded}"
            );
        }
    }
}
