//! The detector's evidence contract, for engines that scan only what changed between two
//! versions of a blob (a pack delta's inserts) instead of the whole blob.
//!
//! The contract, which the engine relies on and never guesses:
//! - Every [`Match`] states its `evidence`: the bytes whose change could change the match (its
//!   value and context, every line where a partner could pair with it, a whole encoded run;
//!   the whole text for a match that counts only because the text mentions AWS elsewhere).
//!   A match of the old version whose evidence lies inside one range copied unchanged into the
//!   new version is, shifted, a match of the new version.
//! - [`Detector::evidence_windows`] widens changed byte ranges into the windows that must be
//!   scanned so that every match whose evidence touches a changed range is found there;
//!   [`Detector::scan_windows`] scans only those windows, with whole-blob positions.
//! - [`Detector::needs_whole_blob`] says when windows do not apply at all (a transform reads the
//!   whole blob: UTF-16 or UTF-32 text anywhere in it, binary content, gzip and zip archives).
//!
//! How each decoder keeps the contract:
//! - base64 and hex runs on one line: a match's evidence covers the run's lines plus the radius.
//! - base64 and hex blocks wrapped over lines: evidence and windows widen over every line of a
//!   wrapped run (and its short last line), so a window never cuts a block.
//! - JSON `\uXXXX` and URL `%XX` escapes: unescaping is line-local, keeps every line break, and
//!   covers the lines within the labelled pairing window of an escaped key ID prefix, which is
//!   less than the evidence radius: a window holds every line whose unescaping can matter.
//! - UTF-16 / UTF-32 text, binary content and archives: whole-blob scans only.
//! - Keys assembled in code (constant folding on syntax trees): whole-blob scans only. A window
//!   that shows a sign of one says so ([`WindowScan::needs_whole`]); a blob whose own scan folded
//!   says so ([`super::BufferScan::folded`]), and versions built on it are scanned whole, since
//!   the sign may lie in text they copy.
//!
//! An engine may always fall back to [`Detector::scan`]: both paths must give the same matches.

use super::text::{self, LineIndex, TextForm};
use super::{archive, Ctx, Detector, Level, Match};
use std::collections::HashMap;
use std::ops::Range;

/// Which lines are part of a wrapped encoded run, computed once per line per scan (a giant
/// minified line is classified once, not once per match on it).
#[derive(Default)]
pub(super) struct RunLines {
    known: HashMap<usize, bool>,
}

impl RunLines {
    fn is_run(&mut self, text: &[u8], lines: &LineIndex, line: usize) -> bool {
        if let Some(&v) = self.known.get(&line) {
            return v;
        }
        let v = match run_piece(text, lines, line) {
            Piece::Long => true,
            Piece::Tail => line > 0 && run_piece(text, lines, line - 1) == Piece::Long,
            Piece::No => false,
        };
        self.known.insert(line, v);
        v
    }
}

impl Detector {
    /// Lines either side of a match within which a change can change it: the widest pairing
    /// window (labelled secrets and session tokens), plus one line of context.
    pub fn evidence_lines(&self) -> usize {
        self.rules.detector.labelled_pair_window_lines as usize + 1
    }

    /// Whether `blob` must be scanned whole because a transform reads all of it: UTF-16 or
    /// UTF-32 text (transcoded from the first byte, or found anywhere by its NUL bytes), binary
    /// content, gzip streams and zip archives.
    pub fn needs_whole_blob(&self, blob: &[u8]) -> bool {
        archive::sniff(blob).is_some()
            || text::sniff_form(blob) != TextForm::Bytes
            || memchr::memchr(0, blob).is_some()
    }

    /// The evidence of a span in `text`: whole lines from [`Self::evidence_lines`] before it to
    /// as many after it, widened over a wrapped base64 run it is part of.
    pub(super) fn evidence_around(
        &self,
        text: &[u8],
        lines: &LineIndex,
        runs: &mut RunLines,
        span: &Range<usize>,
    ) -> Range<usize> {
        let radius = self.evidence_lines();
        let first = lines.line_of(span.start).saturating_sub(radius);
        let last = lines.line_of(span.end.saturating_sub(1).max(span.start)) + radius;
        let range = lines.line_start(first)..lines.line_end(last, text.len());
        widen_over_runs(text, lines, runs, range, radius)
    }

