//! Sharded fleet scans and `rolecall merge` through the real binary: shards are disjoint, their
//! union equals the unsharded run, and merging their JSON gives the unsharded report; the HTML
//! page is self-contained and escapes what repositories put in it.

use crate::fleetutil::*;
use crate::util::{rolecall_cmd, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Runs every shard of `count` with JSON output into files; returns their paths and documents.
fn run_shards(fleet: &Fleet, count: u32) -> Vec<(PathBuf, Value)> {
    (1..=count)
        .map(|i| {
            let out = fleet.dir.path().join(format!("shard-{i}.json"));
            let (code, stdout, stderr) = run(rolecall_cmd().args([
                "scan",
                "--repos",
                fleet.root().to_str().unwrap(),
                "--shard",
                &format!("{i}/{count}"),
                "--format",
                "json",
                "-o",
                out.to_str().unwrap(),
            ]));
            assert!(stdout.is_empty());
            assert!((0..=2).contains(&code), "{stderr}");
            let doc = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            (out, doc)
        })
        .collect()
}

fn merge(inputs: &[PathBuf], format: &str) -> (i32, String, String) {
    let mut cmd = rolecall_cmd();
    cmd.args(["merge", "--format", format]).args(inputs);
    run(&mut cmd)
}

fn repos_of(doc: &Value) -> BTreeSet<String> {
    findings(doc)
        .iter()
        .map(|f| f["repo"].as_str().unwrap().to_string())
        .chain(
            skipped_names(doc)
                .into_iter()
                .map(|s| s.split(": ").next().unwrap().to_string()),
        )
        .collect()
}

#[test]
fn issue13_shards_together_equal_the_unsharded_run() {
    let fleet = standard_fleet();
    let (code, whole, _) = fleet.scan(&[]);
    assert_eq!(code, 2);
    for count in [1, 3, 4] {
        let shards = run_shards(&fleet, count);
        // Disjoint: no repository is in two shards; together they hold every repository.
        let mut seen = BTreeSet::new();
        let mut repos = 0;
        for (_, doc) in &shards {
            for repo in repos_of(doc) {
                assert!(seen.insert(repo.clone()), "{repo} in two shards of {count}");
            }
            repos += stat(doc, "repos");
        }
        assert_eq!(repos, stat(&whole, "repos"), "shards of {count}");
        assert_eq!(seen, repos_of(&whole));
        // The union of their findings is the unsharded run's.
        let mut union: Vec<String> = shards.iter().flat_map(|(_, d)| finding_set(d)).collect();
        union.sort();
        assert_eq!(union, finding_set(&whole), "shards of {count}");
        let blobs: u64 = shards.iter().map(|(_, d)| stat(d, "blobs_scanned")).sum();
        assert_eq!(blobs, stat(&whole, "blobs_scanned"));
        // Merging them gives the unsharded report: same findings in the same order, same
        // skipped items, same summary, same counters (but time).
        let paths: Vec<PathBuf> = shards.iter().map(|(p, _)| p.clone()).collect();
        let (code, out, err) = merge(&paths, "json");
        assert_eq!(code, 2, "{err}");
        let merged: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(merged["findings"], whole["findings"], "shards of {count}");
        assert_eq!(merged["skipped"], whole["skipped"]);
        assert_eq!(merged["summary"], whole["summary"]);
        for counter in [
            "objects",
            "blobs",
            "messages",
            "bytes",
            "repos",
            "repos_skipped",
        ] {
            assert_eq!(stat(&merged, counter), stat(&whole, counter), "{counter}");
        }
    }
}

#[test]
fn issue13_merge_deduplicates_sorts_and_writes_any_format() {
    let fleet = standard_fleet();
    let shards = run_shards(&fleet, 2);
    let paths: Vec<PathBuf> = shards.iter().map(|(p, _)| p.clone()).collect();
    let (_, once, _) = merge(&paths, "json");
    // The same report twice, in another order: nothing doubles, the order is the same.
    let twice: Vec<PathBuf> = paths.iter().rev().chain(paths.iter()).cloned().collect();
    let (code, again, _) = merge(&twice, "json");
    assert_eq!(code, 2);
    let (a, b): (Value, Value) = (
        serde_json::from_str(&once).unwrap(),
        serde_json::from_str(&again).unwrap(),
    );
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(a["skipped"], b["skipped"]);
    for format in ["sarif", "jsonl", "human", "html", "junit", "github"] {
        let (code, out, err) = merge(&paths, format);
        assert_eq!(code, 2, "{format}: {err}");
        assert!(out.contains("AKIA…"), "{format}: {out}");
        for s in &fleet.secrets {
            assert!(!out.contains(s.as_str()), "{format}: a whole secret");
        }
    }
    let (_, sarif, _) = merge(&paths, "sarif");
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings(&a).len());
    assert!(results
        .iter()
        .all(|r| r["properties"]["repo"].as_str().is_some()));
}

