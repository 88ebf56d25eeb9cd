//! `rolecall demo`: builds a small repository with a realistic leak in a temporary folder — a
//! PowerShell EC2 user-data script that calls `Set-AWSCredential` with a hardcoded key to pull an
//! installer from S3, and a boto3 script — and runs rolecall's jobs on it for real.

use crate::detect::Detector;
use crate::error::{Error, Result};
use crate::fake::FakeKeys;
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

/// Runs the demo, writing a narrated transcript to `out`. Every step runs the real `rolecall`
/// binary (this executable) and the real `git`, exactly as a user would.
pub fn run(opts: &DemoOptions, out: &mut dyn Write) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("rolecall-demo-")
        .tempdir()
        .map_err(Error::from)?;
    let root = dir.path().to_path_buf();
    let demo = Demo {
        bin: current_binary()?,
        server: root.join("server.git"),
        work: root.join("app"),
        color: opts.color,
    };
    let result = demo.run(out);
    if opts.keep {
        let kept = dir.keep();
        writeln!(out, "\nThe demo's files are kept in {}", kept.display())?;
    }
    result
}

struct Demo {
    bin: PathBuf,
    server: PathBuf,
    work: PathBuf,
    color: bool,
}

impl Demo {
    fn run(&self, out: &mut dyn Write) -> Result<()> {
        let files = self.set_up(out)?;
        self.scan(out)?;
        self.rejected_push(out)?;
        self.patch(out, &files)?;
        self.rewrite_and_push(out)
    }

    /// A server repository with the hook, a developer clone with one clean pushed commit, then
    /// two local commits: the leak, and an unrelated change on top of it.
    fn set_up(&self, out: &mut dyn Write) -> Result<Vec<(&'static str, String)>> {
        heading(out, "1. A git server with rolecall's pre-receive hook")?;
        let root = self.work.parent().expect("work dir has a parent");
        let server = path_str(&self.server)?;
        git(root, &["init", "-q", "--bare", "-b", "main", server])?;
        let said = self.rolecall(root, &["hook", "install", server])?;
        indent(out, &said.stdout)?;
        indent(out, &said.stderr)?;
        git(root, &["clone", "-q", server, path_str(&self.work)?])?;
        for (key, value) in [
            ("user.name", "Dana Developer"),
            ("user.email", "dana@example.com"),
        ] {
            git(&self.work, &["config", key, value])?;
        }
        self.write("README.md", "# acme agent bootstrap\n")?;
        git(&self.work, &["add", "-A"])?;
        git(&self.work, &["commit", "-q", "-m", "Initial commit"])?;
        let push = self.git_push()?;
        writeln!(out, "   a clean first push: {}", verdict(push.ok))?;

        heading(
            out,
            "2. A developer commits an EC2 user-data script and a boto3 job with hardcoded keys",
        )?;
        let mut keys = FakeKeys::new(2024);
        let files = vec![
            ("deploy/user-data.ps1", fill(USER_DATA, &mut keys)),
            ("jobs/reports.py", fill(BOTO3, &mut keys)),
        ];
        for (path, text) in &files {
            self.write(path, text)?;
            writeln!(out, "   wrote {path}")?;
        }
        git(&self.work, &["add", "-A"])?;
        git(
            &self.work,
            &["commit", "-q", "-m", "Bootstrap agent install from S3"],
        )?;
        self.write(
            "README.md",
            "# acme agent bootstrap\n\nInstalls the agent on new hosts.\n",
        )?;
        git(
            &self.work,
            &["commit", "-q", "-am", "Document the bootstrap"],
        )?;
        writeln!(
            out,
            "   two local commits: the leak, and a README change on top of it"
        )?;
        Ok(files)
    }

    fn scan(&self, out: &mut dyn Write) -> Result<()> {
        heading(
            out,
            "3. rolecall scan: the whole history, each blob once, attributed to its commit",
        )?;
        let color = if self.color { "always" } else { "never" };
        let scan = self.rolecall(&self.work, &["scan", "--no-progress", "--color", color])?;
        indent(out, &scan.stdout)?;
        writeln!(out, "   (exit code {}: credentials found)", scan.code)?;
        Ok(())
    }

    fn rejected_push(&self, out: &mut dyn Write) -> Result<()> {
        heading(
            out,
            "4. git push: the server's pre-receive hook rejects the push",
        )?;
        let push = self.git_push()?;
        indent(out, &push.stderr)?;
        if push.ok {
            return Err(Error::input(
                "the demo's leaking push was accepted: the hook did not run",
            ));
        }
        Ok(())
    }

    fn patch(&self, out: &mut dyn Write, files: &[(&str, String)]) -> Result<()> {
        heading(
            out,
            "5. rolecall fix: a patch that swaps the keys for the instance's IAM role",
        )?;
        let iam = self.work.parent().expect("has a parent").join("iam");
        let fix = self.rolecall(&self.work, &["fix", "--iam", path_str(&iam)?])?;
        // The patch's removed lines necessarily hold the keys (git apply checks them); the demo
        // shows them redacted.
        indent(out, &redact_values(&fix.stdout, files))?;
        indent(out, &fix.stderr)?;
        heading(
            out,
            "6. The least-privilege policy it inferred from the code's S3 calls",
        )?;
        let file = iam.join("permissions-policy.json");
        let policy = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        indent(out, &policy)?;
        Ok(())
    }

    fn rewrite_and_push(&self, out: &mut dyn Write) -> Result<()> {
        heading(out, "7. rolecall fix --rewrite: the unpushed commits are rewritten, the key never reaches the server")?;
        let rewrite = self.rolecall(&self.work, &["fix", "--rewrite", "origin/main..HEAD"])?;
        indent(out, &rewrite.stdout)?;
        indent(out, &rewrite.stderr)?;
        heading(out, "8. git push again")?;
        let push = self.git_push()?;
        indent(out, &push.stderr)?;
        writeln!(out, "   push {}", verdict(push.ok))?;
        if !push.ok {
            return Err(Error::input("the rewritten push was rejected"));
        }
        Ok(())
    }

    fn git_push(&self) -> Result<Ran> {
        run_cmd(
            Command::new("git")
                .args(["push", "origin", "main"])
                .current_dir(&self.work),
        )
    }

    fn write(&self, rel: &str, text: &str) -> Result<()> {
        let file = self.work.join(rel);
        let parent = file.parent().expect("has a parent");
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        std::fs::write(&file, text).map_err(|e| Error::io(&file, e))
    }

    fn rolecall(&self, dir: &Path, args: &[&str]) -> Result<Ran> {
        run_cmd(Command::new(&self.bin).args(args).current_dir(dir))
    }
}

/// What a command printed and how it ended.
struct Ran {
    ok: bool,
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_cmd(cmd: &mut Command) -> Result<Ran> {
    let output = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::input(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    Ok(Ran {
        ok: output.status.success(),
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "accepted"
    } else {
        "REJECTED"
    }
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| Error::input(format!("{} is not valid UTF-8", path.display())))
}

fn indent(out: &mut dyn Write, text: &str) -> Result<()> {
    for line in text.lines() {
        writeln!(out, "   {line}")?;
    }
    Ok(())
}

/// Replaces every key the demo planted by its redacted form.
fn redact_values(text: &str, files: &[(&str, String)]) -> String {
    let detector = Detector::shared();
    let mut out = text.to_string();
    for (_, content) in files {
        for m in detector.scan(content.as_bytes()).matches {
            out = out.replace(m.value.expose(), &m.value.redacted());
        }
    }
    out
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
fn current_binary() -> Result<PathBuf> {
    std::env::current_exe().map_err(Error::from)
}
