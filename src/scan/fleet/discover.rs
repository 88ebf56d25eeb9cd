//! Which repositories a fleet scan covers: every git repository under a folder (bare or with a
//! work tree, nested at any depth: GitLab's `repositories/@hashed/ab/cd/<hash>.git`, Gitea's
//! `<owner>/<name>.git`, a plain `/srv/git`), or the repositories a list names.
//!
//! The walk never descends into a repository (neither its git folder nor its work tree, so a
//! vendored checkout inside a work tree is part of that repository's files, not a repository of
//! the fleet), follows symbolic links to folders but visits each real folder once (a link back
//! to an ancestor is a loop, a second link to a repository a duplicate), and reports folders it
//! cannot read instead of silently leaving them out.

use crate::error::{Error, ErrorKind, Result};
use crate::model::report::Skipped;
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One repository of a fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetRepo {
    /// Its name in reports and state: the path relative to the fleet root with `/` separators
    /// (`.` for the root itself), or the path as a repository list wrote it.
    pub name: String,
    /// Where it is on disk (a work tree or a git folder).
    pub path: PathBuf,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The repositories, sorted by name.
    pub repos: Vec<FleetRepo>,
    /// Folders that could not be read (they may hold repositories).
    pub skipped: Vec<Skipped>,
}

/// What a folder is to the walk.
enum FolderKind {
    /// A repository (or something named like one that must be reported if unreadable).
    Repository,
    /// A plain folder to descend into.
    Plain,
}

fn classify(dir: &Path) -> FolderKind {
    let is_git_dir = dir.join("HEAD").is_file() && dir.join("objects").is_dir();
    let named_like_one = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".git") && n != ".git");
    if dir.join(".git").exists() || is_git_dir || named_like_one {
        FolderKind::Repository
    } else {
        FolderKind::Plain
    }
}

/// Every repository under `root` (which may itself be one).
pub fn discover(root: &Path) -> Result<Discovery> {
    let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::new(ErrorKind::NotFound(root.to_path_buf())),
        _ => Error::io(root, e),
    })?;
    if !meta.is_dir() {
        return Err(Error::input(format!(
            "{}: --repos needs a folder of repositories",
            root.display()
        )));
    }
    let mut found = Discovery::default();
    // Real folders by (device, inode): a link back to an ancestor, or a second link to one
    // folder, finds it already visited.
    let mut visited: HashSet<(u64, u64)> = HashSet::new();
    let mut pending: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = pending.pop() {
        let shown = if rel.is_empty() { ".".to_string() } else { rel };
        let real = match std::fs::metadata(&dir) {
            Ok(meta) => (meta.dev(), meta.ino()),
            Err(e) => {
                found.skipped.push(unreadable_folder(&shown, &e));
                continue;
            }
        };
        if !visited.insert(real) {
            continue;
        }
        if let FolderKind::Repository = classify(&dir) {
            found.repos.push(FleetRepo {
                name: shown,
                path: dir,
            });
            continue;
        }
        match subfolders(&dir) {
            Ok(children) => {
                // Reversed, so that the stack visits them in name order (deterministic: the
                // first of two links to one repository names it).
                for name in children.into_iter().rev() {
                    let child_rel = if shown == "." {
                        name.clone()
                    } else {
                        format!("{shown}/{name}")
                    };
                    pending.push((dir.join(&name), child_rel));
                }
            }
            Err(e) => found.skipped.push(unreadable_folder(&shown, &e)),
        }
    }
    found.repos.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// The names of the folders (or links to folders) in `dir`, sorted.
fn subfolders(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // `metadata` follows links: a link to a folder is walked (loops end at `visited`).
        let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
        if is_dir {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn unreadable_folder(rel: &str, e: &std::io::Error) -> Skipped {
    Skipped {
        what: rel.to_string(),
        reason: format!("cannot read this folder (it may hold repositories): {e}"),
    }
}

/// The repositories a list names, one path per line (blank lines and `#` comments are left out),
/// in the list's order without duplicates. Each is named as written.
pub fn from_list(text: &str) -> Vec<FleetRepo> {
    let mut seen = HashSet::new();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_end_matches('/'))
        .filter(|l| !l.is_empty() && seen.insert(l.to_string()))
        .map(|l| FleetRepo {
            name: l.to_string(),
            path: PathBuf::from(l),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkdirs(root: &Path, dirs: &[&str]) {
        for d in dirs {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
    }

    fn fake_bare(root: &Path, rel: &str) {
        let dir = root.join(rel);
        std::fs::create_dir_all(dir.join("objects")).unwrap();
        std::fs::create_dir_all(dir.join("refs")).unwrap();
        std::fs::write(dir.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    }

    #[test]
    fn finds_nested_layouts_and_stops_at_repositories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fake_bare(root, "repositories/@hashed/ab/cd/abcd.git");
        fake_bare(root, "gitea/acme/api.git");
        // A work tree with a nested repository inside: only the outer one counts.
        mkdirs(root, &["work/app/.git", "work/app/vendor/lib/.git"]);
        // A folder named like a repository but broken: reported by the scan, not dropped here.
        mkdirs(root, &["broken.git"]);
        mkdirs(root, &["empty/folder"]);
        let found = discover(root).unwrap();
        let names: Vec<&str> = found.repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "broken.git",
                "gitea/acme/api.git",
                "repositories/@hashed/ab/cd/abcd.git",
                "work/app"
            ]
        );
        assert!(found.skipped.is_empty());
    }

    #[test]
    fn symlink_loops_and_duplicate_links_are_walked_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fake_bare(root, "a/repo.git");
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("a/repo.git"), root.join("b-link.git")).unwrap();
        let found = discover(root).unwrap();
        let names: Vec<&str> = found.repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a/repo.git"]);
    }

    #[test]
    fn the_root_itself_can_be_a_repository() {
        let tmp = tempfile::tempdir().unwrap();
        fake_bare(tmp.path(), "");
        let found = discover(tmp.path()).unwrap();
        assert_eq!(found.repos.len(), 1);
        assert_eq!(found.repos[0].name, ".");
    }

    #[test]
    fn a_missing_root_is_an_error() {
        let err = discover(Path::new("/nonexistent/fleet/root")).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::NotFound(_)), "{err}");
    }

    #[test]
    fn lists_skip_comments_blanks_and_duplicates() {
        let repos = from_list("# fleet\n/srv/git/a.git\n\n  /srv/git/b.git/ \n/srv/git/a.git\n");
        let names: Vec<&str> = repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["/srv/git/a.git", "/srv/git/b.git"]);
    }
}
