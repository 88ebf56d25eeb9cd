//! Which commits a rewrite touches: the commits of `BASE..HEAD` (exactly what `git rev-list`
//! lists), parents before children, and the branch that `HEAD` names (the ref that will move).

use crate::error::{Error, Result};
use crate::scan::range::{resolve, RangeSpec};
use git2::{Oid, Repository, Sort};
use std::collections::HashSet;

/// The range used when none is given.
pub const DEFAULT_RANGE: &str = "@{upstream}..HEAD";

/// A resolved rewrite: the range's ends, its commits in topological order, and the branch to move.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The range as resolved (upstream spelled out), for messages.
    pub spec: String,
    /// The base commit (left out with everything before it); `None` rewrites from the root.
    pub base: Option<Oid>,
    /// The tip being rewritten.
    pub head: Oid,
    /// The full name of the local branch whose tip is `head` (`refs/heads/…`), when the head of
    /// the range names one; `None` for a detached `HEAD`, a tag or a commit id.
    pub branch: Option<String>,
    /// The range's commits, every parent before its children.
    pub commits: Vec<Oid>,
    /// The same commits as a set.
    pub in_range: HashSet<Oid>,
}

/// What the default range means when the branch has no upstream (a first push, a detached
/// `HEAD`): the commits no remote-tracking ref has, as a pre-push hook sees them.
pub const NOT_REMOTES: &str = "HEAD --not --remotes";

/// Spells out the default range for the current branch: `<its upstream>..HEAD`; `None` when
/// there is no upstream (then [`NOT_REMOTES`] applies).
pub fn default_range(repo: &Repository) -> Result<Option<String>> {
    let head = repo
        .head()
        .map_err(|e| Error::bad_revision("HEAD", e.message().to_string()))?;
    let Some(name) = head.name().ok().filter(|_| head.is_branch()) else {
        return Ok(None);
    };
    Ok(repo
        .branch_upstream_name(name)
        .ok()
        .map(|up| format!("{}..HEAD", String::from_utf8_lossy(&up))))
}

/// The plan of [`NOT_REMOTES`]: `HEAD` without what any `refs/remotes/*` ref reaches.
fn plan_not_remotes(repo: &Repository) -> Result<Plan> {
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.target())
        .ok_or_else(|| Error::bad_revision("HEAD", "HEAD names no commit yet"))?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(head)?;
    for reference in repo.references_glob("refs/remotes/*")? {
        if let Some(tip) = reference?.resolve().ok().and_then(|r| r.target()) {
            if repo.find_commit(tip).is_ok() {
                walk.hide(tip)?;
            }
        }
    }
    let commits = walk.collect::<std::result::Result<Vec<Oid>, _>>()?;
    finish(
        repo,
        NOT_REMOTES.to_string(),
        None,
        head,
        branch_of(repo, "HEAD"),
        commits,
    )
}

/// Resolves `range` (`BASE..HEAD`, or one revision for its whole history; `None` for
/// [`DEFAULT_RANGE`]) into a plan.
pub fn plan(repo: &Repository, range: Option<&str>) -> Result<Plan> {
    let spec_text = match range {
        Some(r) if r.trim() != DEFAULT_RANGE && r.trim() != NOT_REMOTES => r.trim().to_string(),
        Some(r) if r.trim() == NOT_REMOTES => return plan_not_remotes(repo),
        _ => match default_range(repo)? {
            Some(spec) => spec,
            None => return plan_not_remotes(repo),
        },
    };
    let spec = RangeSpec::parse(&spec_text)?;
    let resolved = resolve(repo, &spec)?;
    let branch = branch_of(repo, &spec.head);
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(resolved.head)?;
    if let Some(base) = resolved.base {
        walk.hide(base)?;
    }
    let commits = walk.collect::<std::result::Result<Vec<Oid>, _>>()?;
    finish(
        repo,
        spec_text,
        resolved.base,
        resolved.head,
        branch,
        commits,
    )
}

/// Checks that every parent outside the range is in this clone, and builds the plan.
fn finish(
    repo: &Repository,
    spec_text: String,
    base: Option<Oid>,
    head: Oid,
    branch: Option<String>,
    commits: Vec<Oid>,
) -> Result<Plan> {
    let in_range: HashSet<Oid> = commits.iter().copied().collect();
    for &c in &commits {
        let commit = repo.find_commit(c)?;
        for p in commit.parent_ids() {
            if !in_range.contains(&p) && repo.find_commit(p).is_err() {
                return Err(Error::bad_revision(
                    spec_text,
                    format!(
                        "commit {c} has a parent ({p}) that is not in this clone (shallow?): \
                         fetch more history first (`git fetch --unshallow`)"
                    ),
                ));
            }
        }
    }
    Ok(Plan {
        spec: spec_text,
        base,
        head,
        branch,
        commits,
        in_range,
    })
}

/// The local branch a revision names: `HEAD` when it is attached, `NAME` or `refs/heads/NAME`.
fn branch_of(repo: &Repository, rev: &str) -> Option<String> {
    if rev == "HEAD" || rev == "@" {
        let head = repo.find_reference("HEAD").ok()?;
        let target = head.symbolic_target().ok()??;
        return target
            .starts_with("refs/heads/")
            .then(|| target.to_string());
    }
    let reference = repo.resolve_reference_from_short_name(rev).ok()?;
    let name = reference.name().ok()?;
    name.starts_with("refs/heads/").then(|| name.to_string())
}
