//! Pairing key IDs with their secrets and session tokens, and the inline allow marker's scope.
//! Both run in O(n log n) for n matches, however many share one (minified) line.

use super::Match;
use crate::finding::{Kind, Severity};
use std::collections::BTreeSet;

/// Key IDs looked at on each side of a match that wants a particular prefix.
const MAX_WALK: usize = 32;

/// How far (in lines) each match may be from the key ID it pairs with, and which key ID
/// prefixes it may pair with (empty: any pairable one).
pub struct Reach<'a> {
    /// Per match: the largest line distance to its partner.
    pub lines: Vec<u32>,
    /// Per match: the prefixes its partner must have (empty: any).
    pub prefixes: Vec<&'a [String]>,
}

/// Pairs each secret (then each session token) with the nearest pairable key ID within its
/// reach, preferring the key ID before it on a tie. A secret takes a key ID no other secret has
/// taken; a session token may share its key ID with the secret. Both of a key ID and secret
/// pair become critical; a session token takes its key ID's severity.
pub fn pair(matches: &mut [Match], reach: &Reach<'_>) {
    let pairable = |m: &Match| m.key.as_ref().is_some_and(|k| k.pairable);
    let all_keys: BTreeSet<usize> = (0..matches.len())
        .filter(|&i| pairable(&matches[i]))
        .collect();
    let mut free_keys: BTreeSet<usize> = all_keys
        .iter()
        .copied()
        .filter(|&k| matches[k].pair.is_none())
        .collect();
    for kind in [Kind::SecretAccessKey, Kind::SessionToken] {
        for i in 0..matches.len() {
            if matches[i].kind != kind || matches[i].pair.is_some() {
                continue;
            }
            let keys = if kind == Kind::SecretAccessKey {
                &free_keys
            } else {
                &all_keys
            };
            let Some(k) = nearest(matches, keys, i, reach) else {
                continue;
            };
            matches[i].pair = Some(k);
            if kind == Kind::SecretAccessKey {
                free_keys.remove(&k);
                matches[k].pair = Some(i);
                matches[k].severity = Severity::Critical;
                matches[i].severity = Severity::Critical;
            } else if matches[k].severity == Severity::Critical {
                matches[i].severity = Severity::Critical;
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
}

/// The key ID in `keys` nearest to match `i` (by line, the one before on a tie) within its
/// reach and with an allowed prefix.
fn nearest(
    matches: &[Match],
    keys: &BTreeSet<usize>,
    i: usize,
    reach: &Reach<'_>,
) -> Option<usize> {
    let line = matches[i].line;
    let max = reach.lines[i];
    let allowed = reach.prefixes[i];
    let fits = |k: usize| {
        matches[k].line.abs_diff(line) <= max
            && (allowed.is_empty()
                || matches[k]
                    .key
                    .as_ref()
                    .is_some_and(|f| allowed.contains(&f.prefix)))
    };
    // Walk outwards until the line distance passes the reach: with a prefix filter this may skip
    // key IDs of other prefixes, at most MAX_WALK of them (so that a line of thousands of key
    // IDs stays linear).
    let before = keys
        .range(..i)
        .rev()
        .take_while(|&&k| matches[k].line.abs_diff(line) <= max)
        .take(MAX_WALK)
        .copied()
        .find(|&k| fits(k));
    let after = keys
        .range(i + 1..)
        .take_while(|&&k| matches[k].line.abs_diff(line) <= max)
        .take(MAX_WALK)
        .copied()
        .find(|&k| fits(k));
    match (before, after) {
        (Some(b), Some(a)) => {
            if matches[a].line.abs_diff(line) < matches[b].line.abs_diff(line) {
                Some(a)
            } else {
                Some(b)
            }
        }
        (b, a) => b.or(a),
    }
}

/// Marks the matches an inline allow marker annotates. A marker annotates one credential on its
/// own line: the match that starts nearest before it, or when none does, the first one after
/// it. Matches that share that span (the key ID and secret of one decoded base64 value) and the
/// partners paired with them are the same credential and are marked with it. Other matches on
/// the line stay reported: one marker never allows every key of a minified line.
///
/// `matches` must be sorted by span start; `line_of` gives a byte offset's 0-based line.
pub fn apply_markers(
    text: &[u8],
    marker: &[u8],
    matches: &mut [Match],
    line_of: impl Fn(usize) -> usize,
) {
    if marker.is_empty() || matches.is_empty() {
        return;
    }
    let starts: Vec<usize> = matches.iter().map(|m| m.span.start).collect();
    let mut marked: Vec<usize> = Vec::new();
    for at in memchr::memmem::find_iter(text, marker) {
        let line = line_of(at);
        let before = starts.partition_point(|&s| s < at);
        let chosen = if before > 0 && line_of(starts[before - 1]) == line {
            Some(starts[before - 1])
        } else {
            starts.get(before).copied().filter(|&s| line_of(s) == line)
        };
        let Some(span_start) = chosen else {
            continue;
        };
        let first = starts.partition_point(|&s| s < span_start);
        let last = starts.partition_point(|&s| s <= span_start);
        marked.extend(first..last);
    }
    let partners: Vec<usize> = marked.iter().filter_map(|&i| matches[i].pair).collect();
    for i in marked.into_iter().chain(partners) {
        matches[i].inline_allowed = true;
    }
}

/// The key IDs that AWS's documented example secret pairs with (each such secret, at
/// `docs` = (byte offset, 1-based line), takes the nearest unpaired pairable key ID within
/// `max_lines`, the one before it on a tie): documentation, not credentials.
pub fn documented(matches: &[Match], docs: &[(usize, u32)], max_lines: u32) -> Vec<usize> {
    let mut free: BTreeSet<usize> = (0..matches.len())
        .filter(|&i| {
            matches[i].pair.is_none() && matches[i].key.as_ref().is_some_and(|k| k.pairable)
        })
        .collect();
    let starts: Vec<usize> = matches.iter().map(|m| m.span.start).collect();
    let mut out = Vec::new();
    for &(at, line) in docs {
        let split = starts.partition_point(|&s| s < at);
        let before = free.range(..split).next_back().copied();
        let after = free.range(split..).next().copied();
        let dist = |k: usize| matches[k].line.abs_diff(line);
        let best = match (before, after) {
            (Some(b), Some(a)) if dist(a) < dist(b) => Some(a),
            (Some(b), _) => Some(b),
            (None, a) => a,
        };
        if let Some(k) = best.filter(|&k| dist(k) <= max_lines) {
            free.remove(&k);
            out.push(k);
        }
    }
    out
}
