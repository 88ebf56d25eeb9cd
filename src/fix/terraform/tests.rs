//! Tests of the Terraform rewriter.

use super::*;
use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
use crate::syntax::parse::descendants;
use proptest::prelude::*;

const BLOCKS: &[&str] = &[
    "provider \"aws\" {\n  region     = \"us-east-1\"\n  access_key = \"{AKIA}\"\n  secret_key = \"{SECRET}\"\n}",
    "provider \"aws\" {\n  region     = var.region\n  access_key = var.ak\n  secret_key = local.sk\n}",
    "provider \"aws\" { region = \"eu-west-1\" }",
    "variable \"ak\" {\n  type    = string\n  default = \"{AKIA}\"\n}",
    "variable \"region\" {\n  default = \"eu-west-1\"\n}",
    "locals {\n  sk   = \"{SECRET}\" # {AKIA}\n  name = \"x\"\n}",
    "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"${var.region}-${local.name}\"\n  policy = <<-EOT\n    { \"a\": \"}\" }\n  EOT\n}",
    "output \"o\" {\n  value = var.ak\n}",
    "# old key {AKIA}",
    "/* {SECRET}\n   multi-line */",
    "",
];

fn part() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(BLOCKS).prop_map(String::from), 1 => "([ -~]|\\PC){0,30}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn arbitrary_text_never_panics_the_terraform_rewriter(text in "(?s).{0,400}", seed: u64) {
        let (keys, _) = chunks(&["access_key = \"{AKIA}\"".into()], seed, "\n");
        let _ = run(&TerraformRewriter, "main.tf", &(text.clone() + &keys));
        let _ = run(&TerraformRewriter, "x.tfvars", &(keys + &text));
    }

    /// Issue 11: changes stay in the parts with a finding (and the blank lines right after one:
    /// a removed block takes one along), and the rewritten file parses as well as before. (It
    /// replaces a weaker test whose keys inside a block's braces were never expanded.)
    #[test]
    fn issue11_terraform_rewrites_of_expanded_keys_stay_in_blocks_and_parse(parts in prop::collection::vec(part(), 0..10), seed: u64, crlf: bool) {
        let (text, ranges) = chunks(&parts, seed, if crlf { "\r\n" } else { "\n" });
        let (matches, outcome) = run(&TerraformRewriter, "main.tf", &text);
        if let Outcome::Rewritten { text: new, .. } = outcome {
            let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
            let lines: Vec<&str> = text.split('\n').collect();
            let mut allowed: Vec<Range<usize>> = Vec::new();
            for (r, p) in ranges.iter().zip(&parts) {
                if hit.iter().any(|h| r.contains(h)) || p.starts_with("provider \"aws\"") {
                    allowed.push(r.clone());
                    // (the diff may show any line of a run of blank lines as the removed one)
                    let blanks = lines[r.end.min(lines.len())..]
                        .iter()
                        .take_while(|l| l.trim().is_empty())
                        .count();
                    allowed.push(r.end..r.end + blanks);
                }
            }
            assert_within("main.tf", &text, &new, &allowed);
            // Removing lines may change how the tree recovers from a syntax error elsewhere:
            // the framework's guard then keeps the whole file (checked below).
            let clean = crate::syntax::parse(Language::Hcl, &text).is_ok_and(|p| p.errors() == 0);
            let check = crate::syntax::guard::check(Language::Hcl, &text, &new);
            prop_assert!(!clean || check.is_ok(), "{check:?}");
        }
        let fix = crate::fix::fix_text(&crate::detect::Detector::builtin(), "main.tf", &text);
        if let Some(new) = fix.new {
            let check = crate::syntax::guard::check(Language::Hcl, &text, &new);
            prop_assert!(check.is_ok(), "{check:?}");
        }
    }
}

#[test]
fn a_localstack_provider_stays_untouched() {
    let (text, _) = chunks(
        &["provider \"aws\" {\n  access_key = \"{AKIA}\"\n  secret_key = \"{SECRET}\"\n  skip_credentials_validation = true\n\n  endpoints {\n    s3 = \"http://s3.localhost.localstack.cloud:4566\"\n  }\n}".into()],
        7,
        "\n",
    );
    let (_, outcome) = run(&TerraformRewriter, "provider.tf", &text);
    let Outcome::Manual(manual) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(!manual.is_empty());
    assert!(
        manual[0].reason.contains("non-AWS endpoint (localhost)"),
        "{manual:?}"
    );
}

