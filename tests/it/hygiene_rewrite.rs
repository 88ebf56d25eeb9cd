//! Issue 9, rough edges of `fix --rewrite`: on the first push to an empty server (no upstream, no
//! remote-tracking ref) the default range is the commits no remote has (`HEAD --not --remotes`).

use crate::hook::Server;
use crate::util::{git_in, run, TestRepo};
use rolecall::fake::FakeKeys;

#[test]
fn issue_9_rewrite_defaults_to_commits_no_remote_has_on_a_first_push() {
    let server = Server::without_hook();
    let client = TestRepo::new();
    client.write("README.md", "# service\n");
    client.commit("initial import");
    let pair = FakeKeys::new(9_401).pair();
    client.write(
        "src/settings.py",
        format!(
            "import boto3\ns3 = boto3.client(\"s3\", aws_access_key_id=\"{}\", aws_secret_access_key=\"{}\")\n",
            pair.key_id, pair.secret
        ),
    );
    client.commit("add settings");
    client.git(&["remote", "add", "origin", &server.url()]);

    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    crate::util::assert_no_secret(&out, &[&pair.secret]);
    crate::util::assert_no_secret(&err, &[&pair.secret]);
    let (code, out, err) =
        run(client
            .rolecall()
            .args(["scan", "--no-progress", "--range", "HEAD"]));
    assert_eq!(code, 0, "the rewritten branch is clean: {out}{err}");

    // With a remote-tracking ref, the commits it has are left alone.
    let push = git_in(client.path(), &["push", "-q", "origin", "main"], &[]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    let before = client.rev_parse("HEAD");
    client.write("docs.md", "docs\n");
    client.commit("docs");
    let (code, out, err) = run(client.rolecall().args(["fix", "--rewrite"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        client.rev_parse("HEAD~1"),
        before,
        "pushed commits kept: {out}"
    );
}
