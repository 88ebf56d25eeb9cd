//! C#: `BasicAWSCredentials` / `SessionAWSCredentials` passed to clients, the key/secret
//! constructor overloads and `AWSOptions.Credentials` are removed. The AWS SDK assemblies are not
//! available offline, so the result is checked with Mono's C# compiler in parse-only mode
//! (`mcs --parse`), which still rejects any syntax error.

use crate::fixutil::{prepare, round_trip, FixCase};

fn assert_mcs_parses(case: &FixCase) {
    case.assert_parses("mcs", &["--parse", "{}"]);
}

/// The conformance tier's C# check really rejects broken syntax.
#[cfg(feature = "conformance")]
#[test]
fn mcs_parse_mode_rejects_broken_syntax() {
    use crate::util::{require_tool, run};
    use std::process::Command;
    require_tool("mcs");
    let case = prepare(
        "Broken.cs",
        "class A { void F() { var c = new X(; } }\n",
        800,
    );
    let (code, out, _) = run(Command::new("mcs")
        .arg("--parse")
        .arg(case.repo.path().join("Broken.cs")));
    assert_ne!(code, 0, "mcs --parse accepted a syntax error: {out}");
}

const CLIENT_WITH_CREDENTIALS: &str = r#"using System;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Acme.Reports
{
    public class ReportStore
    {
        // Legacy deploy key {AKIA2}
        private const string LogDir = @"C:\logs\acme\";
        private readonly IAmazonS3 _s3;

        public ReportStore()
        {
            var credentials = new BasicAWSCredentials("{AKIA}", "{SECRET}");
            _s3 = new AmazonS3Client(credentials, RegionEndpoint.EUWest1);
        }

        public async Task<string> ReadAsync(string key)
        {
            using (var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = "acme-reports", Key = key }))
            {
                return $"{key}: {response.ContentLength} bytes at {DateTime.UtcNow:O} (logs in {LogDir})";
            }
        }
    }
}
"#;

#[test]
fn credentials_object_passed_to_client() {
    let case = round_trip(
        "src/Acme.Reports/ReportStore.cs",
        CLIENT_WITH_CREDENTIALS,
        801,
    );
    assert_mcs_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("_s3 = new AmazonS3Client(RegionEndpoint.EUWest1);"));
    assert!(case
        .patched
        .contains("private const string LogDir = @\"C:\\logs\\acme\\\";"));
}

const KEY_OVERLOADS: &str = r#"using Amazon;
using Amazon.DynamoDBv2;
using Amazon.SQS;

namespace Acme.Ingest
{
    public static class Clients
    {
        private const string AccessKey = "{AKIA}";
        private const string SecretKey = "{SECRET}";

        public static AmazonDynamoDBClient Dynamo() =>
            new AmazonDynamoDBClient(AccessKey, SecretKey, new AmazonDynamoDBConfig { RegionEndpoint = RegionEndpoint.USEast1, MaxErrorRetry = 5 });

        public static AmazonSQSClient Queue() => new AmazonSQSClient(
            "{ASIA}",
            "{SECRET2}",
            "{TOKEN}",
            RegionEndpoint.USWest2);
    }
}
"#;

#[test]
fn key_and_secret_constructor_overloads() {
    let case = round_trip("Ingest/Clients.cs", KEY_OVERLOADS, 802);
    assert_mcs_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case.patched.contains(
        "new AmazonDynamoDBClient(new AmazonDynamoDBConfig { RegionEndpoint = RegionEndpoint.USEast1, MaxErrorRetry = 5 });"
    ));
    assert!(case
        .patched
        .contains("new AmazonSQSClient(\n            RegionEndpoint.USWest2);"));
}

const AWS_OPTIONS: &str = r#"using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;

public class Startup
{
    public void ConfigureServices(IServiceCollection services)
    {
        var awsOptions = Configuration.GetAWSOptions();
        awsOptions.Credentials = new BasicAWSCredentials("{AKIA}", "{SECRET}");
        services.AddDefaultAWSOptions(awsOptions);
        services.AddAWSService<IAmazonS3>();
        services.AddSingleton(new AWSOptions
        {
            Region = RegionEndpoint.APSoutheast2,
            Credentials = new SessionAWSCredentials("{ASIA}", "{SECRET2}", "{TOKEN}"),
        });
    }
}
"#;

#[test]
fn aws_options_credentials() {
    let case = round_trip("Web/Startup.cs", AWS_OPTIONS, 803);
    assert_mcs_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("services.AddDefaultAWSOptions(awsOptions);"));
    assert!(case
        .patched
        .contains("            Region = RegionEndpoint.APSoutheast2,\n        });"));
}

#[test]
fn wasabi_endpoint_is_left_alone() {
    let template = r#"var config = new AmazonS3Config { ServiceURL = "https://s3.wasabisys.com" }; // endpoint: wasabisys.com
var client = new AmazonS3Client("{AKIA}", "{SECRET}", config);
"#;
    let case = prepare("Tools/Wasabi.cs", template, 804);
    assert!(case.fix.new.is_none());
    assert!(!case.fix.manual.is_empty());
}