/// The tree keeps what the old tokenizer kept whole: a template string holding a quoted `}`, a
/// trailing comment, a heredoc whose body is a lone `}`, and a block comment before an attribute.
#[test]
fn tree_keeps_templates_heredocs_and_comments_whole() {
    let text = "a = \"${b[\"}\"]}\" # c\nh = <<EOT\n}\nEOT\n/* x\n*/ d = 1\n";
    let parsed = crate::syntax::parse(Language::Hcl, text).unwrap();
    assert_eq!(parsed.errors(), 0);
    let kinds: Vec<(&str, &str)> = hcl::items(parsed.root())
        .into_iter()
        .map(|n| (n.kind(), parsed.text_of(n)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("attribute", "a = \"${b[\"}\"]}\""),
            ("attribute", "h = <<EOT\n}\nEOT"),
            ("attribute", "d = 1"),
        ]
    );
    let comments: Vec<&str> = descendants(parsed.root())
        .filter(|n| n.kind() == "comment")
        .map(|n| parsed.text_of(n))
        .collect();
    assert_eq!(comments, ["# c", "/* x\n*/"]);
    let heredoc = descendants(parsed.root())
        .find(|n| n.kind() == "heredoc_template")
        .unwrap();
    assert_eq!(&text[hcl::heredoc_body(text, heredoc).unwrap()], "}\n");
}

/// Runs the whole `fix_text` path on `template` (keys generated at run time).
fn fixed(path: &str, template: &str) -> crate::fix::FileFix {
    let text = crate::fake::FakeKeys::new(11).expand(template);
    assert!(!text.contains("{AKIA}") && !text.contains("{SECRET}"));
    crate::fix::fix_text(&crate::detect::Detector::builtin(), path, &text)
}

/// Issue 11: an object-valued `default` is one attribute of the tree; the provider arguments
/// that read its fields (`var.creds.access_key`) go, and then the unused variable goes whole.
#[test]
fn issue11_an_object_default_goes_with_the_provider_arguments_that_read_it() {
    let fix = fixed(
        "main.tf",
        "variable \"creds\" {\n  type = object({ access_key = string, secret_key = string })\n  default = {\n    access_key = \"{AKIA}\"\n    secret_key = \"{SECRET}\"\n  }\n}\n\nprovider \"aws\" {\n  region     = \"eu-west-1\"\n  access_key = var.creds.access_key\n  secret_key = var.creds[\"secret_key\"]\n}\n",
    );
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
    assert_eq!(
        fix.new.as_deref(),
        Some("provider \"aws\" {\n  region = \"eu-west-1\"\n}\n")
    );
}

/// Issue 11: a key in a `dynamic` block's `content` (an Elastic Beanstalk setting) is nothing
/// the rewriter removes; it stays for a human while the provider in the same file is fixed.
#[test]
fn issue11_a_key_in_a_nested_dynamic_block_stays_manual_and_the_rest_is_fixed() {
    let fix = fixed(
        "eb.tf",
        "provider \"aws\" {\n  region     = \"us-east-1\"\n  access_key = \"{AKIA}\"\n  secret_key = \"{SECRET}\"\n}\n\nresource \"aws_elastic_beanstalk_environment\" \"app\" {\n  name = \"app\"\n\n  dynamic \"setting\" {\n    for_each = { for k, v in local.env : k => v if v != \"\" }\n    content {\n      namespace = \"aws:elasticbeanstalk:application:environment\"\n      name      = setting.key\n      value     = \"{AKIA}\"\n    }\n  }\n}\n",
    );
    let new = fix.new.expect("the provider is still fixed");
    assert!(
        new.starts_with("provider \"aws\" {\n  region = \"us-east-1\"\n}\n"),
        "{new}"
    );
    assert!(new.contains("      value     = \""), "{new}");
    assert_eq!(fix.manual.len(), 1, "{:?}", fix.manual);
    assert_eq!(fix.manual[0].line, 15);
    assert!(
        fix.manual[0].reason.contains("cannot remove it safely"),
        "{:?}",
        fix.manual
    );
    assert!(fix.notes.iter().any(|n| n.contains("fixed in part")));
}

