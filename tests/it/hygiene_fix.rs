//! Issue 9: `fix --write` never writes outside the work tree (a symbolic link pointing out of the
//! repository is refused, nothing is written), and `fix` neutralises control characters in what
//! it prints.

use crate::util::{run, TestRepo};
use rolecall::fake::FakeKeys;

fn leaking_source(seed: u64) -> String {
    let pair = FakeKeys::new(seed).pair();
    format!(
        "import boto3\ns3 = boto3.client('s3', aws_access_key_id=\"{}\", aws_secret_access_key=\"{}\")\n",
        pair.key_id, pair.secret
    )
}

#[test]
fn issue_9_fix_write_refuses_a_symlink_out_of_the_work_tree() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("settings.py");
    let text = leaking_source(9_301);
    std::fs::write(&target, &text).unwrap();
    let repo = TestRepo::new();
    repo.write("README.md", "hi\n");
    std::os::unix::fs::symlink(&target, repo.path().join("settings.py")).unwrap();
    repo.commit("link");

    let (code, _, err) = run(repo.rolecall().args(["fix", "--write", "settings.py"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refusing to write"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
    // A folder walk does not follow the link either.
    let (_, _, err) = run(repo.rolecall().args(["fix", "--write"]));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text, "{err}");

    // Inside the work tree a link is followed as before.
    repo.write("real/app.py", leaking_source(9_302));
    std::os::unix::fs::symlink("real/app.py", repo.path().join("app.py")).unwrap();
    let (code, _, err) = run(repo.rolecall().args(["fix", "--write", "app.py"]));
    assert_eq!(code, 0, "{err}");
    assert!(!repo.read("real/app.py").contains("aws_secret_access_key="));
}

#[test]
fn issue_9_fix_messages_neutralise_control_characters_in_file_names() {
    let repo = TestRepo::new();
    let name = "evil\x1b]0;owned\x07\x1b[2J.py";
    // A spot that needs a hand (a key ID with no usable client call) names the file on stderr.
    let key = FakeKeys::new(9_303).key_id("AKIA");
    repo.write(name, format!("KEY_ID = \"{key}\"\nprint(KEY_ID)\n"));
    repo.commit("odd name");
    let (_, out, err) = run(repo.rolecall().arg("fix"));
    assert!(err.contains("evil\\x1b]0;owned\\x07"), "{err:?}");
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(!out.contains('\x07'), "{out:?}");
}
