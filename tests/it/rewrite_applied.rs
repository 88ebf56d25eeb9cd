//! Issue 9: `rolecall fix --rewrite` after the user applied the patch `rolecall fix` printed.
//! Applied and left uncommitted (`git apply`, `git apply --index`), the rewrite used to refuse
//! ("uncommitted changes would be overwritten") although the changes are its own result;
//! applied and committed, the rewrite left that commit behind empty. Every path now ends with a
//! history that holds no key, HEAD's tree equal to the patched tree, no empty commit and a clean
//! `git status`. Real repositories, a real bare remote, the real `git apply`.

use crate::rewrite::settings_py;
use crate::util::{assert_no_secret, git_in, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};

/// How the user applied the patch before running the rewrite.
#[derive(Debug, Clone, Copy)]
enum Applied {
    /// `git apply`: the work tree holds the fix, the index does not.
    WorkTree,
    /// `git apply --index`: both hold the fix.
    Index,
    /// `git apply --index && git commit`: a fourth commit removes the key.
    Committed,
}

fn text(repo: &TestRepo, args: &[&str]) -> String {
    String::from_utf8(repo.git(args).stdout).unwrap()
}

/// A client whose `main` tracks a bare remote that has one base commit, plus three unpushed
/// commits: the key comes in the first, is edited in the second, the third is unrelated.
fn client_with_key(remote: &std::path::Path, pair: &FakePair) -> TestRepo {
    let out = git_in(remote, &["init", "-q", "--bare", "-b", "main"], &[]);
    assert!(out.status.success());
    let client = TestRepo::new();
    client.write("README.md", "# service\n");
    client.write("src/app.py", "import boto3\ns3 = boto3.client('s3')\n");
    client.commit("initial import");
    client.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    client.git(&["push", "-q", "-u", "origin", "main"]);
    client.write("src/settings.py", settings_py(pair, "eu-west-1"));
    client.commit("add S3 settings");
    client.write("src/settings.py", settings_py(pair, "eu-central-1"));
    client.write("README.md", "# service\n\nNow in Frankfurt.\n");
    client.commit("move to eu-central-1");
    client.write("docs/usage.md", "# usage\n");
    client.commit("document usage");
    client
}

/// Applies the patch `rolecall fix` prints, the way `how` says; returns the patched tree (the
/// work tree as a tree object, written through a scratch index so that nothing is staged).
fn apply_fix(client: &TestRepo, how: Applied, secrets: &[&str]) -> String {
    let (code, patch, err) = run(client.rolecall().arg("fix"));
    assert_eq!(code, 0, "{err}");
    assert!(patch.contains("--- a/src/settings.py"), "{patch}");
    assert_no_secret(&err, secrets);
    let file = client.path().join(".git").join("fix.patch");
    std::fs::write(&file, &patch).unwrap();
    let file = file.to_str().unwrap();
    match how {
        Applied::WorkTree => client.git(&["apply", file]),
        Applied::Index | Applied::Committed => client.git(&["apply", "--index", file]),
    };
    if let Applied::Committed = how {
        client.commit("remove the key (rolecall fix)");
    }
    let scratch = client.path().join(".git").join("scratch-index");
    let env = [("GIT_INDEX_FILE", scratch.to_str().unwrap())];
    for args in [&["read-tree", "HEAD"][..], &["add", "-A"]] {
        assert!(client.git_env(args, &env).status.success());
    }
    let out = client.git_env(&["write-tree"], &env);
    std::fs::remove_file(&scratch).unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn rewrite_after(how: Applied) {
    let remote = tempfile::tempdir().unwrap();
    let pair = FakeKeys::new(909).pair();
    let secrets = [pair.key_id.as_str(), pair.secret.as_str()];
    let client = client_with_key(remote.path(), &pair);
    let patched = apply_fix(&client, how, &secrets);

    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{how:?}: {out}{err}");
    assert_no_secret(&out, &secrets[1..]);
    assert_no_secret(&err, &secrets);

    assert_eq!(client.rev_parse("HEAD^{tree}"), patched, "{how:?}: {out}");
    let status = text(&client, &["status", "--porcelain"]);
    assert_eq!(status, "", "{how:?}: the work tree is left clean");
    let commits: Vec<String> = text(&client, &["rev-list", "origin/main..HEAD"])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(commits.len(), 3, "{how:?}: {out}");
    for c in &commits {
        assert_ne!(
            client.rev_parse(&format!("{c}^{{tree}}")),
            client.rev_parse(&format!("{c}^^{{tree}}")),
            "{how:?}: commit {c} is empty"
        );
        let grep = git_in(client.path(), &["grep", "-F", "-e", secrets[0], c], &[]);
        assert!(grep.stdout.is_empty(), "{how:?}: {c} holds the key");
        let grep = git_in(client.path(), &["grep", "-F", "-e", secrets[1], c], &[]);
        assert!(grep.stdout.is_empty(), "{how:?}: {c} holds the secret");
    }
    let log = text(&client, &["log", "-p", "--format=%B", "origin/main..HEAD"]);
    assert_no_secret(&log, &secrets);
    if let Applied::Committed = how {
        assert!(
            out.contains("left out: the rewrite leaves it empty"),
            "{out}"
        );
    }
}

#[test]
fn issue_9_rewrite_accepts_the_applied_patch_left_in_the_work_tree() {
    rewrite_after(Applied::WorkTree);
}

#[test]
fn issue_9_rewrite_accepts_the_applied_patch_staged_in_the_index() {
    rewrite_after(Applied::Index);
}

#[test]
fn issue_9_rewrite_drops_the_commit_of_the_applied_patch_it_leaves_empty() {
    rewrite_after(Applied::Committed);
}
