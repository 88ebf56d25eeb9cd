//! Where encoded layers are: base64 and hex runs on one line around an anchor hit, base64 and
//! hex blocks wrapped over several lines (what `base64`, `openssl` and `xxd -p` print), and
//! UTF-16 / UTF-32 text inside other bytes. Finding a layer and decoding it are bounded: every
//! pass is linear in the text, and decoded bytes come out of a per-blob [`Budget`].

use super::text;
use std::ops::Range;

/// Shortest base64 run worth decoding (a key ID is 20 bytes, 28 base64 characters).
pub const MIN_BASE64_RUN: usize = 24;
/// Shortest first line of a wrapped block (`base64` wraps at 76, PEM at 64, `xxd -p` at 60), and
/// shortest run the encoded-form anchors are looked for in.
pub const MIN_WRAP_WIDTH: usize = 40;

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

/// The maximal runs of at least `min` (at least 32) bytes without whitespace or control bytes,
/// in order: where every encoded value longer than `min` lies. One pass, 32 (or 16) bytes at a
/// time: only the first and last separator of each chunk matter, because a run between two
/// separators of one chunk is shorter than `min`.
pub fn long_runs(text: &[u8], min: usize) -> Vec<Range<usize>> {
    assert!(min >= 32, "runs shorter than a chunk are not tracked");
    let mut runs = Runs {
        out: Vec::new(),
        start: 0,
        min,
    };
    let mut at = chunks(text, &mut runs);
    while at < text.len() {
        if is_separator(text[at]) {
            runs.close(at, at);
        }
        at += 1;
    }
    if text.len() - runs.start >= runs.min {
        runs.out.push(runs.start..text.len());
    }
    runs.out
}

struct Runs {
    out: Vec<Range<usize>>,
    /// Where the current run started (just after the last separator).
    start: usize,
    min: usize,
}

impl Runs {
    /// A chunk at `at` whose separators are the set bits of `mask`.
    #[inline(always)]
    fn chunk(&mut self, at: usize, mask: u64) {
        if mask != 0 {
            let first = at + mask.trailing_zeros() as usize;
            let last = at + 63 - mask.leading_zeros() as usize;
            self.close(first, last);
        }
    }

    #[inline(always)]
    fn close(&mut self, first: usize, last: usize) {
        if first - self.start >= self.min {
            self.out.push(self.start..first);
        }
        self.start = last + 1;
    }
}

/// Feeds the whole chunks of `text` to `runs`; returns where the chunks end.
#[cfg(target_arch = "x86_64")]
fn chunks(text: &[u8], runs: &mut Runs) -> usize {
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is available (checked just above).
        unsafe { chunks_avx2(text, runs) }
    } else {
        let mut at = 0;
        while at + 16 <= text.len() {
            runs.chunk(at, u64::from(separators16(&text[at..at + 16])));
            at += 16;
        }
        at
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn chunks_avx2(text: &[u8], runs: &mut Runs) -> usize {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_max_epu8, _mm256_movemask_epi8,
        _mm256_set1_epi8,
    };
    let space = _mm256_set1_epi8(b' ' as i8);
    let mut at = 0;
    while at + 32 <= text.len() {
        // SAFETY: `at + 32 <= text.len()`: the unaligned load reads inside `text`.
        let v = unsafe { _mm256_loadu_si256(text.as_ptr().add(at).cast::<__m256i>()) };
        // max(v, 0x20) == 0x20 exactly for the bytes 0x00..=0x20.
        let mask = _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(v, space), space));
        runs.chunk(at, u64::from(mask as u32));
        at += 32;
    }
    at
}

/// Without SIMD, every byte goes through the scalar loop.
#[cfg(not(target_arch = "x86_64"))]
fn chunks(_text: &[u8], _runs: &mut Runs) -> usize {
    0
}

