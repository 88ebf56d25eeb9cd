//! Incremental fleet scans (`--state DIR`) through the real binary: a rerun reads only what was
//! added (asserted through the report's counters, never through time), finds a new leak, keeps
//! reporting the open findings as known, rescans everything when the rules change, survives a
//! repack, closes findings whose objects were pruned, and survives damaged state and a killed
//! run.

use crate::fleetutil::*;
use crate::util::rolecall_cmd;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn state_dir(fleet: &Fleet) -> PathBuf {
    fleet.dir.path().join("state")
}

fn scan_with_state(fleet: &Fleet) -> (i32, Value) {
    let state = state_dir(fleet);
    let (code, doc, stderr) = fleet.scan(&["--state", state.to_str().unwrap()]);
    assert!(code == 1 || code == 2, "{code}: {stderr}");
    (code, doc)
}

fn state_files(fleet: &Fleet) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(state_dir(fleet).join("repos"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn all_known(doc: &Value) -> bool {
    findings(doc).iter().all(|f| f["known"] == true)
}

/// The fleet without its two broken repositories, so that a rerun has exactly nothing to read.
fn sound_fleet() -> Fleet {
    let fleet = standard_fleet();
    std::fs::remove_dir_all(fleet.path(NOT_A_REPO)).unwrap();
    std::fs::remove_dir_all(fleet.path(CORRUPT)).unwrap();
    fleet
}

#[test]
fn issue13_rerun_with_nothing_new_reads_nothing() {
    let fleet = sound_fleet();
    let (_, first) = scan_with_state(&fleet);
    assert_eq!(stat(&first, "repos_scanned"), 9);
    assert!(stat(&first, "blobs_scanned") >= 10);
    assert!(!all_known(&first), "a first run reports nothing as known");
    assert_eq!(state_files(&fleet).len(), 9);
    let (code, second) = scan_with_state(&fleet);
    assert_eq!(code, 1);
    assert_eq!(stat(&second, "objects"), 0, "{}", second["stats"]);
    assert_eq!(stat(&second, "blobs_scanned"), 0);
    assert_eq!(stat(&second, "repos_unchanged"), 9);
    assert_eq!(stat(&second, "repos_scanned"), 0);
    assert_eq!(stat(&second, "objects_known"), stat(&first, "objects"));
    assert_eq!(finding_set(&second), finding_set(&first));
    assert!(
        all_known(&second),
        "open findings of earlier runs are known"
    );
    assert_eq!(second["summary"], {
        let mut s = first["summary"].clone();
        for k in s["keys"].as_array_mut().unwrap() {
            k["new"] = 0.into();
        }
        for r in s["repos"].as_array_mut().unwrap() {
            r["new"] = 0.into();
        }
        s
    });
}

#[test]
fn issue13_an_unreadable_object_is_read_again_and_still_reported() {
    let fleet = standard_fleet();
    let (first_code, first) = scan_with_state(&fleet);
    let (code, second) = scan_with_state(&fleet);
    assert_eq!((first_code, code), (2, 2), "still incomplete");
    assert_eq!(skipped_names(&second), skipped_names(&first));
    // Only the corrupt blob is read again; it is no blob the detector saw.
    assert_eq!(stat(&second, "objects"), 1);
    assert_eq!(stat(&second, "blobs_scanned"), 0);
    assert_eq!(stat(&second, "repos_scanned"), 1);
    assert_eq!(finding_set(&second), finding_set(&first));
}

#[test]
fn issue13_rerun_finds_one_new_leaking_commit() {
    let mut fleet = sound_fleet();
    let (_, first) = scan_with_state(&fleet);
    let key = fleet.key_id(210_987_654_321);
    let commit = fleet.commit_and_push(
        GITEA_WEB,
        &[(
            "deploy/s3.py",
            format!("s3 = boto3.client('s3', aws_access_key_id='{key}')\n"),
        )],
        "upload reports",
    );
    let (_, second) = scan_with_state(&fleet);
    // One commit, one tree per folder level, one blob: that is all that was read.
    assert_eq!(stat(&second, "blobs_scanned"), 1, "{}", second["stats"]);
    assert_eq!(stat(&second, "objects"), 4);
    assert_eq!(stat(&second, "repos_scanned"), 1);
    let new: Vec<&Value> = findings(&second)
        .iter()
        .filter(|f| f["known"] != true)
        .collect();
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(new[0]["repo"], GITEA_WEB);
    assert_eq!(new[0]["path"], "deploy/s3.py");
    assert_eq!(new[0]["commit"], commit.as_str());
    assert_eq!(findings(&second).len(), findings(&first).len() + 1);
    // And the run after that knows it too.
    let (_, third) = scan_with_state(&fleet);
    assert!(all_known(&third));
    assert_eq!(stat(&third, "blobs_scanned"), 0);
}

#[test]
fn issue13_a_rules_version_change_rescans_everything() {
    let fleet = sound_fleet();
    let (_, first) = scan_with_state(&fleet);
    // State written by another rolecall (other rules): every repository is read again.
    for file in state_files(&fleet) {
        let mut state: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert!(state["rules"].as_str().unwrap().contains("+rules."));
        state["rules"] = "0.0.1+rules.0000000000000000".into();
        std::fs::write(&file, state.to_string()).unwrap();
    }
    let (_, second) = scan_with_state(&fleet);
    assert_eq!(
        stat(&second, "blobs_scanned"),
        stat(&first, "blobs_scanned")
    );
    assert_eq!(stat(&second, "objects"), stat(&first, "objects"));
    assert_eq!(stat(&second, "objects_known"), 0);
    assert_eq!(finding_set(&second), finding_set(&first));
    assert!(all_known(&second), "findings reported before stay known");
    let (_, third) = scan_with_state(&fleet);
    assert_eq!(
        stat(&third, "blobs_scanned"),
        0,
        "the new version was recorded"
    );
}

#[test]
fn issue13_a_repack_loses_no_finding_and_rereads_nothing_old() {
    let mut fleet = sound_fleet();
    let (_, first) = scan_with_state(&fleet);
    // A new leak arrives (loose objects), then every repository is repacked: old objects move
    // into new packs with the new one.
    let key = fleet.key_id(210_987_654_321);
    fleet.commit_and_push(
        TOOLS,
        &[("ci.sh", format!("export AWS_ACCESS_KEY_ID={key}\n"))],
        "ci",
    );
    let names: Vec<String> = fleet.sources.keys().cloned().collect();
    let bare = names
        .iter()
        .filter(|n| n.as_str() != WORK_TREE && fleet.path(n).exists());
    for name in bare {
        fleet.git(name, &["repack", "-a", "-d", "-q"]);
        fleet.git(name, &["prune-packed"]);
    }
    fleet.git(WORK_TREE, &["gc", "-q"]);
    let (_, second) = scan_with_state(&fleet);
    assert_eq!(stat(&second, "blobs_scanned"), 1, "{}", second["stats"]);
    // Every store changed but the one that was already a single pack (repacked into the same
    // pack, same checksum).
    assert_eq!(stat(&second, "repos_scanned"), 8, "{}", second["stats"]);
    assert_eq!(stat(&second, "repos_unchanged"), 1);
    let new: Vec<&Value> = findings(&second)
        .iter()
        .filter(|f| f["known"] != true)
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["repo"], TOOLS);
    let got = finding_set(&second);
    assert_eq!(got.len(), findings(&first).len() + 1);
    for f in finding_set(&first) {
        assert!(got.contains(&f), "lost after the repack: {f}");
    }
    let (_, third) = scan_with_state(&fleet);
    assert_eq!(stat(&third, "repos_unchanged"), 9);
}

#[test]
fn issue13_findings_in_pruned_objects_are_closed() {
    let fleet = sound_fleet();
    let (_, first) = scan_with_state(&fleet);
    assert!(findings(&first).iter().any(|f| f["repo"] == DEEP));
    // History is rewritten without the key, then the old objects are pruned on the server.
    let work = &fleet.sources[DEEP];
    work.git(&["reset", "-q", "--hard", "HEAD~1"]);
    work.write(
        "settings.py",
        "AWS_ACCESS_KEY_ID = os.environ['AWS_ACCESS_KEY_ID']\n",
    );
    work.commit("settings from the environment");
    let dest = fleet.path(DEEP);
    let out = work.git_env(
        &["push", "-q", "-f", dest.to_str().unwrap(), "HEAD:main"],
        &[],
    );
    assert!(out.status.success());
    let (_, still) = scan_with_state(&fleet);
    assert!(
        findings(&still).iter().any(|f| f["repo"] == DEEP),
        "unreachable but stored objects are still served by id: the finding stays open"
    );
    fleet.git(DEEP, &["reflog", "expire", "--expire=now", "--all"]);
    fleet.git(DEEP, &["gc", "-q", "--prune=now"]);
    let (_, after) = scan_with_state(&fleet);
    assert!(
        !findings(&after).iter().any(|f| f["repo"] == DEEP),
        "{:#}",
        after["findings"]
    );
    assert_eq!(findings(&after).len(), findings(&first).len() - 1);
}

#[test]
fn issue13_damaged_state_rescans_only_that_repository() {
    let fleet = sound_fleet();
    let (_, first) = scan_with_state(&fleet);
    let files = state_files(&fleet);
    let victim = &files[0];
    let text = std::fs::read(victim).unwrap();
    std::fs::write(victim, &text[..text.len() / 2]).unwrap();
    // A temporary file left by a crash is ignored.
    std::fs::write(victim.with_file_name(".tmp-crash.json"), b"{\"format\"").unwrap();
    let (_, second) = scan_with_state(&fleet);
    assert_eq!(stat(&second, "repos_scanned"), 1);
    assert_eq!(stat(&second, "repos_unchanged"), 8);
    assert_eq!(finding_set(&second), finding_set(&first));
}

#[test]
fn issue13_a_run_killed_midway_loses_nothing() {
    let fleet = sound_fleet();
    let state = state_dir(&fleet);
    let mut child = rolecall_cmd()
        .args(["scan", "--repos", fleet.root().to_str().unwrap(), "-j", "1"])
        .args(["--format", "json", "--state", state.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while count_json(&state) == 0 && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let _ = child.kill();
    let _ = child.wait();
    let (_, resumed) = scan_with_state(&fleet);
    let (_, full, _) = fleet.scan(&[]);
    assert_eq!(finding_set(&resumed), finding_set(&full));
    assert!(stat(&resumed, "repos_scanned") + stat(&resumed, "repos_unchanged") == 9);
}

fn count_json(state: &Path) -> usize {
    std::fs::read_dir(state.join("repos"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| !e.file_name().to_string_lossy().starts_with('.'))
            })
            .count()
        })
        .unwrap_or(0)
}

#[test]
fn issue13_state_needs_a_folder() {
    let fleet = sound_fleet();
    let file = fleet.dir.path().join("state.json");
    write(&file, "{}");
    let (code, _, err) = crate::util::run(rolecall_cmd().args([
        "scan",
        "--repos",
        fleet.root().to_str().unwrap(),
        "--state",
        file.to_str().unwrap(),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("needs a folder"), "{err}");
}
