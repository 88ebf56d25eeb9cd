//! `rolecall fix --rewrite` speed: a 100-commit unpushed range on top of a 400-file project, with
//! keys in 10 of the commits (added in some, edited in others), on a checked-out branch. Timed
//! end to end through the release binary (plan, rewrite, compare-and-swap, work-tree update,
//! rescan, rotation advice) and through the library without the rescan; the branch is reset
//! between runs. Keys are generated at run time (`rolecall::fake`). Target: under 200 ms.
//!
//! Run: `cargo bench --bench rewrite`.

use rolecall::fake::FakeKeys;
use rolecall::rewrite::{rewrite_range, RewriteOptions};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 11;

fn git(dir: &Path, args: &[&str], env: &[(&str, String)]) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit(dir: &Path, n: i64, msg: &str) {
    git(dir, &["add", "-A"], &[]);
    let date = format!("{} +0000", 1_700_000_000 + n * 60);
    git(
        dir,
        &["commit", "-q", "-m", msg],
        &[
            ("GIT_AUTHOR_DATE", date.clone()),
            ("GIT_COMMITTER_DATE", date),
        ],
    );
}

/// Builds the repository; returns (base, tip).
fn build(dir: &Path) -> (String, String) {
    git(dir, &["init", "-q", "-b", "main"], &[]);
    git(dir, &["config", "user.name", "Bench"], &[]);
    git(dir, &["config", "user.email", "bench@example.com"], &[]);
    for d in 0..20 {
        for f in 0..20 {
            let body: String = (0..40)
                .map(|l| format!("def f_{d}_{f}_{l}(x):\n    return x * {l} + {f}\n"))
                .collect();
            write(dir, &format!("pkg{d}/mod{f}.py"), &body);
        }
    }
    commit(dir, 0, "base");
    let base = git(dir, &["rev-parse", "HEAD"], &[]);
    let mut keys = FakeKeys::new(4242);
    let mut pair = keys.pair();
    for i in 1..=100i64 {
        let d = i % 20;
        let path = format!("pkg{d}/mod{}.py", i % 7);
        let mut text = std::fs::read_to_string(dir.join(&path)).unwrap();
        text.push_str(&format!("\n# change {i}\n"));
        write(dir, &path, &text);
        if i % 10 == 3 {
            if i % 20 == 3 {
                pair = keys.pair();
            }
            // A key added (or edited) in a Python module and in an AWS credentials file.
            write(
                dir,
                &format!("pkg{d}/aws_{i}.py"),
                &format!(
                    "import boto3\n\ns3 = boto3.client(\n    \"s3\",\n    region_name=\"eu-west-{}\",\n    \
                     aws_access_key_id=\"{}\",\n    aws_secret_access_key=\"{}\",\n)\n",
                    1 + i % 3,
                    pair.key_id,
                    pair.secret
                ),
            );
            write(
                dir,
                "deploy/credentials",
                &format!(
                    "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-{}\n",
                    pair.key_id,
                    pair.secret,
                    i % 3
                ),
            );
        }
        commit(dir, i, &format!("change {i}"));
    }
    (base, git(dir, &["rev-parse", "HEAD"], &[]))
}

fn reset(dir: &Path, tip: &str) {
    git(dir, &["reset", "-q", "--hard", tip], &[]);
    let _ = Command::new("git")
        .current_dir(dir)
        .args(["update-ref", "-d", "refs/rolecall/backup/main"])
        .output();
}

fn stats(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (base, tip) = build(dir);
    let range = format!("{base}..main");
    let count = git(dir, &["rev-list", "--count", &range], &[]);
    println!("range: {count} commits on top of 400 files, keys in 10 of them");

    let bin = env!("CARGO_BIN_EXE_rolecall");
    let mut cli = Vec::new();
    let mut new_tip = String::new();
    for _ in 0..RUNS {
        reset(dir, &tip);
        let started = Instant::now();
        let out = Command::new(bin)
            .current_dir(dir)
            .args(["fix", "--rewrite", &range])
            .output()
            .unwrap();
        cli.push(started.elapsed());
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(": clean"), "{stdout}");
        let t = stdout
            .lines()
            .find_map(|l| l.strip_prefix("new tip: "))
            .unwrap()
            .to_string();
        assert!(new_tip.is_empty() || new_tip == t, "not deterministic");
        new_tip = t;
    }
    println!(
        "rolecall fix --rewrite (binary, end to end, with rescan): {}",
        stats(cli)
    );

    let mut dry = Vec::new();
    for _ in 0..RUNS {
        reset(dir, &tip);
        let started = Instant::now();
        let out = Command::new(bin)
            .current_dir(dir)
            .args(["fix", "--rewrite", &range, "--dry-run"])
            .output()
            .unwrap();
        dry.push(started.elapsed());
        assert_eq!(out.status.code(), Some(1));
    }
    println!("rolecall fix --rewrite --dry-run (binary): {}", stats(dry));

    let mut lib = Vec::new();
    for _ in 0..RUNS {
        reset(dir, &tip);
        let repo = git2::Repository::open(dir).unwrap();
        let opts = RewriteOptions {
            dry_run: false,
            skip_rescan: true,
        };
        let started = Instant::now();
        let report = rewrite_range(&repo, Some(&range), &opts).unwrap();
        lib.push(started.elapsed());
        assert_eq!(report.new_tip.to_string(), new_tip);
        let changed = report.commits.iter().filter(|c| c.new != c.old).count();
        assert!(changed >= 97, "{changed} commits changed");
    }
    println!("rewrite_range (library, no rescan): {}", stats(lib));
}
