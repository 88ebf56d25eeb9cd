//! Fleet scans end to end through the real binary on real repositories in server layouts:
//! `scan --repos`, `--repos-from`, exit codes, unreadable repositories, the summary, and the
//! library's chunked scheduling against whole-repository scans.

use crate::fleetutil::*;
use crate::util::{rolecall_cmd, run};
use rolecall::detect::Detector;
use rolecall::scan::fleet::{discover, scan_fleet, FleetOptions};
use rolecall::scan::ScanOptions;
use std::collections::BTreeMap;

fn expected_kinds() -> BTreeMap<String, Vec<String>> {
    let pair = || vec!["access_key_id".to_string(), "secret_access_key".to_string()];
    let one = |k: &str| vec![k.to_string()];
    BTreeMap::from([
        (PAYMENTS.to_string(), pair()),
        (GITLAB_PROJECT.to_string(), pair()),
        (GITLAB_WIKI.to_string(), one("access_key_id")),
        (GITEA_API.to_string(), one("access_key_id")),
        (GITEA_WEB.to_string(), one("session_token")),
        (WORK_TREE.to_string(), pair()),
        (DEEP.to_string(), one("access_key_id")),
    ])
}

#[test]
fn issue13_fleet_scan_names_every_repository_and_reports_unreadable_ones() {
    let fleet = standard_fleet();
    let (code, doc, stderr) = fleet.scan(&[]);
    assert_eq!(kinds_by_repo(&doc), expected_kinds(), "{doc:#}");
    // Two broken repositories: the run goes on, and ends with exit 2 (incomplete).
    assert_eq!(code, 2, "{stderr}");
    let skipped = skipped_names(&doc);
    assert!(skipped.contains(&NOT_A_REPO.to_string()), "{skipped:?}");
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with(&format!("{CORRUPT}: "))),
        "the corrupt blob is named with its repository: {skipped:?}"
    );
    // Eleven repositories: the nested one inside the work tree and the loop are not repositories
    // of the fleet.
    assert_eq!(stat(&doc, "repos"), 11, "{}", doc["stats"]);
    assert_eq!(stat(&doc, "repos_skipped"), 1);
    assert!(stat(&doc, "blobs_scanned") >= 12);
    assert!(!doc.to_string().contains("vendor/inner"));
    // Findings are attributed inside their repository.
    let gitlab: Vec<_> = findings(&doc)
        .iter()
        .filter(|f| f["repo"] == GITLAB_PROJECT)
        .collect();
    assert_eq!(gitlab[0]["path"], "deploy/env");
    assert_eq!(gitlab[0]["severity"], "critical");
    let message = findings(&doc)
        .iter()
        .find(|f| f["repo"] == GITEA_API)
        .unwrap();
    assert_eq!(message["source"], "commit-message");
}

