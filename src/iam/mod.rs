//! The IAM role that replaces hardcoded keys: where the code runs (guessed from the repository or
//! given), the trust policy for that runtime, and a least-privilege permissions policy inferred
//! from the AWS calls the code makes. [`render`] writes them as JSON policy documents, Terraform
//! and CloudFormation, with a README listing every `REPLACE_ME_…` placeholder.
//!
//! Feed every file to an [`IamCollector`], then call [`build_artefacts`].

pub mod actions;
pub mod render;
mod syntax;
mod syntax_jvm;
mod syntax_script;
pub mod trust;

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use actions::{Grant, Inferrer, REGION};
use regex::Regex;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where the code runs, which decides who may assume the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Runtime {
    /// An EC2 instance (through an instance profile).
    Ec2,
    /// An ECS task (task role).
    Ecs,
    /// A Lambda function (execution role).
    Lambda,
    /// EKS IAM roles for service accounts (OIDC web identity).
    EksIrsa,
    /// EKS Pod Identity.
    EksPodIdentity,
    /// GitHub Actions through OIDC.
    GithubActions,
}

impl Runtime {
    /// Every runtime.
    pub const ALL: [Runtime; 6] = [
        Runtime::Ec2,
        Runtime::Ecs,
        Runtime::Lambda,
        Runtime::EksIrsa,
        Runtime::EksPodIdentity,
        Runtime::GithubActions,
    ];

    /// The name used on the command line (`eks-irsa`).
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Ec2 => "ec2",
            Runtime::Ecs => "ecs",
            Runtime::Lambda => "lambda",
            Runtime::EksIrsa => "eks-irsa",
            Runtime::EksPodIdentity => "eks-pod-identity",
            Runtime::GithubActions => "github-actions",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Runtime> {
        Runtime::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An output format for the role artefacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// Terraform (`role.tf`).
    Terraform,
    /// A CloudFormation template in JSON (`role.cfn.json`).
    CloudFormation,
    /// Plain IAM policy documents (`trust-policy.json`, `permissions-policy.json`).
    Json,
}

/// Which runtime the repository suggests, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guess {
    /// The runtime.
    pub runtime: Runtime,
    /// The file that suggested it (empty when nothing did).
    pub path: String,
    /// Why.
    pub reason: String,
}

#[derive(Debug, Clone)]
struct Signal {
    runtime: Runtime,
    path: String,
    reason: String,
    strength: u8,
    with_findings: bool,
}

/// Collects what the role needs from each file of a repository.
#[derive(Debug)]
pub struct IamCollector {
    inferrer: Inferrer,
    grants: Vec<Grant>,
    signals: Vec<Signal>,
    regions: BTreeSet<String>,
    service_account: Option<(String, String)>,
}

