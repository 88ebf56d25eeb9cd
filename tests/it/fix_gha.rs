//! GitHub Actions workflows: static keys give way to OIDC (`role-to-assume`,
//! `permissions: id-token: write`), and the workflow still loads as YAML.

use crate::fixutil::{prepare, round_trip, FixCase};
use crate::yamlview::{load, python_json};

/// The patched workflow as the runner would see it: `job permissions env` and the `with` inputs
/// of configure-aws-credentials steps, read in-process (and, in the conformance tier, checked to
/// be exactly what PyYAML reads).
fn workflow_view(case: &FixCase) -> String {
    case.assert_parses_in_process();
    let w = load(&case.patched);
    let null = serde_json::Value::Null;
    let get = |v: &serde_json::Value, k: &str| v.get(k).cloned().unwrap_or(null.clone());
    let mut out = format!(
        "workflow {} {}\n",
        python_json(&get(&w, "permissions")),
        python_json(&get(&w, "env"))
    );
    for (name, job) in w["jobs"].as_object().expect("jobs") {
        out.push_str(&format!(
            "{name} {} {}\n",
            python_json(&get(job, "permissions")),
            python_json(&get(job, "env"))
        ));
        for step in job
            .get("steps")
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
        {
            let uses = step.get("uses").and_then(|u| u.as_str()).unwrap_or("");
            if uses.contains("configure-aws-credentials") {
                out.push_str(&format!("  {}\n", python_json(&step["with"])));
            }
        }
    }
    #[cfg(feature = "conformance")]
    {
        use crate::util::{require_tool, run};
        use std::process::Command;
        require_tool("python3");
        let script = "import sys, yaml, json\n\
            w = yaml.safe_load(open(sys.argv[1], newline=''))\n\
            print('workflow', json.dumps(w.get('permissions'), sort_keys=True), json.dumps(w.get('env'), sort_keys=True))\n\
            for name, job in w['jobs'].items():\n\
            \x20   print(name, json.dumps(job.get('permissions'), sort_keys=True), json.dumps(job.get('env'), sort_keys=True))\n\
            \x20   for step in job.get('steps', []):\n\
            \x20       if 'configure-aws-credentials' in step.get('uses', ''):\n\
            \x20           print(' ', json.dumps(step['with'], sort_keys=True))\n";
        let file = case.repo.path().join(&case.path);
        let (code, py, err) =
            run(Command::new("python3").args(["-c", script, file.to_str().unwrap()]));
        assert_eq!(
            code,
            0,
            "PyYAML rejects the patched workflow: {err}\n{}",
            case.safe_patched()
        );
        assert_eq!(py, out, "PyYAML reads the workflow differently");
    }
    case.redact(&out)
}

const DEPLOY: &str = r#"name: deploy site
on:
  push:
    branches: [main]

env:
  AWS_REGION: eu-west-1   # region stays

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm run build

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - name: Configure AWS
        uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: {AKIA}
          aws-secret-access-key: "{SECRET}"
          aws-region: ${{ env.AWS_REGION }}
      - name: Sync
        run: aws s3 sync ./dist s3://www.example.com --delete
"#;

#[test]
fn configure_step_moves_to_role_to_assume_with_job_permissions() {
    let case = round_trip(".github/workflows/deploy.yml", DEPLOY, 41);
    let view = workflow_view(&case);
    assert!(
        view.contains("build null null"),
        "the build job stays as it was:\n{view}"
    );
    assert!(
        view.contains("deploy {\"contents\": \"read\", \"id-token\": \"write\"} null"),
        "{view}"
    );
    assert!(
        view.contains("{\"aws-region\": \"${{ env.AWS_REGION }}\", \"role-to-assume\": \"${{ vars.AWS_ROLE_ARN }}\"}"),
        "{view}"
    );
    assert!(case
        .fix
        .notes
        .iter()
        .any(|n| n.contains("token.actions.githubusercontent.com") && n.contains("sub")));
    insta::assert_snapshot!(case.safe_patch());
}

const ENV_KEYS: &str = "name: nightly backup\r\n\
on:\r\n\
\x20 schedule:\r\n\
\x20   - cron: '0 3 * * *'\r\n\
permissions:\r\n\
\x20 contents: read\r\n\
env:\r\n\
\x20 AWS_ACCESS_KEY_ID: {AKIA}\r\n\
\x20 AWS_SECRET_ACCESS_KEY: '{SECRET}'\r\n\
\x20 AWS_DEFAULT_REGION: us-east-2\r\n\
jobs:\r\n\
\x20 backup:\r\n\
\x20   runs-on: ubuntu-22.04\r\n\
\x20   steps:\r\n\
\x20   - uses: actions/checkout@v4\r\n\
\x20   - name: Dump and upload\r\n\
\x20     run: |\r\n\
\x20       ./scripts/dump.sh > backup.sql\r\n\
\x20       aws s3 cp backup.sql s3://backups-bucket/$(date +%F).sql\r\n";

#[test]
fn hardcoded_env_keys_go_and_a_configure_step_arrives_with_crlf_kept() {
    let case = round_trip(".github/workflows/backup.yaml", ENV_KEYS, 42);
    let view = workflow_view(&case);
    assert!(view.contains("workflow {\"contents\": \"read\", \"id-token\": \"write\"} {\"AWS_DEFAULT_REGION\": \"us-east-2\"}"), "{view}");
    assert!(
        view.contains("{\"aws-region\": \"${{ env.AWS_DEFAULT_REGION }}\", \"role-to-assume\": \"${{ vars.AWS_ROLE_ARN }}\"}"),
        "{view}"
    );
    assert!(case
        .patched
        .split_inclusive('\n')
        .all(|l| l.ends_with("\r\n")));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn a_key_in_a_run_script_stays_manual() {
    let template = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: aws configure set aws_access_key_id {AKIA} && aws configure set aws_secret_access_key {SECRET}\n";
    let case = prepare(".github/workflows/x.yml", template, 43);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("github-actions"));
}
