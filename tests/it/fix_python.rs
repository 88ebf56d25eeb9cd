//! The boto3/botocore rewriter on realistic fixtures: expand → fix → real `git apply` → rescan →
//! `python3 -m py_compile` on the result, with the patch as a placeholder-only snapshot.

use crate::fixutil::{prepare, round_trip, FixCase};
use crate::util::require_tool;

/// Round-trips a Python fixture and checks the result compiles.
fn fixed(path: &str, template: &str, seed: u64) -> FixCase {
    require_tool("python3");
    let case = round_trip(path, template, seed);
    assert_eq!(case.fix.rewriter, Some("python"));
    case.assert_parses("python3", &["-m", "py_compile", "{}"]);
    case
}

const LAMBDA_HANDLER: &str = r#"import json
import os

import boto3

AWS_ACCESS_KEY_ID = "{AKIA}"
AWS_SECRET_ACCESS_KEY = "{SECRET}"

s3 = boto3.client(
    "s3",
    region_name=os.environ.get("AWS_REGION", "eu-west-1"),
    aws_access_key_id=AWS_ACCESS_KEY_ID,
    aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
)


def handler(event, context):
    bucket = event["bucket"]
    obj = s3.get_object(Bucket=bucket, Key=event["key"])
    return {"statusCode": 200, "body": json.dumps({"size": obj["ContentLength"]})}
"#;

#[test]
fn lambda_handler_module_constants_go_with_their_kwargs() {
    let case = fixed("lambda/handler.py", LAMBDA_HANDLER, 11);
    assert!(case
        .patched
        .contains("region_name=os.environ.get(\"AWS_REGION\", \"eu-west-1\"),\n)"));
    assert!(!case.patched.contains("AWS_ACCESS_KEY_ID ="));
    assert!(case.patched.contains("def handler(event, context):"));
    insta::assert_snapshot!(case.safe_patch());
}

const S3_DOWNLOAD: &str = r#"#!/usr/bin/env python3
"""Download the nightly export from S3."""
import sys

import boto3

# old key, rotated in March: {AKIA2}
session = boto3.Session(aws_access_key_id="{AKIA}", aws_secret_access_key="{SECRET}", region_name="us-east-1")
s3 = session.resource("s3")


def main(dest):
    s3.Bucket("acme-nightly-exports").download_file("export.csv.gz", dest)


if __name__ == "__main__":
    main(sys.argv[1])
"#;

#[test]
fn s3_download_script_session_keeps_its_region_and_loses_the_comment_key() {
    let case = fixed("scripts/fetch_export.py", S3_DOWNLOAD, 12);
    assert!(case
        .patched
        .contains("session = boto3.Session(region_name=\"us-east-1\")\n"));
    assert!(!case.patched.contains("# old key"));
    assert!(case
        .patched
        .contains("download_file(\"export.csv.gz\", dest)"));
    insta::assert_snapshot!(case.safe_patch());
}

const NESTED_CONFIG: &str = r#"from botocore.config import Config
import boto3

dynamodb = boto3.resource(
    "dynamodb",
    aws_access_key_id="{AKIA}",  # ops account
    aws_secret_access_key="{SECRET}",
    config=Config(
        region_name="eu-central-1",
        retries={"max_attempts": 10, "mode": "adaptive"},
    ),
)
table = dynamodb.Table("orders")
"#;

#[test]
fn multi_line_resource_with_nested_config_and_trailing_commas() {
    let case = fixed("app/db.py", NESTED_CONFIG, 13);
    let expected_call = "dynamodb = boto3.resource(\n    \"dynamodb\",\n    config=Config(\n        region_name=\"eu-central-1\",\n        retries={\"max_attempts\": 10, \"mode\": \"adaptive\"},\n    ),\n)\n";
    assert!(
        case.patched.contains(expected_call),
        "{}",
        case.safe_patched()
    );
    insta::assert_snapshot!(case.safe_patch());
}

const SPLAT_DICTS: &str = r#"import boto3

