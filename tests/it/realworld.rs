//! The real-world corpus of issue 11: files cut from public repositories, as users bring them to
//! `rolecall fix`, with the keys replaced by placeholders (`{AKIA}`, `{SECRET}`, … — generated
//! at run time, so no key sits in this tree). Each case is a folder under
//! `tests/data/realworld/`:
//!
//! - `source/<path>`: the file at its path in the repository it came from (the path picks the
//!   rewriter);
//! - `ORIGIN`: where it was cut from (repository URL and path) and what was changed;
//! - exactly one verdict:
//!   - `expected`: the patched file a reviewer would merge (placeholders for any value that
//!     stays), which rolecall must produce byte for byte;
//!   - `manual`: a substring of the reason rolecall must give for leaving the file (or its only
//!     spot) to a human — for files that must stay untouched (LocalStack, MinIO, DynamoDB-local)
//!     or spots no safe rewrite exists for;
//!   - `miss`: what a reviewer would merge but rolecall does not produce yet, with why. The case
//!     still runs: whatever rolecall does must apply, parse and leave no key behind.
//!
//! Every case runs the whole loop (commit, fix, real `git apply`, rescan, in-process parse
//! check; the real compiler in the conformance tier via `fix_<lang>` tests). The summary line
//! gives the share of key-holding files that get the patch a reviewer would merge.

use crate::fixutil::prepare;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One case folder.
struct Case {
    name: String,
    path: String,
    template: String,
    verdict: Verdict,
}

enum Verdict {
    Expected(String),
    Manual(String),
    Miss(String),
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/realworld")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn load_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let Ok(entries) = std::fs::read_dir(corpus_root()) else {
        return cases;
    };
    let mut dirs: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let sources = files_under(&dir.join("source"));
        assert_eq!(
            sources.len(),
            1,
            "{name}: source/ must hold exactly one file"
        );
        let path = sources[0]
            .strip_prefix(dir.join("source"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            dir.join("ORIGIN").is_file(),
            "{name}: ORIGIN (where the file was cut from) is missing"
        );
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
        let verdict = match (read("expected"), read("manual"), read("miss")) {
            (Some(e), None, None) => Verdict::Expected(e),
            (None, Some(m), None) => Verdict::Manual(m.trim().to_string()),
            (None, None, Some(why)) => Verdict::Miss(why),
            _ => panic!("{name}: give exactly one of expected, manual, miss"),
        };
        cases.push(Case {
            name,
            template: std::fs::read_to_string(&sources[0]).unwrap(),
            path,
            verdict,
        });
    }
    cases
}

/// The language a case counts under in the summary (its folder name up to the first `-`).
fn language(case: &Case) -> &str {
    case.name.split('-').next().unwrap_or("other")
}

#[derive(Default)]
struct Tally {
    files: usize,
    merged: usize,
    untouched_as_required: usize,
    misses: usize,
}

#[test]
fn issue11_real_world_files_get_the_patch_a_reviewer_would_merge() {
    let cases = load_cases();
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let fixed = prepare(&case.path, &case.template, 1000 + i as u64);
        if fixed.fix.new.is_some() {
            fixed.assert_parses_in_process();
        }
        let t = tally.entry(language(case).to_string()).or_default();
        t.files += 1;
        match &case.verdict {
            Verdict::Expected(want) => {
                let got = fixed.safe_patched();
                if fixed.fix.new.is_some() && &got == want {
                    t.merged += 1;
                } else {
                    failures.push(format!(
                        "{}: not the reviewer's patch (manual: {:?})\n--- got\n{got}\n--- want\n{want}",
                        case.name, fixed.fix.manual
                    ));
                }
            }
            Verdict::Manual(reason) => {
                let untouched = fixed.fix.new.is_none();
                let said = fixed.fix.manual.iter().any(|m| m.reason.contains(reason));
                if untouched && said {
                    t.untouched_as_required += 1;
                } else {
                    failures.push(format!(
                        "{}: must stay untouched, saying {reason:?}; got rewrite: {}, manual: {:?}",
                        case.name, !untouched, fixed.fix.manual
                    ));
                }
            }
            Verdict::Miss(why) => {
                t.misses += 1;
                eprintln!("{}: known miss: {why}", case.name);
            }
        }
    }
    let mut lines = Vec::new();
    let (mut files, mut merged, mut keyed) = (0, 0, 0);
    for (lang, t) in &tally {
        let with_keys = t.files - t.untouched_as_required;
        lines.push(format!(
            "{lang}: {} files, {}/{} merged, {} untouched as required, {} misses",
            t.files, t.merged, with_keys, t.untouched_as_required, t.misses
        ));
        files += t.files;
        merged += t.merged;
        keyed += with_keys;
    }
    eprintln!(
        "real-world corpus: {files} files; {merged}/{keyed} key-holding files get the reviewer's patch\n{}",
        lines.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
