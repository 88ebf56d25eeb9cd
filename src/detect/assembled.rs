//! Keys assembled in code: `"AKIA" + "GMQL…" + "…"`, Python's adjacent literals, JavaScript's
//! `+` and template pieces, shell words continued with a backslash, Java/C#/Go `+`, Ruby and
//! PHP `.`/`+`, lists joined with `"".join([...])` or `[...].join("")`.
//!
//! The prefilter costs nothing of its own: the detector's anchor pass notes a sign of an assembled
//! key (a key ID prefix anchor that did not validate as a whole key, a quoted short prefix
//! fragment such as `"AK"`, or a key ID left without its secret; `Ctx::fold_hint`), and only then
//! the text is parsed (tree-sitter, languages guessed from the content: a blob has no
//! path) and every constant string expression of two or more fragments is folded
//! ([`crate::syntax::fold::constant_strings`]). The text is scanned again with each folded
//! expression replaced by its value, so that an assembled key ID pairs with an assembled or plain
//! secret as any other; the matches inside folded expressions point at their first fragment and
//! carry the number of fragments ([`Match::assembled`]).
//!
//! A credential name alone is no sign: a secret is reported only beside its key ID (or under its
//! own label, written whole), and an assembled secret beside a whole key ID leaves that key ID
//! without a partner, which is a sign.
//!
//! Evidence: folding reads the whole text (an expression may span any number of lines), so every
//! match of a folded text has the whole text as evidence, [`super::BufferScan::folded`] says that
//! folding ran, and a window scan that sees a sign says the blob must be scanned whole
//! ([`super::window::WindowScan::needs_whole`]).
//!
//! Folding can be switched off with `ROLECALL_FOLD=0` in the environment (measurement, or a
//! user who wants the plain detector).

use super::text::LineIndex;
use super::{Ctx, Detector, Level, Match};
use crate::syntax::{fold, Language};
use std::ops::Range;

/// Texts larger than this are not folded (source files are far smaller).
const MAX_FOLD_BYTES: usize = 1 << 20;

/// Languages tried when the content names none.
const FALLBACK: [Language; 3] = [Language::Python, Language::JavaScript, Language::Bash];

/// At most this many languages are tried on one text.
const MAX_LANGUAGES: usize = 3;

/// Whether folding is on for this process (`ROLECALL_FOLD=0`, `false` or `off` turns it off).
pub(super) fn enabled_from_env() -> bool {
    !matches!(
        std::env::var("ROLECALL_FOLD").as_deref(),
        Ok("0") | Ok("false") | Ok("off") | Ok("no")
    )
}

/// One folded expression as placed in the shadow text.
struct Segment {
    /// The folded expression in the original text.
    original: Range<usize>,
    /// Its first fragment's start in the original text.
    first: usize,
    /// Its last fragment's end in the original text.
    last: usize,
    /// The replacement in the shadow text.
    shadow: Range<usize>,
    /// How many fragments it was built from.
    pieces: u32,
}

impl Detector {
    /// Whether folding runs on a text of `len` bytes whose scan left `ctx` (false when folding
    /// is off).
    pub(super) fn folds(&self, len: usize, ctx: &Ctx) -> bool {
        self.fold && ctx.fold_hint && len <= MAX_FOLD_BYTES
    }

    /// `matches` (a whole-text scan of `text`, which left `ctx`) with the keys assembled in code
    /// added, and whether folding ran: when the scan saw a sign of an assembled key and folding
    /// finds a key in a constant string expression, the text is scanned again with the folded
    /// values in place.
    pub(super) fn with_assembled(
        &self,
        text: &[u8],
        ctx: &mut Ctx,
        matches: Vec<Match>,
    ) -> (Vec<Match>, bool) {
        if !self.folds(text.len(), ctx) {
            return (matches, false);
        }
        (self.assembled(text, ctx, matches), true)
    }

    fn assembled(&self, text: &[u8], ctx: &mut Ctx, matches: Vec<Match>) -> Vec<Match> {
        let Ok(source) = std::str::from_utf8(text) else {
            return matches;
        };
        let segments_and_shadow = shadow_text(source);
        let Some((shadow, segments)) = segments_and_shadow else {
            return matches;
        };
        let found = self.scan_text(shadow.as_bytes(), ctx, Level::top(), shadow.as_bytes());
        let segment_of = |m: &Match| {
            segments
                .iter()
                .find(|s| s.shadow.start <= m.span.start && m.span.start < s.shadow.end)
        };
        // A value the plain scan found whole (a key inside one fragment of a longer word) is
        // that match, not an assembled one.
        let plain = |m: &Match| {
            matches
                .iter()
                .find(|p| p.value.expose() == m.value.expose())
        };
        let new = found
            .iter()
            .any(|m| segment_of(m).is_some() && plain(m).is_none());
        if !new {
            return matches;
        }
        let lines = LineIndex::new(text);
        let mut out: Vec<Match> = Vec::with_capacity(found.len());
        for mut m in found.iter().cloned() {
            m.span = match (segment_of(&m), plain(&m)) {
                (_, Some(p)) => p.span.clone(),
                (Some(s), None) => {
                    m.assembled = s.pieces;
                    s.first..s.last
                }
                (None, None) => {
                    to_original(&segments, m.span.start)..to_original(&segments, m.span.end)
                }
            };
            let (line, column) = lines.position(text, m.span.start);
            m.line = line;
            m.column = column;
            m.evidence = 0..text.len();
            out.push(m);
        }
        out
    }
}

