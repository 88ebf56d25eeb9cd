//! `rolecall scan` end to end through the real binary: exit codes 0/1/2, every output format read
//! back by a real parser (serde_json, the SARIF 2.1.0 schema with the `jsonschema` crate, JUnit with
//! python3 `minidom`), baselines, bad paths, plain folders, `--worktree`; and the shell
//! completions and man page generated from the CLI definition.

use crate::integrations::{schema_errors, SARIF_SCHEMA};
#[cfg(feature = "conformance")]
use crate::util::require_tool;
use crate::util::{assert_no_secret, rolecall_cmd, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use serde_json::Value;
#[cfg(feature = "conformance")]
use std::io::Write;
use std::path::Path;
use std::process::Command;
#[cfg(feature = "conformance")]
use std::process::Stdio;

fn creds(pair: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        pair.key_id, pair.secret
    )
}

/// A repository whose history holds one usable key pair (added, then deleted).
fn leaky_repo(seed: u64) -> (TestRepo, FakePair) {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(seed).pair();
    repo.write("README.md", "hello\n");
    repo.commit("init");
    repo.write("deploy/credentials", creds(&pair));
    repo.commit("deploy");
    repo.remove("deploy/credentials");
    repo.commit("cleanup");
    (repo, pair)
}

fn scan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(rolecall_cmd().current_dir(dir).arg("scan").args(args))
}

#[cfg(feature = "conformance")]
fn python(script: &str, args: &[&str], input: &str) -> String {
    require_tool("python3");
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `testcases N failures M` for a JUnit report: python's XML parser in the conformance tier; in
/// the default tier the elements are counted and the document's tags must balance.
fn junit_check(xml: &str) -> String {
    #[cfg(feature = "conformance")]
    {
        python(JUNIT_CHECK, &[], xml)
    }
    #[cfg(not(feature = "conformance"))]
    {
        let opens = xml.matches("<testsuite").count() + xml.matches("<testcase").count();
        let closes = xml.matches("</testsuite").count()
            + xml.matches("</testcase>").count()
            + xml.matches("/>").count();
        assert!(xml.trim_start().starts_with("<?xml"), "{xml}");
        assert!(closes >= opens, "unbalanced JUnit XML:\n{xml}");
        format!(
            "testcases {} failures {}\n",
            xml.matches("<testcase").count(),
            xml.matches("<failure").count()
        )
    }
}

#[cfg(feature = "conformance")]
const JUNIT_CHECK: &str = "\
import sys
from xml.dom import minidom
doc = minidom.parseString(sys.stdin.read())
cases = doc.getElementsByTagName('testcase')
failures = doc.getElementsByTagName('failure')
print('testcases', len(cases), 'failures', len(failures))
";

#[test]
fn exit_codes_clean_found_and_incomplete() {
    let (repo, pair) = leaky_repo(800);
    let (code, out, _) = scan(repo.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("deploy/credentials"), "{out}");
    assert_no_secret(&out, &[&pair.key_id, &pair.secret]);
    // Failing threshold above what was found: clean.
    let clean = TestRepo::new();
    clean.write("a.txt", "nothing\n");
    clean.commit("a");
    assert_eq!(scan(clean.path(), &[]).0, 0);
    // A blob that could not be scanned makes a clean result incomplete: 2, and says why.
    let (code, out, _) = scan(clean.path(), &["--max-blob-size", "3", "--format", "json"]);
    assert_eq!(code, 2, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("limit"),
        "{doc}"
    );
    // Findings outrank an incomplete scan.
    repo.write("big.txt", "x".repeat(4000));
    repo.commit("big");
    let (code, out, _) = scan(
        repo.path(),
        &["--max-blob-size", "1000", "--format", "json"],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (code, doc["skipped"].as_array().unwrap().len()),
        (1, 1),
        "{doc}"
    );
}

#[test]
fn every_format_parses() {
    let (repo, pair) = leaky_repo(801);
    let secrets = [pair.key_id.as_str(), pair.secret.as_str()];

    let (code, out, _) = scan(repo.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["version"], 1);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert!(findings
        .iter()
        .all(|f| f["source"] == "blob" && f["commit"].is_string()));
    assert_no_secret(&out, &secrets);

    let (code, out, _) = scan(repo.path(), &["--format", "jsonl"]);
    assert_eq!(code, 1);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["fingerprint"], findings[0]["fingerprint"]);

    let (code, out, _) = scan(repo.path(), &["--format", "sarif"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema_errors(SARIF_SCHEMA, &doc), Vec::<String>::new());
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_no_secret(&out, &secrets);
    // The schema check is not a rubber stamp: a broken log fails it.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert_eq!(schema_errors(SARIF_SCHEMA, &broken).len(), 1);

    let (code, out, _) = scan(repo.path(), &["--format", "junit"]);
    assert_eq!(code, 1);
    assert_eq!(junit_check(&out).trim(), "testcases 2 failures 2");
    assert_no_secret(&out, &secrets);

    let (code, out, _) = scan(repo.path(), &["--format", "github"]);
    assert_eq!(code, 1);
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 2, "{out}");
    for a in &annotations {
        assert!(
            a.starts_with("::error file=deploy/credentials,line="),
            "{a}"
        );
        assert!(a.contains("::") && a.contains("Rotate"), "{a}");
    }
    assert_no_secret(&out, &secrets);

    // --output writes the same report into a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.sarif");
    let (code, out, _) = scan(
        repo.path(),
        &["--format", "sarif", "--output", file.to_str().unwrap()],
    );
    assert_eq!((code, out.as_str()), (1, ""));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(schema_errors(SARIF_SCHEMA, &written), Vec::<String>::new());
    assert_eq!(written, doc);
}

