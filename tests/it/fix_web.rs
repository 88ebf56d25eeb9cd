//! Issue 11, JavaScript/TypeScript and Go on the syntax layer: the idioms real code uses, each
//! committed to a real repository, fixed with `rolecall fix`, patched with the real `git apply`,
//! rescanned, and parsed in-process (and by `node`, `tsc`, `gofmt`/`go vet` in the conformance
//! tier).

use crate::fixutil::{prepare, round_trip, FixCase};

fn assert_js(case: &FixCase) {
    case.assert_parses_in_process();
    #[cfg(feature = "conformance")]
    case.assert_tool_accepts("node", &["--check", "{}"]);
}

fn assert_ts(case: &FixCase) {
    case.assert_parses_in_process();
    #[cfg(feature = "conformance")]
    {
        use crate::util::{require_tool, run};
        use std::process::Command;
        require_tool("tsc");
        let file = case.repo.path().join(&case.path);
        let (_, out, err) = run(Command::new("tsc")
            .args(["--noEmit", "--target", "es2022", "--module", "nodenext"])
            .arg(&file));
        assert!(
            !out.contains("error TS1") && !err.contains("error TS1"),
            "tsc finds syntax errors:\n{out}{err}\n---\n{}",
            case.safe_patched()
        );
    }
}

/// gofmt-clean: in-process parse, and in the conformance tier `gofmt -l` lists nothing.
fn assert_go(case: &FixCase) {
    case.assert_parses_in_process();
    #[cfg(feature = "conformance")]
    {
        use crate::util::{require_tool, run};
        use std::process::Command;
        require_tool("gofmt");
        let file = case.repo.path().join(&case.path);
        let (code, out, err) = run(Command::new("gofmt").arg("-l").arg(&file));
        assert!(
            code == 0 && out.trim().is_empty(),
            "gofmt would reformat the patched file:\n{out}{err}\n---\n{}",
            case.safe_patched()
        );
    }
}

const JS_ENV_FALLBACK: &str = r#"'use strict';

const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');

const s3 = new S3Client({
  region: process.env.AWS_REGION || 'us-east-1',
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || '{AKIA}',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || '{SECRET}',
  },
});

exports.handler = async (event) => {
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: event.key, Body: event.body }));
};
"#;

#[test]
fn issue11_js_env_fallback_drops_only_the_literal() {
    let case = round_trip("src/upload.js", JS_ENV_FALLBACK, 1101);
    assert_js(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("    accessKeyId: process.env.AWS_ACCESS_KEY_ID,\n"));
    assert!(case
        .patched
        .contains("region: process.env.AWS_REGION || 'us-east-1',"));
}

const JS_V2_BINDINGS: &str = r#"const AWS = require('aws-sdk');

const ACCESS_KEY = '{AKIA}';
const SECRET_KEY = '{SECRET}';

const s3 = new AWS.S3({
  accessKeyId: ACCESS_KEY,
  secretAccessKey: SECRET_KEY,
  signatureVersion: 'v4',
});

const credentials = new AWS.Credentials(ACCESS_KEY, SECRET_KEY);
const sqs = new AWS.SQS({ credentials, region: 'eu-west-1' });

module.exports = { s3, sqs };
"#;

#[test]
fn issue11_js_v2_bindings_follow_every_use() {
    let case = round_trip("lib/aws.js", JS_V2_BINDINGS, 1102);
    assert_js(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("ACCESS_KEY"));
    assert!(case
        .patched
        .contains("new AWS.SQS({ region: 'eu-west-1' })"));
    assert!(case.patched.contains("signatureVersion: 'v4',"));
}

const TS_V3_TYPED: &str = r#"import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import type { AwsCredentialIdentity } from "@aws-sdk/types";

const creds: AwsCredentialIdentity = {
  accessKeyId: "{AKIA}",
  secretAccessKey: "{SECRET}",
};

export const client = new S3Client({ region: "us-east-2", credentials: creds });

export async function read(key: string): Promise<string | undefined> {
  const out = await client.send(new GetObjectCommand({ Bucket: "reports", Key: key }));
  return out.Body?.transformToString();
}
"#;

#[test]
fn issue11_ts_typed_credentials_binding_goes_with_its_use() {
    let case = round_trip("src/s3.ts", TS_V3_TYPED, 1103);
    assert_ts(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("new S3Client({ region: \"us-east-2\" });"));
    assert!(!case.patched.contains("const creds"));
}

const JS_FEEDS_OTHER_CODE: &str = r#"const AWS = require('aws-sdk');
const KEY_ID = '{AKIA}';
const s3 = new AWS.S3({ accessKeyId: KEY_ID, secretAccessKey: '{SECRET}' });
const prefix = `uploads/${KEY_ID}/`;
module.exports = { s3, prefix };
"#;

#[test]
fn issue11_js_binding_feeding_other_code_stays_and_the_rest_is_fixed() {
    let case = prepare("lib/s3.js", JS_FEEDS_OTHER_CODE, 1104);
    assert!(
        case.fix.manual.iter().any(|m| m
            .reason
            .contains("`KEY_ID` holds the key and also feeds other code")),
        "{:?}",
        case.fix.manual
    );
    assert!(case
        .patched
        .contains("const prefix = `uploads/${KEY_ID}/`;"));
    assert!(case.patched.contains("const KEY_ID = "));
}

const GO_WITH_CREDENTIALS: &str = r#"package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3"
)

func main() {
	creds := credentials.NewStaticCredentials("{AKIA}", "{SECRET}", "")
	_, err := creds.Get()
	if err != nil {
		fmt.Printf("bad credentials: %s", err)
	}
	cfg := aws.NewConfig().WithRegion("us-west-2").WithCredentials(creds)
	svc := s3.New(session.New(), cfg)
	out, err := svc.ListBuckets(&s3.ListBucketsInput{})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(out)
}
"#;

#[test]
fn issue11_go_with_credentials_and_get_check() {
    let case = round_trip("main.go", GO_WITH_CREDENTIALS, 1105);
    assert_go(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("\tcfg := aws.NewConfig().WithRegion(\"us-west-2\")\n"));
    assert!(!case.patched.contains("aws/credentials\""));
    assert!(!case.patched.contains("creds"));
}

const GO_V1_SESSION_FIELD: &str = r#"package storage

import (
	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
)

// NewSession opens the uploader's session.
func NewSession() (*session.Session, error) {
	return session.NewSession(&aws.Config{
		Region:           aws.String("eu-west-1"),
		Credentials:      credentials.NewStaticCredentials("{AKIA}", "{SECRET}", ""),
		S3ForcePathStyle: aws.Bool(true),
	})
}
"#;

#[test]
fn issue11_go_config_field_removed_and_fields_realigned() {
    let case = round_trip("storage/session.go", GO_V1_SESSION_FIELD, 1106);
    assert_go(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case.patched.contains(
        "\t\tRegion:           aws.String(\"eu-west-1\"),\n\t\tS3ForcePathStyle: aws.Bool(true),\n"
    ));
}

const GO_GET_VALUE_USED: &str = r#"package main

import (
	"fmt"

	"github.com/aws/aws-sdk-go/aws/credentials"
)

func main() {
	creds := credentials.NewStaticCredentials("{AKIA}", "{SECRET}", "")
	v, _ := creds.Get()
	fmt.Println(v.AccessKeyID)
}
"#;

#[test]
fn issue11_go_credentials_read_for_their_value_stay_manual() {
    let case = prepare("main.go", GO_GET_VALUE_USED, 1107);
    assert!(case.fix.new.is_none());
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("the retrieved credentials are used")),
        "{:?}",
        case.fix.manual
    );
}
