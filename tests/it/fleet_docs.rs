//! The ready-to-use fleet files under `docs/fleet/` (a Kubernetes Indexed Job with its merge
//! Job, a GitHub Actions matrix workflow, a GitLab CI parallel:matrix pipeline): their structure
//! is checked after parsing the YAML, and the shell steps that run rolecall are run exactly as
//! written (with the real binary on PATH and each platform's variables set as it sets them)
//! against a local fleet. The merged report must equal an unsharded scan of the same fleet.

use crate::fleetutil::*;
use crate::util::{rolecall_bin, rolecall_cmd, run};
use serde::Deserialize;
use serde_json::Value as Json;
use serde_norway::Value as Yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn docs(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/fleet")
        .join(rel)
}

/// Every document of a YAML file.
fn yaml_docs(rel: &str) -> Vec<Yaml> {
    let text = std::fs::read_to_string(docs(rel)).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|d| Yaml::deserialize(d).unwrap_or_else(|e| panic!("{rel}: {e}")))
        .collect()
}

fn yaml_doc(rel: &str) -> Yaml {
    let mut all = yaml_docs(rel);
    assert_eq!(all.len(), 1, "{rel}: one document");
    all.remove(0)
}

fn s<'a>(v: &'a Yaml, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what}: not a string: {v:?}"))
}

/// A YAML scalar (string or number) as a number.
fn num(v: &Yaml) -> u64 {
    match v {
        Yaml::Number(n) => n.as_u64().unwrap(),
        Yaml::String(t) => t.parse().unwrap(),
        other => panic!("not a number: {other:?}"),
    }
}

/// Whether a shell script has a line that runs rolecall.
fn runs_rolecall(script: &str) -> bool {
    script
        .lines()
        .any(|l| l.trim_start().starts_with("rolecall "))
}