/// Issue 11: a `provider "aws"` commented out with `/* */` is one comment node: only its key
/// lines go, and the `var.ak` in it is no use of the variable (which then goes whole).
#[test]
fn issue11_a_provider_in_a_block_comment_loses_only_its_key_lines() {
    let fix = fixed(
        "old.tf",
        "variable \"ak\" {\n  default = \"{AKIA}\"\n}\n\n/*\nprovider \"aws\" {\n  access_key = var.ak\n  secret_key = \"{SECRET}\"\n}\n*/\n",
    );
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
    assert_eq!(
        fix.new.as_deref(),
        Some("/*\nprovider \"aws\" {\n  access_key = var.ak\n}\n*/\n")
    );
}

/// Issue 11: `${var.ak}` in a heredoc is a use of the variable (its default goes, the variable
/// stays), while `var.sk` in the heredoc's literal text is not (that variable goes whole).
#[test]
fn issue11_heredoc_interpolations_are_uses_and_literal_text_is_not() {
    let fix = fixed(
        "web.tf",
        "variable \"ak\" {\n  type    = string\n  default = \"{AKIA}\"\n}\n\nvariable \"sk\" {\n  default = \"{SECRET}\"\n}\n\nresource \"aws_instance\" \"web\" {\n  user_data = <<-EOF\n    #!/bin/bash\n    aws configure set aws_access_key_id ${var.ak}\n    # var.sk is set by hand\n  EOF\n}\n",
    );
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
    assert_eq!(
        fix.new.as_deref(),
        Some("variable \"ak\" {\n  type = string\n}\n\nresource \"aws_instance\" \"web\" {\n  user_data = <<-EOF\n    #!/bin/bash\n    aws configure set aws_access_key_id ${var.ak}\n    # var.sk is set by hand\n  EOF\n}\n")
    );
    assert!(fix.notes.iter().any(|n| n.contains("variable \"ak\"")));
}

/// Issue 11: a user_data heredoc whose interpolations hold braces and quotes (`${jsonencode({
/// "a" = "}" })}`) loses its export lines; every other line stays byte for byte.
#[test]
fn issue11_a_user_data_heredoc_with_interpolations_loses_only_its_exports() {
    let head = "resource \"aws_instance\" \"web\" {\n  user_data = <<-EOF\n    #!/bin/bash\n";
    let keep = "    echo '${jsonencode({ \"a\" = \"}\" })}' > /etc/app.json\n    aws s3 cp \"s3://${lookup(var.buckets, \"app\")}/app.zip\" /tmp/\n";
    let tail = "  EOF\n}\n";
    let fix = fixed(
        "web.tf",
        &format!("{head}    export AWS_ACCESS_KEY_ID={{AKIA}}\n    export AWS_SECRET_ACCESS_KEY={{SECRET}}\n{keep}{tail}"),
    );
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
    assert_eq!(fix.new, Some(format!("{head}{keep}{tail}")));
}

/// Issue 11: a block the HCL tree cannot read (an unclosed brace, a stray line) is never
/// edited: its key is manual with the error's line, and the provider elsewhere is still fixed.
/// The tokenizer's parser gave up on the whole file.
#[test]
fn issue11_a_syntax_error_leaves_only_the_broken_block_manual() {
    let fix = fixed(
        "main.tf",
        "provider \"aws\" {\n  region     = \"us-east-1\"\n  access_key = \"{AKIA}\"\n  secret_key = \"{SECRET}\"\n}\n\n%%% not hcl \"\nlocals {\n  old = \"{AKIA}\"\n}\n",
    );
    let new = fix.new.expect("the provider is still fixed");
    assert!(
        new.starts_with("provider \"aws\" {\n  region = \"us-east-1\"\n}\n\n%%% not hcl"),
        "{new}"
    );
    assert_eq!(fix.manual.len(), 1, "{:?}", fix.manual);
    assert_eq!(fix.manual[0].line, 9);
    assert!(
        fix.manual[0]
            .reason
            .contains("does not parse (a syntax error on line 7)"),
        "{:?}",
        fix.manual
    );
}

/// A trailing `#` comment on a CRLF line goes without its `\r` (the grammar takes the `\r` into
/// the comment node).
#[test]
fn a_trailing_comment_on_a_crlf_line_keeps_the_line_ending() {
    let fix = fixed(
        "main.tf",
        "locals {\r\n  name = \"app\" # was {AKIA}\r\n}\r\n",
    );
    assert!(fix.manual.is_empty(), "{:?}", fix.manual);
    assert_eq!(
        fix.new.as_deref(),
        Some("locals {\r\n  name = \"app\"\r\n}\r\n")
    );
}
