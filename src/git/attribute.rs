//! Attribution: which commit introduced a blob at which path. Runs only for blobs that matched,
//! comparing each commit's tree with its parents' trees and descending only into subtrees that
//! differ from every parent (so unchanged parts of history cost nothing).

use super::RepoOpener;
use crate::error::Result;
use git2::{ObjectType, Oid, Repository, Tree};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// One place a blob entered history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introduction {
    /// The commit whose tree has the blob at `path` while no parent has it there.
    pub commit: Oid,
    /// Repository-relative path.
    pub path: String,
    /// The commit's committer time (to pick the earliest).
    pub time: i64,
}

/// For each wanted blob, the earliest commit (among `commits`) that introduced it, per path.
/// Commits whose parents are missing (shallow clones) are compared with an empty tree.
pub fn introductions(
    opener: &RepoOpener,
    commits: &[Oid],
    wanted: &HashSet<Oid>,
    threads: usize,
) -> Result<HashMap<Oid, Vec<Introduction>>> {
    if wanted.is_empty() || commits.is_empty() {
        return Ok(HashMap::new());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::error::Error::input(format!("cannot start worker threads: {e}")))?;
    let found: Vec<Result<Vec<(Oid, Introduction)>>> = pool.install(|| {
        commits
            .par_chunks(256)
            .map_init(
                || opener.open(),
                |repo, chunk| {
                    let repo = repo
                        .as_ref()
                        .map_err(|e| crate::error::Error::input(e.to_string()))?;
                    let mut out = Vec::new();
                    for &id in chunk {
                        commit_introductions(repo, id, wanted, &mut out)?;
                    }
                    Ok(out)
                },
            )
            .collect()
    });
    let mut by_blob: HashMap<Oid, Vec<Introduction>> = HashMap::new();
    for part in found {
        for (blob, intro) in part? {
            by_blob.entry(blob).or_default().push(intro);
        }
    }
    for intros in by_blob.values_mut() {
        keep_earliest_per_path(intros);
    }
    Ok(by_blob)
}

/// Introductions made by one commit.
pub fn commit_introductions(
    repo: &Repository,
    id: Oid,
    wanted: &HashSet<Oid>,
    out: &mut Vec<(Oid, Introduction)>,
) -> Result<()> {
    let Ok(commit) = repo.find_commit(id) else {
        return Ok(());
    };
    let tree = commit.tree()?;
    let parents: Vec<Option<Tree<'_>>> = commit
        .parent_ids()
        .map(|p| repo.find_commit(p).ok().and_then(|c| c.tree().ok()))
        .collect();
    let time = commit.time().seconds();
    let mut found = Vec::new();
    compare_tree(
        repo,
        &tree,
        &parents,
        "",
        BlobFilter::Wanted(wanted),
        &mut found,
    )?;
    out.extend(found.into_iter().map(|(blob, path)| {
        (
            blob,
            Introduction {
                commit: id,
                path,
                time,
            },
        )
    }));
    Ok(())
}

/// Which blobs [`compare_tree`] reports.
#[derive(Debug, Clone, Copy)]
enum BlobFilter<'a> {
    /// Only these blobs (attribution of matches).
    Wanted(&'a HashSet<Oid>),
    /// Every blob the commit introduces (range scans).
    All,
}

impl BlobFilter<'_> {
    fn keeps(&self, id: &Oid) -> bool {
        match self {
            BlobFilter::Wanted(set) => set.contains(id),
            BlobFilter::All => true,
        }
    }
}

/// Every blob that commit `id` introduces, with its path: blobs at a path where no parent has
/// that same blob (a root commit, or one whose parents are missing in a shallow clone, introduces
/// its whole tree). Gitlinks (submodules) are not blobs and are left out.
pub fn introduced_blobs(repo: &Repository, id: Oid) -> Result<Vec<(Oid, String)>> {
    let commit = repo.find_commit(id)?;
    let tree = commit.tree()?;
    let parents: Vec<Option<Tree<'_>>> = commit
        .parent_ids()
        .map(|p| repo.find_commit(p).ok().and_then(|c| c.tree().ok()))
        .collect();
    let mut found = Vec::new();
    compare_tree(repo, &tree, &parents, "", BlobFilter::All, &mut found)?;
    Ok(found)
}

