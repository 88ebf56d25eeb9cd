use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;
use proptest::prelude::*;

/// Runs the whole fix (framework included) on a template; returns (original, new text,
/// manual reasons).
fn fixed(template: &str) -> (String, Option<String>, Vec<String>) {
    let text = FakeKeys::new(5).expand(template);
    let fix = crate::fix::fix_text(&Detector::builtin(), "app.rb", &text);
    let reasons = fix.manual.iter().map(|m| m.reason.clone()).collect();
    (text, fix.new, reasons)
}

#[test]
fn handles_ruby_files_by_name_or_shebang() {
    assert!(Ruby.handles("lib/a.rb", ""));
    assert!(Ruby.handles("Rakefile", ""));
    assert!(Ruby.handles("bin/tool", "#!/usr/bin/env ruby\n"));
    assert!(!Ruby.handles("a.py", ""));
}

#[test]
fn client_keyword_arguments_go_and_region_stays() {
    let (_, new, manual) = fixed("s3 = Aws::S3::Client.new(region: 'eu-west-1', access_key_id: '{AKIA}', secret_access_key: '{SECRET}')\ns3.list_buckets\n");
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "s3 = Aws::S3::Client.new(region: 'eu-west-1')\ns3.list_buckets\n"
    );
}

#[test]
fn issue11_heredoc_is_not_an_operator() {
    // The old lexer took `log <<~MSG` for a shift operator and read the heredoc's apostrophe
    // as the start of a string, so the client below was never found.
    let template = "log <<~MSG\n  Don't panic: the upload didn't finish\nMSG\ns3 = Aws::S3::Client.new(\n  access_key_id: '{AKIA}',\n  secret_access_key: '{SECRET}',\n  region: 'us-east-1'\n)\n";
    let (text, new, manual) = fixed(template);
    assert!(manual.is_empty(), "{manual:?}");
    let new = new.unwrap();
    assert!(
        new.starts_with(&text[..text.find("s3 =").unwrap()]),
        "{new}"
    );
    assert!(
        new.ends_with("s3 = Aws::S3::Client.new(\n  region: 'us-east-1'\n)\n"),
        "{new}"
    );
}

#[test]
fn a_key_inside_a_heredoc_stays_manual() {
    let (_, new, manual) = fixed("puts <<~TXT\n  key {AKIA}\nTXT\n");
    assert!(new.is_none());
    assert!(manual.iter().any(|m| m.contains("heredoc")), "{manual:?}");
}

#[test]
fn config_update_with_credentials_object_goes_whole() {
    let (_, new, manual) = fixed("require 'aws-sdk-core'\nAws.config.update(credentials: Aws::Credentials.new('{AKIA}', '{SECRET}'))\nputs 'ok'\n");
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(new.unwrap(), "require 'aws-sdk-core'\nputs 'ok'\n");
}

#[test]
fn constants_passed_to_credentials_go_with_the_setting() {
    let (_, new, manual) = fixed("AK = '{AKIA}'\nSK = '{SECRET}'\nc = Aws::SQS::Client.new(credentials: Aws::Credentials.new(AK, SK), region: 'x')\n");
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(new.unwrap(), "c = Aws::SQS::Client.new(region: 'x')\n");
}

#[test]
fn a_binding_that_feeds_other_code_stays_and_is_manual() {
    let (_, new, manual) = fixed("AK = '{AKIA}'\nSK = '{SECRET}'\nputs AK.downcase\nc = Aws::SQS::Client.new(access_key_id: AK, secret_access_key: SK)\n");
    assert!(
        manual
            .iter()
            .any(|m| m.contains("`AK` holds the key and is read on line 3")),
        "{manual:?}"
    );
    let new = new.unwrap();
    assert!(new.contains("AK = '"), "{new}");
    assert!(new.contains("puts AK.downcase"), "{new}");
}

#[test]
fn env_fetch_fallback_goes_with_its_setting() {
    let (_, new, manual) = fixed("s3 = Aws::S3::Client.new(\n  access_key_id: ENV.fetch('AWS_ACCESS_KEY_ID', '{AKIA}'),\n  secret_access_key: ENV['AWS_SECRET_ACCESS_KEY'] || '{SECRET}',\n  region: 'eu-west-2'\n)\n");
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(
        new.unwrap(),
        "s3 = Aws::S3::Client.new(\n  region: 'eu-west-2'\n)\n"
    );
}

#[test]
fn env_assignments_and_comments_go() {
    let (_, new, manual) = fixed("# rotated {AKIA}\nENV['AWS_ACCESS_KEY_ID'] = '{AKIA}'\nENV.store('AWS_SECRET_ACCESS_KEY', '{SECRET}')\nrun!\n");
    assert!(manual.is_empty(), "{manual:?}");
    assert_eq!(new.unwrap(), "run!\n");
}

#[test]
fn keys_passed_elsewhere_stay_manual() {
    let (_, new, manual) = fixed("conn.basic_auth('{AKIA}', '{SECRET}')\n");
    assert!(new.is_none());
    assert!(
        manual.iter().all(|m| m.contains("basic_auth")),
        "{manual:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = crate::fix::fix_text(&Detector::builtin(), "x.rb", &text);
    }

    #[test]
    fn code_like_text_with_keys_never_panics(picks in prop::collection::vec(0usize..20, 0..40)) {
        const WORDS: &[&str] = &["Aws::S3::Client.new(", "access_key_id: ", "'{AKIA}'", ", ", ")", "\n", "X = ", "<<~E\n", "E\n", "# ", "{", "}", "secret_access_key: ", "'{SECRET}'", "ENV['AWS_ACCESS_KEY_ID']", " || ", "**", "X", "credentials: Aws::Credentials.new(", "do\n"];
        let template: String = picks.iter().map(|&i| WORDS[i]).collect();
        let text = FakeKeys::new(1).expand(&template);
        let _ = crate::fix::fix_text(&Detector::builtin(), "x.rb", &text);
    }
}

const NOISE: &[&str] = &[
    "puts \"step {N}\"",
    "value_{N} = compute({N}, flag: true)",
    "# note {N}",
    "bucket_{N} = s3.bucket('data-{N}')",
];

const SNIPPETS: &[&str] = &[
    "s3 = Aws::S3::Client.new(region: 'eu-west-1', access_key_id: '{AKIA}', secret_access_key: '{SECRET}')\n",
    "ddb = Aws::DynamoDB::Client.new(\n  credentials: Aws::Credentials.new('{AKIA}', '{SECRET}'),\n  retry_limit: 3,\n)\n",
    "# old key {AKIA}\n",
    "ENV['AWS_ACCESS_KEY_ID'] = '{AKIA}'\n",
    "Aws.config.update(credentials: Aws::Credentials.new('{AKIA}', '{SECRET}'))\n",
];

#[test]
fn a_typical_mix_is_rewritten_with_noise_intact() {
    use crate::fix::script_edit::testkit::check_noise_survives;
    let picks: Vec<(bool, usize)> = (0..12).map(|n| (n % 2 == 0, n / 2)).collect();
    let result = check_noise_survives(
        &Ruby,
        "app.rb",
        "require 'aws-sdk'\n",
        NOISE,
        SNIPPETS,
        &picks,
        7,
    );
    assert!(result.is_ok(), "{result:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..24), seed in 0u64..1000) {
        use crate::fix::script_edit::testkit::check_noise_survives;
        let _ = check_noise_survives(&Ruby, "app.rb", "require 'aws-sdk'\n", NOISE, SNIPPETS, &picks, seed);
    }
}
