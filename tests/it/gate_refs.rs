//! Issue 9, the hook side: ref handling is linear (timing: `benches/hook-refs.sh`), and
//! malformed stdin gets a clear error and a reject.

use crate::hook::support::{hook_direct, Server};

#[test]
fn issue_9_malformed_stdin_is_rejected_with_a_clear_error() {
    let server = Server::new();
    let quarantine = tempfile::tempdir().unwrap();
    let q = quarantine.path().to_str().unwrap();
    let zero = "0".repeat(40);
    let id = "1234567890abcdef1234567890abcdef12345678";
    for (stdin, says) in [
        (format!("{zero} {id}\n"), "line 1: 2 space-separated fields"),
        (format!("{zero} {id} main\n"), "not a full ref name"),
        (
            format!("{zero} xyz refs/heads/a\n"),
            "not 40 hexadecimal digits",
        ),
        ("\n".to_string(), "no `<old> <new> <ref>` line"),
    ] {
        let (code, text) = hook_direct(&server, stdin.as_bytes(), &[("GIT_QUARANTINE_PATH", q)]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains(says), "{says}: {text}");
        assert!(text.contains("on_error"), "{text}");
    }
}

#[test]
fn issue_9_a_duplicate_among_100k_ref_lines_is_named_by_line() {
    let server = Server::new();
    let quarantine = tempfile::tempdir().unwrap();
    let zero = "0".repeat(40);
    let id = "1234567890abcdef1234567890abcdef12345678";
    let mut stdin = String::new();
    for i in 0..100_000 {
        stdin.push_str(&format!("{zero} {id} refs/tags/r{i}\n"));
    }
    let (code, text) = hook_direct(
        &server,
        stdin.as_bytes(),
        &[("GIT_QUARANTINE_PATH", quarantine.path().to_str().unwrap())],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("accepted 100000 ref update(s)"), "{text}");
    stdin.push_str(&format!("{zero} {id} refs/tags/r7\n"));
    let (code, text) = hook_direct(
        &server,
        stdin.as_bytes(),
        &[("GIT_QUARANTINE_PATH", quarantine.path().to_str().unwrap())],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("line 100001: ref refs/tags/r7 is updated twice"),
        "{text}"
    );
}
