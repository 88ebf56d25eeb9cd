//! The detector: finds AWS credentials in a byte buffer.
//!
//! One Aho-Corasick pass over the text finds every anchor of every rule (key ID prefixes, context
//! words, session-token prefixes, and the base64 forms of access key prefixes). Each rule's regex
//! then runs only in the windows around its anchors. Values are validated ([`validate`]), paired
//! (a key ID and its secret within a few lines make a critical finding), and encoded layers are
//! opened: UTF-16 files are transcoded, base64 runs that hide a key are decoded and scanned again,
//! JSON- and URL-escaped values are unescaped.
//!
//! The output is a list of [`Match`]es with byte spans: reports turn them into
//! [`Finding`](crate::finding::Finding)s, remediation uses the spans to rewrite code.

pub mod text;
pub mod validate;
pub mod window;

use crate::error::{Error, ErrorKind, Result};
use crate::finding::{fingerprint, Encoding, Kind, Secret, Severity};
use crate::rules::{Check, RuleSet};
use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;
use std::ops::Range;
use text::{LineIndex, TextForm};
pub use validate::KeyFacts;

/// How deep base64 layers are opened (base64 inside base64 inside the file).
const MAX_DEPTH: u8 = 2;
/// Shortest base64 run worth decoding (a key ID is 20 bytes, 28 base64 characters).
const MIN_BASE64_RUN: usize = 24;

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
    /// Byte span in the scanned text (for base64 layers: the whole encoded run).
    pub span: Range<usize>,
    /// 1-based line of the span's start.
    pub line: u32,
    /// 1-based column (in characters) of the span's start.
    pub column: u32,
    /// How the value was encoded.
    pub encoding: Encoding,
    /// Index (in the same list) of the partner this match is paired with.
    pub pair: Option<usize>,
    /// Whether the line carries the inline allow marker.
    pub inline_allowed: bool,
    /// Facts for key IDs.
    pub key: Option<KeyFacts>,
    /// The bytes of the scanned text whose change could change this match (its value, its
    /// context, and every line where a partner could pair with it). A match whose evidence
    /// lies inside text copied unchanged from another version is the same match there (see
    /// [`window`]).
    pub evidence: Range<usize>,
}

impl Match {
    /// The stable fingerprint of this match's value.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.kind, self.value.expose())
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
}

#[derive(Debug, Clone, Copy)]
enum Trigger {
    Rule(usize),
    Base64KeyId,
}

struct CompiledRule {
    id: String,
    kind: Kind,
    check: Check,
    regex: Regex,
    window_before: usize,
    window_after: usize,
}

