//! The encodings an attacker (or a build tool) wraps a credential in, applied to generated text
//! at run time: what the detector's tests, the hook's tests and benchmarks feed it.

use base64::Engine;
use std::io::Write;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Base64 wrapped at `width` columns, one newline after each line (`base64` prints 76).
pub fn base64_wrapped(bytes: &[u8], width: usize) -> String {
    B64.encode(bytes)
        .as_bytes()
        .chunks(width)
        .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
        .collect()
}

/// Base64 on one line.
pub fn base64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Base64 applied `times` times.
pub fn base64_nested(bytes: &[u8], times: usize) -> String {
    let mut out = bytes.to_vec();
    for _ in 0..times {
        out = B64.encode(&out).into_bytes();
    }
    String::from_utf8(out).expect("base64 is ASCII")
}

/// UTF-16LE bytes (no BOM).
pub fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// UTF-32LE bytes with a BOM.
pub fn utf32le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE, 0, 0];
    out.extend(text.chars().flat_map(|c| (c as u32).to_le_bytes()));
    out
}

/// A PowerShell `-EncodedCommand` argument (and EC2 user data's): base64 of UTF-16LE.
pub fn powershell_encoded(script: &str) -> String {
    B64.encode(utf16le(script))
}

/// Every character as a JSON `\uXXXX` escape.
pub fn json_all_escaped(text: &str) -> String {
    text.encode_utf16().map(|u| format!("\\u{u:04X}")).collect()
}

/// Every byte as a URL `%XX` escape.
pub fn url_all_escaped(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Hex as `xxd -p` prints it: lowercase, 60 digits a line.
pub fn xxd_p(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.as_bytes()
        .chunks(60)
        .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
        .collect()
}

/// A gzip stream of `bytes`, with `name` in its header when given.
pub fn gzip(name: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let mut builder = flate2::GzBuilder::new();
    if let Some(n) = name {
        builder = builder.filename(n);
    }
    let mut enc = builder.write(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// A zip archive (deflated members) of `files` (path, content).
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            w.start_file(*name, opts).expect("writing to memory");
            w.write_all(bytes).expect("writing to memory");
        }
        w.finish().expect("writing to memory");
    }
    buf.into_inner()
}

/// Bytes that look like the start of a compiled binary (an ELF header and some code), with
/// `strings` embedded as UTF-16LE the way Windows resources and .NET assemblies carry them.
pub fn binary_with_utf16_strings(strings: &str) -> Vec<u8> {
    let mut out = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0".to_vec();
    out.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    out.extend(utf16le(strings));
    out.extend([0, 0, 0xFF, 0x13, 0x37]);
    out.extend((0..1024u32).map(|i| (i.wrapping_mul(40_503) >> 7) as u8));
    out
}
