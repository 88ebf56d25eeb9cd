//! The aws-sdk-ruby rewriter on realistic fixtures: expand → fix → real `git apply` → rescan →
//! `ruby -c` on the result, with the patch as a placeholder-only snapshot.

use crate::fixutil::{prepare, round_trip, FixCase};

/// Round-trips a Ruby fixture and checks the result parses.
fn fixed(path: &str, template: &str, seed: u64) -> FixCase {
    let case = round_trip(path, template, seed);
    assert_eq!(case.fix.rewriter, Some("ruby"));
    case.assert_parses("ruby", &["-c", "{}"]);
    case
}

const LAMBDA_HANDLER: &str = r#"require 'json'
require 'aws-sdk-s3'

ACCESS_KEY = '{AKIA}'
SECRET_KEY = '{SECRET}'

S3 = Aws::S3::Client.new(
  region: ENV.fetch('AWS_REGION', 'eu-west-1'),
  credentials: Aws::Credentials.new(ACCESS_KEY, SECRET_KEY),
  retry_limit: 5,
)

def lambda_handler(event:, context:)
  obj = S3.get_object(bucket: event['bucket'], key: event['key'])
  { statusCode: 200, body: JSON.generate(size: obj.content_length) }
end
"#;

#[test]
fn lambda_handler_credentials_object_and_its_constants_go() {
    let case = fixed("lambda/handler.rb", LAMBDA_HANDLER, 21);
    assert!(case
        .patched
        .contains("  region: ENV.fetch('AWS_REGION', 'eu-west-1'),\n  retry_limit: 5,\n)"));
    assert!(!case.patched.contains("ACCESS_KEY"));
    assert!(case
        .patched
        .contains("def lambda_handler(event:, context:)"));
    insta::assert_snapshot!(case.safe_patch());
}

const CONFIG_UPDATE_ONLY_CREDENTIALS: &str = r#"#!/usr/bin/env ruby
require 'aws-sdk-s3'

# deploy key (ci-bot): {AKIA2}
Aws.config.update(
  credentials: Aws::Credentials.new('{AKIA}', '{SECRET}')
)
Aws.config.update(region: 'us-east-1')

s3 = Aws::S3::Resource.new
s3.bucket('acme-nightly-exports').object('export.csv.gz').download_file(ARGV.fetch(0))
"#;

#[test]
fn s3_download_script_config_update_holding_only_credentials_goes_whole() {
    let case = fixed("bin/fetch_export", CONFIG_UPDATE_ONLY_CREDENTIALS, 22);
    assert!(!case.patched.contains("credentials"));
    assert!(!case.patched.contains("# deploy key"));
    assert!(case
        .patched
        .contains("Aws.config.update(region: 'us-east-1')\n"));
    assert!(case.patched.contains("download_file(ARGV.fetch(0))"));
    insta::assert_snapshot!(case.safe_patch());
}

const CLIENT_KWARGS: &str = r#"require 'aws-sdk-dynamodb'

dynamodb = Aws::DynamoDB::Client.new(
  access_key_id: '{ASIA}',
  secret_access_key: '{SECRET}',
  session_token: '{TOKEN}',
  region: 'eu-central-1',
  retry_limit: 3,
  http_open_timeout: Integer(ENV.fetch('OPEN_TIMEOUT', '5')),
)
table = Aws::DynamoDB::Table.new('orders', client: dynamodb)
puts table.item_count
"#;

#[test]
fn client_keyword_arguments_with_session_token_and_trailing_comma() {
    let case = fixed("app/orders.rb", CLIENT_KWARGS, 23);
    let expected = "dynamodb = Aws::DynamoDB::Client.new(\n  region: 'eu-central-1',\n  retry_limit: 3,\n  http_open_timeout: Integer(ENV.fetch('OPEN_TIMEOUT', '5')),\n)\n";
    assert!(case.patched.contains(expected), "{}", case.safe_patched());
    insta::assert_snapshot!(case.safe_patch());
}

const HASH_ROCKETS: &str = r#"require 'aws-sdk-core'