/// Runs `script` with POSIX sh (`-e`, as CI runners do), rolecall on PATH, in `dir`, with `env`.
fn sh(script: &str, dir: &Path, env: &[(&str, String)]) -> (i32, String) {
    let bin_dir = rolecall_bin().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let mut cmd = Command::new("sh");
    cmd.arg("-ec")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_file(path: &Path) -> Json {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The unsharded reference: one `rolecall scan` over the same repositories.
fn reference(dir: &Path, args: &[&str]) -> Json {
    let (code, out, err) = run(rolecall_cmd()
        .current_dir(dir)
        .args(["scan", "--format", "json"])
        .args(args));
    assert!(code == 1 || code == 2, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn assert_same_report(merged: &Json, reference: &Json) {
    assert!(!findings(reference).is_empty());
    assert_eq!(merged["findings"], reference["findings"]);
    assert_eq!(merged["skipped"], reference["skipped"]);
    assert_eq!(merged["summary"], reference["summary"]);
}

fn container_script(job: &Yaml) -> (String, BTreeMap<String, String>) {
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let command: Vec<&str> = container["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| s(c, "command"))
        .collect();
    assert_eq!(command, ["/bin/sh", "-c"]);
    let script = s(&container["args"][0], "args").to_string();
    let env = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| {
            (
                s(&e["name"], "env").to_string(),
                s(&e["value"], "env").to_string(),
            )
        })
        .collect();
    (script, env)
}

/// Mount path → (volume name, read-only) of a Job's container.
fn mounts(job: &Yaml) -> BTreeMap<String, (String, bool)> {
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            (
                s(&m["mountPath"], "mountPath").to_string(),
                (
                    s(&m["name"], "name").to_string(),
                    m["readOnly"].as_bool().unwrap_or(false),
                ),
            )
        })
        .collect()
}

fn claim_of(job: &Yaml, volume: &str) -> String {
    let volumes = job["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap();
    let v = volumes.iter().find(|v| v["name"] == volume).unwrap();
    s(&v["persistentVolumeClaim"]["claimName"], "claimName").to_string()
}

#[test]
fn issue13_kubernetes_indexed_job_is_valid_and_its_commands_run() {
    // Structure.
    let storage = yaml_docs("kubernetes/storage.yaml");
    let claims: Vec<&str> = storage
        .iter()
        .map(|d| {
            assert_eq!(d["kind"], "PersistentVolumeClaim");
            let modes = d["spec"]["accessModes"].as_sequence().unwrap();
            assert!(
                modes.iter().any(|m| m == "ReadWriteMany"),
                "shards write at once"
            );
            s(&d["metadata"]["name"], "name")
        })
        .collect();
    let scan = yaml_doc("kubernetes/scan-job.yaml");
    assert_eq!(
        (&scan["apiVersion"], &scan["kind"]),
        (&"batch/v1".into(), &"Job".into())
    );
    let spec = &scan["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    let (scan_script, scan_env) = container_script(&scan);
    let shards = num(&Yaml::String(scan_env["SHARDS"].clone()));
    assert_eq!(num(&spec["completions"]), shards);
    assert_eq!(num(&spec["parallelism"]), shards);
    assert!(runs_rolecall(&scan_script) && scan_script.contains("JOB_COMPLETION_INDEX"));
    let scan_mounts = mounts(&scan);
    for var in ["FLEET_DIR", "STATE_DIR", "REPORTS_DIR"] {
        assert!(
            scan_mounts.contains_key(&scan_env[var]),
            "{var} is a mounted volume"
        );
    }
    let (repos_volume, read_only) = &scan_mounts[&scan_env["FLEET_DIR"]];
    assert!(*read_only, "the repositories are mounted read-only");
    for var in ["STATE_DIR", "REPORTS_DIR"] {
        let claim = claim_of(&scan, &scan_mounts[&scan_env[var]].0);
        assert!(
            claims.contains(&claim.as_str()),
            "{claim} is in storage.yaml"
        );
    }
    assert_eq!(claim_of(&scan, repos_volume), "git-repositories");
    let merge = yaml_doc("kubernetes/merge-job.yaml");
    let (merge_script, merge_env) = container_script(&merge);
    assert_eq!(merge_env["SHARDS"], scan_env["SHARDS"]);
    assert_eq!(merge_env["REPORTS_DIR"], scan_env["REPORTS_DIR"]);
    let merge_mounts = mounts(&merge);
    assert_eq!(
        claim_of(&merge, &merge_mounts[&merge_env["REPORTS_DIR"]].0),
        "rolecall-reports"
    );
    assert!(merge_script.contains("rolecall merge"));

    // The exact scripts, one pod per index, then the merge; then a second night.
    let fleet = standard_fleet();
    let work = fleet.dir.path().join("k8s");
    let (state, reports) = (work.join("state"), work.join("reports"));
    std::fs::create_dir_all(&reports).unwrap();
    let env = |index: Option<u64>| {
        let mut env = vec![
            ("SHARDS", scan_env["SHARDS"].clone()),
            ("FLEET_DIR", fleet.root().display().to_string()),
            ("STATE_DIR", state.display().to_string()),
            ("REPORTS_DIR", reports.display().to_string()),
        ];
        if let Some(i) = index {
            env.push(("JOB_COMPLETION_INDEX", i.to_string()));
        }
        env
    };
    let root = fleet.root();
    let reference = reference(&work, &["--repos", root.to_str().unwrap()]);
    for night in 0..2 {
        for index in 0..shards {
            let (code, err) = sh(&scan_script, &work, &env(Some(index)));
            assert_eq!(code, 0, "pod {index}: {err}");
            let shard = json_file(&reports.join(format!("shard-{}-of-{shards}.json", index + 1)));
            if night == 1 {
                assert_eq!(
                    stat(&shard, "blobs_scanned"),
                    0,
                    "the state made night 2 cheap"
                );
            }
        }
        let (code, err) = sh(&merge_script, &work, &env(None));
        assert_eq!(code, 0, "merge: {err}");
        let merged = json_file(&reports.join("fleet.json"));
        if night == 0 {
            assert_same_report(&merged, &reference);
        } else {
            assert_eq!(finding_set(&merged), finding_set(&reference));
            assert!(findings(&merged).iter().all(|f| f["known"] == true));
        }
    }
    let page = std::fs::read_to_string(reports.join("fleet.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains(PAYMENTS));
}

/// A local stand-in for the clones a CI job makes: `mirrors/<name>` links to the fleet's
/// repositories, and `all-repos.txt` as the listing step writes it.
fn ci_workspace(fleet: &Fleet, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let repos = rolecall::scan::fleet::discover(&fleet.root())
        .unwrap()
        .repos;
    let mut list = String::new();
    for repo in &repos {
        let link = dir.join("mirrors").join(&repo.name);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&repo.path, &link).unwrap();
        list.push_str(&format!("mirrors/{}\n", repo.name));
    }
    std::fs::write(dir.join("all-repos.txt"), list).unwrap();
}

/// Runs a CI pipeline's shard scripts (one workspace per shard, `shard_env` giving each
/// shard's variables) and its merge scripts (in a workspace holding every shard's `shards/`);
/// returns the merge's exit code and the merged JSON.
fn run_pipeline(
    fleet: &Fleet,
    name: &str,
    scan_scripts: &[String],
    merge_scripts: &[String],
    shard_envs: &[Vec<(&str, String)>],
) -> (i32, Json, PathBuf) {
    let base = fleet.dir.path().join(name);
    let merge_dir = base.join("merge");
    std::fs::create_dir_all(merge_dir.join("shards")).unwrap();
    for (i, env) in shard_envs.iter().enumerate() {
        let dir = base.join(format!("shard-{i}"));
        ci_workspace(fleet, &dir);
        for script in scan_scripts {
            let (code, err) = sh(script, &dir, env);
            assert_eq!(code, 0, "{name} shard {i}: {script}\n{err}");
        }
        for entry in std::fs::read_dir(dir.join("shards")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(
                &path,
                merge_dir.join("shards").join(path.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    let mut code = 0;
    for script in merge_scripts {
        code = sh(script, &merge_dir, &[]).0;
    }
    assert!(merge_dir.join("fleet.html").exists());
    (
        code,
        json_file(&merge_dir.join("fleet.json")),
        base.join("shard-0"),
    )
}

fn step_scripts(job: &Yaml) -> Vec<String> {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|step| step["run"].as_str())
        .filter(|script| runs_rolecall(script))
        .map(str::to_string)
        .collect()
}

#[test]
fn issue13_github_actions_matrix_is_valid_and_its_commands_run() {
    let wf = yaml_doc("github-actions.yml");
    assert!(
        wf["on"]["schedule"][0]["cron"].as_str().is_some(),
        "nightly"
    );
    let shards = num(&wf["env"]["SHARDS"]);
    let scan = &wf["jobs"]["scan"];
    assert_eq!(scan["strategy"]["fail-fast"], false);
    let matrix: Vec<u64> = scan["strategy"]["matrix"]["shard"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    assert_eq!(matrix, (1..=shards).collect::<Vec<_>>());
    assert_eq!(scan["env"]["SHARD"], "${{ matrix.shard }}");
    let merge = &wf["jobs"]["merge"];
    assert_eq!(merge["needs"], "scan");
    assert_eq!(merge["if"], "always()");
    let uploads: Vec<&Yaml> = scan["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .collect();
    assert_eq!(
        uploads[0]["if"], "always()",
        "reports are kept when a shard fails"
    );
    let scan_scripts = step_scripts(scan);
    let merge_scripts = step_scripts(merge);
    assert_eq!((scan_scripts.len(), merge_scripts.len()), (2, 1));
    assert!(scan_scripts[0].contains("--list-repos"));

    let fleet = standard_fleet();
    let envs: Vec<Vec<(&str, String)>> = matrix
        .iter()
        .map(|i| vec![("SHARD", i.to_string()), ("SHARDS", shards.to_string())])
        .collect();
    let (code, merged, shard_dir) =
        run_pipeline(&fleet, "gha", &scan_scripts, &merge_scripts, &envs);
    assert_eq!(
        code, 2,
        "the merge step fails: a repository could not be read"
    );
    assert_same_report(
        &merged,
        &reference(&shard_dir, &["--repos-from", "all-repos.txt"]),
    );
}

#[test]
fn issue13_gitlab_ci_parallel_matrix_is_valid_and_its_commands_run() {
    let ci = yaml_doc("gitlab-ci.yml");
    let stages: Vec<&str> = ci["stages"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(stages, ["scan", "merge"]);
    let shards = num(&ci["variables"]["SHARDS"]);
    let scan = &ci["rolecall-scan"];
    assert_eq!(scan["stage"], "scan");
    let values: Vec<u64> = scan["parallel"]["matrix"][0]["SHARD"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    assert_eq!(values, (1..=shards).collect::<Vec<_>>());
    assert!(s(&scan["cache"]["key"], "cache key").contains("$SHARD"));
    assert_eq!(scan["artifacts"]["when"], "always");
    let merge = &ci["rolecall-merge"];
    assert_eq!(merge["stage"], "merge");
    assert_eq!(merge["needs"][0], "rolecall-scan");
    let scripts = |job: &Yaml| -> Vec<String> {
        job["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| s(e, "script").to_string())
            .filter(|e| runs_rolecall(e))
            .collect()
    };
    let (scan_scripts, merge_scripts) = (scripts(scan), scripts(merge));
    assert_eq!((scan_scripts.len(), merge_scripts.len()), (2, 1));

    let fleet = standard_fleet();
    let envs: Vec<Vec<(&str, String)>> = values
        .iter()
        .map(|i| vec![("SHARD", i.to_string()), ("SHARDS", shards.to_string())])
        .collect();
    let (code, merged, shard_dir) =
        run_pipeline(&fleet, "gitlab", &scan_scripts, &merge_scripts, &envs);
    assert_eq!(code, 2);
    assert_same_report(
        &merged,
        &reference(&shard_dir, &["--repos-from", "all-repos.txt"]),
    );
}