/// Calls `f` with the offset of every `\n` in `text`, in order: sixteen bytes at a time, so that
/// text with a line break every few bytes costs no more than text without any.
pub fn for_each_newline(text: &[u8], mut f: impl FnMut(usize)) {
    let mut at = 0;
    while at + 16 <= text.len() {
        let mut mask = bytes16(&text[at..at + 16], b'\n');
        while mask != 0 {
            f(at + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        at += 16;
    }
    for (i, &b) in text[at..].iter().enumerate() {
        if b == b'\n' {
            f(at + i);
        }
    }
}

/// Bit `i` set when byte `i` of the 16 is `needle`.
#[cfg(target_arch = "x86_64")]
fn bytes16(chunk: &[u8], needle: u8) -> u32 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    assert_eq!(chunk.len(), 16);
    // SAFETY: as in `separators16`.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(needle as i8))) as u32
    }
}

/// Bit `i` set when byte `i` of the 16 is `needle`.
#[cfg(not(target_arch = "x86_64"))]
fn bytes16(chunk: &[u8], needle: u8) -> u32 {
    chunk
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == needle)
        .fold(0, |m, (i, _)| m | 1 << i)
}

/// Whitespace and control bytes end a run (encoded values hold none).
fn is_separator(b: u8) -> bool {
    b <= b' '
}

/// Whether a long run holds a stretch of at least [`MIN_WRAP_WIDTH`] bytes that an encoded value
/// could be made of (the base64 alphabet, `=`, and the `%` and `\\` of escapes): most long
/// runs of code (`a.b(c,d)`) do not, and are not searched for encoded anchors.
pub fn may_hold_encoded(run: &[u8]) -> bool {
    let mut stretch = 0usize;
    for &b in run {
        // Branch-free: the stretch grows by one or falls to zero.
        stretch = (stretch + 1) * usize::from(ENCODABLE[b as usize]);
        if stretch >= MIN_WRAP_WIDTH {
            return true;
        }
    }
    false
}

/// The bytes an encoded value is made of: the base64 alphabet, `=`, `%` and `\\`.
static ENCODABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'%' | b'\\');
        b += 1;
    }
    table
};

/// Bit `i` set when byte `i` of the 16 is a separator (at most 0x20: space and control bytes).
#[cfg(target_arch = "x86_64")]
fn separators16(chunk: &[u8]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    assert_eq!(chunk.len(), 16);
    // SAFETY: SSE2 is part of the x86_64 baseline, and the load reads exactly the 16 bytes of
    // `chunk` (checked above) without alignment requirements.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let space = _mm_set1_epi8(b' ' as i8);
        // max(v, 0x20) == 0x20 exactly for the bytes 0x00..=0x20.
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, space), space)) as u32
    }
}

/// The wrapped blocks of `text` (`runs`: its [`long_runs`] of at least [`MIN_WRAP_WIDTH`]
/// bytes), in order: consecutive lines of base64 or hex characters, each a whole line after the
/// same indentation, as wide as the first but the last.
pub fn wrapped_blocks(text: &[u8], runs: &[Range<usize>]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let Some(first) = block_line(text, &runs[i]) else {
            i += 1;
            continue;
        };
        if first.padded {
            i += 1;
            continue;
        }
        let mut block = OpenBlock::new(text, first);
        let mut next = i + 1;
        while let Some(line) = next_line(text, block.span.end) {
            // A full-width line is a long run; a shorter last line is not one.
            let piece = match runs.get(next) {
                Some(r) if r.start == line.start + block.indent => block_line(text, r),
                _ => short_line(text, line, block.indent),
            };
            match piece.filter(|p| block.accepts(p)) {
                Some(p) => {
                    if p.body.len() >= MIN_WRAP_WIDTH {
                        next += 1;
                    }
                    block.push(text, p);
                    if block.closed {
                        break;
                    }
                }
                None => break,
            }
        }
        finish(block, &mut out);
        i = next.max(i + 1);
    }
    out
}

/// The line after the line break at or after `end` (its start to before its own line break).
fn next_line(text: &[u8], end: usize) -> Option<Range<usize>> {
    let mut at = end;
    if text.get(at) == Some(&b'\r') {
        at += 1;
    }
    if text.get(at) != Some(&b'\n') {
        return None;
    }
    let start = at + 1;
    let stop = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
    Some(start..stop)
}

