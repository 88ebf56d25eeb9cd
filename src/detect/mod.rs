//! The detector: finds AWS credentials in a byte buffer.
//!
//! One Aho-Corasick pass over the text finds every anchor of every rule (key ID prefixes, context
//! words, session-token prefixes, Bedrock and AppSync prefixes) and of the encoded forms of key
//! IDs (base64, hex, JSON and URL escapes; UTF-16 and UTF-32 in buffers with NUL bytes). Each
//! rule's regex then runs only in the windows around its anchors. Values are validated
//! ([`validate`], [`tokens`]), paired (a key ID and its secret within a few lines make a
//! critical finding), and encoded layers are opened ([`layers`], [`escapes`], [`archive`]):
//! UTF-16 and UTF-32 text is transcoded, base64 and hex runs and wrapped blocks that hide a key
//! are decoded and scanned again (up to [`MAX_DEPTH`] layers deep, within a budget of decoded
//! bytes), escaped values are unescaped, gzip streams and zip members are inflated within bounds.
//!
//! The output is a list of [`Match`]es with byte spans: reports turn them into
//! [`Finding`](crate::finding::Finding)s, remediation uses the spans to rewrite code.
//!
//! ## The inline allow marker
//! `rolecall:allow` (the `allow_marker` of the rules) annotates one credential on its line: the
//! match that starts nearest before the marker, or, when no match starts before it on that
//! line, the first one after it — with the partner paired with it (a key ID and its secret are
//! one credential). Other credentials on the same line are still reported.
//!
//! ## Keys assembled in code
//! Constant folding (`assembled`) runs only where the scan itself saw a sign of an assembled key,
//! at no cost of its own: a key ID prefix anchor (`AKIA`, `ASIA`) that did not validate as a
//! whole key, a quoted short prefix fragment (`"AK"`, `'AS'`: patterns of the same anchor
//! automaton), or a key ID left without its secret. Only then is the text parsed and its constant
//! string expressions folded and scanned again: matches found that way carry
//! [`Match::assembled`], and [`BufferScan::folded`] says that the text's matches may rest on any
//! byte of it. `ROLECALL_FOLD=0` (or [`Detector::with_folding`]) switches folding off.

pub mod anchors;
pub mod archive;
mod assembled;
mod decode;
mod engine;
pub mod escapes;
pub mod layers;
mod pairing;
pub mod text;
pub mod tokens;
pub mod validate;
pub mod window;

use crate::error::{Error, ErrorKind, Result};
use crate::finding::{fingerprint, Encoding, Kind, Secret, Severity};
use crate::rules::{Check, RuleSet};
use aho_corasick::{AhoCorasick, MatchKind};
use anchors::Layer;
use regex::bytes::Regex;
use std::ops::Range;
use text::TextForm;
pub use tokens::TokenFacts;
pub use validate::KeyFacts;

/// How many encoded layers are opened inside each other (base64 in base64 in base64, in a
/// wrapped block).
pub const MAX_DEPTH: u8 = 4;

/// One credential found in a buffer.
#[derive(Debug, Clone)]
pub struct Match {
    /// Id of the rule that matched.
    pub rule: String,
    /// What it is.
    pub kind: Kind,
    /// How bad it is (after pairing).
    pub severity: Severity,
    /// The decoded value. Never print it: use [`Secret::redacted`].
    pub value: Secret,
    /// Byte span in the scanned text. For base64 and hex layers: the whole encoded run or
    /// wrapped block; for escaped values: the escaped text; for UTF-16/UTF-32 text inside other
    /// bytes: the encoded characters; for archive members: the whole archive.
    pub span: Range<usize>,
    /// 1-based line of the span's start (in an archive member: in the member).
    pub line: u32,
    /// 1-based column (in characters) of the span's start.
    pub column: u32,
    /// How the value was encoded (the outermost layer).
    pub encoding: Encoding,
    /// Index (in the same list) of the partner this match is paired with.
    pub pair: Option<usize>,
    /// Whether an inline allow marker annotates this match (see the module docs for its scope).
    pub inline_allowed: bool,
    /// Facts for key IDs.
    pub key: Option<KeyFacts>,
    /// Facts for bearer tokens and API keys (Bedrock, AppSync).
    pub token: Option<TokenFacts>,
    /// The archive member it is in (`dir/file`, nested members joined with `!`).
    pub member: Option<String>,
    /// The bytes of the scanned text whose change could change this match (its value, its
    /// context, and every line where a partner could pair with it). A match whose evidence
    /// lies inside text copied unchanged from another version is the same match there (see
    /// [`window`]).
    pub evidence: Range<usize>,
    /// How many fragments the value was assembled from in code (`"AKIA" + "…"`, adjacent
    /// literals, joined lists); 0 for a value written whole. The span then runs from the first
    /// fragment to the last.
    pub assembled: u32,
}

