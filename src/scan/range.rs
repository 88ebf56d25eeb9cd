//! Range scans (`rolecall scan --range BASE..HEAD`, `--since REV`): exactly the commits that
//! `git rev-list BASE..HEAD` lists, their messages, the blobs each of them introduces (its tree
//! compared with its parents' trees) and the annotated tags that point into the range. Each new
//! blob is read and scanned once; matches are attributed to the commits of the range only, so a
//! key added and removed inside the range is found and a key from before BASE is not.
//!
//! A range whose base is not in the clone (a shallow CI checkout) is an error that says how to
//! fetch deeper, never a silently smaller scan.

use super::{history::scan_object_set, ScanOptions, ScanReport};
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::git::{attribute, RepoOpener};
use git2::{ObjectType, Oid, Repository, Sort};
use std::collections::HashSet;
use std::time::Instant;

/// The two ends of a range, as the user wrote them (`BASE..HEAD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeSpec {
    /// Commits reachable from this revision are left out; `None` leaves nothing out (every
    /// commit reachable from `head`, like `git rev-list HEAD`).
    pub base: Option<String>,
    /// Commits reachable from this revision are scanned.
    pub head: String,
}

impl RangeSpec {
    /// Parses `BASE..HEAD` (an empty side means `HEAD`, as in git) or a single revision (every
    /// commit reachable from it, as `git rev-list REV` lists). `BASE...HEAD` (a symmetric
    /// difference) is refused with a hint.
    pub fn parse(spec: &str) -> Result<RangeSpec> {
        let spec = spec.trim();
        if spec.contains("...") {
            return Err(Error::bad_revision(
                spec,
                "a symmetric range (A...B) is not supported: use `$(git merge-base A B)..B` \
                 to scan what B adds since it forked from A",
            ));
        }
        if spec.is_empty() {
            return Err(Error::bad_revision(spec, "expected a range BASE..HEAD"));
        }
        let side = |s: &str| {
            if s.is_empty() {
                "HEAD".to_string()
            } else {
                s.to_string()
            }
        };
        Ok(match spec.split_once("..") {
            Some((base, head)) => RangeSpec {
                base: Some(side(base)),
                head: side(head),
            },
            None => RangeSpec {
                base: None,
                head: spec.to_string(),
            },
        })
    }

    /// `REV..HEAD`.
    pub fn since(rev: &str) -> RangeSpec {
        RangeSpec {
            base: Some(rev.trim().to_string()),
            head: "HEAD".to_string(),
        }
    }
}

impl std::fmt::Display for RangeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.base {
            Some(base) => write!(f, "{base}..{}", self.head),
            None => f.write_str(&self.head),
        }
    }
}

/// A resolved range: its ends and its commits.
#[derive(Debug, Clone)]
pub struct ResolvedRange {
    /// The base commit, if the range has one.
    pub base: Option<Oid>,
    /// The head commit.
    pub head: Oid,
    /// The commits `git rev-list BASE..HEAD` lists (in no particular order).
    pub commits: Vec<Oid>,
}

/// Resolves both ends to commits and lists the commits of the range. In a shallow clone, a base
/// that is missing, or a range that runs into the clone's boundary (so that its true extent is
/// unknown), is an error that says how to fetch deeper.
pub fn resolve(repo: &Repository, spec: &RangeSpec) -> Result<ResolvedRange> {
    let base = match &spec.base {
        Some(rev) => Some(resolve_commit(repo, rev, "base")?),
        None => None,
    };
    let head = resolve_commit(repo, &spec.head, "head")?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::NONE)?;
    walk.push(head)?;
    if let Some(base) = base {
        walk.hide(base)?;
    }
    let commits = walk.collect::<std::result::Result<Vec<Oid>, _>>()?;
    if repo.is_shallow() {
        let boundary = shallow_boundary(repo);
        if let Some(cut) = commits.iter().find(|c| boundary.contains(c)) {
            return Err(Error::bad_revision(
                spec.to_string(),
                format!(
                    "the range runs into this shallow clone's boundary at commit {cut}: the \
                     history between {} and {} is not in this clone, so the range cannot be \
                     told apart from older history. {FETCH_DEEPER}",
                    spec.base.as_deref().unwrap_or("the first commit"),
                    spec.head
                ),
            ));
        }
    }
    Ok(ResolvedRange {
        base,
        head,
        commits,
    })
}

