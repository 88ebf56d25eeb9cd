//! `rolecall fix` end to end through the real binary: realistic repositories (keys generated at
//! run time), the printed patch applied with the real `git apply`, a rescan, `--write`, the role
//! artefacts checked with real parsers (python3's JSON parser, `terraform fmt -check`).

use crate::fixutil::expand_numbered;
use crate::util::{assert_no_secret, run, TestRepo};
use rolecall::detect::Detector;
use rolecall::syntax::Language;
use serde_json::Value;
use std::path::Path;
#[cfg(feature = "conformance")]
use std::process::Command;

const USER_DATA: &str = r#"<powershell>
# Bootstrap for the web tier (launch template user data).
$ErrorActionPreference = 'Stop'
Import-Module AWSPowerShell
Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs deploy
Set-DefaultAWSRegion -Region eu-west-1

$bucket = 'acme-deploy-artifacts'
Read-S3Object -BucketName $bucket -Key app/config.json -File C:\app\config.json
$latest = Get-S3Object -BucketName $bucket -KeyPrefix releases/ | Sort-Object LastModified | Select-Object -Last 1
Read-S3Object -BucketName $bucket -Key $latest.Key -File C:\app\release.zip
Copy-S3Object -BucketName $bucket -Key $latest.Key -DestinationBucket acme-deploy-archive -DestinationKey archive/release.zip
Write-S3Object -BucketName acme-boot-logs -File C:\app\boot.log -Key boot/boot.log `
    -ServerSideEncryption aws:kms
Expand-Archive C:\app\release.zip -DestinationPath C:\app\bin
Start-Service W3SVC
</powershell>
"#;

const BOTO3_WORKER: &str = r#"import json
import os

import boto3

REPORTS_BUCKET = "acme-reports"

s3 = boto3.client(
    "s3",
    region_name="us-east-2",
    aws_access_key_id="{AKIA}",
    aws_secret_access_key="{SECRET}",
)
secrets = boto3.client("secretsmanager", region_name="us-east-2")


def handler(event, context):
    listing = s3.list_objects_v2(Bucket=REPORTS_BUCKET, Prefix="incoming/")
    for item in listing.get("Contents", []):
        s3.copy_object(
            CopySource={"Bucket": REPORTS_BUCKET, "Key": item["Key"]},
            Bucket="acme-reports-archive",
            Key="done/" + item["Key"],
        )
    s3.download_file(REPORTS_BUCKET, "summary.json", "/tmp/summary.json")
    token = secrets.get_secret_value(SecretId="reports/api-token")["SecretString"]
    return {"statusCode": 200, "body": json.dumps({"token_len": len(token)})}
"#;

const SAM_TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app/worker.handler\n      Runtime: python3.12\n";

/// Writes an expanded fixture; returns the generated values.
fn write_fixture(repo: &TestRepo, path: &str, template: &str, seed: u64) -> Vec<String> {
    let (text, values) = expand_numbered(template, seed);
    repo.write(path, text);
    values.into_iter().map(|(_, v)| v).collect()
}

fn secrets_ref(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// Applies a patch with the real `git apply` from the repository root.
fn git_apply(repo: &TestRepo, patch: &str) {
    let file = repo.path().join(".git").join("fix.patch");
    std::fs::write(&file, patch).unwrap();
    let out = repo.git_env(&["apply", "--check", file.to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "git apply --check rejects the patch: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.git(&["apply", file.to_str().unwrap()]);
}

/// No credential left in the file.
fn assert_clean(repo: &TestRepo, path: &str) {
    let bytes = std::fs::read(repo.path().join(path)).unwrap();
    let left: Vec<_> = Detector::builtin()
        .scan(&bytes)
        .matches
        .into_iter()
        .filter(|m| !m.inline_allowed)
        .collect();
    assert!(
        left.is_empty(),
        "{path} still holds {:?}",
        left.iter().map(|m| (&m.rule, m.line)).collect::<Vec<_>>()
    );
}

/// Reads a JSON file (in-process; `python3 -m json.tool` must accept it too in the conformance
/// tier).
fn json_file(path: &Path) -> Value {
    #[cfg(feature = "conformance")]
    {
        crate::util::require_tool("python3");
        let (code, _, err) = run(Command::new("python3").args(["-m", "json.tool"]).arg(path));
        assert_eq!(
            code,
            0,
            "python3 -m json.tool rejects {}: {err}",
            path.display()
        );
    }
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every `.tf` file in `dir` parses as HCL (in-process); in the conformance tier `terraform fmt
/// -check` accepts them too.
fn terraform_fmt_check(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tf") {
            let text = std::fs::read_to_string(&path).unwrap();
            crate::util::assert_syntax_ok(Language::Hcl, &path.display().to_string(), &text);
        }
    }
    #[cfg(feature = "conformance")]
    {
        crate::util::require_tool("terraform");
        let (code, out, err) = run(Command::new("terraform")
            .args(["fmt", "-check", "-diff"])
            .current_dir(dir));
        assert_eq!(
            code, 0,
            "terraform fmt -check rejects the Terraform:\n{out}{err}"
        );
    }
}

