use super::*;
use crate::detect::Detector;
use crate::fake::FakeKeys;
use crate::syntax::defuse::BindingKind;
use crate::syntax::parse;
use proptest::prelude::*;

/// Runs the whole fix (framework included: edit set, parse guard, rescan) on a template; returns
/// (original, new text, manual reasons, notes).
fn fixed(template: &str) -> (String, Option<String>, Vec<String>, Vec<String>) {
    let text = FakeKeys::new(11).expand(template);
    let fix = crate::fix::fix_text(&Detector::builtin(), "user-data.ps1", &text);
    let reasons = fix.manual.iter().map(|m| m.reason.clone()).collect();
    (text, fix.new, reasons, fix.notes)
}

/// A template every key of which is fixed: the new text, checked (no key left, well-formed).
fn rewritten(template: &str) -> (String, Vec<String>) {
    let (_, new, manual, notes) = fixed(template);
    assert!(manual.is_empty(), "manual: {manual:?}");
    let new = new.expect("rewritten");
    assert!(
        Detector::builtin().scan(new.as_bytes()).matches.is_empty(),
        "a key survives:\n{new}"
    );
    check_structure(&new).unwrap_or_else(|e| panic!("{e}:\n{new}"));
    (new, notes)
}

#[test]
fn user_data_setter_goes_and_downloads_stay() {
    let (text, notes) = rewritten(
        "<powershell>\nSet-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default\nRead-S3Object -BucketName installers -Key app.msi -File C:\\app.msi\n</powershell>\n",
    );
    assert_eq!(text, "<powershell>\nRead-S3Object -BucketName installers -Key app.msi -File C:\\app.msi\n</powershell>\n");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Remove-AWSCredentialProfile -ProfileName default")),
        "{notes:?}"
    );
}

#[test]
fn key_parameters_leave_cmdlets_with_their_continuations() {
    let (text, _) = rewritten(
        "Read-S3Object -BucketName b `\n    -AccessKey '{AKIA}' `\n    -SecretKey:'{SECRET}' `\n    -Key k -File f\nCopy-S3Object -BucketName b -Key k -DestinationKey d -AccessKey {AKIA} -SecretKey {SECRET}\n",
    );
    assert_eq!(text, "Read-S3Object -BucketName b `\n    -Key k -File f\nCopy-S3Object -BucketName b -Key k -DestinationKey d\n");
}

#[test]
fn initialize_with_region_becomes_set_default_region() {
    let (text, notes) = rewritten("Initialize-AWSDefaultConfiguration -AccessKey {AKIA} -SecretKey {SECRET} -Region eu-west-1\nGet-S3Bucket\n");
    assert_eq!(
        text,
        "Set-DefaultAWSRegion -Region eu-west-1\nGet-S3Bucket\n"
    );
    assert!(notes.iter().any(|n| n.contains("'default'")));
}

#[test]
fn variables_and_splats_are_followed() {
    let (text, _) = rewritten(
        "$accessKey = '{AKIA}'\n$secretKey = \"{SECRET}\"\n$creds = @{\n    AccessKey = $accessKey\n    SecretKey = $secretKey\n}\n$opts = @{ AccessKey = $accessKey; Region = 'us-east-1' }\nSet-AWSCredential @creds -StoreAs deploy\nRead-S3Object @opts -BucketName b -Key k -File f -ProfileName deploy\nWrite-Host 'done'\n",
    );
    assert_eq!(text, "$opts = @{ Region = 'us-east-1' }\nRead-S3Object @opts -BucketName b -Key k -File f\nWrite-Host 'done'\n");
}

#[test]
fn comments_with_keys_are_removed() {
    let (text, _) = rewritten(
        "# old key: {AKIA}\nGet-S3Object -BucketName b # was {AKIA}\n<#\n secret {SECRET}\n#>\n",
    );
    assert_eq!(text, "Get-S3Object -BucketName b\n<#\n#>\n");
}

#[test]
fn utf16_text_is_left_to_a_human() {
    let text = FakeKeys::new(3).expand("Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET}");
    let wide: String = text.chars().flat_map(|c| [c, '\0']).collect();
    let matches = Detector::builtin().scan(wide.as_bytes()).matches;
    let out = PowerShellRewriter.rewrite(&FileToFix {
        path: "a.ps1",
        text: &wide,
        matches: &matches,
    });
    assert!(
        matches!(out, Outcome::Manual(ref m) if m[0].reason.contains("UTF-16")),
        "{out:?}"
    );
}

#[test]
fn a_script_left_with_only_comments_passes_the_guard() {
    let (text, _) = rewritten(
        "# bootstrap\nSet-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default\n",
    );
    assert_eq!(text, "# bootstrap\n");
}

