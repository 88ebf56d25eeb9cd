//! Issue 10: every credential form and encoding that got a key pair past rolecall before is found
//! by `rolecall scan` (a real repository's history) and rejected by the pre-receive hook with the
//! default policy (a real `git push` to a bare server with the hook installed). AppSync keys and
//! expired short-term Bedrock keys are reported but block nothing by default. Every key is
//! generated at run time and encoded here; no output may hold a whole secret.

use crate::hook::support::{client_with_base, push, Server};
use crate::util::{assert_no_secret, rolecall_cmd, run, TestRepo};
use rolecall::fake::encode;
use rolecall::fake::{FakeKeys, FakePair};
use serde_json::Value;

fn creds(p: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        p.key_id, p.secret
    )
}

/// `rolecall scan --format json` of a repository whose second commit adds `path`.
fn scan_history(path: &str, bytes: &[u8]) -> (i32, Vec<Value>, String) {
    let repo = TestRepo::new();
    repo.write("README.md", "# service\n");
    repo.commit("init");
    repo.write(path, bytes);
    repo.commit("add a file");
    let (code, out, err) = run(rolecall_cmd().current_dir(repo.path()).args([
        "scan",
        "--format",
        "json",
        "--no-progress",
    ]));
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    (code, findings, out)
}

/// Pushes a commit adding `path` to a server with the default policy.
fn push_file(path: &str, bytes: &[u8]) -> crate::hook::support::Pushed {
    let server = Server::new();
    let client = client_with_base(&server);
    client.write(path, bytes);
    client.commit("add a file");
    let p = push(client.path(), &server.url(), &["main"]);
    if p.accepted() {
        assert!(server.rev("main").is_some());
    }
    p
}

/// The whole check: found by a history scan at `shown` (critical unless said otherwise) with
/// `encoding`, and rejected by the hook naming `shown`; neither prints a secret.
fn assert_found_and_rejected(
    path: &str,
    bytes: &[u8],
    shown: &str,
    encoding: &str,
    severity: &str,
    secrets: &[&str],
) {
    let (code, findings, out) = scan_history(path, bytes);
    assert_eq!(code, 1, "{out}");
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == shown && f["severity"] == severity && f["encoding"] == encoding),
        "{shown} {encoding} {severity}: {out}"
    );
    assert_no_secret(&out, secrets);
    let p = push_file(path, bytes);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("push rejected"), "{}", p.text);
    assert!(p.text.contains(shown), "{}", p.text);
    assert_no_secret(&p.text, secrets);
}

fn pair_secrets(p: &FakePair) -> [&str; 2] {
    [p.key_id.as_str(), p.secret.as_str()]
}

#[test]
fn issue10_bedrock_long_term_key_is_found_and_rejected() {
    let key = FakeKeys::new(1001).bedrock_long_term_key("BedrockAPIKey-k3y9", 333_344_445_555);
    let env = format!("AWS_BEARER_TOKEN_BEDROCK={key}\n");
    assert_found_and_rejected(".env", env.as_bytes(), ".env", "plain", "critical", &[&key]);
    let (_, findings, _) = scan_history(".env", env.as_bytes());
    assert_eq!(findings[0]["kind"], "bedrock_api_key");
    assert_eq!(findings[0]["account_id"], "333344445555");
    assert_eq!(
        findings[0]["principal"],
        "arn:aws:iam::333344445555:user/BedrockAPIKey-k3y9"
    );
}

#[test]
fn issue10_bedrock_short_term_key_is_rejected_while_valid_and_only_warned_once_expired() {
    let mut g = FakeKeys::new(1002);
    let key_id = g.key_id("ASIA");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let amz = rolecall::detect::tokens::iso8601(now - 60).replace(['-', ':'], "");
    let valid = g.bedrock_short_term_key(&key_id, &amz, 43_200, true);
    let code = format!("headers = {{\"Authorization\": \"Bearer {valid}\"}}\n");
    assert_found_and_rejected(
        "client.py",
        code.as_bytes(),
        "client.py",
        "plain",
        "high",
        &[&valid],
    );
    let (_, findings, _) = scan_history("client.py", code.as_bytes());
    assert!(findings[0]["expires"]
        .as_str()
        .is_some_and(|e| e.ends_with('Z')));
    let expired = g.bedrock_short_term_key(&key_id, "20240301T080000Z", 3600, false);
    let code = format!("TOKEN = \"{expired}\"\n");
    let (_, findings, out) = scan_history("old.py", code.as_bytes());
    assert_eq!(findings[0]["severity"], "medium", "{out}");
    assert_eq!(findings[0]["expires"], "2024-03-01T09:00:00Z");
    let p = push_file("old.py", code.as_bytes());
    assert!(p.accepted(), "{}", p.text);
    assert!(p.text.contains("warning"), "{}", p.text);
    assert_no_secret(&p.text, &[&expired]);
}

#[test]
fn issue10_appsync_key_is_low_and_blocks_nothing_by_default() {
    let key = FakeKeys::new(1003).appsync_key();
    let js = format!("export const config = {{ apiKey: \"{key}\" }};\n");
    let (code, findings, out) = scan_history("src/aws-exports.js", js.as_bytes());
    assert_eq!(
        code, 0,
        "the default policy fails on medium and above: {out}"
    );
    assert_eq!(findings.len(), 1, "{out}");
    assert_eq!(findings[0]["kind"], "appsync_api_key");
    assert_eq!(findings[0]["severity"], "low");
    assert_no_secret(&out, &[&key]);
    let p = push_file("src/aws-exports.js", js.as_bytes());
    assert!(p.accepted(), "{}", p.text);
    assert_no_secret(&p.text, &[&key]);
}

