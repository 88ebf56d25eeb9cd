//! JavaScript / TypeScript: SDK v2 (`AWS.config.update`, constructor options, `new
//! AWS.Credentials`) and v3 (`credentials:` in a client config) lose their credentials; the
//! result passes `node --check` (JavaScript) or has no syntax error under `tsc` (TypeScript).

use crate::fixutil::{prepare, round_trip, FixCase};

fn assert_node_parses(case: &FixCase) {
    case.assert_parses("node", &["--check", "{}"]);
}

/// TypeScript: the SDK's type packages are not installed offline, so module resolution errors
/// (TS2xxx) are expected; a syntax error (TS1xxx) fails the test.
fn assert_tsc_syntax(case: &FixCase) {
    case.assert_parses_in_process();
    #[cfg(feature = "conformance")]
    tsc_syntax(case);
}

#[cfg(feature = "conformance")]
fn tsc_syntax(case: &FixCase) {
    use crate::util::{require_tool, run};
    use std::process::Command;
    require_tool("tsc");
    let file = case.repo.path().join(&case.path);
    let (_, out, err) = run(Command::new("tsc")
        .args(["--noEmit", "--target", "es2022", "--module", "nodenext"])
        .arg(&file));
    let syntax: Vec<&str> = out
        .lines()
        .chain(err.lines())
        .filter(|l| l.contains("error TS1"))
        .collect();
    assert!(
        syntax.is_empty(),
        "tsc finds syntax errors:\n{}\n---\n{}",
        syntax.join("\n"),
        case.safe_patched()
    );
    // The tree-sitter TypeScript grammar finds no more errors than in the original.
    case.assert_parses_in_process();
    // The fixture imports `@aws-sdk/*`: tsc reaching the module-resolution stage proves it parsed.
    assert!(
        out.contains("error TS2307"),
        "tsc did not get past parsing: {out}{err}"
    );
}

const V2_CONFIG_UPDATE: &str = r#"// Uploads the nightly reports to S3.
// Old key, rotated in March: {AKIA2}
'use strict';

const AWS = require('aws-sdk');

AWS.config.update({
  accessKeyId: '{AKIA}',
  secretAccessKey: '{SECRET}',
  region: 'eu-west-1',
});

const s3 = new AWS.S3({ apiVersion: '2006-03-01', maxRetries: 5 });

async function upload(bucket, key, body) {
  const started = Date.now();
  await s3.putObject({ Bucket: bucket, Key: key, Body: body }).promise();
  return `${bucket}/${key} in ${Date.now() - started} ms`;
}

module.exports = { upload };
"#;

#[test]
fn sdk_v2_config_update_keeps_region() {
    let case = round_trip("jobs/upload.js", V2_CONFIG_UPDATE, 501);
    assert_node_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case.patched.contains("region: 'eu-west-1',"));
    assert!(case
        .patched
        .contains("new AWS.S3({ apiVersion: '2006-03-01', maxRetries: 5 })"));
    assert!(!case.patched.contains("Old key"));
}

const V2_CREDENTIALS_OBJECT: &str = r#"const AWS = require("aws-sdk");

AWS.config.update({ accessKeyId: "{AKIA3}", secretAccessKey: "{SECRET3}" });

const creds = new AWS.Credentials(
  "{AKIA}",
  "{SECRET}"
);

const dynamo = new AWS.DynamoDB.DocumentClient({
  region: "us-east-1",
  credentials: creds,
  httpOptions: { timeout: 5000, connectTimeout: 1000 },
});

const sqs = new AWS.SQS({accessKeyId: "{AKIA2}", secretAccessKey: "{SECRET2}", region: "us-east-1"});
const sns = new AWS.SNS({ accessKeyId: "{AKIA4}", secretAccessKey: "{SECRET4}" });

exports.handler = async (event) => {
  const item = await dynamo.get({ TableName: "orders", Key: { id: event.id } }).promise();
  await sqs.sendMessage({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(item) }).promise();
  await sns.publish({ TopicArn: process.env.TOPIC, Message: "done" }).promise();
};
"#;

