//! A fleet of real git repositories for fleet-scan tests, laid out the way servers lay them out:
//! `/srv/git`-style bare repositories, GitLab's `repositories/@hashed/ab/cd/<sha256>.git` (with
//! a wiki), Gitea's `<owner>/<name>.git`, a work tree with a nested repository inside, a deep
//! one, an empty folder named like a repository, one with a corrupt object, and a symbolic link
//! loop. Every key is generated at run time.
#![allow(dead_code)]

use crate::util::{git_in, rolecall_cmd, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const PAYMENTS: &str = "srv/git/payments.git";
pub const TOOLS: &str = "srv/git/tools.git";
pub const GITLAB_PROJECT: &str =
    "gitlab/repositories/@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.git";
pub const GITLAB_WIKI: &str =
    "gitlab/repositories/@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b.wiki.git";
pub const GITLAB_CLEAN: &str =
    "gitlab/repositories/@hashed/d4/73/d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35.git";
pub const GITEA_API: &str = "gitea/data/gitea-repositories/acme/api.git";
pub const GITEA_WEB: &str = "gitea/data/gitea-repositories/acme/web.git";
pub const WORK_TREE: &str = "work/infra";
pub const DEEP: &str = "deep/a/b/c/d/nested.git";
pub const NOT_A_REPO: &str = "broken/not-a-repo.git";
pub const CORRUPT: &str = "broken/corrupt.git";

/// The account of the key in the GitLab wiki (every other key is in the default one).
pub const WIKI_ACCOUNT: u64 = 123_456_789_012;

/// A fleet under a temporary folder, with the work repositories that feed its bare ones.
pub struct Fleet {
    pub dir: tempfile::TempDir,
    /// Work repositories by the fleet name of the bare repository they push to.
    pub sources: BTreeMap<String, TestRepo>,
    /// Every generated value (no output may contain one).
    pub secrets: Vec<String>,
    seed: std::cell::Cell<u64>,
}

impl Fleet {
    /// An empty fleet.
    pub fn empty() -> Fleet {
        Fleet {
            dir: tempfile::tempdir().unwrap(),
            sources: BTreeMap::new(),
            secrets: Vec::new(),
            seed: std::cell::Cell::new(13_000),
        }
    }

    /// The fleet root.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("fleet")
    }

    /// Where the repository named `name` is.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// A fresh key generator.
    pub fn keys(&self) -> FakeKeys {
        let seed = self.seed.get();
        self.seed.set(seed + 1);
        FakeKeys::new(seed)
    }

    /// A key pair, remembered as secret.
    pub fn pair(&mut self) -> FakePair {
        let pair = self.keys().pair();
        self.secrets.push(pair.key_id.clone());
        self.secrets.push(pair.secret.clone());
        pair
    }

    /// A lone key ID of `account`, remembered.
    pub fn key_id(&mut self, account: u64) -> String {
        let key = self.keys().key_id_for_account("AKIA", account);
        self.secrets.push(key.clone());
        key
    }

    /// A bare repository `name` fed by a new work repository whose first commit holds `files`.
    pub fn bare(&mut self, name: &str, files: &[(&str, String)], message: &str) -> &TestRepo {
        let work = TestRepo::new();
        work.write("README.md", format!("# {name}\n"));
        work.commit("init");
        for (path, text) in files {
            work.write(path, text);
        }
        work.commit(message);
        let dest = self.path(name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let out = git_in(
            self.dir.path(),
            &["init", "-q", "--bare", "-b", "main", dest.to_str().unwrap()],
            &[],
        );
        assert!(out.status.success());
        self.sources.insert(name.to_string(), work);
        self.push(name);
        self.sources.get(name).unwrap()
    }

    /// Pushes the work repository of `name` to it (small pushes arrive as loose objects).
    pub fn push(&self, name: &str) {
        let work = &self.sources[name];
        let dest = self.path(name);
        let out = work.git_env(&["push", "-q", dest.to_str().unwrap(), "HEAD:main"], &[]);
        assert!(
            out.status.success(),
            "push to {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Commits `files` in the work repository of `name` and pushes.
    pub fn commit_and_push(&self, name: &str, files: &[(&str, String)], message: &str) -> String {
        let work = &self.sources[name];
        for (path, text) in files {
            work.write(path, text);
        }
        let id = work.commit(message);
        self.push(name);
        id
    }

    /// Runs `git` in the repository `name` and asserts success.
    pub fn git(&self, name: &str, args: &[&str]) {
        let out = git_in(&self.path(name), args, &[]);
        assert!(
            out.status.success(),
            "git {args:?} in {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `rolecall scan --repos <root> <args>` with JSON output; returns (exit code, document,
    /// stderr).
    pub fn scan(&self, args: &[&str]) -> (i32, Value, String) {
        let root = self.root();
        let mut cmd = rolecall_cmd();
        cmd.current_dir(self.dir.path())
            .args([
                "scan",
                "--repos",
                root.to_str().unwrap(),
                "--format",
                "json",
            ])
            .args(args);
        let (code, stdout, stderr) = run(&mut cmd);
        for s in &self.secrets {
            assert!(!stdout.contains(s.as_str()), "a whole secret in the output");
        }
        let doc = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
        (code, doc, stderr)
    }
}

fn creds(pair: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        pair.key_id, pair.secret
    )
}

/// The standard fleet: eleven repositories in server layouts (see the module doc) and a loop.
/// - the same usable key pair in `payments.git` and the GitLab project (one rotation);
/// - a lone key ID in the GitLab wiki, one in a Gitea commit message, one deep down;
/// - a session token in Gitea's `web.git`; a usable pair in the work tree;
/// - `tools.git` and a second GitLab project are clean;
/// - `broken/not-a-repo.git` is an empty folder, `broken/corrupt.git` has a corrupt blob.
pub fn standard_fleet() -> Fleet {
    let mut fleet = Fleet::empty();
    let shared = fleet.pair();
    fleet.bare(
        PAYMENTS,
        &[("config/prod.ini", creds(&shared))],
        "prod config",
    );
    fleet.bare(TOOLS, &[("tool.sh", "echo hi\n".into())], "tool");
    fleet.bare(
        GITLAB_PROJECT,
        &[("deploy/env", creds(&shared))],
        "deploy env",
    );
    let wiki_key = fleet.key_id(WIKI_ACCOUNT);
    fleet.bare(
        GITLAB_WIKI,
        &[(
            "Home.md",
            format!("Use AWS key `{wiki_key}` for the demo\n"),
        )],
        "wiki home",
    );
    fleet.bare(GITLAB_CLEAN, &[("main.go", "package main\n".into())], "go");
    fleet.git(GITLAB_CLEAN, &["gc", "-q"]);
    let message_key = fleet.key_id(210_987_654_321);
    fleet.bare(
        GITEA_API,
        &[("api.py", "print('api')\n".into())],
        &format!("debug the api\n\naws_access_key_id={message_key}"),
    );
    let token = fleet.keys().session_token();
    fleet.secrets.push(token.clone());
    fleet.bare(
        GITEA_WEB,
        &[(".env", format!("AWS_SESSION_TOKEN={token}\n"))],
        "env",
    );
    work_tree(&mut fleet);
    let deep_key = fleet.key_id(210_987_654_321);
    fleet.bare(
        DEEP,
        &[(
            "settings.py",
            format!("AWS_ACCESS_KEY_ID = \"{deep_key}\"\n"),
        )],
        "settings",
    );
    std::fs::create_dir_all(fleet.path(NOT_A_REPO)).unwrap();
    corrupt_repo(&mut fleet);
    let loop_dir = fleet.path("gitea/data/gitea-repositories/loop");
    std::os::unix::fs::symlink("../..", loop_dir).unwrap();
    fleet
}

/// `work/infra`: a repository with a work tree (a usable pair in `main.tf`) and, inside it, an
/// untracked nested repository that is part of its files, not a repository of the fleet.
fn work_tree(fleet: &mut Fleet) {
    let pair = fleet.pair();
    let dest = fleet.path(WORK_TREE);
    std::fs::create_dir_all(&dest).unwrap();
    let src = TestRepo::new();
    src.write(
        "main.tf",
        format!(
            "provider \"aws\" {{\n  access_key = \"{}\"\n  secret_key = \"{}\"\n}}\n",
            pair.key_id, pair.secret
        ),
    );
    src.commit("terraform");
    let out = git_in(
        fleet.dir.path(),
        &[
            "clone",
            "-q",
            src.path().to_str().unwrap(),
            dest.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success());
    let inner = dest.join("vendor/inner");
    std::fs::create_dir_all(&inner).unwrap();
    assert!(git_in(&inner, &["init", "-q"], &[]).status.success());
    fleet.sources.insert(WORK_TREE.to_string(), src);
}

/// `broken/corrupt.git`: a bare repository whose loose blob `data.bin` is overwritten with bytes
/// that do not inflate.
fn corrupt_repo(fleet: &mut Fleet) {
    fleet.bare(CORRUPT, &[("data.txt", "some data\n".into())], "data");
    let blob = git_in(&fleet.path(CORRUPT), &["rev-parse", "main:data.txt"], &[]);
    let blob = String::from_utf8(blob.stdout).unwrap().trim().to_string();
    let file = fleet
        .path(CORRUPT)
        .join("objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&file, perms).unwrap();
    std::fs::write(&file, b"this is not zlib data at all").unwrap();
}

/// The findings of a JSON report.
pub fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings")
}

/// `repo` → sorted kinds, from a JSON report.
pub fn kinds_by_repo(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in findings(doc) {
        map.entry(f["repo"].as_str().expect("repo").to_string())
            .or_default()
            .push(f["kind"].as_str().unwrap().to_string());
    }
    for kinds in map.values_mut() {
        kinds.sort();
    }
    map
}

/// A stat as a number.
pub fn stat(doc: &Value, name: &str) -> u64 {
    doc["stats"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("stats.{name} missing: {}", doc["stats"]))
}

/// The findings without what differs between runs of the same history (nothing, today: used to
/// compare reports).
pub fn finding_set(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = findings(doc)
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.as_object_mut().unwrap().remove("known");
            f.to_string()
        })
        .collect();
    out.sort();
    out
}

/// Names of the skipped items of a report.
pub fn skipped_names(doc: &Value) -> Vec<String> {
    doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["what"].as_str().unwrap().to_string())
        .collect()
}

/// Writes `text` to `path` (creating folders).
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
