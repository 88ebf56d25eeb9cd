//! Detector tests for issue 10's credential forms and encodings, and issue 9's detector items
//! (marker scope, widened pairing, linear minified lines). Every key is generated at run time.

use super::*;
use crate::fake::encode;
use crate::fake::{FakeKeys, FakePair};

fn scan(bytes: &[u8]) -> Vec<Match> {
    Detector::builtin().scan(bytes).matches
}

fn creds(p: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        p.key_id, p.secret
    )
}

/// The key ID and secret of `p` are both found, paired and critical, with `encoding`.
fn assert_pair(found: &[Match], p: &FakePair, encoding: Encoding) {
    let key = found
        .iter()
        .find(|m| m.value.expose() == p.key_id)
        .unwrap_or_else(|| panic!("key ID not found: {found:?}"));
    let secret = found
        .iter()
        .find(|m| m.value.expose() == p.secret)
        .unwrap_or_else(|| panic!("secret not found: {found:?}"));
    assert_eq!(key.severity, Severity::Critical, "{found:?}");
    assert_eq!(secret.severity, Severity::Critical, "{found:?}");
    assert_eq!(key.encoding, encoding, "{found:?}");
    assert_eq!(
        key.pair.map(|i| found[i].value.expose()),
        Some(p.secret.as_str())
    );
}

fn now_amz(offset: i64) -> String {
    let t = (tokens::now() as i64 + offset) as u64;
    let iso = tokens::iso8601(t);
    iso.replace(['-', ':'], "")
}

#[test]
fn issue10_bedrock_long_term_key_is_critical_with_its_user_and_account() {
    let key = FakeKeys::new(1).bedrock_long_term_key("BedrockAPIKey-a1b2", 123_456_789_012);
    for text in [
        format!("export AWS_BEARER_TOKEN_BEDROCK={key}\n"),
        format!("headers = {{'Authorization': 'Bearer {key}'}}\n"),
    ] {
        let found = scan(text.as_bytes());
        assert_eq!(found.len(), 1, "{found:?}");
        let m = &found[0];
        assert_eq!(
            (m.kind, m.severity),
            (Kind::BedrockApiKey, Severity::Critical)
        );
        assert_eq!(m.account_id(), Some("123456789012"));
        assert_eq!(
            m.principal(),
            Some("arn:aws:iam::123456789012:user/BedrockAPIKey-a1b2")
        );
        assert!(!m.value.redacted().contains(&key[8..20]));
    }
}

#[test]
fn issue10_bedrock_short_term_key_is_high_until_it_expires() {
    let mut g = FakeKeys::new(2);
    let key_id = g.key_id_for_account("AKIA", 444_455_556_666);
    let valid = g.bedrock_short_term_key(&key_id, &now_amz(-600), 43_200, false);
    let text = format!("AWS_BEARER_TOKEN_BEDROCK={valid}\n");
    let found = scan(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].kind, found[0].severity),
        (Kind::BedrockApiKey, Severity::High)
    );
    assert_eq!(found[0].account_id(), Some("444455556666"));
    assert!(found[0].expires().is_some_and(|e| e.ends_with('Z')));
    // The access key ID inside the token is not reported a second time.
    let expired = g.bedrock_short_term_key(&key_id, "20240101T000000Z", 3600, false);
    let found = scan(format!("Authorization: Bearer {expired}\n").as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Medium);
    assert_eq!(found[0].expires(), Some("2024-01-01T01:00:00Z"));
}

#[test]
fn issue10_appsync_key_is_its_own_kind_and_low() {
    let key = FakeKeys::new(3).appsync_key();
    let found = scan(format!("  aws_appsync_apiKey: '{key}',\n").as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].kind, found[0].severity),
        (Kind::AppSyncApiKey, Severity::Low)
    );
}

