//! Issue 9, the hook side: the inline `rolecall:allow` marker is off on the server by default;
//! `hook.inline_allow = true` turns it on, and then everything it suppresses is shown to the
//! pusher and audited. One marker covers its own finding (and its partner), not the line.

use crate::hook::support::{client_with_base, push, Server};
use crate::util::assert_no_secret;
use rolecall::fake::FakeKeys;

fn marked_file(seed: u64) -> (String, Vec<String>) {
    let pair = FakeKeys::new(seed).pair();
    let text = format!(
        "aws_access_key_id = \"{}\"  # rolecall:allow\naws_secret_access_key = \"{}\"  # rolecall:allow\n",
        pair.key_id, pair.secret
    );
    (text, vec![pair.key_id, pair.secret])
}

#[test]
fn issue_9_inline_allow_marker_is_ignored_by_the_hook_by_default() {
    let server = Server::new();
    let client = client_with_base(&server);
    let (text, secrets) = marked_file(941);
    client.write("config/settings.py", &text);
    client.commit("settings");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("config/settings.py:1"), "{}", p.text);
    let s: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&p.text, &s);
}

#[test]
fn issue_9_inline_allow_enabled_by_policy_is_shown_and_audited() {
    let server = Server::new();
    server.config_with_audit("inline_allow = true");
    let client = client_with_base(&server);
    let (text, secrets) = marked_file(942);
    client.write("config/settings.py", &text);
    client.commit("settings");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(p.accepted(), "{}", p.text);
    assert!(
        p.text.contains("let through by inline rolecall:allow"),
        "{}",
        p.text
    );
    assert!(p.text.contains("config/settings.py:1"), "{}", p.text);
    let audit = server.audit();
    assert!(audit.contains("\"allowed_inline\""), "{audit}");
    assert!(audit.contains("config/settings.py"), "{audit}");
    let s: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&p.text, &s);
    assert_no_secret(&audit, &s);
}

#[test]
fn issue_9_one_marker_on_a_minified_line_covers_only_its_own_finding() {
    let server = Server::new();
    server.config_with_audit("inline_allow = true");
    let client = client_with_base(&server);
    let a = FakeKeys::new(943).pair();
    let b = FakeKeys::new(944).pair();
    let line = format!(
        "{{\"aws_access_key_id\":\"{}\",\"aws_secret_access_key\":\"{}\"}} /* rolecall:allow */ \
         {{\"aws_access_key_id\":\"{}\",\"aws_secret_access_key\":\"{}\"}}\n",
        a.key_id, a.secret, b.key_id, b.secret
    );
    client.write("static/app.min.js", &line);
    client.commit("bundle");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(
        p.text.contains("push rejected: 2 AWS credentials"),
        "{}",
        p.text
    );
    assert!(
        p.text.contains("let through by inline rolecall:allow"),
        "{}",
        p.text
    );
    assert_no_secret(&p.text, &[&a.key_id, &a.secret, &b.key_id, &b.secret]);
}
