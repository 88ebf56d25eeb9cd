//! The pre-receive hook behind `git daemon` on 127.0.0.1 (started on a free port and stopped by
//! the test): the same verdicts as over `file://`.

use crate::hook::{push, twenty_concurrent_pushes, Server};
use crate::util::{assert_no_secret, TestRepo};
use rolecall::fake::FakeKeys;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `git daemon` serving one base path; killed when dropped.
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    fn start(base: &Path) -> Daemon {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // `git daemon` runs `git-daemon` as a child process: killing `git` would leave the
        // daemon running after the test, so the daemon itself is started.
        let exec_path = Command::new("git")
            .arg("--exec-path")
            .output()
            .expect("git runs");
        let exec_path = String::from_utf8_lossy(&exec_path.stdout)
            .trim()
            .to_string();
        let child = Command::new(Path::new(&exec_path).join("git-daemon"))
            .arg("--reuseaddr")
            .arg("--listen=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg("--export-all")
            .arg("--enable=receive-pack")
            .arg("--informative-errors")
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        let daemon = Daemon { child, port };
        let until = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < until,
                "git daemon did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn hook_daemon_accepts_clean_rejects_leaks_and_deletes() {
    let server = Server::new();
    let daemon = Daemon::start(server.dir.path());
    let url = daemon.url("server.git");
    let client = TestRepo::new();
    client.write("app.py", "print('hi')\n");
    let base = client.commit("init");
    let p = push(client.path(), &url, &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert_eq!(server.rev("main").as_deref(), Some(base.as_str()));

    let pair = FakeKeys::new(501).pair();
    client.write(
        "deploy.env",
        format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            pair.key_id, pair.secret
        ),
    );
    let leak = client.commit("deploy env");
    client.remove("deploy.env");
    client.commit("drop env");
    let p = push(client.path(), &url, &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text
            .contains(&format!("remote:   commit {}", &leak[..12])),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("deploy.env:1  AWS access key ID  critical"),
        "{}",
        p.text
    );
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
    assert_eq!(server.rev("main").as_deref(), Some(base.as_str()));

    assert!(push(client.path(), &url, &["main~2:refs/heads/old"]).accepted());
    let p = push(client.path(), &url, &[":refs/heads/old"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(server.rev("old").is_none());
    server.assert_fsck_clean();
}

#[test]
fn hook_daemon_twenty_concurrent_pushes() {
    let server = Server::new();
    let daemon = Daemon::start(server.dir.path());
    twenty_concurrent_pushes(&server, &daemon.url("server.git"));
}