/// A line shorter than a long run: only a block's last line.
fn short_line(text: &[u8], line: Range<usize>, indent: usize) -> Option<Piece> {
    if line.len() > indent + MIN_WRAP_WIDTH + 1 {
        return None;
    }
    let body_start = line.start + indent;
    if body_start > line.end
        || !text[line.start..body_start]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
    {
        return None;
    }
    let mut end = line.end;
    if end > body_start && text[end - 1] == b'\r' {
        end -= 1;
    }
    block_line(text, &(body_start..end))
}

/// One line's encoded characters.
struct Piece {
    indent: usize,
    body: Range<usize>,
    /// Ends with `=` padding (only a block's last line may).
    padded: bool,
}

/// A run as a block line: preceded on its line by indentation only, followed by its line break,
/// made of base64 characters (hex digits are some) with at most two `=` at the end.
fn block_line(text: &[u8], run: &Range<usize>) -> Option<Piece> {
    if run.is_empty() {
        return None;
    }
    // Only indentation may come before it on its line (walked back over, never further).
    let mut line_start = run.start;
    while line_start > 0 && matches!(text[line_start - 1], b' ' | b'\t') {
        line_start -= 1;
    }
    if line_start > 0 && text[line_start - 1] != b'\n' {
        return None;
    }
    if !matches!(text.get(run.end), None | Some(b'\n') | Some(b'\r')) {
        return None;
    }
    let first = text[run.start];
    let last = text[run.end - 1];
    if !text::is_base64_byte(first) || !(text::is_base64_byte(last) || last == b'=') {
        return None;
    }
    let mut body_end = run.end;
    while body_end > run.start && text[body_end - 1] == b'=' {
        body_end -= 1;
    }
    if run.end - body_end > 2
        || !text[run.start..body_end]
            .iter()
            .all(|&b| text::is_base64_byte(b))
    {
        return None;
    }
    Some(Piece {
        indent: run.start - line_start,
        body: run.clone(),
        padded: body_end < run.end,
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

    fn blocks_of(text: &str) -> Vec<Block> {
        let runs = long_runs(text.as_bytes(), MIN_WRAP_WIDTH);
        wrapped_blocks(text.as_bytes(), &runs)
    }

    #[test]
    fn long_runs_are_the_stretches_without_whitespace() {
        let text = format!(
            "a b {} c\t{}\r\n{}",
            "x".repeat(40),
            "y".repeat(39),
            "z".repeat(41)
        );
        let runs = long_runs(text.as_bytes(), 40);
        let got: Vec<&str> = runs.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(got, vec!["x".repeat(40), "z".repeat(41)]);
        // Every length and offset around the chunk size, against a byte-at-a-time reference.
        for len in 0..100 {
            for pad in 0..40 {
                let t = format!(
                    "{} {}  x\n{}",
                    " ".repeat(pad),
                    "q".repeat(len),
                    "z".repeat(pad)
                );
                let mut reference = Vec::new();
                let mut start = 0;
                for (i, b) in t.bytes().enumerate() {
                    if is_separator(b) {
                        if i - start >= 32 {
                            reference.push(start..i);
                        }
                        start = i + 1;
                    }
                }
                if t.len() - start >= 32 {
                    reference.push(start..t.len());
                }
                assert_eq!(long_runs(t.as_bytes(), 32), reference, "{len} {pad}");
            }
        }
    }

    #[test]
    fn every_newline_is_found_in_order() {
        for len in 0..50 {
            let text: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'x' })
                .collect();
            let mut got = Vec::new();
            for_each_newline(&text, |i| got.push(i));
            let want: Vec<usize> = (0..len).filter(|i| i % 3 == 0).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn wrapped_base64_is_one_block_whatever_the_indentation() {
        let encoded = text::base64_encode(&[b'x'; 200]);
        for indent in ["", "    "] {
            let text = format!("data: |\n{}next: 1\n", wrap(&encoded, 76, indent));
            let blocks = blocks_of(&text);
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
        let blocks = blocks_of(&text);
        assert_eq!(blocks.len(), 1);
        let (bytes, is_hex) = decode_block(&blocks[0].body).unwrap();
        assert!(is_hex);
        assert!(bytes.starts_with(b"[default]"));
        let code = "fn main() {\n    let valueWithAVeryLongNameIndeedAndMoreOfIt = 1;\n}\n";
        assert!(blocks_of(code).is_empty());
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