pub(crate) const FETCH_DEEPER: &str = "Fetch more history first: `git fetch --deepen=N` (or \
    `git fetch --unshallow`), or check out with `fetch-depth: 0` in actions/checkout \
    (`GIT_DEPTH: 0` in GitLab CI).";

fn resolve_commit(repo: &Repository, rev: &str, which: &str) -> Result<Oid> {
    let found = repo
        .revparse_single(rev)
        .and_then(|object| object.peel_to_commit());
    match found {
        Ok(commit) => Ok(commit.id()),
        Err(e) if repo.is_shallow() => Err(Error::bad_revision(
            rev,
            format!(
                "the {which} is not in this clone, which is shallow ({}). {FETCH_DEEPER}",
                e.message()
            ),
        )),
        Err(e) => Err(Error::bad_revision(
            rev,
            format!(
                "the {which} is not in this repository ({}); fetch it first",
                e.message()
            ),
        )),
    }
}

/// The commits listed in the repository's `shallow` file (their parents were not fetched).
pub(crate) fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    let text = std::fs::read_to_string(repo.commondir().join("shallow")).unwrap_or_default();
    text.lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// The objects a range scan reads: every blob the range's commits introduce (once each), the
/// commits themselves (their messages) and the annotated tags that point at one of them.
pub fn range_objects(repo: &Repository, range: &ResolvedRange) -> Result<Vec<Oid>> {
    commit_objects(repo, &range.commits)
}

/// The objects a scan of `commits` reads: every blob they introduce (once each), the commits
/// themselves and the annotated tags that point at one of them.
pub fn commit_objects(repo: &Repository, commits: &[Oid]) -> Result<Vec<Oid>> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for &commit in commits {
        for (blob, _path) in attribute::introduced_blobs(repo, commit)? {
            if seen.insert(blob) {
                ids.push(blob);
            }
        }
    }
    ids.extend(commits.iter().copied());
    let in_range: HashSet<Oid> = commits.iter().copied().collect();
    ids.extend(tags_into(repo, &in_range)?);
    Ok(ids)
}

/// Annotated tags (also tags of tags) whose chain ends at one of `commits`.
fn tags_into(repo: &Repository, commits: &HashSet<Oid>) -> Result<Vec<Oid>> {
    let odb = repo.odb()?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for reference in repo.references_glob("refs/tags/*")? {
        let Some(mut target) = reference?.target() else {
            continue;
        };
        let mut chain = Vec::new();
        while matches!(odb.read_header(target), Ok((_, ObjectType::Tag))) && chain.len() < 16 {
            chain.push(target);
            match repo.find_tag(target) {
                Ok(tag) => target = tag.target_id(),
                Err(_) => break,
            }
        }
        if commits.contains(&target) {
            out.extend(chain.into_iter().filter(|t| seen.insert(*t)));
        }
    }
    Ok(out)
}

/// Scans the range `spec` of the repository.
pub fn scan_range(
    repo: &Repository,
    spec: &RangeSpec,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    crate::git::store::check_loose_streams(&repo.path().join("objects"))?;
    let range = resolve(repo, spec)?;
    let ids = range_objects(repo, &range)?;
    let opener = RepoOpener::Path(repo.path().to_path_buf());
    let mut report = scan_object_set(repo, &opener, &ids, Some(&range.commits), detector, opts)?;
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let r = RangeSpec::parse("origin/main..feature").unwrap();
        assert_eq!(
            (r.base.as_deref(), r.head.as_str()),
            (Some("origin/main"), "feature")
        );
        let r = RangeSpec::parse("v1.0..").unwrap();
        assert_eq!((r.base.as_deref(), r.head.as_str()), (Some("v1.0"), "HEAD"));
        assert_eq!(RangeSpec::since("abc").to_string(), "abc..HEAD");
        let r = RangeSpec::parse("main").unwrap();
        assert_eq!((r.base, r.head.as_str()), (None, "main"));
        let err = RangeSpec::parse(" ").unwrap_err().to_string();
        assert!(err.contains("BASE..HEAD"), "{err}");
        let err = RangeSpec::parse("a...b").unwrap_err().to_string();
        assert!(err.contains("merge-base"), "{err}");
    }
}
