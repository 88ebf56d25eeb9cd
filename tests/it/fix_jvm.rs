//! Java, C#, Kotlin and Scala on the syntax layer (issue 11): realistic files committed to a real
//! repository, fixed, applied with `git apply`, checked in-process with the grammar, and in the
//! conformance tier compiled against tiny SDK stubs (`javac`, `mcs`). kotlinc and scalac are not
//! part of the toolchain: Kotlin and Scala are checked in-process only.

use crate::fixutil::{prepare, round_trip, FixCase};

/// Compiles the patched Java file with `javac` against stub classes (conformance tier).
#[cfg(feature = "conformance")]
fn assert_javac_compiles(case: &FixCase, stubs: &[(&str, &str)]) {
    use crate::util::{require_tool, run};
    require_tool("javac");
    let dir = case.repo.path().join(".git").join("stubs");
    std::fs::create_dir_all(&dir).unwrap();
    let out = case.repo.path().join(".git").join("classes");
    let mut cmd = std::process::Command::new("javac");
    cmd.arg("-d").arg(&out);
    for (name, body) in stubs {
        let file = dir.join(format!("{name}.java"));
        std::fs::write(&file, body).unwrap();
        cmd.arg(file);
    }
    cmd.arg(case.repo.path().join(&case.path));
    let (code, out, err) = run(&mut cmd);
    assert_eq!(
        code,
        0,
        "javac rejects the patched file:\n{out}{err}\n{}",
        case.safe_patched()
    );
}

#[cfg(not(feature = "conformance"))]
fn assert_javac_compiles(_case: &FixCase, _stubs: &[(&str, &str)]) {}

/// Compiles the patched C# file with `mcs` against stub classes (conformance tier).
#[cfg(feature = "conformance")]
fn assert_mcs_compiles(case: &FixCase, stubs: &str) {
    use crate::util::{require_tool, run};
    require_tool("mcs");
    let stub = case.repo.path().join(".git").join("Stubs.cs");
    std::fs::write(&stub, stubs).unwrap();
    let out = case.repo.path().join(".git").join("out.dll");
    let (code, o, e) = run(std::process::Command::new("mcs")
        .arg("-target:library")
        .arg(format!("-out:{}", out.display()))
        .arg(&stub)
        .arg(case.repo.path().join(&case.path)));
    assert_eq!(
        code,
        0,
        "mcs rejects the patched file:\n{o}{e}\n{}",
        case.safe_patched()
    );
}

#[cfg(not(feature = "conformance"))]
fn assert_mcs_compiles(_case: &FixCase, _stubs: &str) {}

const V2_STUBS: &[(&str, &str)] = &[
    ("AwsCredentials", "package software.amazon.awssdk.auth.credentials; public interface AwsCredentials {}"),
    ("AwsBasicCredentials", "package software.amazon.awssdk.auth.credentials; public class AwsBasicCredentials implements AwsCredentials { public static AwsBasicCredentials create(String a, String b) { return null; } }"),
    ("AwsCredentialsProvider", "package software.amazon.awssdk.auth.credentials; public interface AwsCredentialsProvider { AwsCredentials resolveCredentials(); }"),
    ("StaticCredentialsProvider", "package software.amazon.awssdk.auth.credentials; public class StaticCredentialsProvider implements AwsCredentialsProvider { public static StaticCredentialsProvider create(AwsCredentials c) { return null; } public AwsCredentials resolveCredentials() { return null; } }"),
    ("Region", "package software.amazon.awssdk.regions; public class Region { public static final Region US_EAST_1 = new Region(); public static Region of(String s) { return null; } }"),
    ("S3Client", "package software.amazon.awssdk.services.s3; public interface S3Client { static Builder builder() { return null; } interface Builder { Builder region(software.amazon.awssdk.regions.Region r); Builder credentialsProvider(software.amazon.awssdk.auth.credentials.AwsCredentialsProvider p); S3Client build(); } }"),
];

const JAVA_V2_LAMBDA: &str = r#"package com.example.media.config;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

public class S3Config {

    private static final String ACCESS_KEY = "{AKIA}";
    private static final String SECRET_KEY = "{SECRET}";
    private static final String REGION = "us-east-1";

    public S3Client s3Client() {
        return S3Client.builder()
                .region(Region.of(REGION))
                .credentialsProvider(() -> AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))
                .build();
    }
}
"#;

#[test]
fn issue11_java_v2_lambda_provider_goes_with_its_constants_and_import() {
    let case = round_trip(
        "src/main/java/com/example/media/config/S3Config.java",
        JAVA_V2_LAMBDA,
        1101,
    );
    case.assert_parses_in_process();
    assert_javac_compiles(&case, V2_STUBS);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("AwsBasicCredentials"));
    assert!(case
        .patched
        .contains("private static final String REGION = \"us-east-1\";"));
    assert!(case
        .patched
        .contains(".region(Region.of(REGION))\n                .build();"));
}

const JAVA_V2_STATIC: &str = r#"package com.example.media.config;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

public class Storage {
    public static S3Client client() {
        AwsBasicCredentials awsCreds = AwsBasicCredentials.create(
                "{AKIA}",
                "{SECRET}");
        return S3Client.builder()
                .credentialsProvider(StaticCredentialsProvider.create(awsCreds))
                .region(Region.US_EAST_1)
                .build();
    }
}
"#;

