//! The `.rolecall.toml` configuration file, shared by the scanner, the CI gate and the
//! pre-receive hook.
//!
//! ```toml
//! # Severity at or above which a scan fails (exit 1): "low", "medium" (default), "high",
//! # "critical". Low findings (role and user unique IDs, AppSync API keys, Bedrock keys cut
//! # short) are reported but fail nothing by default.
//! fail_on = "medium"
//!
//! [allow]
//! # Findings in paths matching these globs are not reported (globset syntax, matched against
//! # the repository-relative path; `**` crosses directories).
//! paths = ["tests/fixtures/**", "docs/**/*.md"]
//! # Access key IDs that are known and accepted (key IDs are not secret). Their secret, when
//! # paired with them, is dropped too.
//! key_ids = ["AKIA…"]
//! # AWS accounts (12 digits) whose keys are accepted, for example a sandbox account.
//! accounts = ["123456789012"]
//! # Fingerprints (from any report) of findings that are accepted.
//! fingerprints = ["0123456789abcdef0123456789abcdef"]
//!
//! # Server-side policy for `rolecall hook pre-receive` (ignored by `rolecall scan`).
//! [hook]
//! # Severities that reject a push.
//! block = ["critical", "high"]
//! # Severities that are reported to the pusher but let the push through.
//! warn = ["medium", "low"]
//! # Whether `git push -o rolecall.bypass="reason"` may let a blocked push through. A plain git
//! # server must set `receive.advertisePushOptions=true` for push options to reach the hook.
//! allow_bypass = false
//! # JSON-lines audit log of bypasses, timeouts and errors (time, user, repo, refs, redacted
//! # findings, reason). No log when absent.
//! audit_log = "/var/log/rolecall/audit.jsonl"
//! # Time budget for the whole hook in milliseconds (GitHub Enterprise kills hooks at 5 s).
//! time_budget_ms = 4000
//! # What to do when the budget is exceeded, or when rolecall itself fails: "reject" or "allow".
//! # Either way it is logged and said to the pusher.
//! on_timeout = "reject"
//! on_error = "reject"
//! # Prefix the lines that must reach GitLab's web UI with `GL-HOOK-ERR:`.
//! gitlab = false
//! ```
//!
//! Every key is optional; unknown keys are errors naming the file, so that a typo never silently
//! turns a policy off.

use crate::error::{Error, Result};
use crate::finding::Severity;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name looked for at the repository root.
pub const CONFIG_FILE: &str = ".rolecall.toml";

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Findings at or above this severity make a scan fail.
    pub fail_on: Severity,
    /// What is not reported.
    pub allow: Allow,
    /// Server-side policy for the pre-receive hook.
    pub hook: HookConfig,
    /// The file this was loaded from (`None` for the default configuration).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fail_on: Severity::Medium,
            allow: Allow::default(),
            hook: HookConfig::default(),
            source: None,
        }
    }
}

/// The `[allow]` table: findings that are accepted and not reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Allow {
    /// Path globs (globset syntax) matched against repository-relative paths.
    pub paths: Vec<String>,
    /// Accepted access key IDs (and, through pairing, their secrets).
    pub key_ids: Vec<String>,
    /// Accepted 12-digit AWS account IDs.
    pub accounts: Vec<String>,
    /// Accepted finding fingerprints.
    pub fingerprints: Vec<String>,
}

/// What the hook does when it runs out of time or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Reject the push (the safe default).
    Reject,
    /// Let the push through (logged, and said to the pusher).
    Allow,
}

/// What the hook does with a finding of a given severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAction {
    /// Reject the push.
    Block,
    /// Tell the pusher, accept the push.
    Warn,
    /// Say nothing.
    Ignore,
}

