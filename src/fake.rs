//! Deterministic fake credentials for tests, rule examples, benchmarks and the demo.
//!
//! rolecall's own repository must stay clean under any secret scanner, so no whole key is ever
//! written into a tracked file: every key used in a test is generated here from a seed at run
//! time. The generated values have the exact shape of real AWS credentials (and decode to an
//! account ID of your choosing), which is what makes them good test data.

pub mod encode;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A seeded generator of fake AWS credentials (xorshift64*; not for cryptographic use).
#[derive(Debug, Clone)]
pub struct FakeKeys {
    state: u64,
}

/// A generated access key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePair {
    /// The access key ID.
    pub key_id: String,
    /// The secret access key.
    pub secret: String,
}

impl FakeKeys {
    /// A generator for `seed`; the same seed gives the same keys.
    pub fn new(seed: u64) -> FakeKeys {
        FakeKeys {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick(&mut self, alphabet: &[u8]) -> char {
        alphabet[(self.next() % alphabet.len() as u64) as usize] as char
    }

    /// A key ID with `prefix` (for example `"AKIA"`) in the current format, belonging to the
    /// account 210987654321.
    pub fn key_id(&mut self, prefix: &str) -> String {
        self.key_id_for_account(prefix, 210_987_654_321)
    }

    /// A key ID with `prefix` whose encoded account is `account` (as AWS lays it out).
    pub fn key_id_for_account(&mut self, prefix: &str, account: u64) -> String {
        // A prefix that itself spells a word (`{TAWS}` in a template) would never pass the
        // whole-key check: after enough tries only the generated body is checked.
        for tries in 0u32.. {
            let top48 = ((account & 0xff_ffff_ffff) << 7) | (1u64 << 47) | (self.next() & 0x7f);
            let acc: u128 = ((top48 as u128) << 32) | (self.next() as u128 & 0xffff_ffff);
            let body: String = (0..16)
                .rev()
                .map(|i| BASE32[((acc >> (i * 5)) & 31) as usize] as char)
                .collect();
            let key = format!("{prefix}{body}");
            let key = key[..20.min(key.len())].to_string();
            if plausible(&key) || (tries >= 1_000 && plausible_body(&key)) {
                return key;
            }
        }
        unreachable!("the loop only ends by returning")
    }

    /// A 40-character secret access key.
    pub fn secret(&mut self) -> String {
        loop {
            let s: String = (0..40).map(|_| self.pick(BASE64)).collect();
            if s.bytes().any(|b| b.is_ascii_uppercase())
                && s.bytes().any(|b| b.is_ascii_lowercase())
                && !has_word(&s)
            {
                return s;
            }
        }
    }

    /// An STS session token (the current `IQoJb3JpZ2luX2Vj` shape, 356 characters).
    pub fn session_token(&mut self) -> String {
        loop {
            let body: String = (0..340).map(|_| self.pick(BASE64)).collect();
            if !has_word(&body) {
                return format!("IQoJb3JpZ2luX2Vj{body}");
            }
        }
    }

    /// A session token without a known prefix (only its label and its `ASIA` key ID beside it
    /// say what it is), 344 characters.
    pub fn opaque_session_token(&mut self) -> String {
        loop {
            let body: String = (0..342).map(|_| self.pick(BASE64)).collect();
            if !has_word(&body) && !body.starts_with("IQoJ") && !body.starts_with("Fwo") {
                return format!("{body}==");
            }
        }
    }

    /// A long-term (`AKIA`) key pair.
    pub fn pair(&mut self) -> FakePair {
        FakePair {
            key_id: self.key_id("AKIA"),
            secret: self.secret(),
        }
    }

    /// 40 lowercase hex digits (a git object id's shape).
    pub fn hex40(&mut self) -> String {
        (0..40).map(|_| self.pick(b"0123456789abcdef")).collect()
    }
}

impl FakeKeys {
    /// A long-term Amazon Bedrock API key of IAM user `user` in `account`: `ABSK` + the base64
    /// of `<user>-at-<account>:<password>`, as `iam create-service-specific-credential` issues.
    pub fn bedrock_long_term_key(&mut self, user: &str, account: u64) -> String {
        use base64::Engine;
        loop {
            let password: String = (0..59).map(|_| self.pick(BASE64)).collect();
            let payload = format!("{user}-at-{account:012}:{password}=");
            let key = format!(
                "ABSK{}",
                base64::engine::general_purpose::STANDARD.encode(payload)
            );
            if !has_word(&key[4..]) {
                return key;
            }
        }
    }

    /// A short-term Amazon Bedrock API key: `bedrock-api-key-` + the base64 of a SigV4
    /// presigned `CallWithBearerToken` URL signed by `key_id` at `amz_date`
    /// (`YYYYMMDDTHHMMSSZ`), valid for `expires` seconds, with a session token when `temporary`.
    /// The parameters are in the order botocore signs them.
    pub fn bedrock_short_term_key(
        &mut self,
        key_id: &str,
        amz_date: &str,
        expires: u64,
        temporary: bool,
    ) -> String {
        use base64::Engine;
        let day = &amz_date[..8.min(amz_date.len())];
        let token = if temporary {
            let t = self.session_token().replace('/', "%2F").replace('+', "%2B");
            format!("&X-Amz-Security-Token={t}")
        } else {
            String::new()
        };
        let signature: String = (0..64).map(|_| self.pick(b"0123456789abcdef")).collect();
        let url = format!(
            "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential={key_id}%2F{day}%2Fus-east-1%2Fbedrock%2Faws4_request\
             &X-Amz-Date={amz_date}&X-Amz-Expires={expires}{token}&X-Amz-SignedHeaders=host\
             &X-Amz-Signature={signature}&Version=1"
        );
        format!(
            "bedrock-api-key-{}",
            base64::engine::general_purpose::STANDARD.encode(url)
        )
    }

    /// An AWS AppSync API key (`da2-` + 26 lowercase base32 characters).
    pub fn appsync_key(&mut self) -> String {
        loop {
            let body: String = (0..26)
                .map(|_| self.pick(b"abcdefghijklmnopqrstuvwxyz234567"))
                .collect();
            if !has_word(&body) && plausible(&format!("QQQQ{}", body.to_ascii_uppercase())) {
                return format!("da2-{body}");
            }
        }
    }
}

/// The two shapes of placeholder key ID people write in docs and templates.
#[derive(Debug, Clone, Copy)]
pub enum KeyIdPlaceholder {
    /// `AKIA` followed by sixteen `X`.
    Repeated,
    /// `AKIA` followed by `ABCDEFGHIJKLMNOP`.
    Sequential,
}

/// A placeholder key ID, assembled at run time so that no key-shaped string sits in the tree.
pub fn placeholder_key_id(shape: KeyIdPlaceholder) -> String {
    let body = match shape {
        KeyIdPlaceholder::Repeated => "X".repeat(16),
        KeyIdPlaceholder::Sequential => (b'A'..=b'P').map(char::from).collect(),
    };
    format!("AKIA{body}")
}

/// Generated values must never trip the detector's own placeholder guards by chance, or tests
/// built on them would be flaky.
fn has_word(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "example", "sample", "dummy", "xxxxx", "abcdef", "123456", "aws", "s3", "boto", "secret",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// [`plausible`] without looking at the 4-character prefix for words.
fn plausible_body(key: &str) -> bool {
    key.len() <= 4 || plausible(&format!("AKIA{}", &key[4..]))
}

fn plausible(key: &str) -> bool {
    let body = &key.as_bytes()[4..];
    let mut run = 1;
    for w in body.windows(2) {
        run = if w[0] == w[1] || w[1] == w[0] + 1 {
            run + 1
        } else {
            1
        };
        if run >= 4 {
            return false;
        }
    }
    !has_word(key)
}

impl FakeKeys {
    /// A secret that contains at least one `/` or `+` (so that escaping changes it).
    pub fn secret_needing_escape(&mut self) -> String {
        loop {
            let s = self.secret();
            if s.contains('/') {
                return s;
            }
        }
    }

    /// Expands a rule-example template: `{AKIA}` (or any 4-letter prefix, or `{A3TX}`) becomes a
    /// key ID with that prefix; `{SECRET}`, `{TOKEN}`, `{HEX40}`; `{B64_SECRET}` / `{B64_AKIA}` the
    /// base64 of a secret / key ID; `{URL_SECRET}` / `{JSON_SECRET}` an escaped secret.
    pub fn expand(&mut self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let name = &after[..close];
            match self.expand_one(name) {
                Some(v) => {
                    out.push_str(&v);
                    rest = &after[close + 1..];
                }
                // Not a placeholder (a JSON object, a YAML flow mapping, a `${…}` template):
                // keep the brace and read on inside it, where a placeholder may sit.
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn expand_one(&mut self, name: &str) -> Option<String> {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        Some(match name {
            "SECRET" => self.secret(),
            "TOKEN" => self.session_token(),
            "OPAQUE_TOKEN" => self.opaque_session_token(),
            "HEX40" => self.hex40(),
            "B64_SECRET" => b64(&self.secret()),
            "B64_AKIA" => b64(&self.key_id("AKIA")),
            "BEDROCK_LONG" => self.bedrock_long_term_key("BedrockAPIKey-t3st", 210_987_654_321),
            "BEDROCK_EXAMPLE" => bedrock_documentation_key(),
            "BEDROCK_SHORT" => {
                let key_id = self.key_id("AKIA");
                self.bedrock_short_term_key(&key_id, "20990101T000000Z", 43_200, false)
            }
            "APPSYNC" => self.appsync_key(),
            "URL_SECRET" => self
                .secret_needing_escape()
                .replace('/', "%2F")
                .replace('+', "%2B"),
            "JSON_SECRET" => self.secret_needing_escape().replace('/', "\\/"),
            "JSONU_SECRET" => loop {
                let s = self.secret();
                if s.contains('+') {
                    break s.replace('+', "\\u002B");
                }
            },
            "REPEATED_KEY_ID" => placeholder_key_id(KeyIdPlaceholder::Repeated),
            "SEQUENTIAL_KEY_ID" => placeholder_key_id(KeyIdPlaceholder::Sequential),
            p if p.len() == 4
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
            {
                self.key_id(p)
            }
            _ => return None,
        })
    }
}

/// A long-term Bedrock API key as documentation writes it: `ABSK`, the base64 of
/// `BedrockAPIKey-`, then `EXAMPLE` repeated to a key's length (never a credential).
fn bedrock_documentation_key() -> String {
    format!("ABSKQmVkcm9ja0FQSUtleS1{}EXM=", "EXAMPLE".repeat(15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_keys() {
        assert_eq!(FakeKeys::new(3).pair(), FakeKeys::new(3).pair());
        assert_ne!(FakeKeys::new(3).pair(), FakeKeys::new(4).pair());
    }

    #[test]
    fn shapes_are_right() {
        let mut g = FakeKeys::new(1);
        let p = g.pair();
        assert_eq!(p.key_id.len(), 20);
        assert!(p.key_id.starts_with("AKIA"));
        assert_eq!(p.secret.len(), 40);
        assert!(g.session_token().len() > 300);
    }

    #[test]
    fn placeholders_inside_braces_that_are_not_placeholders_expand() {
        // A JSON object or YAML flow mapping around a placeholder hid it (found by the ECS
        // rewrite of issue 11: its property test never saw a key).
        let mut g = FakeKeys::new(5);
        let text = g.expand("{\"env\": [{\"value\": \"{AKIA}\"}], \"s\": \"${path}{SECRET}\"}");
        assert!(
            !text.contains("{AKIA}") && !text.contains("{SECRET}"),
            "{text}"
        );
        assert!(text.starts_with("{\"env\": [{\"value\": \"AKIA"), "{text}");
        assert!(text.contains("${path}") && text.ends_with("\"}"), "{text}");
    }

    #[test]
    fn key_ids_decode_to_the_chosen_account() {
        let key = FakeKeys::new(9).key_id_for_account("AKIA", 123_456_789_012);
        assert_eq!(
            crate::detect::validate::account_id(&key).as_deref(),
            Some("123456789012")
        );
    }
}

#[cfg(test)]
mod prefix_tests {
    use super::FakeKeys;

    /// A template placeholder whose prefix spells a word (found by the detector fuzz target:
    /// `{TAWS}` looped forever) still expands.
    #[test]
    fn a_prefix_that_spells_a_word_still_expands() {
        let key = FakeKeys::new(3).key_id_for_account("TAWS", 123_456_789_012);
        assert_eq!(key.len(), 20);
        assert!(key.starts_with("TAWS"));
    }
}
