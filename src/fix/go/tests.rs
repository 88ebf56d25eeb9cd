use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;
use proptest::prelude::*;

/// Runs the whole fix (framework included); returns (new text, manual reasons).
fn fixed(template: &str) -> (Option<String>, Vec<String>) {
    let mut keys = FakeKeys::new(7);
    let text = template
        .replace("{AKIA}", &keys.expand("{AKIA}"))
        .replace("{SECRET}", &keys.expand("{SECRET}"));
    let fix = crate::fix::fix_text(&Detector::builtin(), "main.go", &text);
    let reasons = fix.manual.iter().map(|m| m.reason.clone()).collect();
    (fix.new, reasons)
}

#[test]
fn v1_config_field_goes_with_its_constants_import_and_alignment() {
    let (new, manual) = fixed(
        "package main\n\nimport (\n\t\"log\"\n\n\t\"github.com/aws/aws-sdk-go/aws\"\n\t\"github.com/aws/aws-sdk-go/aws/credentials\"\n\t\"github.com/aws/aws-sdk-go/aws/session\"\n)\n\nconst (\n\taccessKey = \"{AKIA}\"\n)\n\nvar secretKey = \"{SECRET}\"\n\nfunc main() {\n\tsess, err := session.NewSession(&aws.Config{\n\t\tRegion:      aws.String(\"us-west-2\"),\n\t\tCredentials: credentials.NewStaticCredentials(accessKey, secretKey, \"\"),\n\t\tMaxRetries:  aws.Int(3),\n\t})\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\t_ = sess\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "package main\n\nimport (\n\t\"log\"\n\n\t\"github.com/aws/aws-sdk-go/aws\"\n\t\"github.com/aws/aws-sdk-go/aws/session\"\n)\n\nfunc main() {\n\tsess, err := session.NewSession(&aws.Config{\n\t\tRegion:     aws.String(\"us-west-2\"),\n\t\tMaxRetries: aws.Int(3),\n\t})\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\t_ = sess\n}\n"
    );
}

#[test]
fn with_credentials_and_get_check_go_with_the_binding() {
    let (new, manual) = fixed(
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/aws/aws-sdk-go/aws\"\n\t\"github.com/aws/aws-sdk-go/aws/credentials\"\n\t\"github.com/aws/aws-sdk-go/aws/session\"\n\t\"github.com/aws/aws-sdk-go/service/s3\"\n)\n\nfunc main() {\n\tcreds := credentials.NewStaticCredentials(\"{AKIA}\", \"{SECRET}\", \"\")\n\t_, err := creds.Get()\n\tif err != nil {\n\t\tfmt.Printf(\"bad credentials: %s\", err)\n\t}\n\tcfg := aws.NewConfig().WithRegion(\"us-west-1\").WithCredentials(creds)\n\tsvc := s3.New(session.New(), cfg)\n\tfmt.Println(svc)\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/aws/aws-sdk-go/aws\"\n\t\"github.com/aws/aws-sdk-go/aws/session\"\n\t\"github.com/aws/aws-sdk-go/service/s3\"\n)\n\nfunc main() {\n\tcfg := aws.NewConfig().WithRegion(\"us-west-1\")\n\tsvc := s3.New(session.New(), cfg)\n\tfmt.Println(svc)\n}\n"
    );
}

#[test]
fn v2_provider_option_goes_and_credentials_import_with_it() {
    let (new, manual) = fixed(
        "package main\n\nimport (\n\t\"context\"\n\n\t\"github.com/aws/aws-sdk-go-v2/config\"\n\t\"github.com/aws/aws-sdk-go-v2/credentials\"\n)\n\nfunc load(ctx context.Context) error {\n\tcfg, err := config.LoadDefaultConfig(ctx,\n\t\tconfig.WithRegion(\"eu-west-1\"),\n\t\tconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(\"{AKIA}\", \"{SECRET}\", \"\")),\n\t)\n\t_ = cfg\n\treturn err\n}\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "package main\n\nimport (\n\t\"context\"\n\n\t\"github.com/aws/aws-sdk-go-v2/config\"\n)\n\nfunc load(ctx context.Context) error {\n\tcfg, err := config.LoadDefaultConfig(ctx,\n\t\tconfig.WithRegion(\"eu-west-1\"),\n\t)\n\t_ = cfg\n\treturn err\n}\n"
    );
}

#[test]
fn a_key_that_feeds_other_code_is_manual() {
    let (new, manual) = fixed(
        "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tid := \"{AKIA}\"\n\tfmt.Println(id)\n}\n",
    );
    assert!(new.is_none());
    assert!(
        manual.iter().any(|m| m.contains("`id` holds the key")),
        "{manual:?}"
    );
}

#[test]
fn package_names_drop_versions_and_go_prefixes() {
    assert_eq!(
        package_name("github.com/aws/aws-sdk-go-v2/config"),
        "config"
    );
    assert_eq!(package_name("gopkg.in/yaml.v3"), "yaml");
    assert_eq!(package_name("github.com/x/go-redis/v9"), "redis");
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), at in 0usize..64) {
        let key = FakeKeys::new(1).expand("{AKIA}");
        let cut = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
        let src = format!("{}\"{key}\"{}", &text[..cut], &text[cut..]);
        let _ = crate::fix::fix_text(&Detector::builtin(), "a.go", &src);
    }
}
