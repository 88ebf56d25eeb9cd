//! `rolecall fix --rewrite`: real repositories, real `git`, a real bare server with the real
//! pre-receive hook (`rolecall hook install`). Keys are generated at run time; no output may hold
//! a whole secret.

use crate::hook::{push, Server};
use crate::util::{assert_no_secret, git_in, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use rolecall::rewrite::{rewrite_range, rewrite_range_with, RewriteOptions};
use std::path::Path;

/// A Python module whose boto3 client holds `pair` (shared with `rewrite_applied`).
pub(crate) fn settings_py(pair: &FakePair, region: &str) -> String {
    format!(
        "import boto3\n\ns3 = boto3.client(\n    \"s3\",\n    region_name=\"{region}\",\n    \
         aws_access_key_id=\"{}\",\n    aws_secret_access_key=\"{}\",\n)\n\n\ndef size(bucket, key):\n    \
         return s3.head_object(Bucket=bucket, Key=key)[\"ContentLength\"]\n",
        pair.key_id, pair.secret
    )
}

/// A client with one pushed base commit (upstream `origin/main`).
fn client_of(url: &str) -> TestRepo {
    let client = TestRepo::new();
    client.write("README.md", "# service\n");
    client.write("docs/notes.txt", "notes\n");
    client.write("src/app.py", "import boto3\ns3 = boto3.client('s3')\n");
    client.commit("initial import");
    client.git(&["remote", "add", "origin", url]);
    let out = git_in(client.path(), &["push", "-q", "-u", "origin", "main"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    client
}

/// Three unpushed commits: the key is added in the first and edited in the second.
fn three_commits(client: &TestRepo, pair: &FakePair) -> Vec<String> {
    client.write("src/settings.py", settings_py(pair, "eu-west-1"));
    client.write("docs/notes.txt", "notes\nmore notes\n");
    let c1 = client.commit("add S3 settings");
    client.write("src/settings.py", settings_py(pair, "eu-central-1"));
    client.write("README.md", "# service\n\nNow in Frankfurt.\n");
    let c2 = client.commit("move to eu-central-1\n\nThe body stays as it is.\n");
    client.write("docs/usage.md", "# usage\n");
    let c3 = client.commit("document usage");
    vec![c1, c2, c3]
}

fn git_text(repo: &Path, args: &[&str]) -> String {
    let out = git_in(repo, args, &[]);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Everything about the commits of a range except their trees and ids.
fn metadata(repo: &Path, range: &str) -> String {
    git_text(
        repo,
        &[
            "log",
            "--format=%an|%ae|%ad|%cn|%ce|%cd|%e|%B%x00",
            "--date=raw",
            range,
        ],
    )
}

/// `path blob` lines of a commit's tree, without `skip`.
fn blobs(repo: &Path, commit: &str, skip: &str) -> Vec<String> {
    git_text(repo, &["ls-tree", "-r", commit])
        .lines()
        .filter(|l| !l.ends_with(&format!("\t{skip}")))
        .map(str::to_string)
        .collect()
}

fn new_tip(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("new tip: "))
        .unwrap_or_else(|| panic!("no new tip in:\n{stdout}"))
        .trim()
        .to_string()
}

#[test]
fn rewrite_three_commits_then_the_real_hook_accepts_the_push() {
    let server = Server::new();
    let client = client_of(&server.url());
    let pair = FakeKeys::new(601).pair();
    let old = three_commits(&client, &pair);
    let secrets = [pair.secret.as_str()];

    let rejected = push(client.path(), "origin", &["main"]);
    assert!(
        !rejected.accepted(),
        "the hook let the key through:\n{}",
        rejected.text
    );
    assert_no_secret(&rejected.text, &secrets);
    let before = metadata(client.path(), "origin/main..main");

    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_no_secret(&out, &secrets);
    assert_no_secret(&err, &secrets);
    let tip = new_tip(&out);
    assert_eq!(tip, client.rev_parse("HEAD"));
    assert_ne!(tip, old[2]);
    assert!(out.contains("src/settings.py: AWS access key ID"), "{out}");
    assert!(out.contains("role-based rewrite (python)"), "{out}");
    assert!(out.contains(": clean"), "{out}");
    assert!(
        out.contains(&format!(
            "aws iam update-access-key --access-key-id {} --status Inactive",
            pair.key_id
        )) && out.contains(&format!(
            "aws iam delete-access-key --access-key-id {}",
            pair.key_id
        )),
        "{out}"
    );
    assert!(out.contains("account 210987654321"), "{out}");
    assert_eq!(client.rev_parse("refs/rolecall/backup/main"), old[2]);

    // Authors, committers, dates, encodings and messages are kept.
    assert_eq!(metadata(client.path(), "origin/main..main"), before);
    // Unrelated files keep their blob ids, commit by commit.
    let new: Vec<String> = git_text(
        client.path(),
        &["rev-list", "--reverse", "origin/main..main"],
    )
    .lines()
    .map(str::to_string)
    .collect();
    assert_eq!(new.len(), 3);
    for (o, n) in old.iter().zip(&new) {
        assert_eq!(
            blobs(client.path(), o, "src/settings.py"),
            blobs(client.path(), n, "src/settings.py")
        );
        assert_ne!(
            git_text(
                client.path(),
                &["rev-parse", &format!("{o}:src/settings.py")]
            ),
            git_text(
                client.path(),
                &["rev-parse", &format!("{n}:src/settings.py")]
            )
        );
    }
    // The fix kept the edit of commit 2, and the working tree follows the branch.
    let fixed = git_text(
        client.path(),
        &["show", &format!("{}:src/settings.py", new[1])],
    );
    assert!(
        fixed.contains("eu-central-1") && !fixed.contains(&pair.key_id),
        "{fixed}"
    );
    assert_eq!(
        client.read("src/settings.py"),
        git_text(client.path(), &["show", "HEAD:src/settings.py"])
    );
    assert!(git_text(client.path(), &["status", "--porcelain"]).is_empty());
    let patch = git_text(client.path(), &["log", "-p", "origin/main..main"]);
    assert!(!patch.contains(&pair.key_id) && !patch.contains(&pair.secret));

    let accepted = push(client.path(), "origin", &["main"]);
    assert!(
        accepted.accepted(),
        "the rewritten push was rejected:\n{}",
        accepted.text
    );
    assert_eq!(server.rev("refs/heads/main").as_deref(), Some(tip.as_str()));
    assert!(
        !server.has_object(&old[0]),
        "the rejected commit reached the server"
    );
}

#[test]
fn rewrite_gives_the_same_tip_in_two_independent_clones() {
    let source = TestRepo::new();
    source.write("app/main.py", "print('hi')\n");
    source.commit("base");
    source.git(&["tag", "base"]);
    let pair = FakeKeys::new(602).pair();
    three_commits(&source, &pair);
    let parent = tempfile::tempdir().unwrap();
    let mut tips = Vec::new();
    for (name, user) in [("a", "Alice"), ("b", "Bob")] {
        let dir = parent.path().join(name);
        let out = git_in(
            parent.path(),
            &[
                "clone",
                "-q",
                source.path().to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success());
        git_in(&dir, &["config", "user.name", user], &[]);
        let (code, out, err) = run(crate::util::rolecall_cmd()
            .current_dir(&dir)
            .env("TZ", if name == "a" { "UTC" } else { "Asia/Kolkata" })
            .args(["fix", "--rewrite", "base..HEAD"]));
        assert_eq!(code, 0, "{out}{err}");
        tips.push(new_tip(&out));
    }
    assert_eq!(tips[0], tips[1]);
    assert_ne!(tips[0], source.rev_parse("HEAD"));
}

#[test]
fn rewrite_does_not_clobber_a_branch_moved_during_the_rewrite() {
    let source = TestRepo::new();
    source.write("app/main.py", "print('hi')\n");
    let base = source.commit("base");
    let pair = FakeKeys::new(603).pair();
    let old = three_commits(&source, &pair);
    let moved_to = git_text(
        source.path(),
        &[
            "commit-tree",
            "-p",
            &old[2],
            "-m",
            "someone else's commit",
            &format!("{}^{{tree}}", old[2]),
        ],
    )
    .trim()
    .to_string();
    let repo = git2::Repository::open(source.path()).unwrap();
    let range = format!("{base}..main");
    let result = rewrite_range_with(&repo, Some(&range), &RewriteOptions::default(), &mut |_| {
        // A second process moves the branch between the plan and the update.
        let out = git_in(
            source.path(),
            &["update-ref", "refs/heads/main", &moved_to],
            &[],
        );
        assert!(out.status.success());
        Ok(())
    });
    let err = result
        .expect_err("the rewrite must not move a branch that moved")
        .to_string();
    assert!(
        err.contains("moved") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(source.rev_parse("main"), moved_to);
    assert!(source
        .git_env(
            &["rev-parse", "--verify", "-q", "refs/rolecall/backup/main"],
            &[]
        )
        .stdout
        .is_empty());
    assert!(
        source.read("src/settings.py").contains(&pair.secret),
        "the work tree was touched"
    );
}

#[test]
fn rewrite_refuses_a_dirty_working_tree_and_loses_nothing() {
    let source = TestRepo::new();
    source.write("app/main.py", "print('hi')\n");
    let base = source.commit("base");
    let pair = FakeKeys::new(604).pair();
    let old = three_commits(&source, &pair);
    let range = format!("{base}..HEAD");
    // An uncommitted edit of the file the rewrite changes, and a staged edit elsewhere.
    let edited = format!("{}# my local edit\n", settings_py(&pair, "eu-central-1"));
    source.write("src/settings.py", &edited);
    source.write("README.md", "# staged change\n");
    source.git(&["add", "README.md"]);
    let status = git_text(source.path(), &["status", "--porcelain"]);
    let (code, out, err) = run(source.rolecall().args(["fix", "--rewrite", &range]));
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("uncommitted changes in src/settings.py"),
        "{err}"
    );
    assert_no_secret(&format!("{out}{err}"), &[&pair.secret]);
    assert_eq!(source.rev_parse("HEAD"), old[2]);
    assert_eq!(source.read("src/settings.py"), edited);
    assert_eq!(git_text(source.path(), &["status", "--porcelain"]), status);
    assert_eq!(
        git_text(source.path(), &["diff", "--cached", "--name-only"]),
        "README.md\n"
    );

    // Only unrelated changes: the rewrite goes ahead and keeps them (like `git reset --keep`).
    source.git(&["checkout", "--", "src/settings.py"]);
    let (code, out, err) = run(source.rolecall().args(["fix", "--rewrite", &range]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("updated the index and working tree: 1 file(s)"),
        "{out}"
    );
    assert_eq!(source.read("README.md"), "# staged change\n");
    assert_eq!(
        git_text(source.path(), &["diff", "--cached", "--name-only"]),
        "README.md\n"
    );
    assert!(!source.read("src/settings.py").contains(&pair.key_id));
    assert_eq!(
        git_text(
            source.path(),
            &["diff", "--name-only", "HEAD", "--", "src/settings.py"]
        ),
        ""
    );
}

#[test]
fn rewrite_keeps_the_shape_of_merges() {
    let source = TestRepo::new();
    source.write("app/main.py", "print('hi')\n");
    let base = source.commit("base");
    let mut keys = FakeKeys::new(605);
    let (one, two) = (keys.pair(), keys.pair());
    source.git(&["checkout", "-q", "-b", "side"]);
    source.write(
        "deploy/credentials",
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            two.key_id, two.secret
        ),
    );
    let side = source.commit("side: deploy credentials");
    source.write("app/side.txt", "side\n");
    let side2 = source.commit("side: clean commit");
    source.git(&["checkout", "-q", "main"]);
    source.write("src/settings.py", settings_py(&one, "eu-west-1"));
    let a = source.commit("main: settings");
    source.git_env(
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
        &[
            ("GIT_AUTHOR_DATE", "1700009000 +0000"),
            ("GIT_COMMITTER_DATE", "1700009000 +0000"),
        ],
    );
    source.write("docs/after.md", "after\n");
    source.commit("after the merge");
    let shape = |rev: &str| -> Vec<usize> {
        git_text(
            source.path(),
            &[
                "rev-list",
                "--topo-order",
                "--parents",
                &format!("{base}..{rev}"),
            ],
        )
        .lines()
        .map(|l| l.split(' ').count() - 1)
        .collect()
    };
    let before = shape("main");
    let repo = git2::Repository::open(source.path()).unwrap();
    let report = rewrite_range(
        &repo,
        Some(&format!("{base}..main")),
        &RewriteOptions::default(),
    )
    .unwrap();
    assert!(report.rescan.as_ref().unwrap().findings.is_empty());
    assert_eq!(shape("main"), before);
    let map = |old: &str| {
        report
            .commits
            .iter()
            .find(|c| c.old.to_string() == old)
            .map(|c| c.new.to_string())
            .unwrap()
    };
    let merge = source.rev_parse("main^");
    let parents = git_text(source.path(), &["rev-list", "--parents", "-n1", &merge]);
    let parents: Vec<&str> = parents.split_whitespace().skip(1).collect();
    assert_eq!(parents, vec![map(&a).as_str(), map(&side2).as_str()]);
    assert_ne!(map(&side), side, "the side commit with a key was rewritten");
    assert_eq!(source.rev_parse(&format!("{}^", map(&side2))), map(&side));
    let merged = git_text(
        source.path(),
        &["show", &format!("{merge}:deploy/credentials")],
    );
    assert!(
        !merged.contains(&two.key_id) && !merged.contains(&two.secret),
        "{merged}"
    );
    assert_eq!(
        git_text(source.path(), &["log", "-1", "--format=%s", &merge]).trim(),
        "merge side"
    );
}

#[test]
fn rewrite_redacts_a_key_in_a_commit_message() {
    let source = TestRepo::new();
    source.write("app/main.py", "print('hi')\n");
    let base = source.commit("base");
    let pair = FakeKeys::new(606).pair();
    source.write("app/main.py", "print('hello')\n");
    let message = format!(
        "try the new key\n\naws_access_key_id={}\naws_secret_access_key={}\nTested by hand.\n",
        pair.key_id, pair.secret
    );
    let old = source.commit(&message);
    let (code, out, err) =
        run(source
            .rolecall()
            .args(["fix", "--rewrite", &format!("{base}..HEAD")]));
    assert_eq!(code, 0, "{out}{err}");
    assert_no_secret(&out, &[&pair.secret]);
    assert!(out.contains("message line 3: AWS access key ID"), "{out}");
    let new_message = git_text(source.path(), &["log", "-1", "--format=%B", "HEAD"]);
    assert!(!new_message.contains(&pair.key_id) && !new_message.contains(&pair.secret));
    assert_eq!(
        new_message.trim_end(),
        "try the new key\n\naws_access_key_id=ROLECALL-REDACTED-ACCESS-KEY-ID\n\
         aws_secret_access_key=ROLECALL-REDACTED-SECRET-ACCESS-KEY\nTested by hand."
    );
    // The tree did not change; the commit did.
    assert_eq!(
        source.rev_parse("HEAD^{tree}"),
        source.rev_parse(&format!("{old}^{{tree}}"))
    );
    let (code, scan, _) =
        run(source
            .rolecall()
            .args(["scan", "--range", &format!("{base}..HEAD")]));
    assert_eq!(code, 0, "{scan}");
}

#[test]
fn rewrite_dry_run_changes_nothing_and_predicts_the_tip() {
    let server = Server::new();
    let client = client_of(&server.url());
    let pair = FakeKeys::new(607).pair();
    let old = three_commits(&client, &pair);
    let state = |c: &TestRepo| {
        (
            git_text(c.path(), &["for-each-ref"]),
            git_text(c.path(), &["status", "--porcelain", "--ignored"]),
            git_text(c.path(), &["count-objects", "-v"]),
            c.read("src/settings.py"),
        )
    };
    let before = state(&client);
    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite", "--dry-run"]));
    assert_eq!(code, 1, "{out}{err}");
    assert_no_secret(&out, &[&pair.secret]);
    assert!(
        out.contains("src/settings.py: AWS access key ID AKIA…"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "AWS secret access key {}",
            rolecall::finding::redact(&pair.secret)
        )),
        "{out}"
    );
    assert!(out.contains("would be role-based rewrite"), "{out}");
    let predicted = new_tip(&out);
    assert_eq!(state(&client), before);
    assert_eq!(client.rev_parse("HEAD"), old[2]);
    assert!(
        !client
            .git_env(&["cat-file", "-e", &predicted], &[])
            .status
            .success(),
        "dry run wrote objects"
    );

    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(new_tip(&out), predicted);
}

#[test]
fn rewrite_without_upstream_takes_the_commits_no_remote_has() {
    // Issue 9: no upstream is no error; the default is `HEAD --not --remotes`.
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("a");
    let (code, out, err) = run(repo.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("HEAD --not --remotes") || out.contains("HEAD --not --remotes"),
        "{out}{err}"
    );
}

#[test]
fn rewrite_marks_keys_that_reached_a_remote_as_compromised() {
    let server = Server::without_hook();
    let client = client_of(&server.url());
    let pair = FakeKeys::new(608).pair();
    three_commits(&client, &pair);
    // The first commit was already pushed to another branch.
    let out = git_in(
        client.path(),
        &["push", "-q", "origin", "HEAD~2:refs/heads/wip"],
        &[],
    );
    assert!(out.status.success());
    git_in(client.path(), &["fetch", "-q", "origin"], &[]);
    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("already reached a remote (refs/remotes/origin/wip): treat it as compromised"),
        "{out}"
    );
    assert_no_secret(&out, &[&pair.secret]);
}

#[test]
fn rewrite_filter_repo_writes_a_private_expressions_file() {
    let source = TestRepo::new();
    source.write("app/main.py", "print('hi')\n");
    source.commit("base");
    let pair = FakeKeys::new(609).pair();
    three_commits(&source, &pair);
    let file = source.path().join(".git").join("replacements.txt");
    let (code, out, err) =
        run(source
            .rolecall()
            .args(["fix", "--filter-repo", file.to_str().unwrap()]));
    assert_eq!(code, 1, "{out}{err}");
    assert_no_secret(&format!("{out}{err}"), &[&pair.secret]);
    assert!(
        out.contains("replacements.txt") && out.contains("re-clone"),
        "{out}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!(
        "literal:{}==>ROLECALL-REDACTED-SECRET-ACCESS-KEY",
        pair.secret
    )));
    assert!(text.contains(&format!(
        "literal:{}==>ROLECALL-REDACTED-ACCESS-KEY-ID",
        pair.key_id
    )));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Nothing was rewritten.
    assert!(source.read("src/settings.py").contains(&pair.secret));
}