impl Match {
    /// The stable fingerprint of this match's value.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.kind, self.value.expose())
    }

    /// The 12-digit account the credential belongs to, decoded offline.
    pub fn account_id(&self) -> Option<&str> {
        self.key
            .as_ref()
            .and_then(|k| k.account_id.as_deref())
            .or_else(|| self.token.as_ref().and_then(|t| t.account_id.as_deref()))
    }

    /// What the credential is, for people.
    pub fn key_type(&self) -> Option<&str> {
        self.key
            .as_ref()
            .map(|k| k.key_type.as_str())
            .or_else(|| self.token.as_ref().map(|t| t.key_type.as_str()))
    }

    /// The IAM principal, where the credential names it.
    pub fn principal(&self) -> Option<&str> {
        self.token.as_ref().and_then(|t| t.principal.as_deref())
    }

    /// When the credential stops working, where it says.
    pub fn expires(&self) -> Option<&str> {
        self.token.as_ref().and_then(|t| t.expires.as_deref())
    }
}

/// The result of scanning one buffer.
#[derive(Debug, Clone, Default)]
pub struct BufferScan {
    /// What was found, in order of position.
    pub matches: Vec<Match>,
    /// Whether the buffer was transcoded from UTF-16 (positions refer to the decoded text).
    pub utf16: bool,
    /// Whether the buffer looked binary.
    pub binary: bool,
    /// Whether constant folding ran on the text (the scan saw a sign of a key assembled in
    /// code): its matches may rest on any byte of it, so a version built on it by a delta must
    /// be scanned whole.
    pub folded: bool,
    /// Whether a decoder stopped at a bound (an archive member over its size or ratio limit,
    /// the budget of decoded bytes spent): part of the content was not read.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy)]
enum Trigger {
    Rule(usize),
    Layer(Layer),
    /// A quoted key ID prefix fragment (`"AK"`): a sign of a key assembled in code.
    Fold,
}

struct CompiledRule {
    id: String,
    kind: Kind,
    check: Check,
    regex: Regex,
    window_before: usize,
    window_after: usize,
    /// No anchors: runs only around pairable key IDs and counts only when paired.
    paired: bool,
    pairs_with: Vec<String>,
}

/// The compiled detector. Cheap to share between threads (`Sync`).
pub struct Detector {
    rules: RuleSet,
    compiled: Vec<CompiledRule>,
    /// Rule anchors and the cheap encoded forms (Teddy-sized).
    anchors: AhoCorasick,
    triggers: Vec<Trigger>,
    /// Encoded forms found only in long runs without whitespace (Teddy-sized).
    encoded: AhoCorasick,
    encoded_layers: Vec<Layer>,
    /// UTF-16 and UTF-32 forms (run only over buffers with a NUL byte).
    wide: AhoCorasick,
    wide_layers: Vec<Layer>,
    hints: AhoCorasick,
    /// Anchorless rules that run around pairable key IDs.
    paired_rules: Vec<usize>,
    /// Whether keys assembled in code are folded (on unless `ROLECALL_FOLD=0`).
    fold: bool,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("rules", &self.compiled.len())
            .finish()
    }
}

impl Detector {
    /// The detector with rolecall's built-in rules.
    pub fn builtin() -> Detector {
        Detector::new(RuleSet::builtin()).expect("the built-in rules compile (tested)")
    }

