//! Enumerating a repository's objects without walking history: the pack indexes (in pack-offset
//! order, which keeps libgit2's delta-base cache warm) and the loose object directories.

use crate::error::{Error, Result};
use git2::Oid;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The object directories a repository reads from: its own, then its alternates (recursively,
/// as git does), without duplicates.
pub fn object_dirs(objects_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut pending = vec![objects_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if dirs.contains(&canonical) || dirs.len() > 16 {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(dir.join("info").join("alternates")) {
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let alt = PathBuf::from(line);
                pending.push(if alt.is_absolute() {
                    alt
                } else {
                    dir.join(alt)
                });
            }
        }
        dirs.push(canonical);
    }
    dirs
}

/// Every object id stored in `dir` (packs first, each in pack-offset order, then loose objects).
/// Ids already in `seen` are skipped, and every id returned is added to it.
pub fn list_objects(dir: &Path, seen: &mut HashSet<Oid>) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    let pack_dir = dir.join("pack");
    let mut idx_files: Vec<PathBuf> = match std::fs::read_dir(&pack_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .collect(),
        Err(_) => Vec::new(),
    };
    idx_files.sort();
    for idx in idx_files {
        if !idx.with_extension("pack").exists() {
            continue;
        }
        let bytes = std::fs::read(&idx).map_err(|e| Error::io(&idx, e))?;
        let entries = parse_pack_index(&bytes)
            .ok_or_else(|| Error::input(format!("{}: not a pack index (v2)", idx.display())))?;
        out.extend(
            entries
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| seen.insert(*id)),
        );
    }
    for id in loose_objects(dir) {
        if seen.insert(id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Parses a version-2 pack index into (id, offset) pairs sorted by offset.
pub fn parse_pack_index(bytes: &[u8]) -> Option<Vec<(Oid, u64)>> {
    const HEADER: usize = 8;
    const FANOUT: usize = 256 * 4;
    if bytes.len() < HEADER + FANOUT || bytes[..4] != [0xff, 0x74, 0x4f, 0x63] {
        return None;
    }
    if u32::from_be_bytes(bytes[4..8].try_into().ok()?) != 2 {
        return None;
    }
    let count = u32::from_be_bytes(
        bytes[HEADER + FANOUT - 4..HEADER + FANOUT]
            .try_into()
            .ok()?,
    ) as usize;
    let ids_at = HEADER + FANOUT;
    let crc_at = ids_at + count * 20;
    let off_at = crc_at + count * 4;
    let large_at = off_at + count * 4;
    if bytes.len() < large_at {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let id = Oid::from_bytes(&bytes[ids_at + i * 20..ids_at + (i + 1) * 20]).ok()?;
        let raw = u32::from_be_bytes(bytes[off_at + i * 4..off_at + i * 4 + 4].try_into().ok()?);
        let offset = if raw & 0x8000_0000 != 0 {
            let j = large_at + (raw & 0x7fff_ffff) as usize * 8;
            u64::from_be_bytes(bytes.get(j..j + 8)?.try_into().ok()?)
        } else {
            raw as u64
        };
        entries.push((id, offset));
    }
    entries.sort_unstable_by_key(|(_, off)| *off);
    Some(entries)
}

/// Ids of the loose objects in `dir` (`xx/yyyy…` files).
pub fn loose_objects(dir: &Path) -> Vec<Oid> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut fanout: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .collect();
    fanout.sort();
    for sub in fanout {
        let prefix = sub
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let Ok(files) = std::fs::read_dir(&sub) else {
            continue;
        };
        for f in files.filter_map(|e| e.ok()) {
            let name = f.file_name();
            let Some(rest) = name.to_str() else { continue };
            if rest.len() == 38 {
                if let Ok(id) = Oid::from_str(&format!("{prefix}{rest}")) {
                    out.push(id);
                }
            }
        }
    }
    out
}
