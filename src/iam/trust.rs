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

/// Kubernetes kinds whose pods run the code.
const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

/// The `kind:` of each top-level document of a YAML text that also names an `apiVersion:`.
fn kubernetes_kinds(text: &str) -> Vec<&str> {
    let mut kinds = Vec::new();
    for doc in text.split("\n---") {
        let top = |key: &str| {
            doc.lines().find_map(|l| {
                l.strip_prefix(key)
                    .map(|v| v.trim().trim_matches(['"', '\'']))
            })
        };
        if let (Some(_), Some(kind)) = (top("apiVersion:"), top("kind:")) {
            kinds.push(kind);
        }
    }
    kinds
}

/// What a manifest says about where the code runs, beyond the file kinds `runtime_signals`
/// knows: Kubernetes workloads and Secrets (pods on EKS: IRSA, or an EKS Pod Identity
/// association), a ServiceAccount already annotated with `eks.amazonaws.com/role-arn`, an ECS
/// task definition's `taskRoleArn`, and a workflow or composite action that already uses
/// `aws-actions/configure-aws-credentials` (GitHub Actions OIDC). Returns (runtime, strength,
/// reason) like `runtime_signals`.
pub(crate) fn manifest_signals(path: &str, text: &str) -> Vec<(Runtime, u8, String)> {
    let mut out = Vec::new();
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
    if yaml {
        let kinds = kubernetes_kinds(text);
        if let Some(kind) = kinds.iter().find(|k| WORKLOAD_KINDS.contains(k)) {
            out.push((
                Runtime::EksIrsa,
                9,
                format!("a Kubernetes {kind} manifest (pods on EKS)"),
            ));
        } else if kinds.contains(&"Secret") {
            out.push((
                Runtime::EksIrsa,
                7,
                "a Kubernetes Secret manifest (pods on EKS)".to_string(),
            ));
        }
        if text.contains("eks.amazonaws.com/role-arn") {
            out.push((
                Runtime::EksIrsa,
                10,
                "a ServiceAccount annotated with eks.amazonaws.com/role-arn (IRSA)".to_string(),
            ));
        }
        if text.contains("aws-actions/configure-aws-credentials") {
            out.push((
                Runtime::GithubActions,
                8,
                "a workflow step aws-actions/configure-aws-credentials (GitHub OIDC)".to_string(),
            ));
        }
    }
    if file.ends_with(".json") && text.contains("\"taskRoleArn\"") {
        out.push((
            Runtime::Ecs,
            10,
            "an ECS task definition with a taskRoleArn".to_string(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(path: &str, text: &str) -> Option<Runtime> {
        manifest_signals(path, text)
            .into_iter()
            .max_by_key(|(_, s, _)| *s)
            .map(|(r, _, _)| r)
    }

    #[test]
    fn kubernetes_workloads_and_secrets_point_at_eks() {
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n";
        assert_eq!(best("k8s/api.yaml", deploy), Some(Runtime::EksIrsa));
        let two = "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: batch/v1\nkind: \"CronJob\"\n";
        assert!(manifest_signals("jobs.yml", two)[0].2.contains("CronJob"));
        let secret = "apiVersion: v1\nkind: Secret\nstringData:\n  a: b\n";
        assert_eq!(best("secret.yaml", secret), Some(Runtime::EksIrsa));
        // a YAML file without apiVersion is no manifest
        assert_eq!(best("config.yml", "kind: Deployment\n"), None);
    }

    #[test]
    fn ecs_task_roles_and_github_oidc_steps_are_recognised() {
        let td = "{\"family\": \"web\", \"taskRoleArn\": \"arn:aws:iam::1:role/x\"}";
        assert_eq!(best("task.json", td), Some(Runtime::Ecs));
        let wf = "steps:\n  - uses: aws-actions/configure-aws-credentials@v4\n";
        assert_eq!(best("action.yml", wf), Some(Runtime::GithubActions));
        let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n    eks.amazonaws.com/role-arn: arn\n";
        assert_eq!(best("sa.yaml", sa), Some(Runtime::EksIrsa));
    }
}