#[test]
fn issue13_the_summary_counts_one_rotation_per_key_with_its_account() {
    let fleet = standard_fleet();
    let (_, doc, _) = fleet.scan(&[]);
    let keys = doc["summary"]["keys"].as_array().unwrap();
    // Shared pair, wiki key, message key, token, work-tree pair, deep key.
    assert_eq!(keys.len(), 6, "{:#}", doc["summary"]);
    let shared = &keys[0];
    assert_eq!(shared["severity"], "critical");
    assert_eq!(shared["with_secret"], true);
    assert_eq!(
        shared["repos"],
        serde_json::json!([GITLAB_PROJECT, PAYMENTS]),
        "{shared:#}"
    );
    assert_eq!(shared["findings"], 4);
    // Accounts: the default one (the shared pair, the work-tree pair, the message key and the
    // deep key), the wiki key's, and none for the session token.
    let accounts = doc["summary"]["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3, "{accounts:#?}");
    let default = accounts
        .iter()
        .find(|a| a["account_id"] == "210987654321")
        .unwrap();
    assert_eq!(
        (default["keys"].as_u64(), default["usable"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(default["repos"], 5);
    let wiki = accounts
        .iter()
        .find(|a| a["account_id"].as_str() == Some(&*format!("{WIKI_ACCOUNT:012}")))
        .unwrap();
    assert_eq!(
        (wiki["keys"].as_u64(), wiki["repos"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(accounts.iter().any(|a| a["account_id"].is_null()));
    let repos = doc["summary"]["repos"].as_array().unwrap();
    assert_eq!(repos.len(), 7);
    assert!(repos[0]["critical"].as_u64().unwrap() >= 2);
}

#[test]
fn issue13_human_output_names_repositories_and_sums_up_the_fleet() {
    let fleet = standard_fleet();
    let root = fleet.root();
    let (code, out, _) = run(rolecall_cmd().args([
        "scan",
        "--repos",
        root.to_str().unwrap(),
        "--color",
        "never",
    ]));
    assert_eq!(code, 2);
    assert!(
        out.contains(&format!("{PAYMENTS}: config/prod.ini:2:")),
        "{out}"
    );
    assert!(out.contains("Credentials to rotate (6):"), "{out}");
    assert!(out.contains("in 2 repositories since"), "{out}");
    assert!(
        out.contains("Repositories: 11 (10 read, 0 unchanged"),
        "{out}"
    );
    for s in &fleet.secrets {
        assert!(!out.contains(s.as_str()));
    }
}

#[test]
fn issue13_exit_codes_of_a_fleet() {
    let mut fleet = Fleet::empty();
    fleet.bare("a.git", &[("a.txt", "a\n".into())], "a");
    fleet.bare("b/c.git", &[("c.txt", "c\n".into())], "c");
    let (code, doc, _) = fleet.scan(&[]);
    assert_eq!((code, findings(&doc).len()), (0, 0), "a clean fleet");
    let key = fleet.key_id(210_987_654_321);
    fleet.commit_and_push("b/c.git", &[("k.py", format!("KEY = \"{key}\"\n"))], "key");
    let (code, doc, _) = fleet.scan(&[]);
    assert_eq!((code, findings(&doc).len()), (1, 1), "findings");
    let (code, _, _) = fleet.scan(&["--fail-on", "critical"]);
    assert_eq!(code, 0, "a lone key ID is medium");
    std::fs::create_dir_all(fleet.path("zz/broken.git")).unwrap();
    let (code, doc, _) = fleet.scan(&[]);
    assert_eq!(
        code, 2,
        "an unreadable repository outranks findings in a fleet"
    );
    assert_eq!(findings(&doc).len(), 1);
}

#[test]
fn issue13_repos_from_names_repositories_as_listed() {
    let fleet = standard_fleet();
    let list = fleet.dir.path().join("repos.txt");
    let text = format!(
        "# two of them\n{}\n\n{}\n{}\n",
        fleet.path(PAYMENTS).display(),
        fleet.path(TOOLS).display(),
        fleet.path(PAYMENTS).display(),
    );
    write(&list, &text);
    let (code, out, err) = run(rolecall_cmd().args([
        "scan",
        "--repos-from",
        list.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stat(&doc, "repos"), 2);
    let payments = fleet.path(PAYMENTS).display().to_string();
    assert!(findings(&doc)
        .iter()
        .all(|f| f["repo"] == payments.as_str()));
    assert_eq!(findings(&doc).len(), 2);
}

#[test]
fn issue13_bad_fleet_arguments_are_clear_errors() {
    let fleet = Fleet::empty();
    std::fs::create_dir_all(fleet.root()).unwrap();
    let root = fleet.root();
    let missing = fleet.dir.path().join("missing");
    let (code, _, err) = run(rolecall_cmd().args(["scan", "--repos", missing.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(err.contains("missing"), "{err}");
    let (code, _, err) =
        run(rolecall_cmd().args(["scan", "--repos", root.to_str().unwrap(), "--shard", "5/4"]));
    assert_eq!(code, 2);
    assert!(err.contains("I/N"), "{err}");
    let (code, _, err) = run(rolecall_cmd().args(["scan", "--state", "x", "."]));
    assert_eq!(code, 2);
    assert!(err.contains("--repos"), "{err}");
}

/// Big repositories are split into chunks spread over the pool; the result must be the same
/// as reading each repository in one piece.
#[test]
fn issue13_chunked_repositories_give_the_same_findings() {
    let fleet = standard_fleet();
    let repos = discover(&fleet.root()).unwrap().repos;
    let scan = |chunk: usize| {
        let opts = FleetOptions {
            scan: ScanOptions {
                threads: 3,
                ..ScanOptions::default()
            },
            chunk,
            ..FleetOptions::default()
        };
        scan_fleet(&repos, &Detector::builtin(), &opts).unwrap()
    };
    let whole = scan(1 << 20);
    let chunked = scan(2);
    assert_eq!(chunked.findings, whole.findings);
    assert_eq!(chunked.skipped, whole.skipped);
    assert_eq!(chunked.stats.blobs, whole.stats.blobs);
    assert_eq!(chunked.stats.messages, whole.stats.messages);
    assert!(!whole.findings.is_empty());
}

/// A fleet scan runs as its own user over repositories owned by the git server's user; libgit2's
/// ownership check (git's `safe.directory`) must not make every repository unreadable. Where the
/// test runs as root (CI), the repositories are handed to another user first.
#[test]
fn issue13_repositories_owned_by_another_user_are_scanned() {
    use std::os::unix::fs::MetadataExt;
    let fleet = standard_fleet();
    std::fs::remove_dir_all(fleet.path(NOT_A_REPO)).unwrap();
    std::fs::remove_dir_all(fleet.path(CORRUPT)).unwrap();
    let root_user = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    if root_user {
        let out = std::process::Command::new("chown")
            .args(["-R", "12345:12345", fleet.root().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success());
        let owner = std::fs::metadata(fleet.path(PAYMENTS)).unwrap().uid();
        assert_eq!(owner, 12345);
    }
    let (code, doc, err) = fleet.scan(&[]);
    assert_eq!(code, 1, "{err}");
    assert!(skipped_names(&doc).is_empty(), "{}", doc["skipped"]);
    assert_eq!(kinds_by_repo(&doc), expected_kinds());
}

#[test]
fn issue13_repos_from_standard_input_and_list_repos() {
    let fleet = standard_fleet();
    let root = fleet.root();
    // --list-repos: the names a run would scan, after --shard, and nothing scanned.
    let (code, listed, _) =
        run(rolecall_cmd().args(["scan", "--repos", root.to_str().unwrap(), "--list-repos"]));
    assert_eq!(code, 0);
    let names: Vec<&str> = listed.lines().collect();
    assert_eq!(names.len(), 11);
    assert!(names.contains(&GITLAB_WIKI) && !listed.contains("vendor/inner"));
    let mut sharded = 0;
    for i in 1..=3 {
        let (_, part, _) = run(rolecall_cmd().args([
            "scan",
            "--repos",
            root.to_str().unwrap(),
            "--shard",
            &format!("{i}/3"),
            "--list-repos",
        ]));
        sharded += part.lines().count();
    }
    assert_eq!(sharded, 11);
    // --repos-from -: the list on standard input, paths relative to the working directory.
    let list: String = [PAYMENTS, DEEP]
        .iter()
        .map(|n| format!("fleet/{n}\n"))
        .collect();
    let mut child = rolecall_cmd()
        .current_dir(fleet.dir.path())
        .args(["scan", "--repos-from", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let repos: std::collections::BTreeSet<&str> = findings(&doc)
        .iter()
        .map(|f| f["repo"].as_str().unwrap())
        .collect();
    let expected: std::collections::BTreeSet<String> = [PAYMENTS, DEEP]
        .iter()
        .map(|n| format!("fleet/{n}"))
        .collect();
    assert_eq!(
        repos,
        expected.iter().map(String::as_str).collect(),
        "{doc:#}"
    );
}