/// Walks `tree` against the same folder in each parent, descending only into subtrees that differ
/// from every parent, and collects the blobs that `filter` keeps and no parent has at that path.
///
/// Entries are matched by walking each parent's entries alongside (trees are sorted in git's
/// order), never by a lookup per name; paths are built only for what is kept or descended into.
fn compare_tree(
    repo: &Repository,
    tree: &Tree<'_>,
    parents: &[Option<Tree<'_>>],
    prefix: &str,
    filter: BlobFilter<'_>,
    found: &mut Vec<(Oid, String)>,
) -> Result<()> {
    let mut cursors = vec![0usize; parents.len()];
    let mut parent_entries: Vec<Option<(Oid, Option<ObjectType>)>> = vec![None; parents.len()];
    for entry in tree.iter() {
        let id = entry.id();
        let name = entry.name_bytes();
        let kind = entry.kind();
        let is_tree = kind == Some(ObjectType::Tree);
        let mut unchanged = false;
        for (i, parent) in parents.iter().enumerate() {
            parent_entries[i] = parent
                .as_ref()
                .and_then(|t| entry_alongside(t, &mut cursors[i], name, is_tree));
            unchanged |= parent_entries[i].is_some_and(|(pid, _)| pid == id);
        }
        if unchanged {
            continue;
        }
        match kind {
            Some(ObjectType::Blob) if filter.keeps(&id) => found.push((id, join(prefix, name))),
            Some(ObjectType::Tree) => {
                let sub = repo.find_tree(id)?;
                let sub_parents: Vec<Option<Tree<'_>>> = parent_entries
                    .iter()
                    .map(|p| match p {
                        Some((pid, Some(ObjectType::Tree))) => repo.find_tree(*pid).ok(),
                        _ => None,
                    })
                    .collect();
                let path = join(prefix, name);
                compare_tree(repo, &sub, &sub_parents, &path, filter, found)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The entry of `tree` named `name` with the same kind (a tree or not) as the entry being
/// walked, found by advancing `cursor` through `tree`'s entries in git's order. An entry of the
/// same name but the other kind sorts elsewhere and has another id anyway: it is no match.
fn entry_alongside(
    tree: &Tree<'_>,
    cursor: &mut usize,
    name: &[u8],
    is_tree: bool,
) -> Option<(Oid, Option<ObjectType>)> {
    while let Some(e) = tree.get(*cursor) {
        let e_tree = e.kind() == Some(ObjectType::Tree);
        match git_order(e.name_bytes(), e_tree, name, is_tree) {
            std::cmp::Ordering::Less => *cursor += 1,
            std::cmp::Ordering::Equal => {
                *cursor += 1;
                return Some((e.id(), e.kind()));
            }
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
}

/// git's order of tree entries: by name, a tree's name compared as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let next = |name: &[u8], tree: bool| match name.get(n) {
            Some(&c) => c,
            None if tree => b'/',
            None => 0,
        };
        next(a, a_tree).cmp(&next(b, b_tree))
    })
}

fn join(prefix: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

fn keep_earliest_per_path(intros: &mut Vec<Introduction>) {
    intros.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(a.time.cmp(&b.time))
            .then(a.commit.cmp(&b.commit))
    });
    intros.dedup_by(|later, earlier| later.path == earlier.path);
    intros.sort_by(|a, b| a.time.cmp(&b.time).then(a.path.cmp(&b.path)));
}

/// The commits some ref (or `HEAD`) reaches, and the blobs the index holds: what `git gc` keeps
/// once reflogs expire. `None` when the walk fails (a shallow or damaged repository), so callers
/// never call an object unreachable on a guess.
pub fn reached(repo: &Repository) -> Option<Reached> {
    let mut walk = repo.revwalk().ok()?;
    walk.push_glob("*").ok()?;
    // An unborn or detached HEAD: a detached HEAD reaches commits no ref does.
    let _ = walk.push_head();
    let mut commits = HashSet::new();
    for id in walk {
        commits.insert(id.ok()?);
    }
    let staged = repo
        .index()
        .map(|index| index.iter().map(|entry| entry.id).collect())
        .unwrap_or_default();
    Some(Reached { commits, staged })
}

/// What [`reached`] found.
#[derive(Debug, Default)]
pub struct Reached {
    /// Commits reachable from refs and `HEAD`.
    pub commits: HashSet<Oid>,
    /// Blob ids in the index.
    pub staged: HashSet<Oid>,
}
