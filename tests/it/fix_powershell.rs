//! PowerShell remediation: EC2 user data and AWS Tools for PowerShell scripts, each through the
//! full round trip (generated keys → fix → real `git apply` → rescan), an insta snapshot of the
//! placeholder-only patch, and two checks of the patched script:
//!
//! - a real PowerShell grammar: tree-sitter-powershell (PyPI `tree-sitter` +
//!   `tree-sitter-powershell`, installed by `.ci/run`) must parse it without an error node. `pwsh`
//!   itself cannot be installed on these machines (no Debian package, and the npm/PyPI wrappers
//!   download it from outside the registries);
//! - rolecall's own structural check: re-lexed, every string, here-string and comment is closed,
//!   brackets pair up, no backtick continuation dangles, and every line of the result is a line
//!   of the original or one the test names as rewritten.

use crate::fixutil::{prepare, round_trip, FixCase};
use rolecall::fix::powershell::check_structure;

/// Parses the patched file with tree-sitter-powershell; EC2's `<powershell>`/`<persist>` wrapper
/// lines are not PowerShell and are dropped first, as EC2 does.
const PARSE_POWERSHELL: &str = r#"
import re, sys
from tree_sitter import Language, Parser
import tree_sitter_powershell
text = open(sys.argv[1], encoding="utf-8-sig").read()
lines = [l for l in text.splitlines() if not re.fullmatch(r"\s*</?(powershell|persist)>(true|false)?(</persist>)?\s*", l)]
tree = Parser(Language(tree_sitter_powershell.language())).parse("\n".join(lines).encode())
def bad(node):
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        found = bad(child)
        if found:
            return found
    return None
node = bad(tree.root_node)
if node:
    sys.exit(f"parse error at line {node.start_point[0] + 1}: {node.sexp() if hasattr(node, 'sexp') else node}")
"#;

fn assert_powershell_ok(case: &FixCase, rewritten_lines: &[&str]) {
    case.assert_parses("python3", &["-c", PARSE_POWERSHELL, "{}"]);
    if let Err(e) = check_structure(&case.patched) {
        panic!("structural check fails: {e}\n{}", case.safe_patched());
    }
    let original: Vec<&str> = case.original.lines().collect();
    for line in case.patched.lines() {
        assert!(
            original.contains(&line) || rewritten_lines.contains(&line.trim_end_matches('\r')),
            "line {line:?} is neither an original line nor an expected rewrite"
        );
    }
}

#[test]
fn ec2_user_data_with_stored_credentials_and_s3_downloads() {
    let template = r#"<powershell>
# Bootstrap for the reporting fleet (Windows Server 2022)
$ErrorActionPreference = 'Stop'
Import-Module AWSPowerShell

# TODO move this somewhere safer
Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default
Set-DefaultAWSRegion -Region us-east-1

New-Item -ItemType Directory -Force -Path C:\installers | Out-Null
Read-S3Object -BucketName acme-installers `
    -Key 'agent/agent-2.4.1.msi' `
    -File C:\installers\agent.msi
Read-S3Object -BucketName acme-installers -Key config/agent.json -File C:\ProgramData\agent\agent.json
Start-Process msiexec.exe -ArgumentList '/i C:\installers\agent.msi /qn' -Wait
</powershell>
<persist>true</persist>
"#;
    let case = round_trip("infra/user-data.ps1", template, 401);
    insta::assert_snapshot!(case.safe_patch());
    assert_powershell_ok(&case, &[]);
    assert!(case
        .patched
        .contains("Read-S3Object -BucketName acme-installers `\n    -Key"));
    let notes = case.fix.notes.join("\n");
    assert!(
        notes.contains("Remove-AWSCredentialProfile -ProfileName default"),
        "{notes}"
    );
    assert!(notes.contains("instance profile"), "{notes}");
}

