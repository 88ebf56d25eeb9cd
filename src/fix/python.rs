//! The Python rewriter (boto3 / botocore): removes `aws_access_key_id`, `aws_secret_access_key`
//! and `aws_session_token` from `boto3.client/resource/Session/setup_default_session` and botocore
//! `create_client` calls, also when the value comes from a variable, a module constant or a
//! `**dict`, removes the constants and dict entries that held the keys, `os.environ[…] = …`
//! assignments of `AWS_*` keys, and keys in comments. Everything else (region, endpoint,
//! `config=Config(…)`) stays as it was.

use super::python_lex;
use super::script_edit::{rewrite_with, EntryKey, Syntax};
use super::script_lex::{apply_deletions, Tk, Token, Tree};
use super::{FileToFix, Outcome, Rewriter};
use std::ops::Range;

/// The boto3/botocore rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Python;

/// Keyword arguments and dict keys that carry credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

impl Rewriter for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        lower.ends_with(".py")
            || lower.ends_with(".pyw")
            || super::script_edit::shebang_script(
                lower.rsplit('/').next().unwrap_or(""),
                text,
                "python",
            )
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        rewrite_with(&PythonSyntax, file)
    }
}

/// Python's rules for the shared engine.
struct PythonSyntax;

impl Syntax for PythonSyntax {
    fn lex(&self, text: &str) -> Vec<Token> {
        python_lex::lex(text)
    }

    fn entry_key(&self, tree: &Tree<'_>, code: &[usize]) -> EntryKey {
        let kind = |n: usize| code.get(n).map(|&k| (tree.toks[k].kind, tree.tok_text(k)));
        match (kind(0), kind(1)) {
            (Some((Tk::Ident, name)), Some((Tk::Op, "="))) => EntryKey::Named(name.to_string()),
            (Some((Tk::Str, key)), Some((Tk::Op, ":"))) => {
                EntryKey::Named(super::script_lex::unquote(key).to_string())
            }
            (Some((Tk::Op, "**" | "*")), Some(_)) => EntryKey::Spread,
            _ => EntryKey::Positional,
        }
    }

    fn is_credential_key(&self, key: &str) -> bool {
        CREDENTIAL_KEYS.contains(&key)
    }

    fn is_transparent(&self, callee: &str) -> bool {
        let last = callee.rsplit('.').next().unwrap_or(callee);
        callee.ends_with("getenv")
            || callee.ends_with("environ.get")
            || callee == "str"
            || matches!(last, "Credentials" | "ReadOnlyCredentials")
    }

    fn is_credential_statement(&self, callee: &str) -> bool {
        [
            "set_credentials",
            "environ.setdefault",
            "putenv",
            "environ.update",
        ]
        .iter()
        .any(|c| callee.ends_with(c))
    }

    fn is_settings_target(&self, lhs: &str) -> bool {
        lhs.starts_with("os.environ[") || lhs.starts_with("environ[")
    }

    fn assigned_name(&self, tree: &Tree<'_>, lhs: &[usize]) -> Option<String> {
        let first = *lhs.first()?;
        let annotated = lhs.get(1).is_some_and(|&k| tree.tok_text(k) == ":");
        let plain = tree.toks[first].kind == Tk::Ident && (lhs.len() == 1 || annotated);
        plain.then(|| tree.tok_text(first).to_string())
    }

    fn interpolates(&self, tok_text: &str) -> bool {
        let prefix: String = tok_text
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        prefix.contains(['f', 'F'])
    }

    fn check_deletions(&self, text: &str, deletions: &[Range<usize>]) -> Result<(), String> {
        no_empty_block(&apply_deletions(text, deletions))
    }

    fn unused_note(&self, name: &str, path: &str) -> String {
        format!("removed `{name}` from {path}; if other modules import it (`from … import {name}`), remove those uses too")
    }
}

/// Fails when a block header (`def f():`, `if x:`) is not followed by an indented statement.
fn no_empty_block(text: &str) -> Result<(), String> {
    let toks = python_lex::lex(text);
    let mut logical_start = 0usize;
    for (n, tok) in toks.iter().enumerate() {
        if tok.kind != Tk::Newline || n < logical_start {
            continue;
        }
        let last_code = toks[logical_start..n]
            .iter()
            .rev()
            .find(|t| t.kind != Tk::Comment);
        let header = last_code.is_some_and(|t| t.kind == Tk::Op && &text[t.span.clone()] == ":");
        if header {
            let header_indent = indent_at(text, toks[logical_start].span.start);
            let body = toks[n + 1..]
                .iter()
                .find(|t| !matches!(t.kind, Tk::Comment | Tk::Newline));
            if body.map_or(true, |t| indent_at(text, t.span.start) <= header_indent) {
                return Err("removing the credential would leave a Python block empty".into());
            }
        }
        logical_start = n + 1;
        while logical_start < toks.len()
            && matches!(toks[logical_start].kind, Tk::Newline | Tk::Comment)
        {
            logical_start += 1;
        }
    }
    Ok(())
}