/// The `[hook]` table: server-side policy for `rolecall hook pre-receive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HookConfig {
    /// Severities that reject a push (default: critical, high).
    pub block: Vec<Severity>,
    /// Severities that are reported but accepted (default: medium, low).
    pub warn: Vec<Severity>,
    /// Whether the `rolecall.bypass` push option may let a blocked push through.
    pub allow_bypass: bool,
    /// JSON-lines audit log path.
    pub audit_log: Option<PathBuf>,
    /// Time budget for the whole hook, in milliseconds.
    pub time_budget_ms: u64,
    /// What to do when the budget is exceeded.
    pub on_timeout: OnFailure,
    /// What to do when rolecall itself fails.
    pub on_error: OnFailure,
    /// Prefix lines meant for GitLab's web UI with `GL-HOOK-ERR:`.
    pub gitlab: bool,
    /// Honour the inline `rolecall:allow` marker in pushed content (default: off, a pusher's
    /// own text does not decide what the gate lets through). When on, every finding it
    /// suppresses is shown to the pusher and written to the audit log.
    pub inline_allow: bool,
}

impl Default for HookConfig {
    fn default() -> HookConfig {
        HookConfig {
            block: vec![Severity::Critical, Severity::High],
            warn: vec![Severity::Medium, Severity::Low],
            allow_bypass: false,
            audit_log: None,
            time_budget_ms: 4000,
            on_timeout: OnFailure::Reject,
            on_error: OnFailure::Reject,
            gitlab: false,
            inline_allow: false,
        }
    }
}

impl HookConfig {
    /// What the hook does with a finding of severity `sev` (`block` wins over `warn`).
    pub fn action(&self, sev: Severity) -> HookAction {
        if self.block.contains(&sev) {
            HookAction::Block
        } else if self.warn.contains(&sev) {
            HookAction::Warn
        } else {
            HookAction::Ignore
        }
    }

    /// The time budget as a duration.
    pub fn time_budget(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.time_budget_ms)
    }
}

impl Config {
    /// Loads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text, path)
    }

    /// Loads `.rolecall.toml` from `repo_root`, or returns the default configuration when there
    /// is none. A file that exists but cannot be read or parsed is an error.
    pub fn discover(repo_root: &Path) -> Result<Config> {
        let path = repo_root.join(CONFIG_FILE);
        match std::fs::metadata(&path) {
            Ok(_) => Config::load(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Parses and validates configuration text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            // The TOML error quotes the offending line: a credentials file given by mistake
            // must not have its secret echoed.
            let reason = format!("invalid configuration: {e}");
            Error::config(path, crate::detect::Detector::shared().redact_in(&reason))
        })?;
        config.validate().map_err(|msg| Error::config(path, msg))?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        for glob in &self.allow.paths {
            globset::Glob::new(glob)
                .map_err(|e| format!("allow.paths: invalid glob '{glob}': {e}"))?;
        }
        for id in &self.allow.key_ids {
            let ok = id.len() == 20
                && id.starts_with('A')
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !ok {
                return Err(format!(
                    "allow.key_ids: '{}' is not an AWS access key ID (20 upper-case letters and \
                     digits, starting with A)",
                    crate::finding::redact(id)
                ));
            }
        }
        for acct in &self.allow.accounts {
            if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "allow.accounts: '{acct}' is not a 12-digit AWS account ID"
                ));
            }
        }
        for fp in &self.allow.fingerprints {
            if !is_fingerprint(fp) {
                return Err(format!(
                    "allow.fingerprints: '{fp}' is not a rolecall fingerprint (32 hex digits)"
                ));
            }
        }
        if let Some(sev) = self.hook.block.iter().find(|s| self.hook.warn.contains(s)) {
            return Err(format!(
                "hook: severity '{sev}' is in both `block` and `warn`"
            ));
        }
        if self.hook.time_budget_ms == 0 {
            return Err("hook.time_budget_ms must be greater than 0".into());
        }
        Ok(())
    }
}

