use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;
use proptest::prelude::*;

/// Runs the whole fix (framework included) on a template; returns (original, new text,
/// manual reasons).
fn fixed(path: &str, template: &str) -> (String, Option<String>, Vec<String>) {
    let text = FakeKeys::new(5).expand(template);
    let fix = crate::fix::fix_text(&Detector::builtin(), path, &text);
    let reasons = fix.manual.iter().map(|m| m.reason.clone()).collect();
    (text, fix.new, reasons)
}

#[test]
fn handles_php_files_with_an_open_tag() {
    assert!(Php.handles("a.php", "<?php\n"));
    assert!(!Php.handles("a.php", "plain"));
    assert!(!Php.handles("a.rb", "<?php"));
}

#[test]
fn laravel_env_default_goes_and_the_lookup_stays() {
    let template = "<?php\n\nreturn [\n    'disks' => [\n        's3' => [\n            'driver' => 's3',\n            'key' => env('AWS_ACCESS_KEY_ID', '{AKIA}'),\n            'secret' => env('AWS_SECRET_ACCESS_KEY', '{SECRET}'),\n            'region' => env('AWS_DEFAULT_REGION', 'us-east-1'),\n            'bucket' => env('AWS_BUCKET'),\n        ],\n    ],\n];\n";
    let (text, new, manual) = fixed("config/filesystems.php", template);
    assert!(manual.is_empty(), "{manual:?}");
    let new = new.unwrap();
    assert!(new.contains("            'key' => env('AWS_ACCESS_KEY_ID'),\n            'secret' => env('AWS_SECRET_ACCESS_KEY'),\n"), "{new}");
    assert_eq!(new.lines().count(), text.lines().count());
}

#[test]
fn sdk_v2_top_level_key_and_secret_go() {
    let template = "<?php\nuse Aws\\S3\\S3Client;\n$client = S3Client::factory(array(\n    'key'    => '{AKIA}',\n    'secret' => '{SECRET}',\n    'region' => 'us-east-1',\n));\n$client->getObject(array('Bucket' => 'b', 'Key' => 'k'));\n";
    let (_, new, manual) = fixed("upload.php", template);
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "<?php\nuse Aws\\S3\\S3Client;\n$client = S3Client::factory(array(\n    'region' => 'us-east-1',\n));\n$client->getObject(array('Bucket' => 'b', 'Key' => 'k'));\n"
    );
}

#[test]
fn a_credentials_variable_used_elsewhere_stays_manual() {
    let template = "<?php\n$key = '{AKIA}';\n$secret = '{SECRET}';\nerror_log($key);\n$s3 = new S3Client(['region' => 'x', 'credentials' => ['key' => $key, 'secret' => $secret]]);\n";
    let (_, new, manual) = fixed("a.php", template);
    assert!(
        manual
            .iter()
            .any(|m| m.contains("`$key` holds the key and is read on line 4")),
        "{manual:?}"
    );
    let new = new.unwrap();
    assert!(new.contains("error_log($key);"), "{new}");
    assert!(new.contains("$key = '"), "{new}");
}

#[test]
fn getenv_fallback_loses_only_the_literal() {
    let template = "<?php\n$s3 = new S3Client([\n    'region' => 'x',\n    'credentials' => [\n        'key' => getenv('AWS_ACCESS_KEY_ID') ?: '{AKIA}',\n        'secret' => getenv('AWS_SECRET_ACCESS_KEY') ?: '{SECRET}',\n    ],\n]);\n";
    let (_, new, manual) = fixed("a.php", template);
    assert!(manual.is_empty(), "{manual:?}");
    let new = new.unwrap();
    assert!(
        new.contains("'key' => getenv('AWS_ACCESS_KEY_ID'),\n"),
        "{new}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = crate::fix::fix_text(&Detector::builtin(), "x.php", &format!("<?php\n{text}"));
    }

    #[test]
    fn code_like_text_with_keys_never_panics(picks in prop::collection::vec(0usize..18, 0..40)) {
        const WORDS: &[&str] = &["new S3Client([", "'key' => ", "'{AKIA}'", ", ", "])", "\n", "$x = ", "<<<E\n", "E;\n", "// ", "[", "]", "'secret' => ", "'{SECRET}'", "env('AWS_ACCESS_KEY_ID', ", ")", "$x", "'credentials' => "];
        let template: String = std::iter::once("<?php\n").chain(picks.iter().map(|&i| WORDS[i])).collect();
        let text = FakeKeys::new(1).expand(&template);
        let _ = crate::fix::fix_text(&Detector::builtin(), "x.php", &text);
    }
}

const NOISE: &[&str] = &[
    "echo \"step {N}\\n\";",
    "$value{N} = compute({N}, ['flag' => true]);",
    "// note {N}",
    "$bucket{N} = 'data-{N}';",
];

const SNIPPETS: &[&str] = &[
    "$s3 = new S3Client(['region' => 'eu-west-1', 'credentials' => ['key' => '{AKIA}', 'secret' => '{SECRET}']]);\n",
    "// old key {AKIA}\n",
    "putenv('AWS_ACCESS_KEY_ID={AKIA}');\n",
    "$c = S3Client::factory(array(\n    'key' => '{AKIA}',\n    'secret' => '{SECRET}',\n    'region' => 'us-east-1',\n));\n",
];

#[test]
fn a_typical_mix_is_rewritten_with_noise_intact() {
    use crate::fix::script_edit::testkit::check_noise_survives;
    let picks: Vec<(bool, usize)> = (0..12).map(|n| (n % 2 == 0, n / 2)).collect();
    let result = check_noise_survives(&Php, "app.php", "<?php\n", NOISE, SNIPPETS, &picks, 7);
    assert!(result.is_ok(), "{result:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..24), seed in 0u64..1000) {
        use crate::fix::script_edit::testkit::check_noise_survives;
        let _ = check_noise_survives(&Php, "app.php", "<?php\n", NOISE, SNIPPETS, &picks, seed);
    }
}