#[test]
fn issue10_key_id_with_the_documented_example_secret_is_documentation() {
    let key_id = FakeKeys::new(4).key_id("AKIA");
    let docs = format!(
        "aws_access_key_id = {key_id}\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    );
    assert!(scan(docs.as_bytes()).is_empty());
    let cli =
        format!("--access-key {key_id} --secret-key <wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY>");
    assert!(scan(cli.as_bytes()).is_empty());
    // A key ID alone is still reported.
    assert_eq!(
        scan(format!("aws_access_key_id = {key_id}\n").as_bytes()).len(),
        1
    );
}

#[test]
fn issue10_session_token_under_a_plain_label_beside_an_asia_key_is_paired() {
    let mut g = FakeKeys::new(5);
    let key_id = g.key_id("ASIA");
    let secret = g.secret();
    let token = g.opaque_session_token();
    let text =
        format!("aws credentials {{\n  id: {key_id}\n  secret: {secret}\n  session: {token}\n}}\n");
    let found = scan(text.as_bytes());
    let t = found
        .iter()
        .find(|m| m.kind == Kind::SessionToken)
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(t.severity, Severity::Critical);
    assert_eq!(t.value.expose(), token);
    // Beside a long-term key the same label is not a session token.
    let akia = g.key_id("AKIA");
    let text = format!("id: {akia}\nsession: {token}\n");
    assert!(scan(text.as_bytes())
        .iter()
        .all(|m| m.kind != Kind::SessionToken));
}

#[test]
fn issue9_pairing_reaches_a_secret_seven_lines_below_and_short_labels() {
    let p = FakeKeys::new(6).pair();
    let seven = format!(
        "ACCESS = \"{}\"\n#\n#\n#\n#\n#\n#\nvalue = \"{}\"\n",
        p.key_id, p.secret
    );
    assert_pair(&scan(seven.as_bytes()), &p, Encoding::Plain);
    let gap = "\n".repeat(10);
    for label in ["aws_sk", "sk", "AWS_SECRET", "secret"] {
        let text = format!("aws_ak = \"{}\"{gap}{label} = \"{}\"\n", p.key_id, p.secret);
        assert_pair(&scan(text.as_bytes()), &p, Encoding::Plain);
    }
    // Unlabelled and ten lines away: not a secret.
    let text = format!("id = \"{}\"{gap}blob = \"{}\"\n", p.key_id, p.secret);
    let found = scan(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Medium);
}

#[test]
fn issue9_allow_marker_annotates_one_credential_not_the_whole_line() {
    let mut g = FakeKeys::new(7);
    let (a, b, c) = (g.key_id("AKIA"), g.key_id("AKIA"), g.key_id("AKIA"));
    let line = format!("var x=[\"{a}\",\"{b}\" /* rolecall:allow */,\"{c}\"];\n");
    let found = scan(line.as_bytes());
    let allowed: Vec<&str> = found
        .iter()
        .filter(|m| m.inline_allowed)
        .map(|m| m.value.expose())
        .collect();
    assert_eq!(allowed, vec![b.as_str()]);
    assert_eq!(found.len(), 3);
    // A marker before every match of its line annotates the first after it.
    let line = format!("/* rolecall:allow */ k=\"{a}\"; j=\"{b}\";\n");
    let found = scan(line.as_bytes());
    assert!(
        found[0].inline_allowed && !found[1].inline_allowed,
        "{found:?}"
    );
    // A key ID and its secret are one credential: one marker after the secret covers both.
    let p = g.pair();
    let line = format!(
        "creds(\"{}\", \"{}\") # rolecall:allow fixture\n",
        p.key_id, p.secret
    );
    let found = scan(line.as_bytes());
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|m| m.inline_allowed), "{found:?}");
    // A marker on another line annotates nothing here.
    let text = format!("k = \"{a}\"\n# rolecall:allow\n");
    assert!(!scan(text.as_bytes())[0].inline_allowed);
}

#[test]
fn issue9_a_minified_line_of_many_key_ids_gets_every_position_right() {
    let mut g = FakeKeys::new(8);
    let keys: Vec<String> = (0..4000).map(|_| g.key_id("AKIA")).collect();
    let mut line = String::from("é");
    for k in &keys {
        line.push_str(&format!("\"{k}\","));
    }
    let found = scan(line.as_bytes());
    assert_eq!(found.len(), keys.len());
    // "é" is one character and two bytes; each entry is 23 characters.
    for (i, m) in found.iter().enumerate().step_by(997) {
        assert_eq!((m.line, m.column), (1, 3 + 23 * i as u32));
        assert_eq!(m.value.expose(), keys[i]);
    }
}

