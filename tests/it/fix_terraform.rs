//! Terraform: the AWS provider and the `backend "s3"` block lose their static credentials (and the variables that held them),
//! and the patched file is still `terraform fmt -check` clean (which parses it as HCL).

use crate::fixutil::{expand_numbered, prepare, round_trip, FixCase};

/// `terraform fmt -check` on `text` given on stdin: parses it and checks the layout.
#[cfg(feature = "conformance")]
fn fmt_check(text: &str) -> (i32, String) {
    use crate::util::{require_tool, run};
    use std::process::Command;
    require_tool("terraform");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("check.tf");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) =
        run(Command::new("terraform").args(["fmt", "-check", "-diff", file.to_str().unwrap()]));
    (code, format!("{out}{err}"))
}

/// The patched file parses (in-process), and in the conformance tier: the fixture was
/// `terraform fmt`-clean before, and the patched file still is.
fn assert_fmt_clean(case: &FixCase) {
    case.assert_parses_in_process();
    #[cfg(feature = "conformance")]
    assert_terraform_fmt_clean(case);
}

#[cfg(feature = "conformance")]
fn assert_terraform_fmt_clean(case: &FixCase) {
    let (code, out) = fmt_check(&case.original);
    assert_eq!(
        code,
        0,
        "the fixture itself is not fmt-clean:\n{}",
        case.redact(&out)
    );
    let (code, out) = fmt_check(&case.patched);
    assert_eq!(
        code,
        0,
        "terraform fmt -check rejects the patched file:\n{}",
        case.redact(&out)
    );
}

const MAIN_TF: &str = r#"terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "aws_access_key" {
  description = "CI user's key"
  type        = string
  default     = "{AKIA}"
}

variable "aws_secret_key" {
  type      = string
  default   = "{SECRET}"
  sensitive = true
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

provider "aws" {
  region     = var.region
  access_key = var.aws_access_key
  secret_key = var.aws_secret_key

  default_tags {
    tags = {
      Project = "billing"
    }
  }
}

provider "aws" {
  alias      = "dr"
  region     = "us-west-2"
  access_key = "{ASIA}"
  secret_key = "{SECRET2}"
  token      = "{TOKEN}"

  assume_role {
    role_arn = "arn:aws:iam::210987654321:role/dr-admin"
  }
}

resource "aws_s3_bucket" "invoices" {
  provider = aws.dr
  bucket   = "billing-invoices-${var.region}"
}
"#;

#[test]
fn provider_keys_and_their_variables_go_and_fmt_stays_clean() {
    let case = round_trip("infra/main.tf", MAIN_TF, 51);
    assert_fmt_clean(&case);
    assert!(!case.patched.contains("variable \"aws_access_key\""));
    assert!(case
        .patched
        .contains("provider \"aws\" {\n  region = var.region\n\n  default_tags {"));
    assert!(case
        .patched
        .contains("  alias  = \"dr\"\n  region = \"us-west-2\"\n\n  assume_role {"));
    insta::assert_snapshot!(case.safe_patch());
}

const LOCALS_TF: &str = r#"/* Legacy deploy account.
   Owner: platform team */
locals {
  deploy_key    = "{AKIA}" # rotated 2021
  deploy_secret = "{SECRET}"
  policy        = <<-EOT
    {
      "Statement": [{ "Effect": "Allow", "Action": "s3:*", "Resource": "${aws_s3_bucket.site.arn}/*" }]
    }
  EOT
}

provider "aws" {
  region     = "ap-southeast-2" // Sydney
  access_key = local.deploy_key
  secret_key = local.deploy_secret
}

resource "aws_s3_bucket" "site" {
  bucket = "static-site"
}

resource "aws_iam_policy" "deploy" {
  policy = local.policy
}
"#;

#[test]
fn locals_heredocs_and_block_comments_are_understood() {
    let case = round_trip("deploy/site.tf", LOCALS_TF, 52);
    assert_fmt_clean(&case);
    assert!(
        case.patched
            .contains("locals {\n  policy = <<-EOT\n    {\n"),
        "the heredoc stays, re-aligned"
    );
    assert!(case
        .patched
        .contains("  region = \"ap-southeast-2\" // Sydney\n}"));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn tfvars_assignments_go_with_crlf_kept() {
    let template = "region = \"eu-north-1\"\r\n# CI user\r\naws_access_key = \"{AKIA}\"\r\naws_secret_key = \"{SECRET}\"\r\ninstance_type  = \"t3.micro\"\r\n";
    let case = round_trip("env/prod.tfvars", template, 53);
    assert_eq!(
        case.patched,
        "region = \"eu-north-1\"\r\n# CI user\r\ninstance_type  = \"t3.micro\"\r\n"
    );
    assert!(case.fix.notes.iter().any(|n| n.contains("aws_access_key")));
}

#[test]
fn a_key_in_a_lambda_environment_stays_manual() {
    let template = "resource \"aws_lambda_function\" \"f\" {\n  function_name = \"f\"\n  environment {\n    variables = {\n      AWS_KEY    = \"{AKIA}\"\n      AWS_SECRET = \"{SECRET}\"\n    }\n  }\n}\n";
    let case = prepare("lambda.tf", template, 54);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("terraform"));
    let (expanded, _) = expand_numbered(template, 54);
    assert_eq!(case.original, expanded);
}

/// The state backend of a small project (the shape of many public `backend.tf` files): the S3
/// backend held the keys of the CI user next to the bucket and lock table.
const BACKEND_TF: &str = r#"terraform {
  required_version = ">= 1.3"

  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "network/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "terraform-locks"
    encrypt        = true
    access_key     = "{AKIA}"
    secret_key     = "{SECRET}"
  }
}

