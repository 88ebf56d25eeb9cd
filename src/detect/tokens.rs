//! Bearer tokens and API keys of AWS services that are not IAM access keys: Amazon Bedrock API
//! keys (long-term and short-term) and AWS AppSync API keys. What can be read offline is read:
//! the IAM user and account of a long-term Bedrock key, the access key ID, account and expiry
//! of a short-term one.
//!
//! - A long-term Bedrock key is an IAM service-specific credential: `ABSK` followed by the
//!   base64 of `<service user name>:<password>`, where the service user name is
//!   `<IAM user>-at-<account>` (the console names its users `BedrockAPIKey-xxxx`).
//! - A short-term Bedrock key is `bedrock-api-key-` followed by the base64 of a SigV4 presigned
//!   URL without its scheme (`bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-…
//!   &Version=1`), valid for `X-Amz-Expires` seconds (at most 12 hours) from `X-Amz-Date`.
//! - An AppSync API key is `da2-` followed by 26 lowercase letters and digits: a public-client
//!   key by design, not an IAM credential.

use super::text::base64_decode;
use super::validate::{self, account_id, shannon_entropy};
use crate::finding::{redact, Severity};
use crate::rules::{DetectorSettings, RuleSet};

/// What a bearer token or API key says about itself, read offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    /// What it is, for people (`long-term Bedrock API key (IAM service-specific credential)`).
    pub key_type: String,
    /// The 12-digit account it belongs to, where it says.
    pub account_id: Option<String>,
    /// The IAM principal (an ARN, or the redacted access key ID that signed a presigned token).
    pub principal: Option<String>,
    /// When it stops working (ISO 8601, UTC), where it says.
    pub expires: Option<String>,
    /// How bad it is.
    pub severity: Severity,
}

/// The host every short-term Bedrock key's presigned URL starts with.
const BEDROCK_HOST: &str = "bedrock.amazonaws.com";
const LONG_TERM_PREFIX: &str = "ABSK";
const SHORT_TERM_PREFIX: &str = "bedrock-api-key-";

/// A long-term Bedrock API key (`ABSK…`). Decodable keys name their IAM user and account and
/// are critical; a key of the right shape whose payload does not decode is still high (a real
/// key cut or altered, or one from a format this does not know yet).
pub fn bedrock_long_term(value: &str, settings: &DetectorSettings) -> Option<TokenFacts> {
    let body = value.strip_prefix(LONG_TERM_PREFIX)?;
    let bare = body.trim_end_matches('=');
    if bare.len() < 100 || has_placeholder(value, settings) {
        return None;
    }
    if let Some((user, account)) = base64_decode(body.as_bytes())
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|text| service_user(&text))
    {
        return Some(TokenFacts {
            key_type: "long-term Bedrock API key (IAM service-specific credential)".into(),
            principal: Some(format!("arn:aws:iam::{account}:user/{user}")),
            account_id: Some(account),
            expires: None,
            severity: Severity::Critical,
        });
    }
    (shannon_entropy(bare.as_bytes()) >= 4.0).then(|| TokenFacts {
        key_type: "long-term Bedrock API key (its payload does not decode)".into(),
        account_id: None,
        principal: None,
        expires: None,
        severity: Severity::High,
    })
}

/// `(user, account)` from `<user>-at-<account>:<password>`.
fn service_user(text: &str) -> Option<(String, String)> {
    let (name, password) = text.split_once(':')?;
    let (user, account) = name.rsplit_once("-at-")?;
    let user_ok = !user.is_empty()
        && user.len() <= 64
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let password_ok = password.len() >= 16 && password.bytes().all(|b| b.is_ascii_graphic());
    (user_ok && account_ok && password_ok).then(|| (user.to_string(), account.to_string()))
}

