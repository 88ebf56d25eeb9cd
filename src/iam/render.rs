//! Renders the role as JSON policy documents, Terraform (canonically formatted, so that
//! `terraform fmt -check` accepts it) and a CloudFormation template (JSON), plus a README that
//! lists the placeholders, the calls behind each permission and the steps left to do.

use super::actions::{Grant, ACCOUNT, REGION};
use super::{Guess, Runtime};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What every renderer needs.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// The role's name.
    pub role_name: &'a str,
    /// Where the code runs.
    pub runtime: Runtime,
    /// Trust policy document.
    pub trust: &'a Value,
    /// Permissions policy document, if any.
    pub permissions: Option<&'a Value>,
}

/// A policy document as pretty JSON with a final newline.
pub fn json(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("a JSON value serialises");
    s.push('\n');
    s
}

// ------------------------------------------------------------------------------------ Terraform

const TF_ACCOUNT: &str = "${data.aws_caller_identity.current.account_id}";
const TF_REGION: &str = "${data.aws_region.current.name}";

/// A Terraform string literal; account and region placeholders become data-source references.
fn tf_string(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{")
        .replace(ACCOUNT, TF_ACCOUNT)
        .replace(REGION, TF_REGION);
    format!("\"{escaped}\"")
}

fn tf_key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        tf_string(k)
    }
}

/// Attribute lines `key = value` at `indent`, with `=` aligned across each run of single-line
/// values (as `terraform fmt` does); a multi-line value ends a run.
fn tf_attrs(out: &mut String, indent: usize, attrs: &[(String, String)]) {
    let pad = " ".repeat(indent);
    let mut i = 0;
    while i < attrs.len() {
        if attrs[i].1.contains('\n') {
            let _ = writeln!(out, "{pad}{} = {}", attrs[i].0, attrs[i].1);
            i += 1;
            continue;
        }
        let run_end = (i..attrs.len())
            .find(|&j| attrs[j].1.contains('\n'))
            .unwrap_or(attrs.len());
        let width = attrs[i..run_end]
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &attrs[i..run_end] {
            let _ = writeln!(out, "{pad}{k:<width$} = {v}");
        }
        i = run_end;
    }
}

/// An HCL expression for a JSON value; continuation lines are indented for `indent`.
fn tf_value(v: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => tf_string(s),
        Value::Array(items) => {
            if items.len() == 1 && !items[0].is_object() && !items[0].is_array() {
                return format!("[{}]", tf_value(&items[0], indent));
            }
            let mut s = String::from("[\n");
            for item in items {
                let _ = writeln!(s, "{pad}  {},", tf_value(item, indent + 2));
            }
            s.push_str(&pad);
            s.push(']');
            s
        }
        Value::Object(map) => {
            let attrs: Vec<(String, String)> = map
                .iter()
                .map(|(k, v)| (tf_key(k), tf_value(v, indent + 2)))
                .collect();
            let mut s = String::from("{\n");
            tf_attrs(&mut s, indent + 2, &attrs);
            s.push_str(&pad);
            s.push('}');
            s
        }
    }
}

fn tf_jsonencode(v: &Value, indent: usize) -> String {
    format!("jsonencode({})", tf_value(v, indent))
}

/// The role as Terraform: `aws_iam_role`, an inline `aws_iam_role_policy`, an instance profile
/// for EC2, and outputs.
pub fn terraform(doc: &Doc<'_>) -> String {
    let mut body = String::new();
    let name = tf_string(doc.role_name);
    body.push_str("resource \"aws_iam_role\" \"this\" {\n");
    tf_attrs(
        &mut body,
        2,
        &[
            ("name".into(), name.clone()),
            ("description".into(), tf_string(&description(doc.runtime))),
        ],
    );
    body.push('\n');
    tf_attrs(
        &mut body,
        2,
        &[("assume_role_policy".into(), tf_jsonencode(doc.trust, 2))],
    );
    body.push_str("}\n");
    if let Some(p) = doc.permissions {
        body.push_str("\nresource \"aws_iam_role_policy\" \"this\" {\n");
        tf_attrs(
            &mut body,
            2,
            &[
                (
                    "name".into(),
                    tf_string(&format!("{}-permissions", doc.role_name)),
                ),
                ("role".into(), "aws_iam_role.this.id".into()),
            ],
        );
        body.push('\n');
        tf_attrs(&mut body, 2, &[("policy".into(), tf_jsonencode(p, 2))]);
        body.push_str("}\n");
    }
    if doc.runtime == Runtime::Ec2 {
        body.push_str("\nresource \"aws_iam_instance_profile\" \"this\" {\n");
        tf_attrs(
            &mut body,
            2,
            &[
                ("name".into(), name),
                ("role".into(), "aws_iam_role.this.name".into()),
            ],
        );
        body.push_str("}\n");
    }
    body.push_str("\noutput \"role_arn\" {\n  value = aws_iam_role.this.arn\n}\n");
    if doc.runtime == Runtime::Ec2 {
        body.push_str("\noutput \"instance_profile_name\" {\n  value = aws_iam_instance_profile.this.name\n}\n");
    }
    let mut out =
        String::from("# Generated by rolecall: the IAM role that replaces hardcoded AWS keys.\n");
    out.push_str("# Fill in every REPLACE_ME_ placeholder (see README.md) before applying.\n\n");
    if body.contains("data.aws_caller_identity.current") {
        out.push_str("data \"aws_caller_identity\" \"current\" {}\n\n");
    }
    if body.contains("data.aws_region.current") {
        out.push_str("data \"aws_region\" \"current\" {}\n\n");
    }
    out.push_str(&body);
    out
}

