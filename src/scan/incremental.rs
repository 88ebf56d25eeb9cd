//! Scanning a delta by what it adds: the detector runs only on the evidence windows around what
//! the delta changed (its inserts, and every seam where copied text meets other text), and the
//! base's matches whose whole evidence lies inside one copied range are carried over, shifted.
//!
//! The two paths must give exactly the matches of a whole-blob scan, so the fast path is taken
//! only when it is plainly safe: the detector does not need the whole blob, the windows cover
//! less than half of it, and the windows hold no match at all (credentials are rare, so
//! re-scanning the few blobs near one whole is cheap and keeps the paths equal).

use crate::detect::text::LineIndex;
use crate::detect::{Detector, Match};
use crate::git::delta::Edits;
use std::ops::Range;

/// How a delta's matches were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaScan {
    /// Windows around the changes, with the base's matches carried over.
    Windows,
    /// The whole blob (the detector needs it, the windows covered most of it, or they held a
    /// match).
    Whole,
}

/// What a whole-blob scan of a blob found, as deltas built on it need it.
#[derive(Debug, Clone, Default)]
pub struct BlobMatches {
    /// The matches, in order of position.
    pub matches: Vec<Match>,
    /// Whether the scan folded keys assembled in code (see [`crate::detect::BufferScan`]):
    /// its matches may rest on any byte, so versions built on it are scanned whole.
    pub folded: bool,
}

impl BlobMatches {
    /// The whole-blob scan of `blob`.
    pub fn scan(detector: &Detector, blob: &[u8]) -> BlobMatches {
        let scan = detector.scan(blob);
        BlobMatches {
            matches: scan.matches,
            folded: scan.folded,
        }
    }
}

/// The matches of `blob`, a delta's result, given what a whole-blob scan of its base found
/// (`base`) and what the delta copied and inserted.
pub fn scan_delta(
    detector: &Detector,
    blob: &[u8],
    base: &BlobMatches,
    edits: &Edits,
) -> (BlobMatches, DeltaScan) {
    let whole = || (BlobMatches::scan(detector, blob), DeltaScan::Whole);
    if blob.is_empty() || base.folded || detector.needs_whole_blob(blob) {
        return whole();
    }
    let changed = changed_ranges(blob.len(), edits);
    if changed.is_empty() {
        // The same bytes as the base.
        return (base.clone(), DeltaScan::Windows);
    }
    let windows = detector.evidence_windows(blob, &changed);
    let covered: usize = windows.iter().map(|w| w.len()).sum();
    if covered * 2 > blob.len() {
        return whole();
    }
    let found = detector.scan_windows(blob, &windows);
    if found.needs_whole || !found.matches.is_empty() {
        return whole();
    }
    match carry_over(blob, &base.matches, edits) {
        Some(matches) => (
            BlobMatches {
                matches,
                folded: false,
            },
            DeltaScan::Windows,
        ),
        None => whole(),
    }
}

/// What changed between base and result, in result positions: every inserted range, and two
/// bytes around every seam where a copied range meets text that did not follow it in the base
/// (an insert, another copy, a deletion, the start or end of the blob).
pub fn changed_ranges(len: usize, edits: &Edits) -> Vec<Range<usize>> {
    let seam = |at: usize| at.saturating_sub(1)..(at + 1).min(len);
    let mut out: Vec<Range<usize>> = edits.inserts.clone();
    // Where the result would go on if the next copy continued the base: (result, base).
    let mut expected = (0, 0);
    for copy in &edits.copies {
        if expected != (copy.target, copy.base.start) {
            out.push(seam(expected.0));
            out.push(seam(copy.target));
        }
        expected = (copy.target + copy.base.len(), copy.base.end);
    }
    if expected != (len, edits.base_len) {
        out.push(seam(expected.0));
        out.push(seam(len));
    }
    out.retain(|r| r.start < r.end);
    out.sort_by_key(|r| (r.start, r.end));
    out.dedup();
    out
}