Aws.config.update({
  :region => 'ap-southeast-2',
  :credentials => Aws::Credentials.new(ENV.fetch('AWS_ACCESS_KEY_ID', '{AKIA}'), '{SECRET}'),
})
"#;

#[test]
fn hash_rocket_config_keeps_region() {
    let case = fixed("config/initializers/aws.rb", HASH_ROCKETS, 24);
    assert!(
        case.patched
            .contains("Aws.config.update({\n  :region => 'ap-southeast-2',\n})\n"),
        "{}",
        case.safe_patched()
    );
    insta::assert_snapshot!(case.safe_patch());
}

const SPLAT_AND_ENV: &str = r#"require 'aws-sdk-sqs'

CREDS = { access_key_id: '{AKIA}', secret_access_key: '{SECRET}' }.freeze
ENV['AWS_SECRET_ACCESS_KEY'] = '{SECRET2}'

sqs = Aws::SQS::Client.new(**CREDS, region: 'us-west-2')
sqs.send_message(queue_url: ENV.fetch('QUEUE_URL'), message_body: 'ping')
"#;

#[test]
fn double_splatted_hash_and_env_assignment_go() {
    let case = fixed("worker/ping.rb", SPLAT_AND_ENV, 25);
    assert!(
        case.patched
            .contains("sqs = Aws::SQS::Client.new(region: 'us-west-2')\n"),
        "{}",
        case.safe_patched()
    );
    assert!(!case.patched.contains("CREDS"));
    assert!(!case.patched.contains("ENV['AWS_SECRET_ACCESS_KEY']"));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn client_with_only_credentials_loses_its_parentheses() {
    let template = "require 'aws-sdk-ec2'\n\nec2 = Aws::EC2::Client.new(credentials: Aws::Credentials.new('{AKIA}', '{SECRET}'))\nputs ec2.describe_instances.reservations.size\n";
    let case = fixed("ops/instances.rb", template, 26);
    assert!(
        case.patched.contains("ec2 = Aws::EC2::Client.new\n"),
        "{}",
        case.safe_patched()
    );
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn minio_endpoint_stays_untouched_and_manual() {
    let template = r#"require 'aws-sdk-s3'

s3 = Aws::S3::Client.new(
  endpoint: 'http://minio.internal:9000',
  access_key_id: '{AKIA}',
  secret_access_key: '{SECRET}',
  force_path_style: true,
)
"#;
    let case = prepare("storage/minio.rb", template, 27);
    case.assert_manual_because("minio");
}

#[test]
fn keys_used_for_something_else_stay_manual_with_a_reason() {
    let template = "require 'faraday'\nrequire 'aws-sdk-core'\n\nconn = Faraday.new(url: 'https://search.internal')\nconn.basic_auth('{AKIA}', '{SECRET}')\n";
    let case = prepare("search/client.rb", template, 28);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("ruby"));
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("basic_auth")),
        "{:?}",
        case.fix.manual
    );
}

const PAREN_LESS: &str = r#"require 'aws-sdk-s3'

Aws.config.update region: 'eu-west-1',
                  credentials: Aws::Credentials.new('{AKIA}', '{SECRET}')
Aws.config.update credentials: Aws::Credentials.new('{AKIA2}', '{SECRET2}')

s3 = Aws::S3::Client.new access_key_id: '{AKIA3}', secret_access_key: '{SECRET3}', retry_limit: 2
puts s3.list_buckets.buckets.map(&:name)
"#;

#[test]
fn calls_without_parentheses_lose_their_credential_arguments() {
    let case = fixed("scripts/buckets.rb", PAREN_LESS, 29);
    assert!(
        case.patched
            .contains("Aws.config.update region: 'eu-west-1'\n"),
        "{}",
        case.safe_patched()
    );
    assert!(
        case.patched
            .contains("s3 = Aws::S3::Client.new retry_limit: 2\n"),
        "{}",
        case.safe_patched()
    );
    assert_eq!(case.patched.matches("Aws.config.update").count(), 1);
    insta::assert_snapshot!(case.safe_patch());
}
