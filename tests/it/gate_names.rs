//! Issue 9, the hook side: every name a push adds is read — ref names, annotated tag names and
//! taggers, file and folder names (real bare server, real `git push`, default policy).

use crate::hook::support::{client_with_base, push, Server};
use crate::util::assert_no_secret;
use rolecall::fake::{FakeKeys, FakePair};

/// A pair whose secret can be a file or ref name component (no `/`).
fn name_safe_pair(seed: u64) -> FakePair {
    (seed..)
        .map(|s| FakeKeys::new(s).pair())
        .find(|p| !p.secret.contains('/') && !p.secret.starts_with('.'))
        .unwrap()
}

#[test]
fn issue_9_ref_name_holding_a_key_pair_is_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = name_safe_pair(911);
    let refname = format!(
        "refs/heads/aws_access_key_id={}/aws_secret_access_key={}",
        pair.key_id, pair.secret
    );
    let p = push(client.path(), &server.url(), &[&format!("main:{refname}")]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("name of a pushed ref"), "{}", p.text);
    assert!(server.rev(&refname).is_none());
    // git itself echoes the refspec it was given; rolecall's own lines must not.
    let ours: String = p.text.lines().filter(|l| l.contains("rolecall")).collect();
    assert_no_secret(&ours, &[&pair.key_id, &pair.secret]);
}

#[test]
fn issue_9_annotated_tag_name_and_tagger_are_read() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = name_safe_pair(912);
    let tag = format!("aws_secret_access_key={}", pair.secret);
    let tagger = format!("aws_access_key_id={}", pair.key_id);
    let out = client.git_env(
        &["tag", "-a", &tag, "-m", "release"],
        &[
            ("GIT_COMMITTER_NAME", &tagger),
            ("GIT_COMMITTER_EMAIL", "rel@example.com"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    // Pushed under a harmless ref name: only the tag object holds the key.
    let p = push(
        client.path(),
        &server.url(),
        &[&format!("refs/tags/{tag}:refs/tags/v1")],
    );
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("tag header, line 3"), "{}", p.text);
    assert!(p.text.contains("tag header, line 4"), "{}", p.text);
    let ours: String = p.text.lines().filter(|l| l.contains("rolecall")).collect();
    assert_no_secret(&ours, &[&pair.key_id, &pair.secret]);
    assert!(server.rev("refs/tags/v1").is_none());
}

#[test]
fn issue_9_tree_entry_names_holding_a_key_are_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = name_safe_pair(913);
    client.write(&format!("keys/aws_access_key_id={}", pair.key_id), "x\n");
    client.write(
        &format!("keys/aws_secret_access_key={}", pair.secret),
        "y\n",
    );
    client.commit("add key files");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("file or folder name"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn issue_9_ordinary_names_are_accepted() {
    let server = Server::new();
    let client = client_with_base(&server);
    client.write("docs/aws_access_key_id.md", "How to rotate keys.\n");
    client.commit("docs");
    client.git(&["tag", "-a", "v1.0.0", "-m", "release 1.0.0"]);
    let p = push(
        client.path(),
        &server.url(),
        &["main", "main:refs/heads/feature/AKIA-rotation", "v1.0.0"],
    );
    assert!(p.accepted(), "{}", p.text);
}

#[test]
fn issue_12_a_folder_named_after_a_key_in_a_tree_sent_as_a_delta_is_rejected() {
    // The pushed `many/` tree is a delta on the server's (a thin pack): its names are read
    // from the reconstructed tree, and a folder and a file name holding the two halves pair.
    let server = Server::new();
    let client = client_with_base(&server);
    for i in 0..200 {
        client.write(&format!("many/file-{i:03}.txt"), format!("file {i}\n"));
    }
    client.commit("many files");
    let first = push(client.path(), &server.url(), &["main"]);
    assert!(first.accepted(), "{}", first.text);
    let pair = name_safe_pair(914);
    client.write(
        &format!(
            "many/aws_access_key_id={}/aws_secret_access_key={}",
            pair.key_id, pair.secret
        ),
        "y\n",
    );
    client.write("many/file-000.txt", "file 0, edited\n");
    client.commit("one more folder");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("file or folder name"), "{}", p.text);
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}