#[test]
fn issue10_base64_wrapped_at_76_columns_is_found_and_rejected() {
    let p = FakeKeys::new(1004).pair();
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ndata:\n  credentials: |\n{}",
        encode::base64_wrapped(creds(&p).as_bytes(), 76)
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    assert_found_and_rejected(
        "k8s/secret.yaml",
        yaml.as_bytes(),
        "k8s/secret.yaml",
        "base64",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_base64_of_utf16le_user_data_is_found_and_rejected() {
    let p = FakeKeys::new(1005).pair();
    let script = format!(
        "Set-AWSCredential -AccessKey {} -SecretKey {} -StoreAs default\r\nRead-S3Object -BucketName b -Key k -File C:\\k\r\n",
        p.key_id, p.secret
    );
    let user_data = format!(
        "<powershell>\npowershell.exe -NoProfile -EncodedCommand {}\n</powershell>\n",
        encode::powershell_encoded(&script)
    );
    assert_found_and_rejected(
        "ec2/user-data.txt",
        user_data.as_bytes(),
        "ec2/user-data.txt",
        "base64",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_base64_nested_three_deep_is_found_and_rejected() {
    let p = FakeKeys::new(1006).pair();
    let text = format!(
        "blob = \"{}\"\n",
        encode::base64_nested(creds(&p).as_bytes(), 3)
    );
    assert_found_and_rejected(
        "blob.py",
        text.as_bytes(),
        "blob.py",
        "base64",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_utf16_after_the_first_8_kib_is_found_and_rejected() {
    let p = FakeKeys::new(1007).pair();
    let mut bytes = "REM generated by the installer\r\n"
        .repeat(300)
        .into_bytes();
    bytes.extend(encode::utf16le(&creds(&p)));
    assert_found_and_rejected(
        "setup.cmd",
        &bytes,
        "setup.cmd",
        "utf16",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_utf16_strings_inside_a_binary_are_found_and_rejected() {
    let p = FakeKeys::new(1008).pair();
    let bytes = encode::binary_with_utf16_strings(&creds(&p));
    assert_found_and_rejected(
        "bin/tool.exe",
        &bytes,
        "bin/tool.exe",
        "utf16",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_utf32_is_found_and_rejected() {
    let p = FakeKeys::new(1009).pair();
    let bytes = encode::utf32le(&creds(&p));
    assert_found_and_rejected(
        "creds.txt",
        &bytes,
        "creds.txt",
        "utf32",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_json_with_every_character_escaped_is_found_and_rejected() {
    let p = FakeKeys::new(1010).pair();
    let json = format!(
        "{{\n  \"AccessKeyId\": \"{}\",\n  \"SecretAccessKey\": \"{}\"\n}}\n",
        encode::json_all_escaped(&p.key_id),
        encode::json_all_escaped(&p.secret)
    );
    assert_found_and_rejected(
        "appsettings.json",
        json.as_bytes(),
        "appsettings.json",
        "json-escaped",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_json_with_only_plus_escaped_is_found_and_rejected() {
    let mut g = FakeKeys::new(1011);
    let key_id = g.key_id("AKIA");
    let secret = loop {
        let s = g.secret();
        if s.contains('+') {
            break s;
        }
    };
    // System.Text.Json writes `+` as `\u002B` by default.
    let json = format!(
        "{{\"Aws\":{{\"AccessKeyId\":\"{key_id}\",\"SecretAccessKey\":\"{}\"}}}}",
        secret.replace('+', "\\u002B")
    );
    assert_found_and_rejected(
        "appsettings.json",
        json.as_bytes(),
        "appsettings.json",
        "plain",
        "critical",
        &[&key_id, &secret],
    );
}

#[test]
fn issue10_url_encoding_of_every_byte_is_found_and_rejected() {
    let p = FakeKeys::new(1012).pair();
    let text = format!(
        "webhook: https://deploy.example.net/hook?id={}&key={}\n",
        encode::url_all_escaped(&p.key_id),
        encode::url_all_escaped(&p.secret)
    );
    assert_found_and_rejected(
        "ci/hooks.yml",
        text.as_bytes(),
        "ci/hooks.yml",
        "url-encoded",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_hex_of_a_credentials_file_is_found_and_rejected() {
    let p = FakeKeys::new(1013).pair();
    let hex = encode::xxd_p(creds(&p).as_bytes());
    assert_found_and_rejected(
        "backup/credentials.hex",
        hex.as_bytes(),
        "backup/credentials.hex",
        "hex",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_gzip_member_is_found_and_rejected() {
    let p = FakeKeys::new(1014).pair();
    let gz = encode::gzip(Some("credentials"), creds(&p).as_bytes());
    assert_found_and_rejected(
        "backup/credentials.gz",
        &gz,
        "backup/credentials.gz!credentials",
        "gzip",
        "critical",
        &pair_secrets(&p),
    );
}

#[test]
fn issue10_lambda_package_and_jar_members_are_found_and_rejected() {
    let p = FakeKeys::new(1015).pair();
    let jar = encode::zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("credentials", creds(&p).as_bytes()),
    ]);
    let lambda = encode::zip(&[
        (
            "lambda_function.py",
            b"import boto3\ns3 = boto3.client('s3')\n",
        ),
        ("lib/app.jar", &jar),
    ]);
    assert_found_and_rejected(
        "dist/lambda.zip",
        &lambda,
        "dist/lambda.zip!lib/app.jar!credentials",
        "archive-member",
        "critical",
        &pair_secrets(&p),
    );
}