#[test]
fn issue11_java_v2_static_provider_from_a_local() {
    let case = round_trip(
        "src/main/java/com/example/media/config/Storage.java",
        JAVA_V2_STATIC,
        1102,
    );
    case.assert_parses_in_process();
    assert_javac_compiles(&case, V2_STUBS);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("StaticCredentialsProvider"));
    assert!(case
        .patched
        .contains("import software.amazon.awssdk.regions.Region;"));
}

#[test]
fn java_credentials_read_elsewhere_stay_manual() {
    let template = r#"import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

class Signer {
    private final AwsBasicCredentials creds = AwsBasicCredentials.create("{AKIA}", "{SECRET}");

    String keyId() {
        return creds.accessKeyId();
    }
}
"#;
    let case = prepare("Signer.java", template, 1103);
    assert!(case.fix.new.is_none());
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("`creds` is also used on line 7")),
        "{:?}",
        case.fix.manual
    );
}

const CS_STUBS: &str = r#"namespace Amazon { public class RegionEndpoint { public static RegionEndpoint USEast1; } }
namespace Amazon.Runtime { public abstract class AWSCredentials {} public class BasicAWSCredentials : AWSCredentials { public BasicAWSCredentials(string a, string b) {} } }
namespace Amazon.S3 {
    public interface IAmazonS3 { System.Threading.Tasks.Task<string> GetObjectAsync(string b, string k); }
    public class AmazonS3Client : IAmazonS3 {
        public AmazonS3Client(Amazon.RegionEndpoint r) {}
        public AmazonS3Client(Amazon.Runtime.AWSCredentials c, Amazon.RegionEndpoint r) {}
        public System.Threading.Tasks.Task<string> GetObjectAsync(string b, string k) { return null; }
    }
}
"#;

const CS_FIELD: &str = r#"using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Acme.Media
{
    public class MediaStore
    {
        private readonly AWSCredentials _credentials;
        private readonly IAmazonS3 _client;

        public MediaStore()
        {
            _credentials = new BasicAWSCredentials("{AKIA}", "{SECRET}");
            _client = new AmazonS3Client(_credentials, RegionEndpoint.USEast1);
        }

        public Task<string> Fetch(string key) => _client.GetObjectAsync("acme-media", key);
    }
}
"#;

#[test]
fn issue11_csharp_credentials_in_a_field_set_in_the_constructor() {
    let case = round_trip("src/Acme.Media/MediaStore.cs", CS_FIELD, 1104);
    case.assert_parses_in_process();
    assert_mcs_compiles(&case, CS_STUBS);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("_client = new AmazonS3Client(RegionEndpoint.USEast1);"));
    assert!(!case.patched.contains("_credentials"));
    assert!(case.patched.contains("private readonly IAmazonS3 _client;"));
}

const KOTLIN_BLOCK: &str = r#"package com.example.uploads

import aws.sdk.kotlin.runtime.auth.credentials.StaticCredentialsProvider
import aws.sdk.kotlin.services.s3.S3Client
import aws.sdk.kotlin.services.s3.model.PutObjectRequest

object Uploads {
    private const val BUCKET = "acme-uploads"

    suspend fun put(key: String, bytes: ByteArray) {
        S3Client {
            region = "eu-west-1"
            credentialsProvider = StaticCredentialsProvider {
                accessKeyId = "{AKIA}"
                secretAccessKey = "{SECRET}"
            }
        }.use { s3 ->
            s3.putObject(PutObjectRequest { bucket = BUCKET; this.key = key })
        }
    }
}
"#;

#[test]
fn issue11_kotlin_static_provider_block() {
    let case = round_trip(
        "app/src/main/kotlin/com/example/uploads/Uploads.kt",
        KOTLIN_BLOCK,
        1105,
    );
    case.assert_parses_in_process();
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("StaticCredentialsProvider"));
    assert!(case
        .patched
        .contains("        S3Client {\n            region = \"eu-west-1\"\n        }.use { s3 ->"));
}

const SCALA_V1: &str = r#"package com.example.ingest

import com.amazonaws.auth.{AWSStaticCredentialsProvider, BasicAWSCredentials}
import com.amazonaws.services.s3.{AmazonS3, AmazonS3ClientBuilder}

object S3Store {
  private val accessKey = "{AKIA}"
  private val secretKey = "{SECRET}"
  private val bucket = "acme-ingest"

  lazy val s3: AmazonS3 = AmazonS3ClientBuilder
    .standard()
    .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(accessKey, secretKey)))
    .withRegion("eu-west-1")
    .build()

  def put(key: String, body: String): Unit = s3.putObject(bucket, key, body)
}
"#;

#[test]
fn issue11_scala_v1_builder_with_vals() {
    let case = round_trip(
        "src/main/scala/com/example/ingest/S3Store.scala",
        SCALA_V1,
        1106,
    );
    case.assert_parses_in_process();
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("secretKey"));
    assert!(case
        .patched
        .contains("    .standard()\n    .withRegion(\"eu-west-1\")"));
}
