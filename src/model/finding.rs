//! The finding model shared by every consumer: scanner reports, the pre-receive hook, the CI gate
//! and remediation.
//!
//! A [`Finding`] is what gets reported: it never holds a whole secret, only a [`redact`]ed form and
//! a [`fingerprint`] derived from the value. The raw value lives only in [`Secret`], which has no
//! `Serialize` impl and a redacting `Debug`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of credential material a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An access key ID (`AKIA…`, `ASIA…`) or another IAM unique identifier.
    AccessKeyId,
    /// A 40-character secret access key.
    SecretAccessKey,
    /// An STS session token.
    SessionToken,
    /// An Amazon Bedrock API key (long-term `ABSK…`, or short-term `bedrock-api-key-…`).
    BedrockApiKey,
    /// An AWS AppSync API key (`da2-…`): a public-client key by design, not an IAM credential.
    #[serde(rename = "appsync_api_key")]
    AppSyncApiKey,
}

impl Kind {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "access_key_id",
            Kind::SecretAccessKey => "secret_access_key",
            Kind::SessionToken => "session_token",
            Kind::BedrockApiKey => "bedrock_api_key",
            Kind::AppSyncApiKey => "appsync_api_key",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "AWS access key ID",
            Kind::SecretAccessKey => "AWS secret access key",
            Kind::SessionToken => "AWS session token",
            Kind::BedrockApiKey => "Amazon Bedrock API key",
            Kind::AppSyncApiKey => "AWS AppSync API key",
        }
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// An identifier that is not a credential (a role or user unique ID).
    Low,
    /// A key ID alone, or a session token alone.
    Medium,
    /// A secret access key with AWS context but no key ID beside it.
    High,
    /// A usable credential: a key ID together with its secret.
    Critical,
}

impl Severity {
    /// The lowercase name used in reports and config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a severity name (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the scanned text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A blob in git history.
    Blob,
    /// A commit message.
    CommitMessage,
    /// An annotated tag's message.
    TagMessage,
    /// A commit's header lines (author, committer, `gpgsig`, `mergetag`, custom headers).
    CommitHeader,
    /// An annotated tag's header lines (tag name, tagger, custom headers).
    TagHeader,
    /// The name of a file or folder in a tree (the finding's `path` is the entry's path).
    TreeEntry,
    /// The name of a ref a push creates or updates.
    RefName,
    /// An uncommitted file in a repository's working tree (or its index).
    Worktree,
    /// A file in a folder that is not a git repository, or text read from stdin.
    File,
}

/// How the credential was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// Plain text (UTF-8 or ASCII).
    Plain,
    /// The file is UTF-16; line and column are in the decoded text.
    Utf16,
    /// The value was base64-encoded (for example Kubernetes `Secret.data`).
    Base64,
    /// The value was JSON-escaped (`\/`).
    JsonEscaped,
    /// The value was URL-encoded (`%2F`, `%2B`).
    UrlEncoded,
    /// The value was hex-encoded (`xxd -p`).
    Hex,
    /// The text was UTF-32; line and column are in the decoded text.
    Utf32,
    /// The value was inside a gzip stream (the whole blob is compressed).
    Gzip,
    /// The value was inside a member of a zip archive (`.zip`, `.jar`, a Lambda package); the
    /// finding's path is `archive!member`.
    ArchiveMember,
}

/// A raw credential value. It deliberately has no `Serialize` impl and its `Debug` redacts.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The raw value: only for matching, hashing and remediation, never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The redacted form used in every output.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// Redacts a value to its first 4 and last 2 characters (`AKIA…XY`). Short values are fully masked.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 12 {
        return "*".repeat(chars.len().max(1));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

/// A stable fingerprint of a credential: derived from its kind and a hash of its value only, so it
/// survives rebases, squashes, renames and moved lines. The value cannot be recovered from it.
pub fn fingerprint(kind: Kind, value: &str) -> String {
    let mut input = Vec::with_capacity(value.len() + 32);
    input.extend_from_slice(b"rolecall-fingerprint-v1\0");
    input.extend_from_slice(kind.as_str().as_bytes());
    input.push(0);
    input.extend_from_slice(value.as_bytes());
    let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &input)
        .expect("hashing an in-memory buffer cannot fail");
    oid.to_string()[..32].to_string()
}