#[test]
fn write_baseline_then_baseline() {
    let (repo, pair) = leaky_repo(802);
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("baseline.json");
    let b = b.to_str().unwrap();
    assert_eq!(scan(repo.path(), &["--write-baseline", b]).0, 1);
    assert_no_secret(
        &std::fs::read_to_string(b).unwrap(),
        &[&pair.key_id, &pair.secret],
    );
    let (code, out, _) = scan(repo.path(), &["--baseline", b]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = scan(repo.path(), &["--baseline", "/nonexistent/baseline.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/baseline.json"), "{err}");
}

#[test]
fn missing_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let (code, out, err) = scan(dir.path(), &[missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("no-such-folder") && err.contains("does not exist"),
        "{err}"
    );
    // A range needs a repository.
    let (code, _, err) = scan(dir.path(), &["--since", "HEAD~1"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a git repository"), "{err}");
}

#[test]
fn a_folder_that_is_not_a_repository_is_scanned_as_files() {
    let dir = tempfile::tempdir().unwrap();
    let pair = FakeKeys::new(803).pair();
    std::fs::create_dir_all(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/aws.ini"), creds(&pair)).unwrap();
    std::fs::write(dir.path().join("readme.txt"), "hi\n").unwrap();
    let (code, out, _) = scan(dir.path(), &["--format", "json", "."]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{doc}");
    assert!(findings
        .iter()
        .all(|f| f["path"] == "conf/aws.ini" && f["source"] == "file"));
    assert!(findings.iter().all(|f| f["commit"].is_null()));
}

#[test]
fn worktree_adds_uncommitted_files() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("a");
    let key = FakeKeys::new(804).key_id("AKIA");
    repo.write("wip/local.env", format!("AWS_ACCESS_KEY_ID={key}\n"));
    assert_eq!(scan(repo.path(), &[]).0, 0, "history alone is clean");
    let (code, out, _) = scan(repo.path(), &["--worktree", "--format", "json"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["findings"][0]["path"], "wip/local.env");
    assert_eq!(doc["findings"][0]["source"], "worktree");
    assert_no_secret(&out, &[&key]);
    // --worktree belongs to whole-repository scans.
    let (code, _, err) = scan(repo.path(), &["--worktree", "--staged"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn completions_are_generated_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = run(rolecall_cmd().args(["completions", shell]));
        assert_eq!(code, 0, "{err}");
        for word in [
            "range",
            "since",
            "staged",
            "stdin",
            "stdin-name",
            "write-baseline",
        ] {
            let option = match shell {
                "fish" => format!("-l {word}"),
                _ => format!("--{word}"),
            };
            assert!(out.contains(&option), "{shell} completion lacks {option}");
        }
        assert!(out.contains("completions") && out.contains("scan"));
        let file = tmp.path().join(format!("rolecall.{shell}"));
        std::fs::write(&file, &out).unwrap();
        if shell == "bash" {
            let st = Command::new("bash").arg("-n").arg(&file).status().unwrap();
            assert!(st.success(), "bash -n rejects the completion script");
            // Sourcing it defines the completion function and registers it.
            let script = format!(". {}; complete -p rolecall", file.display());
            let out = Command::new("bash").arg("-c").arg(script).output().unwrap();
            assert!(String::from_utf8_lossy(&out.stdout).contains("rolecall"));
        }
    }
    let (code, _, err) = run(rolecall_cmd().args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn man_page_renders() {
    let (code, page, err) = run(rolecall_cmd().arg("man"));
    assert_eq!(code, 0, "{err}");
    assert!(page.contains(".TH rolecall 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "missing {section}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) =
        run(rolecall_cmd().args(["man", "--out-dir", dir.path().to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    let scan_page = std::fs::read_to_string(dir.path().join("rolecall-scan.1")).unwrap();
    assert!(
        scan_page.contains("\\-\\-staged") && scan_page.contains("\\-\\-range"),
        "{scan_page}"
    );
    // Render with man(1) when it is installed (groff turns the roff into text).
    let has_man = Command::new("sh")
        .args(["-c", "command -v man"])
        .output()
        .unwrap()
        .status
        .success();
    if has_man {
        let out = Command::new("man")
            .args(["-l", dir.path().join("rolecall-scan.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("--staged") && text.contains("BASE..HEAD"),
            "{text}"
        );
    }
}
