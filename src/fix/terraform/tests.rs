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
    fn terraform_rewrites_stay_in_blocks_with_a_finding(parts in prop::collection::vec(part(), 0..10), seed: u64, crlf: bool) {
        let (text, ranges) = chunks(&parts, seed, if crlf { "\r\n" } else { "\n" });
        let (matches, outcome) = run(&TerraformRewriter, "main.tf", &text);
        if let Outcome::Rewritten { text: new, .. } = outcome {
            let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
            let allowed: Vec<Range<usize>> = ranges
                .iter()
                .zip(&parts)
                .filter(|(r, p)| hit.iter().any(|h| r.contains(h)) || p.starts_with("provider \"aws\""))
                .map(|(r, _)| r.clone())
                .collect();
            assert_within("main.tf", &text, &new, &allowed);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_terraform_rewriter(text in "(?s).{0,400}", seed: u64) {
        let (keys, _) = chunks(&["access_key = \"{AKIA}\"".into()], seed, "\n");
        let _ = run(&TerraformRewriter, "main.tf", &(text.clone() + &keys));
        let _ = run(&TerraformRewriter, "x.tfvars", &(keys + &text));
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