impl Default for IamCollector {
    fn default() -> IamCollector {
        IamCollector::new()
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

impl IamCollector {
    /// A collector with the built-in action table.
    pub fn new() -> IamCollector {
        IamCollector {
            inferrer: Inferrer::builtin(),
            grants: Vec::new(),
            signals: Vec::new(),
            regions: BTreeSet::new(),
            service_account: None,
        }
    }

    /// Looks at one file (`has_findings`: it holds credentials).
    pub fn add_file(&mut self, path: &str, text: &str, has_findings: bool) {
        let grants = self.inferrer.infer(path, text);
        if !grants.is_empty() || has_findings {
            self.regions.extend(self.inferrer.regions(text));
        }
        self.grants.extend(grants);
        for (runtime, strength, reason) in runtime_signals(path, text, has_findings) {
            self.signals.push(Signal {
                runtime,
                path: path.to_string(),
                reason,
                strength,
                with_findings: has_findings,
            });
        }
        if self.service_account.is_none() {
            self.service_account = service_account(text);
        }
    }

    /// The grants found so far, with the region filled in when the code names exactly one.
    pub fn grants(&self) -> Vec<Grant> {
        let region = self.region();
        self.grants
            .iter()
            .map(|g| {
                let mut g = g.clone();
                if let Some(r) = region {
                    g.resource = g.resource.replace(REGION, r);
                }
                g
            })
            .collect()
    }

    /// The region written in the code, when there is exactly one.
    pub fn region(&self) -> Option<&str> {
        (self.regions.len() == 1).then(|| self.regions.iter().next().expect("one").as_str())
    }

    /// The runtime the repository suggests: signals in files that hold credentials win, then the
    /// strongest signal; EC2 when nothing points anywhere.
    pub fn guess(&self) -> Guess {
        let best = self.signals.iter().max_by(|a, b| {
            (a.with_findings, a.strength)
                .cmp(&(b.with_findings, b.strength))
                .then_with(|| b.path.cmp(&a.path))
        });
        match best {
            Some(s) => Guess {
                runtime: s.runtime,
                path: s.path.clone(),
                reason: s.reason.clone(),
            },
            None => Guess {
                runtime: Runtime::Ec2,
                path: String::new(),
                reason: "nothing in the repository says where the code runs; defaulting to EC2"
                    .into(),
            },
        }
    }

    /// The merged permissions policy (`None` when the code makes no call rolecall knows).
    pub fn permissions(&self) -> Option<Value> {
        merge(&self.grants())
    }
}

/// Merges grants into a policy document: one statement per set of resources that need the same
/// actions; actions, resources and statements sorted, so the output is stable.
pub fn merge(grants: &[Grant]) -> Option<Value> {
    let mut by_resource: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for g in grants {
        by_resource
            .entry(&g.resource)
            .or_default()
            .insert(&g.action);
    }
    let mut by_actions: BTreeMap<Vec<&str>, Vec<&str>> = BTreeMap::new();
    for (resource, actions) in by_resource {
        by_actions
            .entry(actions.into_iter().collect())
            .or_default()
            .push(resource);
    }
    if by_actions.is_empty() {
        return None;
    }
    let mut sids: BTreeMap<String, usize> = BTreeMap::new();
    let statements: Vec<Value> = by_actions
        .into_iter()
        .map(|(actions, resources)| {
            let base = sid(actions[0]);
            let n = sids.entry(base.clone()).or_insert(0);
            *n += 1;
            let sid = if *n == 1 { base } else { format!("{base}{n}") };
            json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources })
        })
        .collect();
    Some(json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// `s3:GetObject` → `S3GetObject`.
fn sid(action: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in action.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// What a file says about where the code runs: (runtime, strength, reason).
fn runtime_signals(path: &str, text: &str, has_findings: bool) -> Vec<(Runtime, u8, String)> {
    static HANDLER: OnceLock<Regex> = OnceLock::new();
    let mut out = Vec::new();
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let lower = text.to_ascii_lowercase();
    let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
    let user_data_name = ["user-data", "userdata", "user_data"]
        .iter()
        .any(|n| file.contains(n));
    let script = text.starts_with("#!")
        || lower.contains("<powershell>")
        || lower.starts_with("#cloud-config");
    if user_data_name && script {
        out.push((Runtime::Ec2, 10, "an EC2 user-data script".to_string()));
    } else if lower.contains("<powershell>") {
        out.push((
            Runtime::Ec2,
            8,
            "an EC2 user-data <powershell> block".to_string(),
        ));
    }
    if [
        "aws_launch_template",
        "aws::ec2::launchtemplate",
        "launchtemplatedata",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        out.push((Runtime::Ec2, 8, "an EC2 launch template".to_string()));
    }
    if lower.contains("set-awscredential") {
        out.push((
            Runtime::Ec2,
            5,
            "PowerShell Set-AWSCredential on a host".to_string(),
        ));
    }
    if lower.contains("\"containerdefinitions\"")
        || lower.contains("aws::ecs::taskdefinition")
        || lower.contains("aws_ecs_task_definition")
    {
        out.push((Runtime::Ecs, 10, "an ECS task definition".to_string()));
    }
    if path.starts_with(".github/workflows/") && yaml {
        let strength = if has_findings { 10 } else { 3 };
        out.push((
            Runtime::GithubActions,
            strength,
            "a GitHub Actions workflow".to_string(),
        ));
    }
    if file == "serverless.yml" || file == "serverless.yaml" {
        out.push((
            Runtime::Lambda,
            10,
            "a Serverless Framework service".to_string(),
        ));
    }
    if lower.contains("aws::serverless::function") || lower.contains("aws::lambda::function") {
        out.push((
            Runtime::Lambda,
            10,
            "an AWS SAM / CloudFormation Lambda function".to_string(),
        ));
    }
    let handler = re(
        &HANDLER,
        r"(?m)def\s+\w*handler\w*\s*\(\s*event\s*,\s*context\s*\)|def\s+\w+\s*\(\s*event\s*,\s*context\s*\)|exports\.handler\s*=|export\s+(?:const|async\s+function)\s+handler\b|implements\s+RequestHandler<|lambda\.Start\(|ILambdaContext",
    );
    if handler.is_match(text) {
        out.push((Runtime::Lambda, 7, "a Lambda handler signature".to_string()));
    }
    if lower.contains("aws_eks_pod_identity_association")
        || lower.contains("aws::eks::podidentityassociation")
    {
        out.push((
            Runtime::EksPodIdentity,
            9,
            "an EKS Pod Identity association".to_string(),
        ));
    }
    if yaml && service_account(text).is_some() {
        out.push((
            Runtime::EksIrsa,
            9,
            "a Kubernetes ServiceAccount manifest".to_string(),
        ));
    }
    out.extend(trust::manifest_signals(path, text));
    out
}

/// The (namespace, name) of a Kubernetes ServiceAccount defined in a YAML text.
fn service_account(text: &str) -> Option<(String, String)> {
    static KIND: OnceLock<Regex> = OnceLock::new();
    static NAME: OnceLock<Regex> = OnceLock::new();
    static NS: OnceLock<Regex> = OnceLock::new();
    let kind = re(&KIND, r"(?m)^kind:\s*ServiceAccount\s*$");
    let name = re(
        &NAME,
        r#"(?m)^\s+name:\s*["']?([a-z0-9][a-z0-9.-]*)["']?\s*$"#,
    );
    let ns = re(
        &NS,
        r#"(?m)^\s+namespace:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*$"#,
    );
    text.split("\n---")
        .find(|doc| kind.is_match(doc))
        .and_then(|doc| {
            let meta = &doc[doc.find("metadata:")?..];
            let n = name.captures(meta)?[1].to_string();
            let s = ns
                .captures(meta)
                .map(|c| c[1].to_string())
                .unwrap_or_else(|| "default".into());
            Some((s, n))
        })
}

/// How to build the role artefacts.
#[derive(Debug, Clone)]
pub struct IamConfig {
    /// Where the code runs; guessed when `None`.
    pub runs_on: Option<Runtime>,
    /// Formats to write (empty: all three).
    pub formats: Vec<Format>,
    /// The role's name.
    pub role_name: String,
    /// The repository root, for the git remote (GitHub OIDC `sub`).
    pub repo_root: Option<PathBuf>,
}

/// The generated files and what they were based on.
#[derive(Debug, Clone)]
pub struct Artefacts {
    /// The runtime the trust policy is for.
    pub runtime: Runtime,
    /// The guess, when the runtime was not given.
    pub guess: Option<Guess>,
    /// File name → content.
    pub files: Vec<(String, String)>,
    /// Every `REPLACE_ME_…` placeholder left in the files, sorted.
    pub placeholders: Vec<String>,
    /// The trust policy document.
    pub trust: Value,
    /// The permissions policy document, when any call was recognised.
    pub permissions: Option<Value>,
}

/// The GitHub repository (`owner/name`) and default branch from a repository's remotes.
pub fn github_remote(repo_root: &Path) -> Option<(String, String)> {
    let repo = git2::Repository::open(repo_root).ok()?;
    let remotes = repo.remotes().ok()?;
    let mut names: Vec<String> = remotes
        .iter()
        .flatten()
        .flatten()
        .map(String::from)
        .collect();
    names.sort_by_key(|n| n != "origin");
    for name in names {
        let Ok(remote) = repo.find_remote(&name) else {
            continue;
        };
        let Some(slug) = remote.url().ok().and_then(trust::github_repo_from_remote) else {
            continue;
        };
        let head = format!("refs/remotes/{name}/HEAD");
        let branch = repo
            .find_reference(&head)
            .ok()
            .and_then(|r| r.symbolic_target().ok().flatten().map(String::from))
            .and_then(|t| t.rsplit('/').next().map(String::from))
            .unwrap_or_else(|| "main".to_string());
        return Some((slug, branch));
    }
    None
}

/// Builds the trust and permissions policies and renders them.
pub fn build_artefacts(collector: &IamCollector, config: &IamConfig) -> Artefacts {
    let guess = config.runs_on.is_none().then(|| collector.guess());
    let runtime = config
        .runs_on
        .unwrap_or_else(|| guess.as_ref().expect("guessed").runtime);
    let mut inputs = trust::TrustInputs::placeholders(runtime);
    if let Some((slug, branch)) = config.repo_root.as_deref().and_then(github_remote) {
        inputs.github_subject = trust::github_subject(&slug, &branch);
    }
    if let Some(region) = collector.region() {
        inputs.irsa_provider = inputs.irsa_provider.replace(REGION, region);
    }
    if let Some((ns, name)) = &collector.service_account {
        inputs.namespace = ns.clone();
        inputs.service_account = name.clone();
    }
    let trust = trust::trust_policy(&inputs);
    let permissions = collector.permissions();
    let formats = if config.formats.is_empty() {
        vec![Format::Json, Format::Terraform, Format::CloudFormation]
    } else {
        config.formats.clone()
    };
    let doc = render::Doc {
        role_name: &config.role_name,
        runtime,
        trust: &trust,
        permissions: permissions.as_ref(),
    };
    let mut files = Vec::new();
    for f in &formats {
        match f {
            Format::Json => {
                files.push(("trust-policy.json".to_string(), render::json(&trust)));
                if let Some(p) = &permissions {
                    files.push(("permissions-policy.json".to_string(), render::json(p)));
                }
            }
            Format::Terraform => files.push(("role.tf".to_string(), render::terraform(&doc))),
            Format::CloudFormation => {
                files.push(("role.cfn.json".to_string(), render::cloudformation(&doc)))
            }
        }
    }
    let placeholders = render::placeholders(files.iter().map(|(_, c)| c.as_str()));
    let readme = render::readme(
        &doc,
        guess.as_ref(),
        &files,
        &placeholders,
        &collector.grants(),
    );
    files.push(("README.md".to_string(), readme));
    Artefacts {
        runtime,
        guess,
        files,
        placeholders,
        trust,
        permissions,
    }
}

impl Artefacts {
    /// Writes the files into `dir` (created if missing); returns their paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut out = Vec::new();
        for (name, content) in &self.files {
            let path = dir.join(name);
            std::fs::write(&path, content).map_err(|e| Error::io(&path, e))?;
            out.push(path);
        }
        Ok(out)
    }
}
