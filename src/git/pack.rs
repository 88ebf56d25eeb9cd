//! Pack files as the forest walk reads them: the objects a pack holds (from its `.idx`, v1 or
//! v2, or from the repository's multi-pack-index, parsed by gitoxide's `gix-pack`), each entry's
//! header (also `gix-pack`), and entry data read with positioned reads and inflated with zlib-rs.
//!
//! Pack data is read with `pread`, never memory-mapped: a mapped multi-gigabyte pack would count
//! in the process's resident memory as its pages are touched.

use super::ObjectKind;
use gix_hash::ObjectId;
use gix_pack::data::entry::Header;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An error reading a pack, as text (the walk reports it per object or per pack).
pub(crate) type PackResult<T> = std::result::Result<T, String>;

/// Where a pack's object ids and offsets come from.
enum Listing {
    /// The pack's own `.idx`.
    Idx(Box<gix_pack::index::File>),
    /// The multi-pack-index, which covers this pack as its `pack_id`.
    Midx {
        midx: Arc<gix_pack::multi_index::File>,
        pack_id: u32,
    },
}

/// One pack: its data file and the objects its index lists, sorted by offset.
pub(crate) struct Pack {
    path: PathBuf,
    file: File,
    data_end: u64,
    hash: gix_hash::Kind,
    listing: Listing,
    /// (offset, position in the index) of every object, sorted by offset.
    entries: Vec<(u64, u32)>,
}

/// The parsed header of one entry.
#[derive(Debug, Clone)]
pub(crate) struct EntryHeader {
    /// What the entry is: an object kind, or a delta on a base.
    pub base: EntryBase,
    /// Inflated size (the object's, or for a delta the delta instructions').
    pub size: u64,
    /// Where the compressed data starts.
    pub data_offset: u64,
    /// Where the entry ends (the next entry's start).
    pub end: u64,
}

/// The kind of a non-delta entry, or where a delta's base is.
#[derive(Debug, Clone)]
pub(crate) enum EntryBase {
    /// A whole object.
    Whole(ObjectKind),
    /// A delta on the entry at this offset of the same pack.
    Offset(u64),
    /// A delta on the object with this id (same pack or elsewhere).
    Id(ObjectId),
}

impl Pack {
    /// Opens the pack listed by the `.idx` at `idx_path`.
    pub fn with_idx(idx_path: &Path, hash: gix_hash::Kind) -> PackResult<Pack> {
        let index = gix_pack::index::File::at(idx_path, hash)
            .map_err(|e| format!("{}: not a readable pack index: {e}", idx_path.display()))?;
        let mut entries: Vec<(u64, u32)> = (0..index.num_objects())
            .map(|i| (index.pack_offset_at_index(i), i))
            .collect();
        entries.sort_unstable();
        Pack::open(
            idx_path.with_extension("pack"),
            hash,
            Listing::Idx(Box::new(index)),
            entries,
        )
    }

    /// Opens pack number `pack_id` of a multi-pack-index.
    pub fn with_midx(
        midx: &Arc<gix_pack::multi_index::File>,
        pack_id: u32,
        pack_dir: &Path,
    ) -> PackResult<Pack> {
        let name = &midx.index_names()[pack_id as usize];
        let mut entries = Vec::new();
        for i in 0..midx.num_objects() {
            let (id, offset) = midx
                .pack_id_and_pack_offset_at_index(i)
                .map_err(|e| format!("{}: {e}", midx.path().display()))?;
            if id == pack_id {
                entries.push((offset, i));
            }
        }
        entries.sort_unstable();
        let listing = Listing::Midx {
            midx: Arc::clone(midx),
            pack_id,
        };
        Pack::open(
            pack_dir.join(name).with_extension("pack"),
            midx.object_hash(),
            listing,
            entries,
        )
    }

    fn open(
        path: PathBuf,
        hash: gix_hash::Kind,
        listing: Listing,
        entries: Vec<(u64, u32)>,
    ) -> PackResult<Pack> {
        let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let len = file
            .metadata()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let mut head = [0u8; 12];
        read_at(&file, &mut head, 0).map_err(|e| format!("{}: {e}", path.display()))?;
        if &head[..4] != b"PACK" || !matches!(head[7], 2 | 3) {
            return Err(format!(
                "{}: not a git pack (version 2 or 3)",
                path.display()
            ));
        }
        let trailer = hash.len_in_bytes() as u64;
        let data_end = len
            .checked_sub(trailer)
            .filter(|&e| e >= 12)
            .ok_or_else(|| format!("{}: truncated pack", path.display()))?;
        if entries.last().is_some_and(|&(o, _)| o >= data_end) {
            return Err(format!(
                "{}: its index points beyond the pack's end",
                path.display()
            ));
        }
        Ok(Pack {
            path,
            file,
            data_end,
            hash,
            listing,
            entries,
        })
    }

    /// The pack file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// (offset, index position) of every object, sorted by offset.
    pub fn entries(&self) -> &[(u64, u32)] {
        &self.entries
    }

    /// The id of the object at index position `pos`.
    pub fn id_at(&self, pos: u32) -> ObjectId {
        match &self.listing {
            Listing::Idx(index) => index.oid_at_index(pos).to_owned(),
            Listing::Midx { midx, .. } => midx.oid_at_index(pos).to_owned(),
        }
    }