/// Whether `s` has the shape of a rolecall fingerprint (32 lower-case hex digits).
pub(crate) fn is_fingerprint(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("/repo/.rolecall.toml"))
    }

    #[test]
    fn empty_file_is_the_default() {
        let c = parse("").unwrap();
        assert_eq!(c.fail_on, Severity::Medium);
        assert_eq!(c.hook, HookConfig::default());
        assert_eq!(c.allow, Allow::default());
        assert_eq!(c.source.as_deref(), Some(Path::new("/repo/.rolecall.toml")));
    }

    #[test]
    fn full_file_parses() {
        let c = parse(
            r#"
fail_on = "high"
[allow]
paths = ["tests/fixtures/**"]
accounts = ["123456789012"]
fingerprints = ["0123456789abcdef0123456789abcdef"]
[hook]
block = ["critical"]
warn = ["high", "medium"]
allow_bypass = true
audit_log = "/var/log/rolecall.jsonl"
time_budget_ms = 2500
on_timeout = "allow"
on_error = "reject"
gitlab = true
"#,
        )
        .unwrap();
        assert_eq!(c.fail_on, Severity::High);
        assert_eq!(c.allow.paths, ["tests/fixtures/**"]);
        assert_eq!(c.hook.action(Severity::Critical), HookAction::Block);
        assert_eq!(c.hook.action(Severity::High), HookAction::Warn);
        assert_eq!(c.hook.action(Severity::Low), HookAction::Ignore);
        assert!(c.hook.allow_bypass && c.hook.gitlab);
        assert_eq!(c.hook.on_timeout, OnFailure::Allow);
        assert_eq!(c.hook.time_budget().as_millis(), 2500);
    }

    #[test]
    fn default_hook_blocks_critical_and_high_and_warns_medium() {
        let h = HookConfig::default();
        assert_eq!(h.action(Severity::Critical), HookAction::Block);
        assert_eq!(h.action(Severity::High), HookAction::Block);
        assert_eq!(h.action(Severity::Medium), HookAction::Warn);
        assert_eq!(h.time_budget_ms, 4000);
        assert_eq!(h.on_timeout, OnFailure::Reject);
        assert_eq!(h.on_error, OnFailure::Reject);
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_file() {
        for text in [
            "fail_onn = \"low\"",
            "[allow]\npath = [\"x\"]",
            "[hook]\nblock_on = [\"high\"]",
            "[allowed]\n",
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with("/repo/.rolecall.toml: "), "{err}");
            assert!(err.contains("unknown field"), "{err}");
        }
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let cases = [
            ("fail_on = \"severe\"", "unknown variant"),
            ("[allow]\npaths = [\"a/[b\"]", "invalid glob 'a/[b'"),
            ("[allow]\naccounts = [\"12345\"]", "12-digit"),
            (
                "[allow]\nkey_ids = [\"not-a-key\"]",
                "not an AWS access key ID",
            ),
            ("[allow]\nfingerprints = [\"xyz\"]", "32 hex"),
            ("[hook]\nblock = [\"high\"]\nwarn = [\"high\"]", "both"),
            ("[hook]\non_error = \"maybe\"", "unknown variant"),
            ("[hook]\ntime_budget_ms = 0", "greater than 0"),
        ];
        for (text, needle) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?} → {err}");
            assert!(err.contains(".rolecall.toml"), "{err}");
        }
    }

    #[test]
    fn discover_defaults_when_absent_and_loads_when_present() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::discover(dir.path()).unwrap();
        assert_eq!(c, Config::default());
        std::fs::write(dir.path().join(CONFIG_FILE), "fail_on = \"critical\"\n").unwrap();
        let c = Config::discover(dir.path()).unwrap();
        assert_eq!(c.fail_on, Severity::Critical);
        std::fs::write(dir.path().join(CONFIG_FILE), "fail_on = 3\n").unwrap();
        assert!(Config::discover(dir.path()).is_err());
        let missing = Config::load(&dir.path().join("nope.toml")).unwrap_err();
        assert!(missing.to_string().contains("nope.toml"), "{missing}");
    }
}
