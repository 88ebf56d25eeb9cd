//! Issue 9, the hook side: the verdict comes first. Once a key is found, a timeout in what
//! follows (the rewrite-tip prediction) never turns a rejection into an acceptance, even with
//! `on_timeout = "allow"`, and the audit log records the finding.

use crate::hook::support::{client_with_base, creds, push, Server};
use crate::util::assert_no_secret;
use rolecall::fake::FakeKeys;

#[test]
fn issue_9_a_found_key_is_rejected_even_when_tip_prediction_runs_past_the_budget() {
    let server = Server::new();
    let client = client_with_base(&server);
    let pair = FakeKeys::new(961).pair();
    client.write("deploy/credentials", creds(&pair));
    client.commit("add credentials");
    for i in 0..150 {
        client.write(&format!("src/m{}.py", i % 7), format!("VALUE = {i}\n"));
        client.commit(&format!("change {i}"));
    }
    server.config_with_audit("on_timeout = \"allow\"\ntime_budget_ms = 1500\n");
    let p = push(client.path(), &server.url(), &["main"]);
    assert!(!p.accepted(), "{}", p.text);
    assert!(p.text.contains("push rejected"), "{}", p.text);
    assert!(!p.text.contains("ACCEPTED UNCHECKED"), "{}", p.text);
    let audit = server.audit();
    assert!(audit.contains("\"blocked\""), "{audit}");
    assert!(audit.contains("deploy/credentials"), "{audit}");
    assert_no_secret(&p.text, &[&pair.key_id, &pair.secret]);
    assert_no_secret(&audit, &[&pair.key_id, &pair.secret]);
}