    /// The built-in detector, compiled once per process (compiling the rules costs about a
    /// millisecond; a hook run or a rewrite would otherwise pay it several times).
    pub fn shared() -> &'static Detector {
        static SHARED: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
        SHARED.get_or_init(Detector::builtin)
    }

    /// Compiles a rule set.
    pub fn new(rules: RuleSet) -> Result<Detector> {
        let mut compiled = Vec::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut triggers = Vec::new();
        let mut paired_rules = Vec::new();
        for (i, rule) in rules.rule.iter().enumerate() {
            let regex = Regex::new(&rule.pattern)
                .map_err(|e| Error::new(ErrorKind::Rules(format!("rule {}: {e}", rule.id))))?;
            let anchors: Vec<String> = if rule.check == Check::KeyId {
                rules.key_prefix.iter().map(|p| p.prefix.clone()).collect()
            } else {
                rule.anchors.clone()
            };
            let paired = anchors.is_empty() && rule.check != Check::KeyId;
            if paired {
                paired_rules.push(i);
            }
            for a in anchors {
                patterns.push(a.into_bytes());
                triggers.push(Trigger::Rule(i));
            }
            compiled.push(CompiledRule {
                id: rule.id.clone(),
                kind: rule.kind,
                check: rule.check,
                regex,
                window_before: rule.window_before,
                window_after: rule.window_after,
                paired,
                pairs_with: rule.pairs_with.clone(),
            });
        }
        let pairable: Vec<&str> = rules
            .key_prefix
            .iter()
            .filter(|p| p.pairable && p.prefix.len() == 4)
            .map(|p| p.prefix.as_str())
            .collect();
        for (anchor, layer) in anchors::core(&pairable) {
            patterns.push(anchor);
            triggers.push(Trigger::Layer(layer));
        }
        // Long-term and temporary access keys only: `ABIA`/`ACCA` fragments (`'AB'`, `"AC"`) are
        // everywhere in code and tests.
        let access: Vec<&str> = pairable
            .iter()
            .copied()
            .filter(|p| ACCESS_KEY_PREFIXES.contains(p))
            .collect();
        for fragment in fold_fragments(&access) {
            patterns.push(fragment.into_bytes());
            triggers.push(Trigger::Fold);
        }
        let build = |patterns: &[Vec<u8>]| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(patterns)
                .map_err(|e| Error::new(ErrorKind::Rules(e.to_string())))
        };
        let anchors = build(&patterns)?;
        let (encoded_patterns, encoded_layers): (Vec<Vec<u8>>, Vec<Layer>) =
            anchors::encoded(&pairable).into_iter().unzip();
        let encoded = build(&encoded_patterns)?;
        let (wide_patterns, wide_layers): (Vec<Vec<u8>>, Vec<Layer>) =
            anchors::wide(&pairable).into_iter().unzip();
        let wide = build(&wide_patterns)?;
        let hints = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&rules.detector.aws_hints)
            .map_err(|e| Error::new(ErrorKind::Rules(e.to_string())))?;
        Ok(Detector {
            rules,
            compiled,
            anchors,
            triggers,
            encoded,
            encoded_layers,
            wide,
            wide_layers,
            hints,
            paired_rules,
            fold: assembled::enabled_from_env(),
        })
    }

    /// This detector with folding of keys assembled in code switched on or off (the default
    /// follows `ROLECALL_FOLD`).
    pub fn with_folding(mut self, on: bool) -> Detector {
        self.fold = on;
        self
    }

    /// The rule set this detector was built from.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scans a buffer (any bytes: UTF-8, UTF-16, UTF-32, binary, gzip, zip).
    pub fn scan(&self, bytes: &[u8]) -> BufferScan {
        let mut ctx = Ctx::new(bytes.len());
        let mut out = self.scan_blob(bytes, &mut ctx, 0);
        out.truncated |= ctx.budget.exhausted;
        out
    }

    /// `text` with every credential the detector finds in it replaced by its redacted form
    /// (`AKIA…XY`): for echoing scanned names and messages (paths, commit subjects, ref names,
    /// config lines) without printing a whole secret.
    pub fn redact_in<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let mut ctx = Ctx::new(text.len());
        let found = self.scan_text(text.as_bytes(), &mut ctx, Level::top(), text.as_bytes());
        // What a scan of the same text reports, folded values included: a value the folding
        // view finds must be hidden too.
        let (found, _) = self.with_assembled(text.as_bytes(), &mut ctx, found);
        if found.is_empty() {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut spans: Vec<(Range<usize>, String)> = found
            .iter()
            .map(|m| (m.span.clone(), m.value.redacted()))
            .collect();
        spans.sort_by_key(|(span, _)| span.start);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (span, shown) in spans {
            if span.start < at || !text.is_char_boundary(span.start) {
                continue;
            }
            let end = (span.end..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(text.len());
            out.push_str(&text[at..span.start]);
            out.push_str(&shown);
            at = end;
        }
        out.push_str(&text[at..]);
        std::borrow::Cow::Owned(out)
    }

    /// Scans a blob: an archive's members, or its text (after transcoding UTF-16 and UTF-32).
    fn scan_blob(&self, bytes: &[u8], ctx: &mut Ctx, archive_depth: u8) -> BufferScan {
        if archive_depth < archive::MAX_DEPTH {
            if let Some(kind) = archive::sniff(bytes) {
                if let Some(out) = self.scan_archive(bytes, kind, ctx, archive_depth) {
                    return out;
                }
            }
        }
        let (text, form) = text::decode_for_scan(bytes);
        ctx.fold_hint = false;
        let matches = self.scan_text(&text, ctx, Level::top(), &text);
        let (mut matches, folded) = self.with_assembled(&text, ctx, matches);
        if form == TextForm::Utf32 {
            for m in matches.iter_mut().filter(|m| m.encoding == Encoding::Plain) {
                m.encoding = Encoding::Utf32;
            }
        }
        BufferScan {
            matches,
            utf16: form == TextForm::Utf16,
            binary: form == TextForm::Binary,
            truncated: false,
            folded,
        }
    }
}