/// Every Action/Resource pair of a policy document.
fn pairs(policy: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for st in policy["Statement"].as_array().unwrap() {
        for a in st["Action"].as_array().unwrap() {
            for r in st["Resource"].as_array().unwrap() {
                out.push((
                    a.as_str().unwrap().to_string(),
                    r.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

fn has(p: &[(String, String)], action: &str, resource: &str) -> bool {
    p.iter().any(|(a, r)| a == action && r == resource)
}

#[test]
fn powershell_user_data_repo_patch_applies_rescans_clean_and_role_is_ec2() {
    let repo = TestRepo::new();
    let values = write_fixture(&repo, "infra/web/user-data.ps1", USER_DATA, 41);
    repo.write("README.md", "# web tier\n");
    repo.commit("web tier bootstrap");
    let iam = tempfile::tempdir().unwrap();
    let (code, patch, err) = run(repo
        .rolecall()
        .args(["fix", "--role-name", "web-role", "--iam"])
        .arg(iam.path()));
    assert_no_secret(&err, &secrets_ref(&values));
    assert_eq!(code, 0, "stderr: {err}");
    assert!(patch.contains("--- a/infra/web/user-data.ps1"), "{patch}");
    assert!(
        err.contains("runs on ec2 (guessed from infra/web/user-data.ps1"),
        "{err}"
    );
    assert!(
        err.contains("Remove-AWSCredentialProfile"),
        "the -StoreAs note is shown: {err}"
    );

    git_apply(&repo, &patch);
    assert_clean(&repo, "infra/web/user-data.ps1");
    let after = repo.read("infra/web/user-data.ps1");
    assert!(
        after.contains("Set-DefaultAWSRegion -Region eu-west-1"),
        "region stays: {after}"
    );
    assert!(
        after.contains("Copy-S3Object -BucketName $bucket"),
        "business logic stays"
    );
    // A rescan of the patched tree finds nothing to fix.
    let (code, again, err2) = run(repo.rolecall().arg("fix"));
    assert_eq!((code, again.as_str()), (0, ""), "rescan: {err2}");

    let trust = json_file(&iam.path().join("trust-policy.json"));
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    let perms = json_file(&iam.path().join("permissions-policy.json"));
    let p = pairs(&perms);
    assert!(
        has(&p, "s3:GetObject", "arn:aws:s3:::acme-deploy-artifacts/*"),
        "{p:?}"
    );
    assert!(
        has(&p, "s3:ListBucket", "arn:aws:s3:::acme-deploy-artifacts"),
        "{p:?}"
    );
    assert!(
        !has(&p, "s3:ListBucket", "arn:aws:s3:::acme-deploy-artifacts/*"),
        "{p:?}"
    );
    assert!(
        has(&p, "s3:PutObject", "arn:aws:s3:::acme-deploy-archive/*"),
        "{p:?}"
    );
    assert!(
        has(&p, "s3:PutObject", "arn:aws:s3:::acme-boot-logs/*"),
        "{p:?}"
    );
    assert!(p.iter().any(|(a, _)| a == "kms:GenerateDataKey"), "{p:?}");
    json_file(&iam.path().join("role.cfn.json"));
    terraform_fmt_check(iam.path());
    let tf = std::fs::read_to_string(iam.path().join("role.tf")).unwrap();
    assert!(
        tf.contains("resource \"aws_iam_instance_profile\""),
        "EC2 gets an instance profile"
    );
    let readme = std::fs::read_to_string(iam.path().join("README.md")).unwrap();
    assert!(
        readme.contains("REPLACE_ME_KMS_KEY_ID"),
        "placeholders are listed: {readme}"
    );
    insta::assert_snapshot!(
        "user_data_permissions",
        serde_json::to_string_pretty(&perms).unwrap()
    );
    insta::assert_snapshot!("user_data_role_tf", tf);
}

#[test]
fn boto3_repo_from_a_subdirectory_patch_is_relative_to_the_root_and_write_matches() {
    let repo = TestRepo::new();
    let values = write_fixture(&repo, "app/worker.py", BOTO3_WORKER, 42);
    repo.write("template.yaml", SAM_TEMPLATE);
    repo.commit("reports worker");
    let iam = tempfile::tempdir().unwrap();
    // Run inside app/ on one file: the patch still names app/worker.py.
    let mut cmd = repo.rolecall();
    cmd.current_dir(repo.path().join("app"))
        .args(["fix", "worker.py", "--iam"])
        .arg(iam.path());
    let (code, patch, err) = run(&mut cmd);
    assert_no_secret(&err, &secrets_ref(&values));
    assert_eq!(code, 0, "stderr: {err}");
    assert!(patch.contains("+++ b/app/worker.py"), "{patch}");
    // Only the given file was read, so the SAM template cannot be the reason; the handler is.
    assert!(
        err.contains("runs on lambda (guessed from app/worker.py"),
        "{err}"
    );

    git_apply(&repo, &patch);
    assert_clean(&repo, "app/worker.py");
    let applied = repo.read("app/worker.py");
    crate::util::assert_syntax_ok(Language::Python, "app/worker.py", &applied);
    #[cfg(feature = "conformance")]
    {
        crate::util::require_tool("python3");
        let (c, _, e) = run(Command::new("python3")
            .args(["-m", "py_compile", "app/worker.py"])
            .current_dir(repo.path()));
        assert_eq!(c, 0, "{e}");
    }
    assert!(applied.contains("region_name=\"us-east-2\""), "{applied}");

    // --write produces the same text as the patch.
    repo.git(&["checkout", "--", "app/worker.py"]);
    let (code, out, err) = run(repo.rolecall().args(["fix", "--write"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "--write prints no patch");
    assert!(err.contains("fixed app/worker.py"), "{err}");
    assert_eq!(repo.read("app/worker.py"), applied);

    let trust = json_file(&iam.path().join("trust-policy.json"));
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    let perms = json_file(&iam.path().join("permissions-policy.json"));
    let p = pairs(&perms);
    assert!(
        has(&p, "s3:ListBucket", "arn:aws:s3:::acme-reports"),
        "{p:?}"
    );
    assert!(
        has(&p, "s3:GetObject", "arn:aws:s3:::acme-reports/*"),
        "{p:?}"
    );
    assert!(
        has(&p, "s3:PutObject", "arn:aws:s3:::acme-reports-archive/*"),
        "{p:?}"
    );
    assert!(
        !has(&p, "s3:PutObject", "arn:aws:s3:::acme-reports/*"),
        "copy target only: {p:?}"
    );
    assert!(
        has(&p, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-2:REPLACE_ME_ACCOUNT_ID:secret:reports/api-token-??????"),
        "{p:?}"
    );
    json_file(&iam.path().join("role.cfn.json"));
    terraform_fmt_check(iam.path());
    insta::assert_snapshot!(
        "boto3_permissions",
        serde_json::to_string_pretty(&perms).unwrap()
    );
}

#[test]
fn sam_template_decides_when_the_whole_repository_is_read() {
    let repo = TestRepo::new();
    write_fixture(
        &repo,
        "app/worker.py",
        &BOTO3_WORKER.replace("def handler(event, context)", "def run(job)"),
        43,
    );
    repo.write("template.yaml", SAM_TEMPLATE);
    repo.commit("worker");
    let iam = tempfile::tempdir().unwrap();
    let (code, _, err) = run(repo
        .rolecall()
        .args(["fix", "--iam-format", "json", "--iam"])
        .arg(iam.path()));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("runs on lambda (guessed from template.yaml"),
        "{err}"
    );
    assert!(
        !iam.path().join("role.tf").exists(),
        "only the JSON format was asked for"
    );
    assert!(iam.path().join("trust-policy.json").exists());
}

#[test]
fn github_actions_trust_always_names_the_repository() {
    let repo = TestRepo::new();
    repo.write(
        "deploy.sh",
        "#!/bin/sh\naws s3 sync ./site s3://acme-site --delete\n",
    );
    repo.commit("site");
    repo.git(&["remote", "add", "origin", "git@github.com:acme/site.git"]);
    let iam = tempfile::tempdir().unwrap();
    let (code, _, err) = run(repo
        .rolecall()
        .args([
            "fix",
            "--runs-on",
            "github-actions",
            "--iam-format",
            "json,terraform",
            "--iam",
        ])
        .arg(iam.path()));
    assert_eq!(code, 0, "{err}");
    let trust = json_file(&iam.path().join("trust-policy.json"));
    let st = &trust["Statement"][0];
    assert_eq!(st["Action"], "sts:AssumeRoleWithWebIdentity");
    assert!(st["Principal"]["Federated"]
        .as_str()
        .unwrap()
        .ends_with(":oidc-provider/token.actions.githubusercontent.com"));
    let cond = &st["Condition"]["StringEquals"];
    assert_eq!(
        cond["token.actions.githubusercontent.com:aud"],
        "sts.amazonaws.com"
    );
    assert_eq!(
        cond["token.actions.githubusercontent.com:sub"],
        "repo:acme/site:ref:refs/heads/main"
    );
    terraform_fmt_check(iam.path());
    let p = pairs(&json_file(&iam.path().join("permissions-policy.json")));
    assert!(
        has(&p, "s3:ListBucket", "arn:aws:s3:::acme-site")
            && has(&p, "s3:DeleteObject", "arn:aws:s3:::acme-site/*"),
        "{p:?}"
    );

    // No GitHub remote: the sub condition is still there, as a marked placeholder.
    let bare = TestRepo::new();
    bare.write("deploy.sh", "#!/bin/sh\naws s3 ls\n");
    bare.commit("x");
    let iam2 = tempfile::tempdir().unwrap();
    let (code, _, err) = run(bare
        .rolecall()
        .args(["fix", "--runs-on", "github-actions", "--iam"])
        .arg(iam2.path()));
    assert_eq!(code, 0, "{err}");
    let trust = json_file(&iam2.path().join("trust-policy.json"));
    let sub = trust["Statement"][0]["Condition"]["StringEquals"]
        ["token.actions.githubusercontent.com:sub"]
        .as_str()
        .unwrap();
    assert!(
        sub.starts_with("repo:REPLACE_ME_GITHUB_OWNER/REPLACE_ME_GITHUB_REPO:"),
        "{sub}"
    );
    let readme = std::fs::read_to_string(iam2.path().join("README.md")).unwrap();
    assert!(readme.contains("`REPLACE_ME_GITHUB_OWNER`"), "{readme}");
    assert!(err.contains("REPLACE_ME_GITHUB_OWNER"), "{err}");
}

#[test]
fn spots_without_a_rewriter_exit_one_and_stay_untouched() {
    let repo = TestRepo::new();
    let values = write_fixture(
        &repo,
        "docs/onboarding.md",
        "# Onboarding\n\nAWS access key: {AKIA}\nAWS secret key: {SECRET}\n",
        44,
    );
    repo.commit("docs");
    let before = repo.read("docs/onboarding.md");
    let (code, out, err) = run(repo.rolecall().args(["fix", "--write"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("docs/onboarding.md:3: needs a hand:"), "{err}");
    assert!(err.contains("what to do:"), "{err}");
    assert_no_secret(&err, &secrets_ref(&values));
    assert_eq!(repo.read("docs/onboarding.md"), before);
}

#[test]
fn utf16_user_data_is_patched_and_written_back_as_utf16() {
    let (text, values) = expand_numbered(USER_DATA, 45);
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(
        text.replace('\n', "\r\n")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let repo = TestRepo::new();
    repo.write("user-data.ps1", &bytes);
    repo.commit("utf-16 user data");
    let (code, patch, err) = run(repo.rolecall().arg("fix"));
    assert_no_secret(
        &err,
        &values.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(patch.contains("GIT binary patch"), "{patch}");
    git_apply(&repo, &patch);
    assert_clean(&repo, "user-data.ps1");
    let applied = std::fs::read(repo.path().join("user-data.ps1")).unwrap();
    assert_eq!(&applied[..2], &[0xFF, 0xFE], "still UTF-16LE with its BOM");
    repo.git(&["checkout", "--", "user-data.ps1"]);
    let (code, _, err) = run(repo.rolecall().args(["fix", "--write"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(repo.path().join("user-data.ps1")).unwrap(),
        applied
    );
}

#[test]
fn clean_tree_ignored_files_and_missing_paths() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "build/\n");
    write_fixture(&repo, "build/cache.py", "import boto3\nboto3.client('s3', aws_access_key_id='{AKIA}', aws_secret_access_key='{SECRET}')\n", 46);
    repo.write("src/main.py", "print('hello')\n");
    repo.commit("clean");
    let (code, out, err) = run(repo.rolecall().arg("fix"));
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "ignored build/ is not walked: {err}"
    );
    assert!(
        err.contains("0 file(s) to fix, 0 spot(s) need a hand"),
        "{err}"
    );
    let (code, _, err) = run(repo.rolecall().args(["fix", "does/not/exist"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not exist"), "{err}");
}