/// The commit that introduced a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// Full commit id.
    pub id: String,
    /// Author name and email, `Name <email>`.
    pub author: String,
    /// Author date, ISO 8601 with offset.
    pub date: String,
    /// First line of the message.
    pub summary: String,
}

/// One reported credential, placed where it was introduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of credential material this is.
    pub kind: Kind,
    /// The id of the rule that matched.
    pub rule: String,
    /// How bad it is.
    pub severity: Severity,
    /// Repository-relative path; `None` for commit and tag messages.
    pub path: Option<String>,
    /// 1-based line in the decoded text.
    pub line: u32,
    /// 1-based column (in characters) in the decoded text.
    pub column: u32,
    /// The commit that introduced it; `None` outside git history.
    pub commit: Option<String>,
    /// The introducing commit's author, `Name <email>`.
    pub author: Option<String>,
    /// The introducing commit's author date (ISO 8601).
    pub date: Option<String>,
    /// Where the text came from.
    pub source: Source,
    /// How the value was encoded.
    pub encoding: Encoding,
    /// The value, redacted.
    pub redacted: String,
    /// Stable fingerprint of the value (see [`fingerprint`]).
    pub fingerprint: String,
    /// The 12-digit AWS account decoded offline from a key ID.
    pub account_id: Option<String>,
    /// What the key ID prefix says about the key (`long-term`, `temporary`, …).
    pub key_type: Option<String>,
    /// The fingerprint of its partner (key ID ↔ secret) when paired.
    pub pair: Option<String>,
    /// The git blob id holding it (history scans).
    pub blob: Option<String>,
    /// The first line of the introducing commit's message.
    pub summary: Option<String>,
    /// The repository the finding is in, relative to the fleet root (fleet scans only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Whether any ref, reflog entry or the index still reaches the object; `false` for objects
    /// that only wait for `git gc` (for example the old commits of a rewrite).
    #[serde(default = "default_true")]
    pub reachable: bool,
    /// Already reported by an earlier run (incremental fleet scans).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    /// When the credential stops working, where it says so itself (ISO 8601; short-term keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The IAM principal the credential belongs to, where it can be read offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// How many fragments code assembled the value from (`"AKIA" + "…"`, adjacent literals,
    /// joined lists); the position is the first fragment's. Absent for values written whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembled: Option<u32>,
}

fn default_true() -> bool {
    true
}

impl Finding {
    /// A short `path:line:column` (or `commit message` / `tag message`) location string.
    pub fn location(&self) -> String {
        match (&self.path, self.source) {
            (Some(p), _) => format!("{}:{}:{}", p, self.line, self.column),
            (None, Source::CommitMessage) => {
                format!("commit message:{}:{}", self.line, self.column)
            }
            (None, Source::TagMessage) => format!("tag message:{}:{}", self.line, self.column),
            (None, Source::CommitHeader) => format!("commit header:{}:{}", self.line, self.column),
            (None, Source::TagHeader) => format!("tag header:{}:{}", self.line, self.column),
            (None, Source::RefName) => "ref name".to_string(),
            (None, _) => format!("<input>:{}:{}", self.line, self.column),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_keeps_four_and_two() {
        assert_eq!(redact("abcdefghijklmnopqrstuvwxyz"), "abcd…yz");
        assert_eq!(redact("short"), "*****");
    }

    #[test]
    fn fingerprint_depends_on_kind_and_value_only() {
        let a = fingerprint(Kind::SecretAccessKey, "value-one");
        assert_eq!(a, fingerprint(Kind::SecretAccessKey, "value-one"));
        assert_ne!(a, fingerprint(Kind::SecretAccessKey, "value-two"));
        assert_ne!(a, fingerprint(Kind::AccessKeyId, "value-one"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("value"));
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::High > Severity::Medium);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("nope"), None);
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("abcdefghijklmnopqrstuvwxyz0123456789ABCD");
        assert!(!format!("{s:?}").contains("efghijklmnop"));
    }
}
