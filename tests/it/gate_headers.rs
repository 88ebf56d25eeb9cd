//! Issue 9, the hook side: every header of a pushed commit or tag is read (author, committer,
//! custom headers), by the pre-receive hook (real bare server, real `git push`, default policy)
//! and by `rolecall scan`.

use crate::hook::support::{client_with_base, push, Server};
use crate::util::{assert_no_secret, run, TestRepo};
use rolecall::fake::FakeKeys;

/// A commit on top of HEAD whose raw object carries `extra` header lines (written with
/// `git hash-object`, as a pusher could); moves `main` to it.
fn commit_with_headers(client: &TestRepo, author: &str, extra: &str) -> String {
    let tree = client.rev_parse("HEAD^{tree}");
    let parent = client.rev_parse("HEAD");
    let raw = format!(
        "tree {tree}\nparent {parent}\nauthor {author} 1700000500 +0000\ncommitter Dana \
         Developer <dana@example.com> 1700000500 +0000\n{extra}\nchore: tidy up\n"
    );
    let file = client.path().join(".git/raw-commit");
    std::fs::write(&file, raw).unwrap();
    let out = client.git(&[
        "hash-object",
        "-t",
        "commit",
        "-w",
        "--literally",
        file.to_str().unwrap(),
    ]);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    client.git(&["update-ref", "refs/heads/main", &id]);
    id
}

fn scan_json(client: &TestRepo) -> serde_json::Value {
    let (_, out, err) = run(client.rolecall().args(["scan", "--format", "json"]));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

fn sources(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn issue_9_commit_header_author_key_is_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    let before = server.rev("main");
    let pair = FakeKeys::new(901).pair();
    let author = format!("aws_access_key_id={} <dev@example.com>", pair.key_id);
    let extra = format!("x-deploy-note aws_secret_access_key={}\n", pair.secret);
    commit_with_headers(&client, &author, &extra);
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("commit header, line 3"), "{}", p.text);
    assert!(p.text.contains("commit header, line 5"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
    assert_eq!(server.rev("main"), before);

    let report = scan_json(&client);
    let srcs = sources(&report);
    assert_eq!(
        srcs.iter().filter(|s| *s == "commit-header").count(),
        2,
        "{report:#}"
    );
}

#[test]
fn issue_9_commit_header_gpgsig_and_mergetag_keys_are_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(902).pair();
    let extra = format!(
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n aws_access_key_id = {}\n \
         aws_secret_access_key = {}\n -----END PGP SIGNATURE-----\n",
        pair.key_id, pair.secret
    );
    commit_with_headers(&client, "Dana Developer <dana@example.com>", &extra);
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("commit header, line 7"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn issue_9_commit_message_lines_still_count_from_the_message() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(903).pair();
    client.commit(&format!(
        "deploy\n\naws_access_key_id={}\naws_secret_access_key={}",
        pair.key_id, pair.secret
    ));
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("commit message, line 3"), "{}", p.text);
    assert!(!p.text.contains("commit header"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn issue_9_clean_commits_have_no_header_findings() {
    let server = Server::new();
    let client = client_with_base(&server);
    for i in 0..5 {
        client.write(&format!("f{i}.txt"), format!("{i}\n"));
        client.commit(&format!("change {i}"));
    }
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(sources(&scan_json(&client)).is_empty());
}
