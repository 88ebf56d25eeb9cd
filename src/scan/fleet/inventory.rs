//! What a repository's object store holds, cheaply: its packs (each named by the checksum in
//! its index's trailer, with the object count from the index's fan-out table) and its loose
//! object ids, across its own object folder and its alternates. Incremental fleet scans compare
//! this with the recorded state before reading any object; the ids inside a pack are read only
//! when the pack is new.

use crate::error::{Error, Result};
use crate::git::store::{loose_object_ids, object_dirs, pack_object_ids};
use git2::Oid;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A pack as recorded in fleet state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PackMark {
    /// The pack's file name (`pack-<hash>.pack`), for people.
    pub name: String,
    /// The pack checksum (SHA-1 of the pack file, stored in its index's trailer): what identifies
    /// the pack's contents.
    pub checksum: String,
    /// How many objects it holds.
    pub objects: u64,
}

/// A pack found on disk.
#[derive(Debug, Clone)]
pub struct PackFile {
    /// What state records about it.
    pub mark: PackMark,
    /// Its `.idx` file.
    pub idx: PathBuf,
}

/// A repository's object store at one moment.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// Object folders in reading order: the repository's own, then its alternates.
    pub dirs: Vec<Vec<PackFile>>,
    /// Loose object ids per folder (same order as `dirs`).
    pub loose: Vec<Vec<Oid>>,
}

/// The object folder of the repository at `path` (a work tree, a linked work tree or a git
/// folder), found without opening it: `.git` (a folder, or a file naming one), then its
/// `commondir` for linked work trees.
pub fn objects_dir(path: &Path) -> Result<PathBuf> {
    let dot_git = path.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else if dot_git.is_file() {
        let text = std::fs::read_to_string(&dot_git).map_err(|e| Error::io(&dot_git, e))?;
        let target = text
            .strip_prefix("gitdir:")
            .map(str::trim)
            .ok_or_else(|| Error::input(format!("{}: not a gitdir file", dot_git.display())))?;
        path.join(target)
    } else {
        path.to_path_buf()
    };
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(text) => git_dir.join(text.trim()),
        Err(_) => git_dir,
    };
    let objects = common.join("objects");
    if !objects.is_dir() {
        return Err(Error::input(format!(
            "{}: no object folder (not a git repository?)",
            objects.display()
        )));
    }
    Ok(objects)
}

impl Inventory {
    /// Takes stock of the object store at `objects` (and its alternates).
    pub fn take(objects: &Path) -> Result<Inventory> {
        let mut dirs = Vec::new();
        let mut loose = Vec::new();
        // Most repositories have no alternates: skip resolving (and canonicalising) them.
        let dirs_to_read = if objects.join("info").join("alternates").exists() {
            object_dirs(objects)
        } else {
            vec![objects.to_path_buf()]
        };
        for dir in dirs_to_read {
            dirs.push(packs_in(&dir)?);
            loose.push(
                loose_object_ids(&dir, gix_hash::Kind::Sha1)
                    .into_iter()
                    .filter_map(|id| Oid::from_bytes(id.as_slice()).ok())
                    .collect::<Vec<Oid>>(),
            );
        }
        Ok(Inventory { dirs, loose })
    }

    /// Every pack, in reading order.
    pub fn packs(&self) -> impl Iterator<Item = &PackFile> {
        self.dirs.iter().flatten()
    }

    /// How many objects the store holds (packs may overlap, so this is an upper bound).
    pub fn estimate(&self) -> u64 {
        self.packs().map(|p| p.mark.objects).sum::<u64>()
            + self.loose.iter().map(|l| l.len() as u64).sum::<u64>()
    }

    /// What state records: the packs' marks, sorted by checksum.
    pub fn marks(&self) -> Vec<PackMark> {
        let mut marks: Vec<PackMark> = self.packs().map(|p| p.mark.clone()).collect();
        marks.sort_by(|a, b| a.checksum.cmp(&b.checksum));
        marks.dedup_by(|a, b| a.checksum == b.checksum);
        marks
    }

    /// A digest of the loose object ids (in any order): equal digests, equal sets.
    pub fn loose_digest(&self) -> String {
        let mut ids: Vec<Oid> = self.loose.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut bytes = Vec::with_capacity(ids.len() * 20);
        for id in &ids {
            bytes.extend_from_slice(id.as_bytes());
        }
        let digest = Oid::hash_object(git2::ObjectType::Blob, &bytes)
            .expect("hashing an in-memory buffer cannot fail");
        format!("{}:{digest}", ids.len())
    }

    /// Every object id, once, in the order a history scan reads them (each folder's packs in
    /// index-name order, each in pack-offset order, then its loose objects).
    pub fn all_ids(&self) -> Result<Vec<Oid>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (packs, loose) in self.dirs.iter().zip(&self.loose) {
            for pack in packs {
                out.extend(
                    pack_ids(&pack.idx)?
                        .into_iter()
                        .filter(|id| seen.insert(*id)),
                );
            }
            out.extend(loose.iter().copied().filter(|id| seen.insert(*id)));
        }
        Ok(out)
    }
}

/// The packs of one object folder (an index without its pack is not a pack), sorted by name.
fn packs_in(dir: &Path) -> Result<Vec<PackFile>> {
    let pack_dir = dir.join("pack");
    let mut idx_files: Vec<PathBuf> = match std::fs::read_dir(&pack_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .filter(|p| p.with_extension("pack").exists())
            .collect(),
        Err(_) => Vec::new(),
    };
    idx_files.sort();
    idx_files
        .into_iter()
        .map(|idx| {
            let mark = read_mark(&idx)?;
            Ok(PackFile { mark, idx })
        })
        .collect()
}

/// Reads a version-2 pack index's object count (the last fan-out entry) and the pack checksum
/// (the first half of its 40-byte trailer), without reading the rest.
fn read_mark(idx: &Path) -> Result<PackMark> {
    let not_an_index = || Error::input(format!("{}: not a pack index", idx.display()));
    let mut file = std::fs::File::open(idx).map_err(|e| Error::io(idx, e))?;
    let len = file.metadata().map_err(|e| Error::io(idx, e))?.len();
    if len < 8 + 1024 + 40 {
        return Err(not_an_index());
    }
    let mut head = [0u8; 8 + 1024];
    file.read_exact(&mut head).map_err(|e| Error::io(idx, e))?;
    // A version-2 index starts with its magic and version, then the fan-out; a version-1 index
    // is the fan-out itself.
    let fanout = if head[..4] == [0xff, 0x74, 0x4f, 0x63] {
        if head[4..8] != [0, 0, 0, 2] {
            return Err(not_an_index());
        }
        &head[8..]
    } else {
        &head[..1024]
    };
    let objects = u32::from_be_bytes(fanout[1020..1024].try_into().expect("4 bytes"));
    let mut trailer = [0u8; 40];
    file.seek(SeekFrom::Start(len - 40))
        .and_then(|_| file.read_exact(&mut trailer))
        .map_err(|e| Error::io(idx, e))?;
    let checksum = Oid::from_bytes(&trailer[..20]).map_err(|_| not_an_index())?;
    let name = idx
        .with_extension("pack")
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(PackMark {
        name,
        checksum: checksum.to_string(),
        objects: u64::from(objects),
    })
}

/// The ids in a pack, in pack-offset order.
pub fn pack_ids(idx: &Path) -> Result<Vec<Oid>> {
    Ok(pack_object_ids(idx, gix_hash::Kind::Sha1)?
        .into_iter()
        .filter_map(|id| Oid::from_bytes(id.as_slice()).ok())
        .collect())
}
