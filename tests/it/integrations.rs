//! What users install around rolecall (issue 14), run for real: the CI templates' shell steps
//! against real repositories (under sh and bash), the plain git hooks and the pre-commit
//! framework's entries, `--pushed-to`, the GitLab and SARIF reports checked against their vendored
//! schemas, failure documents, the man pages. The checks that need pre-commit, actionlint,
//! shellcheck, dash or groff are in `integrations_tools` (the conformance tier).

use crate::util::{assert_no_secret, git_in, rolecall_bin, rolecall_cmd, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn creds(pair: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        pair.key_id, pair.secret
    )
}

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a YAML file of the repository as JSON.
pub fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(manifest_dir().join(rel)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Validates `doc` against a schema vendored under tests/data (formats included).
pub fn schema_errors(schema: &str, doc: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(manifest_dir().join("tests/data").join(schema)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

pub const SARIF_SCHEMA: &str = "sarif-2.1.0.schema.json";
pub const GITLAB_SCHEMA: &str = "gitlab-secret-detection-report-format-15.2.1.json";

/// A folder holding only a `rolecall` link to the binary under test, for PATH.
pub fn bin_dir() -> PathBuf {
    rolecall_bin().parent().unwrap().to_path_buf()
}

/// PATH with the binary under test first.
pub fn path_with_rolecall() -> String {
    format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A repository with a clean base commit and a key added in the next one; returns (repo, base).
pub fn ci_repo(seed: u64) -> (TestRepo, String, FakePair) {
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

/// Runs `script` with `shell -c` in `dir`, rolecall first on PATH.
pub fn sh(shell: &str, script: &str, dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
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

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!text.is_empty(), "{} is empty", path.display());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

fn scan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(rolecall_cmd().current_dir(dir).arg("scan").args(args))
}

fn key_line(key: &str) -> String {
    format!("AWS_ACCESS_KEY_ID = \"{key}\"\n")
}

/// issue 14: `--format gitlab` on a real repository validates against GitLab's schema and
/// places each finding at its file, line and commit.
#[test]
fn issue14_gitlab_report_of_a_real_repository_validates() {
    let (repo, base, pair) = ci_repo(1401);
    let head = repo.rev_parse("HEAD");
    let added = repo.rev_parse("HEAD~1");
    let out = repo.path().join("gl.json");
    let range = format!("{base}..{head}");
    let (code, _, err) = scan(
        repo.path(),
        &[
            "--range",
            &range,
            "--format",
            "gitlab",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    let doc = read_json(&out);
    assert_eq!(schema_errors(GITLAB_SCHEMA, &doc), Vec::<String>::new());
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2, "{doc}");
    for v in vulns {
        assert_eq!(v["location"]["file"], "deploy/credentials");
        assert_eq!(v["location"]["commit"]["sha"], added.as_str());
        assert_eq!(v["severity"], "Critical");
    }
    assert_eq!(doc["scan"]["status"], "success");
    assert_no_secret(&doc.to_string(), &[&pair.key_id, &pair.secret]);
}

/// issue 14: a scan that cannot run (exit 2) with `-o` leaves a valid document that records the
/// failure in SARIF, GitLab and JSON — never a 0-byte file.
#[test]
fn issue14_failed_scan_writes_a_valid_failure_document() {
    let (repo, _, _) = ci_repo(1402);
    let bogus = "0123456789abcdef0123456789abcdef01234567..HEAD";
    for (format, check) in [("sarif", "sarif"), ("gitlab", "gitlab"), ("json", "json")] {
        let out = repo.path().join(format!("report.{format}"));
        let (code, stdout, err) = scan(
            repo.path(),
            &[
                "--range",
                bogus,
                "--format",
                format,
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 2, "{format}: {stdout}{err}");
        assert!(err.contains("cannot resolve revision"), "{err}");
        let doc = read_json(&out);
        match check {
            "sarif" => {
                assert_eq!(schema_errors(SARIF_SCHEMA, &doc), Vec::<String>::new());
                let inv = &doc["runs"][0]["invocations"][0];
                assert_eq!(inv["executionSuccessful"], false);
                let text = inv["toolExecutionNotifications"][0]["message"]["text"]
                    .as_str()
                    .unwrap();
                assert!(text.contains("cannot resolve revision"), "{text}");
            }
            "gitlab" => {
                assert_eq!(schema_errors(GITLAB_SCHEMA, &doc), Vec::<String>::new());
                assert_eq!(doc["scan"]["status"], "failure");
                assert_eq!(doc["scan"]["messages"][0]["level"], "fatal");
            }
            _ => {
                assert!(doc["error"].as_str().unwrap().contains("cannot resolve"));
                assert_eq!(doc["findings"], serde_json::json!([]));
            }
        }
        // The same document on standard output when there is no -o.
        let (code, stdout, _) = scan(repo.path(), &["--range", bogus, "--format", format]);
        assert_eq!(code, 2);
        let doc: Value = serde_json::from_str(&stdout).unwrap();
        assert!(doc.is_object(), "{stdout}");
    }
    // Formats without a document form print nothing and keep the error on stderr.
    let (code, stdout, err) = scan(repo.path(), &["--range", bogus, "--format", "jsonl"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(err.contains("cannot resolve revision"), "{err}");
    let none = repo.path().join("report.jsonl");
    let (code, _, _) = scan(
        repo.path(),
        &[
            "--range",
            bogus,
            "--format",
            "jsonl",
            "-o",
            none.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(!none.exists(), "no empty file is left behind");
}

/// issue 14: SARIF from a real repository: every result has a physical location, and one key in
/// two files is two alerts (distinct partialFingerprints, the same `fingerprint` property).
#[test]
fn issue14_sarif_of_a_real_repository_keeps_every_location() {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(1403).pair();
    repo.write("a/credentials", creds(&pair));
    repo.write("b/credentials", creds(&pair));
    repo.commit(&format!("deploy\n\nkey {}\n", pair.key_id));
    let (code, out, err) = scan(repo.path(), &["--format", "sarif"]);
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema_errors(SARIF_SCHEMA, &doc), Vec::<String>::new());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let mut fps = std::collections::HashSet::new();
    let mut by_key: std::collections::HashMap<String, usize> = Default::default();
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("no physical location: {r}"));
        assert!(!uri.is_empty());
        assert!(fps.insert(r["partialFingerprints"]["rolecallLocation/v1"].to_string()));
        *by_key
            .entry(r["properties"]["fingerprint"].to_string())
            .or_default() += 1;
    }
    assert!(
        results.len() >= 5,
        "two files with a pair each, plus the message: {doc}"
    );
    assert!(by_key.values().any(|&n| n >= 2), "{by_key:?}");
    let commit = repo.rev_parse("HEAD");
    assert!(
        results.iter().any(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == format!(".git/commit-message/{commit}").as_str()
        ),
        "{doc}"
    );
}

fn bare_remote() -> tempfile::TempDir {
    let remote = tempfile::tempdir().unwrap();
    let out = git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"], &[]);
    assert!(out.status.success());
    remote
}

/// issue 14: `--pushed-to` sees every unpushed local branch, not only the checked-out one, and
/// leaves out what the remote's tracking refs reach.
#[test]
fn issue14_pushed_to_scans_every_unpushed_branch() {
    let remote = bare_remote();
    let repo = TestRepo::new();
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    repo.write("README.md", "hello\n");
    repo.commit("init");
    let (code, _, err) = scan(repo.path(), &["--pushed-to", "origin"]);
    assert_eq!(code, 0, "nothing pushed yet, nothing leaks: {err}");
    repo.git(&["push", "-q", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "leaky"]);
    let key = FakeKeys::new(1404).key_id("AKIA");
    repo.write("leak.py", key_line(&key));
    repo.commit("leak");
    repo.git(&["checkout", "-q", "main"]);
    let (code, out, _) = scan(repo.path(), &["--pushed-to", "origin", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["findings"][0]["path"], "leak.py");
    assert_no_secret(&out, &[&key]);
    // Once the remote has the branch (its tracking ref), it is not scanned again.
    repo.git(&["push", "-q", "--no-verify", "origin", "leaky"]);
    let (code, out, _) = scan(repo.path(), &["--pushed-to", "origin", "--quiet"]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "--quiet prints nothing when clean"
    );
    // A named revision that is not a branch (a detached commit) is scanned.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("detached.py", key_line(&FakeKeys::new(1405).key_id("AKIA")));
    let detached = repo.commit("detached");
    repo.git(&["checkout", "-q", "main"]);
    assert_eq!(scan(repo.path(), &["--pushed-to", "origin"]).0, 0);
    assert_eq!(
        scan(
            repo.path(),
            &["--pushed-to", "origin", "--push-ref", &detached]
        )
        .0,
        1
    );
    // The options belong together.
    let (code, _, err) = scan(repo.path(), &["--push-ref", "main"]);
    assert_eq!(code, 2);
    assert!(err.contains("--pushed-to"), "{err}");
}

fn install_hook(repo: &TestRepo, name: &str) {
    let dst = repo.path().join(".git/hooks").join(name);
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(manifest_dir().join("hooks").join(name), &dst).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// issue 14: the plain hooks are quiet on a clean commit or push (ROLECALL_VERBOSE=1 shows the
/// report); before the first commit the advice is `git rm --cached`, and a staged key is not
/// said to be "in git history".
#[test]
fn issue14_plain_hooks_are_quiet_and_advise_right() {
    let repo = TestRepo::new();
    install_hook(&repo, "pre-commit");
    install_hook(&repo, "pre-push");
    let bin = rolecall_bin();
    let env = [("ROLECALL", bin.to_str().unwrap())];
    // First commit, a key staged: refused, with the advice that works without HEAD.
    let key = FakeKeys::new(1406).key_id("AKIA");
    repo.write("aws.py", key_line(&key));
    repo.git(&["add", "aws.py"]);
    let out = repo.git_env(&["commit", "-q", "-m", "first"], &env);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("git rm --cached"), "{err}");
    assert!(!err.contains("restore --staged"), "{err}");
    assert!(
        !err.contains("stays in git history"),
        "nothing is committed yet: {err}"
    );
    assert!(err.contains("Nothing listed above is committed"), "{err}");
    assert_no_secret(&err, &[&key]);
    // Clean commits print nothing.
    repo.git(&["rm", "-q", "--cached", "aws.py"]);
    repo.remove("aws.py");
    repo.write("README.md", "hi\n");
    repo.git(&["add", "README.md"]);
    let out = repo.git_env(&["commit", "-q", "-m", "first"], &env);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "a clean commit is quiet"
    );
    // After the first commit: git restore --staged.
    repo.write("aws.py", key_line(&key));
    repo.git(&["add", "aws.py"]);
    let out = repo.git_env(&["commit", "-q", "-m", "second"], &env);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("git restore --staged"), "{err}");
    repo.git(&["rm", "-q", "--cached", "aws.py"]);
    repo.remove("aws.py");
    // ROLECALL_VERBOSE=1 prints the report of a clean commit.
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let verbose = [
        ("ROLECALL", bin.to_str().unwrap()),
        ("ROLECALL_VERBOSE", "1"),
    ];
    let out = repo.git_env(&["commit", "-q", "-m", "b"], &verbose);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("No AWS credentials found"));
    // A clean push is quiet too.
    let remote = bare_remote();
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    let out = repo.git_env(&["push", "-q", "origin", "main"], &env);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// issue 14: the pre-commit framework hooks: the commit and the push hook are installed the
/// same way (so a push never fails for want of a rolecall on PATH), entries point at files that
/// exist and are executable, and the push entry scans every unpushed branch.
#[test]
fn issue14_pre_commit_hooks_share_one_install() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let hook = |id: &str| hooks.iter().find(|h| h["id"] == id).unwrap().clone();
    let (commit, push) = (hook("rolecall"), hook("rolecall-push"));
    assert_eq!(commit["language"], push["language"]);
    assert_eq!(commit["language"], "script");
    assert_eq!(push["stages"], serde_json::json!(["pre-push"]));
    for h in [&commit, &push] {
        assert_eq!(h["pass_filenames"], false);
        let entry = h["entry"].as_str().unwrap();
        let script = manifest_dir().join(entry.split_whitespace().next().unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{} is not executable", script.display());
    }
    for id in ["rolecall-system", "rolecall-push-system"] {
        assert_eq!(hook(id)["language"], "system");
    }
    // The -system push entry, run the way pre-commit runs it on a first push of `leaky` to an
    // empty remote while `main` is checked out (no FROM/TO ref): blocked.
    let remote = bare_remote();
    let repo = TestRepo::new();
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    repo.write("README.md", "hello\n");
    repo.commit("init");
    repo.git(&["checkout", "-q", "-b", "leaky"]);
    repo.write("leak.ini", creds(&FakeKeys::new(1407).pair()));
    repo.commit("leak");
    repo.git(&["checkout", "-q", "main"]);
    let entry = hook("rolecall-push-system")["entry"]
        .as_str()
        .unwrap()
        .to_string();
    let first_push = [
        ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/leaky"),
        ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/leaky"),
    ];
    let (code, out, err) = sh("sh", &entry, repo.path(), &first_push);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("leak.ini"), "{out}");
    // The framework wrapper, with ROLECALL naming the binary (no build): same verdict.
    let wrapper = manifest_dir().join("hooks/pre-commit-framework");
    let bin = rolecall_bin();
    let mut env = first_push.to_vec();
    env.push(("ROLECALL", bin.to_str().unwrap()));
    let (code, out, err) = sh(
        "sh",
        &format!("'{}' push", wrapper.display()),
        repo.path(),
        &env,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("push refused"), "{err}");
}

/// The GitLab template's install step with a cached rolecall, then its script, under sh and
/// bash, against real repositories: the GitLab report validates and fails the job on a key, a
/// baseline makes it pass, a branch pipeline scans only the pushed commits.
#[test]
fn issue14_gitlab_template_runs_under_sh_and_bash() {
    let doc = yaml("docs/ci/gitlab-ci.yml");
    let job = &doc["rolecall"];
    assert_eq!(job["variables"]["GIT_DEPTH"], 0);
    assert_eq!(
        job["artifacts"]["reports"]["secret_detection"],
        "gl-secret-detection-report.json"
    );
    assert_eq!(job["artifacts"]["reports"]["junit"], "rolecall-junit.xml");
    // Branch and merge request pipelines never both run.
    let rules = doc["workflow"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(
        |r| r["if"] == "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS" && r["when"] == "never"
    ));
    let install = job["before_script"][0].as_str().unwrap();
    let script = job["script"][0].as_str().unwrap();
    for shell in ["sh", "bash"] {
        gitlab_script_run(shell, install, script);
    }
}

/// Runs the GitLab job's before_script (with a cached rolecall in `.rolecall/bin`, as the job
/// cache restores it) and script with `shell` against a real repository.
pub fn gitlab_script_run(shell: &str, install: &str, script: &str) {
    let (repo, base, pair) = ci_repo(1408);
    let cached = repo.path().join(".rolecall/bin");
    std::fs::create_dir_all(&cached).unwrap();
    std::os::unix::fs::symlink(rolecall_bin(), cached.join("rolecall")).unwrap();
    let head = repo.rev_parse("HEAD");
    let job = format!("set -e\n{install}\nset +e\n{script}");
    let mr = [
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
        ("BASELINE", ".rolecall-baseline.json"),
        ("ROLECALL_VERSION", "0.2.0"),
        ("PATH", "/usr/bin:/bin"),
    ];
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(&job)
        .current_dir(repo.path())
        .stdin(Stdio::null());
    for (k, v) in mr {
        cmd.env(k, v);
    }
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{shell}: {out}{err}");
    assert!(out.contains("deploy/credentials"), "{out}");
    let report = read_json(&repo.path().join("gl-secret-detection-report.json"));
    assert_eq!(schema_errors(GITLAB_SCHEMA, &report), Vec::<String>::new());
    assert_eq!(report["vulnerabilities"].as_array().unwrap().len(), 2);
    let junit = std::fs::read_to_string(repo.path().join("rolecall-junit.xml")).unwrap();
    assert!(junit.contains("<testcase"), "{junit}");
    assert_no_secret(
        &format!("{out}{report}{junit}"),
        &[&pair.key_id, &pair.secret],
    );
    // Accept the findings in a baseline: the same pipeline passes.
    assert_eq!(
        scan(
            repo.path(),
            &["--write-baseline", ".rolecall-baseline.json"]
        )
        .0,
        1
    );
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(&job)
        .current_dir(repo.path())
        .stdin(Stdio::null());
    for (k, v) in mr {
        cmd.env(k, v);
    }
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{shell}: {out}{err}");
    // A branch pipeline: CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA, which holds no key.
    let before = repo.rev_parse("HEAD~1");
    let (code, out, err) = sh(
        shell,
        script,
        repo.path(),
        &[
            ("CI_COMMIT_BEFORE_SHA", before.as_str()),
            ("CI_COMMIT_SHA", head.as_str()),
            ("BASELINE", "none.json"),
        ],
    );
    assert_eq!(code, 0, "{shell}: {out}{err}");
}

/// The GitHub workflow's shell steps, run with bash against a real repository: the range, the
/// SARIF scan (valid, uploaded only when the scan ran), the annotations that fail the job.
#[test]
fn issue14_github_workflow_steps_run_against_a_real_repository() {
    let doc = yaml("docs/ci/github-actions.yml");
    assert_eq!(doc["permissions"]["security-events"], "write");
    assert_eq!(doc["permissions"]["actions"], "read");
    let steps = doc["jobs"]["rolecall"]["steps"].as_array().unwrap().clone();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.contains(&"actions/checkout@v7"), "{uses:?}");
    assert!(uses.contains(&"actions/cache@v5"), "{uses:?}");
    assert!(
        uses.contains(&"github/codeql-action/upload-sarif@v4"),
        "{uses:?}"
    );
    assert_eq!(steps[0]["with"]["fetch-depth"], 0);
    let step = |name: &str| -> String {
        steps
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))["run"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The install never compiles on a cache hit, and works without ROLECALL_GIT.
    let install = steps
        .iter()
        .find(|s| s["name"] == "Install rolecall")
        .unwrap();
    assert_eq!(install["if"], "steps.cache.outputs.cache-hit != 'true'");
    let install = step("Install rolecall");
    assert!(install.contains("--locked") && install.contains("--version \"$ROLECALL_VERSION\""));

    let (repo, base, pair) = ci_repo(1409);
    let head = repo.rev_parse("HEAD");
    let env_file = repo.path().join("github-env");
    let out_file = repo.path().join("github-output");
    std::fs::write(&env_file, "").unwrap();
    std::fs::write(&out_file, "").unwrap();
    let (code, _, err) = sh(
        "bash",
        &step("Choose the range"),
        repo.path(),
        &[
            ("PR_BASE", &base),
            ("PR_HEAD", &head),
            ("GITHUB_ENV", env_file.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let range = format!("{base}..{head}");
    assert_eq!(
        std::fs::read_to_string(&env_file).unwrap().trim(),
        format!("RANGE={range}")
    );
    let env = [
        ("RANGE", range.as_str()),
        ("BASELINE", ".rolecall-baseline.json"),
        ("GITHUB_OUTPUT", out_file.to_str().unwrap()),
    ];
    // GitHub runs `bash -e {0}`.
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
    assert_eq!(std::fs::read_to_string(&out_file).unwrap().trim(), "code=1");
    let sarif = read_json(&repo.path().join("rolecall.sarif"));
    assert_eq!(schema_errors(SARIF_SCHEMA, &sarif), Vec::<String>::new());
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let annotate = step("Annotate and fail on new credentials");
    let (code, out, _) = sh("bash", &format!("set -e\n{annotate}"), repo.path(), &env);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=deploy/credentials,line=")),
        "{out}"
    );
    assert_no_secret(&format!("{sarif}{out}"), &[&pair.key_id, &pair.secret]);
    // With a baseline in the repository both steps pass.
    assert_eq!(
        scan(
            repo.path(),
            &["--write-baseline", ".rolecall-baseline.json"]
        )
        .0,
        1
    );
    let (code, _, err) = sh("bash", &format!("set -e\n{annotate}"), repo.path(), &env);
    assert_eq!(code, 0, "{err}");
    // A scan that cannot run fails the SARIF step and leaves a SARIF log recording it; the upload
    // step's condition (exit 0 or 1) keeps it from closing the open alerts.
    std::fs::write(&out_file, "").unwrap();
    let bad = [
        ("RANGE", "0123456789abcdef0123456789abcdef01234567..HEAD"),
        ("BASELINE", "none.json"),
        ("GITHUB_OUTPUT", out_file.to_str().unwrap()),
    ];
    let (code, _, _) = sh(
        "bash",
        &format!("set -e\n{}", step("Scan (SARIF)")),
        repo.path(),
        &bad,
    );
    assert_ne!(code, 0);
    assert_eq!(std::fs::read_to_string(&out_file).unwrap().trim(), "code=2");
    let failed = read_json(&repo.path().join("rolecall.sarif"));
    assert_eq!(schema_errors(SARIF_SCHEMA, &failed), Vec::<String>::new());
    assert_eq!(
        failed["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    let upload = steps
        .iter()
        .find(|s| s["name"] == "Upload SARIF to code scanning")
        .unwrap();
    assert_eq!(
        upload["if"],
        "always() && (steps.scan.outputs.code == '0' || steps.scan.outputs.code == '1')"
    );
}

/// The templates install the version this tree is (a release bumps both; see README.md).
#[test]
fn issue14_templates_install_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let github = yaml("docs/ci/github-actions.yml");
    assert_eq!(github["env"]["ROLECALL_VERSION"], version);
    let gitlab = yaml("docs/ci/gitlab-ci.yml");
    assert_eq!(gitlab["rolecall"]["variables"]["ROLECALL_VERSION"], version);
    let hooks = std::fs::read_to_string(manifest_dir().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains(&format!("rev: v{version}")), "{hooks}");
}

/// issue 14: man pages: subcommand footers name the page and the crate version, and nothing
/// needs a glyph plain groff lacks (`…`).
#[test]
fn issue14_man_pages_name_their_version_and_stay_ascii_safe() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) =
        run(rolecall_cmd().args(["man", "--out-dir", dir.path().to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    let version = env!("CARGO_PKG_VERSION");
    let mut pages = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let page = std::fs::read_to_string(&path).unwrap();
        let th = page.lines().find(|l| l.starts_with(".TH")).unwrap();
        assert!(
            th.contains(&format!("\"{name} {version}\"")),
            "{}: {th}",
            path.display()
        );
        assert!(!page.contains('\u{2026}'), "{}", path.display());
        pages += 1;
    }
    assert!(pages >= 6, "{pages}");
    let (_, page, _) = run(rolecall_cmd().arg("man"));
    assert!(page.contains(&format!("\"rolecall {version}\"")), "{page}");
    assert!(!page.contains('\u{2026}'));
}