#[test]
fn user_data_wrapper_lines_are_left_out_of_the_parse() {
    // `<powershell>` is not PowerShell: parsed with the script, it swallows the `param` block.
    let template = "<powershell>\nparam([string]$Env = 'prod')\n$ak = '{AKIA}'\nif ($Env -eq 'prod') {\n    Set-AWSCredential -AccessKey $ak -SecretKey '{SECRET}'\n}\nWrite-Host $Env\n</powershell>\n<persist>true</persist>\n";
    let text = FakeKeys::new(12).expand(template);
    let fix = crate::fix::fix_text(&Detector::builtin(), "userdata.txt", &text);
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
    assert_eq!(
        fix.new.unwrap(),
        "<powershell>\nparam([string]$Env = 'prod')\nif ($Env -eq 'prod') {\n}\nWrite-Host $Env\n</powershell>\n<persist>true</persist>\n"
    );
}

// --- def-use ---------------------------------------------------------------------------------

#[test]
fn issue_11_defuse_finds_reads_writes_and_splats_without_case() {
    let text = "$AK = 'K1'\n$s = @{ AccessKey = $ak }\nRead-S3Object @s -AccessKey $script:ak\nWrite-Host \"key $Ak\"\nforeach ($ak in 1..2) { }\n$ak = 'x'\n";
    let parsed = crate::syntax::parse(Language::PowerShell, text).unwrap();
    let planner = Planner::new(&parsed);
    let lit = strings::string_at(&parsed, text.find("K1").unwrap()).unwrap();
    let assign = ancestor_or_self(lit, &["assignment_expression"]).unwrap();
    let target = parse::descendants(assign)
        .find(|n| n.kind() == "variable")
        .unwrap();
    let binding = crate::syntax::defuse::Binding {
        kind: BindingKind::Variable,
        target,
        statement: assign,
        value: lit,
        scope: parsed.root(),
    };
    let uses = script::uses(&planner, &binding);
    let lines = |ns: &[Node<'_>]| -> Vec<u32> {
        ns.iter().map(|n| parsed.line_of(n.start_byte())).collect()
    };
    assert_eq!(lines(&uses.reads), [2, 3, 4]);
    assert_eq!(lines(&uses.writes), [5, 6]);
    assert_eq!(script::var_name("${Script:AK}"), "ak");
    assert_eq!(script::var_name("@Creds"), "creds");
    assert_eq!(script::var_name("$env:AWS_X"), "env:aws_x");
}

#[test]
fn issue_11_keys_passed_through_variables_go_with_their_uses() {
    let (text, _) = rewritten("$ak = '{AKIA}'\n$sk = '{SECRET}'\n$bucket = 'acme'\nWrite-S3Object -BucketName $bucket -File a.txt -AccessKey $ak -SecretKey $sk\nWrite-Host \"uploaded to $bucket\"\n");
    assert_eq!(text, "$bucket = 'acme'\nWrite-S3Object -BucketName $bucket -File a.txt\nWrite-Host \"uploaded to $bucket\"\n");
}

#[test]
fn issue_11_a_variable_that_feeds_other_code_keeps_its_binding_and_is_manual() {
    let (original, new, manual, notes) = fixed("$ak = '{AKIA}'\n$sk = '{SECRET}'\nWrite-Host \"using key $ak\"\nRead-S3Object -BucketName b -Key k -File f -AccessKey $ak -SecretKey $sk\n");
    assert!(
        manual.iter().any(
            |m| m.contains("holds the key and is read on line 3") && m.contains("interpolated")
        ),
        "{manual:?}"
    );
    let new = new.expect("the other spot is still fixed");
    // The binding that feeds Write-Host stays; the secret and the parameters go.
    assert!(
        new.starts_with(&original[..original.find('\n').unwrap() + 1]),
        "{new}"
    );
    assert!(new.contains("Write-Host \"using key $ak\"\n"), "{new}");
    assert!(
        new.ends_with("Read-S3Object -BucketName b -Key k -File f\n"),
        "{new}"
    );
    assert!(!new.contains("$sk"), "{new}");
    assert!(
        notes.iter().any(|n| n.contains("fixed in part")),
        "{notes:?}"
    );
}

#[test]
fn issue_11_a_chain_of_variables_is_followed() {
    let (text, _) = rewritten("$raw = '{AKIA}'\n$key = $raw\nSet-AWSCredential -AccessKey $key -SecretKey '{SECRET}'\nGet-S3Bucket\n");
    assert_eq!(text, "Get-S3Bucket\n");
}

