//! Shell-family remediation: bash user data, `.env` files and Dockerfiles, each through the full
//! round trip (generated keys → fix → real `git apply` → rescan), an insta snapshot of the
//! placeholder-only patch, and the parse check on the patched scripts and `.env` files
//! (in-process; `bash -n` too in the conformance tier).

use crate::fixutil::{prepare, round_trip};

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

/// Issue 11 (a broken patch in the field): `A=`/`S=` held the keys and also fill the `LINES`
/// array that the script writes out. The assignments must stay (their spots are manual); the
/// `aws configure set` calls that only passed them on are not touched either, so the script
/// keeps working exactly as before; the unrelated key in the same file is still fixed.
#[test]
fn issue11_variables_that_also_feed_an_array_stay() {
    let template = [
        "#!/bin/bash",
        "# generate the credentials file for the build agents",
        "X=\"[build]\"",
        "G=\"region = eu-west-1\"",
        "A=\"aws_access_key_id = {AKIA}\"",
        "S=\"aws_secret_access_key = {SECRET}\"",
        "LINES=(\"$X\" \"$G\" \"$A\" \"$S\")",
        "printf '%s\\n' \"${LINES[@]}\" > /etc/build/aws.conf",
        "export AWS_SESSION_TOKEN={TOKEN}",
        "",
    ]
    .join("\n");
    let case = round_trip("agents/render-conf.sh", &template, 508);
    case.assert_parses("bash", &["-n", "{}"]);
    let lines: Vec<&str> = case.original.lines().collect();
    for kept in &lines[2..8] {
        assert!(
            case.patched.contains(kept),
            "{kept} is gone:\n{}",
            case.safe_patched()
        );
    }
    assert!(!case.patched.contains("AWS_SESSION_TOKEN"));
    for line in [5, 6] {
        assert!(
            case.fix
                .manual
                .iter()
                .any(|m| m.line == line && m.reason.contains("is also used on line 7")),
            "{:?}",
            case.fix.manual
        );
    }
}

/// Issue 11: `N=$((1<<3))` above the key is arithmetic, not a here-document; the key below it is
/// fixed and nothing is left dangling.
#[test]
fn issue11_arithmetic_shift_is_not_a_heredoc() {
    let template = "#!/bin/bash\nN=$((1<<3))\nKEY={AKIA}\naws configure set aws_access_key_id \"$KEY\"\naws configure set aws_secret_access_key {SECRET}\necho \"$N workers\"\n";
    let case = round_trip("ops/workers.sh", template, 509);
    case.assert_parses("bash", &["-n", "{}"]);
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    assert_eq!(
        case.patched,
        "#!/bin/bash\nN=$((1<<3))\necho \"$N workers\"\n"
    );
}

/// Issue 11: an ANSI-C quoted string with an escaped quote (`$'it\'s'`) ends where bash ends it;
/// the key after it is fixed and the string is untouched.
#[test]
fn issue11_ansi_c_quotes_end_where_bash_ends_them() {
    let template = "#!/bin/bash\nMSG=$'it\\'s deployed'\nexport AWS_ACCESS_KEY_ID={AKIA}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\necho \"$MSG\"\n";
    let case = round_trip("ops/notify.sh", template, 510);
    case.assert_parses("bash", &["-n", "{}"]);
    assert_eq!(
        case.patched,
        "#!/bin/bash\nMSG=$'it\\'s deployed'\necho \"$MSG\"\n"
    );
}

/// Issue 11: `echo "aws_access_key_id = …" >> ~/.aws/credentials` (and `| tee -a`) go whole,
/// like the here-document form, with the note about hosts that ran the script.
#[test]
fn issue11_echo_into_aws_credentials_goes() {
    let template = [
        "#!/bin/bash",
        "set -e",
        "mkdir -p ~/.aws",
        "echo \"[default]\" > ~/.aws/credentials",
        "echo \"aws_access_key_id = {AKIA}\" >> ~/.aws/credentials",
        "echo \"aws_secret_access_key = {SECRET}\" | tee -a ~/.aws/credentials > /dev/null",
        "echo \"region = us-east-1\" >> ~/.aws/config",
        "aws s3 sync s3://acme-releases/current /opt/app",
        "",
    ]
    .join("\n");
    let case = round_trip("bootstrap/credentials.sh", &template, 511);
    case.assert_parses("bash", &["-n", "{}"]);
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    assert_eq!(
        case.patched,
        "#!/bin/bash\nset -e\nmkdir -p ~/.aws\necho \"[default]\" > ~/.aws/credentials\necho \"region = us-east-1\" >> ~/.aws/config\naws s3 sync s3://acme-releases/current /opt/app\n"
    );
    assert!(case.fix.notes.join("\n").contains(".aws/credentials"));
    insta::assert_snapshot!(case.safe_patch());
}

/// Issue 11: a Dockerfile `ENV` key used by `RUN aws configure set … $AWS_ACCESS_KEY_ID`: both go,
/// the `RUN` keeps its other commands.
#[test]
fn issue11_dockerfile_env_used_in_run_goes_with_its_use() {
    let template = "FROM amazon/aws-cli:2.15.0\nENV AWS_ACCESS_KEY_ID={AKIA} AWS_DEFAULT_REGION=eu-west-1\nENV AWS_SECRET_ACCESS_KEY={SECRET}\nRUN aws configure set aws_access_key_id $AWS_ACCESS_KEY_ID && \\\n    aws configure set aws_secret_access_key \"${AWS_SECRET_ACCESS_KEY}\" && \\\n    aws s3 cp s3://acme-models/latest.bin /models/latest.bin\nENTRYPOINT [\"/serve\"]\n";
    let case = round_trip("serving/Dockerfile", template, 512);
    case.assert_parses_in_process();
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    assert_eq!(
        case.patched,
        "FROM amazon/aws-cli:2.15.0\nENV AWS_DEFAULT_REGION=eu-west-1\nRUN aws s3 cp s3://acme-models/latest.bin /models/latest.bin\nENTRYPOINT [\"/serve\"]\n"
    );
}
