//! A repository's object store as the reader sees it: its object directories (the repository's
//! own, its alternates, a push's quarantine), each with packs (listed by their `.idx` or by the
//! multi-pack-index) and loose objects; and the entry point that hands every selected object to
//! a [`Visitor`] once, walking each pack's delta forest in parallel.

use super::forest::{Forest, Walk, Worker};
use super::pack::{inflate_exact, EntryBase, Pack};
use super::visit::{ObjectKind, ReadLimits, Visit, Visitor};
use super::RepoOpener;
use crate::error::{Error, ErrorKind, Result};
use gix_hash::ObjectId;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One object directory: its packs and whether it has loose objects.
struct ObjectDir {
    path: PathBuf,
    packs: Vec<Pack>,
}

/// The packs and loose objects of one or more object directories, searched in order.
pub struct ObjectStore {
    hash: gix_hash::Kind,
    dirs: Vec<ObjectDir>,
}

/// Which objects to visit.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// Every object in the store, once.
    All,
    /// Exactly these (ids not in the store are reported unreadable).
    Ids(&'a [ObjectId]),
}

impl ObjectStore {
    /// Opens the object directories `dirs` (in lookup order; alternates are not followed: see
    /// [`object_dirs`]) of a repository whose objects are named with `hash`.
    pub fn open(dirs: &[PathBuf], hash: gix_hash::Kind) -> Result<ObjectStore> {
        let mut out = Vec::new();
        for dir in dirs {
            out.push(ObjectDir {
                path: dir.clone(),
                packs: open_packs(&dir.join("pack"), hash)?,
            });
        }
        Ok(ObjectStore { hash, dirs: out })
    }

    /// The object store of the repository whose git directory is `git_dir`: its objects and,
    /// recursively, its alternates.
    pub fn of_repository(git_dir: &Path) -> Result<ObjectStore> {
        let dirs = object_dirs(&git_dir.join("objects"));
        ObjectStore::open(&dirs, object_format(git_dir))
    }

    /// A push's view in a pre-receive hook: the quarantine directory (where the pushed pack or
    /// loose objects sit; thin packs already completed by `index-pack --fix-thin`) first, then
    /// the main object store of `git_dir` and its alternates.
    pub fn for_push(quarantine: &Path, git_dir: &Path) -> Result<ObjectStore> {
        let mut dirs = vec![quarantine.to_path_buf()];
        dirs.extend(object_dirs(&git_dir.join("objects")));
        ObjectStore::open(&dirs, object_format(git_dir))
    }

