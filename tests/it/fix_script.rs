//! Ruby and PHP rewriters on the syntax layer (issue 11): realistic files → fix → real
//! `git apply` → rescan → in-process parse check (and `ruby -c` / `php -l` in the conformance
//! tier), with the patch as a placeholder-only snapshot.

use crate::fixutil::{round_trip, FixCase};

fn fixed(path: &str, rewriter: &str, template: &str, seed: u64) -> FixCase {
    let case = round_trip(path, template, seed);
    assert_eq!(case.fix.rewriter, Some(rewriter));
    match rewriter {
        "ruby" => case.assert_parses("ruby", &["-c", "{}"]),
        _ => case.assert_parses("php", &["-l", "{}"]),
    }
    case
}

const RAKE_UPLOAD_WITH_HEREDOC: &str = r#"require 'logger'
require 'aws-sdk-s3'

log = Logger.new($stdout)

namespace :backup do
  desc 'Upload the nightly dump'
  task upload: :environment do
    log.info <<~MSG
      Uploading the dump; don't stop the worker until it's done.
    MSG
    s3 = Aws::S3::Client.new(
      access_key_id: '{AKIA}',
      secret_access_key: '{SECRET}',
      region: 'eu-west-1',
    )
    s3.put_object(bucket: 'acme-backups', key: "db/#{Date.today}.sql.gz", body: File.open('tmp/dump.sql.gz'))
  end
end
"#;

#[test]
fn issue11_ruby_heredoc_before_the_client_is_read_as_a_heredoc() {
    let case = fixed(
        "lib/tasks/backup.rake",
        "ruby",
        RAKE_UPLOAD_WITH_HEREDOC,
        61,
    );
    assert!(
        case.patched
            .contains("    s3 = Aws::S3::Client.new(\n      region: 'eu-west-1',\n    )\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case
        .patched
        .contains("don't stop the worker until it's done."));
    insta::assert_snapshot!(case.safe_patch());
}

const AWS_INITIALIZER: &str = r#"# config/initializers/aws.rb
require 'aws-sdk-core'

AWS_KEY = '{AKIA}'
AWS_SECRET = '{SECRET}'

Aws.config.update(
  region: ENV.fetch('AWS_REGION', 'us-east-1'),
  credentials: Aws::Credentials.new(AWS_KEY, AWS_SECRET),
)

Rails.application.config.x.upload_bucket = ENV.fetch('UPLOAD_BUCKET', 'acme-uploads')
"#;

#[test]
fn ruby_config_update_credentials_object_and_its_constants_go() {
    let case = fixed("config/initializers/aws.rb", "ruby", AWS_INITIALIZER, 62);
    assert!(!case.patched.contains("AWS_KEY"), "{}", case.safe_patched());
    assert!(case
        .patched
        .contains("Aws.config.update(\n  region: ENV.fetch('AWS_REGION', 'us-east-1'),\n)\n"));
    assert!(case.patched.contains("config.x.upload_bucket"));
    insta::assert_snapshot!(case.safe_patch());
}

const LARAVEL_FILESYSTEMS: &str = r#"<?php

return [

    'default' => env('FILESYSTEM_DISK', 'local'),

    'disks' => [

        'public' => [
            'driver' => 'local',
            'root' => storage_path('app/public'),
            'url' => env('APP_URL').'/storage',
            'visibility' => 'public',
        ],

        's3' => [
            'driver' => 's3',
            'key' => env('AWS_ACCESS_KEY_ID', '{AKIA}'),
            'secret' => env('AWS_SECRET_ACCESS_KEY', '{SECRET}'),
            'region' => env('AWS_DEFAULT_REGION', 'eu-west-1'),
            'bucket' => env('AWS_BUCKET'),
            'url' => env('AWS_URL'),
            'use_path_style_endpoint' => env('AWS_USE_PATH_STYLE_ENDPOINT', false),
        ],

    ],

];
"#;

#[test]
fn laravel_filesystems_env_defaults_go_and_the_lookups_stay() {
    let case = fixed("config/filesystems.php", "php", LARAVEL_FILESYSTEMS, 63);
    assert!(
        case.patched.contains(
            "            'key' => env('AWS_ACCESS_KEY_ID'),\n            'secret' => env('AWS_SECRET_ACCESS_KEY'),\n"
        ),
        "{}",
        case.safe_patched()
    );
    assert_eq!(case.patched.lines().count(), case.original.lines().count());
    insta::assert_snapshot!(case.safe_patch());
}

const SDK_V2_FACTORY: &str = r#"<?php
require 'vendor/autoload.php';

use Aws\S3\S3Client;

$client = S3Client::factory(array(
    'key'    => '{AKIA}',
    'secret' => '{SECRET}',
    'region' => 'us-west-2',
));

$result = $client->putObject(array(
    'Bucket' => 'acme-reports',
    'Key'    => 'daily/report.csv',
    'Body'   => fopen('/tmp/report.csv', 'r'),
));
echo $result['ObjectURL'] . "\n";
"#;

#[test]
fn php_sdk_v2_top_level_key_and_secret_go() {
    let case = fixed("bin/upload_report.php", "php", SDK_V2_FACTORY, 64);
    assert!(
        case.patched
            .contains("$client = S3Client::factory(array(\n    'region' => 'us-west-2',\n));\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case.patched.contains("'Key'    => 'daily/report.csv',"));
    insta::assert_snapshot!(case.safe_patch());
}
