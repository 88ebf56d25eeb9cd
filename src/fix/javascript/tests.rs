use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;
use proptest::prelude::*;

/// Runs the whole fix (framework included) on a template; returns (new text, manual reasons).
fn fixed(path: &str, template: &str) -> (String, Option<String>, Vec<String>) {
    let mut keys = FakeKeys::new(5);
    let text = template
        .replace("{AKIA}", &keys.expand("{AKIA}"))
        .replace("{SECRET}", &keys.expand("{SECRET}"));
    let fix = crate::fix::fix_text(&Detector::builtin(), path, &text);
    let reasons = fix.manual.iter().map(|m| m.reason.clone()).collect();
    (text, fix.new, reasons)
}

#[test]
fn handles_js_and_ts_by_extension() {
    assert!(JavaScript.handles("a/b.js", ""));
    assert!(JavaScript.handles("a/b.mjs", ""));
    assert!(JavaScript.handles("a/b.ts", ""));
    assert!(!JavaScript.handles("a/b.go", ""));
}

#[test]
fn v2_config_update_goes_whole_and_region_stays() {
    let (_, new, manual) = fixed(
        "s3.js",
        "const AWS = require('aws-sdk');\nAWS.config.update({\n  accessKeyId: '{AKIA}',\n  secretAccessKey: '{SECRET}',\n  region: 'us-east-1',\n});\nconst s3 = new AWS.S3();\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "const AWS = require('aws-sdk');\nAWS.config.update({\n  region: 'us-east-1',\n});\nconst s3 = new AWS.S3();\n"
    );
    let (_, new, _) = fixed(
        "s3.js",
        "AWS.config.update({ accessKeyId: '{AKIA}', secretAccessKey: '{SECRET}' });\nconst s3 = new AWS.S3();\n",
    );
    assert_eq!(new.unwrap(), "const s3 = new AWS.S3();\n");
}

#[test]
fn v2_constructor_options_and_credentials_object() {
    let (_, new, manual) = fixed(
        "s3.js",
        "const s3 = new AWS.S3({ accessKeyId: '{AKIA}', secretAccessKey: '{SECRET}' });\nconst creds = new AWS.Credentials('{AKIA}', '{SECRET}');\nconst ddb = new AWS.DynamoDB({ credentials: creds, region: 'eu-west-1' });\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "const s3 = new AWS.S3();\nconst ddb = new AWS.DynamoDB({ region: 'eu-west-1' });\n"
    );
}

#[test]
fn v3_nested_credentials_and_shorthand_bindings_in_typescript() {
    let (_, new, manual) = fixed(
        "client.ts",
        "import { S3Client } from \"@aws-sdk/client-s3\";\nconst accessKeyId: string = \"{AKIA}\";\nconst secretAccessKey = \"{SECRET}\" as string;\nexport const client = new S3Client({\n  region: \"us-east-1\",\n  credentials: { accessKeyId, secretAccessKey },\n});\n",
    );
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "import { S3Client } from \"@aws-sdk/client-s3\";\nexport const client = new S3Client({\n  region: \"us-east-1\",\n});\n"
    );
}

#[test]
fn env_fallback_loses_only_the_literal() {
    let (text, new, manual) = fixed(
        "cfg.js",
        "const s3 = new S3Client({\n  credentials: {\n    accessKeyId: process.env.AWS_ACCESS_KEY_ID || '{AKIA}',\n    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? \"{SECRET}\",\n  },\n});\n",
    );
    assert!(manual.is_empty(), "{manual:?} {text}");
    assert_eq!(
        new.unwrap(),
        "const s3 = new S3Client({\n  credentials: {\n    accessKeyId: process.env.AWS_ACCESS_KEY_ID,\n    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,\n  },\n});\n"
    );
}

#[test]
fn a_binding_that_feeds_other_code_stays_and_its_spot_is_manual() {
    let (_, new, manual) = fixed(
        "x.js",
        "const KEY = '{AKIA}';\nconst SECRET = '{SECRET}';\nconst s3 = new AWS.S3({ accessKeyId: KEY, secretAccessKey: SECRET });\nconsole.log('bucket-' + KEY);\n",
    );
    assert!(
        manual
            .iter()
            .any(|m| m.contains("`KEY` holds the key and also feeds")),
        "{manual:?}"
    );
    // The secret's spot is still fixed: the secret goes, the key ID's binding stays.
    let new = new.expect("a partial fix");
    assert!(new.contains("const KEY = "), "{new}");
    assert!(new.contains("console.log('bucket-' + KEY);"), "{new}");
    assert!(!new.contains("SECRET = "), "{new}");
}

#[test]
fn comments_lose_only_their_key_line() {
    let (_, new, manual) = fixed("x.js", "// old key: {AKIA}\nconst s3 = new AWS.S3();\n");
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(new.unwrap(), "const s3 = new AWS.S3();\n");
}

#[test]
fn browser_code_is_manual() {
    let (_, new, manual) = fixed(
        "app.js",
        "AWS.config.update({ accessKeyId: '{AKIA}', secretAccessKey: '{SECRET}' });\ndocument.title = 'x';\n",
    );
    assert!(new.is_none());
    assert!(manual.iter().all(|m| m.contains("browser")), "{manual:?}");
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), at in 0usize..64) {
        let key = FakeKeys::new(1).expand("{AKIA}");
        let cut = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
        let src = format!("{}'{key}'{}", &text[..cut], &text[cut..]);
        let _ = crate::fix::fix_text(&Detector::builtin(), "a.ts", &src);
    }
}