    /// The windows of `blob` to scan so that every match whose evidence touches one of the
    /// `changed` byte ranges is found: each range widened to whole lines and by the evidence
    /// radius, over base64 runs crossing its edges, merged where windows overlap. Sorted.
    pub fn evidence_windows(&self, blob: &[u8], changed: &[Range<usize>]) -> Vec<Range<usize>> {
        // Lines are found by searching outward from each change, never by indexing the whole
        // blob: a delta's windows cost what they cover.
        let lines = Local(blob);
        // A changed region can complete a match that starts up to a radius before it and reach
        // partners a radius beyond it: twice the radius covers both sides of every match.
        let radius = 2 * self.evidence_lines();
        let mut windows: Vec<Range<usize>> = Vec::with_capacity(changed.len());
        // Seams and inserts often share lines: a range on the same lines as the one before it
        // has the same window.
        let mut previous: Option<((usize, usize), Range<usize>)> = None;
        for r in changed.iter().filter(|r| r.start <= blob.len()) {
            let end = r.end.min(blob.len());
            let lines_of = (
                lines.start_of(r.start),
                lines.end_of(end.saturating_sub(1).max(r.start)),
            );
            if let Some((key, window)) = &previous {
                if *key == lines_of {
                    windows.push(window.clone());
                    continue;
                }
            }
            let first = lines.back(lines_of.0, radius);
            let last = lines.forward(lines_of.1, radius);
            let window = widen_locally(&lines, first..last, radius);
            previous = Some((lines_of, window.clone()));
            windows.push(window);
        }
        windows.sort_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(windows.len());
        for w in windows {
            match merged.last_mut() {
                Some(last) if w.start <= last.end + 1 => last.end = last.end.max(w.end),
                _ => merged.push(w),
            }
        }
        merged
    }

    /// Scans only `windows` of `blob` (from [`Self::evidence_windows`]). Spans, evidence, lines
    /// and columns are those of the whole blob; a generic context name counts when the whole
    /// blob mentions AWS, as in a whole-blob scan. Matches are in order of position; `pair`
    /// indices refer to the returned list.
    pub fn scan_windows(&self, blob: &[u8], windows: &[Range<usize>]) -> WindowScan {
        // Whole-blob lines are indexed only when a window holds a match (rare): a window
        // without one costs only its own bytes.
        let mut lines: Option<LineIndex> = None;
        let mut runs = RunLines::default();
        let mut ctx = Ctx::new(blob.len());
        let mut out: Vec<Match> = Vec::new();
        for w in windows {
            let w = w.start.min(blob.len())..w.end.min(blob.len());
            let base = out.len();
            let found = self.scan_text(&blob[w.clone()], &mut ctx, Level::top(), blob);
            if found.is_empty() {
                continue;
            }
            let lines = lines.get_or_insert_with(|| LineIndex::new(blob));
            let line_offset = lines.line_of(w.start) as u32;
            for mut m in found {
                m.span = m.span.start + w.start..m.span.end + w.start;
                // Evidence is measured on the whole blob, never clipped at the window's edge;
                // whole-window evidence (a generic name) is whole-blob evidence.
                m.evidence = if m.evidence == (0..w.len()) {
                    0..blob.len()
                } else {
                    self.evidence_around(blob, lines, &mut runs, &m.span)
                };
                m.line += line_offset;
                m.pair = m.pair.map(|p| p + base);
                out.push(m);
            }
        }
        WindowScan {
            matches: out,
            needs_whole: self.folds(blob.len(), &ctx),
        }
    }
}

/// What a scan of windows found.
#[derive(Debug, Clone, Default)]
pub struct WindowScan {
    /// The matches, with whole-blob positions.
    pub matches: Vec<Match>,
    /// Whether a window showed a sign of a key assembled in code, so that a whole-blob scan
    /// folds constant expressions (whose matches may rest on any byte): the windows' matches
    /// are then not the blob's, and it must be scanned whole.
    pub needs_whole: bool,
}

