//! Issue 9, the hook side: pairing follows the push. A key ID and its secret added in two
//! commits of one push are a credential (rejected), not a medium warning.

use crate::hook::support::{client_with_base, push, Server};
use crate::util::assert_no_secret;
use rolecall::fake::FakeKeys;

#[test]
fn issue_9_key_id_and_secret_in_two_commits_of_one_push_are_rejected() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(951).pair();
    client.write(
        "app/config.py",
        format!("AWS_ACCESS_KEY_ID = \"{}\"\n", pair.key_id),
    );
    client.commit("config");
    client.write(
        "deploy/.env",
        format!("AWS_SECRET_ACCESS_KEY={}\n", pair.secret),
    );
    client.commit("env");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text
            .contains("app/config.py:1  AWS access key ID  critical"),
        "{}",
        p.text
    );
    assert!(
        p.text
            .contains("deploy/.env:1  AWS secret access key  critical"),
        "{}",
        p.text
    );
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
}

#[test]
fn issue_9_a_lone_key_id_in_a_push_stays_a_warning() {
    let server = Server::new();
    let client = client_with_base(&server);
    let mut keys = FakeKeys::new(952);
    let key_id = keys.key_id("AKIA");
    client.write(
        "docs/rotation.md",
        format!("Rotated key {key_id} last week.\n"),
    );
    client.commit("docs");
    client.write("src/app.py", "print('hello')\n");
    client.commit("hello");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert_no_secret(&p.text, &[&key_id]);
}
