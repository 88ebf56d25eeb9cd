//! The aws-sdk-php rewriter on realistic fixtures: expand → fix → real `git apply` → rescan →
//! `php -l` on the result, with the patch as a placeholder-only snapshot.

use crate::fixutil::{prepare, round_trip, FixCase};

/// Round-trips a PHP fixture and checks the result passes `php -l`.
fn fixed(path: &str, template: &str, seed: u64) -> FixCase {
    let case = round_trip(path, template, seed);
    assert_eq!(case.fix.rewriter, Some("php"));
    case.assert_parses("php", &["-l", "{}"]);
    case
}

const S3_DOWNLOAD: &str = r#"<?php
require 'vendor/autoload.php';

use Aws\S3\S3Client;

// old deploy key: {AKIA2}
$s3 = new S3Client([
    'version' => 'latest',
    'region' => 'eu-west-1',
    'credentials' => [
        'key' => '{AKIA}',
        'secret' => '{SECRET}',
    ],
]);

$s3->getObject([
    'Bucket' => 'acme-nightly-exports',
    'Key' => 'export.csv.gz',
    'SaveAs' => '/tmp/export.csv.gz',
]);
"#;

#[test]
fn s3_download_credentials_array_goes_and_config_stays() {
    let case = fixed("bin/fetch_export.php", S3_DOWNLOAD, 31);
    let expected =
        "$s3 = new S3Client([\n    'version' => 'latest',\n    'region' => 'eu-west-1',\n]);\n";
    assert!(case.patched.contains(expected), "{}", case.safe_patched());
    assert!(!case.patched.contains("// old deploy key"));
    assert!(case.patched.contains("'SaveAs' => '/tmp/export.csv.gz',"));
    insta::assert_snapshot!(case.safe_patch());
}

const CREDENTIALS_OBJECT: &str = r#"<?php
namespace App\Jobs;

use Aws\Credentials\Credentials;
use Aws\Sqs\SqsClient;

class PingQueue
{
    public function handle(): void
    {
        $credentials = new Credentials('{ASIA}', '{SECRET}', '{TOKEN}');
        $sqs = new SqsClient(['region' => 'us-west-2', 'version' => '2012-11-05', 'credentials' => $credentials]);
        $sqs->sendMessage(['QueueUrl' => getenv('QUEUE_URL'), 'MessageBody' => 'ping']);
    }
}
"#;

#[test]
fn credentials_object_in_a_variable_goes_with_its_use() {
    let case = fixed("app/Jobs/PingQueue.php", CREDENTIALS_OBJECT, 32);
    assert!(
        case.patched.contains(
            "        $sqs = new SqsClient(['region' => 'us-west-2', 'version' => '2012-11-05']);\n"
        ),
        "{}",
        case.safe_patched()
    );
    assert!(!case.patched.contains("$credentials"));
    insta::assert_snapshot!(case.safe_patch());
}

const ARRAY_SYNTAX: &str = r#"<?php
$config = array(
    'region'  => 'ap-southeast-2',
    'version' => 'latest',
    'credentials' => new \Aws\Credentials\Credentials(getenv('AWS_ACCESS_KEY_ID') ?: '{AKIA}', '{SECRET}'),
    'http'    => array(
        'connect_timeout' => 5,
        'retries' => array('mode' => 'adaptive', 'max_attempts' => 8),
    ),
);
$dynamo = new Aws\DynamoDb\DynamoDbClient($config);
echo count($dynamo->listTables()['TableNames']), "\n";
"#;

#[test]
fn array_syntax_with_nested_options_and_fully_qualified_credentials() {
    let case = fixed("legacy/tables.php", ARRAY_SYNTAX, 33);
    assert!(
        case.patched
            .contains("    'version' => 'latest',\n    'http'    => array(\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case
        .patched
        .contains("'retries' => array('mode' => 'adaptive', 'max_attempts' => 8),"));
    insta::assert_snapshot!(case.safe_patch());
}

const VARIABLES_AND_ENV: &str = r#"<?php
$awsKey = '{AKIA}';
$awsSecret = '{SECRET}';
putenv('AWS_SESSION_TOKEN={TOKEN}');
$_ENV['AWS_SECRET_ACCESS_KEY'] = '{SECRET2}';

$client = new Aws\Ec2\Ec2Client([
    'region' => 'us-east-1',
    'version' => 'latest',
    'credentials' => ['key' => $awsKey, 'secret' => $awsSecret],
]);
var_dump($client->describeRegions()['Regions']);
"#;

#[test]
fn key_variables_putenv_and_env_assignments_go() {
    let case = fixed("ops/regions.php", VARIABLES_AND_ENV, 34);
    assert!(
        case.patched
            .starts_with("<?php\n\n$client = new Aws\\Ec2\\Ec2Client([\n"),
        "{}",
        case.safe_patched()
    );
    assert!(case.patched.contains("    'version' => 'latest',\n]);\n"));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn minio_endpoint_stays_untouched_and_manual() {
    let template = r#"<?php
$s3 = new Aws\S3\S3Client([
    'version' => 'latest',
    'region' => 'us-east-1',
    'endpoint' => 'http://minio.internal:9000',
    'use_path_style_endpoint' => true,
    'credentials' => ['key' => '{AKIA}', 'secret' => '{SECRET}'],
]);
"#;
    let case = prepare("storage/minio.php", template, 35);
    case.assert_manual_because("minio");
}

#[test]
fn keys_used_for_something_else_stay_manual_with_a_reason() {
    let template = "<?php\n// AWS signing for the search cluster\ndefine('SEARCH_KEY', '{AKIA}');\ndefine('SEARCH_SECRET', '{SECRET}');\n";
    let case = prepare("config/search.php", template, 36);
    assert_eq!(case.fix.rewriter, Some("php"));
    case.assert_manual_because("define");
}
