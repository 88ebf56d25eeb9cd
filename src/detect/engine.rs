//! One text's scan: anchors, rule windows, validation, paired rules, layers, pairing, positions,
//! evidence and markers.

use super::anchors::Layer;
use super::layers;
use super::text::{self, LineIndex};
use super::window::RunLines;
use super::{pairing, tokens, validate, Ctx, Detector, Level, Match, Trigger};
use crate::finding::{Encoding, Kind, Secret, Severity};
use crate::rules::Check;
use std::ops::Range;

/// Anchor hits of one text.
#[derive(Default)]
pub(super) struct Hits {
    /// (rule, anchor span)
    pub rules: Vec<(usize, Range<usize>)>,
    /// (layer, anchor start)
    pub layers: Vec<(Layer, usize)>,
    /// Whether a quoted key ID prefix fragment (`"AK"`) was seen.
    pub fold: bool,
}

/// A validated candidate before positions are computed.
pub(super) struct Raw {
    pub rule: usize,
    pub value: String,
    pub span: Range<usize>,
    pub encoding: Encoding,
    pub key: Option<super::KeyFacts>,
    pub token: Option<super::TokenFacts>,
    pub severity: Severity,
    /// Found under a generic context name, which counts only in text that mentions AWS.
    pub generic: bool,
    /// Under a secret-like label: pairs within the labelled window.
    pub labelled: bool,
}

impl Detector {
    /// Scans already-decoded text, opening encoded layers below it. A generic context name
    /// counts only when `hint_text` (the whole text `text` is part of) mentions AWS.
    pub(super) fn scan_text(
        &self,
        text: &[u8],
        ctx: &mut Ctx,
        level: Level,
        hint_text: &[u8],
    ) -> Vec<Match> {
        let runs = if level.depth > 0 {
            layers::long_runs(text, layers::MIN_WRAP_WIDTH)
        } else {
            Vec::new()
        };
        let hits = self.find_hits(text, level, &runs);
        // Signs of an assembled key count in the plain text only, never in text a decoder or
        // unescaping produced (unescaped bytes of test data spell anything).
        let top = level.depth == super::MAX_DEPTH && level.escapes;
        ctx.fold_hint |= top && hits.fold;
        let blocks = layers::wrapped_blocks(text, &runs);
        if hits.rules.is_empty() && hits.layers.is_empty() && blocks.is_empty() {
            return Vec::new();
        }
        let escaped = hits
            .layers
            .iter()
            .any(|(l, _)| matches!(l, Layer::JsonEscapes | Layer::UrlEscapes));
        if escaped && level.escapes && level.depth > 0 {
            let lines = LineIndex::new(text);
            if let Some(found) = self.scan_unescaped(text, &lines, &hits, ctx, level, hint_text) {
                return found;
            }
        }
        let mut raw: Vec<Raw> = Vec::new();
        let mut hint_cache: Option<bool> = None;
        for (r, region) in self.merged_windows(text.len(), &hits.rules) {
            self.run_rule_region(text, r, region, &mut raw, &mut hint_cache, hint_text, ctx);
        }
        if top && !ctx.fold_hint {
            ctx.fold_hint = self.unvalidated_prefix(text, &hits, &raw);
        }
        if raw.is_empty() && hits.layers.is_empty() && blocks.is_empty() {
            return Vec::new();
        }
        // Line starts are indexed only for texts with something to place.
        let lines = LineIndex::new(text);
        let mut docs: Vec<usize> = Vec::new();
        if !self.paired_rules.is_empty() && !raw.is_empty() {
            self.run_paired_rules(text, &lines, &mut raw, &mut docs, ctx);
        }
        dedupe(&mut raw);
        let mut matches: Vec<Match> = Vec::with_capacity(raw.len());
        let mut reach_of: Vec<u32> = Vec::with_capacity(raw.len());
        for r in raw {
            reach_of.push(self.reach_of(&r));
            matches.push(self.to_match(r));
        }
        let mut runs = RunLines::default();
        if level.depth > 0 {
            self.open_layers(
                text,
                &lines,
                &mut runs,
                &hits,
                &blocks,
                ctx,
                level,
                &mut matches,
            );
        }
        self.finish(text, &lines, &mut runs, &mut matches, reach_of, &docs);
        if top && !ctx.fold_hint {
            ctx.fold_hint = matches.iter().any(|m| self.lone_pairable_key(m));
        }
        matches
    }

