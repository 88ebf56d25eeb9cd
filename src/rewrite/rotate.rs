//! Rotation advice for every key a rewrite removed: the account it belongs to (decoded offline
//! from the key ID), the exact `aws iam` commands that deactivate and delete it, and, for a key
//! that already reached a remote (it is in the history of some `refs/remotes/*`), a note that it
//! must be treated as compromised: a rewrite cannot take back what a server or a clone has seen.
//!
//! Key IDs are identifiers, not secrets, and the commands need them whole; secrets and session
//! tokens are only ever shown redacted.

use crate::detect::validate::account_id;
use crate::error::Result;
use crate::finding::{Kind, Secret};
use crate::git::attribute::introduced_blobs;
use git2::{Oid, Repository, Sort};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;

/// Where a credential was: the blobs (original ids) and the commits (messages or introductions).
#[derive(Debug, Clone)]
pub struct Credential {
    /// What it is.
    pub kind: Kind,
    /// The value (never printed whole unless it is a key ID).
    pub value: Secret,
    /// Original blobs that held it.
    pub blobs: BTreeSet<Oid>,
    /// Commits of the range that brought it in (a file or the message).
    pub commits: BTreeSet<Oid>,
}

/// Advice for one credential.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// What it is.
    pub kind: Kind,
    /// The key ID for access keys; the redacted value otherwise.
    pub shown: String,
    /// The account decoded offline (key IDs in the current format).
    pub account: Option<String>,
    /// Whether it is an STS (temporary) key.
    pub temporary: bool,
    /// For secrets and tokens: whether a key ID was found next to it (same file or message).
    pub has_key_id: bool,
    /// Remote-tracking refs whose history holds it.
    pub reached: Vec<String>,
}

/// Works out the advice for each credential.
pub fn rotations(
    repo: &Repository,
    base: Option<Oid>,
    creds: &[Credential],
) -> Result<Vec<Rotation>> {
    let remotes = remote_contents(repo, base)?;
    let key_holders: HashSet<Oid> = creds
        .iter()
        .filter(|c| c.kind == Kind::AccessKeyId)
        .flat_map(|c| c.blobs.iter().chain(&c.commits).copied())
        .collect();
    let mut out = Vec::new();
    for c in creds {
        let reached: Vec<String> = remotes
            .iter()
            .filter(|(_, (commits, blobs))| {
                c.commits.iter().any(|x| commits.contains(x))
                    || c.blobs.iter().any(|b| blobs.contains(b))
            })
            .map(|(name, _)| name.clone())
            .collect();
        let value = c.value.expose();
        out.push(Rotation {
            kind: c.kind,
            shown: if c.kind == Kind::AccessKeyId {
                value.to_string()
            } else {
                c.value.redacted()
            },
            account: (c.kind == Kind::AccessKeyId)
                .then(|| account_id(value))
                .flatten(),
            temporary: c.kind == Kind::SessionToken
                || (c.kind == Kind::AccessKeyId && value.starts_with("ASIA")),
            has_key_id: c.kind == Kind::AccessKeyId
                || c.blobs
                    .iter()
                    .chain(&c.commits)
                    .any(|x| key_holders.contains(x)),
            reached,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.shown).cmp(&(b.kind, &b.shown)));
    Ok(out)
}

/// For each remote-tracking ref: the commits in its history past `base` and the blobs they bring.
type RemoteContents = BTreeMap<String, (HashSet<Oid>, HashSet<Oid>)>;

fn remote_contents(repo: &Repository, base: Option<Oid>) -> Result<RemoteContents> {
    let mut out = BTreeMap::new();
    for reference in repo.references_glob("refs/remotes/*")? {
        let reference = reference?;
        if reference.symbolic_target().ok().flatten().is_some() {
            continue;
        }
        let (Ok(name), Some(tip)) = (reference.name(), reference.target()) else {
            continue;
        };
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::NONE)?;
        walk.push(tip)?;
        if let Some(b) = base {
            walk.hide(b)?;
        }
        let mut commits = HashSet::new();
        let mut blobs = HashSet::new();
        for c in walk {
            let c = c?;
            commits.insert(c);
            for (blob, _) in introduced_blobs(repo, c)? {
                blobs.insert(blob);
            }
        }
        out.insert(name.to_string(), (commits, blobs));
    }
    Ok(out)
}