CREDS = {
    "aws_access_key_id": "{AKIA}",
    "aws_secret_access_key": "{SECRET}",
}
OPTIONS = {"region_name": "ap-southeast-2", "aws_session_token": "{TOKEN}"}

sqs = boto3.client("sqs", **CREDS, **OPTIONS)
queue_url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
"#;

#[test]
fn splatted_dicts_lose_their_credentials_and_empty_ones_go_entirely() {
    let case = fixed("worker/queue.py", SPLAT_DICTS, 14);
    assert!(
        case.patched
            .contains("sqs = boto3.client(\"sqs\", **OPTIONS)\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case
        .patched
        .contains("OPTIONS = {\"region_name\": \"ap-southeast-2\"}\n"));
    assert!(!case.patched.contains("CREDS"));
    insta::assert_snapshot!(case.safe_patch());
}

const SESSION_TOKENS: &str = r#"import boto3
import botocore.session

boto3.setup_default_session(
    aws_access_key_id="{ASIA}",
    aws_secret_access_key="{SECRET}",
    aws_session_token="{TOKEN}",
    region_name="us-west-2",
)

session = botocore.session.get_session()
kms = session.create_client("kms", region_name="us-west-2", aws_access_key_id="{ASIA}", aws_secret_access_key="{SECRET}", aws_session_token="{TOKEN}")
print(kms.list_keys()["Keys"])
"#;

#[test]
fn session_tokens_go_from_default_session_and_botocore_clients() {
    let case = fixed("tools/kms_keys.py", SESSION_TOKENS, 15);
    assert!(case
        .patched
        .contains("boto3.setup_default_session(\n    region_name=\"us-west-2\",\n)\n"));
    assert!(case
        .patched
        .contains("kms = session.create_client(\"kms\", region_name=\"us-west-2\")\n"));
    insta::assert_snapshot!(case.safe_patch());
}

const ENV_FALLBACKS: &str = r#"import os

import boto3

os.environ["AWS_SECRET_ACCESS_KEY"] = "{SECRET2}"


def make_client(region):
    key = os.getenv("AWS_ACCESS_KEY_ID", "{AKIA}")
    secret = os.getenv("AWS_SECRET_ACCESS_KEY", "{SECRET}")
    return boto3.client("ec2", region_name=region, aws_access_key_id=key, aws_secret_access_key=secret)
"#;

#[test]
fn local_variables_with_env_fallbacks_and_environ_assignments_go() {
    let case = fixed("infra/ec2.py", ENV_FALLBACKS, 16);
    assert!(case
        .patched
        .contains("    return boto3.client(\"ec2\", region_name=region)\n"));
    assert!(!case.patched.contains("os.environ["));
    assert!(!case.patched.contains("key ="));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn minio_endpoint_stays_untouched_and_manual() {
    let template = r#"import boto3

minio = boto3.client(
    "s3",
    endpoint_url="http://minio.internal:9000",
    aws_access_key_id="{AKIA}",
    aws_secret_access_key="{SECRET}",
)
"#;
    let case = prepare("storage/minio.py", template, 17);
    assert!(
        case.fix.new.is_none(),
        "a MinIO client must not be rewritten"
    );
    assert!(case.patch.is_empty());
    assert!(
        case.fix.manual.iter().any(|m| m.reason.contains("minio")),
        "{:?}",
        case.fix.manual
    );
}

#[test]
fn keys_used_for_something_else_stay_manual_with_a_reason() {
    let template = r#"from requests_aws4auth import AWS4Auth

auth = AWS4Auth("{AKIA}", "{SECRET}", "eu-west-1", "es")
"#;
    let case = prepare("search/client.py", template, 18);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("python"));
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("AWS4Auth")),
        "{:?}",
        case.fix.manual
    );
}

#[test]
fn a_removal_that_would_empty_a_block_stays_manual() {
    let template = "import boto3\n\nif __debug__:\n    AWS_ACCESS_KEY_ID = \"{AKIA}\"\n\nclient = boto3.client(\"s3\")\n";
    let case = prepare("debug.py", template, 19);
    case.assert_manual_because("empty");
}