    /// The store a [`RepoOpener`] sees, for the repository whose git directory is `git_dir`.
    pub fn for_opener(opener: &RepoOpener, git_dir: &Path) -> Result<ObjectStore> {
        match opener {
            RepoOpener::Path(_) => ObjectStore::of_repository(git_dir),
            RepoOpener::WithObjects { git_dir, extra } => {
                let mut dirs = extra.clone();
                dirs.extend(object_dirs(&git_dir.join("objects")));
                ObjectStore::open(&dirs, object_format(git_dir))
            }
            RepoOpener::FromEnv => {
                let mut dirs = Vec::new();
                if let Some(dir) = std::env::var_os("GIT_OBJECT_DIRECTORY") {
                    dirs.push(PathBuf::from(dir));
                }
                if let Some(alts) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
                    dirs.extend(std::env::split_paths(&alts));
                }
                dirs.extend(object_dirs(&git_dir.join("objects")));
                ObjectStore::open(&dirs, object_format(git_dir))
            }
        }
    }

    /// The hash its object ids use.
    pub fn hash(&self) -> gix_hash::Kind {
        self.hash
    }

    fn packs(&self) -> impl Iterator<Item = &Pack> {
        self.dirs.iter().flat_map(|d| d.packs.iter())
    }

    /// Whether the store has `id`.
    pub fn contains(&self, id: &ObjectId) -> bool {
        self.packs().any(|p| p.lookup(id).is_some())
            || self.dirs.iter().any(|d| loose_path(&d.path, id).is_file())
    }

    /// The ids among `ids` the store does not have, in their order. Packs are searched by their
    /// indexes and each directory's loose objects are listed once, so a push of many new objects
    /// costs no file-system lookup per object.
    pub fn absent(&self, ids: Vec<ObjectId>) -> Vec<ObjectId> {
        let packs: Vec<&Pack> = self.packs().collect();
        let loose: HashSet<ObjectId> = self
            .dirs
            .iter()
            .flat_map(|d| loose_ids(&d.path, self.hash))
            .collect();
        ids.into_iter()
            .filter(|id| !loose.contains(id) && !packs.iter().any(|p| p.lookup(id).is_some()))
            .collect()
    }

    /// How many objects `selection` names (each once).
    pub fn count(&self, selection: Selection<'_>) -> usize {
        match selection {
            Selection::Ids(ids) => ids.iter().collect::<HashSet<_>>().len(),
            Selection::All => {
                let packs: Vec<&Pack> = self.packs().collect();
                let mut n = packs.first().map_or(0, |p| p.entries().len());
                for (i, pack) in packs.iter().enumerate().skip(1) {
                    n += pack
                        .entries()
                        .iter()
                        .filter(|&&(_, pos)| {
                            let id = pack.id_at(pos);
                            !packs[..i].iter().any(|p| p.lookup(&id).is_some())
                        })
                        .count();
                }
                let mut seen = HashSet::new();
                for dir in &self.dirs {
                    n += loose_ids(&dir.path, self.hash)
                        .into_iter()
                        .filter(|id| !packs.iter().any(|p| p.lookup(id).is_some()))
                        .filter(|id| seen.insert(*id))
                        .count();
                }
                n
            }
        }
    }

    /// Every object id the store holds, once (packs first, in offset order; then loose).
    pub fn ids(&self) -> Vec<ObjectId> {
        let mut out = Vec::new();
        let packs: Vec<&Pack> = self.packs().collect();
        for (i, pack) in packs.iter().enumerate() {
            for &(_, pos) in pack.entries() {
                let id = pack.id_at(pos);
                if !packs[..i].iter().any(|p| p.lookup(&id).is_some()) {
                    out.push(id);
                }
            }
        }
        let mut seen = HashSet::new();
        for dir in &self.dirs {
            for id in loose_ids(&dir.path, self.hash) {
                if !packs.iter().any(|p| p.lookup(&id).is_some()) && seen.insert(id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// Reads one object whole (`None`: not in the store). Used for delta bases outside a pack.
    pub fn read(
        &self,
        id: &ObjectId,
    ) -> Option<std::result::Result<(ObjectKind, Vec<u8>), String>> {
        self.read_depth(id, 0)
    }

    fn read_depth(
        &self,
        id: &ObjectId,
        depth: usize,
    ) -> Option<std::result::Result<(ObjectKind, Vec<u8>), String>> {
        if depth > 10_000 {
            return Some(Err(format!("delta chain of {id} is too deep")));
        }
        for pack in self.packs() {
            if let Some(offset) = pack.lookup(id) {
                return Some(self.read_packed(pack, offset, depth));
            }
        }
        for dir in &self.dirs {
            let path = loose_path(&dir.path, id);
            if path.is_file() {
                return Some(read_loose(&path));
            }
        }
        None
    }

    fn read_packed(
        &self,
        pack: &Pack,
        offset: u64,
        depth: usize,
    ) -> std::result::Result<(ObjectKind, Vec<u8>), String> {
        let header = pack.header(offset)?;
        let mut scratch = Vec::new();
        let mut data = Vec::new();
        pack.inflate(&header, &mut scratch, &mut data)?;
        let (kind, base) = match header.base {
            EntryBase::Whole(kind) => return Ok((kind, data)),
            EntryBase::Offset(o) => self.read_packed(pack, o, depth + 1)?,
            EntryBase::Id(base) => self
                .read_depth(&base, depth + 1)
                .unwrap_or_else(|| Err(format!("delta base {base} is missing")))?,
        };
        let mut out = Vec::new();
        super::delta::apply(&base, &data, &mut out, &mut Default::default())
            .map_err(|e| e.to_string())?;
        Ok((kind, out))
    }
}

/// The packs in `pack_dir`: those the multi-pack-index covers, then those with their own `.idx`.
fn open_packs(pack_dir: &Path, hash: gix_hash::Kind) -> Result<Vec<Pack>> {
    let mut packs = Vec::new();
    let mut covered: HashSet<PathBuf> = HashSet::new();
    let midx_path = pack_dir.join("multi-pack-index");
    if midx_path.is_file() {
        let midx = gix_pack::multi_index::File::at(&midx_path, None)
            .map_err(|e| Error::input(format!("{}: {e}", midx_path.display())))?;
        if midx.object_hash() == hash {
            let midx = Arc::new(midx);
            for (i, name) in midx.index_names().iter().enumerate() {
                packs.push(Pack::with_midx(&midx, i as u32, pack_dir).map_err(Error::input)?);
                covered.insert(pack_dir.join(name).with_extension("idx"));
            }
        }
    }
    let mut idx: Vec<PathBuf> = match std::fs::read_dir(pack_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .filter(|p| !covered.contains(p) && p.with_extension("pack").is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    idx.sort();
    for path in idx {
        packs.push(Pack::with_idx(&path, hash).map_err(Error::input)?);
    }
    Ok(packs)
}

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
            for line in text.lines().map(str::trim).rev() {
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

/// The hash a repository names its objects with (`extensions.objectFormat` in its config).
pub fn object_format(git_dir: &Path) -> gix_hash::Kind {
    let config = std::fs::read_to_string(git_dir.join("config")).unwrap_or_default();
    let sha256 = config.lines().any(|line| {
        let line: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        line.eq_ignore_ascii_case("objectformat=sha256")
    });
    if sha256 {
        gix_hash::Kind::Sha256
    } else {
        gix_hash::Kind::Sha1
    }
}

fn loose_path(dir: &Path, id: &ObjectId) -> PathBuf {
    let hex = id.to_string();
    dir.join(&hex[..2]).join(&hex[2..])
}

/// Ids of the loose objects in the object directory `dir`.
pub fn loose_object_ids(dir: &Path, hash: gix_hash::Kind) -> Vec<ObjectId> {
    loose_ids(dir, hash)
}

/// Ids of the objects of the pack whose index (v1 or v2) is `idx`, in pack-offset order.
pub fn pack_object_ids(idx: &Path, hash: gix_hash::Kind) -> Result<Vec<ObjectId>> {
    let pack =
        Pack::with_idx(idx, hash).map_err(|e| Error::input(format!("{}: {e}", idx.display())))?;
    Ok(pack
        .entries()
        .iter()
        .map(|&(_, pos)| pack.id_at(pos))
        .collect())
}

/// Ids of the loose objects in `dir` (`xx/yyyy…` files).
fn loose_ids(dir: &Path, hash: gix_hash::Kind) -> Vec<ObjectId> {
    let rest_len = hash.len_in_hex() - 2;
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut fanout: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            (name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (name, e.path()))
        })
        .collect();
    fanout.sort();
    for (prefix, sub) in fanout {
        let Ok(files) = std::fs::read_dir(&sub) else {
            continue;
        };
        let mut ids: Vec<ObjectId> = files
            .filter_map(|e| e.ok())
            .filter_map(|f| {
                let name = f.file_name();
                let rest = name.to_str()?;
                (rest.len() == rest_len)
                    .then(|| ObjectId::from_hex(format!("{prefix}{rest}").as_bytes()).ok())
                    .flatten()
            })
            .collect();
        ids.sort();
        out.extend(ids);
    }
    out
}

/// A loose object's kind and size, and a reader positioned after its header.
fn open_loose(path: &Path) -> std::result::Result<(ObjectKind, u64, impl Read), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut z = flate2::read::ZlibDecoder::new(std::io::BufReader::with_capacity(1 << 16, file));
    let mut header = Vec::with_capacity(32);
    let mut byte = [0u8; 1];
    loop {
        match z.read(&mut byte) {
            Ok(1) if byte[0] == 0 => break,
            Ok(1) if header.len() < 64 => header.push(byte[0]),
            Ok(_) => return Err(format!("{}: not a git object", path.display())),
            Err(e) => return Err(format!("{}: corrupt object: {e}", path.display())),
        }
    }
    let mut parts = header.splitn(2, |&b| b == b' ');
    let kind = parts.next().and_then(ObjectKind::from_name);
    let size = parts
        .next()
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u64>().ok());
    match (kind, size) {
        (Some(kind), Some(size)) => Ok((kind, size, z.take(size))),
        _ => Err(format!("{}: not a git object header", path.display())),
    }
}

/// Reads a loose object whole.
fn read_loose(path: &Path) -> std::result::Result<(ObjectKind, Vec<u8>), String> {
    let compressed = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (kind, size, _) = open_loose(path)?;
    let header_len = format!("{size}").len() + 1 + kind_name(kind).len() + 1;
    let size = usize::try_from(size).map_err(|_| "object too large".to_string())?;
    let mut whole = Vec::new();
    inflate_exact(&compressed, header_len + size, &mut whole)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    whole.drain(..header_len);
    Ok((kind, whole))
}

fn kind_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Blob => "blob",
        ObjectKind::Tree => "tree",
        ObjectKind::Commit => "commit",
        ObjectKind::Tag => "tag",
    }
}