    /// Whether this pack lists `id` (its offset).
    pub fn lookup(&self, id: &gix_hash::oid) -> Option<u64> {
        match &self.listing {
            Listing::Idx(index) => index.lookup(id).map(|i| index.pack_offset_at_index(i)),
            Listing::Midx { midx, pack_id } => {
                let i = midx.lookup(id)?;
                match midx.pack_id_and_pack_offset_at_index(i) {
                    Ok((p, offset)) if p == *pack_id => Some(offset),
                    _ => None,
                }
            }
        }
    }

    /// Where the entry at `offset` ends: the next entry's start, or the pack's trailer.
    fn entry_end(&self, offset: u64) -> u64 {
        let i = self.entries.partition_point(|&(o, _)| o <= offset);
        self.entries.get(i).map_or(self.data_end, |&(o, _)| o)
    }

    /// Parses the header of the entry at `offset`.
    pub fn header(&self, offset: u64) -> PackResult<EntryHeader> {
        let end = self.entry_end(offset);
        let mut buf = [0u8; 64];
        let want = (end.saturating_sub(offset)).min(buf.len() as u64) as usize;
        read_at(&self.file, &mut buf[..want], offset).map_err(|e| self.err(offset, &e))?;
        let entry = gix_pack::data::Entry::from_bytes(&buf[..want], offset, self.hash)
            .map_err(|e| self.err(offset, &e))?;
        let base = match entry.header {
            Header::Commit => EntryBase::Whole(ObjectKind::Commit),
            Header::Tree => EntryBase::Whole(ObjectKind::Tree),
            Header::Blob => EntryBase::Whole(ObjectKind::Blob),
            Header::Tag => EntryBase::Whole(ObjectKind::Tag),
            Header::OfsDelta { base_distance } => EntryBase::Offset(
                offset
                    .checked_sub(base_distance)
                    .filter(|&b| b >= 12 && base_distance > 0)
                    .ok_or_else(|| self.err(offset, &"delta base before the pack's start"))?,
            ),
            Header::RefDelta { base_id } => EntryBase::Id(base_id),
        };
        if entry.data_offset > end {
            return Err(self.err(offset, &"entry header runs into the next entry"));
        }
        Ok(EntryHeader {
            base,
            size: entry.decompressed_size,
            data_offset: entry.data_offset,
            end,
        })
    }

    /// Inflates the entry's data (an object, or a delta's instructions) into `out`; `scratch`
    /// holds the compressed bytes.
    pub fn inflate(
        &self,
        header: &EntryHeader,
        scratch: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> PackResult<()> {
        let offset = header.data_offset;
        let len = usize::try_from(header.end - header.data_offset)
            .map_err(|_| self.err(offset, &"entry too large"))?;
        scratch.clear();
        scratch.resize(len, 0);
        read_at(&self.file, scratch, offset).map_err(|e| self.err(offset, &e))?;
        let size = usize::try_from(header.size).map_err(|_| self.err(offset, &"too large"))?;
        inflate_exact(scratch, size, out).map_err(|e| self.err(offset, &e))
    }

    /// A reader of the entry's inflated data that holds only a small buffer (for objects too
    /// large to hold in memory).
    pub fn stream(&self, header: &EntryHeader) -> impl Read + '_ {
        let at = PackReader {
            file: &self.file,
            at: header.data_offset,
            end: header.end,
        };
        flate2::read::ZlibDecoder::new(std::io::BufReader::with_capacity(1 << 16, at))
            .take(header.size)
    }

    fn err(&self, offset: u64, e: &dyn std::fmt::Display) -> String {
        format!("{} at offset {offset}: {e}", self.path.display())
    }
}

/// Reads a range of a file with positioned reads.
struct PackReader<'a> {
    file: &'a File,
    at: u64,
    end: u64,
}

impl Read for PackReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.end - self.at) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = read_some_at(self.file, &mut buf[..n], self.at)?;
        self.at += got as u64;
        Ok(got)
    }
}

/// Inflates a whole zlib stream that must hold exactly `size` bytes into `out`.
pub(crate) fn inflate_exact(input: &[u8], size: usize, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    out.reserve_exact(size);
    let mut z = flate2::Decompress::new(true);
    loop {
        let before = out.len();
        let status = z
            .decompress_vec(
                &input[z.total_in() as usize..],
                out,
                flate2::FlushDecompress::Finish,
            )
            .map_err(|e| format!("corrupt zlib data: {e}"))?;
        match status {
            flate2::Status::StreamEnd => break,
            _ if out.len() == out.capacity() && out.len() == size => {
                // Full: one more byte of room tells a longer stream from the end marker.
                out.reserve(1);
            }
            _ if out.len() == before => return Err("truncated zlib data".into()),
            _ => {}
        }
        if out.len() > size {
            break;
        }
    }
    if out.len() != size {
        return Err(format!(
            "inflated to {} bytes where {size} were declared",
            out.len()
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn read_some_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_some_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// Fills `buf` from `at`.
pub(crate) fn read_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match read_some_at(file, buf, at) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