/// The indentation (in bytes) of the line holding `pos`.
fn indent_at(text: &str, pos: usize) -> usize {
    let start = super::script_lex::line_start(text, pos);
    text[start..]
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::script_edit::testkit::{assemble, check_noise_survives, run};
    use proptest::prelude::*;

    const VOCABULARY: &[&str] = &[
        "boto3.client(",
        "aws_access_key_id=",
        "aws_secret_access_key=",
        "\"{AKIA}\"",
        "'{SECRET}'",
        "{TOKEN}",
        "KEY",
        " = ",
        ",",
        ")",
        "(",
        "[",
        "]",
        "{",
        "}",
        "\n",
        "    ",
        "# ",
        "\"\"\"",
        "f\"{",
        "**",
        ":",
        "\\\n",
        "def f():\n",
        "os.environ[\"AWS_ACCESS_KEY_ID\"]",
        "Config(retries={\"max_attempts\": 3})",
        "'",
        "\"",
        "rb'",
    ];

    const NOISE: &[&str] = &[
        "print(\"step {N}\")",
        "value_{N} = compute({N}, flag=True)",
        "# note {N}",
        "bucket_{N} = s3.Bucket(\"data-{N}\")",
    ];

    const SNIPPETS: &[&str] = &[
        "s3 = boto3.client(\"s3\", aws_access_key_id=\"{AKIA}\", aws_secret_access_key=\"{SECRET}\")\n",
        "ddb = boto3.resource(\n    \"dynamodb\",\n    aws_access_key_id=\"{AKIA}\",\n    aws_secret_access_key=\"{SECRET}\",\n    config=Config(retries={\"mode\": \"standard\"}),\n)\n",
        "# old key {AKIA}\n",
        "session = boto3.Session(\n    region_name=\"eu-west-1\",\n    aws_session_token=\"{TOKEN}\",\n)\n",
        "os.environ[\"AWS_ACCESS_KEY_ID\"] = \"{AKIA}\"\n",
        "sqs = boto3.client(\"sqs\", **{\"aws_access_key_id\": \"{AKIA}\", \"aws_secret_access_key\": \"{SECRET}\"})\n",
    ];

    #[test]
    fn handles_python_files_by_extension_or_shebang() {
        assert!(Python.handles("a/b.py", ""));
        assert!(Python.handles("bin/tool", "#!/usr/bin/env python3\n"));
        assert!(!Python.handles("a/b.rb", ""));
    }

    #[test]
    fn an_emptied_block_is_refused() {
        assert!(no_empty_block("if x:\n    y = 1\n").is_ok());
        assert!(no_empty_block("if x:\n\nz = 1\n").is_err());
        assert!(no_empty_block("def f():\n    # only a comment\n").is_err());
        assert!(no_empty_block("d = {'a': 1}\nif x: y = 2\n").is_ok());
    }

    #[test]
    fn a_typical_mix_is_rewritten_with_noise_intact() {
        let picks: Vec<(bool, usize)> = (0..12).map(|n| (n % 2 == 0, n / 2)).collect();
        let header = "import os\nimport boto3\nfrom botocore.config import Config\n";
        let result = check_noise_survives(&Python, "app.py", header, NOISE, SNIPPETS, &picks, 7);
        assert!(result.is_ok(), "{result:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = python_lex::lex(&text);
            let _ = no_empty_block(&text);
            let _ = run(&Python, "x.py", &text, 1);
        }

        #[test]
        fn code_like_text_with_keys_never_panics(picks in prop::collection::vec(0usize..64, 0..48), seed in 0u64..1000) {
            let template = assemble(VOCABULARY, &picks);
            let (original, outcome) = run(&Python, "x.py", &template, seed);
            if let Outcome::Rewritten { text, .. } = outcome {
                prop_assert!(text.len() <= original.len(), "a rewrite only deletes");
            }
        }

        #[test]
        fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..24), seed in 0u64..1000) {
            let _rewritten = check_noise_survives(&Python, "app.py", "import os\nimport boto3\nfrom botocore.config import Config\n", NOISE, SNIPPETS, &picks, seed);
        }
    }
}
