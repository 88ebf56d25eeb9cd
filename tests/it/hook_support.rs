//! Shared parts of the hook tests: a bare server with the real hook installed, real pushes, the
//! hook run directly, and the 20-concurrent-pushes scenario (used over `file://` and `git daemon`).

use crate::util::{assert_no_secret, git_in, rolecall_bin, rolecall_cmd, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A bare server repository with the real hook installed.
pub struct Server {
    pub dir: tempfile::TempDir,
}

impl Server {
    /// A bare repository with push options advertised and the hook installed.
    pub fn new() -> Server {
        let server = Server::without_hook();
        server.install_hook();
        server
    }

    /// A bare repository without any hook yet.
    pub fn without_hook() -> Server {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("server.git")).unwrap();
        let server = Server { dir };
        server.git(&["init", "-q", "--bare", "-b", "main"]);
        server.git(&["config", "receive.advertisePushOptions", "true"]);
        server
    }

    /// Runs `rolecall hook install` on the repository.
    pub fn install_hook(&self) {
        let (code, out, err) = run(rolecall_cmd().arg("hook").arg("install").arg(self.path()));
        assert_eq!(code, 0, "install failed: {out}{err}");
        assert!(out.contains("pre-receive"), "{out}");
    }

    /// The bare repository's path.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("server.git")
    }

    /// Its `file://` URL.
    pub fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// Writes the server policy (`rolecall.toml` in the git dir).
    pub fn config(&self, toml: &str) {
        std::fs::write(self.path().join("rolecall.toml"), toml).unwrap();
    }

    /// The audit log path used by [`Server::config_with_audit`].
    pub fn audit_path(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    /// Writes a policy with an audit log plus `extra` lines of the `[hook]` table.
    pub fn config_with_audit(&self, extra: &str) {
        self.config(&format!(
            "[hook]\naudit_log = \"{}\"\n{extra}\n",
            self.audit_path().display()
        ));
    }

    /// The audit log's text (empty when absent).
    pub fn audit(&self) -> String {
        std::fs::read_to_string(self.audit_path()).unwrap_or_default()
    }

    /// Runs git in the bare repository and asserts success.
    pub fn git(&self, args: &[&str]) -> std::process::Output {
        let out = git_in(&self.path(), args, &[]);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The id `name` points at on the server, if the ref exists.
    pub fn rev(&self, name: &str) -> Option<String> {
        let out = git_in(&self.path(), &["rev-parse", "--verify", "-q", name], &[]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Whether the server's object store holds `id`.
    pub fn has_object(&self, id: &str) -> bool {
        git_in(&self.path(), &["cat-file", "-e", id], &[])
            .status
            .success()
    }

    /// `git fsck --strict` is clean and no quarantine directory is left behind.
    pub fn assert_fsck_clean(&self) {
        let out = git_in(&self.path(), &["fsck", "--strict", "--no-progress"], &[]);
        assert!(
            out.status.success(),
            "fsck: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let leftovers: Vec<_> = std::fs::read_dir(self.path().join("objects"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("tmp_objdir"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "quarantine left behind: {leftovers:?}"
        );
    }
}

/// Result of a push: exit code and everything git printed (including `remote:` lines).
pub struct Pushed {
    pub code: i32,
    pub text: String,
}

impl Pushed {
    pub fn accepted(&self) -> bool {
        self.code == 0
    }
}

/// `git push [options] URL refspecs…` from `client`; `args` mixes options (`--force`,
/// `-o VALUE`) and refspecs.
pub fn push(client: &Path, url: &str, args: &[&str]) -> Pushed {
    let mut opts: Vec<&str> = Vec::new();
    let mut refs: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if *a == "-o" {
            opts.push(a);
            opts.push(it.next().expect("-o takes a value"));
        } else if a.starts_with('-') {
            opts.push(a);
        } else {
            refs.push(a);
        }
    }
    let mut full = vec!["push"];
    full.extend(opts);
    full.push(url);
    full.extend(refs);
    let out = git_in(client, &full, &[("USER", "dana-tester")]);
    Pushed {
        code: out.status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

pub fn creds(pair: &FakePair) -> String {
    format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        pair.key_id, pair.secret
    )
}

pub fn client_with_base(server: &Server) -> TestRepo {
    let client = TestRepo::new();
    client.write("README.md", "# service\n");
    client.write("src/app.py", "import boto3\ns3 = boto3.client('s3')\n");
    client.commit("initial import");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    client
}

pub fn short(id: &str) -> &str {
    &id[..12]
}

/// Runs `rolecall hook pre-receive` directly in the server's git dir with `stdin` and `env`.
pub fn hook_direct(server: &Server, stdin: &[u8], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(rolecall_bin());
    cmd.args(["hook", "pre-receive"])
        .current_dir(server.path())
        .env("GIT_DIR", ".")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(stdin).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

pub fn twenty_concurrent_pushes(server: &Server, url: &str) {
    let client = client_with_base(server);
    let mut secrets = Vec::new();
    for i in 0..20 {
        client.git(&["checkout", "-q", "-b", &format!("b{i}"), "main"]);
        if i % 2 == 0 {
            let pair = FakeKeys::new(400 + i).pair();
            client.write(&format!("svc{i}/creds.ini"), creds(&pair));
            secrets.push(pair.secret.clone());
            secrets.push(pair.key_id);
        } else {
            client.write(&format!("svc{i}/main.py"), format!("print({i})\n"));
        }
        client.commit(&format!("branch {i}"));
    }
    let children: Vec<_> = (0..20)
        .map(|i| {
            let mut cmd = Command::new("git");
            cmd.current_dir(client.path())
                .args(["push", url, &format!("b{i}:refs/heads/b{i}")])
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", client.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            (i, cmd.spawn().unwrap())
        })
        .collect();
    for (i, child) in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        let leaking = i % 2 == 0;
        assert_eq!(out.status.success(), !leaking, "branch b{i}: {text}");
        assert_eq!(
            server.rev(&format!("refs/heads/b{i}")).is_some(),
            !leaking,
            "b{i}"
        );
        if leaking {
            assert!(
                text.contains(&format!("svc{i}/creds.ini:2")),
                "b{i}: {text}"
            );
        }
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_no_secret(&text, &refs);
    }
    server.assert_fsck_clean();
}
