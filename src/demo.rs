//! `rolecall demo`: builds a small repository with a realistic leak in a temporary folder — a
//! PowerShell EC2 user-data script that calls `Set-AWSCredential` with a hardcoded key to pull an
//! installer from S3, and a boto3 script — and runs rolecall's jobs on it for real.

use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::fake::FakeKeys;
use crate::report::{write_report, Format, ReportOptions};
use crate::scan::{run_with_repo, ScanOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The leaking EC2 user-data script (`{AKIA}`/`{SECRET}` are filled in at run time).
const USER_DATA: &str = r#"<powershell>
# Bootstrap: pull the installer from S3 and install it.
Import-Module AWSPowerShell
Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default
Initialize-AWSDefaultConfiguration -ProfileName default -Region eu-west-1

Read-S3Object -BucketName acme-installers -Key agent/agent-2.4.1.msi -File C:\Temp\agent.msi
Start-Process msiexec.exe -ArgumentList '/i C:\Temp\agent.msi /qn' -Wait
</powershell>
"#;

/// A boto3 script with the same kind of leak.
const BOTO3: &str = r#"import boto3
from botocore.config import Config

s3 = boto3.client(
    "s3",
    region_name="eu-west-1",
    aws_access_key_id="{AKIA2}",
    aws_secret_access_key="{SECRET2}",
    config=Config(retries={"max_attempts": 5}),
)


def fetch_report(day):
    s3.download_file("acme-reports", f"daily/{day}.csv", f"/tmp/{day}.csv")
"#;

/// Where the demo's output goes and how it looks.
pub struct DemoOptions {
    /// Keep the temporary folder (and print its path) instead of deleting it.
    pub keep: bool,
    /// Colour in human output.
    pub color: bool,
}

/// Runs the demo, writing a narrated transcript to `out`.
pub fn run(opts: &DemoOptions, out: &mut dyn Write) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("rolecall-demo-")
        .tempdir()
        .map_err(Error::from)?;
    let root = dir.path().to_path_buf();
    let result = run_in(&root, opts, out);
    if opts.keep {
        let kept = dir.keep();
        writeln!(out, "\nThe demo's files are kept in {}", kept.display())?;
    }
    result
}

fn run_in(root: &Path, opts: &DemoOptions, out: &mut dyn Write) -> Result<()> {
    let work = root.join("app");
    std::fs::create_dir_all(&work).map_err(|e| Error::io(&work, e))?;
    let mut keys = FakeKeys::new(2024);
    let files = [
        ("deploy/user-data.ps1", fill(USER_DATA, &mut keys)),
        ("jobs/reports.py", fill(BOTO3, &mut keys)),
    ];
    heading(
        out,
        "1. A developer commits an EC2 user-data script and a boto3 job with hardcoded keys",
    )?;
    git(&work, &["init", "-q", "-b", "main"])?;
    git(&work, &["config", "user.name", "Dana Developer"])?;
    git(&work, &["config", "user.email", "dana@example.com"])?;
    for (path, text) in &files {
        let file = work.join(path);
        std::fs::create_dir_all(file.parent().expect("has a parent"))
            .map_err(|e| Error::io(&file, e))?;
        std::fs::write(&file, text).map_err(|e| Error::io(&file, e))?;
        writeln!(out, "   wrote {path}")?;
    }
    git(&work, &["add", "-A"])?;
    git(
        &work,
        &["commit", "-q", "-m", "Bootstrap agent install from S3"],
    )?;

    heading(
        out,
        "2. rolecall scan: the whole history, each blob once, attributed to its commit",
    )?;
    let repo = crate::git::open_repo(&work)?;
    let report = run_with_repo(&repo, false, &Detector::builtin(), &ScanOptions::default())?;
    let report_opts = ReportOptions {
        color: opts.color,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    write_report(Format::Human, &report, out, &report_opts)?;
    Ok(())
}

fn fill(template: &str, keys: &mut FakeKeys) -> String {
    let (a1, s1, a2, s2) = (
        keys.key_id("AKIA"),
        keys.secret(),
        keys.key_id("AKIA"),
        keys.secret(),
    );
    template
        .replace("{AKIA2}", &a2)
        .replace("{SECRET2}", &s2)
        .replace("{AKIA}", &a1)
        .replace("{SECRET}", &s1)
}

fn heading(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "\n== {text}\n")?;
    Ok(())
}

/// Runs the real `git` in `dir`; an error carries git's own message.
fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::input(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(Error::input(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The path of the running rolecall binary (the demo's hook calls it).
pub fn current_binary() -> Result<PathBuf> {
    std::env::current_exe().map_err(Error::from)
}
