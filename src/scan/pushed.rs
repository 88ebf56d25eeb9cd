//! Push scans (`rolecall scan --pushed-to REMOTE`): every commit a push to REMOTE could add,
//! for hooks that are not told exactly what is pushed.
//!
//! The pre-commit framework runs a pre-push hook with only the *first* ref of a push
//! (`PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF`, or no range at all for a first push to an empty
//! remote) and hides git's ref lines from the hook. A hook that scans only that range lets
//! `git push origin clean leaky` through, and on a first push scans whatever is checked out.
//! So this scan takes the union of what any push could send — every local branch
//! (`refs/heads/*`), `HEAD`, and the revisions the hook was told about — minus what the remote
//! already has: everything reachable from its remote-tracking refs (`refs/remotes/REMOTE/*`) and
//! from the revisions known to be on it (the old value of an updated ref). It is stricter than a
//! plain pre-push hook (a key on another unpushed local branch blocks the push too), never
//! weaker, except for commits that no local branch, `HEAD` or named revision reaches.

use super::history::scan_object_set;
use super::range::{commit_objects, shallow_boundary, FETCH_DEEPER};
use super::{ScanOptions, ScanReport};
use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::git::RepoOpener;
use git2::{Oid, Repository, Sort};
use std::time::Instant;

/// What a push to a remote could add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushSpec {
    /// The remote's name (or URL). Commits reachable from `refs/remotes/<remote>/*` are already
    /// there; a URL or a remote never fetched has no such refs, and everything is scanned.
    pub remote: String,
    /// Revisions the push may send besides every local branch and `HEAD` (the refs a hook was
    /// told about). Each must resolve to a commit.
    pub refs: Vec<String>,
    /// Revisions the remote is known to have (the old value of a ref the push updates). One
    /// that this clone does not have is ignored: it cannot hide anything.
    pub remote_has: Vec<String>,
}

/// The commits a push to `spec.remote` could add (in no particular order).
pub fn pushed_commits(repo: &Repository, spec: &PushSpec) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::NONE)?;
    walk.push_glob("refs/heads/*")?;
    if let Ok(head) = repo.head() {
        if let Ok(commit) = head.peel_to_commit() {
            walk.push(commit.id())?;
        }
    }
    for rev in &spec.refs {
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| {
                Error::bad_revision(
                    rev,
                    format!("the pushed revision is not in this clone ({})", e.message()),
                )
            })?;
        walk.push(commit.id())?;
    }
    if git2::Remote::is_valid_name(&spec.remote) {
        walk.hide_glob(&format!("refs/remotes/{}/*", spec.remote))?;
    }
    for rev in &spec.remote_has {
        if let Ok(commit) = repo.revparse_single(rev).and_then(|o| o.peel_to_commit()) {
            walk.hide(commit.id())?;
        }
    }
    let commits = walk.collect::<std::result::Result<Vec<Oid>, _>>()?;
    if repo.is_shallow() {
        let boundary = shallow_boundary(repo);
        if let Some(cut) = commits.iter().find(|c| boundary.contains(c)) {
            return Err(Error::bad_revision(
                format!("push to {}", spec.remote),
                format!(
                    "the commits to push run into this shallow clone's boundary at commit {cut}: \
                     what the remote already has cannot be told apart. {FETCH_DEEPER}"
                ),
            ));
        }
    }
    Ok(commits)
}

/// Scans what a push to `spec.remote` could add: each commit (message, headers), the blobs it
/// introduces and the annotated tags on it.
pub fn scan_pushed(
    repo: &Repository,
    spec: &PushSpec,
    detector: &Detector,
    opts: &ScanOptions,
) -> Result<ScanReport> {
    let started = Instant::now();
    let commits = pushed_commits(repo, spec)?;
    let ids = commit_objects(repo, &commits)?;
    let opener = RepoOpener::Path(repo.path().to_path_buf());
    let mut report = scan_object_set(repo, &opener, &ids, Some(&commits), detector, opts)?;
    report.stats.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn commit(dir: &Path, name: &str) -> String {
        std::fs::write(dir.join(name), name).unwrap();
        git(dir, &["add", name]);
        git(dir, &["commit", "-q", "-m", name]);
        git(dir, &["rev-parse", "HEAD"])
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn every_local_branch_minus_the_remote_tracking_refs() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"]);
        let base = commit(dir, "a");
        // What the remote has: a remote-tracking ref at `base`.
        git(dir, &["update-ref", "refs/remotes/origin/main", &base]);
        let on_main = commit(dir, "b");
        git(dir, &["checkout", "-q", "-b", "leaky", &base]);
        let on_leaky = commit(dir, "c");
        git(dir, &["checkout", "-q", "main"]);
        let repo = Repository::open(dir).unwrap();
        let spec = PushSpec {
            remote: "origin".into(),
            ..PushSpec::default()
        };
        let found: Vec<String> = pushed_commits(&repo, &spec)
            .unwrap()
            .iter()
            .map(Oid::to_string)
            .collect();
        assert_eq!(sorted(found), sorted(vec![on_main.clone(), on_leaky]));
        // A remote never fetched: everything.
        let other = PushSpec {
            remote: "backup".into(),
            ..PushSpec::default()
        };
        assert_eq!(pushed_commits(&repo, &other).unwrap().len(), 3);
        // What the remote is known to have is left out; a detached commit that is named is in.
        git(dir, &["checkout", "-q", "--detach", &base]);
        let detached = commit(dir, "d");
        git(dir, &["checkout", "-q", "main"]);
        let named = PushSpec {
            remote: "origin".into(),
            refs: vec![detached.clone()],
            remote_has: vec![
                on_main.clone(),
                "0123456789abcdef0123456789abcdef01234567".into(),
            ],
        };
        let found: Vec<String> = pushed_commits(&repo, &named)
            .unwrap()
            .iter()
            .map(Oid::to_string)
            .collect();
        assert!(
            found.contains(&detached) && !found.contains(&on_main),
            "{found:?}"
        );
        // A named revision that does not exist is an error, never a smaller scan.
        let missing = PushSpec {
            remote: "origin".into(),
            refs: vec!["refs/heads/nope".into()],
            ..PushSpec::default()
        };
        let err = pushed_commits(&repo, &missing).unwrap_err().to_string();
        assert!(err.contains("refs/heads/nope"), "{err}");
    }
}
