//! Compressed blobs: a gzip stream, or a zip archive (`.zip`, `.jar`, a committed Lambda
//! package). Members are inflated and scanned like blobs of their own, within bounds that a
//! crafted archive (a zip bomb) cannot push: a total of inflated bytes per archive, a ratio of
//! inflated to stored bytes per member, a member count, and a nesting depth.

use std::io::Read;

/// Archives inside archives are opened this deep (a jar in a zip in a gzip).
pub const MAX_DEPTH: u8 = 3;
/// Inflated bytes per member, whatever its ratio.
const MAX_MEMBER: u64 = 64 << 20;
/// Inflated bytes per top-level archive, whatever its size.
const MAX_TOTAL: u64 = 256 << 20;
/// A member may inflate to this many times its stored size (text compresses 3–10x; bombs
/// 1,000x and more) once past [`RATIO_FLOOR`] bytes.
const MAX_RATIO: u64 = 100;
const RATIO_FLOOR: u64 = 1 << 20;
/// Members per archive.
const MAX_MEMBERS: usize = 100_000;

/// What kind of compressed blob this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A gzip stream.
    Gzip,
    /// A zip archive.
    Zip,
}

/// The archive kind of a blob, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ArchiveKind> {
    if bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some(ArchiveKind::Gzip)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some(ArchiveKind::Zip)
    } else {
        None
    }
}

/// Inflated bytes left for one top-level archive (shared by the archives nested in it).
#[derive(Debug)]
pub struct Allowance {
    left: u64,
    /// Whether something was not read because a bound was reached.
    pub truncated: bool,
}

impl Allowance {
    /// The allowance of an archive of `len` stored bytes.
    pub fn for_archive(len: usize) -> Allowance {
        Allowance {
            left: MAX_TOTAL.min((len as u64).saturating_mul(MAX_RATIO).max(4 * RATIO_FLOOR)),
            truncated: false,
        }
    }

    /// Reads `reader` (a member stored in `stored` bytes) within the bounds; `None` when a bound
    /// was reached (nothing of it is scanned: a cut stream is not what the archive holds).
    fn read(&mut self, reader: impl Read, stored: u64) -> Option<Vec<u8>> {
        let limit = MAX_MEMBER
            .min(self.left)
            .min(stored.saturating_mul(MAX_RATIO).max(RATIO_FLOOR));
        let mut out = Vec::new();
        let read = reader.take(limit + 1).read_to_end(&mut out);
        if read.is_err() || out.len() as u64 > limit {
            self.truncated = true;
            return None;
        }
        self.left -= out.len() as u64;
        Some(out)
    }
}

/// One member: its name (`None` for a gzip stream without a file name) and inflated bytes.
pub struct Member {
    /// The member's path in the archive, control characters escaped.
    pub name: Option<String>,
    /// Its inflated content.
    pub bytes: Vec<u8>,
}

/// The members of an archive, read within `allowance`. `None` when the bytes are not a readable
/// archive after all (then they are scanned as they are).
pub fn members(bytes: &[u8], kind: ArchiveKind, allowance: &mut Allowance) -> Option<Vec<Member>> {
    match kind {
        ArchiveKind::Gzip => gzip(bytes, allowance),
        ArchiveKind::Zip => zip(bytes, allowance),
    }
}

fn gzip(bytes: &[u8], allowance: &mut Allowance) -> Option<Vec<Member>> {
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    // The header (and its file name) is parsed by the first read.
    let mut first = [0u8; 1];
    let n = decoder.read(&mut first).ok()?;
    let name = decoder
        .header()
        .and_then(|h| h.filename())
        .map(|f| clean_name(&String::from_utf8_lossy(f)));
    let rest = allowance.read(&mut decoder, bytes.len() as u64)?;
    let mut content = first[..n].to_vec();
    content.extend(rest);
    Some(vec![Member {
        name,
        bytes: content,
    }])
}

fn zip(bytes: &[u8], allowance: &mut Allowance) -> Option<Vec<Member>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut out = Vec::new();
    for i in 0..archive.len().min(MAX_MEMBERS) {
        let Ok(file) = archive.by_index(i) else {
            allowance.truncated = true;
            continue;
        };
        if file.is_dir() || file.encrypted() {
            continue;
        }
        let name = clean_name(file.name());
        let stored = file.compressed_size();
        if let Some(content) = allowance.read(file, stored) {
            out.push(Member {
                name: Some(name),
                bytes: content,
            });
        }
    }
    if archive.len() > MAX_MEMBERS {
        allowance.truncated = true;
    }
    Some(out)
}

/// A member name fit for a finding's path: control characters and bidirectional overrides
/// escaped, `!` kept (it separates nested members).
fn clean_name(name: &str) -> String {
    crate::model::display::clean(name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, bytes) in files {
                w.start_file(*name, opts).unwrap();
                w.write_all(bytes).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn zip_members_are_read_with_their_names() {
        let z = zip_of(&[("a/credentials", b"hello"), ("b.txt", b"world")]);
        assert_eq!(sniff(&z), Some(ArchiveKind::Zip));
        let mut allowance = Allowance::for_archive(z.len());
        let m = members(&z, ArchiveKind::Zip, &mut allowance).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name.as_deref(), Some("a/credentials"));
        assert_eq!(m[1].bytes, b"world");
    }

    #[test]
    fn a_zip_bomb_member_is_refused_not_inflated() {
        let zeros = vec![0u8; 8 << 20];
        let z = zip_of(&[("bomb", &zeros), ("ok", b"fine")]);
        assert!(z.len() < 64 << 10, "{}", z.len());
        let mut allowance = Allowance::for_archive(z.len());
        let m = members(&z, ArchiveKind::Zip, &mut allowance).unwrap();
        assert!(allowance.truncated);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].name.as_deref(), Some("ok"));
    }

    #[test]
    fn gzip_streams_keep_their_file_name() {
        let mut enc = flate2::GzBuilder::new()
            .filename("app.env")
            .write(Vec::new(), flate2::Compression::default());
        enc.write_all(b"KEY=value\n").unwrap();
        let gz = enc.finish().unwrap();
        let mut allowance = Allowance::for_archive(gz.len());
        let m = members(&gz, ArchiveKind::Gzip, &mut allowance).unwrap();
        assert_eq!(m[0].name.as_deref(), Some("app.env"));
        assert_eq!(m[0].bytes, b"KEY=value\n");
    }

    #[test]
    fn broken_archives_are_not_archives() {
        let mut allowance = Allowance::for_archive(10);
        assert!(members(b"PK\x03\x04garbage", ArchiveKind::Zip, &mut allowance).is_none());
        assert!(members(&[0x1f, 0x8b, 0x08, 1, 2], ArchiveKind::Gzip, &mut allowance).is_none());
    }
}
