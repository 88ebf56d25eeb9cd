//! Issue 9, "nothing hangs": a closed pipe ends quietly (ripgrep's discipline), a closed or full
//! stderr never makes a command panic, and a full disk is an error, not a panic.

use crate::util::{run, TestRepo};
use rolecall::fake::FakeKeys;
use std::process::Stdio;

/// Runs `cmd` with its `stream` ("stdout" or "stderr") a pipe whose reader is closed at once
/// (before the command has scanned anything): its writes fail with EPIPE. Returns (code, the
/// other stream).
fn with_closed_pipe(cmd: &mut std::process::Command, stream: &str) -> (i32, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (closed, mut kept): (Option<Box<dyn std::any::Any>>, Box<dyn std::io::Read>) =
        if stream == "stdout" {
            (
                child.stdout.take().map(|p| Box::new(p) as _),
                Box::new(child.stderr.take().unwrap()),
            )
        } else {
            (
                child.stderr.take().map(|p| Box::new(p) as _),
                Box::new(child.stdout.take().unwrap()),
            )
        };
    drop(closed);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut kept, &mut text).unwrap();
    (child.wait().unwrap().code().unwrap_or(-1), text)
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

fn leaking_repo() -> TestRepo {
    let repo = TestRepo::new();
    let pair = FakeKeys::new(9_101).pair();
    repo.write(
        "app.py",
        format!(
            "import boto3\ns3 = boto3.client('s3', aws_access_key_id=\"{}\", aws_secret_access_key=\"{}\")\n",
            pair.key_id, pair.secret
        ),
    );
    repo.commit("add app");
    repo
}

#[test]
fn issue_9_scan_into_closed_pipe_ends_quietly() {
    let clean = TestRepo::new();
    clean.write("README.md", "hello\n");
    clean.commit("readme");
    let (code, err) = with_closed_pipe(clean.rolecall().arg("scan"), "stdout");
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "a closed pipe is no error: {err}");

    // With findings the verdict stands (the report was complete before the reader left).
    let leaking = leaking_repo();
    let (code, err) = with_closed_pipe(leaking.rolecall().arg("scan"), "stdout");
    assert_eq!(code, 1, "{err}");
    assert!(err.is_empty(), "a closed pipe is no error: {err}");
}

#[test]
fn issue_9_fix_with_closed_or_full_stderr_does_not_panic() {
    let repo = leaking_repo();
    let (code, patch) = with_closed_pipe(repo.rolecall().arg("fix"), "stderr");
    assert_ne!(code, 101, "fix panicked");
    assert!(
        patch.contains("--- a/app.py"),
        "the patch is still written: {patch}"
    );
    let out = repo
        .rolecall()
        .arg("fix")
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(101), "fix panicked");
    let patch = String::from_utf8_lossy(&out.stdout);
    assert!(
        patch.contains("--- a/app.py"),
        "the patch is still written: {patch}"
    );
}

#[test]
fn issue_9_fix_and_completions_on_a_full_disk_fail_cleanly() {
    let repo = leaking_repo();
    let (code, _, err) = run(repo.rolecall().arg("fix").stdout(dev_full()));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("rolecall: error:") && !err.contains("panicked"),
        "{err}"
    );

    let (code, _, err) = run(repo
        .rolecall()
        .args(["completions", "bash"])
        .stdout(dev_full()));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot write the completion script") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn issue_9_missing_file_error_names_its_cause_once() {
    let repo = leaking_repo();
    let (code, _, err) = run(repo
        .rolecall()
        .args(["scan", "--baseline", "no-such-baseline.json"]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.matches("(os error 2)").count(), 1, "{err}");
}

/// Runs `rolecall ARGS` in `dir` on a pseudo-terminal (util-linux `script`); returns its output.
fn on_terminal(dir: &std::path::Path, args: &str, env: &[(&str, &str)]) -> String {
    let command = format!("{} {args}", crate::util::rolecall_bin().display());
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn issue_9_no_color_is_honoured_on_a_terminal() {
    let repo = leaking_repo();
    let coloured = on_terminal(repo.path(), "scan --no-progress", &[]);
    assert!(
        coloured.contains("\x1b["),
        "a terminal gets colours: {coloured:?}"
    );
    let plain = on_terminal(repo.path(), "scan --no-progress", &[("NO_COLOR", "1")]);
    assert!(plain.contains("CRITICAL"), "{plain:?}");
    assert!(!plain.contains("\x1b["), "NO_COLOR: {plain:?}");
}

#[test]
fn issue_9_report_to_a_file_prints_a_summary_line_on_a_terminal() {
    let repo = leaking_repo();
    let out = on_terminal(
        repo.path(),
        "scan --no-progress --format json -o report.json",
        &[],
    );
    assert!(
        out.contains("rolecall: credentials found; report written to report.json"),
        "{out:?}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("report.json")).unwrap())
            .unwrap();
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    // Not on a terminal: nothing on stdout (a pipeline reads the file).
    let (code, stdout, _) = run(repo
        .rolecall()
        .args(["scan", "--format", "json", "-o", "r2.json"]));
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
}