    /// Whether a pairable key ID prefix anchor (`AKIA`, `ASIA`) did not validate as a whole key
    /// ID: a piece of a key assembled in code (`"AKIA" + "…"`, `AKIA\` continued on the next
    /// line).
    fn unvalidated_prefix(&self, text: &[u8], hits: &Hits, raw: &[Raw]) -> bool {
        hits.rules.iter().any(|(r, at)| {
            self.compiled[*r].check == Check::KeyId
                && super::ACCESS_KEY_PREFIXES
                    .iter()
                    .any(|p| text.get(at.clone()) == Some(p.as_bytes()))
                && !raw
                    .iter()
                    .any(|k| k.key.is_some() && k.span.start == at.start)
        })
    }

    /// Whether `m` is a pairable key ID left without a partner (its secret may be assembled).
    fn lone_pairable_key(&self, m: &Match) -> bool {
        m.kind == Kind::AccessKeyId
            && m.pair.is_none()
            && m.key.as_ref().is_some_and(|k| k.pairable)
    }

    /// Every anchor hit of every automaton that applies to `text` (`runs`: its long runs without
    /// whitespace, where the encoded forms are looked for).
    fn find_hits(&self, text: &[u8], level: Level, runs: &[Range<usize>]) -> Hits {
        let mut hits = Hits::default();
        for m in self.anchors.find_iter(text) {
            match self.triggers[m.pattern().as_usize()] {
                Trigger::Rule(r) => hits.rules.push((r, m.start()..m.end())),
                Trigger::Layer(layer) => hits.layers.push((layer, m.start())),
                Trigger::Fold => hits.fold = true,
            }
        }
        if level.depth == 0 {
            hits.layers.clear();
            return hits;
        }
        for run in runs
            .iter()
            .filter(|r| layers::may_hold_encoded(&text[(*r).clone()]))
        {
            hits.layers
                .extend(self.encoded.find_iter(&text[run.clone()]).map(|m| {
                    (
                        self.encoded_layers[m.pattern().as_usize()],
                        run.start + m.start(),
                    )
                }));
        }
        if memchr::memchr(0, text).is_some() {
            hits.layers.extend(
                self.wide
                    .find_iter(text)
                    .map(|m| (self.wide_layers[m.pattern().as_usize()], m.start())),
            );
        }
        hits.layers.sort_by_key(|(_, at)| *at);
        hits
    }

    /// Sorts the matches by position, computes positions (and the evidence of plain matches:
    /// layer matches carry their layer's), pairs, applies markers, and drops unpaired
    /// paired-rule matches and key IDs documented with AWS's example secret.
    pub(super) fn finish(
        &self,
        text: &[u8],
        lines: &LineIndex,
        runs: &mut RunLines,
        matches: &mut Vec<Match>,
        mut reach_of: Vec<u32>,
        docs: &[usize],
    ) {
        let labelled = self.rules.detector.labelled_pair_window_lines;
        reach_of.resize(matches.len(), labelled);
        let mut order: Vec<usize> = (0..matches.len()).collect();
        order.sort_by_key(|&i| (matches[i].span.start, matches[i].kind));
        permute(matches, &mut reach_of, &order);
        let offsets: Vec<usize> = matches.iter().map(|m| m.span.start).collect();
        for (m, (line, column)) in matches.iter_mut().zip(lines.positions(text, &offsets)) {
            m.line = line;
            m.column = column;
            if m.evidence == (0..0) {
                m.evidence = self.evidence_around(text, lines, runs, &m.span);
            } else if m.evidence == (0..usize::MAX) {
                m.evidence = 0..text.len();
            }
        }
        let prefixes: Vec<&[String]> = matches
            .iter()
            .map(|m| {
                self.compiled
                    .iter()
                    .find(|c| c.id == m.rule)
                    .map(|c| c.pairs_with.as_slice())
                    .unwrap_or(&[])
            })
            .collect();
        pairing::pair(
            matches,
            &pairing::Reach {
                lines: reach_of,
                prefixes,
            },
        );
        pairing::apply_markers(
            text,
            self.rules.detector.allow_marker.as_bytes(),
            matches,
            |at| lines.line_of(at),
        );
        let docs: Vec<(usize, u32)> = docs
            .iter()
            .map(|&at| (at, lines.line_of(at) as u32 + 1))
            .collect();
        let mut drop: Vec<bool> = matches
            .iter()
            .map(|m| m.pair.is_none() && self.compiled.iter().any(|c| c.paired && c.id == m.rule))
            .collect();
        for k in pairing::documented(matches, &docs, labelled) {
            drop[k] = true;
        }
        if drop.iter().any(|d| *d) {
            remove_and_reindex(matches, &drop);
        }
    }

