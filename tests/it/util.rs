//! Helpers for integration tests: temporary git repositories with a fixed identity and dates,
//! running the real `git` and the real `rolecall` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The fixed identity used for every test commit.
pub const NAME: &str = "Dana Developer";
/// The fixed email used for every test commit.
pub const EMAIL: &str = "dana@example.com";

/// A git repository in a temporary directory, driven with the real `git` binary.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
    /// Seconds since the epoch for the next commit (incremented per commit for stable order).
    time: std::cell::Cell<i64>,
}

impl TestRepo {
    /// `git init` in a fresh temp dir (branch `main`).
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = TestRepo {
            dir,
            time: std::cell::Cell::new(1_700_000_000),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", NAME]);
        repo.git(&["config", "user.email", EMAIL]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The work tree path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parent dirs).
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    /// Reads a file.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    /// Removes a file.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
    }

    /// `git add -A && git commit` with fixed dates; returns the new commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        let t = self.time.get();
        self.time.set(t + 60);
        let date = format!("{t} +0000");
        let out = self.git_env(
            &["commit", "-q", "--allow-empty", "-m", message],
            &[("GIT_AUTHOR_DATE", &date), ("GIT_COMMITTER_DATE", &date)],
        );
        assert!(
            out.status.success(),
            "commit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.rev_parse("HEAD")
    }

    /// Resolves a revision to a full id.
    pub fn rev_parse(&self, rev: &str) -> String {
        let out = self.git(&["rev-parse", rev]);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Runs git in the repository and asserts success.
    pub fn git(&self, args: &[&str]) -> Output {
        let out = self.git_env(args, &[]);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs git with extra environment; does not assert.
    pub fn git_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        git_in(self.path(), args, env)
    }

    /// A `rolecall` command with the repository as its working directory.
    pub fn rolecall(&self) -> Command {
        let mut cmd = rolecall_cmd();
        cmd.current_dir(self.path());
        cmd
    }
}

/// Runs git in `dir` without asserting.
pub fn git_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args).stdin(Stdio::null());
    cmd.env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("git runs")
}

/// The path of the built `rolecall` binary.
pub fn rolecall_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("rolecall")
}

/// A `rolecall` command.
pub fn rolecall_cmd() -> Command {
    let mut cmd = Command::new(rolecall_bin());
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs a command and returns (status code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("command runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that none of `secrets` appears in `text` (outputs must only hold redacted values).
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "output contains a whole secret: {text}");
    }
}

/// Asserts that `text` parses as `lang` with rolecall's own grammar, without a syntax error (the
/// default tier's stand-in for running the language's real parser).
pub fn assert_syntax_ok(lang: rolecall::syntax::Language, what: &str, text: &str) {
    let parsed = rolecall::syntax::parse(lang, text).expect("parses within the limits");
    if let Some(e) = parsed.first_error() {
        panic!(
            "{what} has a syntax error at line {} ({}):\n{text}",
            parsed.line_of(e.start_byte()),
            lang.name()
        );
    }
}

/// Requires an external tool (a parser or compiler); panics with install advice when missing,
/// so a missing tool fails the test rather than skipping the check. Only the conformance tier
/// (`--features conformance`) calls it.
#[cfg(feature = "conformance")]
pub fn require_tool(tool: &str) -> PathBuf {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .expect("sh runs");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !path.is_empty(),
        "{tool} is required by this test; .ci/run installs it (see README)"
    );
    PathBuf::from(path)
}