#[test]
fn initialize_default_configuration_keeps_its_region_and_cmdlets_lose_key_parameters() {
    let template = [
        "Initialize-AWSDefaultConfiguration -AccessKey {AKIA} -SecretKey '{SECRET}' -Region eu-west-1",
        "$stamp = Get-Date -Format yyyyMMdd",
        "Copy-S3Object -BucketName acme-builds -Key \"nightly/$stamp/app.zip\" -LocalFile C:\\deploy\\app.zip `",
        "    -AccessKey {ASIA} `",
        "    -SecretKey {SECRET2} `",
        "    -SessionToken {TOKEN}",
        "Expand-Archive C:\\deploy\\app.zip -DestinationPath C:\\app -Force",
        "",
    ]
    .join("\r\n");
    let case = round_trip("deploy/Install-App.ps1", &template, 402);
    insta::assert_snapshot!(case.safe_patch());
    assert_powershell_ok(&case, &["Set-DefaultAWSRegion -Region eu-west-1", "Copy-S3Object -BucketName acme-builds -Key \"nightly/$stamp/app.zip\" -LocalFile C:\\deploy\\app.zip"]);
    assert!(
        case.patched
            .contains("Set-DefaultAWSRegion -Region eu-west-1\r\n"),
        "{}",
        case.safe_patched()
    );
}

#[test]
fn variables_splatted_hashtables_and_stored_profiles_are_followed() {
    let template = r#"param([string]$Version = '1.8.0')

$accessKey = '{AKIA}'
$secretKey = "{SECRET}"
$creds = @{
    AccessKey = $accessKey
    SecretKey = $secretKey
}
$s3 = @{ BucketName = 'acme-artifacts'; Region = 'us-west-2'; AccessKey = $accessKey; SecretKey = $secretKey }

Set-AWSCredentials @creds -StoreAs deploy
foreach ($name in @('api', 'worker')) {
    Read-S3Object @s3 -Key "releases/$Version/$name.zip" -File "C:\deploy\$name.zip" -ProfileName deploy
}
Write-Output "fetched $Version"
"#;
    let case = round_trip("scripts/fetch.ps1", template, 403);
    insta::assert_snapshot!(case.safe_patch());
    assert_powershell_ok(
        &case,
        &[
            "$s3 = @{ BucketName = 'acme-artifacts'; Region = 'us-west-2' }",
            "    Read-S3Object @s3 -Key \"releases/$Version/$name.zip\" -File \"C:\\deploy\\$name.zip\"",
        ],
    );
    assert!(case.fix.notes.join("\n").contains("-ProfileName deploy"));
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
}

#[test]
fn keys_in_comments_and_environment_variables_go() {
    let template = r#"<#
  Rotated 2023-04: old key {AKIA2}
  Ask ops for access.
#>
# current key id {AKIA}
$env:AWS_ACCESS_KEY_ID = '{AKIA}'
$env:AWS_SECRET_ACCESS_KEY = '{SECRET}'
$env:AWS_DEFAULT_REGION = 'ap-southeast-2'
Get-S3Object -BucketName acme-reports -KeyPrefix 2024/ | ForEach-Object { $_.Key } # listed with {AKIA}
"#;
    let case = round_trip("tools/list-reports.ps1", template, 404);
    insta::assert_snapshot!(case.safe_patch());
    assert_powershell_ok(
        &case,
        &["Get-S3Object -BucketName acme-reports -KeyPrefix 2024/ | ForEach-Object { $_.Key }"],
    );
    assert!(case
        .patched
        .contains("$env:AWS_DEFAULT_REGION = 'ap-southeast-2'"));
}

#[test]
fn a_localstack_endpoint_script_stays_untouched() {
    let template = "Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET}\n\
                    Write-S3Object -BucketName test -File ./a.txt -EndpointUrl http://localstack:4566\n";
    let case = prepare("test/local.ps1", template, 405);
    assert!(case.fix.new.is_none(), "a LocalStack script was rewritten");
    assert!(case.patch.is_empty());
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("localstack")),
        "{:?}",
        case.fix.manual
    );
}

#[test]
fn a_credential_the_rewriter_cannot_place_leaves_the_file_manual() {
    let template = "Send-Report -Body \"key {AKIA} secret {SECRET}\" -To ops@example.com\n";
    let case = prepare("tools/report.ps1", template, 406);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("powershell"));
    assert!(!case.fix.manual.is_empty());
}