#[test]
fn issue10_base64_wrapped_at_76_columns_is_opened() {
    let p = FakeKeys::new(9).pair();
    let text = format!(
        "apiVersion: v1\nkind: Secret\ndata:\n  credentials: |\n{}",
        encode::base64_wrapped(creds(&p).as_bytes(), 76)
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    let found = scan(text.as_bytes());
    assert_pair(&found, &p, Encoding::Base64);
    assert_eq!(found[0].line, 5);
}

#[test]
fn issue10_base64_of_utf16le_is_opened() {
    let p = FakeKeys::new(10).pair();
    let script = format!(
        "Set-AWSCredential -AccessKey {} -SecretKey {} -StoreAs default\r\n",
        p.key_id, p.secret
    );
    let text = format!(
        "<powershell>\npowershell.exe -EncodedCommand {}\n</powershell>\n",
        encode::powershell_encoded(&script)
    );
    assert_pair(&scan(text.as_bytes()), &p, Encoding::Base64);
}

#[test]
fn issue10_base64_nested_three_deep_is_opened() {
    let p = FakeKeys::new(11).pair();
    let text = format!(
        "payload = \"{}\"\n",
        encode::base64_nested(creds(&p).as_bytes(), 3)
    );
    assert_pair(&scan(text.as_bytes()), &p, Encoding::Base64);
}

#[test]
fn issue10_utf16_after_the_first_8_kib_is_found() {
    let p = FakeKeys::new(12).pair();
    let mut bytes = "# generated\n".repeat(800).into_bytes();
    assert!(bytes.len() > 8192);
    bytes.extend(encode::utf16le(&creds(&p)));
    assert_pair(&scan(&bytes), &p, Encoding::Utf16);
}

#[test]
fn issue10_utf16_strings_inside_a_binary_are_found() {
    let p = FakeKeys::new(13).pair();
    let bytes = encode::binary_with_utf16_strings(&creds(&p));
    let s = Detector::builtin().scan(&bytes);
    assert!(s.binary);
    assert_pair(&s.matches, &p, Encoding::Utf16);
}

#[test]
fn issue10_utf32_text_is_transcoded() {
    let p = FakeKeys::new(14).pair();
    let found = scan(&encode::utf32le(&creds(&p)));
    assert_pair(&found, &p, Encoding::Utf32);
    assert_eq!(found[0].line, 2);
}

#[test]
fn issue10_json_with_every_character_escaped_is_unescaped() {
    let p = FakeKeys::new(15).pair();
    let text = format!(
        "{{\n  \"AccessKeyId\": \"{}\",\n  \"SecretAccessKey\": \"{}\"\n}}\n",
        encode::json_all_escaped(&p.key_id),
        encode::json_all_escaped(&p.secret)
    );
    let found = scan(text.as_bytes());
    assert_pair(&found, &p, Encoding::JsonEscaped);
    let key = found.iter().find(|m| m.key.is_some()).unwrap();
    assert_eq!((key.line, key.column), (2, 19));
    assert_eq!(key.span.len(), 20 * 6);
}

#[test]
fn issue10_json_with_only_plus_escaped_is_unescaped() {
    let mut g = FakeKeys::new(16);
    let key_id = g.key_id("AKIA");
    let secret = loop {
        let s = g.secret();
        if s.contains('+') {
            break s;
        }
    };
    let text = format!(
        "{{\"AccessKeyId\":\"{key_id}\",\"SecretAccessKey\":\"{}\"}}",
        secret.replace('+', "\\u002B")
    );
    let p = FakePair { key_id, secret };
    assert_pair(&scan(text.as_bytes()), &p, Encoding::Plain);
}

#[test]
fn issue10_url_encoding_of_every_byte_is_decoded() {
    let p = FakeKeys::new(17).pair();
    let text = format!(
        "https://deploy.example.net/hook?id={}&key={}\n",
        encode::url_all_escaped(&p.key_id),
        encode::url_all_escaped(&p.secret)
    );
    assert_pair(&scan(text.as_bytes()), &p, Encoding::UrlEncoded);
}

#[test]
fn issue10_hex_of_a_credentials_file_is_decoded() {
    let p = FakeKeys::new(18).pair();
    let text = encode::xxd_p(creds(&p).as_bytes());
    assert_pair(&scan(text.as_bytes()), &p, Encoding::Hex);
    // On one line (`xxd -p -c 0`) as well.
    let one_line = format!("blob = \"{}\"\n", text.replace('\n', ""));
    assert_pair(&scan(one_line.as_bytes()), &p, Encoding::Hex);
}

#[test]
fn issue10_gzip_and_zip_members_are_scanned_with_their_names() {
    let p = FakeKeys::new(19).pair();
    let gz = encode::gzip(Some("credentials"), creds(&p).as_bytes());
    let found = scan(&gz);
    assert_pair(&found, &p, Encoding::Gzip);
    assert_eq!(found[0].member.as_deref(), Some("credentials"));
    let jar = encode::zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("config/credentials", creds(&p).as_bytes()),
    ]);
    let lambda = encode::zip(&[("handler.py", b"import boto3\n"), ("lib/app.jar", &jar)]);
    let found = scan(&lambda);
    assert_pair(&found, &p, Encoding::ArchiveMember);
    assert_eq!(
        found[0].member.as_deref(),
        Some("lib/app.jar!config/credentials")
    );
    assert_eq!(found[0].line, 2);
}

