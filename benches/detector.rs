//! Detector throughput (bytes per second) on three kinds of text, each about 8 MiB:
//! source code with no AWS anchors, source code dense with near-misses (the words "secret",
//! "session", "security" and base64 blobs), and the same with real-shaped keys planted every
//! 64 KiB. Keys are generated at run time (`rolecall::fake`).
//!
//! Also one minified line of many key IDs (issue 9: it must scale linearly).
//!
//! Run: `cargo bench --bench detector`

use divan::counter::BytesCount;
use divan::Bencher;
use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;

const SIZE: usize = 8 * 1024 * 1024;

const CODE: &str = r#"
def handle(event, context):
    """Process an incoming record and store the result."""
    items = [transform(x) for x in event.get("records", []) if x]
    for index, item in enumerate(items):
        if item.status not in ("ok", "skipped"):
            log.warning("record %d failed: %s", index, item.reason)
    return {"statusCode": 200, "body": json.dumps({"count": len(items)})}
"#;

const NEAR_MISSES: &str = r#"
class SessionManager:
    # Security note: the session token is rotated by the identity service.
    def refresh(self, session_token=None, secret_name="prod/db"):
        secret = self.client.get_secret_value(SecretId=secret_name)
        blob = "q9ZkLm3Xr7Vt2Wn8Yp4Hs6Jd1Fb5Gc0Ae/Ru+Ti9Ok3Ml7Nj2Ph6Qg8Sf4Uc1We5Xa0Zb"
        return Session(token=session_token or secret["SecretString"])
"#;

fn fill(unit: &str) -> String {
    unit.repeat(SIZE / unit.len() + 1)
}

fn with_keys(mut text: String) -> String {
    let mut keys = FakeKeys::new(7);
    let mut out = String::with_capacity(text.len() + 4096);
    while text.len() > 64 * 1024 {
        let rest = text.split_off(64 * 1024);
        out.push_str(&text);
        let pair = keys.pair();
        out.push_str(&format!(
            "\naws_access_key_id = \"{}\"\naws_secret_access_key = \"{}\"\n",
            pair.key_id, pair.secret
        ));
        text = rest;
    }
    out.push_str(&text);
    out
}

fn run(bencher: Bencher, text: String) {
    let detector = Detector::builtin();
    bencher.counter(BytesCount::new(text.len())).bench(|| {
        detector
            .scan(divan::black_box(text.as_bytes()))
            .matches
            .len()
    });
}

#[divan::bench(sample_count = 10)]
fn plain_source(bencher: Bencher) {
    run(bencher, fill(CODE));
}

#[divan::bench(sample_count = 10)]
fn near_misses(bencher: Bencher) {
    run(bencher, fill(NEAR_MISSES));
}

#[divan::bench(sample_count = 10)]
fn keys_every_64k(bencher: Bencher) {
    run(bencher, with_keys(fill(CODE)));
}

/// One minified line of `n` quoted key IDs (issue 9: 16k, 32k and 64k took 2.0 s, 7.8 s and
/// 25.7 s before positions, pairing and the marker scope were made linear). Time per key ID
/// should stay flat across the three sizes.
#[divan::bench(args = [16_000, 32_000, 64_000], sample_count = 5)]
fn minified_line_of_key_ids(bencher: Bencher, n: usize) {
    let mut keys = FakeKeys::new(9);
    let mut line = String::with_capacity(n * 23);
    for _ in 0..n {
        line.push('"');
        line.push_str(&keys.key_id("AKIA"));
        line.push_str("\",");
    }
    let detector = Detector::builtin();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| {
            detector
                .scan(divan::black_box(line.as_bytes()))
                .matches
                .len()
        });
}

/// The same line with a key pair every few entries and an allow marker after every tenth:
/// pairing and markers on one line.
#[divan::bench(args = [16_000, 64_000], sample_count = 5)]
fn minified_line_of_pairs_and_markers(bencher: Bencher, n: usize) {
    let mut keys = FakeKeys::new(10);
    let mut line = String::with_capacity(n * 70);
    for i in 0..n {
        let pair = keys.pair();
        line.push_str(&format!("[\"{}\",\"{}\"]", pair.key_id, pair.secret));
        line.push_str(if i % 10 == 0 {
            "/*rolecall:allow*/,"
        } else {
            ","
        });
    }
    let detector = Detector::builtin();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| {
            detector
                .scan(divan::black_box(line.as_bytes()))
                .matches
                .len()
        });
}

fn main() {
    divan::main();
}
