//! The objects a push would add to the server: the quarantine's objects minus those the main
//! object store already has (thin-pack bases, commits the server had under another ref).

use super::input::{HookEnv, RefUpdate};
use crate::error::{Error, Result};
use crate::git::store::{object_format, ObjectStore};
use crate::git::RepoOpener;
use git2::Oid;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// How the new objects were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectSource {
    /// Nothing to look at: the push only deletes refs.
    DeletionsOnly,
    /// Listed from the quarantine directory (git ≥ 2.11, GitHub Enterprise, GitLab, Gitea).
    Quarantine,
    /// No quarantine was announced: `git rev-list --objects <new>… --not --all`.
    RevList,
}

/// The objects of a push that the server does not have yet.
#[derive(Debug, Clone)]
pub struct PushObjects {
    /// New objects (commits, trees, blobs, tags), in pack order where there is one.
    pub ids: Vec<Oid>,
    /// Objects found in the quarantine (before dropping those already present).
    pub listed: usize,
    /// Quarantined objects the main store already had (not scanned again).
    pub already_present: usize,
    /// How each scan worker opens a repository that sees both the main store and the push.
    pub opener: RepoOpener,
    /// How the objects were found.
    pub source: ObjectSource,
}

/// Finds the objects `updates` would add to the repository described by `env`.
///
/// With a quarantine (`GIT_QUARANTINE_PATH`, else `GIT_OBJECT_DIRECTORY`), the quarantine
/// directory is listed as it is (its name is never interpreted) and every object the main
/// repository, opened without the quarantine, already `exists` is dropped.
pub fn push_objects(env: &HookEnv, updates: &[RefUpdate]) -> Result<PushObjects> {
    let git_dir = env.git_dir.clone();
    if updates.iter().all(RefUpdate::is_delete) {
        return Ok(PushObjects {
            ids: Vec::new(),
            listed: 0,
            already_present: 0,
            opener: RepoOpener::Path(git_dir),
            source: ObjectSource::DeletionsOnly,
        });
    }
    match &env.quarantine {
        Some(quarantine) => from_quarantine(&git_dir, quarantine),
        None => from_rev_list(&git_dir, updates),
    }
}

fn from_quarantine(git_dir: &Path, quarantine: &Path) -> Result<PushObjects> {
    // libgit2 spins on a loose object whose zlib stream is cut short: refuse it first.
    crate::git::store::check_loose_streams(quarantine)?;
    let hash = object_format(git_dir);
    let listed = ObjectStore::open(&[quarantine.to_path_buf()], hash)?.ids();
    let total = listed.len();
    // Most quarantined objects are new: one index lookup per pack and one listing of the loose
    // objects, not a file-system probe per object.
    let ids: Vec<Oid> = ObjectStore::of_repository(git_dir)?
        .absent(listed)
        .iter()
        .filter_map(|id| Oid::from_bytes(id.as_bytes()).ok())
        .collect();
    Ok(PushObjects {
        already_present: total - ids.len(),
        listed: total,
        ids,
        opener: RepoOpener::WithObjects {
            git_dir: git_dir.to_path_buf(),
            extra: vec![quarantine.to_path_buf()],
        },
        source: ObjectSource::Quarantine,
    })
}

/// Lists the objects the new tips reach that no ref has: `git rev-list --objects --stdin --not
/// --all`. The tips go on stdin (written by a thread while the output is read, so neither pipe
/// can fill up and stall the other), so any number of refs fits: a push of 100k tags would
/// overflow the command line.
fn from_rev_list(git_dir: &Path, updates: &[RefUpdate]) -> Result<PushObjects> {
    let mut tips = String::with_capacity(updates.len() * 41);
    let mut seen_tips = HashSet::new();
    for u in updates.iter().filter(|u| !u.is_delete()) {
        if seen_tips.insert(u.new) {
            tips.push_str(&u.new.to_string());
            tips.push('\n');
        }
    }
    let mut child = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["rev-list", "--objects", "--stdin", "--not", "--all"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::input(format!("cannot run `git rev-list`: {e}")))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(tips.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| Error::input(format!("cannot run `git rev-list`: {e}")))?;
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the writer thread panicked")));
    if !out.status.success() {
        return Err(Error::input(format!(
            "`git rev-list --objects --stdin --not --all` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    written
        .map_err(|e| Error::input(format!("cannot write the new tips to `git rev-list`: {e}")))?;
    let mut seen = HashSet::new();
    let ids: Vec<Oid> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(' ').next())
        .filter_map(|id| Oid::from_str(id).ok())
        .filter(|id| seen.insert(*id))
        .collect();
    Ok(PushObjects {
        listed: ids.len(),
        already_present: 0,
        ids,
        opener: RepoOpener::Path(git_dir.to_path_buf()),
        source: ObjectSource::RevList,
    })
}