// ------------------------------------------------------------------------------- CloudFormation

/// Replaces account/region placeholders in string values by `Fn::Sub` pseudo parameters.
fn cfn_sub(v: &Value) -> Value {
    match v {
        Value::String(s) if s.contains(ACCOUNT) || s.contains(REGION) => {
            let sub = s
                .replace("${", "${!")
                .replace(ACCOUNT, "${AWS::AccountId}")
                .replace(REGION, "${AWS::Region}");
            json!({ "Fn::Sub": sub })
        }
        Value::Array(items) => Value::Array(items.iter().map(cfn_sub).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), cfn_sub(v))).collect())
        }
        other => other.clone(),
    }
}

/// The role as a CloudFormation template (JSON).
pub fn cloudformation(doc: &Doc<'_>) -> String {
    let mut props = Map::new();
    props.insert("RoleName".into(), json!(doc.role_name));
    props.insert("Description".into(), json!(description(doc.runtime)));
    props.insert("AssumeRolePolicyDocument".into(), cfn_sub(doc.trust));
    if let Some(p) = doc.permissions {
        props.insert(
            "Policies".into(),
            json!([{ "PolicyName": format!("{}-permissions", doc.role_name), "PolicyDocument": cfn_sub(p) }]),
        );
    }
    let mut resources = Map::new();
    resources.insert(
        "Role".into(),
        json!({ "Type": "AWS::IAM::Role", "Properties": props }),
    );
    let mut outputs = Map::new();
    outputs.insert(
        "RoleArn".into(),
        json!({ "Value": { "Fn::GetAtt": ["Role", "Arn"] } }),
    );
    if doc.runtime == Runtime::Ec2 {
        resources.insert(
            "InstanceProfile".into(),
            json!({
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": { "InstanceProfileName": doc.role_name, "Roles": [{ "Ref": "Role" }] }
            }),
        );
        outputs.insert(
            "InstanceProfileName".into(),
            json!({ "Value": { "Ref": "InstanceProfile" } }),
        );
    }
    json(&json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("rolecall: {}", description(doc.runtime)),
        "Resources": resources,
        "Outputs": outputs,
    }))
}

fn description(runtime: Runtime) -> String {
    let place = match runtime {
        Runtime::Ec2 => "EC2 instances (instance profile)",
        Runtime::Ecs => "ECS tasks (task role)",
        Runtime::Lambda => "a Lambda function (execution role)",
        Runtime::EksIrsa => "EKS pods (IRSA)",
        Runtime::EksPodIdentity => "EKS pods (Pod Identity)",
        Runtime::GithubActions => "GitHub Actions (OIDC)",
    };
    format!("Role for {place}; replaces hardcoded AWS keys")
}

// ------------------------------------------------------------------------------------- README

