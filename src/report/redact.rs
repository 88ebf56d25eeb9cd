//! Text that a finding echoes from the repository (its path, commit subject, author, repository
//! name, skipped items) can itself hold a credential: a commit subject with a secret, a file named
//! after a key ID. [`redact_report`] replaces every credential the detector sees in those strings
//! by its redacted form, so that no report format prints a whole secret.

use crate::detect::Detector;
use crate::finding::Finding;
use crate::model::report::ScanReport;
use std::borrow::Cow;

/// `text` with every credential in it redacted.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    Detector::shared().redact_in(text)
}

fn redact_field(field: &mut String) {
    if let Cow::Owned(shown) = redact_text(field) {
        *field = shown;
    }
}

fn redact_opt(field: &mut Option<String>) {
    if let Some(text) = field {
        redact_field(text);
    }
}

/// Redacts every echoed string of `finding` (path, author, commit subject, repository, principal).
pub fn redact_finding(finding: &mut Finding) {
    redact_opt(&mut finding.path);
    redact_opt(&mut finding.author);
    redact_opt(&mut finding.summary);
    redact_opt(&mut finding.repo);
    redact_opt(&mut finding.principal);
    redact_opt(&mut finding.key_type);
}

/// A copy of `report` whose echoed strings hold no whole credential; borrowed when there was
/// nothing to redact.
pub fn redact_report(report: &ScanReport) -> Cow<'_, ScanReport> {
    let dirty = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|t| matches!(redact_text(t), Cow::Owned(_)))
    };
    let needs = report.findings.iter().any(|f| {
        [
            &f.path,
            &f.author,
            &f.summary,
            &f.repo,
            &f.principal,
            &f.key_type,
        ]
        .into_iter()
        .any(dirty)
    }) || report.skipped.iter().any(|s| {
        matches!(redact_text(&s.what), Cow::Owned(_))
            || matches!(redact_text(&s.reason), Cow::Owned(_))
    });
    if !needs {
        return Cow::Borrowed(report);
    }
    let mut copy = report.clone();
    copy.findings.iter_mut().for_each(redact_finding);
    for s in &mut copy.skipped {
        redact_field(&mut s.what);
        redact_field(&mut s.reason);
    }
    Cow::Owned(copy)
}