#[test]
fn issue_11_environment_variables_go_and_their_credential_reads_with_them() {
    let (text, notes) = rewritten("$env:AWS_ACCESS_KEY_ID = '{AKIA}'\n$env:AWS_SECRET_ACCESS_KEY = '{SECRET}'\nRead-S3Object -BucketName b -Key k -File f -AccessKey $env:AWS_ACCESS_KEY_ID -SecretKey $env:AWS_SECRET_ACCESS_KEY\nWrite-Host $env:AWS_ACCESS_KEY_ID\n");
    assert_eq!(
        text,
        "Read-S3Object -BucketName b -Key k -File f\nWrite-Host $env:AWS_ACCESS_KEY_ID\n"
    );
    assert!(
        notes.iter().any(|n| n.contains("environment variables")),
        "{notes:?}"
    );
}

#[test]
fn issue_11_a_variable_assigned_a_key_twice_loses_both_assignments() {
    // The other assignment is a write of `$ak`, not a read that feeds it elsewhere.
    let (text, _) = rewritten("$ak = '{AKIA}'\nWrite-Host 'step'\n$ak = '{AKIA}'\n");
    assert_eq!(text, "Write-Host 'step'\n");
}

// --- idioms ----------------------------------------------------------------------------------

#[test]
fn issue_11_splatted_hashtable_with_other_settings_keeps_them() {
    let (text, _) = rewritten("$params = @{\n    BucketName = 'acme-logs'\n    AccessKey  = '{AKIA}'\n    SecretKey  = '{SECRET}'\n    Region     = 'eu-west-1'\n}\nGet-S3Object @params | Select-Object -First 5\n");
    assert_eq!(text, "$params = @{\n    BucketName = 'acme-logs'\n    Region     = 'eu-west-1'\n}\nGet-S3Object @params | Select-Object -First 5\n");
}

#[test]
fn issue_11_set_awscredential_store_as_and_its_profile_uses_go() {
    let (text, notes) = rewritten("Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs 'ci-deploy'\nSet-AWSCredential -ProfileName ci-deploy\nGet-S3Bucket -ProfileName ci-deploy -Region us-east-1\n");
    assert_eq!(text, "Get-S3Bucket -Region us-east-1\n");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Remove-AWSCredentialProfile -ProfileName ci-deploy")),
        "{notes:?}"
    );
}

#[test]
fn issue_11_credentials_objects_are_seen_through() {
    let (text, _) = rewritten("$creds = New-Object Amazon.Runtime.BasicAWSCredentials('{AKIA}', '{SECRET}')\nGet-S3Bucket -Credential $creds -Region us-east-1\n$c2 = [Amazon.Runtime.BasicAWSCredentials]::new('{AKIA}', '{SECRET}')\nRead-S3Object -BucketName b -Key k -File f -Credential $c2\nGet-EC2Instance -Credential (New-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET})\n");
    assert_eq!(text, "Get-S3Bucket -Region us-east-1\nRead-S3Object -BucketName b -Key k -File f\nGet-EC2Instance\n");
}

#[test]
fn issue_11_credentials_text_in_a_here_string_loses_its_key_lines() {
    let (text, notes) = rewritten("$profile = @'\n[default]\naws_access_key_id = {AKIA}\naws_secret_access_key = {SECRET}\nregion = us-east-1\n'@\nSet-Content -Path \"$HOME\\.aws\\credentials\" -Value $profile\n");
    assert_eq!(text, "$profile = @'\n[default]\nregion = us-east-1\n'@\nSet-Content -Path \"$HOME\\.aws\\credentials\" -Value $profile\n");
    assert!(notes.iter().any(|n| n.contains("here-string")), "{notes:?}");
}

#[test]
fn issue_11_a_key_in_other_here_string_text_is_manual() {
    let (_, new, manual, _) = fixed("$body = @\"\nDeploy done with {AKIA} at $(Get-Date)\n\"@\nSend-MailMessage -Body $body -To ops@example.com\n");
    assert!(new.is_none());
    assert!(
        manual.iter().any(|m| m.contains("longer string")),
        "{manual:?}"
    );
}

#[test]
fn issue_11_a_param_default_stays_manual_with_a_clear_note() {
    let (_, new, manual, _) = fixed("param(\n    [string]$AccessKey = '{AKIA}',\n    [string]$Bucket = 'acme'\n)\nSet-AWSCredential -AccessKey $AccessKey -SecretKey {SECRET}\nGet-S3Object -BucketName $Bucket\n");
    assert!(
        manual.iter().any(
            |m| m.contains("default value of parameter $AccessKey") && m.contains("-AccessKey")
        ),
        "{manual:?}"
    );
    // The secret's spot is still fixed: the setter goes.
    let new = new.expect("partial fix");
    assert!(!new.contains("Set-AWSCredential"), "{new}");
    assert!(new.contains("[string]$AccessKey = '"), "{new}");
}

