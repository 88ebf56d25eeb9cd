//! Baselines: the findings a repository already had when it adopted rolecall, so that later scans
//! fail only on new ones.
//!
//! ```json
//! {
//!   "version": 1,
//!   "entries": [
//!     { "fingerprint": "0123…", "kind": "access_key_id", "rule": "aws.access-key-id", "path": "deploy/a.ps1" }
//!   ]
//! }
//! ```
//!
//! Entries are keyed on the finding [`fingerprint`](crate::finding::fingerprint), which depends
//! only on the kind and value of the credential: a rebase, a squash, a rename or a moved line
//! leaves it unchanged. The file is sorted by fingerprint and deduplicated, and holds no
//! timestamps, line numbers, commit ids or secrets; `path` is informational only (the first path
//! the finding was reported at) and plays no part in matching.

use super::config::is_fingerprint;
use crate::error::{Error, Result};
use crate::finding::{Finding, Kind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The baseline file layout version this rolecall reads and writes.
pub const BASELINE_VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The finding's fingerprint (the key).
    pub fingerprint: String,
    /// What kind of credential it is.
    pub kind: Kind,
    /// The rule that found it.
    pub rule: String,
    /// The first path it was reported at (`null` for a message); informational.
    pub path: Option<String>,
}

/// A set of accepted findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Layout version ([`BASELINE_VERSION`]).
    pub version: u32,
    /// Entries, sorted by fingerprint, one per fingerprint.
    pub entries: Vec<BaselineEntry>,
}

impl Default for Baseline {
    fn default() -> Baseline {
        Baseline {
            version: BASELINE_VERSION,
            entries: Vec::new(),
        }
    }
}