/// The key ID prefixes of access keys whose pieces are signs of an assembled key (an anchor of
/// one that does not validate as a whole key, or a quoted fragment of one).
const ACCESS_KEY_PREFIXES: [&str; 2] = ["AKIA", "ASIA"];

/// Quoted key ID prefix fragments (`"AK"`, `'ASI'`) shorter than a prefix: the start of a key
/// ID assembled from pieces that split its prefix (a longer piece holds the prefix anchor itself).
fn fold_fragments(pairable: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in pairable {
        for len in 2..p.len() {
            for q in ['"', '\'', '`'] {
                out.push(format!("{q}{}{q}", &p[..len]));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// State shared by the layers of one blob's scan.
struct Ctx {
    /// Decoded bytes the text layers of the current blob may still produce.
    budget: layers::Budget,
    /// Inflated bytes the current top-level archive may still produce.
    allowance: Option<archive::Allowance>,
    /// The time short-term tokens are judged at (Unix seconds).
    now: u64,
    /// Whether the top-level text showed a sign of a key assembled in code (see `assembled`).
    fold_hint: bool,
}

impl Ctx {
    fn new(len: usize) -> Ctx {
        Ctx {
            budget: layers::Budget::for_len(len),
            allowance: None,
            now: tokens::now(),
            fold_hint: false,
        }
    }
}

/// Where a scan of text sits among the layers.
#[derive(Debug, Clone, Copy)]
struct Level {
    /// Encoded layers that may still be opened below.
    depth: u8,
    /// Whether escaped values may still be unescaped (once per text).
    escapes: bool,
}

impl Level {
    fn top() -> Level {
        Level {
            depth: MAX_DEPTH,
            escapes: true,
        }
    }

    fn below(self) -> Level {
        Level {
            depth: self.depth.saturating_sub(1),
            escapes: true,
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_forms;
#[cfg(test)]
mod tests_windows;