/// The base's matches whose evidence lies inside one copied range, moved to where the copy put
/// them (lines and columns from the result); `None` when a carried match's partner is not
/// carried (the caller then scans the whole blob).
pub fn carry_over(blob: &[u8], base_matches: &[Match], edits: &Edits) -> Option<Vec<Match>> {
    let mut carried: Vec<(usize, Match)> = Vec::new();
    for (i, m) in base_matches.iter().enumerate() {
        let Some(copy) = edits
            .copies
            .iter()
            .find(|c| c.base.start <= m.evidence.start && m.evidence.end <= c.base.end)
        else {
            continue;
        };
        let shift = |r: &Range<usize>| {
            r.start - copy.base.start + copy.target..r.end - copy.base.start + copy.target
        };
        let mut moved = m.clone();
        moved.span = shift(&m.span);
        moved.evidence = shift(&m.evidence);
        carried.push((i, moved));
    }
    if carried.is_empty() {
        return Some(Vec::new());
    }
    carried.sort_by_key(|(_, m)| (m.span.start, m.kind));
    let new_index = |old: usize| carried.iter().position(|(i, _)| *i == old);
    let lines = LineIndex::new(blob);
    let mut out = Vec::with_capacity(carried.len());
    for (_, m) in &carried {
        let mut m = m.clone();
        if let Some(p) = m.pair {
            m.pair = Some(new_index(p)?);
        }
        let (line, column) = lines.position(blob, m.span.start);
        m.line = line;
        m.column = column;
        out.push(m);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;
    use crate::git::delta::Copy;

    fn filler(n: usize, tag: &str) -> String {
        (0..n)
            .map(|i| format!("{tag}_{i} = compute(alpha, beta, {i})\n"))
            .collect()
    }

    fn same(a: &[Match], b: &[Match]) {
        let key = |m: &Match| {
            (
                m.span.clone(),
                m.line,
                m.column,
                m.kind,
                m.severity,
                m.pair,
                m.fingerprint(),
            )
        };
        assert_eq!(
            a.iter().map(key).collect::<Vec<_>>(),
            b.iter().map(key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn seams_cover_deletions_and_the_ends() {
        // Base 0..100; result copies 10..40 then 60..100: a cut at both ends of the first copy.
        let edits = Edits {
            copies: vec![
                Copy {
                    base: 10..40,
                    target: 0,
                },
                Copy {
                    base: 60..100,
                    target: 30,
                },
            ],
            inserts: vec![],
            base_len: 100,
        };
        assert_eq!(changed_ranges(70, &edits), vec![0..1, 29..31]);
        let unchanged = Edits {
            copies: vec![Copy {
                base: 0..100,
                target: 0,
            }],
            inserts: vec![],
            base_len: 100,
        };
        assert!(changed_ranges(100, &unchanged).is_empty());
        let cut_tail = Edits {
            copies: vec![Copy {
                base: 0..50,
                target: 0,
            }],
            inserts: vec![],
            base_len: 100,
        };
        assert_eq!(changed_ranges(50, &cut_tail), vec![49..50]);
    }

    #[test]
    fn a_key_moved_by_an_insert_above_it_is_carried_with_new_lines() {
        let pair = FakeKeys::new(21).pair();
        let base = format!(
            "{}aws_access_key_id = {}\naws_secret_access_key = {}\n{}",
            filler(30, "a"),
            pair.key_id,
            pair.secret,
            filler(30, "b")
        );
        let head = filler(2, "new");
        let blob = format!("{head}{base}");
        let edits = Edits {
            copies: vec![Copy {
                base: 0..base.len(),
                target: head.len(),
            }],
            inserts: std::iter::once(0..head.len()).collect(),
            base_len: base.len(),
        };
        let detector = Detector::builtin();
        let base_scan = BlobMatches::scan(&detector, base.as_bytes());
        assert_eq!(base_scan.matches.len(), 2);
        let (found, how) = scan_delta(&detector, blob.as_bytes(), &base_scan, &edits);
        assert_eq!(how, DeltaScan::Windows);
        same(&found.matches, &detector.scan(blob.as_bytes()).matches);
        assert_eq!(found.matches[0].line, base_scan.matches[0].line + 2);
    }

    #[test]
    fn an_insert_next_to_a_key_falls_back_to_the_whole_blob() {
        let pair = FakeKeys::new(22).pair();
        let base = format!(
            "{}aws_access_key_id = {}\n{}",
            filler(30, "a"),
            pair.key_id,
            filler(30, "b")
        );
        let at = base.find(&pair.key_id).unwrap() + 20;
        let added = format!("\naws_secret_access_key = {}", pair.secret);
        let blob = format!("{}{}{}", &base[..at], added, &base[at..]);
        let edits = Edits {
            copies: vec![
                Copy {
                    base: 0..at,
                    target: 0,
                },
                Copy {
                    base: at..base.len(),
                    target: at + added.len(),
                },
            ],
            inserts: std::iter::once(at..at + added.len()).collect(),
            base_len: base.len(),
        };
        let detector = Detector::builtin();
        let base_scan = BlobMatches::scan(&detector, base.as_bytes());
        let (found, how) = scan_delta(&detector, blob.as_bytes(), &base_scan, &edits);
        assert_eq!(how, DeltaScan::Whole);
        same(&found.matches, &detector.scan(blob.as_bytes()).matches);
        assert_eq!(found.matches.len(), 2);
    }
}
