//! The literal anchors of encoded key IDs: what a key ID prefix looks like in base64 (nested up to
//! three deep, and of UTF-16LE text), hex, JSON `\uXXXX` escapes, URL `%XX` escapes, UTF-16 and
//! UTF-32. The detector's prefilters look for them; a hit opens the layer around it.
//!
//! Three automata keep the common case fast, each within the 64 patterns that keep Aho-Corasick
//! on its SIMD (Teddy) path: the core one (the rules' anchors and one-level base64 of key IDs)
//! runs over the whole text; the encoded one (hex, base64 of UTF-16LE, JSON and URL escapes,
//! nested base64) only over the long runs without whitespace where such values must lie; the
//! wide one (UTF-16 and UTF-32, with NUL bytes) only over buffers that have a NUL byte.

use super::text;

/// What an encoded anchor opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// A base64 run (of text, of base64 text, or of UTF-16LE text).
    Base64,
    /// A run of hex digits.
    Hex,
    /// JSON `\uXXXX` escapes.
    JsonEscapes,
    /// URL `%XX` escapes.
    UrlEscapes,
    /// UTF-16 text (little-endian when true).
    Utf16(bool),
    /// UTF-32 text (little-endian when true).
    Utf32(bool),
}

/// Base64 anchors of `prefix` for the first level and of each deeper level's anchors: level 2
/// anchors are the base64 anchors of level 1's, and so on.
pub fn nested_base64(prefix: &[u8], levels: usize) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<Vec<u8>> = vec![prefix.to_vec()];
    for _ in 0..levels {
        let mut next: Vec<String> = current
            .iter()
            .flat_map(|p| text::base64_anchors_of(p))
            .collect();
        next.sort();
        next.dedup();
        current = next.iter().map(|s| s.as_bytes().to_vec()).collect();
        out.push(next);
    }
    out
}

/// The UTF-16LE bytes of an ASCII string.
pub fn utf16le(s: &str) -> Vec<u8> {
    s.bytes().flat_map(|b| [b, 0]).collect()
}

/// The core automaton's encoded anchors (run over the whole text): base64 of key ID prefixes,
/// short enough to sit in a Kubernetes `Secret`'s one-line value.
pub fn core(pairable: &[&str]) -> Vec<(Vec<u8>, Layer)> {
    let mut out: Vec<(Vec<u8>, Layer)> = Vec::new();
    for p in pairable {
        for a in &nested_base64(p.as_bytes(), 1)[0] {
            out.push((a.as_bytes().to_vec(), Layer::Base64));
        }
    }
    out
}

/// The encoded automaton's anchors, each with the layer it opens. They are looked for only in
/// runs of text without whitespace at least as long as a wrapped line (an encoded key pair is
/// longer): hex, base64 of UTF-16LE, JSON and URL escapes, base64 nested two and three deep.
pub fn encoded(pairable: &[&str]) -> Vec<(Vec<u8>, Layer)> {
    let mut out: Vec<(Vec<u8>, Layer)> = Vec::new();
    for p in pairable {
        // Hex as `xxd -p` prints it (lowercase) and as other tools do (uppercase).
        let lower: String = p.bytes().map(|b| format!("{b:02x}")).collect();
        let upper = lower.to_ascii_uppercase();
        out.push((lower.clone().into_bytes(), Layer::Hex));
        if upper != lower {
            out.push((upper.into_bytes(), Layer::Hex));
        }
    }
    // PowerShell -EncodedCommand and EC2 user data: base64 of UTF-16LE text.
    for p in pairable.iter().filter(|p| ["AKIA", "ASIA"].contains(p)) {
        for a in &nested_base64(&utf16le(p), 1)[0] {
            out.push((a.as_bytes().to_vec(), Layer::Base64));
        }
    }
    // Every key prefix starts with `A`: an escaped `A` followed by another escape is where a
    // fully escaped key ID starts.
    out.push((b"\\u0041\\u00".to_vec(), Layer::JsonEscapes));
    out.push((b"%41%".to_vec(), Layer::UrlEscapes));
    out.extend(deep(pairable).into_iter().map(|a| (a, Layer::Base64)));
    out
}

/// Long-term (`AKIA`) key IDs in base64 nested two and three deep, temporary (`ASIA`) ones two
/// deep (their third level would pass Teddy's 64 patterns).
fn deep(pairable: &[&str]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for (prefix, levels) in [("AKIA", 3), ("ASIA", 2)] {
        if !pairable.contains(&prefix) {
            continue;
        }
        for level in nested_base64(prefix.as_bytes(), levels).into_iter().skip(1) {
            out.extend(level.into_iter().map(String::into_bytes));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The wide automaton's anchors: key prefixes in UTF-16 and UTF-32, both byte orders.
pub fn wide(pairable: &[&str]) -> Vec<(Vec<u8>, Layer)> {
    let mut out = Vec::new();
    for p in pairable {
        let le16 = utf16le(p);
        let be16: Vec<u8> = p.bytes().flat_map(|b| [0, b]).collect();
        let le32: Vec<u8> = p.bytes().flat_map(|b| [b, 0, 0, 0]).collect();
        let be32: Vec<u8> = p.bytes().flat_map(|b| [0, 0, 0, b]).collect();
        out.push((le16, Layer::Utf16(true)));
        out.push((be16, Layer::Utf16(false)));
        out.push((le32, Layer::Utf32(true)));
        out.push((be32, Layer::Utf32(false)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_n(data: &[u8], n: usize) -> String {
        let mut out = data.to_vec();
        for _ in 0..n {
            out = text::base64_encode(&out).into_bytes();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn nested_anchors_find_the_prefix_at_every_depth_and_alignment() {
        let levels = nested_base64(b"AKIA", 3);
        for (depth, anchors) in levels.iter().enumerate() {
            assert!(anchors.iter().all(|a| a.len() >= 4), "{anchors:?}");
            for pad in ["", "x", "xy", "xyz", "wxyz"] {
                let encoded = encode_n(
                    format!("{pad}{}{}", "AK", "IAQWERTYUIOPASDFGH").as_bytes(),
                    depth + 1,
                );
                assert!(
                    anchors.iter().any(|a| encoded.contains(a.as_str())),
                    "depth {} pad {pad:?}",
                    depth + 1
                );
            }
        }
    }

    #[test]
    fn the_encoded_set_stays_small_enough_for_simd_search() {
        let pairable = ["AKIA", "ASIA", "ABIA", "ACCA"];
        assert!(core(&pairable).len() <= 12, "{}", core(&pairable).len());
        assert!(
            encoded(&pairable).len() <= 64,
            "{}",
            encoded(&pairable).len()
        );
    }
}