    /// How far a candidate may pair: unlabelled secrets within the pairing window, labelled
    /// ones and session tokens within the wider labelled window.
    fn reach_of(&self, raw: &Raw) -> u32 {
        let d = &self.rules.detector;
        if raw.labelled || self.compiled[raw.rule].kind == Kind::SessionToken {
            d.labelled_pair_window_lines
        } else {
            d.pair_window_lines
        }
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

    #[allow(clippy::too_many_arguments)]
    fn run_rule_region(
        &self,
        text: &[u8],
        r: usize,
        region: Range<usize>,
        out: &mut Vec<Raw>,
        hint_cache: &mut Option<bool>,
        hint_text: &[u8],
        ctx: &Ctx,
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
            if let Some(mut raw) = self.validate(text, r, span, ctx) {
                raw.generic = generic_name;
                raw.labelled = caps.name("name").is_some();
                out.push(raw);
            }
        }
    }

    /// Runs the anchorless rules in the lines around each pairable key ID (of the prefixes each
    /// rule pairs with). Records where AWS's documented example secret sits (`docs`).
    fn run_paired_rules(
        &self,
        text: &[u8],
        lines: &LineIndex,
        out: &mut Vec<Raw>,
        docs: &mut Vec<usize>,
        ctx: &Ctx,
    ) {
        let window = self.rules.detector.labelled_pair_window_lines as usize;
        let marker = self.rules.detector.documentation_marker.as_bytes();
        let keys: Vec<(usize, String)> = out
            .iter()
            .filter_map(|raw| raw.key.as_ref().filter(|k| k.pairable).map(|k| (raw, k)))
            .map(|(raw, k)| (lines.line_of(raw.span.start), k.prefix.clone()))
            .collect();
        for &r in &self.paired_rules {
            let rule = &self.compiled[r];
            let mut done_until = 0;
            for (line, prefix) in &keys {
                if !rule.pairs_with.is_empty() && !rule.pairs_with.contains(prefix) {
                    continue;
                }
                let start = lines
                    .line_start(line.saturating_sub(window))
                    .max(done_until);
                let end = lines.line_end(line + window, text.len());
                if start >= end {
                    continue;
                }
                done_until = end;
                for m in rule.regex.find_iter(&text[start..end]) {
                    let Some(caps) = rule.regex.captures(m.as_bytes()) else {
                        continue;
                    };
                    let Some(value) = caps.name("value") else {
                        continue;
                    };
                    let span = start + m.start() + value.start()..start + m.start() + value.end();
                    let candidate = &text[span.clone()];
                    if candidate.len() == 40 && memchr::memmem::find(candidate, marker).is_some() {
                        docs.push(span.start);
                        continue;
                    }
                    if let Some(mut raw) = self.validate(text, r, span, ctx) {
                        raw.labelled = caps.name("name").is_some()
                            || self.secret_label_before(text, raw.span.start);
                        out.push(raw);
                    }
                }
            }
        }
    }

    /// Whether the identifier just before `at` on its line (`aws_sk = "…"`, `"sk": "…"`) is a
    /// secret-like label.
    fn secret_label_before(&self, text: &[u8], at: usize) -> bool {
        // A label sits just before its value: look back a bounded distance on the line (never
        // to the start of a minified line, once per value).
        let from = at.saturating_sub(LABEL_REACH);
        let line_start = memchr::memrchr(b'\n', &text[from..at]).map_or(from, |i| from + i + 1);
        let before = &text[line_start..at];
        // Skip the assignment between the label and the value: quotes, spaces, `=`, `:`, `,`,
        // `>`, `(`, `[`.
        let mut end = before.len();
        while end > 0 && b" \t\"'`=:,>([{@".contains(&before[end - 1]) {
            end -= 1;
        }
        let mut start = end;
        while start > 0
            && (before[start - 1].is_ascii_alphanumeric() || b"_-.".contains(&before[start - 1]))
        {
            start -= 1;
        }
        let folded: String = before[start..end]
            .iter()
            .filter(|b| b.is_ascii_alphanumeric())
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
        let d = &self.rules.detector;
        !folded.is_empty()
            && (d
                .secret_label_words
                .iter()
                .any(|w| folded.contains(w.as_str()))
                || d.secret_label_names.contains(&folded))
    }

