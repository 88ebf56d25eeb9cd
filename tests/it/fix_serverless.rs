//! Lambda and Rails configuration in YAML (issue 11, item 5): Serverless Framework
//! `serverless.yml`, AWS SAM / CloudFormation templates and Rails `config/storage.yml` lose the
//! entries holding AWS keys. Each case runs the full round trip (generated keys → fix → real
//! `git apply` → rescan), parses the patched file with the in-process YAML grammar (the parse
//! guard's check), and compares it with the file a reviewer would write.

use crate::fixutil::{prepare, round_trip, FixCase};

/// The patched file parses (no more syntax errors than the original) and the serverless
/// rewriter made it.
fn assert_fixed_by_serverless(case: &FixCase) {
    case.assert_parses(
        "python3",
        &[
            "-c",
            "import sys, yaml\nclass L(yaml.SafeLoader): pass\nL.add_multi_constructor('!', lambda l, s, n: None)\nlist(yaml.load_all(open(sys.argv[1], newline=''), Loader=L))",
            "{}",
        ],
    );
    assert_eq!(case.fix.rewriter, Some("serverless"), "{:?}", case.fix);
}

const SERVERLESS: &str = r#"service: image-resizer
frameworkVersion: '3'

provider:
  name: aws
  runtime: nodejs18.x
  region: eu-west-1
  stage: ${opt:stage, 'dev'}
  environment:
    BUCKET: ${self:service}-${sls:stage}-images
    S3_ACCESS_KEY_ID: {AKIA}
    S3_SECRET_ACCESS_KEY: {SECRET}   # from the console
  iam:
    role:
      statements:
        - Effect: Allow
          Action:
            - s3:GetObject
            - s3:PutObject
          Resource: arn:aws:s3:::${self:service}-${sls:stage}-images/*

functions:
  resize:
    handler: src/resize.handler
    events:
      - s3:
          bucket: ${self:service}-${sls:stage}-images
          event: s3:ObjectCreated:*
  report:
    handler: src/report.handler
    environment:
      AWS_ACCESS_KEY_ID: "{AKIA2}"
      AWS_SECRET_ACCESS_KEY: "{SECRET2}"
    events:
      - schedule: rate(1 day)

plugins:
  - serverless-offline
"#;

#[test]
fn issue_11_serverless_provider_and_function_environments_lose_their_keys() {
    let case = round_trip("serverless.yml", SERVERLESS, 1101);
    assert_fixed_by_serverless(&case);
    let expected = SERVERLESS
        .replace("    S3_ACCESS_KEY_ID: {AKIA}\n", "")
        .replace("    S3_SECRET_ACCESS_KEY: {SECRET}   # from the console\n", "")
        .replace(
            "    environment:\n      AWS_ACCESS_KEY_ID: \"{AKIA2}\"\n      AWS_SECRET_ACCESS_KEY: \"{SECRET2}\"\n",
            "",
        );
    assert_eq!(case.safe_patched(), expected);
    assert!(
        case.fix.notes.iter().any(|n| n.contains("execution role")
            && n.contains("provider.iam.role.statements")
            && n.contains("function `report`")),
        "{:?}",
        case.fix.notes
    );
    insta::assert_snapshot!(case.safe_patch());
}

const SAM: &str = r#"AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  thumbnail-service: resizes uploads

Globals:
  Function:
    Timeout: 10
    Runtime: python3.12

Resources:
  ThumbnailFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: thumbnail/
      Handler: app.lambda_handler
      Policies:
        - S3CrudPolicy:
            BucketName: !Ref ImagesBucket
      Environment:
        Variables:
          BUCKET_NAME: !Ref ImagesBucket
          ACCESS_KEY_ID: {AKIA}
          SECRET_ACCESS_KEY: {SECRET}
  CleanupFunction:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt CleanupRole.Arn
      Code:
        ZipFile: |
          import boto3
          def handler(event, context):
              boto3.client("s3").list_buckets()
      Environment:
        Variables:
          MY_AWS_ACCESS_KEY_ID: '{AKIA2}'
          MY_AWS_SECRET_ACCESS_KEY: '{SECRET2}'
      Timeout: 30
  ImagesBucket:
    Type: AWS::S3::Bucket

Outputs:
  Bucket:
    Value: !Ref ImagesBucket
"#;

#[test]
fn issue_11_sam_function_variables_lose_their_keys_and_an_emptied_environment_goes() {
    let case = round_trip("template.yaml", SAM, 1102);
    assert_fixed_by_serverless(&case);
    let expected = SAM
        .replace(
            "          ACCESS_KEY_ID: {AKIA}\n          SECRET_ACCESS_KEY: {SECRET}\n",
            "",
        )
        .replace(
            "      Environment:\n        Variables:\n          MY_AWS_ACCESS_KEY_ID: '{AKIA2}'\n          MY_AWS_SECRET_ACCESS_KEY: '{SECRET2}'\n",
            "",
        );
    assert_eq!(case.safe_patched(), expected);
    assert!(
        case.fix
            .notes
            .iter()
            .any(|n| n.contains("`ThumbnailFunction`")
                && n.contains("`CleanupFunction`")
                && n.contains("execution role")),
        "{:?}",
        case.fix.notes
    );
    insta::assert_snapshot!(case.safe_patch());
}

const STORAGE: &str = r#"test:
  service: Disk
  root: <%= Rails.root.join("tmp/storage") %>

local:
  service: Disk
  root: <%= Rails.root.join("storage") %>

# Use bin/rails credentials:edit to set the AWS secrets (as aws:access_key_id|secret_access_key)
amazon:
  service: S3
  access_key_id: {AKIA}
  secret_access_key: {SECRET}
  region: us-east-1
  bucket: your_own_bucket-<%= Rails.env %>

amazon_backup:
  service: S3
  access_key_id: <%= Rails.application.credentials.dig(:aws, :access_key_id) %>
  secret_access_key: <%= Rails.application.credentials.dig(:aws, :secret_access_key) %>
  region: eu-west-1
  bucket: backups
"#;

#[test]
fn issue_11_rails_storage_s3_service_drops_its_keys_and_keeps_erb_lookups() {
    let case = round_trip("config/storage.yml", STORAGE, 1103);
    assert_fixed_by_serverless(&case);
    let expected = STORAGE.replace(
        "  access_key_id: {AKIA}\n  secret_access_key: {SECRET}\n",
        "",
    );
    assert_eq!(case.safe_patched(), expected);
    assert!(
        case.fix
            .notes
            .iter()
            .any(|n| n.contains("`amazon`") && n.contains("default credential chain")),
        "{:?}",
        case.fix.notes
    );
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn issue_11_a_key_outside_the_environment_stays_manual() {
    let template = "service: uploader\nprovider:\n  name: aws\ncustom:\n  s3:\n    accessKeyId: {AKIA}\n    secretAccessKey: {SECRET}\n";
    let case = prepare("serverless.yml", template, 1104);
    case.assert_manual_because("Serverless Framework rewriter cannot remove it safely");
}

#[test]
fn issue_11_other_yaml_rewriters_keep_their_files() {
    let cases = [
        (
            "deploy/app.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  AWS_ACCESS_KEY_ID: {AKIA}\n",
            "kubernetes",
        ),
        (
            "docker-compose.yml",
            "services:\n  app:\n    environment:\n      AWS_ACCESS_KEY_ID: {AKIA}\n",
            "docker-compose",
        ),
        (
            ".github/workflows/serverless.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      AWS_ACCESS_KEY_ID: {AKIA}\n    steps:\n      - run: aws s3 ls\n",
            "github-actions",
        ),
    ];
    for (path, template, rewriter) in cases {
        let case = prepare(path, template, 1105);
        assert_eq!(case.fix.rewriter, Some(rewriter), "{path}");
    }
}
