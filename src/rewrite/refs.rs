//! Moving the rewritten branch: a compare-and-swap under the ref's lock (it moves only if it
//! still points where it did when the rewrite started), a backup ref at the old tip, and, when
//! the branch is checked out, the index and working tree brought along the way `git reset --keep`
//! does: only the paths the rewrite changed are touched, and only when they hold no uncommitted
//! change (or one that already is the rewrite's result, such as the applied patch of
//! `rolecall fix`); otherwise nothing moves and nothing is lost.

use crate::error::{Error, Result};
use git2::build::CheckoutBuilder;
use git2::{DiffOptions, Oid, Repository, Status, Tree};
use std::path::Path;

/// The backup ref kept for `branch` (`refs/heads/NAME` → `refs/rolecall/backup/NAME`).
pub fn backup_ref(branch: &str) -> String {
    format!(
        "refs/rolecall/backup/{}",
        branch.trim_start_matches("refs/heads/")
    )
}

/// What [`move_branch`] did.
#[derive(Debug, Clone)]
pub struct RefUpdate {
    /// The branch (full name).
    pub branch: String,
    /// Its old tip (now also at [`RefUpdate::backup`]).
    pub old: Oid,
    /// Its new tip.
    pub new: Oid,
    /// The backup ref.
    pub backup: String,
    /// Whether the branch was checked out here (index and working tree were updated).
    pub checked_out: bool,
    /// Paths rewritten in the working tree and index.
    pub files: Vec<String>,
}

/// Moves `branch` from `expected` to `new`, keeping a backup of `expected`. Refuses (changing
/// nothing) when the branch no longer points at `expected`, when it is checked out in another
/// worktree, or when a path the rewrite changes has uncommitted changes.
pub fn move_branch(repo: &Repository, branch: &str, expected: Oid, new: Oid) -> Result<RefUpdate> {
    let backup = backup_ref(branch);
    let mut tx = repo.transaction()?;
    tx.lock_ref(branch)?;
    tx.lock_ref(&backup)?;
    let current = repo.refname_to_id(branch)?;
    if current != expected {
        return Err(Error::input(format!(
            "{branch} moved from {expected} to {current} while rolecall was rewriting it; \
             nothing was changed (run the rewrite again to include the new commits)"
        )));
    }
    if let Some(other) = checked_out_elsewhere(repo, branch)? {
        return Err(Error::input(format!(
            "{branch} is checked out in the worktree at {other}: run the rewrite there"
        )));
    }
    let checked_out = !repo.is_bare()
        && repo
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
            .is_some_and(|t| t == branch);
    let mut files = Vec::new();
    if checked_out {
        files = changed_paths(repo, expected, new)?;
        let old_tree = repo.find_commit(expected)?.tree()?;
        let tree = repo.find_commit(new)?.tree()?;
        refuse_local_changes(repo, &files, &old_tree, &tree)?;
        let mut checkout = CheckoutBuilder::new();
        checkout.force().disable_pathspec_match(true);
        for f in &files {
            checkout.path(f);
        }
        if !files.is_empty() {
            repo.checkout_tree(tree.as_object(), Some(&mut checkout))?;
        }
    }
    let message = format!("rolecall fix --rewrite: {expected} -> {new}");
    tx.set_target(branch, new, None, &message)?;
    tx.set_target(&backup, expected, None, "rolecall fix --rewrite: backup")?;
    tx.commit()?;
    Ok(RefUpdate {
        branch: branch.to_string(),
        old: expected,
        new,
        backup,
        checked_out,
        files,
    })
}

/// Paths whose blob (or mode) differs between the two commits' trees.
fn changed_paths(repo: &Repository, old: Oid, new: Oid) -> Result<Vec<String>> {
    let a = repo.find_commit(old)?.tree()?;
    let b = repo.find_commit(new)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None)?;
    let mut out: Vec<String> = diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or(d.old_file().path())
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Errors when any of `paths` holds an uncommitted change that the rewrite would overwrite, or
/// when the index has unresolved conflicts. A change that already is the rewrite's result (the
/// patch `rolecall fix` printed, applied with `git apply` or `git apply --index`) is not lost:
/// a path whose working-tree file equals `new_tree`'s and whose index entry is `old_tree`'s (the
/// checked-out tip's) or `new_tree`'s is accepted.
fn refuse_local_changes(
    repo: &Repository,
    paths: &[String],
    old_tree: &Tree<'_>,
    new_tree: &Tree<'_>,
) -> Result<()> {
    let index = repo.index()?;
    if index.has_conflicts() {
        return Err(Error::input(
            "the index has unresolved conflicts: finish or abort the merge first; nothing was \
             changed",
        ));
    }
    let mut dirty = Vec::new();
    for p in paths {
        let status = repo.status_file(Path::new(p))?;
        let clean = status.is_empty() || status == Status::CURRENT || status == Status::IGNORED;
        if !clean && !already_rewritten(repo, &index, p, old_tree, new_tree)? {
            dirty.push(p.clone());
        }
    }
    if dirty.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "uncommitted changes in {} would be overwritten by the rewrite: commit or stash them \
         first; nothing was changed",
        dirty.join(", ")
    )))
}

/// Whether `path`'s uncommitted state is already the rewrite's: its working-tree file equals
/// the one in `new_tree` (through the repository's filters, as `git diff` compares) and its
/// index entry is the one in `old_tree` (changes not staged) or in `new_tree` (staged).
fn already_rewritten(
    repo: &Repository,
    index: &git2::Index,
    path: &str,
    old_tree: &Tree<'_>,
    new_tree: &Tree<'_>,
) -> Result<bool> {
    let entry_id = |tree: &Tree<'_>| tree.get_path(Path::new(path)).ok().map(|e| e.id());
    let staged = index.get_path(Path::new(path), 0).map(|e| e.id);
    if staged != entry_id(old_tree) && staged != entry_id(new_tree) {
        return Ok(false);
    }
    let mut opts = DiffOptions::new();
    opts.pathspec(path)
        .disable_pathspec_match(true)
        .include_untracked(true)
        .recurse_untracked_dirs(true);
    let diff = repo.diff_tree_to_workdir(Some(new_tree), Some(&mut opts))?;
    Ok(diff.deltas().len() == 0)
}

/// The path of another worktree that has `branch` checked out, if any.
fn checked_out_elsewhere(repo: &Repository, branch: &str) -> Result<Option<String>> {
    let here = repo.path().canonicalize().ok();
    let names = repo.worktrees()?;
    for name in names.iter().flatten().flatten() {
        let Ok(wt) = repo.find_worktree(name) else {
            continue;
        };
        let Ok(other) = Repository::open_from_worktree(&wt) else {
            continue;
        };
        if other.path().canonicalize().ok() == here {
            continue;
        }
        let head = other
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
        if head.as_deref() == Some(branch) {
            return Ok(Some(wt.path().display().to_string()));
        }
    }
    Ok(None)
}
