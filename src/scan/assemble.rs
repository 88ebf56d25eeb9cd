//! Turning raw hits (object + matches) and introductions into reportable [`Finding`]s:
//! attaching commit facts, pairing key IDs with secrets across files of one commit, redacting.

use super::objects::{HitObject, ObjectHit, RawSplit};
use crate::detect::Match;
use crate::finding::{CommitInfo, Finding, Kind, Severity, Source};
use crate::git::attribute::{Introduction, Reached};
use crate::git::{commit_info, Signature};
use git2::{Oid, Repository};
use std::collections::HashMap;

/// Where a batch of matches sits.
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// Repository-relative path.
    pub path: Option<String>,
    /// The introducing commit.
    pub commit: Option<CommitInfo>,
    /// What kind of text it was.
    pub source: Option<Source>,
    /// The blob id.
    pub blob: Option<String>,
}

/// Builds findings for `matches` at `place`. Matches carrying the inline allow marker are left
/// out and counted in the returned number.
pub fn findings_at(matches: &[Match], place: &Place) -> (Vec<Finding>, u64) {
    findings_honouring(matches, place, true)
}

/// [`findings_at`], with the inline allow marker honoured only when `inline_allow` is set
/// (otherwise marked matches are findings like any other).
pub fn findings_honouring(
    matches: &[Match],
    place: &Place,
    inline_allow: bool,
) -> (Vec<Finding>, u64) {
    let fingerprints: Vec<String> = matches.iter().map(Match::fingerprint).collect();
    let mut out = Vec::new();
    let mut suppressed = 0;
    for (i, m) in matches.iter().enumerate() {
        if m.inline_allowed && inline_allow {
            suppressed += 1;
            continue;
        }
        let commit = place.commit.as_ref();
        // A match inside an archive member is at `archive!member`.
        let path = match (&place.path, &m.member) {
            (Some(p), Some(member)) => Some(format!("{p}!{member}")),
            (None, Some(member)) => Some(format!("!{member}")),
            (p, None) => p.clone(),
        };
        out.push(Finding {
            kind: m.kind,
            rule: m.rule.clone(),
            severity: m.severity,
            path,
            line: m.line,
            column: m.column,
            commit: commit.map(|c| c.id.clone()),
            author: commit.map(|c| c.author.clone()),
            date: commit.map(|c| c.date.clone()),
            source: place.source.unwrap_or(Source::File),
            encoding: m.encoding,
            redacted: m.value.redacted(),
            fingerprint: fingerprints[i].clone(),
            account_id: m.account_id().map(str::to_string),
            key_type: m.key_type().map(str::to_string),
            pair: m.pair.map(|p| fingerprints[p].clone()),
            blob: place.blob.clone(),
            summary: commit.map(|c| c.summary.clone()),
            repo: None,
            reachable: true,
            known: false,
            expires: m.expires().map(str::to_string),
            principal: m.principal().map(str::to_string),
            assembled: (m.assembled > 0).then_some(m.assembled),
        });
    }
    (out, suppressed)
}

/// Builds the findings of a git scan from its hits and the blobs' introductions.
pub fn assemble_git(
    repo: &Repository,
    hits: &[ObjectHit],
    intros: &HashMap<Oid, Vec<Introduction>>,
    inline_allow: bool,
) -> (Vec<Finding>, u64) {
    let mut commits: HashMap<Oid, Option<CommitInfo>> = HashMap::new();
    let mut info = |id: Oid| {
        commits
            .entry(id)
            .or_insert_with(|| commit_info(repo, id))
            .clone()
    };
    let mut findings = Vec::new();
    let mut suppressed = 0;
    for hit in hits {
        let places: Vec<Place> = match &hit.object {
            HitObject::Blob => match intros.get(&hit.id) {
                Some(list) if !list.is_empty() => list
                    .iter()
                    .map(|i| Place {
                        path: Some(i.path.clone()),
                        commit: info(i.commit),
                        source: Some(Source::Blob),
                        blob: Some(hit.id.to_string()),
                    })
                    .collect(),
                _ => vec![Place {
                    source: Some(Source::Blob),
                    blob: Some(hit.id.to_string()),
                    ..Place::default()
                }],
            },
            HitObject::Commit(sig, _) => vec![Place {
                commit: info(hit.id)
                    .or_else(|| sig.as_ref().map(|s| from_signature(hit.id, s, ""))),
                source: Some(Source::CommitMessage),
                ..Place::default()
            }],
            HitObject::Tag(sig, _) => vec![tag_place(repo, hit.id, sig.as_ref())],
            HitObject::Tree(names) => {
                let (f, s) = tree_findings(hit, names);
                findings.extend(f);
                suppressed += s;
                continue;
            }
        };
        for place in places {
            let (mut f, s) = findings_honouring(&hit.matches, &place, inline_allow);
            let kept: Vec<&Match> = hit
                .matches
                .iter()
                .filter(|m| !(m.inline_allowed && inline_allow))
                .collect();
            match &hit.object {
                HitObject::Commit(_, split) => split_headers(&mut f, &kept, split, true),
                HitObject::Tag(_, split) => split_headers(&mut f, &kept, split, false),
                HitObject::Blob | HitObject::Tree(_) => {}
            }
            findings.extend(f);
            suppressed += s;
        }
    }
    pair_within_commits(&mut findings);
    sort_findings(&mut findings);
    (findings, suppressed)
}