/// Every distinct `REPLACE_ME_…` placeholder in the texts, sorted.
pub fn placeholders<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let re = Regex::new(r"REPLACE_ME_[A-Z0-9_]*[A-Z0-9]").expect("static regex");
    let set: BTreeSet<String> = texts
        .flat_map(|t| {
            re.find_iter(t)
                .map(|m| m.as_str().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    set.into_iter().collect()
}

fn explain(placeholder: &str) -> &'static str {
    match placeholder {
        "REPLACE_ME_ACCOUNT_ID" => "the 12-digit AWS account that owns the role (Terraform and CloudFormation fill it in themselves)",
        "REPLACE_ME_REGION" => "the AWS region of the resources (Terraform and CloudFormation fill it in themselves)",
        "REPLACE_ME_BUCKET" => "an S3 bucket the code names through a value rolecall could not read (see the calls below)",
        "REPLACE_ME_TABLE_NAME" => "a DynamoDB table the code names through a value rolecall could not read",
        "REPLACE_ME_QUEUE_NAME" => "an SQS queue the code names through a value rolecall could not read",
        "REPLACE_ME_TOPIC_NAME" => "an SNS topic the code names through a value rolecall could not read",
        "REPLACE_ME_PARAMETER_NAME" => "an SSM parameter the code names through a value rolecall could not read",
        "REPLACE_ME_SECRET_NAME" => "a Secrets Manager secret the code names through a value rolecall could not read",
        "REPLACE_ME_KMS_KEY_ID" => "the KMS key used for SSE-KMS (its key ID)",
        "REPLACE_ME_GITHUB_OWNER" | "REPLACE_ME_GITHUB_REPO" => "the GitHub repository (owner/name) whose workflows may assume the role: no github.com remote was found",
        "REPLACE_ME_EKS_OIDC_ID" => "the ID of the EKS cluster's OIDC provider (`aws eks describe-cluster --query cluster.identity.oidc.issuer`)",
        "REPLACE_ME_NAMESPACE" => "the Kubernetes namespace of the pod's service account",
        "REPLACE_ME_SERVICE_ACCOUNT" => "the Kubernetes service account the pods run as",
        _ => "a value rolecall could not determine",
    }
}

fn next_steps(runtime: Runtime) -> &'static [&'static str] {
    match runtime {
        Runtime::Ec2 => &[
            "Attach the instance profile to the instances (launch template `IamInstanceProfile`, or `aws ec2 associate-iam-instance-profile`). With the JSON documents alone, create it: `aws iam create-instance-profile` and `aws iam add-role-to-instance-profile`.",
            "Containers on the instance reach the role through IMDSv2 only with a metadata hop limit of at least 2.",
            "Hosts that ran `Set-AWSCredential -StoreAs NAME` still hold the keys in their credential store: run `Remove-AWSCredentialProfile -ProfileName NAME` on each of them.",
        ],
        Runtime::Ecs => &["Set the role as the task definition's `taskRoleArn` (not `executionRoleArn`, which is for pulling images and writing logs)."],
        Runtime::Lambda => &["Use the role as the function's execution role; also attach `AWSLambdaBasicExecutionRole` (or equivalent) so the function can write its logs."],
        Runtime::EksIrsa => &[
            "The cluster needs an IAM OIDC provider (`eksctl utils associate-iam-oidc-provider`).",
            "Annotate the service account: `eks.amazonaws.com/role-arn: <role ARN>`, and restart the pods.",
        ],
        Runtime::EksPodIdentity => &[
            "Install the EKS Pod Identity Agent add-on.",
            "Create a pod identity association for the namespace and service account (`aws eks create-pod-identity-association`).",
        ],
        Runtime::GithubActions => &[
            "The account needs the IAM OIDC provider for `token.actions.githubusercontent.com` (audience `sts.amazonaws.com`).",
            "In the workflow: `permissions: id-token: write` and `aws-actions/configure-aws-credentials` with `role-to-assume: <role ARN>`.",
            "The `sub` condition limits the role to one repository and branch; widen it deliberately (for example `:environment:prod`), never drop it.",
        ],
    }
}

/// The README written next to the artefacts.
pub fn readme(
    doc: &Doc<'_>,
    guess: Option<&Guess>,
    files: &[(String, String)],
    placeholders: &[String],
    grants: &[Grant],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# IAM role `{}` (generated by rolecall)\n",
        doc.role_name
    );
    match guess {
        Some(g) if !g.path.is_empty() => {
            let _ = writeln!(s, "Runs on: **{}**, guessed from `{}`: {}. Choose another with `rolecall fix --runs-on …`.\n", doc.runtime.as_str(), g.path, g.reason);
        }
        Some(g) => {
            let _ = writeln!(
                s,
                "Runs on: **{}** ({}). Choose with `rolecall fix --runs-on …`.\n",
                doc.runtime.as_str(),
                g.reason
            );
        }
        None => {
            let _ = writeln!(
                s,
                "Runs on: **{}** (as given with `--runs-on`).\n",
                doc.runtime.as_str()
            );
        }
    }
    s.push_str("## Files\n\n");
    for (name, _) in files {
        let what = match name.as_str() {
            "trust-policy.json" => "who may assume the role (trust policy)",
            "permissions-policy.json" => {
                "least-privilege permissions inferred from the AWS calls in the code"
            }
            "role.tf" => "Terraform: the role, its inline policy and outputs",
            "role.cfn.json" => "CloudFormation template (JSON)",
            _ => "",
        };
        let _ = writeln!(s, "- `{name}`: {what}");
    }
    s.push_str("\n## Placeholders to fill in\n\n");
    if placeholders.is_empty() {
        s.push_str("None.\n");
    }
    for p in placeholders {
        let _ = writeln!(s, "- `{p}`: {}", explain(p));
    }
    s.push_str("\n## Permissions and the calls they come from\n\n");
    if doc.permissions.is_none() {
        s.push_str("rolecall recognised no AWS call in the code, so there is no permissions policy: add the permissions the code needs by hand.\n");
    }
    for g in grants {
        let _ = writeln!(
            s,
            "- `{}` on `{}`: `{}:{}` `{}`",
            g.action, g.resource, g.path, g.line, g.call
        );
    }
    s.push_str("\n## Next steps\n\n");
    for step in next_steps(doc.runtime) {
        let _ = writeln!(s, "- {step}");
    }
    s.push_str("- Deactivate and delete the leaked access keys: removing them from the code does not remove them from git history.\n");
    s
}
