//! Opening encoded layers: base64 and hex runs and wrapped blocks, UTF-16 and UTF-32 text inside
//! other bytes, escaped values, and archive members. Every decoded byte is paid for from the
//! blob's budget; a layer's matches take the layer's span and evidence.

use super::anchors::Layer;
use super::archive::{self, ArchiveKind};
use super::engine::Hits;
use super::layers::{self, Block, MIN_BASE64_RUN};
use super::text::{self, LineIndex};
use super::window::RunLines;
use super::{escapes, BufferScan, Ctx, Detector, Level, Match};
use crate::finding::Encoding;
use std::ops::Range;

impl Detector {
    /// Opens every encoded layer of `text` that an anchor or the block structure points at and
    /// appends what the layers hold to `out` (whose plain matches are sorted by position).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn open_layers(
        &self,
        text: &[u8],
        lines: &LineIndex,
        runs: &mut RunLines,
        hits: &Hits,
        blocks: &[Block],
        ctx: &mut Ctx,
        level: Level,
        out: &mut Vec<Match>,
    ) {
        let mut taken: Vec<Range<usize>> = out.iter().map(|m| m.span.clone()).collect();
        taken.sort_by_key(|s| s.start);
        for block in blocks {
            if !ctx.budget.take(block.body.len()) {
                continue;
            }
            let Some((decoded, hex)) = layers::decode_block(&block.body) else {
                continue;
            };
            let encoding = if hex { Encoding::Hex } else { Encoding::Base64 };
            self.open(
                text,
                lines,
                runs,
                block.span.clone(),
                decoded,
                encoding,
                ctx,
                level,
                out,
            );
        }
        let in_block = |at: usize| {
            let i = blocks.partition_point(|b| b.span.end <= at);
            blocks.get(i).is_some_and(|b| b.span.start <= at)
        };
        let mut done_until = 0;
        for &(layer, at) in &hits.layers {
            if at < done_until || in_block(at) {
                continue;
            }
            let (run, width) = match layer {
                Layer::Base64 => (layers::base64_run(text, at), 1),
                Layer::Hex => (layers::hex_run(text, at), 1),
                Layer::Utf16(le) => (layers::wide_run(text, at, 2, le), 2),
                Layer::Utf32(le) => (layers::wide_run(text, at, 4, le), 4),
                Layer::JsonEscapes | Layer::UrlEscapes => continue,
            };
            done_until = run.end.max(at + 1);
            // A key ID is 20 characters: 40 hex digits, 40 or 80 bytes of UTF-16 or UTF-32.
            let long_enough = match layer {
                Layer::Base64 => run.len() >= MIN_BASE64_RUN,
                Layer::Hex => run.len() >= 40,
                _ => run.len() >= 20 * width,
            };
            if !long_enough || overlaps_any(&taken, &run) || !ctx.budget.take(run.len()) {
                continue;
            }
            let bytes = &text[run.clone()];
            // The byte of each code unit that holds the (ASCII) character.
            let char_byte = match layer {
                Layer::Utf16(false) => 1,
                Layer::Utf32(false) => 3,
                _ => 0,
            };
            let ascii = || -> Vec<u8> {
                bytes
                    .iter()
                    .skip(char_byte)
                    .step_by(width)
                    .copied()
                    .collect()
            };
            let (decoded, encoding) = match layer {
                Layer::Base64 => (text::base64_decode(bytes), Encoding::Base64),
                Layer::Hex => (layers::hex_decode(bytes), Encoding::Hex),
                Layer::Utf16(_) => (Some(ascii()), Encoding::Utf16),
                _ => (Some(ascii()), Encoding::Utf32),
            };
            let Some(decoded) = decoded else {
                continue;
            };
            match layer {
                Layer::Utf16(_) | Layer::Utf32(_) => {
                    self.open_wide(text, run, width, decoded, encoding, ctx, level, out)
                }
                _ => self.open(text, lines, runs, run, decoded, encoding, ctx, level, out),
            }
        }
    }

    /// Scans decoded bytes of the layer at `span` (when they are text); their matches take the
    /// layer's span, encoding and evidence.
    #[allow(clippy::too_many_arguments)]
    fn open(
        &self,
        text: &[u8],
        lines: &LineIndex,
        runs: &mut RunLines,
        span: Range<usize>,
        decoded: Vec<u8>,
        encoding: Encoding,
        ctx: &mut Ctx,
        level: Level,
        out: &mut Vec<Match>,
    ) {
        let Some(inner_text) = layers::as_text(decoded) else {
            return;
        };
        let found = self.scan_text(&inner_text, ctx, level.below(), &inner_text);
        if found.is_empty() {
            return;
        }
        let evidence = self.evidence_around(text, lines, runs, &span);
        let base = out.len();
        for mut inner in found {
            inner.span = span.clone();
            inner.evidence = evidence.clone();
            inner.encoding = encoding;
            inner.pair = inner.pair.map(|p| p + base);
            out.push(inner);
        }
    }

    /// Scans UTF-16 or UTF-32 text found inside other bytes (`decoded`: one byte per character of
    /// `run`); spans map back to the encoded characters. The evidence is the whole text (such
    /// blobs are always scanned whole).
    #[allow(clippy::too_many_arguments)]
    fn open_wide(
        &self,
        text: &[u8],
        run: Range<usize>,
        width: usize,
        decoded: Vec<u8>,
        encoding: Encoding,
        ctx: &mut Ctx,
        level: Level,
        out: &mut Vec<Match>,
    ) {
        let found = self.scan_text(&decoded, ctx, level.below(), &decoded);
        let base = out.len();
        for mut inner in found {
            let map = |at: usize| run.start + at * width;
            inner.span = map(inner.span.start)..map(inner.span.end);
            inner.evidence = 0..text.len();
            if inner.encoding == Encoding::Plain {
                inner.encoding = encoding;
            }
            inner.pair = inner.pair.map(|p| p + base);
            out.push(inner);
        }
    }

    /// When escaped key ID prefixes were hit: scans the text with the lines near them unescaped,
    /// mapping every match back to the escaped text. `None` when nothing was escaped.
    pub(super) fn scan_unescaped(
        &self,
        text: &[u8],
        lines: &LineIndex,
        hits: &Hits,
        ctx: &mut Ctx,
        level: Level,
        hint_text: &[u8],
    ) -> Option<Vec<Match>> {
        let at: Vec<usize> = hits
            .layers
            .iter()
            .filter(|(l, _)| matches!(l, Layer::JsonEscapes | Layer::UrlEscapes))
            .map(|(_, at)| *at)
            .collect();
        if at.is_empty() {
            return None;
        }
        let radius = self.rules.detector.labelled_pair_window_lines as usize;
        let unescaped = escapes::unescape_near(text, lines, &at, radius)?;
        if !ctx.budget.take(unescaped.text.len()) {
            return None;
        }
        let inner_level = Level {
            depth: level.depth,
            escapes: false,
        };
        let mut found = self.scan_text(&unescaped.text, ctx, inner_level, hint_text);
        let whole = 0..unescaped.text.len();
        let mut runs = RunLines::default();
        let offsets: Vec<usize> = found
            .iter()
            .map(|m| unescaped.original(&m.span).start)
            .collect();
        for m in found.iter_mut() {
            let original = unescaped.original(&m.span);
            if m.encoding == Encoding::Plain && unescaped.was_escaped(&m.span) {
                m.encoding = match text.get(original.start) {
                    Some(b'%') => Encoding::UrlEncoded,
                    _ => Encoding::JsonEscaped,
                };
            }
            m.evidence = if m.evidence == whole {
                0..text.len()
            } else {
                self.evidence_around(text, lines, &mut runs, &original)
            };
            m.span = original;
        }
        // Unescaping keeps the order of positions: one pass computes every position.
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        let sorted: Vec<usize> = order.iter().map(|&i| offsets[i]).collect();
        for (&i, (line, column)) in order.iter().zip(lines.positions(text, &sorted)) {
            found[i].line = line;
            found[i].column = column;
        }
        Some(found)
    }

    /// Scans the members of an archive as blobs of their own. `None` when the bytes are not a
    /// readable archive (they are then scanned as they are).
    pub(super) fn scan_archive(
        &self,
        bytes: &[u8],
        kind: ArchiveKind,
        ctx: &mut Ctx,
        depth: u8,
    ) -> Option<BufferScan> {
        let mut allowance = ctx
            .allowance
            .take()
            .unwrap_or_else(|| archive::Allowance::for_archive(bytes.len()));
        let members = archive::members(bytes, kind, &mut allowance);
        let mut out = BufferScan {
            binary: true,
            ..BufferScan::default()
        };
        let Some(members) = members else {
            ctx.allowance = (depth > 0).then_some(allowance);
            return None;
        };
        let encoding = match kind {
            ArchiveKind::Gzip => Encoding::Gzip,
            ArchiveKind::Zip => Encoding::ArchiveMember,
        };
        ctx.allowance = Some(allowance);
        for member in members {
            let outer_budget =
                std::mem::replace(&mut ctx.budget, layers::Budget::for_len(member.bytes.len()));
            let inner = self.scan_blob(&member.bytes, ctx, depth + 1);
            out.truncated |= inner.truncated || ctx.budget.exhausted;
            ctx.budget = outer_budget;
            let base = out.matches.len();
            for mut m in inner.matches {
                m.member = match (&member.name, m.member.take()) {
                    (Some(outer), Some(inner)) => Some(format!("{outer}!{inner}")),
                    (Some(outer), None) => Some(outer.clone()),
                    (None, inner) => inner,
                };
                m.span = 0..bytes.len();
                m.evidence = 0..bytes.len();
                m.encoding = encoding;
                m.pair = m.pair.map(|p| p + base);
                out.matches.push(m);
            }
        }
        let allowance = ctx.allowance.take().expect("set above");
        out.truncated |= allowance.truncated;
        if depth > 0 {
            ctx.allowance = Some(allowance);
        }
        Some(out)
    }
}

/// Whether `span` overlaps one of `sorted` (sorted by start, non-nested spans of matches).
fn overlaps_any(sorted: &[Range<usize>], span: &Range<usize>) -> bool {
    let i = sorted.partition_point(|s| s.end <= span.start);
    sorted[i..]
        .iter()
        .take_while(|s| s.start < span.end)
        .any(|s| s.start < span.end && span.start < s.end)
}