/// Writes the advice.
pub fn render(rotations: &[Rotation], out: &mut dyn Write) -> std::io::Result<()> {
    if rotations.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "rotate: the old commits are gone from the branch, but the keys were in files on this \
         machine; deactivate and delete them (key IDs are identifiers, not secrets):"
    )?;
    for r in rotations {
        let account = r
            .account
            .as_deref()
            .map(|a| format!("account {a}"))
            .unwrap_or_else(|| "account not decodable offline (older key format)".into());
        match r.kind {
            Kind::AccessKeyId if r.temporary => {
                writeln!(out, "  {} ({account}, temporary STS key)", r.shown)?;
                writeln!(
                    out,
                    "    temporary keys cannot be deactivated; they expire with their session. \
                     To cut them off now, revoke the role's active sessions (IAM console: Roles \
                     → the role → Revoke active sessions)."
                )?;
            }
            Kind::AccessKeyId => {
                writeln!(out, "  {} ({account}, long-term key)", r.shown)?;
                writeln!(
                    out,
                    "    aws iam get-access-key-last-used --access-key-id {}   # shows its user \
                     name and last use",
                    r.shown
                )?;
                writeln!(
                    out,
                    "    aws iam update-access-key --access-key-id {} --status Inactive \
                     --user-name USER",
                    r.shown
                )?;
                writeln!(
                    out,
                    "    aws iam delete-access-key --access-key-id {} --user-name USER",
                    r.shown
                )?;
            }
            Kind::SecretAccessKey if !r.has_key_id => writeln!(
                out,
                "  an AWS secret access key ({}) without its key ID next to it: find the key it \
                 belongs to in IAM and deactivate and delete that key",
                r.shown
            )?,
            Kind::SessionToken => writeln!(
                out,
                "  an AWS session token ({}): it expires with its session; revoke the role's \
                 active sessions to cut it off now",
                r.shown
            )?,
            // Short-term keys (`bedrock-api-key-…`) are presigned URLs: nothing to delete.
            Kind::BedrockApiKey if r.shown.starts_with("bedr") => writeln!(
                out,
                "  a short-term Amazon Bedrock API key ({}): it is signed by an access key and \
                 works until it expires (at most 12 hours); to cut it off now, deactivate the \
                 access key that signed it (aws iam update-access-key --status Inactive), or \
                 revoke the role's active sessions when a role signed it",
                r.shown
            )?,
            Kind::BedrockApiKey => writeln!(
                out,
                "  an Amazon Bedrock API key ({}): list the user's service-specific credentials \
                 (aws iam list-service-specific-credentials --service-name \
                 bedrock.amazonaws.com --user-name USER) and delete it \
                 (aws iam delete-service-specific-credential --service-specific-credential-id ID \
                 --user-name USER); the key names its user (BedrockAPIKey-… for keys made in \
                 the console)",
                r.shown
            )?,
            Kind::AppSyncApiKey => writeln!(
                out,
                "  an AWS AppSync API key ({}): a public-client key; rotate it with \
                 aws appsync delete-api-key if it should not be public",
                r.shown
            )?,
            Kind::SecretAccessKey => continue,
        }
        if !r.reached.is_empty() {
            writeln!(
                out,
                "    ! it already reached a remote ({}): treat it as compromised (check \
                 CloudTrail for its use); rewriting local history does not take it back",
                r.reached.join(", ")
            )?;
        }
    }
    Ok(())
}
