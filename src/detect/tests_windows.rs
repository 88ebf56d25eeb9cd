//! The evidence contract for each decoder: for every line of a blob taken as the change, a scan
//! of only the evidence windows finds exactly the matches of a whole-blob scan whose evidence
//! touches that line (what the pack engine relies on when it scans only delta inserts).

use super::*;
use crate::fake::encode;
use crate::fake::{FakeKeys, FakePair};

fn creds(p: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        p.key_id, p.secret
    )
}

fn filler(n: usize, tag: &str) -> String {
    (0..n)
        .map(|i| format!("{tag}_{i} = compute(alpha, beta, {i})\n"))
        .collect()
}

type Seen = (
    usize,
    usize,
    u32,
    u32,
    String,
    Severity,
    Encoding,
    Option<String>,
);

fn seen(m: &Match, all: &[Match]) -> Seen {
    (
        m.span.start,
        m.span.end,
        m.line,
        m.column,
        m.value.expose().to_string(),
        m.severity,
        m.encoding,
        m.pair.map(|p| all[p].value.expose().to_string()),
    )
}

/// For every line of `blob` as the change: windows find what the whole scan finds there.
fn assert_contract(blob: &str) {
    // Folding reads whole blobs (and says so when its prefilter hits): the windows contract is
    // that of the detector without it.
    let detector = Detector::builtin().with_folding(false);
    let bytes = blob.as_bytes();
    assert!(!detector.needs_whole_blob(bytes));
    let whole = detector.scan(bytes).matches;
    assert!(!whole.is_empty(), "the case must find something");
    let mut at = 0;
    for line in blob.split_inclusive('\n') {
        let change = at..at + line.len();
        at += line.len();
        let touches = |m: &&Match| {
            m.evidence.start < change.end.max(change.start + 1) && change.start < m.evidence.end
        };
        let windows = detector.evidence_windows(bytes, std::slice::from_ref(&change));
        let part = detector.scan_windows(bytes, &windows).matches;
        let mut expected: Vec<Seen> = whole
            .iter()
            .filter(touches)
            .map(|m| seen(m, &whole))
            .collect();
        let mut got: Vec<Seen> = part
            .iter()
            .filter(touches)
            .map(|m| seen(m, &part))
            .collect();
        expected.sort();
        got.sort();
        got.dedup();
        assert_eq!(
            got, expected,
            "change at {change:?} ({line:?}), windows {windows:?}"
        );
    }
}

#[test]
fn issue10_contract_holds_for_plain_pairs_spread_over_lines() {
    let p = FakeKeys::new(31).pair();
    let blob = format!(
        "{}aws_ak = \"{}\"\n{}aws_sk = \"{}\"\n{}",
        filler(30, "a"),
        p.key_id,
        filler(10, "b"),
        p.secret,
        filler(30, "c")
    );
    assert_contract(&blob);
}

#[test]
fn issue10_contract_holds_for_wrapped_base64() {
    let p = FakeKeys::new(32).pair();
    let mut doc = creds(&p);
    doc.push_str(&filler(20, "inner"));
    let blob = format!(
        "{}data: |\n{}{}",
        filler(30, "a"),
        encode::base64_wrapped(doc.as_bytes(), 76),
        filler(30, "c")
    );
    assert_contract(&blob);
}

#[test]
fn issue10_contract_holds_for_hex_blocks_and_single_line_runs() {
    let p = FakeKeys::new(33).pair();
    let blob = format!(
        "{}{}{}payload = \"{}\"\n{}",
        filler(20, "a"),
        encode::xxd_p(creds(&p).as_bytes()),
        filler(20, "b"),
        encode::base64_nested(creds(&FakeKeys::new(34).pair()).as_bytes(), 3),
        filler(20, "c")
    );
    assert_contract(&blob);
}

#[test]
fn issue10_contract_holds_for_escaped_values() {
    let p = FakeKeys::new(35).pair();
    let q = FakeKeys::new(36).pair();
    let blob = format!(
        "{}{{\n  \"AccessKeyId\": \"{}\",\n{}  \"SecretAccessKey\": \"{}\"\n}}\n{}url = \"?id={}&s={}\"\n{}",
        filler(20, "a"),
        encode::json_all_escaped(&p.key_id),
        filler(9, "b"),
        encode::json_all_escaped(&p.secret),
        filler(20, "c"),
        encode::url_all_escaped(&q.key_id),
        encode::url_all_escaped(&q.secret),
        filler(20, "d")
    );
    assert_contract(&blob);
}

#[test]
fn issue10_contract_holds_for_bearer_tokens_and_markers() {
    let mut g = FakeKeys::new(37);
    let long = g.bedrock_long_term_key("BedrockAPIKey-zz9q", 222_233_334_444);
    let key_id = g.key_id("ASIA");
    let short = g.bedrock_short_term_key(&key_id, "20240101T000000Z", 3600, true);
    let (a, b) = (g.key_id("AKIA"), g.key_id("AKIA"));
    let blob = format!(
        "{}AWS_BEARER_TOKEN_BEDROCK={long}\n{}Authorization: Bearer {short}\n{}x=[\"{a}\" /* rolecall:allow */,\"{b}\"]\n{}",
        filler(20, "a"),
        filler(5, "b"),
        filler(5, "c"),
        filler(20, "d")
    );
    assert_contract(&blob);
}

#[test]
fn issue10_utf16_utf32_binary_and_archives_need_the_whole_blob() {
    let d = Detector::builtin();
    let p = FakeKeys::new(38).pair();
    let mut late_utf16 = "# header\n".repeat(1000).into_bytes();
    late_utf16.extend(encode::utf16le(&creds(&p)));
    for blob in [
        late_utf16,
        encode::utf32le(&creds(&p)),
        encode::binary_with_utf16_strings(&creds(&p)),
        encode::gzip(None, creds(&p).as_bytes()),
        encode::zip(&[("credentials", creds(&p).as_bytes())]),
    ] {
        assert!(d.needs_whole_blob(&blob));
        assert!(!d.scan(&blob).matches.is_empty());
    }
}
