//! Trust policies: who may assume the role, per runtime.
//!
//! EC2 `ec2.amazonaws.com` (used through an instance profile), ECS tasks `ecs-tasks.amazonaws.com`,
//! Lambda `lambda.amazonaws.com`, EKS Pod Identity `pods.eks.amazonaws.com` (`sts:AssumeRole` and
//! `sts:TagSession`), EKS IRSA the cluster's OIDC provider (`sts:AssumeRoleWithWebIdentity` with
//! `sub` and `aud` conditions) and GitHub Actions OIDC (`token.actions.githubusercontent.com`,
//! `aud = sts.amazonaws.com` and always a `sub` naming the repository).

use super::actions::ACCOUNT;
use super::Runtime;
use serde_json::{json, Value};

/// GitHub's OIDC issuer host.
pub const GITHUB_OIDC: &str = "token.actions.githubusercontent.com";
/// Placeholder for an EKS cluster's OIDC provider (`oidc.eks.REGION.amazonaws.com/id/ID`).
pub const IRSA_PROVIDER: &str =
    "oidc.eks.REPLACE_ME_REGION.amazonaws.com/id/REPLACE_ME_EKS_OIDC_ID";
/// Placeholder for a GitHub repository in a `sub` condition.
pub const GITHUB_REPO_PLACEHOLDER: &str = "REPLACE_ME_GITHUB_OWNER/REPLACE_ME_GITHUB_REPO";

/// What a trust policy needs besides the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustInputs {
    /// Where the code runs.
    pub runtime: Runtime,
    /// GitHub `sub` claim (`repo:owner/name:ref:refs/heads/main`).
    pub github_subject: String,
    /// The EKS cluster's OIDC provider host/path (IRSA).
    pub irsa_provider: String,
    /// Kubernetes namespace of the service account (IRSA).
    pub namespace: String,
    /// Kubernetes service account name (IRSA).
    pub service_account: String,
}

impl TrustInputs {
    /// Inputs with every repository-specific value a marked placeholder.
    pub fn placeholders(runtime: Runtime) -> TrustInputs {
        TrustInputs {
            runtime,
            github_subject: github_subject(GITHUB_REPO_PLACEHOLDER, "main"),
            irsa_provider: IRSA_PROVIDER.to_string(),
            namespace: "REPLACE_ME_NAMESPACE".to_string(),
            service_account: "REPLACE_ME_SERVICE_ACCOUNT".to_string(),
        }
    }
}

/// The `sub` claim GitHub issues for workflow runs on `branch` of `repo` (`owner/name`).
pub fn github_subject(repo: &str, branch: &str) -> String {
    format!("repo:{repo}:ref:refs/heads/{branch}")
}

fn service_principal(service: &str, actions: &[&str], condition: Option<Value>) -> Value {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": if actions.len() == 1 { json!(actions[0]) } else { json!(actions) },
    });
    if let Some(c) = condition {
        statement["Condition"] = c;
    }
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

fn web_identity(provider: &str, sub: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}") },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    format!("{provider}:aud"): "sts.amazonaws.com",
                    format!("{provider}:sub"): sub,
                }
            }
        }]
    })
}

/// The trust policy document for the runtime.
pub fn trust_policy(inputs: &TrustInputs) -> Value {
    match inputs.runtime {
        Runtime::Ec2 => service_principal("ec2.amazonaws.com", &["sts:AssumeRole"], None),
        Runtime::Ecs => service_principal(
            "ecs-tasks.amazonaws.com",
            &["sts:AssumeRole"],
            // Confused-deputy guard: only tasks of this account.
            Some(json!({ "StringEquals": { "aws:SourceAccount": ACCOUNT } })),
        ),
        Runtime::Lambda => service_principal("lambda.amazonaws.com", &["sts:AssumeRole"], None),
        Runtime::EksPodIdentity => service_principal(
            "pods.eks.amazonaws.com",
            &["sts:AssumeRole", "sts:TagSession"],
            None,
        ),
        Runtime::EksIrsa => web_identity(
            &inputs.irsa_provider,
            &format!(
                "system:serviceaccount:{}:{}",
                inputs.namespace, inputs.service_account
            ),
        ),
        Runtime::GithubActions => web_identity(GITHUB_OIDC, &inputs.github_subject),
    }
}

/// Parses a git remote URL of a github.com repository into `owner/name`.
pub fn github_repo_from_remote(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("git@github.com:")
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("https://github.com/"))
        .or_else(|| url.strip_prefix("http://github.com/"))
        .or_else(|| url.strip_prefix("git://github.com/"))
        .or_else(|| {
            // https://user@github.com/owner/name
            let (_, after) = url.strip_prefix("https://")?.split_once('@')?;
            after.strip_prefix("github.com/")
        })?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, name) = rest.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
    };
    (ok(owner) && ok(name)).then(|| format!("{owner}/{name}"))
}
