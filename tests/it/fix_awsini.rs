//! AWS credentials/config INI files: static keys give way to `role_arn` + `credential_source`,
//! and python's `configparser` still reads the result the way the AWS CLI would.

use crate::fixutil::{prepare, round_trip, FixCase};

/// The `section.key=value` lines, for the keys the fix is about, that an INI reader with
/// `configparser`'s rules sees in the patched file (sections, `key = value` and `key=value`,
/// indented continuation lines, `;`/`#` comments). Read in-process; every line must be one of
/// those, so a broken file fails here. In the conformance tier python's real `configparser` must
/// see the same.
fn configparser_view(case: &FixCase) -> String {
    const KEYS: [&str; 5] = [
        "role_arn",
        "credential_source",
        "source_profile",
        "region",
        "aws_access_key_id",
    ];
    let mut out = String::new();
    let mut section: Option<String> = None;
    for line in case.patched.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            section = Some(name.to_string());
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .unwrap_or_else(|| panic!("not an INI line: {line:?}\n{}", case.safe_patched()));
        let section = section.as_deref().expect("a key before any section");
        let key = key.trim();
        if KEYS.contains(&key) {
            out.push_str(&format!("{section}.{key}={}\n", value.trim()));
        }
    }
    #[cfg(feature = "conformance")]
    {
        use crate::util::{require_tool, run};
        use std::process::Command;
        require_tool("python3");
        let script = "import configparser, sys\n\
            c = configparser.ConfigParser(interpolation=None)\n\
            c.read(sys.argv[1])\n\
            for s in c.sections():\n\
            \x20   for k in ('role_arn', 'credential_source', 'source_profile', 'region', 'aws_access_key_id'):\n\
            \x20       if c.has_option(s, k): print(f'{s}.{k}={c.get(s, k)}')\n";
        let file = case.repo.path().join(&case.path);
        let (code, python, err) =
            run(Command::new("python3").args(["-c", script, file.to_str().unwrap()]));
        assert_eq!(code, 0, "{err}");
        let sorted = |s: &str| {
            let mut v: Vec<String> = s.lines().map(String::from).collect();
            v.sort();
            v
        };
        assert_eq!(
            sorted(&python),
            sorted(&out),
            "configparser reads the patched file differently"
        );
    }
    out
}

const CREDENTIALS: &str = "; shared credentials for the reporting boxes\n\
[default]\n\
aws_access_key_id = {AKIA}\n\
aws_secret_access_key = {SECRET}\n\
region = eu-central-1\n\
\n\
[staging]\n\
aws_access_key_id={ASIA}\n\
aws_secret_access_key={SECRET2}\n\
aws_session_token={TOKEN}\n\
\n\
# prod chains from default\n\
[prod]\n\
role_arn = arn:aws:iam::210987654321:role/reporting-prod\n\
source_profile = default\n";

/// Issue 11: a profile with static keys loses them (a profile that held nothing else goes
/// whole) instead of getting a `role_arn = …<ROLE_NAME>` placeholder that breaks it until someone
/// fills it in; a profile that chained from it takes `credential_source`.
#[test]
fn issue11_credentials_profiles_lose_their_keys_without_a_placeholder() {
    let case = round_trip("ops/aws/credentials", CREDENTIALS, 21);
    let view = configparser_view(&case);
    assert_eq!(
        view,
        "default.region=eu-central-1\nprod.role_arn=arn:aws:iam::210987654321:role/reporting-prod\nprod.credential_source=Ec2InstanceMetadata\n",
        "{}",
        case.safe_patched()
    );
    assert!(!case.patched.contains("ROLE_NAME"));
    assert!(!case.patched.contains("[staging]"));
    assert!(!case.patched.contains("aws_session_token"));
    assert!(case.patched.contains("# prod chains from default\n"));
    insta::assert_snapshot!(case.safe_patch());
}

const CONFIG: &str = "[profile etl]\r\n\
region = us-west-2\r\n\
output = json\r\n\
aws_access_key_id = {AKIA}\r\n\
aws_secret_access_key = {SECRET}\r\n\
s3 =\r\n\
\x20   max_concurrent_requests = 20\r\n\
\x20   multipart_threshold = 64MB\r\n\
\r\n\
[profile analyst]\r\n\
sso_session = corp\r\n\
sso_account_id = 210987654321\r\n\
sso_role_name = Analyst\r\n\
\r\n\
[sso-session corp]\r\n\
sso_start_url = https://corp.awsapps.com/start\r\n\
sso_region = us-east-1\r\n";

#[test]
fn config_file_profile_keeps_its_other_settings_and_crlf() {
    let case = round_trip("docker/etl/aws_config", CONFIG, 22);
    let view = configparser_view(&case);
    assert!(!view.contains("profile etl.credential_source"), "{view}");
    assert!(!view.contains("role_arn"), "{view}");
    assert!(view.contains("profile etl.region=us-west-2"), "{view}");
    assert!(case
        .patched
        .split_inclusive('\n')
        .all(|l| l.ends_with("\r\n")));
    assert!(case
        .patched
        .contains("s3 =\r\n    max_concurrent_requests = 20\r\n"));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn a_key_outside_any_profile_stays_manual() {
    let case = prepare(
        "settings.ini",
        "aws_access_key_id = {AKIA}\naws_secret_access_key = {SECRET}\n[app]\nname = x\n",
        23,
    );
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("aws-ini"));
    assert_eq!(case.fix.manual.len(), 2, "{:?}", case.fix.manual);
}
