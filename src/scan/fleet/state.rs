//! Fleet state (`--state DIR`): per repository, what has been scanned and with which rules, so
//! that the next run reads only what was added since.
//!
//! One JSON file per repository, `DIR/repos/<hash of its name>.json`, holding:
//! - `rules`: [`crate::rules::rules_version`] at the time (a different version rescans all);
//! - `packs`: each pack's checksum (a pack seen before holds nothing new);
//! - `loose`: a digest of the loose object ids (unchanged digest: no new loose object);
//! - `objects`: every object id that was scanned (base64 of the sorted 20-byte ids), so that a
//!   repack — new packs holding old objects — costs reading the new indexes, not the objects;
//! - `retry`: ids that could not be scanned (too large, unreadable): read again next time;
//! - `notes`: what the repository-level scan reported as incomplete (a shallow clone);
//! - `findings`: the open findings, before policy (so that a changed `.rolecall.toml` or
//!   baseline applies on the next run without a rescan).
//!
//! Each file is written to a temporary file in the same folder and renamed over the old one, as
//! soon as its repository is done: a crash mid-run loses at most the repositories in flight, and
//! never leaves a half-written file. A file that cannot be parsed (or names another repository)
//! is ignored, which rescans that repository: slower, never wrong. An older file (after a power
//! loss) likewise only rescans: a repository's scanned ids and its findings are in one file. One folder can serve every shard of a sharded run (each repository has its own file).

use super::inventory::PackMark;
use super::shard::stable_hash;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::model::report::Skipped;
use base64::Engine as _;
use git2::Oid;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The layout version of a repository's state file.
pub const STATE_FORMAT: u32 = 1;

/// Where fleet state lives.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
}

/// What one repository's state file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepoState {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// The repository's name in the fleet.
    pub repo: String,
    /// The rules version its objects were scanned with.
    pub rules: String,
    /// When this was written (ISO 8601, UTC).
    pub updated: String,
    /// The packs whose objects were all scanned.
    pub packs: Vec<PackMark>,
    /// The digest of the loose object ids at that time.
    pub loose: String,
    /// Every scanned object id: base64 of the sorted 20-byte ids.
    pub objects: String,
    /// Object ids to read again (they could not be scanned).
    #[serde(default)]
    pub retry: Vec<String>,
    /// Repository-level reasons the scan was incomplete (reported again while nothing changes).
    #[serde(default)]
    pub notes: Vec<Skipped>,
    /// Open findings, before policy.
    pub findings: Vec<Finding>,
}

impl RepoState {
    /// The scanned ids, sorted (for [`contains`]).
    pub fn scanned_ids(&self) -> Vec<Oid> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.objects)
            .unwrap_or_default();
        let mut ids: Vec<Oid> = bytes
            .chunks_exact(20)
            .filter_map(|c| Oid::from_bytes(c).ok())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The ids to read again.
    pub fn retry_ids(&self) -> Vec<Oid> {
        self.retry
            .iter()
            .filter_map(|s| Oid::from_str(s).ok())
            .collect()
    }
}

/// Encodes sorted ids for [`RepoState::objects`].
pub fn encode_ids(ids: &[Oid]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut bytes = Vec::with_capacity(sorted.len() * 20);
    for id in &sorted {
        bytes.extend_from_slice(id.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether the sorted `ids` hold `id`.
pub fn contains(ids: &[Oid], id: &Oid) -> bool {
    ids.binary_search(id).is_ok()
}

impl StateStore {
    /// Uses (and creates) the folder `dir`.
    pub fn open(dir: &Path) -> Result<StateStore> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::input(format!(
                "{}: --state needs a folder (one file per repository is kept in it)",
                dir.display()
            )));
        }
        let repos = dir.join("repos");
        std::fs::create_dir_all(&repos).map_err(|e| Error::io(&repos, e))?;
        Ok(StateStore {
            dir: dir.to_path_buf(),
        })
    }

    /// The state file of the repository named `name`.
    pub fn file_for(&self, name: &str) -> PathBuf {
        self.dir
            .join("repos")
            .join(format!("{:016x}.json", stable_hash(name)))
    }

    /// The recorded state of `name`, if there is a readable one for it.
    pub fn load(&self, name: &str) -> Option<RepoState> {
        let text = std::fs::read(self.file_for(name)).ok()?;
        let state: RepoState = serde_json::from_slice(&text).ok()?;
        (state.format == STATE_FORMAT && state.repo == name).then_some(state)
    }

    /// Replaces the recorded state of `state.repo`, atomically.
    pub fn save(&self, state: &RepoState) -> Result<()> {
        let path = self.file_for(&state.repo);
        let folder = path.parent().expect("state files live in a folder");
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .suffix(".json")
            .tempfile_in(folder)
            .map_err(|e| Error::io(folder, e))?;
        let bytes = serde_json::to_vec(state)
            .map_err(|e| Error::input(format!("cannot serialise fleet state: {e}")))?;
        tmp.write_all(&bytes)
            .and_then(|_| tmp.flush())
            .map_err(|e| Error::io(tmp.path(), e))?;
        // No fsync: the rename is atomic for every reader and for a process that crashes or is
        // killed. After a power loss the file may be lost or older, and either costs a rescan of
        // that repository, never a missed object: the ids and the findings of a repository
        // always travel in one file. (An fsync per repository tripled the run time of a
        // 500-repository fleet on a busy disk.)
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(repo: &str) -> RepoState {
        let ids = [Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()];
        RepoState {
            format: STATE_FORMAT,
            repo: repo.into(),
            rules: "r".into(),
            updated: "2026-01-01T00:00:00+00:00".into(),
            packs: vec![],
            loose: "0:x".into(),
            objects: encode_ids(&ids),
            retry: vec![],
            notes: vec![],
            findings: vec![],
        }
    }

    #[test]
    fn round_trips_and_ids_decode_sorted() {
        let tmp = tempfile::tempdir().unwrap();
        let store = StateStore::open(&tmp.path().join("state")).unwrap();
        let state = sample("group/a.git");
        store.save(&state).unwrap();
        let back = store.load("group/a.git").unwrap();
        assert_eq!(back, state);
        let ids = back.scanned_ids();
        assert_eq!(ids.len(), 1);
        assert!(contains(&ids, &ids[0]));
        assert!(store.load("group/b.git").is_none());
    }

    #[test]
    fn a_damaged_file_is_ignored_and_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let store = StateStore::open(tmp.path()).unwrap();
        let path = store.file_for("x.git");
        std::fs::write(&path, b"{\"format\": 1, \"repo\": \"x.g").unwrap();
        assert!(store.load("x.git").is_none());
        store.save(&sample("x.git")).unwrap();
        assert!(store.load("x.git").is_some());
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn a_file_is_not_a_state_folder() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let err = StateStore::open(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("needs a folder"), "{err}");
    }
}