    /// Validates a candidate span for rule `r`; `None` when it is not a credential.
    fn validate(&self, text: &[u8], r: usize, span: Range<usize>, ctx: &Ctx) -> Option<Raw> {
        let rule = &self.compiled[r];
        let settings = &self.rules.detector;
        let before = span.start.checked_sub(1).map(|i| text[i]);
        let after = text.get(span.end).copied();
        let raw = &text[span.clone()];
        let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
        let b64 = |b: Option<u8>| b.is_some_and(text::is_base64_byte);
        let mut out = Raw {
            rule: r,
            value: String::new(),
            span,
            encoding: Encoding::Plain,
            key: None,
            token: None,
            severity: Severity::High,
            generic: false,
            labelled: false,
        };
        match rule.check {
            Check::KeyId => {
                if word(before) || word(after) {
                    return None;
                }
                let key = std::str::from_utf8(raw).ok()?;
                let row = self.rules.prefix_of(key)?;
                if !validate::plausible_key_id(key, settings) {
                    return None;
                }
                out.value = key.to_string();
                out.key = Some(validate::key_facts(key, row));
                out.severity = row.severity;
            }
            Check::Secret => {
                if b64(before) || b64(after) {
                    return None;
                }
                let (value, encoding) = decode_secret(raw)?;
                if !validate::plausible_secret(&value, settings) {
                    return None;
                }
                out.value = value;
                out.encoding = encoding;
            }
            Check::SessionToken => {
                if b64(before) || b64(after) {
                    return None;
                }
                let (value, encoding) = text::unescape_value(raw);
                if !validate::plausible_session_token(&value, settings) {
                    return None;
                }
                out.value = value;
                out.encoding = encoding;
                out.severity = Severity::Medium;
            }
            Check::BedrockLongTerm | Check::BedrockShortTerm | Check::Appsync => {
                let token_byte =
                    |b: Option<u8>| b64(b) || b.is_some_and(|b| b == b'-' || b == b'_');
                if token_byte(before)
                    || b64(after)
                    || (rule.check == Check::Appsync && token_byte(after))
                {
                    return None;
                }
                let value = std::str::from_utf8(raw).ok()?;
                let facts = match rule.check {
                    Check::BedrockLongTerm => tokens::bedrock_long_term(value, settings),
                    Check::BedrockShortTerm => {
                        tokens::bedrock_short_term(value, &self.rules, ctx.now)
                    }
                    _ => tokens::appsync(value, settings),
                }?;
                out.value = value.to_string();
                out.severity = facts.severity;
                out.token = Some(facts);
            }
        }
        Some(out)
    }

    fn to_match(&self, raw: Raw) -> Match {
        let rule = &self.compiled[raw.rule];
        Match {
            rule: rule.id.clone(),
            kind: rule.kind,
            severity: raw.severity,
            value: Secret::new(raw.value),
            inline_allowed: false,
            span: raw.span,
            line: 0,
            column: 0,
            encoding: raw.encoding,
            pair: None,
            key: raw.key,
            token: raw.token,
            member: None,
            // A generic name counts only because the text mentions AWS somewhere: any change of
            // the text can change that (filled in by `finish`).
            evidence: if raw.generic { 0..usize::MAX } else { 0..0 },
            assembled: 0,
        }
    }
}

/// How far before a value its label is looked for.
const LABEL_REACH: usize = 96;

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

/// Reorders `matches` (and `reach` alongside) by `order`, remapping pair indices.
fn permute(matches: &mut Vec<Match>, reach: &mut Vec<u32>, order: &[usize]) {
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        return;
    }
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut taken: Vec<Option<Match>> = std::mem::take(matches).into_iter().map(Some).collect();
    let old_reach = std::mem::take(reach);
    for &old in order {
        let mut m = taken[old].take().expect("each index once");
        m.pair = m.pair.map(|p| new_index[p]);
        matches.push(m);
        reach.push(old_reach[old]);
    }
}

pub(super) fn remove_and_reindex(matches: &mut Vec<Match>, drop: &[bool]) {
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
