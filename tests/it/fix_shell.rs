//! Shell-family remediation: bash user data, `.env` files and Dockerfiles, each through the full
//! round trip (generated keys → fix → real `git apply` → rescan), an insta snapshot of the
//! placeholder-only patch, and `bash -n` on the patched scripts and `.env` files.

use crate::fixutil::{prepare, round_trip};
use crate::util::require_tool;

#[test]
fn bash_user_data_exports_prefixes_configure_and_credentials_heredoc() {
    let template = [
        "#!/bin/bash",
        "set -euo pipefail",
        "# bootstrap for the batch workers",
        "export AWS_ACCESS_KEY_ID={AKIA}",
        "export AWS_SECRET_ACCESS_KEY=\"{SECRET}\" AWS_DEFAULT_REGION=us-east-1",
        "mkdir -p /opt/worker ~/.aws",
        "cat > ~/.aws/credentials <<CREDS",
        "[default]",
        "aws_access_key_id = {AKIA}",
        "aws_secret_access_key = {SECRET}",
        "CREDS",
        "AWS_ACCESS_KEY_ID={AKIA} AWS_SECRET_ACCESS_KEY={SECRET} aws s3 cp s3://acme-artifacts/worker.tgz /tmp/worker.tgz",
        "aws configure set aws_access_key_id {AKIA} --profile batch && aws configure set region us-east-1 --profile batch",
        "if [ -f /tmp/worker.tgz ]; then",
        "  tar -xzf /tmp/worker.tgz -C /opt/worker",
        "fi",
        "systemctl enable --now worker",
        "",
    ]
    .join("\n");
    require_tool("bash");
    let case = round_trip("infra/user-data.sh", &template, 501);
    insta::assert_snapshot!(case.safe_patch());
    case.assert_parses("bash", &["-n", "{}"]);
    assert!(case
        .patched
        .contains("export AWS_DEFAULT_REGION=us-east-1\n"));
    assert!(case
        .patched
        .contains("\naws s3 cp s3://acme-artifacts/worker.tgz /tmp/worker.tgz\n"));
    assert!(case
        .patched
        .contains("\naws configure set region us-east-1 --profile batch\n"));
    assert!(case.fix.notes.join("\n").contains(".aws/credentials"));
}

#[test]
fn script_variables_holding_keys_are_followed() {
    let template = "#!/bin/sh\nACCESS={AKIA}\nSECRET_VALUE='{SECRET}'\naws configure set aws_access_key_id \"$ACCESS\"\naws configure set aws_secret_access_key \"$SECRET_VALUE\"\naws s3 sync ./site s3://acme-site --delete\n";
    require_tool("bash");
    let case = round_trip("deploy/publish.sh", template, 502);
    insta::assert_snapshot!(case.safe_patch());
    case.assert_parses("bash", &["-n", "{}"]);
    assert_eq!(
        case.patched,
        "#!/bin/sh\naws s3 sync ./site s3://acme-site --delete\n"
    );
}

#[test]
fn dotenv_keeps_everything_but_the_keys() {
    let template = "# local settings\nDATABASE_URL=postgres://app@db:5432/app\nAWS_ACCESS_KEY_ID={AKIA}\nAWS_SECRET_ACCESS_KEY={SECRET} # prod key\nAWS_REGION=eu-central-1\nS3_BUCKET=acme-uploads\n";
    require_tool("bash");
    let case = round_trip("services/api/.env", template, 503);
    insta::assert_snapshot!(case.safe_patch());
    case.assert_parses("bash", &["-n", "{}"]);
    assert!(case
        .patched
        .contains("AWS_REGION=eu-central-1\nS3_BUCKET=acme-uploads\n"));
}

#[test]
fn dockerfile_env_arg_and_run() {
    let template = "FROM python:3.12-slim\nARG AWS_SESSION_TOKEN={TOKEN}\nENV APP_ENV=prod AWS_ACCESS_KEY_ID={ASIA} \\\n    AWS_SECRET_ACCESS_KEY={SECRET} \\\n    AWS_DEFAULT_REGION=us-west-2\nWORKDIR /app\nRUN pip install boto3 && \\\n    aws configure set aws_access_key_id {ASIA} && \\\n    aws s3 cp s3://acme-models/model.bin /app/model.bin\nCOPY . .\nCMD [\"python\", \"serve.py\"]\n";
    let case = round_trip("Dockerfile", template, 504);
    insta::assert_snapshot!(case.safe_patch());
    assert!(
        case.patched
            .contains("ENV APP_ENV=prod AWS_DEFAULT_REGION=us-west-2\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case.fix.notes.join("\n").contains("image"));
}

#[test]
fn a_minio_endpoint_env_file_stays_untouched() {
    let template = "AWS_ACCESS_KEY_ID={AKIA}\nAWS_SECRET_ACCESS_KEY={SECRET}\nAWS_ENDPOINT_URL=http://minio:9000\n";
    let case = prepare("dev/.env", template, 505);
    case.assert_manual_because("minio");
}

/// A key that was the only command of an `if`/`for` body: removing it must not leave an empty
/// body (a syntax error), so the body becomes the no-op `:`.
#[test]
fn emptied_if_and_loop_bodies_keep_the_script_valid() {
    let template = [
        "#!/bin/bash",
        "set -e",
        "if [ -z \"$CI\" ]; then",
        "  export AWS_ACCESS_KEY_ID={AKIA}",
        "  export AWS_SECRET_ACCESS_KEY={SECRET}",
        "fi",
        "for profile in build deploy; do",
        "  aws configure set aws_access_key_id {AKIA} --profile \"$profile\"",
        "done",
        "aws s3 cp s3://acme-installers/agent.msi /tmp/agent.msi",
        "",
    ]
    .join("\n");
    require_tool("bash");
    let case = round_trip("deploy.sh", &template, 507);
    case.assert_parses("bash", &["-n", "{}"]);
    assert!(
        case.patched.contains("then\n  :\nfi\n"),
        "{}",
        case.safe_patched()
    );
    assert!(
        case.patched.contains("do\n  :\ndone\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case
        .patched
        .ends_with("aws s3 cp s3://acme-installers/agent.msi /tmp/agent.msi\n"));
}
