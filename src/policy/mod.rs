//! Suppression and failure policy: what is not reported, and what makes a scan fail.
//!
//! Suppression happens in two places:
//! 1. **Inline**: the marker `rolecall:allow` (the `allow_marker` of `rules/aws.toml`)
//!    annotates the one credential nearest before it on its line (see [`crate::detect`] for
//!    the exact scope) and is handled by the detector itself, before any finding exists; those
//!    findings never reach a [`Policy`] (the detector counts them as suppressed).
//! 2. **Here**: a [`Policy`] built from a [`Config`] (`.rolecall.toml`) and an optional
//!    [`Baseline`] drops findings whose path matches an allowed glob, whose key ID or AWS account
//!    is allowed (together with the partner paired with it), or whose fingerprint is allowed or
//!    in the baseline. Everything is keyed on values, paths and fingerprints, never on commit
//!    ids or line numbers, so a suppression survives rebases and squashes.

pub mod baseline;
pub mod config;

pub use baseline::{Baseline, BaselineEntry};
pub use config::{Allow, Config, HookAction, HookConfig, OnFailure};

use crate::error::{Error, Result};
use crate::finding::{fingerprint, Finding, Kind, Severity};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashSet;
use std::path::PathBuf;

/// Suppression rules and the failure threshold, ready to apply to findings.
#[derive(Debug, Clone)]
pub struct Policy {
    fail_on: Severity,
    paths: GlobSet,
    key_ids: HashSet<String>,
    accounts: HashSet<String>,
    fingerprints: HashSet<String>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::new(&Config::default(), None).expect("the default configuration is valid")
    }
}

