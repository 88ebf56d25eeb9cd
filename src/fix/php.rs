//! The PHP rewriter (aws-sdk-php): removes `'credentials' => ['key' => …, 'secret' => …]` from
//! client configuration arrays, `new Credentials(…)` objects and the variables that carry them
//! into `'credentials' => $creds`, `putenv('AWS_…=…')` and `$_ENV['AWS_…'] = …` statements, and
//! keys in comments. Region, version, endpoint and the rest of the configuration stay.

use super::php_lex;
use super::script_edit::{rewrite_with, EntryKey, Syntax};
use super::script_lex::{unquote, Tk, Token, Tree};
use super::{FileToFix, Outcome, Rewriter};

/// The aws-sdk-php rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Php;

/// Configuration keys that carry credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "credentials",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Keys of a credentials array (`['key' => …, 'secret' => …, 'token' => …]`).
const INNER_KEYS: &[&str] = &["key", "secret", "token", "expires"];

impl Rewriter for Php {
    fn name(&self) -> &'static str {
        "php"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        [".php", ".phtml", ".inc"]
            .iter()
            .any(|ext| lower.ends_with(ext))
            && text.contains("<?")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        rewrite_with(&PhpSyntax, file)
    }
}

/// PHP's rules for the shared engine.
struct PhpSyntax;

impl Syntax for PhpSyntax {
    fn lex(&self, text: &str) -> Vec<Token> {
        php_lex::lex(text)
    }

    fn is_terminator(&self, tok: &Token, text: &str) -> bool {
        tok.kind == Tk::Op && matches!(text, ";" | "?>")
    }

    fn entry_key(&self, tree: &Tree<'_>, code: &[usize]) -> EntryKey {
        let kind = |n: usize| code.get(n).map(|&k| (tree.toks[k].kind, tree.tok_text(k)));
        match (kind(0), kind(1)) {
            (Some((Tk::Str, key)), Some((Tk::Op, "=>"))) => {
                EntryKey::Named(unquote(key).to_string())
            }
            (Some((Tk::Ident, name)), Some((Tk::Op, ":"))) => EntryKey::Named(name.to_string()),
            (Some((Tk::Op, "...")), Some(_)) => EntryKey::Spread,
            _ => EntryKey::Positional,
        }
    }

    fn is_credential_key(&self, key: &str) -> bool {
        CREDENTIAL_KEYS.contains(&key)
    }

    fn is_inner_credential_key(&self, key: &str) -> bool {
        INNER_KEYS.contains(&key)
    }

    fn is_transparent(&self, callee: &str) -> bool {
        let constructor = callee.strip_prefix("new ").is_some_and(|class| {
            let last = class.rsplit('\\').next().unwrap_or(class);
            last == "Credentials"
        });
        constructor
            || matches!(callee, "getenv" | "\\getenv")
            || callee.ends_with("CredentialProvider::fromCredentials")
    }

    fn is_credential_statement(&self, callee: &str) -> bool {
        matches!(callee, "putenv" | "\\putenv")
    }

    fn is_literal_callee(&self, callee: &str) -> bool {
        callee.eq_ignore_ascii_case("array")
    }

    fn is_settings_target(&self, lhs: &str) -> bool {
        lhs.starts_with("$_ENV[") || lhs.starts_with("$_SERVER[")
    }

    fn assigned_name(&self, tree: &Tree<'_>, lhs: &[usize]) -> Option<String> {
        match lhs {
            [only] if tree.toks[*only].kind == Tk::Var => Some(tree.tok_text(*only).to_string()),
            _ => None,
        }
    }

    fn interpolates(&self, tok_text: &str) -> bool {
        tok_text.starts_with('"')
            || (tok_text.starts_with("<<<")
                && !tok_text.trim_start_matches("<<< ").starts_with("<<<'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::script_edit::testkit::{assemble, check_noise_survives, run};
    use proptest::prelude::*;

    const VOCABULARY: &[&str] = &[
        "<?php\n",
        "?>",
        "new S3Client([",
        "'credentials' => ",
        "'key' => ",
        "'secret' => ",
        "'{AKIA}'",
        "\"{SECRET}\"",
        "{TOKEN}",
        "new Credentials(",
        "$creds",
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
        "// ",
        "# ",
        "/*",
        "*/",
        "<<<EOT\n",
        "EOT;\n",
        "array(",
        ";",
        "putenv('AWS_ACCESS_KEY_ID=",
        "$_ENV['AWS_SECRET_ACCESS_KEY']",
        "...",
        "\\",
        "'",
        "\"",
    ];

    const NOISE: &[&str] = &[
        "echo \"step {N}\\n\";",
        "$value{N} = compute({N}, true);",
        "// note {N}",
        "$bucket{N} = $s3->getObject(['Bucket' => 'data-{N}']);",
        "$label{N} = 'café ☕ 日本語 {N} 🚀'; // naïve — e\u{301}",
    ];

    const SNIPPETS: &[&str] = &[
        "$s3 = new S3Client(['region' => 'eu-west-1', 'credentials' => ['key' => '{AKIA}', 'secret' => '{SECRET}']]);\n",
        "$ddb = new DynamoDbClient([\n    'version' => 'latest',\n    'credentials' => new Credentials('{AKIA}', '{SECRET}'),\n]);\n",
        "// old key {AKIA}\n",
        "$sqs = new SqsClient(array(\n    'region' => 'us-east-1',\n    'credentials' => array('key' => '{ASIA}', 'secret' => '{SECRET}', 'token' => '{TOKEN}'),\n));\n",
        "putenv('AWS_ACCESS_KEY_ID={AKIA}');\n",
        "/*\n * deploy key\n * {AKIA}\n */\n",
    ];

    #[test]
    fn handles_php_files() {
        assert!(Php.handles("src/a.php", "<?php\n"));
        assert!(!Php.handles("src/a.php", "no php here"));
        assert!(!Php.handles("a.rb", "<?php"));
    }

    #[test]
    fn a_typical_mix_is_rewritten_with_noise_intact() {
        let picks: Vec<(bool, usize)> = (0..12).map(|n| (n % 2 == 0, n / 2)).collect();
        let result = check_noise_survives(&Php, "app.php", "<?php\n", NOISE, SNIPPETS, &picks, 7);
        assert!(result.is_ok(), "{result:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = php_lex::lex(&text);
            let _ = run(&Php, "x.php", &format!("<?php {text}"), 1);
        }

        #[test]
        fn code_like_text_with_keys_never_panics(picks in prop::collection::vec(0usize..64, 0..48), seed in 0u64..1000) {
            let template = assemble(VOCABULARY, &picks);
            let (original, outcome) = run(&Php, "x.php", &template, seed);
            if let Outcome::Rewritten { text, .. } = outcome {
                prop_assert!(text.len() <= original.len(), "a rewrite only deletes");
            }
        }

        #[test]
        fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..24), seed in 0u64..1000) {
            let _rewritten = check_noise_survives(&Php, "app.php", "<?php\n", NOISE, SNIPPETS, &picks, seed);
        }
    }
}