/// The original offset of a shadow offset outside every segment (one inside maps to the start
/// of its expression).
fn to_original(segments: &[Segment], at: usize) -> usize {
    let mut shift: isize = 0;
    for s in segments {
        if at < s.shadow.start {
            break;
        }
        if at < s.shadow.end {
            return s.original.start;
        }
        // The shadow closes the value with a quote at `shadow.end`: the text after it starts
        // one byte later there than the expression's end in the original.
        shift = s.original.end as isize - (s.shadow.end + 1) as isize;
    }
    (at as isize + shift).max(0) as usize
}

/// `source` with every constant string expression of two or more fragments replaced by its
/// quoted value, and where each went; `None` when nothing folds.
fn shadow_text(source: &str) -> Option<(String, Vec<Segment>)> {
    let mut folded: Vec<fold::Folded> = Vec::new();
    for lang in languages(source) {
        for f in fold::constant_strings(lang, source) {
            if f.fragments.len() < 2 || f.value.len() < 16 {
                continue;
            }
            // The first language that folds an expression wins; overlapping ones are dropped.
            if folded
                .iter()
                .all(|g| g.range.end <= f.range.start || f.range.end <= g.range.start)
            {
                folded.push(f);
            }
        }
    }
    if folded.is_empty() {
        return None;
    }
    folded.sort_by_key(|f| f.range.start);
    let mut shadow = String::with_capacity(source.len());
    let mut segments = Vec::with_capacity(folded.len());
    let mut at = 0;
    for f in folded {
        shadow.push_str(&source[at..f.range.start]);
        shadow.push('"');
        let start = shadow.len();
        // A value never spans lines in the shadow: the scan sees one token where the code had
        // many.
        shadow.extend(f.value.chars().map(|c| if c == '\n' { ' ' } else { c }));
        let end = shadow.len();
        shadow.push('"');
        segments.push(Segment {
            original: f.range.clone(),
            first: f.fragments.first().map_or(f.range.start, |r| r.start),
            last: f.fragments.last().map_or(f.range.end, |r| r.end),
            shadow: start..end,
            pieces: f.fragments.len() as u32,
        });
        at = f.range.end;
    }
    shadow.push_str(&source[at..]);
    Some((shadow, segments))
}

/// The languages a text without a path may be written in, most likely first (at most
/// [`MAX_LANGUAGES`]).
fn languages(source: &str) -> Vec<Language> {
    if let Some(lang) = Language::from_shebang(source) {
        return vec![lang];
    }
    let has = |w: &str| source.contains(w);
    let mut out: Vec<Language> = Vec::new();
    let signals: [(Language, bool); 8] = [
        (Language::Php, has("<?php")),
        (Language::Go, has("package ") && (has("func ") || has(":="))),
        (
            Language::CSharp,
            has("using System") || (has("namespace ") && has("string ")),
        ),
        (
            Language::Java,
            has("public class") || has("String ") || has("import java"),
        ),
        (
            Language::Python,
            has("def ") || has("import ") || has(".join(") || has("\" \"") || has("' '"),
        ),
        (
            Language::JavaScript,
            has("const ")
                || has("let ")
                || has("function")
                || has("=>")
                || has("require(")
                || has("`"),
        ),
        (
            Language::Ruby,
            has("require '") || has("\nend") || has("puts ") || has(" do |"),
        ),
        (
            Language::Bash,
            has("export ") || has("\\\n") || has("echo "),
        ),
    ];
    for (lang, yes) in signals {
        if yes && out.len() < MAX_LANGUAGES {
            out.push(lang);
        }
    }
    if out.is_empty() {
        out.extend(FALLBACK);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;
    use crate::finding::Kind;

    fn split(value: &str, at: &[usize]) -> Vec<String> {
        let mut out = Vec::new();
        let mut from = 0;
        for &i in at {
            out.push(value[from..i].to_string());
            from = i;
        }
        out.push(value[from..].to_string());
        out
    }

    #[test]
    fn issue_10_python_adjacent_literals_pair_across_assembled_values() {
        let mut keys = FakeKeys::new(101);
        let pair = keys.pair();
        let id = split(&pair.key_id, &[4, 12]);
        let secret = split(&pair.secret, &[20]);
        let text = format!(
            "import boto3\n\nKEY = (\"{}\"\n       \"{}\" \"{}\")\nSECRET = \"{}\" \"{}\"\n",
            id[0], id[1], id[2], secret[0], secret[1]
        );
        let d = Detector::builtin();
        let found = d.scan(text.as_bytes()).matches;
        let key = found
            .iter()
            .find(|m| m.kind == Kind::AccessKeyId)
            .expect("the assembled key ID is found");
        assert_eq!(key.value.expose(), pair.key_id);
        assert_eq!(key.assembled, 3);
        assert_eq!((key.line, key.column), (3, 9));
        let secret_match = &found[key.pair.expect("paired with the assembled secret")];
        assert_eq!(secret_match.value.expose(), pair.secret);
        assert_eq!(secret_match.assembled, 2);
        assert!(found.iter().all(|m| m.evidence == (0..text.len())));
        assert!(d.scan(text.as_bytes()).folded);
    }

    #[test]
    fn issue_10_concatenations_that_form_no_key_find_nothing() {
        let text = "import os\nA = \"AKIA\" + \"not a key at all\"\nB = \"aws_secret\" \"_name\"\n";
        let d = Detector::builtin();
        let scan = d.scan(text.as_bytes());
        assert!(scan.folded, "an unvalidated AKIA anchor is a sign");
        assert!(scan.matches.is_empty());
        let example = split("AKIAIOSFODNN7EXAMPLE", &[4, 10]);
        let text = format!(
            "K = \"{}\" + \"{}\" + \"{}\"\n",
            example[0], example[1], example[2]
        );
        assert!(d.scan(text.as_bytes()).matches.is_empty());
    }
}