#[test]
fn issue10_a_zip_bomb_is_bounded_and_says_so() {
    let p = FakeKeys::new(20).pair();
    let zeros = vec![b'0'; 32 << 20];
    let bomb = encode::zip(&[("zeros", &zeros), ("credentials", creds(&p).as_bytes())]);
    let s = Detector::builtin().scan(&bomb);
    assert!(s.truncated);
    assert_pair(&s.matches, &p, Encoding::ArchiveMember);
}

#[test]
fn issue10_decoding_stays_within_its_budget() {
    // Thousands of nested-base64 anchors in one text: each run is decoded once, and the total
    // decoded bytes stay under the budget.
    let p = FakeKeys::new(21).pair();
    let unit = format!("{}\n", encode::base64_nested(creds(&p).as_bytes(), 2));
    let text = unit.repeat(2000);
    let s = Detector::builtin().scan(text.as_bytes());
    assert_eq!(s.matches.len(), 2 * 2000);
    let mut ctx = Ctx::new(text.len());
    let before = ctx.budget.clone();
    Detector::builtin().scan_text(text.as_bytes(), &mut ctx, Level::top(), text.as_bytes());
    assert!(!ctx.budget.exhausted, "{before:?} {:?}", ctx.budget);
}

#[test]
fn issue10_assembled_key_signs_come_from_the_anchor_pass() {
    let d = Detector::builtin();
    let key = FakeKeys::new(22).key_id("AKIA");
    let split = format!(
        "key = \"{}\" + \"{}\" + \"{}\"\n",
        &key[..4],
        &key[4..12],
        &key[12..]
    );
    let mut ctx = Ctx::new(split.len());
    let unfolded = d.scan_text(split.as_bytes(), &mut ctx, Level::top(), split.as_bytes());
    assert!(unfolded.is_empty());
    assert!(
        ctx.fold_hint,
        "an AKIA anchor that is no whole key is a sign"
    );
    // Folding (on by default) finds the assembled key.
    let scan = d.scan(split.as_bytes());
    assert_eq!(scan.matches.len(), 1);
    assert_eq!(scan.matches[0].value.expose(), key);
    assert_eq!((scan.matches[0].assembled, scan.matches[0].column), (3, 8));
    assert!(scan.folded);
    let off = Detector::builtin().with_folding(false);
    assert!(off.scan(split.as_bytes()).matches.is_empty());
    assert!(!off.scan(split.as_bytes()).folded);
    // A prefix split inside its first four characters: the quoted fragment is the sign.
    let split_prefix = format!("key = 'AK' + '{}'\n", &key[2..]);
    let scan = d.scan(split_prefix.as_bytes());
    assert!(scan.folded);
    assert_eq!(scan.matches.len(), 1, "{split_prefix}");
    // A whole key ID whose secret is assembled: the lone key ID is the sign.
    let pair = FakeKeys::new(23).pair();
    let lone = format!(
        "aws_access_key_id = \"{}\"\naws_secret_access_key = \"{}\" + \"{}\"\n",
        pair.key_id,
        &pair.secret[..20],
        &pair.secret[20..]
    );
    let scan = d.scan(lone.as_bytes());
    assert!(scan.folded);
    assert_eq!(scan.matches.len(), 2);
    assert!(scan.matches[0].pair.is_some());
    // Code with credential names and whole, paired keys is not folded: no parse on the common
    // path.
    let whole = format!(
        "aws_access_key_id = \"{}\"\naws_secret_access_key = \"{}\"\n",
        pair.key_id, pair.secret
    );
    let scan = d.scan(whole.as_bytes());
    assert_eq!(scan.matches.len(), 2);
    assert!(!scan.folded);
    let plain = "def handle(event):\n    aws_secret = event['AS_OF']\n    return event\n";
    assert!(!d.scan(plain.as_bytes()).folded);
}

#[test]
fn issue10_fold_fragments_keep_the_core_automaton_on_its_simd_path() {
    let d = Detector::builtin();
    let n = d.anchors.patterns_len();
    assert!(n <= 64, "{n} core anchor patterns");
    assert!(fold_fragments(&["AKIA"]).contains(&"\"AK\"".to_string()));
}
