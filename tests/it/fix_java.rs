//! Java: SDK v1 `BasicAWSCredentials` + `AWSStaticCredentialsProvider` in a builder's
//! `.withCredentials(…)` and SDK v2 `StaticCredentialsProvider` in `.credentialsProvider(…)` are
//! removed with the variables and constants that held the keys and the imports left unused. The
//! result is checked with the real `javac` parser: the AWS SDK jars are not available offline, so
//! javac stops after parsing (`-XDshould-stop.ifNoError=PARSE`), which still rejects any syntax
//! error.

use crate::fixutil::{prepare, round_trip, FixCase};

fn assert_javac_parses(case: &FixCase) {
    let out = case.repo.path().join(".git").join("javac-out");
    let out = out.to_str().unwrap();
    case.assert_parses(
        "javac",
        &[
            "-XDshould-stop.ifNoError=PARSE",
            "-XDshould-stop.ifError=PARSE",
            "-d",
            out,
            "{}",
        ],
    );
}

/// The conformance tier's Java check really rejects broken syntax.
#[cfg(feature = "conformance")]
#[test]
fn javac_parse_check_rejects_broken_syntax() {
    crate::util::require_tool("javac");
    let case = prepare(
        "Broken.java",
        "class Broken { void f() { int x = ; } }\n",
        600,
    );
    let (code, _, err) = crate::util::run(
        std::process::Command::new("javac")
            .args([
                "-XDshould-stop.ifNoError=PARSE",
                "-XDshould-stop.ifError=PARSE",
                "-d",
            ])
            .arg(case.repo.path().join(".git"))
            .arg(case.repo.path().join("Broken.java")),
    );
    assert_ne!(
        code, 0,
        "javac's parse-only mode accepted a syntax error: {err}"
    );
}

const V1_BUILDER: &str = r#"package com.example.reports;

import com.amazonaws.auth.AWSCredentials;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.regions.Regions;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import java.io.File;

/**
 * Uploads finished reports.
 * Service account key: {AKIA2}
 */
public class ReportUploader {
    private static final String ACCESS_KEY = "{AKIA}";
    private static final String SECRET_KEY = "{SECRET}";
    private static final String BUCKET = "acme-reports";

    private final AmazonS3 s3;

    public ReportUploader() {
        AWSCredentials credentials = new BasicAWSCredentials(ACCESS_KEY, SECRET_KEY);
        this.s3 = AmazonS3ClientBuilder.standard()
                .withCredentials(new AWSStaticCredentialsProvider(credentials))
                .withRegion(Regions.EU_WEST_1)
                .build();
    }

    public void upload(String key, File file) {
        s3.putObject(BUCKET, key, file);
    }
}
"#;

#[test]
fn sdk_v1_builder_with_constants() {
    let case = round_trip(
        "src/main/java/com/example/reports/ReportUploader.java",
        V1_BUILDER,
        601,
    );
    assert_javac_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    for gone in [
        "AWSStaticCredentialsProvider",
        "BasicAWSCredentials",
        "ACCESS_KEY",
        "import com.amazonaws.auth.AWSCredentials;",
    ] {
        assert!(!case.patched.contains(gone), "{gone} survives");
    }
    assert!(case.patched.contains(".withRegion(Regions.EU_WEST_1)"));
    assert!(case.patched.contains("import java.io.File;"));
    assert!(case.patched.contains("private static final String BUCKET"));
}

const V2_CHAIN: &str = r#"package com.example.ingest;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import java.time.Duration;

public final class Clients {
    private Clients() {}

    static DynamoDbClient dynamo() {
        return DynamoDbClient.builder()
            .region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create("{AKIA}", "{SECRET}")))
            .overrideConfiguration(ClientOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofSeconds(10))
                .build())
            .build();
    }

    static SqsClient sqs() {
        var session = AwsSessionCredentials.create("{ASIA}", "{SECRET2}", "{TOKEN}");
        return SqsClient.builder().credentialsProvider(StaticCredentialsProvider.create(session)).region(Region.US_EAST_1).build();
    }
}
"#;

#[test]
fn sdk_v2_static_provider_in_builder_chains() {
    let case = round_trip(
        "ingest/src/main/java/com/example/ingest/Clients.java",
        V2_CHAIN,
        602,
    );
    assert_javac_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("StaticCredentialsProvider"));
    assert!(case
        .patched
        .contains("return SqsClient.builder().region(Region.US_EAST_1).build();"));
    assert!(case
        .patched
        .contains(".apiCallTimeout(Duration.ofSeconds(10))"));
    assert!(case
        .patched
        .contains("import software.amazon.awssdk.regions.Region;"));
}

#[test]
fn issue11_deprecated_client_constructor_becomes_the_builder_default() {
    let template = r#"import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.services.s3.AmazonS3Client;

class Legacy {
    AmazonS3Client s3 = new AmazonS3Client(new BasicAWSCredentials("{AKIA}", "{SECRET}"));
}
"#;
    let case = round_trip("Legacy.java", template, 603);
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    case.assert_parses_in_process();
    assert_eq!(
        case.patched,
        "import com.amazonaws.services.s3.AmazonS3ClientBuilder;\nimport com.amazonaws.services.s3.AmazonS3;\n\nclass Legacy {\n    AmazonS3 s3 = AmazonS3ClientBuilder.defaultClient();\n}\n"
    );
}

#[test]
fn non_aws_endpoint_is_left_alone() {
    let template = r#"class Storage {
    // endpoint: https://acme.r2.cloudflarestorage.com
    AwsBasicCredentials creds = AwsBasicCredentials.create("{AKIA}", "{SECRET}");
}
"#;
    let case = prepare("Storage.java", template, 604);
    assert!(case.fix.new.is_none());
    assert!(case
        .fix
        .manual
        .iter()
        .any(|m| m.reason.contains("r2.cloudflarestorage.com")));
}