/// Needs `ssh-keygen` to sign the commits, so it runs in the conformance tier.
#[cfg(feature = "conformance")]
#[test]
fn rewrite_drops_signatures_of_changed_commits_and_says_so() {
    crate::util::require_tool("ssh-keygen");
    let source = TestRepo::new();
    let key = source.path().join(".git").join("signing_key");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    source.git(&["config", "gpg.format", "ssh"]);
    source.git(&["config", "user.signingkey", key.to_str().unwrap()]);
    source.git(&["config", "commit.gpgsign", "true"]);
    source.write("app/main.py", "print('hi')\n");
    let base = source.commit("base");
    let pair = FakeKeys::new(610).pair();
    source.write("src/settings.py", settings_py(&pair, "eu-west-1"));
    let signed = source.commit("signed commit with a key");
    let raw = git_text(source.path(), &["cat-file", "commit", &signed]);
    assert!(
        raw.contains("gpgsig "),
        "the test commit is not signed: {raw}"
    );
    let (code, out, err) =
        run(source
            .rolecall()
            .args(["fix", "--rewrite", &format!("{base}..HEAD")]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("its signature dropped") && out.contains("rewritten unsigned"),
        "{out}"
    );
    let new_raw = git_text(source.path(), &["cat-file", "commit", "HEAD"]);
    assert!(!new_raw.contains("gpgsig"), "{new_raw}");
    // Everything but the tree line and the signature is byte-identical.
    let strip = |raw: &str| -> String {
        let mut keep = Vec::new();
        let mut in_sig = false;
        for l in raw.lines() {
            if l.starts_with("gpgsig ") {
                in_sig = true;
                continue;
            }
            if in_sig && l.starts_with(' ') {
                continue;
            }
            in_sig = false;
            if !l.starts_with("tree ") {
                keep.push(l);
            }
        }
        keep.join("\n")
    };
    assert_eq!(strip(&new_raw), strip(&raw));
    // The unchanged base keeps its id and its signature.
    assert_eq!(source.rev_parse("HEAD^"), base);
}

/// Issue 6: the hook's rejection names the tip `rolecall fix --rewrite` will produce, and the
/// developer's rewrite produces exactly that tip.
#[test]
fn issue6_hook_rejection_predicts_the_rewritten_tip() {
    let server = Server::new();
    let client = client_of(&server.url());
    let pair = FakeKeys::new(611).pair();
    three_commits(&client, &pair);
    let rejected = push(client.path(), "origin", &["main"]);
    assert!(!rejected.accepted(), "{}", rejected.text);
    let lines: Vec<&str> = rejected.text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("main will be at"))
        .unwrap_or_else(|| panic!("no predicted tip in:\n{}", rejected.text));
    let predicted = lines[at + 1]
        .split_whitespace()
        .find(|w| w.len() == 40)
        .expect("the next line holds the tip")
        .to_string();
    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(client.rev_parse("HEAD"), predicted);
}