/// Hands every selected object of `store` to `visitor` once: each pack's delta forest is walked
/// in parallel (bases before the deltas built on them), then loose objects. `progress` is told
/// how many selected objects were handled since it was last called. Returns the workers'
/// outputs.
pub fn visit_store<V: Visitor>(
    store: &ObjectStore,
    selection: Selection<'_>,
    visitor: &V,
    limits: &ReadLimits,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<V::Out>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(limits.threads)
        .build()
        .map_err(|e| Error::input(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads().max(1) as u64;
    let stopped = AtomicBool::new(false);
    let packs: Vec<&Pack> = store.packs().collect();
    let (mut per_pack, loose) = plan(store, &packs, selection);
    let mut outs = Vec::new();
    for (p, pack) in packs.iter().enumerate() {
        let Some(chosen) = per_pack[p].take() else {
            continue;
        };
        let forest = match chosen {
            Chosen::All => Forest::build(pack, |e| {
                p == 0 || {
                    let id = pack.id_at(pack.entries()[e].1);
                    !packs[..p].iter().any(|q| q.lookup(&id).is_some())
                }
            }),
            Chosen::Some(set) => Forest::build(pack, |e| set.contains(&e)),
        };
        let walk = Walk {
            pack,
            forest: &forest,
            store,
            visitor,
            limits,
            budget: limits.base_memory / threads,
        };
        let mut first = Worker::default();
        walk.report_broken(&mut first);
        progress(first.visited);
        outs.push(first.out);
        let done: Vec<V::Out> = pool.install(|| {
            forest
                .roots()
                .par_iter()
                .with_max_len(4)
                .fold(Worker::default, |mut w: Worker<V::Out>, &root| {
                    if stop_now(limits, &stopped) {
                        return w;
                    }
                    walk.tree(&mut w, root);
                    if w.visited >= 256 {
                        progress(std::mem::take(&mut w.visited));
                    }
                    w
                })
                .map(|w| {
                    progress(w.visited);
                    w.out
                })
                .collect()
        });
        outs.extend(done);
    }
    let done: Vec<V::Out> = pool.install(|| {
        loose
            .par_iter()
            .fold(V::Out::default, |mut out, (id, path)| {
                if !stop_now(limits, &stopped) {
                    visit_loose(visitor, &mut out, id, path, limits);
                    progress(1);
                }
                out
            })
            .collect()
    });
    outs.extend(done);
    if stopped.load(Ordering::Relaxed) {
        return Err(Error::new(ErrorKind::Timeout));
    }
    Ok(outs)
}

fn stop_now(limits: &ReadLimits, stopped: &AtomicBool) -> bool {
    if stopped.load(Ordering::Relaxed) {
        return true;
    }
    if limits.expired() {
        stopped.store(true, Ordering::Relaxed);
        return true;
    }
    false
}

/// Which entries of one pack to visit.
enum Chosen {
    /// Every entry no earlier pack has.
    All,
    /// These entry indexes.
    Some(HashSet<usize>),
}

/// Decides where each selected object is read: per pack, and the loose ones (with their files;
/// a path of `None` means the object is missing).
#[allow(clippy::type_complexity)]
fn plan(
    store: &ObjectStore,
    packs: &[&Pack],
    selection: Selection<'_>,
) -> (Vec<Option<Chosen>>, Vec<(ObjectId, Option<PathBuf>)>) {
    let mut per_pack: Vec<Option<Chosen>> = packs.iter().map(|_| None).collect();
    let mut loose = Vec::new();
    match selection {
        Selection::All => {
            per_pack.iter_mut().for_each(|c| *c = Some(Chosen::All));
            let mut seen = HashSet::new();
            for dir in &store.dirs {
                for id in loose_ids(&dir.path, store.hash) {
                    if !packs.iter().any(|p| p.lookup(&id).is_some()) && seen.insert(id) {
                        loose.push((id, Some(loose_path(&dir.path, &id))));
                    }
                }
            }
        }
        Selection::Ids(ids) => {
            let mut seen = HashSet::new();
            for id in ids.iter().filter(|id| seen.insert(**id)) {
                let in_pack = packs.iter().enumerate().find_map(|(p, pack)| {
                    let offset = pack.lookup(id)?;
                    let e = pack
                        .entries()
                        .binary_search_by_key(&offset, |&(o, _)| o)
                        .ok()?;
                    Some((p, e))
                });
                match in_pack {
                    Some((p, e)) => {
                        if let Chosen::Some(set) =
                            per_pack[p].get_or_insert_with(|| Chosen::Some(HashSet::new()))
                        {
                            set.insert(e);
                        }
                    }
                    None => loose.push((
                        *id,
                        store
                            .dirs
                            .iter()
                            .map(|d| loose_path(&d.path, id))
                            .find(|p| p.is_file()),
                    )),
                }
            }
        }
    }
    (per_pack, loose)
}

fn visit_loose<V: Visitor>(
    visitor: &V,
    out: &mut V::Out,
    id: &ObjectId,
    path: &Option<PathBuf>,
    limits: &ReadLimits,
) {
    let Some(path) = path else {
        let reason = "object not found".to_string();
        visitor.visit(out, Visit::Unreadable { id, reason });
        return;
    };
    let (kind, size, mut reader) = match open_loose(path) {
        Ok(found) => found,
        Err(reason) => {
            visitor.visit(out, Visit::Unreadable { id, reason });
            return;
        }
    };
    if !visitor.wants(kind) {
        return;
    }
    if size > limits.max_size {
        visitor.visit(out, Visit::TooLarge { id, kind, size });
        return;
    }
    if size > limits.stream_above {
        visitor.visit(
            out,
            Visit::Stream {
                id,
                kind,
                size,
                reader: &mut reader,
            },
        );
        return;
    }
    let mut data = Vec::with_capacity(size as usize);
    match reader.read_to_end(&mut data) {
        Ok(n) if n as u64 == size => {
            visitor.visit(
                out,
                Visit::Object {
                    id,
                    kind,
                    data: &data,
                    selected: true,
                },
            );
        }
        Ok(n) => {
            let reason = format!("{}: {n} bytes where {size} were declared", path.display());
            visitor.visit(out, Visit::Unreadable { id, reason });
        }
        Err(e) => {
            let reason = format!("{}: corrupt object: {e}", path.display());
            visitor.visit(out, Visit::Unreadable { id, reason });
        }
    }
}

/// Refuses a repository whose loose objects (in `objects_dir` and its alternates) include one
/// whose zlib stream is cut short: libgit2 (1.9) spins at full CPU forever reading such an
/// object, so every path that hands objects to libgit2 checks first. The check inflates each
/// loose object once, in parallel, in bounded chunks.
pub fn check_loose_streams(objects_dir: &Path) -> Result<()> {
    let hash = object_format(objects_dir.parent().unwrap_or(objects_dir));
    for dir in object_dirs(objects_dir) {
        let bad = loose_ids(&dir, hash)
            .par_iter()
            .find_any(|id| loose_stream_cut_short(&loose_path(&dir, id)))
            .copied();
        if let Some(id) = bad {
            return Err(Error::input(format!(
                "corrupt loose object {id} in {}: its zlib stream is cut short (run `git fsck`; \
                 restore the object from another clone or remove it)",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Whether the loose object file at `path` ends before its zlib stream does (unreadable files
/// and other corruption are left to the readers, which report them).
pub(crate) fn loose_stream_cut_short(path: &Path) -> bool {
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut z = flate2::Decompress::new(true);
    let mut input = vec![0u8; 1 << 16];
    let mut output = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut input) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 {
            return true;
        }
        let mut at = 0;
        while at < n {
            let (in_before, out_before) = (z.total_in(), z.total_out());
            match z.decompress(&input[at..n], &mut output, flate2::FlushDecompress::None) {
                Ok(flate2::Status::StreamEnd) => return false,
                Ok(_) => {}
                Err(_) => return false,
            }
            let used = (z.total_in() - in_before) as usize;
            if used == 0 && z.total_out() == out_before {
                break; // no progress with this input: read more
            }
            at += used;
        }
    }
}
