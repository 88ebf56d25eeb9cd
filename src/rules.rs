//! Rules are data: `rules/aws.toml` is compiled into the crate and loaded at start.
//!
//! A [`RuleSet`] is the parsed, validated form of that file: the detector settings, the key ID
//! prefix table and the rules with their anchors, patterns, examples and negative examples.

use crate::error::{Error, ErrorKind, Result};
use crate::finding::{Kind, Severity};
use serde::Deserialize;

/// The built-in rules file.
pub const BUILTIN_RULES: &str = include_str!("../rules/aws.toml");

/// A stable name for what the built-in detector finds: rolecall's version and a digest of the
/// built-in rules file (`0.1.0+rules.3f2a…`). It changes whenever either does, and only then;
/// incremental fleet scans record it and rescan every object when it changes.
pub fn rules_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let digest = git2::Oid::hash_object(git2::ObjectType::Blob, BUILTIN_RULES.as_bytes())
            .expect("hashing an in-memory buffer cannot fail");
        format!(
            "{}+rules.{}",
            env!("CARGO_PKG_VERSION"),
            &digest.to_string()[..16]
        )
    })
}

/// How a rule's `value` is validated once its pattern matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A 20-character access key ID with a known prefix.
    KeyId,
    /// A 40-character secret access key.
    Secret,
    /// An STS session token.
    SessionToken,
    /// A long-term Amazon Bedrock API key (`ABSK` + base64 of `<user>-at-<account>:<password>`).
    BedrockLongTerm,
    /// A short-term Amazon Bedrock API key (`bedrock-api-key-` + base64 of a presigned URL).
    BedrockShortTerm,
    /// An AWS AppSync API key (`da2-…`).
    Appsync,
}

/// Settings of the detector that are not tied to one rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSettings {
    /// Lines either side of a key ID within which an unlabelled secret pairs with it.
    pub pair_window_lines: u32,
    /// Lines either side of a key ID within which a secret under a secret-like label
    /// (`secret_label_words`, `secret_label_names`) or a session token pairs with it.
    pub labelled_pair_window_lines: u32,
    /// A label (the identifier just before a value, folded to lowercase letters and digits) that
    /// contains one of these words marks the value as a secret.
    pub secret_label_words: Vec<String>,
    /// Folded labels that mark a value as a secret by themselves (`sk`, `aws_sk`).
    pub secret_label_names: Vec<String>,
    /// A 40-character value containing this marker beside a key ID is AWS's documented example
    /// secret (`…EXAMPLEKEY`): the pair is documentation, and neither is reported.
    pub documentation_marker: String,
    /// Words that show a text is about AWS (needed for generic context names).
    pub aws_hints: Vec<String>,
    /// Words that mark a value as a placeholder.
    pub placeholder_words: Vec<String>,
    /// The inline suppression marker.
    pub allow_marker: String,
}

/// One row of the key ID prefix table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPrefix {
    /// The prefix (`AKIA`, `A3T`, …).
    pub prefix: String,
    /// What a key with this prefix is.
    pub key_type: String,
    /// Whether keys with this prefix are access keys that go with a secret.
    #[serde(default)]
    pub pairable: bool,
    /// The severity of such a key ID found alone.
    pub severity: Severity,
}

/// One detection rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable identifier (`aws.access-key-id`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the rule finds.
    pub kind: Kind,
    /// How a matched value is validated.
    pub check: Check,
    /// Literal anchors for the prefilter (case-sensitive).
    pub anchors: Vec<String>,
    /// Bytes before an anchor hit where the pattern may start.
    pub window_before: usize,
    /// Bytes after an anchor hit where the pattern may end.
    pub window_after: usize,
    /// The confirming regex, with a `value` group (and optionally `name`).
    pub pattern: String,
    /// For rules without anchors (they run only around pairable key IDs and count only when
    /// paired): the key ID prefixes they pair with; empty means every pairable prefix.
    #[serde(default)]
    pub pairs_with: Vec<String>,
    /// Templates that must match.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Templates that must not match.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// The whole parsed rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Detector-wide settings.
    pub detector: DetectorSettings,
    /// The key ID prefix table.
    pub key_prefix: Vec<KeyPrefix>,
    /// The rules.
    pub rule: Vec<Rule>,
}

impl RuleSet {
    /// Parses a rules file.
    pub fn parse(text: &str) -> Result<RuleSet> {
        let set: RuleSet =
            toml::from_str(text).map_err(|e| Error::new(ErrorKind::Rules(e.to_string())))?;
        set.validate()?;
        Ok(set)
    }

    /// The rules compiled into rolecall.
    pub fn builtin() -> RuleSet {
        RuleSet::parse(BUILTIN_RULES).expect("the built-in rules file is valid (tested)")
    }

    /// Looks a rule up by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rule.iter().find(|r| r.id == id)
    }

    /// Looks up the prefix-table row for a key ID.
    pub fn prefix_of(&self, key_id: &str) -> Option<&KeyPrefix> {
        self.key_prefix
            .iter()
            .find(|p| key_id.starts_with(p.prefix.as_str()))
    }

    fn validate(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for rule in &self.rule {
            if !seen.insert(rule.id.as_str()) {
                return Err(rules_error(format!("duplicate rule id {}", rule.id)));
            }
            if !rule.pattern.contains("(?P<value>") {
                return Err(rules_error(format!(
                    "rule {} has no `value` group",
                    rule.id
                )));
            }
        }
        if self.detector.labelled_pair_window_lines < self.detector.pair_window_lines {
            return Err(rules_error(
                "labelled_pair_window_lines is smaller than pair_window_lines".into(),
            ));
        }
        if self.key_prefix.is_empty() {
            return Err(rules_error("the key_prefix table is empty".into()));
        }
        Ok(())
    }
}

fn rules_error(msg: String) -> Error {
    Error::new(ErrorKind::Rules(msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let set = RuleSet::builtin();
        assert!(set.get("aws.access-key-id").is_some());
        assert!(set.prefix_of("AKIA0000").unwrap().pairable);
        assert!(!set.prefix_of("AROA0000").unwrap().pairable);
    }

    #[test]
    fn rules_version_is_stable_and_names_the_rules_digest() {
        let v = rules_version();
        assert_eq!(v, rules_version());
        let (crate_version, digest) = v.split_once("+rules.").unwrap();
        assert_eq!(crate_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(digest.len(), 16);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let mut text = BUILTIN_RULES.to_string();
        text.push_str(
            "\n[[rule]]\nid = \"aws.access-key-id\"\nname = \"x\"\nkind = \"access_key_id\"\n\
             check = \"key-id\"\nanchors = []\nwindow_before = 0\nwindow_after = 0\n\
             pattern = '(?P<value>x)'\n",
        );
        let err = RuleSet::parse(&text).unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
    }
}
