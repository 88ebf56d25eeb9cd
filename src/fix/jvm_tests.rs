use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;

fn fixed(path: &str, template: &str) -> (String, Option<String>, Vec<String>) {
    let mut keys = FakeKeys::new(5);
    let text = template
        .replace("{AKIA}", &keys.key_id("AKIA"))
        .replace("{SECRET}", &keys.secret());
    let fix = crate::fix::fix_text(&Detector::builtin(), path, &text);
    let reasons: Vec<String> = fix.manual.iter().map(|m| m.reason.clone()).collect();
    (text, fix.new, reasons)
}

#[test]
fn handles_kotlin_and_scala_by_extension() {
    assert!(Kotlin.handles("src/main/kotlin/A.kt", ""));
    assert!(Kotlin.handles("build.gradle.kts", ""));
    assert!(Scala.handles("src/main/scala/A.scala", ""));
    assert!(!Scala.handles("A.java", ""));
}

#[test]
fn kotlin_static_provider_block_goes_and_the_client_keeps_its_region() {
    let (_, new, manual) = fixed(
        "S3.kt",
        "import aws.sdk.kotlin.services.s3.S3Client\n\nsuspend fun client(): S3Client {\n    return S3Client.fromEnvironment {\n        region = \"us-east-1\"\n        credentialsProvider = StaticCredentialsProvider {\n            accessKeyId = \"{AKIA}\"\n            secretAccessKey = \"{SECRET}\"\n        }\n    }\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    let new = new.expect("patched");
    assert_eq!(
        new,
        "import aws.sdk.kotlin.services.s3.S3Client\n\nsuspend fun client(): S3Client {\n    return S3Client.fromEnvironment {\n        region = \"us-east-1\"\n    }\n}\n"
    );
}

#[test]
fn kotlin_java_style_builder_and_constants_go() {
    let (_, new, manual) = fixed(
        "Store.kt",
        "private const val ACCESS_KEY = \"{AKIA}\"\nprivate const val SECRET_KEY = \"{SECRET}\"\nprivate const val BUCKET = \"media\"\n\nval s3: AmazonS3 = AmazonS3ClientBuilder.standard()\n    .withRegion(Regions.EU_WEST_1)\n    .withCredentials(AWSStaticCredentialsProvider(BasicAWSCredentials(ACCESS_KEY, SECRET_KEY)))\n    .build()\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.expect("patched"),
        "private const val BUCKET = \"media\"\n\nval s3: AmazonS3 = AmazonS3ClientBuilder.standard()\n    .withRegion(Regions.EU_WEST_1)\n    .build()\n"
    );
}

#[test]
fn scala_credentials_value_and_v1_client_constructor() {
    let (_, new, manual) = fixed(
        "Store.scala",
        "object Store {\n  val creds = new BasicAWSCredentials(\"{AKIA}\", \"{SECRET}\")\n  val bucket = \"media\"\n  lazy val s3 = new AmazonS3Client(creds)\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.expect("patched"),
        "object Store {\n  val bucket = \"media\"\n  lazy val s3 = AmazonS3ClientBuilder.defaultClient()\n}\n"
    );
}

#[test]
fn scala_v2_provider_chain() {
    let (_, new, manual) = fixed(
        "Dynamo.scala",
        "object Dynamo {\n  val client = DynamoDbClient.builder()\n    .region(Region.US_EAST_1)\n    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(\"{AKIA}\", \"{SECRET}\")))\n    .build()\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.expect("patched"),
        "object Dynamo {\n  val client = DynamoDbClient.builder()\n    .region(Region.US_EAST_1)\n    .build()\n}\n"
    );
}

#[test]
fn a_binding_that_feeds_other_code_stays_manual() {
    let (_, new, manual) = fixed(
        "Keys.scala",
        "object Keys {\n  val creds = new BasicAWSCredentials(\"{AKIA}\", \"{SECRET}\")\n  println(creds.getAWSAccessKeyId)\n}\n",
    );
    assert!(new.is_none());
    assert!(
        manual.iter().any(|m| m.contains("also used on line 3")),
        "{manual:?}"
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        for path in ["a.kt", "a.scala"] {
            let _ = crate::fix::fix_text(&Detector::builtin(), path, &text);
        }
    }
}

#[test]
fn issue11_partial_fix_keeps_the_manual_spot_and_fixes_the_other() {
    let (text, new, manual) = fixed(
        "Clients.java",
        "class Clients {\n    static final AwsBasicCredentials SIGNING = AwsBasicCredentials.create(\"{AKIA}\", \"{SECRET}\");\n\n    static String keyId() {\n        return SIGNING.accessKeyId();\n    }\n\n    static S3Client s3() {\n        return S3Client.builder()\n                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(\"{AKIA}\", \"{SECRET}\")))\n                .build();\n    }\n}\n",
    );
    let new = new.expect("the second spot is fixed");
    assert!(
        manual
            .iter()
            .any(|m| m.contains("`SIGNING` is also used on line 5")),
        "{manual:?}"
    );
    assert!(new.contains("return SIGNING.accessKeyId();"));
    assert!(new.contains("return S3Client.builder()\n                .build();"));
    assert!(text.contains(".credentialsProvider("));
}

#[test]
fn csharp_aws_options_initializer_loses_only_its_credentials() {
    let (_, new, manual) = fixed(
        "Startup.cs",
        "public class Startup\n{\n    public void ConfigureServices(IServiceCollection services)\n    {\n        var options = new AWSOptions\n        {\n            Region = RegionEndpoint.USEast1,\n            Credentials = new BasicAWSCredentials(\"{AKIA}\", \"{SECRET}\")\n        };\n        services.AddDefaultAWSOptions(options);\n    }\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    let new = new.expect("patched");
    assert!(
        new.contains("Region = RegionEndpoint.USEast1\n        };"),
        "{new}"
    );
    assert!(!new.contains("Credentials"));
}