#[test]
fn issue_11_setx_configure_and_set_environment_variable_go() {
    let (text, notes) = rewritten("setx AWS_ACCESS_KEY_ID {AKIA} /M\n[Environment]::SetEnvironmentVariable('AWS_SECRET_ACCESS_KEY', '{SECRET}', 'Machine')\naws configure set aws_access_key_id {AKIA} --profile ops\n& aws configure set aws_secret_access_key {SECRET} --profile ops\naws s3 ls\n");
    assert_eq!(text, "aws s3 ls\n");
    assert!(
        notes.iter().any(|n| n.contains("profile 'ops'")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("persistent environment")),
        "{notes:?}"
    );
}

#[test]
fn issue_11_a_key_passed_to_an_unknown_parameter_is_manual_and_others_are_fixed() {
    let (_, new, manual, _) = fixed("Invoke-Thing -Token {AKIA}\nRead-S3Object -BucketName b -Key k -File f -AccessKey {AKIA} -SecretKey {SECRET}\n");
    assert!(manual.iter().any(|m| m.contains("-Token")), "{manual:?}");
    assert_eq!(
        new.unwrap().lines().nth(1),
        Some("Read-S3Object -BucketName b -Key k -File f")
    );
}

/// Statements that have nothing to do with credentials (each line unique, so a line diff
/// attributes it unambiguously).
const BENIGN: &[&str] = &[
    "$region = 'us-east-1'",
    "Read-S3Object -BucketName installers -Key app.msi -File C:\\app.msi",
    "if (-not (Test-Path C:\\tools)) {\n    New-Item -ItemType Directory C:\\tools | Out-Null\n} # tools",
    "$cfg = @{ BucketName = 'logs'; Region = $region }",
    "Write-S3Object @cfg -File C:\\log.txt `\n    -Key log.txt",
    "$msg = @\"\nhello $(Get-Date)\n\"@",
    "# install step",
    "Start-Process msiexec -ArgumentList '/i C:\\app.msi /qn' -Wait",
];

/// Statements that hold key material or use a variable that held it.
const CREDENTIAL: &[&str] = &[
    "Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default",
    "$ak = '{AKIA}'",
    "Read-S3Object -BucketName b -Key k.zip -File k.zip -AccessKey $ak",
    "Copy-S3Object -BucketName b -Key x -LocalFile x.bin `\n  -AccessKey {AKIA} `\n  -SecretKey {SECRET}",
    "$sk = @{\n  AccessKey = '{AKIA}'\n  SecretKey = '{SECRET}'\n}",
    "Initialize-AWSDefaultConfiguration -AccessKey {AKIA} -SecretKey {SECRET} -Region us-west-2",
    "aws configure set aws_secret_access_key {SECRET}",
    "# key {AKIA}",
];

fn lcs_kept(a: &[&str], b: &[&str]) -> Vec<bool> {
    let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            dp[i][j] = if a[i] == b[j] {
                dp[i + 1][j + 1] + 1
            } else {
                dp[i + 1][j].max(dp[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut kept) = (0, 0, vec![false; a.len()]);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            kept[i] = true;
            i += 1;
            j += 1;
        } else if dp[i + 1][j] >= dp[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    kept
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_text_never_panics(text in "([ -~\\n\\t`'\"@${}()\\[\\];|#<>-]|\\PC){0,300}", seed in 0u64..1000) {
        let mut keys = FakeKeys::new(seed);
        let text = format!("{text}\n-AccessKey {} -SecretKey {} {text}", keys.key_id("AKIA"), keys.secret());
        let _ = crate::fix::fix_text(&Detector::builtin(), "p.ps1", &text);
    }

    #[test]
    fn only_credential_statements_change(picks in proptest::collection::vec((any::<bool>(), 0usize..8), 1..12), seed in 0u64..1000) {
        let mut keys = FakeKeys::new(seed);
        let mut text = String::new();
        let mut owner: Vec<bool> = Vec::new();
        for (credential, i) in &picks {
            let stmt = if *credential { keys.expand(CREDENTIAL[*i]) } else { BENIGN[*i].to_string() };
            for line in stmt.lines() {
                text.push_str(line);
                text.push('\n');
                owner.push(*credential);
            }
        }
        let fix = crate::fix::fix_text(&Detector::builtin(), "p.ps1", &text);
        let had_keys = !Detector::builtin().scan(text.as_bytes()).matches.is_empty();
        prop_assert!(fix.manual.is_empty() || !had_keys, "manual: {:?}\n{text}", fix.manual);
        let new = fix.new.unwrap_or_else(|| text.clone());
        prop_assert!(check_structure(&new).is_ok(), "{:?}\n{new}", check_structure(&new));
        let old_lines: Vec<&str> = text.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        for (i, kept) in lcs_kept(&old_lines, &new_lines).into_iter().enumerate() {
            prop_assert!(kept || owner[i], "line {} changed without a credential on it or its statement: {:?}\n{new}", i + 1, old_lines[i]);
        }
    }
}