impl Policy {
    /// Builds a policy from a configuration and an optional baseline.
    pub fn new(config: &Config, baseline: Option<&Baseline>) -> Result<Policy> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &config.allow.paths {
            let glob = Glob::new(pattern).map_err(|e| {
                let path = config
                    .source
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(config::CONFIG_FILE));
                Error::config(path, format!("allow.paths: invalid glob '{pattern}': {e}"))
            })?;
            builder.add(glob);
        }
        let paths = builder
            .build()
            .map_err(|e| Error::input(format!("allow.paths: {e}")))?;
        let mut fingerprints: HashSet<String> = config.allow.fingerprints.iter().cloned().collect();
        if let Some(b) = baseline {
            fingerprints.extend(b.fingerprints().map(str::to_string));
        }
        Ok(Policy {
            fail_on: config.fail_on,
            paths,
            key_ids: config
                .allow
                .key_ids
                .iter()
                .map(|id| fingerprint(Kind::AccessKeyId, id))
                .collect(),
            accounts: config.allow.accounts.iter().cloned().collect(),
            fingerprints,
        })
    }

    /// The severity at or above which [`Policy::fails`] is true.
    pub fn fail_on(&self) -> Severity {
        self.fail_on
    }

    /// Whether an allowed key ID or account covers `f` (such findings take their partner along).
    fn allowed_credential(&self, f: &Finding) -> bool {
        (f.kind == Kind::AccessKeyId && self.key_ids.contains(&f.fingerprint))
            || f.account_id
                .as_ref()
                .is_some_and(|a| self.accounts.contains(a))
    }

    fn allowed_itself(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
            || f.path.as_ref().is_some_and(|p| self.paths.is_match(p))
    }

    /// Drops the findings this policy accepts and returns the rest, in their order, with how
    /// many were dropped.
    pub fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, u64) {
        // Fingerprints of allowed credentials: their partners (by `pair`) go too, in either
        // direction, even when the partner was found in another file.
        let mut with_partner: HashSet<&str> = self.key_ids.iter().map(String::as_str).collect();
        let mut partners: HashSet<&str> = HashSet::new();
        for f in findings.iter().filter(|f| self.allowed_credential(f)) {
            with_partner.insert(f.fingerprint.as_str());
            if let Some(p) = &f.pair {
                partners.insert(p.as_str());
            }
        }
        let dropped: Vec<bool> = findings
            .iter()
            .map(|f| {
                self.allowed_credential(f)
                    || self.allowed_itself(f)
                    || partners.contains(f.fingerprint.as_str())
                    || f.pair.as_deref().is_some_and(|p| with_partner.contains(p))
            })
            .collect();
        let suppressed = dropped.iter().filter(|d| **d).count() as u64;
        let kept = findings
            .into_iter()
            .zip(dropped)
            .filter_map(|(f, d)| (!d).then_some(f))
            .collect();
        (kept, suppressed)
    }

    /// Whether these (already filtered) findings make the scan fail: any at or above `fail_on`.
    pub fn fails(&self, findings: &[Finding]) -> bool {
        findings.iter().any(|f| f.severity >= self.fail_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;
    use crate::report::fixture::sample_report;
    use std::path::Path;

    fn policy(toml: &str, baseline: Option<&Baseline>) -> Policy {
        let config = Config::parse(toml, Path::new(".rolecall.toml")).unwrap();
        Policy::new(&config, baseline).unwrap()
    }

    fn kept_fingerprints(kept: &[Finding]) -> Vec<&str> {
        kept.iter().map(|f| f.fingerprint.as_str()).collect()
    }

    #[test]
    fn default_policy_keeps_everything_and_fails_on_any() {
        let findings = sample_report().report.findings;
        let (kept, n) = Policy::default().apply(findings.clone());
        assert_eq!((kept.len(), n), (findings.len(), 0));
        assert!(Policy::default().fails(&kept));
        assert!(!Policy::default().fails(&[]));
    }

    #[test]
    fn path_globs_drop_only_matching_paths() {
        let findings = sample_report().report.findings;
        let (kept, n) =
            policy("[allow]\npaths = [\"k8s/**\", \"notes/*.txt\"]", None).apply(findings.clone());
        assert_eq!(n, 2);
        assert_eq!(kept.len(), 4);
        assert!(kept.iter().all(|f| {
            let p = f.path.as_deref().unwrap_or("");
            !p.starts_with("k8s/") && !p.starts_with("notes/")
        }));
        // The messages (no path) are kept.
        assert!(kept.iter().any(|f| f.path.is_none()));
    }

    #[test]
    fn allowed_key_id_drops_the_key_and_its_paired_secret() {
        let sample = sample_report();
        let key_id = &sample.values[0]; // the paired AKIA key of finding 0
        let toml = format!("[allow]\nkey_ids = [\"{key_id}\"]");
        let (kept, n) = policy(&toml, None).apply(sample.report.findings.clone());
        assert_eq!(n, 2);
        let fps = kept_fingerprints(&kept);
        assert!(!fps.contains(&sample.report.findings[0].fingerprint.as_str()));
        assert!(!fps.contains(&sample.report.findings[1].fingerprint.as_str()));
        // The secret alone goes too, even when its key ID finding is not in the list.
        let only_secret = vec![sample.report.findings[1].clone()];
        assert_eq!(policy(&toml, None).apply(only_secret).1, 1);
        // Another key is not affected.
        let other = FakeKeys::new(77).key_id("AKIA");
        let (kept, n) = policy(&format!("[allow]\nkey_ids = [\"{other}\"]"), None)
            .apply(sample.report.findings.clone());
        assert_eq!((kept.len(), n), (6, 0));
    }

    #[test]
    fn allowed_account_drops_its_keys_and_their_partners() {
        let sample = sample_report();
        // 210987654321 is the account of the paired AKIA key and of the AROA role ID.
        let (kept, n) = policy("[allow]\naccounts = [\"210987654321\"]", None)
            .apply(sample.report.findings.clone());
        assert_eq!(n, 3);
        let kinds_left: Vec<_> = kept.iter().map(|f| f.redacted.as_str()).collect();
        assert_eq!(kept.len(), 3, "{kinds_left:?}");
        assert!(kept
            .iter()
            .all(|f| f.account_id.as_deref() != Some("210987654321")));
        assert!(
            kept.iter().all(|f| f.pair.is_none()),
            "the paired secret went too"
        );
    }

    #[test]
    fn allowed_fingerprints_and_baseline_drop_exactly_those() {
        let sample = sample_report();
        let fs = &sample.report.findings;
        let toml = format!("[allow]\nfingerprints = [\"{}\"]", fs[2].fingerprint);
        let (kept, n) = policy(&toml, None).apply(fs.clone());
        assert_eq!((kept.len(), n), (5, 1));
        assert!(!kept_fingerprints(&kept).contains(&fs[2].fingerprint.as_str()));

        let baseline = Baseline::from_findings(&fs[3..5]);
        let (kept, n) = policy("", Some(&baseline)).apply(fs.clone());
        assert_eq!((kept.len(), n), (4, 2));
    }

    #[test]
    fn baseline_survives_rebase_and_catches_new_keys() {
        let sample = sample_report();
        let baseline = Baseline::from_findings(&sample.report.findings);
        // After a rebase/squash: new commit ids, dates, lines and a renamed file.
        let mut rebased = sample.report.findings.clone();
        for (i, f) in rebased.iter_mut().enumerate() {
            f.commit = Some(format!("{i:040}"));
            f.line += 10;
            f.column += 1;
            if let Some(p) = &mut f.path {
                p.insert_str(0, "renamed/");
            }
        }
        // Plus one new leak.
        let mut g = FakeKeys::new(4242);
        let new_secret = g.secret();
        let mut new = rebased[2].clone();
        new.fingerprint = fingerprint(Kind::SecretAccessKey, &new_secret);
        new.redacted = crate::finding::redact(&new_secret);
        rebased.push(new.clone());
        let p = policy("", Some(&baseline));
        let (kept, n) = p.apply(rebased);
        assert_eq!(n, 6);
        assert_eq!(kept, vec![new]);
        assert!(p.fails(&kept));
    }

    #[test]
    fn issue10_low_findings_fail_nothing_by_default() {
        let findings = sample_report().report.findings;
        let lows: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Low)
            .cloned()
            .collect();
        assert!(!lows.is_empty());
        assert_eq!(Policy::default().fail_on(), Severity::Medium);
        assert!(!Policy::default().fails(&lows));
        assert!(policy("fail_on = \"low\"", None).fails(&lows));
    }

    #[test]
    fn fails_respects_the_threshold() {
        let findings = sample_report().report.findings;
        let lows: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Low)
            .cloned()
            .collect();
        let mediums: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Medium)
            .cloned()
            .collect();
        let p = policy("fail_on = \"medium\"", None);
        assert_eq!(p.fail_on(), Severity::Medium);
        assert!(!p.fails(&lows));
        assert!(p.fails(&mediums));
        let p = policy("fail_on = \"critical\"", None);
        assert!(!p.fails(&findings[2..]));
        assert!(p.fails(&findings));
    }
}