#[test]
fn issue13_merge_rejects_what_is_not_a_json_report() {
    let fleet = Fleet::empty();
    let bad = fleet.dir.path().join("bad.json");
    write(&bad, "{\"findings\": 3}");
    let (code, _, err) = merge(std::slice::from_ref(&bad), "json");
    assert_eq!(code, 2);
    assert!(err.contains("not a rolecall JSON report"), "{err}");
    write(&bad, "{\"version\": 9, \"findings\": [], \"stats\": {\"objects\": 0, \"blobs\": 0, \"messages\": 0, \"bytes\": 0, \"suppressed\": 0, \"seconds\": 0}, \"skipped\": []}");
    let (code, _, err) = merge(&[bad], "json");
    assert_eq!(code, 2);
    assert!(err.contains("version 9"), "{err}");
    let (code, _, err) = run(rolecall_cmd().args(["merge"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn issue13_html_page_is_self_contained_and_escapes_repository_text() {
    let mut fleet = standard_fleet();
    // A repository whose path, author, subject and file names are hostile markup.
    let hostile = "evil/<script>alert(1)<script>/x.git";
    let key = fleet.key_id(210_987_654_321);
    let pair = fleet.pair();
    fleet.bare(
        hostile,
        &[(
            "<img src=x onerror=alert(2)>.env",
            format!(
                "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nOTHER={key}\n",
                pair.key_id, pair.secret
            ),
        )],
        "</td></tr><script>alert(3)</script>",
    );
    let out = fleet.dir.path().join("fleet.html");
    let (code, stdout, err) = run(rolecall_cmd().args([
        "scan",
        "--repos",
        fleet.root().to_str().unwrap(),
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty());
    let page = std::fs::read_to_string(&out).unwrap();
    for s in &fleet.secrets {
        assert!(!page.contains(s.as_str()), "a whole secret in the page");
    }
    // Self-contained: no external resource of any kind, a policy that forbids them.
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    for external in [
        "http://", "https://", "//cdn", "src=\"", "href=\"", "@import", "url(",
    ] {
        assert!(!page.contains(external), "external reference {external}");
    }
    assert!(page.contains("default-src 'none'"));
    // Escaped: the page's own script is the only script, hostile text shows as text.
    assert_eq!(page.matches("<script").count(), 1, "one script element");
    assert!(!page.contains("<img"));
    assert!(page.contains("evil/&lt;script&gt;alert(1)&lt;script&gt;/x.git"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;.env"));
    assert!(page.contains("&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
    // Structure: the sections, one row per credential to rotate, one per finding.
    for id in [
        "overview", "keys", "accounts", "repos", "timeline", "findings", "skipped",
    ] {
        assert!(
            page.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    let (_, json, _) = fleet.scan(&[]);
    let table = |id: &str| {
        let start = page.find(&format!("<section id=\"{id}\">")).unwrap();
        let end = start + page[start..].find("</section>").unwrap();
        page[start..end].matches("<tr>").count() - 1
    };
    assert_eq!(
        table("keys"),
        json["summary"]["keys"].as_array().unwrap().len()
    );
    assert_eq!(table("findings"), findings(&json).len());
    assert_eq!(
        table("repos"),
        json["summary"]["repos"].as_array().unwrap().len()
    );
    assert!(page.contains("<svg"), "the timeline chart");
    assert_eq!(
        page.matches("<li><b>").count(),
        json["summary"]["keys"].as_array().unwrap().len(),
        "one timeline entry per credential"
    );
}