/// Widens `range` (whole lines of `text`) while one of its edges falls inside a wrapped
/// encoded run (consecutive lines made only of base64 characters, as `base64` prints at 76
/// columns), then by `radius` lines beyond the run, so that an encoded value crossing the edge
/// is decoded whole.
fn widen_over_runs(
    text: &[u8],
    lines: &LineIndex,
    runs: &mut RunLines,
    range: Range<usize>,
    radius: usize,
) -> Range<usize> {
    let mut run_line = |line: usize| runs.is_run(text, lines, line);
    let mut first = lines.line_of(range.start);
    let mut last = lines.line_of(range.end.saturating_sub(1).max(range.start));
    let final_line = lines.len() - 1;
    loop {
        let mut grew = false;
        if first > 0 && run_line(first) && run_line(first - 1) {
            while first > 0 && run_line(first - 1) {
                first -= 1;
            }
            first = first.saturating_sub(radius);
            grew = true;
        }
        if last < final_line && run_line(last) && run_line(last + 1) {
            while last < final_line && run_line(last + 1) {
                last += 1;
            }
            last = (last + radius).min(final_line);
            grew = true;
        }
        if !grew {
            break;
        }
    }
    lines.line_start(first).min(range.start)..lines.line_end(last, text.len()).max(range.end)
}

/// Line arithmetic on byte offsets, searching outward from a position: for windows that must
/// not cost a pass over the whole text.
struct Local<'t>(&'t [u8]);

impl Local<'_> {
    /// Where the line holding `at` starts.
    fn start_of(&self, at: usize) -> usize {
        let at = at.min(self.0.len());
        memchr::memrchr(b'\n', &self.0[..at]).map_or(0, |i| i + 1)
    }

    /// Where the line holding `at` ends (before its newline).
    fn end_of(&self, at: usize) -> usize {
        let at = at.min(self.0.len());
        memchr::memchr(b'\n', &self.0[at..]).map_or(self.0.len(), |i| at + i)
    }

    /// The start of the line `n` lines above the line starting at `start`.
    fn back(&self, start: usize, n: usize) -> usize {
        if n == 0 || start == 0 {
            return start;
        }
        // The newline ending the line above is at `start - 1`; the n-th newline before that
        // ends the line above the one we want.
        nth_newline_back(&self.0[..start - 1], n).map_or(0, |i| i + 1)
    }

    /// The end of the line `n` lines below the line ending at `end`.
    fn forward(&self, end: usize, n: usize) -> usize {
        if n == 0 || end >= self.0.len() {
            return end.min(self.0.len());
        }
        // `end` is a newline; the n-th newline after it ends the wanted line.
        nth_newline(&self.0[end + 1..], n).map_or(self.0.len(), |i| end + 1 + i)
    }

    /// What the line starting at `start` is to a wrapped run.
    fn piece(&self, start: usize) -> Piece {
        piece_of(&self.0[start..self.end_of(start)])
    }

    /// Whether the line starting at `start` belongs to a wrapped run (a long piece, or the short
    /// last line after one).
    fn is_run(&self, start: usize) -> bool {
        match self.piece(start) {
            Piece::Long => true,
            Piece::Tail => start > 0 && self.piece(self.start_of(start - 1)) == Piece::Long,
            Piece::No => false,
        }
    }
}

/// Newlines are counted a block at a time (a loop the compiler turns into vector compares):
/// windows step over dozens of short lines, and a search call per line costs more than the
/// bytes it reads.
const NEWLINE_BLOCK: usize = 64;

/// How many newlines a block of at most [`NEWLINE_BLOCK`] bytes holds. Counted in a `u8` (a
/// block holds at most 64): a `usize` count makes the compiler widen every byte to 64 bits and
/// compare four bytes a step instead of sixteen.
fn newlines_in(block: &[u8]) -> usize {
    debug_assert!(block.len() <= NEWLINE_BLOCK);
    usize::from(
        block
            .iter()
            .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))),
    )
}

/// Where the `n`-th newline (1-based) of `hay` is, counting from its start.
fn nth_newline(hay: &[u8], n: usize) -> Option<usize> {
    let mut left = n;
    let mut base = 0;
    for block in hay.chunks(NEWLINE_BLOCK) {
        let count = newlines_in(block);
        if count >= left {
            return memchr::memchr_iter(b'\n', block)
                .nth(left - 1)
                .map(|i| base + i);
        }
        left -= count;
        base += block.len();
    }
    None
}