provider "aws" {
  region = "us-east-1"
}
"#;

/// Issue 11: `backend "s3"` blocks lose their keys; bucket, key and lock table stay, and the
/// alignment of the remaining arguments is what `terraform fmt` writes.
#[test]
fn issue11_backend_s3_block_loses_its_keys() {
    let case = round_trip("infra/backend.tf", BACKEND_TF, 41);
    assert_fmt_clean(&case);
    assert!(case
        .patched
        .contains("    dynamodb_table = \"terraform-locks\"\n"));
    assert!(!case.patched.contains("access_key"));
    assert!(!case.patched.contains("secret_key"));
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    assert!(
        case.fix.notes.iter().any(|n| n.contains("backend \"s3\"")),
        "{:?}",
        case.fix.notes
    );
    insta::assert_snapshot!(case.safe_patch());
}

/// An EC2 instance whose `user_data` heredoc configures the AWS CLI with the keys before it
/// syncs its app (the shape of many public bootstrap examples).
const USER_DATA_TF: &str = r#"resource "aws_instance" "web" {
  ami                  = data.aws_ami.ubuntu.id
  instance_type        = "t3.micro"
  iam_instance_profile = aws_iam_instance_profile.web.name

  user_data = <<-EOF
    #!/bin/bash
    set -euo pipefail
    apt-get update -y && apt-get install -y awscli nginx
    export AWS_ACCESS_KEY_ID={AKIA}
    export AWS_SECRET_ACCESS_KEY={SECRET}
    export AWS_DEFAULT_REGION=${var.region}
    aws s3 sync s3://${var.bucket}/site /var/www/html
    systemctl restart nginx
  EOF

  tags = {
    Name = "web"
  }
}
"#;

/// The body of the first `<<-EOF` heredoc of `text`.
fn heredoc_body(text: &str) -> &str {
    let start = text.find("<<-EOF\n").unwrap() + "<<-EOF\n".len();
    let end = start + text[start..].find("  EOF\n").unwrap();
    &text[start..end]
}

/// Issue 11: a `user_data` heredoc holding a shell script is fixed in its own language (the
/// export lines go, the script keeps booting), never replaced by a marker.
#[test]
fn issue11_user_data_shell_script_is_fixed_as_shell() {
    let case = round_trip("infra/web.tf", USER_DATA_TF, 43);
    assert_fmt_clean(&case);
    let body = heredoc_body(&case.patched);
    assert!(!body.contains("AWS_ACCESS_KEY_ID"), "{body}");
    assert!(!body.contains("AWS_SECRET_ACCESS_KEY"), "{body}");
    assert!(body.contains("    export AWS_DEFAULT_REGION=${var.region}\n"));
    assert!(body.contains("    aws s3 sync s3://${var.bucket}/site /var/www/html\n"));
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    assert!(
        case.fix.notes.iter().any(|n| n.contains("user_data")),
        "{:?}",
        case.fix.notes
    );
    #[cfg(feature = "conformance")]
    {
        use crate::util::{require_tool, run};
        use std::process::Command;
        require_tool("bash");
        let (code, _, err) = run(Command::new("bash").args(["-n", "-c", body]));
        assert_eq!(code, 0, "bash -n rejects the patched user_data: {err}");
    }
    insta::assert_snapshot!(case.safe_patch());
}

/// A Windows instance whose `<powershell>` user_data stores the keys with `Set-AWSCredential`
/// before it fetches the app from S3.
const USER_DATA_PS_TF: &str = r#"resource "aws_instance" "app" {
  ami           = "ami-0c2b0d3fb02824d92"
  instance_type = "t3.medium"

  user_data = <<-EOF
    <powershell>
    Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default
    Read-S3Object -BucketName app-artifacts -Key releases/app.zip -File C:\app.zip
    Expand-Archive C:\app.zip -DestinationPath C:\app
    </powershell>
  EOF
}
"#;

/// Issue 11: a `<powershell>` user_data is fixed by the PowerShell rewriter on the heredoc's
/// body; the tags and the rest of the script stay.
#[test]
fn issue11_user_data_powershell_script_is_fixed_as_powershell() {
    let case = round_trip("infra/app.tf", USER_DATA_PS_TF, 44);
    assert_fmt_clean(&case);
    let body = heredoc_body(&case.patched);
    assert!(!body.contains("Set-AWSCredential"), "{body}");
    assert!(body.starts_with("    <powershell>\n"), "{body}");
    assert!(
        body.contains("    Read-S3Object -BucketName app-artifacts"),
        "{body}"
    );
    assert!(body.ends_with("    </powershell>\n"), "{body}");
    assert!(case.fix.manual.is_empty(), "{:?}", case.fix.manual);
    insta::assert_snapshot!(case.safe_patch());
}