impl Baseline {
    /// A baseline of `findings`: one entry per fingerprint (the first finding with it gives the
    /// rule and path), sorted by fingerprint.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut map: BTreeMap<&str, BaselineEntry> = BTreeMap::new();
        for f in findings {
            map.entry(f.fingerprint.as_str())
                .or_insert_with(|| BaselineEntry {
                    fingerprint: f.fingerprint.clone(),
                    kind: f.kind,
                    rule: f.rule.clone(),
                    // Informational: a key ID in a file name is not written whole.
                    path: f
                        .path
                        .as_deref()
                        .map(|p| crate::detect::Detector::shared().redact_in(p).into_owned()),
                });
        }
        Baseline {
            version: BASELINE_VERSION,
            entries: map.into_values().collect(),
        }
    }

    /// Whether the baseline accepts a finding with this fingerprint.
    pub fn contains(&self, fingerprint: &str) -> bool {
        self.entries
            .binary_search_by(|e| e.fingerprint.as_str().cmp(fingerprint))
            .is_ok()
    }

    /// The fingerprints in the baseline.
    pub fn fingerprints(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.fingerprint.as_str())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file's text: pretty JSON with a trailing newline, stable for the same findings.
    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(self).expect("a baseline always serialises to JSON");
        text.push('\n');
        text
    }

    /// Parses baseline text; `path` is used in error messages. Entries are re-sorted and
    /// deduplicated, so a hand-edited file still works.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::config(path, format!("not a JSON baseline file: {e}")))?;
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(BASELINE_VERSION) => {}
            Some(v) => {
                return Err(Error::config(
                    path,
                    format!(
                        "baseline version {v} is not supported (this rolecall reads version \
                         {BASELINE_VERSION})"
                    ),
                ))
            }
            None => {
                return Err(Error::config(
                    path,
                    "not a rolecall baseline: no \"version\" number (write one with \
                     `rolecall scan --write-baseline FILE`)",
                ))
            }
        }
        let mut baseline: Baseline = serde_json::from_value(value)
            .map_err(|e| Error::config(path, format!("malformed baseline: {e}")))?;
        for (i, entry) in baseline.entries.iter().enumerate() {
            if !is_fingerprint(&entry.fingerprint) {
                return Err(Error::config(
                    path,
                    format!(
                        "baseline entry {}: '{}' is not a rolecall fingerprint (32 hex digits)",
                        i + 1,
                        crate::finding::redact(&entry.fingerprint)
                    ),
                ));
            }
        }
        baseline
            .entries
            .sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        baseline
            .entries
            .dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Ok(baseline)
    }

    /// Loads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Baseline::parse(&text, path)
    }

    /// Writes the baseline file (replacing it atomically when the directory allows).
    pub fn write(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("rolecall-tmp");
        std::fs::write(&tmp, self.to_json()).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    #[test]
    fn from_findings_is_sorted_deduplicated_and_secret_free() {
        let sample = sample_report();
        let mut findings = sample.report.findings.clone();
        findings.extend(sample.report.findings.iter().cloned()); // every one twice
        let b = Baseline::from_findings(&findings);
        assert_eq!(b.len(), sample.report.findings.len());
        let fps: Vec<&str> = b.fingerprints().collect();
        let mut sorted = fps.clone();
        sorted.sort();
        assert_eq!(fps, sorted);
        let text = b.to_json();
        for value in &sample.values {
            assert!(!text.contains(value.as_str()), "{text}");
        }
        for f in &sample.report.findings {
            assert!(!text.contains(&f.redacted), "no redacted values either");
            if let Some(c) = &f.commit {
                assert!(!text.contains(c.as_str()), "no commit ids");
            }
        }
        assert!(!text.contains("\"line\"") && !text.contains("date"));
        insta::assert_snapshot!("baseline", text);
    }

    #[test]
    fn rebase_stable_same_file_when_lines_commits_and_order_change() {
        let sample = sample_report();
        let before = Baseline::from_findings(&sample.report.findings).to_json();
        let mut moved = sample.report.findings.clone();
        for f in &mut moved {
            f.line += 40;
            f.column += 3;
            f.commit = Some("f".repeat(40));
            f.date = Some("2030-01-01T00:00:00+00:00".into());
            f.blob = None;
        }
        moved.reverse();
        moved.rotate_left(2);
        assert_eq!(Baseline::from_findings(&moved).to_json(), before);
        // A rename changes only the informational path; every finding still matches.
        for f in &mut moved {
            if let Some(p) = &mut f.path {
                p.insert_str(0, "moved/");
            }
        }
        let original = Baseline::parse(&before, Path::new("b.json")).unwrap();
        assert!(moved.iter().all(|f| original.contains(&f.fingerprint)));
        let renamed = Baseline::from_findings(&moved);
        assert!(renamed.fingerprints().eq(original.fingerprints()));
    }

    #[test]
    fn write_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let b = Baseline::from_findings(&sample_report().report.findings);
        b.write(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), b);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), b.to_json());
        assert!(!dir.path().join("baseline.rolecall-tmp").exists());
    }

    #[test]
    fn malformed_files_are_clear_errors() {
        let p = Path::new("/x/baseline.json");
        let cases = [
            ("", "not a JSON baseline file"),
            ("[]", "no \"version\""),
            ("{\"version\": 2, \"entries\": []}", "version 2 is not supported"),
            ("{\"version\": 1}", "missing field `entries`"),
            ("{\"version\": 1, \"entries\": [], \"extra\": 1}", "unknown field `extra`"),
            (
                "{\"version\":1,\"entries\":[{\"fingerprint\":\"nothex-but-long-enough-to-redact\",\"kind\":\"access_key_id\",\"rule\":\"r\",\"path\":null}]}",
                "entry 1",
            ),
            (
                "{\"version\":1,\"entries\":[{\"fingerprint\":\"0123456789abcdef0123456789abcdef\",\"kind\":\"password\",\"rule\":\"r\",\"path\":null}]}",
                "unknown variant `password`",
            ),
        ];
        for (text, needle) in cases {
            let err = Baseline::parse(text, p).unwrap_err().to_string();
            assert!(err.starts_with("/x/baseline.json: "), "{err}");
            assert!(err.contains(needle), "{text:?} → {err}");
        }
    }

    #[test]
    fn hand_edited_files_are_normalised() {
        let text = r#"{"version":1,"entries":[
            {"fingerprint":"ffffffffffffffffffffffffffffffff","kind":"session_token","rule":"r","path":null},
            {"fingerprint":"00000000000000000000000000000000","kind":"access_key_id","rule":"r","path":"a"},
            {"fingerprint":"ffffffffffffffffffffffffffffffff","kind":"session_token","rule":"r","path":"b"}]}"#;
        let b = Baseline::parse(text, Path::new("b.json")).unwrap();
        assert_eq!(b.len(), 2);
        assert!(b.contains("ffffffffffffffffffffffffffffffff"));
        assert!(!b.contains("0123456789abcdef0123456789abcdef"));
    }
}