#[test]
fn sdk_v2_credentials_object_and_constructor_options() {
    let case = round_trip("lambda/orders.js", V2_CREDENTIALS_OBJECT, 502);
    assert_node_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("AWS.Credentials"));
    assert!(!case.patched.contains("config.update"));
    assert!(case
        .patched
        .contains(r#"const sqs = new AWS.SQS({region: "us-east-1"});"#));
    assert!(case.patched.contains("const sns = new AWS.SNS();"));
    assert!(case
        .patched
        .contains("httpOptions: { timeout: 5000, connectTimeout: 1000 },"));
}

const V3_TYPESCRIPT: &str = r#"import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";

const REGION: string = process.env.AWS_REGION ?? "us-west-2";

/* Static keys for the reporting user (see ticket OPS-112). */
const staticCreds = {
  accessKeyId: "{AKIA}",
  secretAccessKey: "{SECRET}",
};

export const s3 = new S3Client({
  region: REGION,
  credentials: staticCreds,
  maxAttempts: 3,
});

export const queue = new SQSClient({ region: REGION, credentials: { accessKeyId: "{ASIA}", secretAccessKey: "{SECRET2}", sessionToken: `{TOKEN}` }, maxAttempts: 2 });

export async function read(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const label = `${bucket}/${key.replace(/\/+/g, "/")}: ${out.ContentLength ?? 0} bytes`;
  return label;
}
"#;

#[test]
fn sdk_v3_typescript_drops_credentials_property() {
    let case = round_trip("src/storage.ts", V3_TYPESCRIPT, 503);
    assert_tsc_syntax(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("staticCreds"));
    assert!(case
        .patched
        .contains("new SQSClient({ region: REGION, maxAttempts: 2 })"));
    assert!(case
        .patched
        .contains("  region: REGION,\n  maxAttempts: 3,\n"));
}

const V3_ESM_NESTED: &str = r#"import { S3Client } from "@aws-sdk/client-s3";
import { fromIni } from "@aws-sdk/credential-providers";

const clients = {
  primary: new S3Client({
    region: "ap-southeast-2",
    credentials: {
      accessKeyId: "{AKIA}", // reporting user
      secretAccessKey: "{SECRET}",
    },
    followRegionRedirects: true,
  }),
  dev: new S3Client({ region: "ap-southeast-2", credentials: fromIni({ profile: "dev" }) }),
};

export default clients;
"#;

#[test]
fn sdk_v3_nested_inline_credentials_with_trailing_commas() {
    let case = round_trip("lib/clients.mjs", V3_ESM_NESTED, 504);
    assert_node_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case.patched.contains("fromIni({ profile: \"dev\" })"));
    assert!(case
        .patched
        .contains("    region: \"ap-southeast-2\",\n    followRegionRedirects: true,\n"));
}

#[test]
fn minio_endpoint_is_left_alone() {
    let template = r#"const { S3Client } = require("@aws-sdk/client-s3");
const s3 = new S3Client({
  endpoint: "http://minio.internal:9000",
  forcePathStyle: true,
  credentials: { accessKeyId: "{AKIA}", secretAccessKey: "{SECRET}" },
});
"#;
    let case = prepare("minio.js", template, 505);
    case.assert_manual_because("minio");
}

#[test]
fn browser_code_is_a_manual_fix_with_cognito_advice() {
    let template = r#"const s3 = new AWS.S3({ accessKeyId: "{AKIA}", secretAccessKey: "{SECRET}" });
document.getElementById("upload").addEventListener("click", () => s3.upload({}).send());
"#;
    let case = prepare("public/app.js", template, 506);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("javascript"));
    assert!(
        case.fix.manual.iter().all(|m| m.advice.contains("Cognito")),
        "{:?}",
        case.fix.manual
    );
}

#[test]
fn unknown_use_is_a_manual_fix() {
    let template = r#"const key = "{AKIA}";
const secret = "{SECRET}";
signRequest(key, secret);
"#;
    let case = prepare("sign.js", template, 507);
    assert!(case.fix.new.is_none());
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("signRequest")),
        "{:?}",
        case.fix.manual
    );
}

const V2_GLOBAL_CREDENTIALS: &str = r#"import AWS from "aws-sdk";

/* Rotated on 2023-04-01; the old pair was {AKIA3} */
const creds = new AWS.Credentials({
  accessKeyId: process.env.KEY_ID || "{AKIA}",
  secretAccessKey: "{SECRET}",
});
AWS.config.credentials = creds;
AWS.config.region = "ca-central-1";

export const athena = new AWS.Athena({ credentials: new AWS.Credentials("{AKIA2}", "{SECRET2}"), maxRetries: 2 });
"#;

#[test]
fn sdk_v2_global_credentials_assignment_and_inline_credentials_object() {
    let case = round_trip("src/athena.mjs", V2_GLOBAL_CREDENTIALS, 508);
    assert_node_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("AWS.config.region = \"ca-central-1\";"));
    assert!(case.patched.contains("new AWS.Athena({ maxRetries: 2 })"));
    assert!(!case.patched.contains("creds"));
}
