//! Validation of candidate values: what makes a string a real-looking key ID, secret or session
//! token rather than a placeholder, a hash or an identifier, and the facts a key ID carries.

use crate::rules::{DetectorSettings, KeyPrefix};
use serde::{Deserialize, Serialize};

/// Offline facts about an access key ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFacts {
    /// The prefix (`AKIA`, `ASIA`, …).
    pub prefix: String,
    /// What the prefix says the key is.
    pub key_type: String,
    /// Whether it is an access key that goes with a secret.
    pub pairable: bool,
    /// Whether it is temporary (STS-issued).
    pub temporary: bool,
    /// The AWS account ID decoded from the key ID, for keys in the current format.
    pub account_id: Option<String>,
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Decodes the AWS account ID from a 20-character key ID in the current (base32) format.
///
/// The 16 characters after the prefix are base32; the first 6 decoded bytes, masked with
/// `0x7fffffffff80` and shifted right by 7, are the account number. Keys issued before the format
/// change (fifth character before `Q`, or characters outside base32) do not decode.
pub fn account_id(key_id: &str) -> Option<String> {
    let body = key_id.get(4..20)?;
    let first = body.as_bytes()[0];
    let modern = first.is_ascii_digit() || first >= b'Q';
    if key_id.len() != 20 || !modern {
        return None;
    }
    let mut acc: u128 = 0;
    for b in body.bytes() {
        let v = BASE32.iter().position(|&c| c == b)? as u128;
        acc = (acc << 5) | v;
    }
    // 16 chars × 5 bits = 80 bits = 10 bytes; the first 6 bytes are the top 48 bits.
    let top48 = (acc >> 32) as u64;
    let account = (top48 & 0x7fff_ffff_ff80) >> 7;
    // Account IDs have 12 digits; a larger number means the body was not laid out by AWS.
    (account <= 999_999_999_999).then(|| format!("{account:012}"))
}

/// Facts for a key ID given its prefix-table row.
pub fn key_facts(key_id: &str, row: &KeyPrefix) -> KeyFacts {
    KeyFacts {
        prefix: row.prefix.clone(),
        key_type: row.key_type.clone(),
        pairable: row.pairable,
        temporary: row.prefix == "ASIA",
        account_id: account_id(key_id),
    }
}

/// Whether a key ID looks real: right length and alphabet, no documentation marker, no
/// placeholder runs (`XXXX…`, `ABCDEF…`).
pub fn plausible_key_id(key_id: &str, settings: &DetectorSettings) -> bool {
    if key_id.len() != 20
        || !key_id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    let body = &key_id.as_bytes()[4..];
    !has_placeholder_word(key_id, settings)
        && longest_repeat(body) < 5
        && longest_sequence(body) < 6
        && distinct(body) >= 6
}

/// Whether a 40-character value looks like a secret access key rather than a hash, identifier or
/// placeholder.
pub fn plausible_secret(value: &str, settings: &DetectorSettings) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 40
        && bytes.iter().all(|&b| super::text::is_base64_byte(b))
        && bytes.iter().any(u8::is_ascii_uppercase)
        && bytes.iter().any(u8::is_ascii_lowercase)
        && !is_hex(bytes)
        && !has_placeholder_word(value, settings)
        && !looks_like_words(bytes)
        && shannon_entropy(bytes) >= 3.5
}

/// Whether a value looks like an STS session token.
pub fn plausible_session_token(value: &str, settings: &DetectorSettings) -> bool {
    let bytes = value.trim_end_matches('=').as_bytes();
    bytes.len() >= 96
        && bytes.iter().all(|&b| super::text::is_base64_byte(b))
        && bytes.iter().any(u8::is_ascii_uppercase)
        && bytes.iter().any(u8::is_ascii_lowercase)
        && bytes.iter().any(u8::is_ascii_digit)
        && !has_placeholder_word(value, settings)
        && shannon_entropy(bytes) >= 4.5
}

fn is_hex(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_hexdigit)
}

fn has_placeholder_word(value: &str, settings: &DetectorSettings) -> bool {
    let lower = value.to_ascii_lowercase();
    settings
        .placeholder_words
        .iter()
        .any(|w| lower.contains(w.as_str()))
}

/// CamelCase identifiers (`AwsSecretAccessKeyFromVault`) made only of capitalised words.
fn looks_like_words(bytes: &[u8]) -> bool {
    let mut words = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_uppercase() {
            if bytes[i].is_ascii_digit() && i + 2 >= bytes.len() {
                i += 1;
                continue;
            }
            return false;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_lowercase() {
            i += 1;
        }
        if i - start < 3 {
            return false;
        }
        words += 1;
    }
    words >= 3
}

pub(crate) fn longest_repeat(bytes: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in bytes {
        run = if Some(b) == prev { run + 1 } else { 1 };
        prev = Some(b);
        best = best.max(run);
    }
    best
}

pub(crate) fn longest_sequence(bytes: &[u8]) -> usize {
    let mut best = 1;
    let mut run = 1;
    for w in bytes.windows(2) {
        run = if w[1] == w[0].wrapping_add(1) {
            run + 1
        } else {
            1
        };
        best = best.max(run);
    }
    best
}

pub(crate) fn distinct(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes
        .iter()
        .filter(|&&b| !std::mem::replace(&mut seen[b as usize], true))
        .count()
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn settings() -> DetectorSettings {
        RuleSet::builtin().detector
    }

    #[test]
    fn account_id_round_trips() {
        for account in [123_456_789_012u64, 999_999_999_999, 300_000_000_007] {
            let key = crate::fake::FakeKeys::new(account).key_id_for_account("AKIA", account);
            assert_eq!(
                account_id(&key).as_deref(),
                Some(format!("{account:012}").as_str())
            );
        }
    }

    #[test]
    fn bodies_that_decode_past_twelve_digits_have_no_account() {
        // All-'7' decodes to the largest 40-bit number, 1,099,511,627,775: not an account.
        assert_eq!(account_id(&format!("AKIA{}", "7".repeat(16))), None);
    }

    #[test]
    fn legacy_keys_have_no_account() {
        assert_eq!(account_id("AKIAIOSFODNN7EXAMPLE"), None);
    }

    #[test]
    fn placeholders_are_not_secrets() {
        let s = settings();
        assert!(!plausible_secret(&"X".repeat(40), &s));
        assert!(!plausible_secret(&"ab12".repeat(10), &s));
        assert!(!plausible_secret(
            "AwsSecretAccessKeyLoadedFromTheVaultNow1",
            &s
        ));
        assert!(plausible_secret(
            &crate::fake::FakeKeys::new(5).secret(),
            &s
        ));
    }

    #[test]
    fn key_id_placeholders_are_rejected() {
        let s = settings();
        use crate::fake::{placeholder_key_id, KeyIdPlaceholder};
        assert!(!plausible_key_id(
            &placeholder_key_id(KeyIdPlaceholder::Repeated),
            &s
        ));
        assert!(!plausible_key_id(
            &placeholder_key_id(KeyIdPlaceholder::Sequential),
            &s
        ));
        assert!(!plausible_key_id("AKIAIOSFODNN7EXAMPLE", &s));
        assert!(plausible_key_id(
            &crate::fake::FakeKeys::new(5).key_id("AKIA"),
            &s
        ));
    }
}
