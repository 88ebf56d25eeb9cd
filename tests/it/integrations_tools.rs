//! Conformance tier (`--features conformance`) for issue 14: the real pre-commit framework
//! running rolecall's hooks on real commits and pushes, actionlint and shellcheck on the CI
//! templates and hook scripts, the GitLab script under dash, the man pages under plain groff.
//! A missing tool fails the test (`.ci/install-tools` installs them).

use crate::integrations::{creds, gitlab_script_run, manifest_dir, yaml};
use crate::util::{git_in, require_tool, rolecall_bin, run, TestRepo};
use rolecall::fake::FakeKeys;
use std::path::Path;
use std::process::{Command, Output};

/// A git repository holding this checkout's `.pre-commit-hooks.yaml` and hook script, as
/// pre-commit clones it from `repo:`; returns (dir, commit).
fn hook_repo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = git_in(dir.path(), args, &[]);
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.path().join("hooks")).unwrap();
    for file in [".pre-commit-hooks.yaml", "hooks/pre-commit-framework"] {
        std::fs::copy(manifest_dir().join(file), dir.path().join(file)).unwrap();
    }
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=T",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "-m",
        "hooks",
    ]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_string();
    (dir, rev)
}

struct Setup {
    repo: TestRepo,
    remote: tempfile::TempDir,
    _hooks: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Setup {
    /// A repository using rolecall's hooks through the real pre-commit, with an empty bare
    /// remote `origin`.
    fn new() -> Setup {
        require_tool("pre-commit");
        let (hooks, rev) = hook_repo();
        let remote = tempfile::tempdir().unwrap();
        assert!(
            git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"], &[])
                .status
                .success()
        );
        let repo = TestRepo::new();
        repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
        repo.write(
            ".pre-commit-config.yaml",
            format!(
                "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: rolecall\n      - id: rolecall-push\n",
                hooks.path().display()
            ),
        );
        let setup = Setup {
            repo,
            remote,
            _hooks: hooks,
            cache: tempfile::tempdir().unwrap(),
        };
        let out = setup.run(Command::new("pre-commit").args([
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "pre-push",
        ]));
        assert!(out.status.success(), "{out:?}");
        setup
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "PRE_COMMIT_HOME".into(),
                self.cache.path().display().to_string(),
            ),
            ("ROLECALL".into(), rolecall_bin().display().to_string()),
            ("PRE_COMMIT_COLOR".into(), "never".into()),
        ]
    }

    fn run(&self, cmd: &mut Command) -> Output {
        cmd.current_dir(self.repo.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.repo.path());
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn git(&self, args: &[&str]) -> Output {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.repo.git_env(args, &env)
    }

    /// Commits everything without hooks (setup steps).
    fn commit_quietly(&self, message: &str) {
        self.repo.git(&["add", "-A"]);
        self.repo
            .git(&["commit", "-q", "--no-verify", "-m", message]);
    }

    fn remote_has(&self, branch: &str) -> bool {
        git_in(
            self.remote.path(),
            &[
                "rev-parse",
                "--verify",
                "-q",
                &format!("refs/heads/{branch}"),
            ],
            &[],
        )
        .status
        .success()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// issue 14: through the real pre-commit, `git push origin clean-branch leaky-branch` is
/// blocked (pre-commit hands the hook only the first, clean, ref), a first push of `leaky` to an
/// empty remote while `main` is checked out is blocked, and a clean push passes.
#[test]
fn issue14_pre_commit_push_hook_blocks_what_is_really_pushed() {
    // Case 1: two refs in one push, the clean one first.
    let s = Setup::new();
    s.repo.write("README.md", "hello\n");
    s.commit_quietly("init");
    let out = s.git(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    s.repo.git(&["checkout", "-q", "-b", "clean-branch"]);
    s.repo.write("clean.txt", "clean\n");
    s.commit_quietly("clean");
    s.repo
        .git(&["checkout", "-q", "-b", "leaky-branch", "main"]);
    let pair = FakeKeys::new(1410).pair();
    s.repo.write("deploy/credentials", creds(&pair));
    s.commit_quietly("leak");
    s.repo.git(&["checkout", "-q", "main"]);
    let out = s.git(&["push", "origin", "clean-branch", "leaky-branch"]);
    let said = text(&out);
    assert!(!out.status.success(), "the push must be refused: {said}");
    assert!(said.contains("deploy/credentials"), "{said}");
    assert!(!said.contains(&pair.key_id) && !said.contains(&pair.secret));
    assert!(!s.remote_has("leaky-branch") && !s.remote_has("clean-branch"));

    // A clean push passes once no unpushed branch holds a key.
    s.repo.git(&["branch", "-q", "-D", "leaky-branch"]);
    let out = s.git(&["push", "origin", "clean-branch"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(s.remote_has("clean-branch"));

    // Case 2: a first push of `leaky` to an empty remote while `main` is checked out (pre-commit
    // sets no FROM/TO ref then).
    let s = Setup::new();
    s.repo.write("README.md", "hello\n");
    s.commit_quietly("init");
    s.repo.git(&["checkout", "-q", "-b", "leaky"]);
    s.repo.write("app.ini", creds(&FakeKeys::new(1411).pair()));
    s.commit_quietly("leak");
    s.repo.git(&["checkout", "-q", "main"]);
    let out = s.git(&["push", "origin", "leaky"]);
    let said = text(&out);
    assert!(
        !out.status.success(),
        "the first push must be refused: {said}"
    );
    assert!(said.contains("app.ini"), "{said}");
    assert!(!s.remote_has("leaky"));
    // And main alone is clean, but `leaky` is still unpushed and holds a key: the framework hook
    // is stricter than git's own pre-push hook here, and says so.
    let out = s.git(&["push", "origin", "main"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("every local branch a push could send"),
        "{}",
        text(&out)
    );
}

/// issue 14: the commit hook through the real pre-commit: a staged key is refused, a clean
/// commit passes, and `pre-commit run --all-files` says that only staged content is checked.
#[test]
fn issue14_pre_commit_commit_hook_and_all_files_warning() {
    let s = Setup::new();
    s.repo.write("README.md", "hello\n");
    s.commit_quietly("init");
    let pair = FakeKeys::new(1412).pair();
    s.repo.write("deploy/credentials", creds(&pair));
    s.repo.git(&["add", "-A"]);
    let out = s.git(&["commit", "-q", "-m", "leak"]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("deploy/credentials") && said.contains("restore --staged"),
        "{said}"
    );
    // Commit the key anyway (as a user with --no-verify would); --all-files passes, but warns.
    s.repo.git(&["commit", "-q", "--no-verify", "-m", "leak"]);
    let out = s.run(Command::new("pre-commit").args(["run", "--all-files"]));
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("checks only what is staged") && said.contains("rolecall scan"),
        "{said}"
    );
    // A clean commit passes and prints no scan report.
    s.repo.write("docs.md", "docs\n");
    s.repo.git(&["add", "docs.md"]);
    let out = s.git(&["commit", "-m", "docs"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("No AWS credentials found"), "{said}");
    assert!(!said.contains("checks only what is staged"), "{said}");
}

fn tool(name: &str, args: &[&str], dir: &Path) -> (i32, String) {
    let bin = require_tool(name);
    let (code, out, err) = run(Command::new(bin).args(args).current_dir(dir));
    (code, format!("{out}{err}"))
}

/// issue 14: the GitHub templates pass actionlint (with shellcheck on their run steps); the
/// hook scripts and the GitLab script sections pass shellcheck (as POSIX sh). Each check is shown
/// to fail on a broken copy.
#[test]
fn issue14_templates_and_hooks_pass_actionlint_and_shellcheck() {
    let root = manifest_dir();
    let shellcheck = require_tool("shellcheck");
    let sc = shellcheck.to_str().unwrap();
    for workflow in [
        "docs/ci/github-actions.yml",
        ".github/workflows/release.yml",
    ] {
        let (code, out) = tool("actionlint", &["-shellcheck", sc, workflow], root);
        assert_eq!(code, 0, "{workflow}:\n{out}");
    }
    // Not a rubber stamp: the old template's unquoted `$BASELINE_ARGS` is SC2086.
    let tmp = tempfile::tempdir().unwrap();
    let template = std::fs::read_to_string(root.join("docs/ci/github-actions.yml")).unwrap();
    let broken = template.replace(
        "rolecall scan --range \"$RANGE\" \"$@\" --format github",
        "rolecall scan --range \"$RANGE\" $BASELINE_ARGS --format github",
    );
    assert_ne!(broken, template);
    std::fs::write(tmp.path().join("broken.yml"), broken).unwrap();
    let (code, out) = tool(
        "actionlint",
        &[
            "-shellcheck",
            sc,
            tmp.path().join("broken.yml").to_str().unwrap(),
        ],
        root,
    );
    assert_ne!(code, 0);
    assert!(out.contains("SC2086"), "{out}");

    for script in [
        "hooks/pre-commit",
        "hooks/pre-push",
        "hooks/pre-receive",
        "hooks/github-enterprise-pre-receive.sh",
        "hooks/pre-commit-framework",
    ] {
        let (code, out) = tool("shellcheck", &[script], root);
        assert_eq!(code, 0, "{script}:\n{out}");
    }
    let gitlab = yaml("docs/ci/gitlab-ci.yml");
    let job = &gitlab["rolecall"];
    let hooks = yaml(".pre-commit-hooks.yaml");
    let push_entry = hooks
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "rolecall-push-system")
        .unwrap()["entry"]
        .as_str()
        .unwrap()
        .to_string();
    let push_script = push_entry
        .strip_prefix("sh -c '")
        .and_then(|s| s.strip_suffix('\''))
        .expect("sh -c '...'")
        .to_string();
    let sections = [
        (
            "before_script",
            job["before_script"][0].as_str().unwrap().to_string(),
        ),
        ("script", job["script"][0].as_str().unwrap().to_string()),
        ("rolecall-push-system", push_script),
    ];
    for (name, body) in sections {
        let file = tmp.path().join(format!("{name}.sh"));
        std::fs::write(&file, format!("#!/bin/sh\n{body}\n")).unwrap();
        let (code, out) = tool("shellcheck", &["-s", "sh", file.to_str().unwrap()], root);
        assert_eq!(code, 0, "{name}:\n{out}");
    }
    let bad = tmp.path().join("bad.sh");
    std::fs::write(&bad, "#!/bin/sh\nset -- $BASELINE_ARGS\n").unwrap();
    assert_ne!(tool("shellcheck", &[bad.to_str().unwrap()], root).0, 0);
}

/// issue 14: the GitLab job script under dash (Debian's /bin/sh, what `image: rust:1` runs).
#[test]
fn issue14_gitlab_script_runs_under_dash() {
    require_tool("dash");
    let doc = yaml("docs/ci/gitlab-ci.yml");
    let job = &doc["rolecall"];
    gitlab_script_run(
        "dash",
        job["before_script"][0].as_str().unwrap(),
        job["script"][0].as_str().unwrap(),
    );
}

/// issue 14: every man page renders under plain groff (`-Tascii`) without a warning.
#[test]
fn issue14_man_pages_render_in_plain_groff_without_warnings() {
    let groff = require_tool("groff");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(rolecall_bin())
        .args(["man", "--out-dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut pages = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let page = entry.unwrap().path();
        let out = Command::new(&groff)
            .args(["-man", "-Tascii", "-ww"])
            .arg(&page)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "{} warns",
            page.display()
        );
        assert!(!out.stdout.is_empty());
        pages += 1;
    }
    assert!(pages >= 6);
}
