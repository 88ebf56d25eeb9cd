//! `rolecall scan` end to end through the real binary: exit codes 0/1/2, every output format read
//! back by a real parser (serde_json, the SARIF 2.1.0 schema with python3 `jsonschema`, JUnit with
//! python3 `minidom`), baselines, bad paths, plain folders, `--worktree`; and the shell
//! completions and man page generated from the CLI definition.

use crate::util::{assert_no_secret, require_tool, rolecall_cmd, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

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

const SARIF_CHECK: &str = "\
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(sys.stdin)
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
for e in errors:
    print('/'.join(map(str, e.path)), e.message)
print('errors', len(errors), 'results', len(doc['runs'][0]['results']))
";

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

    let schema = format!(
        "{}/tests/data/sarif-2.1.0.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, out, _) = scan(repo.path(), &["--format", "sarif"]);
    assert_eq!(code, 1);
    assert_eq!(
        python(SARIF_CHECK, &[&schema], &out).lines().last(),
        Some("errors 0 results 2")
    );
    assert_no_secret(&out, &secrets);
    // The schema check is not a rubber stamp: a broken log fails it.
    let mut broken: Value = serde_json::from_str(&out).unwrap();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let verdict = python(SARIF_CHECK, &[&schema], &broken.to_string());
    assert!(verdict.ends_with("errors 1 results 2\n"), "{verdict}");

    let (code, out, _) = scan(repo.path(), &["--format", "junit"]);
    assert_eq!(code, 1);
    assert_eq!(
        python(JUNIT_CHECK, &[], &out).trim(),
        "testcases 2 failures 2"
    );
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
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(python(SARIF_CHECK, &[&schema], &written).ends_with("errors 0 results 2\n"));
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

/// Reads a YAML file with python3 (PyYAML) and returns it as JSON.
fn yaml(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let script = "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
    serde_json::from_str(&python(script, &[path.to_str().unwrap()], "")).unwrap()
}

/// PATH with the binary under test first, so that scripts find `rolecall`.
fn path_with_rolecall() -> String {
    let dir = crate::util::rolecall_bin().parent().unwrap().to_path_buf();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A repository with a clean base commit and a key added in the next one; returns (repo, base).
fn ci_repo(seed: u64) -> (TestRepo, String, FakePair) {
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    let base = repo.commit("base");
    let pair = FakeKeys::new(seed).pair();
    repo.write("deploy/credentials", creds(&pair));
    repo.commit("add credentials");
    repo.write("x.txt", "x\n");
    repo.commit("more");
    (repo, base, pair)
}

fn sh(shell: &str, script: &str, dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null());
    cmd.env("PATH", path_with_rolecall());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

#[test]
fn gitlab_template_script_runs_against_a_real_repository() {
    let doc = yaml("docs/ci/gitlab-ci.yml");
    let job = &doc["rolecall"];
    assert_eq!(job["variables"]["GIT_DEPTH"], 0);
    assert_eq!(job["artifacts"]["reports"]["junit"], "rolecall-junit.xml");
    let script = job["script"][0].as_str().unwrap();
    let (repo, base, pair) = ci_repo(810);
    let head = repo.rev_parse("HEAD");
    let mr = [
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
        ("BASELINE", ".rolecall-baseline.json"),
    ];
    let (code, out, err) = sh("sh", script, repo.path(), &mr);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("deploy/credentials"), "{out}");
    let junit = std::fs::read_to_string(repo.path().join("rolecall-junit.xml")).unwrap();
    assert_eq!(
        python(JUNIT_CHECK, &[], &junit).trim(),
        "testcases 2 failures 2"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("rolecall.json")).unwrap())
            .unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 2);
    assert_no_secret(
        &format!("{out}{junit}{json}"),
        &[&pair.key_id, &pair.secret],
    );

    // Accept the findings in a baseline: the same pipeline passes.
    let (code, _, _) = scan(
        repo.path(),
        &["--write-baseline", ".rolecall-baseline.json"],
    );
    assert_eq!(code, 1);
    let (code, out, err) = sh("sh", script, repo.path(), &mr);
    assert_eq!(code, 0, "{out}{err}");
    // A branch pipeline: CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA, which holds no key.
    let before = repo.rev_parse("HEAD~1");
    let branch = [
        ("CI_COMMIT_BEFORE_SHA", before.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
        ("BASELINE", "none.json"),
    ];
    let (code, out, err) = sh("sh", script, repo.path(), &branch);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn github_workflow_steps_run_against_a_real_repository() {
    let doc = yaml("docs/ci/github-actions.yml");
    let job = &doc["jobs"]["rolecall"];
    let steps = job["steps"].as_array().unwrap();
    assert_eq!(steps[0]["with"]["fetch-depth"], 0);
    assert_eq!(doc["permissions"]["security-events"], "write");
    let step = |name: &str| -> String {
        let s = steps
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        s["run"].as_str().unwrap().to_string()
    };
    let upload = steps
        .iter()
        .find(|s| s["name"] == "Upload SARIF to code scanning")
        .unwrap();
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("github/codeql-action/upload-sarif@"));
    assert_eq!(upload["with"]["sarif_file"], "rolecall.sarif");

    let (repo, base, pair) = ci_repo(811);
    let head = repo.rev_parse("HEAD");
    let env_file = repo.path().join("github-env");
    std::fs::write(&env_file, "").unwrap();
    let env_path = env_file.to_str().unwrap();
    let (code, _, err) = sh(
        "bash",
        &step("Choose the range"),
        repo.path(),
        &[
            ("PR_BASE", &base),
            ("PR_HEAD", &head),
            ("GITHUB_ENV", env_path),
            ("BASELINE", "none.json"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let exported = std::fs::read_to_string(&env_file).unwrap();
    assert_eq!(exported.trim(), format!("RANGE={base}..{head}"));
    let range = format!("{base}..{head}");
    let env = [("RANGE", range.as_str()), ("BASELINE_ARGS", "")];
    let (code, out, err) = sh(
        "bash",
        &format!("set -e\n{}", step("Scan (SARIF)")),
        repo.path(),
        &env,
    );
    assert_eq!(
        code, 0,
        "findings alone do not fail the SARIF step: {out}{err}"
    );
    let sarif = std::fs::read_to_string(repo.path().join("rolecall.sarif")).unwrap();
    let schema = format!(
        "{}/tests/data/sarif-2.1.0.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    assert!(python(SARIF_CHECK, &[&schema], &sarif).ends_with("errors 0 results 2\n"));
    let annotate = step("Annotate and fail on new credentials");
    let (code, out, _) = sh("bash", &format!("set -e\n{annotate}"), repo.path(), &env);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=deploy/credentials,line=")),
        "{out}"
    );
    assert_no_secret(&format!("{sarif}{out}"), &[&pair.key_id, &pair.secret]);
    // A scan that cannot run fails the SARIF step (exit 2 is never "clean").
    let bad = [
        ("RANGE", "0123456789abcdef0123456789abcdef01234567..HEAD"),
        ("BASELINE_ARGS", ""),
    ];
    let (code, _, _) = sh(
        "bash",
        &format!("set -e\n{}", step("Scan (SARIF)")),
        repo.path(),
        &bad,
    );
    assert_ne!(code, 0);
}

#[test]
fn pre_commit_framework_entries_run() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let entry = |id: &str| -> String {
        let h = hooks.iter().find(|h| h["id"] == id).unwrap();
        assert_eq!(h["pass_filenames"], false);
        h["entry"].as_str().unwrap().to_string()
    };
    assert_eq!(
        hooks.iter().find(|h| h["id"] == "rolecall").unwrap()["language"],
        "rust"
    );
    let (repo, base, _) = ci_repo(812);
    // pre-commit runs the entry as a command line; sh -c does the same word splitting here.
    let staged = entry("rolecall-system");
    assert_eq!(sh("sh", &staged, repo.path(), &[]).0, 0, "nothing staged");
    repo.write("new.ini", creds(&FakeKeys::new(813).pair()));
    repo.git(&["add", "new.ini"]);
    let (code, out, err) = sh("sh", &staged, repo.path(), &[]);
    assert_eq!(code, 1, "{out}{err}");
    let push = entry("rolecall-push");
    let head = repo.rev_parse("HEAD");
    let range = [
        ("PRE_COMMIT_FROM_REF", base.as_str()),
        ("PRE_COMMIT_TO_REF", head.as_str()),
    ];
    assert_eq!(sh("sh", &push, repo.path(), &range).0, 1);
    let later = [
        ("PRE_COMMIT_FROM_REF", "HEAD~1"),
        ("PRE_COMMIT_TO_REF", "HEAD"),
    ];
    assert_eq!(sh("sh", &push, repo.path(), &later).0, 0);
}