/// Where the `n`-th newline (1-based) of `hay` is, counting back from its end.
fn nth_newline_back(hay: &[u8], n: usize) -> Option<usize> {
    let mut left = n;
    let mut end = hay.len();
    for block in hay.rchunks(NEWLINE_BLOCK) {
        let start = end - block.len();
        let count = newlines_in(block);
        if count >= left {
            return memchr::memrchr_iter(b'\n', block)
                .nth(left - 1)
                .map(|i| start + i);
        }
        left -= count;
        end = start;
    }
    None
}

/// [`widen_over_runs`] on byte offsets: `range` runs from a line start to a line end.
fn widen_locally(lines: &Local<'_>, range: Range<usize>, radius: usize) -> Range<usize> {
    let (mut first, mut last) = (range.start, range.end);
    let len = lines.0.len();
    loop {
        let mut grew = false;
        if first > 0 && lines.is_run(first) && lines.is_run(lines.start_of(first - 1)) {
            while first > 0 && lines.is_run(lines.start_of(first - 1)) {
                first = lines.start_of(first - 1);
            }
            first = lines.back(first, radius);
            grew = true;
        }
        if last < len {
            let next = last + 1;
            if lines.is_run(lines.start_of(last)) && lines.is_run(next) {
                while last < len && lines.is_run(last + 1) {
                    last = lines.end_of(last + 1);
                }
                last = lines.forward(last, radius);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    first..last
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// At least 16 characters, all from the base64 alphabet (or `=` padding).
    Long,
    /// A shorter line of such characters: a wrapped run's last line when a long one precedes it.
    Tail,
    No,
}

/// What 0-based `line` is to a wrapped base64 (or hex) run, after optional indentation.
fn run_piece(text: &[u8], lines: &LineIndex, line: usize) -> Piece {
    piece_of(&text[lines.line_start(line)..lines.line_end(line, text.len())])
}

/// What one line's text is to a wrapped base64 (or hex) run, after optional indentation.
fn piece_of(body: &[u8]) -> Piece {
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(body.len());
    let body = &body[start..];
    if body.is_empty() || !body.iter().all(|&b| text::is_base64_byte(b) || b == b'=') {
        Piece::No
    } else if body.len() >= 16 {
        Piece::Long
    } else {
        Piece::Tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;

    /// The windows as an index over the whole blob gives them (the first version of
    /// `evidence_windows`): the local line search must give exactly these.
    fn reference_windows(d: &Detector, blob: &[u8], changed: &[Range<usize>]) -> Vec<Range<usize>> {
        let lines = LineIndex::new(blob);
        let mut runs = RunLines::default();
        let radius = 2 * d.evidence_lines();
        let mut windows: Vec<Range<usize>> = changed
            .iter()
            .filter(|r| r.start <= blob.len())
            .map(|r| {
                let end = r.end.min(blob.len());
                let first = lines.line_of(r.start).saturating_sub(radius);
                let last = lines.line_of(end.saturating_sub(1).max(r.start)) + radius;
                let range = lines.line_start(first)..lines.line_end(last, blob.len());
                widen_over_runs(blob, &lines, &mut runs, range, radius)
            })
            .collect();
        windows.sort_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for w in windows {
            match merged.last_mut() {
                Some(last) if w.start <= last.end + 1 => last.end = last.end.max(w.end),
                _ => merged.push(w),
            }
        }
        merged
    }

    proptest::proptest! {
        #[test]
        fn local_windows_equal_indexed_windows(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("plain text, with words".to_string()),
                    "[A-Za-z0-9+/]{16,76}",
                    "[A-Za-z0-9+/=]{1,15}",
                    proptest::strategy::Just(String::new()),
                    "  [A-Za-z0-9]{20}",
                ],
                0..120,
            ),
            cuts in proptest::collection::vec((0usize..4000, 0usize..80), 1..6),
        ) {
            let blob = lines.join("\n");
            let d = Detector::shared();
            let changed: Vec<Range<usize>> = cuts
                .iter()
                .map(|&(at, len)| {
                    let at = at.min(blob.len());
                    at..(at + len).min(blob.len())
                })
                .collect();
            proptest::prop_assert_eq!(
                d.evidence_windows(blob.as_bytes(), &changed),
                reference_windows(d, blob.as_bytes(), &changed)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn block_counted_newlines_are_the_nth_newlines(
            hay in proptest::collection::vec(proptest::prop_oneof![9 => 32u8..127, 2 => proptest::strategy::Just(b'\n')], 0..600),
            n in 1usize..60,
        ) {
            proptest::prop_assert_eq!(nth_newline(&hay, n), memchr::memchr_iter(b'\n', &hay).nth(n - 1));
            proptest::prop_assert_eq!(nth_newline_back(&hay, n), memchr::memrchr_iter(b'\n', &hay).nth(n - 1));
        }
    }

    /// Lines of filler text that hold no credential.
    fn filler(n: usize) -> String {
        (0..n)
            .map(|i| format!("value_{i} = compute(alpha, beta, {i})\n"))
            .collect()
    }

    fn key_of(m: &Match) -> (usize, u32, u32, String, crate::finding::Severity) {
        (
            m.span.start,
            m.line,
            m.column,
            m.value.expose().to_string(),
            m.severity,
        )
    }

    #[test]
    fn a_window_around_a_change_finds_what_the_whole_scan_finds_there() {
        let pair = FakeKeys::new(5).pair();
        let text = format!(
            "{}aws_access_key_id = {}\n{}aws_secret_access_key = {}\n{}",
            filler(80),
            pair.key_id,
            filler(3),
            pair.secret,
            filler(80)
        );
        let detector = Detector::builtin();
        let whole = detector.scan(text.as_bytes()).matches;
        assert_eq!(whole.len(), 2);
        // The change: the line holding the secret.
        let at = text.find(&pair.secret).unwrap();
        let windows =
            detector.evidence_windows(text.as_bytes(), std::slice::from_ref(&(at..at + 40)));
        assert_eq!(windows.len(), 1);
        assert!(windows[0].len() < text.len() / 2, "{windows:?}");
        let part = detector.scan_windows(text.as_bytes(), &windows).matches;
        let mut a: Vec<_> = whole.iter().map(key_of).collect();
        let mut b: Vec<_> = part.iter().map(key_of).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert_eq!(part[0].pair, Some(1));
    }

    #[test]
    fn evidence_covers_the_pairing_window_and_generic_names_cover_everything() {
        let pair = FakeKeys::new(6).pair();
        let text = format!(
            "{}key = {}\n{}secret_key = {}\n{}import boto3\n",
            filler(20),
            pair.key_id,
            filler(2),
            pair.secret,
            filler(20)
        );
        let detector = Detector::builtin();
        let found = detector.scan(text.as_bytes()).matches;
        let key = found.iter().find(|m| m.key.is_some()).unwrap();
        let lines = LineIndex::new(text.as_bytes());
        let first = lines.line_of(key.evidence.start) as u32 + 1;
        let last = lines.line_of(key.evidence.end.saturating_sub(1)) as u32 + 1;
        assert_eq!(key.line - first, detector.evidence_lines() as u32);
        assert_eq!(last - key.line, detector.evidence_lines() as u32);
        let secret = found.iter().find(|m| m.key.is_none()).unwrap();
        assert_eq!(
            secret.evidence,
            0..text.len(),
            "secret_key counts only with boto3"
        );
    }

    #[test]
    fn windows_grow_over_a_wrapped_base64_run() {
        let pair = FakeKeys::new(7).pair();
        let doc = format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n{}",
            pair.key_id,
            pair.secret,
            filler(30)
        );
        let encoded = text::base64_encode(doc.as_bytes());
        let wrapped: String = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        let blob = format!("{}data: |\n{}{}", filler(30), wrapped, filler(30));
        let detector = Detector::builtin();
        let start = blob.find("data: |").unwrap() + 8;
        let mid = start + wrapped.len() / 2;
        let windows =
            detector.evidence_windows(blob.as_bytes(), std::slice::from_ref(&(mid..mid + 1)));
        assert_eq!(windows.len(), 1);
        assert!(windows[0].start <= start && windows[0].end >= start + wrapped.len() - 1);
    }

    #[test]
    fn utf16_and_binary_need_the_whole_blob() {
        let detector = Detector::builtin();
        let utf16: Vec<u8> = "hello world\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(detector.needs_whole_blob(&utf16));
        assert!(detector.needs_whole_blob(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"));
        assert!(!detector.needs_whole_blob(b"plain text\n"));
    }
}
