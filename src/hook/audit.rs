//! The JSON-lines audit log: one line per push the hook did not simply accept (blocked, warned,
//! bypassed, bypass refused, timed out, failed), with redacted findings only.

use super::input::RefUpdate;
use crate::error::{Error, Result};
use crate::finding::Finding;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// One audit record.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// UTC time, ISO 8601.
    pub time: String,
    /// Who pushed (`GL_USERNAME`, `GITHUB_USER_LOGIN`, `REMOTE_USER`, `USER`).
    pub user: Option<String>,
    /// The repository.
    pub repo: String,
    /// The ref updates of the push.
    pub refs: Vec<AuditRef>,
    /// What was found (redacted).
    pub findings: Vec<AuditFinding>,
    /// Findings an inline `rolecall:allow` marker suppressed (only with `hook.inline_allow`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_inline: Vec<AuditFinding>,
    /// The bypass reason, or the timeout / error text.
    pub reason: Option<String>,
    /// What the hook decided (`blocked`, `warned`, `bypassed`, `bypass-refused`, `timeout`,
    /// `error`) and whether the push went through.
    pub outcome: String,
    /// Whether the push was accepted.
    pub accepted: bool,
}

/// A ref update in the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRef {
    /// Full ref name.
    #[serde(rename = "ref")]
    pub name: String,
    /// Old id.
    pub old: String,
    /// New id.
    pub new: String,
}

/// A finding in the audit log: never the value, only its redacted form and fingerprint.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFinding {
    /// Introducing commit.
    pub commit: Option<String>,
    /// Path (none for messages).
    pub path: Option<String>,
    /// Line.
    pub line: u32,
    /// Kind (`access_key_id`, …).
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// Redacted value.
    pub redacted: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// AWS account, when known.
    pub account: Option<String>,
}

impl AuditRef {
    /// From a parsed ref update.
    pub fn from_update(u: &RefUpdate) -> AuditRef {
        AuditRef {
            name: super::message::safe(&u.name),
            old: u.old.to_string(),
            new: u.new.to_string(),
        }
    }
}

impl AuditFinding {
    /// From a finding (already redacted).
    pub fn from_finding(f: &Finding) -> AuditFinding {
        AuditFinding {
            commit: f.commit.clone(),
            path: f.path.clone(),
            line: f.line,
            kind: f.kind.as_str().to_string(),
            severity: f.severity.as_str().to_string(),
            redacted: f.redacted.clone(),
            fingerprint: f.fingerprint.clone(),
            account: f.account_id.clone(),
        }
    }
}

/// The current UTC time as ISO 8601.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::git::iso8601(secs, 0)
}

/// Appends `record` as one line to `path` (created if missing). The line is written with a single
/// `write` on a file opened for appending, so concurrent pushes do not interleave their lines.
pub fn append(path: &Path, record: &AuditRecord) -> Result<()> {
    let mut line = serde_json::to_vec(record)
        .map_err(|e| Error::input(format!("cannot encode the audit record: {e}")))?;
    line.push(b'\n');
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    file.write_all(&line).map_err(|e| Error::io(path, e))?;
    Ok(())
}