/// A short-term Bedrock API key (`bedrock-api-key-…`), judged at `now` (Unix seconds): high while
/// it can still be valid, medium once expired (it still names the access key that signed it),
/// low when it is cut short before its signature (nothing usable, but the start of a key).
pub fn bedrock_short_term(value: &str, rules: &RuleSet, now: u64) -> Option<TokenFacts> {
    let body = value.strip_prefix(SHORT_TERM_PREFIX)?;
    let bare = body.trim_end_matches('=');
    // Decode whole groups of four: a key cut short still shows where it starts.
    let whole = &bare[..bare.len() / 4 * 4];
    let mut decoded = base64_decode(whole.as_bytes())?;
    if let Some(tail) =
        base64_decode(&bare.as_bytes()[whole.len()..]).filter(|_| bare.len() % 4 >= 2)
    {
        decoded.extend(tail);
    }
    let url = String::from_utf8_lossy(&decoded);
    if !url.starts_with(BEDROCK_HOST) || !url.is_char_boundary(BEDROCK_HOST.len()) {
        return None;
    }
    let query = Presigned::parse(&url);
    let key_id = query
        .credential
        .as_deref()
        .and_then(|c| c.split('/').next())
        .filter(|id| {
            rules.prefix_of(id).is_some() && validate::plausible_key_id(id, &rules.detector)
        });
    let temporary = query.security_token;
    let signed = query.signature.is_some_and(|s| s.len() == 64);
    let expires_at = match (
        query.date.as_deref().and_then(parse_amz_date),
        query.expires,
    ) {
        (Some(t), Some(secs)) => Some(t + secs),
        _ => None,
    };
    let what = if temporary {
        "short-term Bedrock API key (a presigned URL signed with temporary credentials)"
    } else {
        "short-term Bedrock API key (a presigned URL)"
    };
    let (severity, key_type) = match (key_id.is_some() && signed, expires_at) {
        (false, _) => (
            Severity::Low,
            format!("{what}, cut short: no usable signature"),
        ),
        (true, Some(at)) if at <= now => (Severity::Medium, format!("{what}, expired")),
        (true, _) => (Severity::High, what.to_string()),
    };
    Some(TokenFacts {
        key_type,
        account_id: key_id.and_then(account_id),
        principal: key_id.map(|id| format!("access key {}", redact(id))),
        expires: expires_at.map(iso8601),
        severity,
    })
}

/// The query parameters of a presigned URL that matter here.
#[derive(Debug, Default)]
struct Presigned {
    credential: Option<String>,
    date: Option<String>,
    expires: Option<u64>,
    signature: Option<String>,
    security_token: bool,
}

impl Presigned {
    fn parse(url: &str) -> Presigned {
        let mut out = Presigned::default();
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        for pair in query.split('&') {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let value = percent_decode(value);
            match name {
                "X-Amz-Credential" => out.credential = Some(value),
                "X-Amz-Date" => out.date = Some(value),
                "X-Amz-Expires" => out.expires = value.parse().ok(),
                "X-Amz-Signature" => out.signature = Some(value),
                "X-Amz-Security-Token" => out.security_token = !value.is_empty(),
                _ => {}
            }
        }
        out
    }
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap() * 16 + hex(l).unwrap()) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An AppSync API key (`da2-` + 26 characters): low, never a credential that blocks by itself.
pub fn appsync(value: &str, settings: &DetectorSettings) -> Option<TokenFacts> {
    let body = value.strip_prefix("da2-")?.as_bytes();
    let plausible = body.len() == 26
        && body
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !has_placeholder(value, settings)
        && validate::longest_repeat(body) < 4
        && validate::longest_sequence(body) < 5
        && validate::distinct(body) >= 10
        && shannon_entropy(body) >= 3.5;
    plausible.then(|| TokenFacts {
        key_type: "AppSync API key (a public-client key, not an IAM credential)".into(),
        account_id: None,
        principal: None,
        expires: None,
        severity: Severity::Low,
    })
}

fn has_placeholder(value: &str, settings: &DetectorSettings) -> bool {
    let lower = value.to_ascii_lowercase();
    settings
        .placeholder_words
        .iter()
        .any(|w| lower.contains(w.as_str()))
}