/// The findings in a tree's entry names (`Source::TreeEntry`: the finding's path is the entry's
/// name, its line 1, its blob the tree's id). A marker in a name is not honoured: names are
/// what the pusher chose, and a name cannot carry a reviewed exception.
fn tree_findings(hit: &ObjectHit, names: &[String]) -> (Vec<Finding>, u64) {
    let place = Place {
        commit: None,
        source: Some(Source::TreeEntry),
        path: None,
        blob: Some(hit.id.to_string()),
    };
    let (mut found, suppressed) = findings_honouring(&hit.matches, &place, false);
    for (one, m) in found.iter_mut().zip(&hit.matches) {
        one.path = names.get(m.line.saturating_sub(1) as usize).cloned();
        one.line = 1;
    }
    (found, suppressed)
}

/// Points the findings of a raw commit or tag at its header lines (`Source::CommitHeader` /
/// `Source::TagHeader`, line = header line) or its message (line counted in the message).
/// `findings` are those [`findings_honouring`] built from the `kept` matches.
fn split_headers(findings: &mut [Finding], kept: &[&Match], split: &RawSplit, commit: bool) {
    for (f, m) in findings.iter_mut().zip(kept) {
        if split.in_header(m) {
            f.source = if commit {
                Source::CommitHeader
            } else {
                Source::TagHeader
            };
        } else {
            f.line = f.line.saturating_sub(split.lines).max(1);
        }
    }
}

fn tag_place(repo: &Repository, id: Oid, sig: Option<&Signature>) -> Place {
    let tag = repo.find_tag(id).ok();
    let name = tag
        .as_ref()
        .map(|t| String::from_utf8_lossy(t.name_bytes()).into_owned())
        .unwrap_or_default();
    let target = tag.as_ref().map(|t| t.target_id()).unwrap_or(id);
    let commit = sig.map(|s| from_signature(target, s, &format!("tag {name}")));
    Place {
        commit,
        source: Some(Source::TagMessage),
        ..Place::default()
    }
}

fn from_signature(id: Oid, sig: &Signature, summary: &str) -> CommitInfo {
    CommitInfo {
        id: id.to_string(),
        author: sig.who.clone(),
        date: sig.iso_date(),
        summary: summary.to_string(),
    }
}

/// Pairs key IDs and secrets that one commit introduced in different files (a key ID in
/// `config.py`, its secret in `.env`): both become critical.
pub fn pair_within_commits(findings: &mut [Finding]) {
    let mut by_commit: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(commit) = &f.commit {
            by_commit.entry(commit.clone()).or_default().push(i);
        }
    }
    for members in by_commit.into_values() {
        pair_group(findings, &members);
    }
}

/// Pairs the unpaired access key IDs and secrets among `members` (indices into `findings`, one
/// commit's worth — or the staged changes that will become one), in order: both become critical.
pub fn pair_group(findings: &mut [Finding], members: &[usize]) {
    let unpaired = |kind: Kind, f: &Finding| {
        f.pair.is_none()
            && f.kind == kind
            && (kind != Kind::AccessKeyId || f.severity == Severity::Medium)
    };
    let keys: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| unpaired(Kind::AccessKeyId, &findings[i]))
        .collect();
    let secrets: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| unpaired(Kind::SecretAccessKey, &findings[i]))
        .collect();
    for (k, s) in keys.into_iter().zip(secrets) {
        let (kf, sf) = (
            findings[k].fingerprint.clone(),
            findings[s].fingerprint.clone(),
        );
        findings[k].pair = Some(sf);
        findings[s].pair = Some(kf);
        findings[k].severity = Severity::Critical;
        findings[s].severity = Severity::Critical;
    }
}

/// Sets `reachable: false` on findings in objects no ref, `HEAD` or the index reaches (the old
/// commits of a rewrite, a blob staged and then reset): they only wait for `git gc`.
pub fn mark_reachable(findings: &mut [Finding], reached: &Reached) {
    for f in findings.iter_mut() {
        let by_commit = f
            .commit
            .as_deref()
            .and_then(|c| Oid::from_str(c).ok())
            .is_some_and(|c| reached.commits.contains(&c));
        let by_index = f.commit.is_none()
            && f.blob
                .as_deref()
                .and_then(|b| Oid::from_str(b).ok())
                .is_some_and(|b| reached.staged.contains(&b));
        f.reachable = by_commit || by_index;
    }
}

/// Orders findings by introduction date, then path, line and column.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then_with(|| a.commit.cmp(&b.commit))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.column.cmp(&b.column))
            .then_with(|| a.kind.cmp(&b.kind))
    });
}