/// The compiled detector. Cheap to share between threads (`Sync`).
pub struct Detector {
    rules: RuleSet,
    compiled: Vec<CompiledRule>,
    anchors: AhoCorasick,
    triggers: Vec<Trigger>,
    hints: AhoCorasick,
    paired_rule: Option<usize>,
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
        let mut patterns: Vec<String> = Vec::new();
        let mut triggers = Vec::new();
        let mut paired_rule = None;
        for (i, rule) in rules.rule.iter().enumerate() {
            let regex = Regex::new(&rule.pattern)
                .map_err(|e| Error::new(ErrorKind::Rules(format!("rule {}: {e}", rule.id))))?;
            let anchors: Vec<String> = if rule.check == Check::KeyId {
                rules.key_prefix.iter().map(|p| p.prefix.clone()).collect()
            } else {
                rule.anchors.clone()
            };
            if anchors.is_empty() && rule.check == Check::Secret {
                paired_rule = Some(i);
            }
            for a in anchors {
                patterns.push(a);
                triggers.push(Trigger::Rule(i));
            }
            compiled.push(CompiledRule {
                id: rule.id.clone(),
                kind: rule.kind,
                check: rule.check,
                regex,
                window_before: rule.window_before,
                window_after: rule.window_after,
            });
        }
        for p in rules
            .key_prefix
            .iter()
            .filter(|p| p.pairable && p.prefix.len() == 4)
        {
            for a in text::base64_anchors(&p.prefix) {
                patterns.push(a);
                triggers.push(Trigger::Base64KeyId);
            }
        }
        let anchors = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
            .map_err(|e| Error::new(ErrorKind::Rules(e.to_string())))?;
        let hints = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&rules.detector.aws_hints)
            .map_err(|e| Error::new(ErrorKind::Rules(e.to_string())))?;
        Ok(Detector {
            rules,
            compiled,
            anchors,
            triggers,
            hints,
            paired_rule,
        })
    }

    /// The rule set this detector was built from.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scans a buffer (any bytes: UTF-8, UTF-16, binary).
    pub fn scan(&self, bytes: &[u8]) -> BufferScan {
        let (text, form) = text::decode_for_scan(bytes);
        let matches = self.scan_text(&text, MAX_DEPTH, &text);
        BufferScan {
            matches,
            utf16: form == TextForm::Utf16,
            binary: form == TextForm::Binary,
        }
    }

    /// `text` with every credential the detector finds in it replaced by its redacted form
    /// (`AKIA…XY`): for echoing scanned names and messages (paths, commit subjects, ref names,
    /// config lines) without printing a whole secret.
    pub fn redact_in<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let found = self.scan_text(text.as_bytes(), MAX_DEPTH, text.as_bytes());
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

    /// Scans already-decoded text, opening up to `depth` base64 layers. A generic context name
    /// counts only when `hint_text` (the whole text `text` is part of) mentions AWS.
    fn scan_text(&self, text: &[u8], depth: u8, hint_text: &[u8]) -> Vec<Match> {
        let mut hits: Vec<(usize, Range<usize>)> = Vec::new();
        let mut base64_hits: Vec<usize> = Vec::new();
        for m in self.anchors.find_iter(text) {
            match self.triggers[m.pattern().as_usize()] {
                Trigger::Rule(r) => hits.push((r, m.start()..m.end())),
                Trigger::Base64KeyId => base64_hits.push(m.start()),
            }
        }
        if hits.is_empty() && base64_hits.is_empty() {
            return Vec::new();
        }
        let mut raw: Vec<Raw> = Vec::new();
        let mut hint_cache: Option<bool> = None;
        for (r, region) in self.merged_windows(text.len(), &hits) {
            self.run_rule_region(text, r, region, &mut raw, &mut hint_cache, hint_text);
        }
        if raw.is_empty() && base64_hits.is_empty() {
            return Vec::new();
        }
        let lines = LineIndex::new(text);
        if let Some(paired) = self.paired_rule {
            self.run_paired_rule(text, paired, &lines, &mut raw);
        }
        dedupe(&mut raw);
        let mut matches: Vec<Match> = raw
            .into_iter()
            .map(|r| self.to_match(text, &lines, r))
            .collect();
        if depth > 0 && !base64_hits.is_empty() {
            self.open_base64_layers(text, &lines, &base64_hits, depth, &mut matches);
        }
        matches.sort_by_key(|m| (m.span.start, m.kind));
        self.pair(&mut matches);
        matches
    }

    /// The windows around each rule's anchor hits, merged where they overlap, so that text dense
    /// with anchors is searched once per rule instead of once per anchor.
    fn merged_windows(
        &self,
        len: usize,
        hits: &[(usize, Range<usize>)],
    ) -> Vec<(usize, Range<usize>)> {
        let mut windows: Vec<(usize, Range<usize>)> = hits
            .iter()
            .map(|(r, hit)| {
                let rule = &self.compiled[*r];
                let start = hit.start.saturating_sub(rule.window_before);
                let end = (hit.end + rule.window_after).min(len);
                (*r, start..end)
            })
            .collect();
        windows.sort_by_key(|(r, w)| (*r, w.start));
        let mut merged: Vec<(usize, Range<usize>)> = Vec::with_capacity(windows.len());
        for (r, w) in windows {
            match merged.last_mut() {
                Some((lr, last)) if *lr == r && w.start <= last.end => {
                    last.end = last.end.max(w.end)
                }
                _ => merged.push((r, w)),
            }
        }
        merged
    }

    fn run_rule_region(
        &self,
        text: &[u8],
        r: usize,
        region: Range<usize>,
        out: &mut Vec<Raw>,
        hint_cache: &mut Option<bool>,
        hint_text: &[u8],
    ) {
        let rule = &self.compiled[r];
        let start = region.start;
        // The DFA finds match bounds cheaply; the slower capture engine runs only on matches.
        for found in rule.regex.find_iter(&text[region.clone()]) {
            let at = start + found.start();
            let Some(caps) = rule.regex.captures(&text[at..start + found.end()]) else {
                continue;
            };
            let Some(value) = caps.name("value") else {
                continue;
            };
            let span = at + value.start()..at + value.end();
            let generic_name = caps
                .name("name")
                .map(|n| !mentions_aws(n.as_bytes()))
                .unwrap_or(false);
            if generic_name && !*hint_cache.get_or_insert_with(|| self.hints.is_match(hint_text)) {
                continue;
            }
            if let Some(mut raw) = self.validate(text, r, span) {
                raw.generic = generic_name;
                out.push(raw);
            }
        }
    }

    /// Runs the unlabelled-secret rule in the lines around each pairable key ID.
    fn run_paired_rule(&self, text: &[u8], r: usize, lines: &LineIndex, out: &mut Vec<Raw>) {
        let window = self.rules.detector.pair_window_lines as usize;
        let key_lines: Vec<usize> = out
            .iter()
            .filter(|raw| raw.key.as_ref().is_some_and(|k| k.pairable))
            .map(|raw| lines.line_of(raw.span.start))
            .collect();
        let mut done_until = 0;
        for line in key_lines {
            let start = lines
                .line_start(line.saturating_sub(window))
                .max(done_until);
            let end = lines.line_end(line + window, text.len());
            if start >= end {
                continue;
            }
            done_until = end;
            let region = &text[start..end];
            for m in self.compiled[r].regex.find_iter(region) {
                let span = start + m.start()..start + m.end();
                if let Some(raw) = self.validate(text, r, span) {
                    out.push(raw);
                }
            }
        }
    }

    /// Validates a candidate span for rule `r`; `None` when it is not a credential.
    fn validate(&self, text: &[u8], r: usize, span: Range<usize>) -> Option<Raw> {
        let rule = &self.compiled[r];
        let settings = &self.rules.detector;
        let before = span.start.checked_sub(1).map(|i| text[i]);
        let after = text.get(span.end).copied();
        let raw = &text[span.clone()];
        match rule.check {
            Check::KeyId => {
                if before.is_some_and(|b| b.is_ascii_alphanumeric())
                    || after.is_some_and(|b| b.is_ascii_alphanumeric())
                {
                    return None;
                }
                let key = std::str::from_utf8(raw).ok()?;
                let row = self.rules.prefix_of(key)?;
                if !validate::plausible_key_id(key, settings) {
                    return None;
                }
                Some(Raw {
                    rule: r,
                    value: key.to_string(),
                    span,
                    encoding: Encoding::Plain,
                    key: Some(validate::key_facts(key, row)),
                    severity: row.severity,
                    generic: false,
                })
            }
            Check::Secret => {
                if before.is_some_and(text::is_base64_byte)
                    || after.is_some_and(text::is_base64_byte)
                {
                    return None;
                }
                let (value, encoding) = decode_secret(raw)?;
                if !validate::plausible_secret(&value, settings) {
                    return None;
                }
                Some(Raw {
                    rule: r,
                    value,
                    span,
                    encoding,
                    key: None,
                    severity: Severity::High,
                    generic: false,
                })
            }
            Check::SessionToken => {
                if before.is_some_and(text::is_base64_byte)
                    || after.is_some_and(text::is_base64_byte)
                {
                    return None;
                }
                let (value, encoding) = text::unescape_value(raw);
                if !validate::plausible_session_token(&value, settings) {
                    return None;
                }
                Some(Raw {
                    rule: r,
                    value,
                    span,
                    encoding,
                    key: None,
                    severity: Severity::Medium,
                    generic: false,
                })
            }
        }
    }

    fn to_match(&self, text: &[u8], lines: &LineIndex, raw: Raw) -> Match {
        let (line, column) = lines.position(text, raw.span.start);
        let rule = &self.compiled[raw.rule];
        // A generic name counts only because the text mentions AWS somewhere: any change of
        // the text can change that.
        let evidence = if raw.generic {
            0..text.len()
        } else {
            self.evidence_around(text, lines, &raw.span)
        };
        Match {
            rule: rule.id.clone(),
            kind: rule.kind,
            severity: raw.severity,
            value: Secret::new(raw.value),
            inline_allowed: self.line_has_marker(text, lines, raw.span.start),
            span: raw.span,
            line,
            column,
            encoding: raw.encoding,
            pair: None,
            key: raw.key,
            evidence,
        }
    }

    fn line_has_marker(&self, text: &[u8], lines: &LineIndex, offset: usize) -> bool {
        let line = lines.line_of(offset);
        let region = &text[lines.line_start(line)..lines.line_end(line, text.len())];
        memchr::memmem::find(region, self.rules.detector.allow_marker.as_bytes()).is_some()
    }

    /// Decodes base64 runs that contain an encoded access key prefix and scans what they hide.
    fn open_base64_layers(
        &self,
        text: &[u8],
        lines: &LineIndex,
        hits: &[usize],
        depth: u8,
        out: &mut Vec<Match>,
    ) {
        let mut done_until = 0;
        for &hit in hits {
            if hit < done_until {
                continue;
            }
            let run = base64_run(text, hit);
            done_until = run.end;
            if run.len() < MIN_BASE64_RUN || out.iter().any(|m| overlaps(&m.span, &run)) {
                continue;
            }
            let Some(decoded) = text::base64_decode(&text[run.clone()]) else {
                continue;
            };
            if !text::looks_like_text(&decoded) {
                continue;
            }
            let (line, column) = lines.position(text, run.start);
            let allowed = self.line_has_marker(text, lines, run.start);
            let base = out.len();
            let evidence = self.evidence_around(text, lines, &run);
            for mut inner in self.scan_text(&decoded, depth - 1, &decoded) {
                inner.span = run.clone();
                inner.evidence = evidence.clone();
                inner.line = line;
                inner.column = column;
                inner.encoding = Encoding::Base64;
                inner.inline_allowed |= allowed;
                inner.pair = inner.pair.map(|p| p + base);
                out.push(inner);
            }
        }
    }

    /// Pairs secrets and session tokens with the nearest access key ID within the window.
    fn pair(&self, matches: &mut Vec<Match>) {
        let window = self.rules.detector.pair_window_lines;
        let paired_rule_id = self.paired_rule.map(|r| self.compiled[r].id.clone());
        let keys: Vec<usize> = (0..matches.len())
            .filter(|&i| matches[i].key.as_ref().is_some_and(|k| k.pairable))
            .collect();
        for kind in [Kind::SecretAccessKey, Kind::SessionToken] {
            for i in 0..matches.len() {
                if matches[i].kind != kind || matches[i].pair.is_some() {
                    continue;
                }
                let line = matches[i].line;
                let best = keys
                    .iter()
                    .copied()
                    .filter(|&k| {
                        matches[k].line.abs_diff(line) <= window
                            && (kind == Kind::SessionToken || matches[k].pair.is_none())
                    })
                    .min_by_key(|&k| (matches[k].line.abs_diff(line), matches[k].line > line));
                if let Some(k) = best {
                    matches[i].pair = Some(k);
                    if kind == Kind::SecretAccessKey {
                        matches[k].pair = Some(i);
                        matches[k].severity = Severity::Critical;
                        matches[i].severity = Severity::Critical;
                    } else if matches[k].severity == Severity::Critical {
                        matches[i].severity = Severity::Critical;
                    }
                }
            }
        }
        // Tokens paired before their key got its secret take the key's final severity.
        for i in 0..matches.len() {
            if matches[i].kind == Kind::SessionToken {
                if let Some(k) = matches[i].pair {
                    matches[i].severity = matches[i].severity.max(matches[k].severity);
                }
            }
        }
        // An unlabelled 40-character string is a secret only next to its key ID.
        if let Some(id) = paired_rule_id {
            let drop: Vec<bool> = matches
                .iter()
                .map(|m| m.rule == id && m.pair.is_none())
                .collect();
            if drop.iter().any(|d| *d) {
                remove_and_reindex(matches, &drop);
            }
        }
    }
}