/// Unix seconds of an `X-Amz-Date` (`20250710T120000Z`).
pub fn parse_amz_date(date: &str) -> Option<u64> {
    let b = date.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| date.get(r)?.parse::<u64>().ok();
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y as i64, mo as i64, d as i64);
    u64::try_from(days)
        .ok()
        .map(|days| days * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The current time in Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;

    #[test]
    fn dates_round_trip() {
        let t = parse_amz_date("20250710T120304Z").unwrap();
        assert_eq!(iso8601(t), "2025-07-10T12:03:04Z");
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_amz_date("20251301T000000Z"), None);
        assert_eq!(parse_amz_date("2025-07-10"), None);
    }

    #[test]
    fn long_term_keys_name_their_user_and_account() {
        let rules = RuleSet::builtin();
        let key = FakeKeys::new(1).bedrock_long_term_key("BedrockAPIKey-q7zk", 123_456_789_012);
        let facts = bedrock_long_term(&key, &rules.detector).unwrap();
        assert_eq!(facts.severity, Severity::Critical);
        assert_eq!(facts.account_id.as_deref(), Some("123456789012"));
        assert_eq!(
            facts.principal.as_deref(),
            Some("arn:aws:iam::123456789012:user/BedrockAPIKey-q7zk")
        );
    }

    #[test]
    fn long_term_shapes_that_do_not_decode_are_high_and_placeholders_nothing() {
        let rules = RuleSet::builtin();
        let mut g = FakeKeys::new(2);
        let body: String = (0..120).map(|_| g.secret()).collect::<String>()[..120].into();
        let facts = bedrock_long_term(&format!("ABSK{body}"), &rules.detector).unwrap();
        assert_eq!(facts.severity, Severity::High);
        let placeholder = format!("ABSK{}", "EXAMPLE".repeat(20));
        assert!(bedrock_long_term(&placeholder, &rules.detector).is_none());
        assert!(bedrock_long_term("ABSKshort", &rules.detector).is_none());
    }

    #[test]
    fn short_term_keys_say_who_signed_them_and_when_they_expire() {
        let rules = RuleSet::builtin();
        let mut g = FakeKeys::new(3);
        let key_id = g.key_id_for_account("ASIA", 111_122_223_333);
        let now = parse_amz_date("20250710T120000Z").unwrap();
        let token = g.bedrock_short_term_key(&key_id, "20250710T110000Z", 43_200, true);
        let facts = bedrock_short_term(&token, &rules, now).unwrap();
        assert_eq!(facts.severity, Severity::High);
        assert_eq!(facts.account_id.as_deref(), Some("111122223333"));
        assert_eq!(facts.expires.as_deref(), Some("2025-07-10T23:00:00Z"));
        assert!(facts.key_type.contains("temporary"), "{}", facts.key_type);
        assert!(!facts.principal.unwrap().contains(&key_id));
        // Expired a day later: still reported, lower.
        let later = bedrock_short_term(&token, &rules, now + 86_400).unwrap();
        assert_eq!(later.severity, Severity::Medium);
        assert!(later.key_type.contains("expired"));
    }

    #[test]
    fn short_term_keys_cut_short_are_low_and_other_hosts_are_nothing() {
        let rules = RuleSet::builtin();
        let host_only = format!(
            "bedrock-api-key-{}",
            super::super::text::base64_encode(BEDROCK_HOST.as_bytes())
        );
        let facts = bedrock_short_term(&host_only, &rules, now()).unwrap();
        assert_eq!(facts.severity, Severity::Low);
        let other = format!(
            "bedrock-api-key-{}",
            super::super::text::base64_encode(b"bedrock.amazonaws.cox/?Action=x")
        );
        assert!(bedrock_short_term(&other, &rules, now()).is_none());
    }

    #[test]
    fn appsync_keys_are_low_and_placeholders_are_not_keys() {
        let rules = RuleSet::builtin();
        let key = FakeKeys::new(4).appsync_key();
        assert_eq!(
            appsync(&key, &rules.detector).unwrap().severity,
            Severity::Low
        );
        let sequential: String = (b'a'..=b'z').map(char::from).collect();
        assert!(appsync(&format!("da2-{sequential}"), &rules.detector).is_none());
        assert!(appsync(&format!("da2-{}", "a".repeat(26)), &rules.detector).is_none());
    }
}