/// A validated candidate before positions are computed.
struct Raw {
    rule: usize,
    value: String,
    span: Range<usize>,
    encoding: Encoding,
    key: Option<KeyFacts>,
    severity: Severity,
    /// Found under a generic context name, which counts only in text that mentions AWS.
    generic: bool,
}

/// Keeps one candidate per span start and kind; the earlier (more specific) rule wins.
fn dedupe(raw: &mut Vec<Raw>) {
    raw.sort_by_key(|r| (r.span.start, r.rule));
    raw.dedup_by(|later, earlier| {
        earlier.span.start == later.span.start && earlier.value == later.value
    });
}

/// A secret value: plain, JSON/URL-escaped, or base64 of a 40-character secret.
fn decode_secret(raw: &[u8]) -> Option<(String, Encoding)> {
    let (value, encoding) = text::unescape_value(raw);
    let trimmed = value.trim_end_matches('=');
    if trimmed.len() == 40 {
        return Some((trimmed.to_string(), encoding));
    }
    if encoding == Encoding::Plain && (52..=60).contains(&raw.len()) {
        let decoded = text::base64_decode(raw)?;
        let decoded = String::from_utf8(decoded).ok()?;
        let decoded = decoded.trim_end_matches(['\n', '\r']);
        if decoded.len() == 40 {
            return Some((decoded.to_string(), Encoding::Base64));
        }
    }
    None
}

/// Whether a context name is AWS-specific by itself (`AWS_SECRET`, `SecretAccessKey`,
/// `X-Amz-Security-Token`) rather than generic (`secret_key`, `session_token`).
fn mentions_aws(name: &[u8]) -> bool {
    let folded: Vec<u8> = name
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    ["aws".as_bytes(), b"amz", b"secretaccesskey"]
        .iter()
        .any(|w| memchr::memmem::find(&folded, w).is_some())
}

/// The maximal run of base64 characters (plus trailing `=`) around `at`.
fn base64_run(text: &[u8], at: usize) -> Range<usize> {
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

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn remove_and_reindex(matches: &mut Vec<Match>, drop: &[bool]) {
    let mut new_index = vec![None; matches.len()];
    let mut next = 0;
    for (i, d) in drop.iter().enumerate() {
        if !d {
            new_index[i] = Some(next);
            next += 1;
        }
    }
    let mut i = 0;
    matches.retain(|_| {
        let keep = !drop[i];
        i += 1;
        keep
    });
    for m in matches.iter_mut() {
        m.pair = m.pair.and_then(|p| new_index[p]);
    }
}

#[cfg(test)]
mod tests;
