//! The Ruby rewriter (aws-sdk): drops `credentials: Aws::Credentials.new(…)` and the client
//! keyword arguments `access_key_id:`, `secret_access_key:`, `session_token:`; removes
//! `Aws.config.update(credentials: …)` entries (the whole call when nothing else is left),
//! `ENV['AWS_…'] = …` and `Aws.config[:credentials] = …` assignments, the variables and constants
//! that held keys, and keys in comments. Region, endpoint, retry settings and the rest stay.

use super::ruby_lex;
use super::script_edit::{rewrite_with, EntryKey, Syntax};
use super::script_lex::{unquote, Tk, Token, Tree};
use super::{FileToFix, Outcome, Rewriter};

/// The aws-sdk-ruby rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ruby;

/// Keyword arguments and hash keys that carry credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "access_key_id",
    "secret_access_key",
    "session_token",
    "credentials",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

impl Rewriter for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        let file = lower.rsplit('/').next().unwrap_or("");
        [".rb", ".rake", ".gemspec", ".ru"]
            .iter()
            .any(|ext| file.ends_with(ext))
            || matches!(file, "rakefile" | "gemfile" | "capfile" | "vagrantfile")
            || super::script_edit::shebang_script(file, text, "ruby")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        rewrite_with(&RubySyntax, file)
    }
}

/// Ruby's rules for the shared engine.
struct RubySyntax;

impl Syntax for RubySyntax {
    fn lex(&self, text: &str) -> Vec<Token> {
        ruby_lex::lex(text)
    }

    fn entry_key(&self, tree: &Tree<'_>, code: &[usize]) -> EntryKey {
        let kind = |n: usize| code.get(n).map(|&k| (tree.toks[k].kind, tree.tok_text(k)));
        match (kind(0), kind(1)) {
            (Some((Tk::Label, label)), _) => {
                EntryKey::Named(label.trim_end_matches(':').to_string())
            }
            (Some((Tk::Symbol | Tk::Str, key)), Some((Tk::Op, "=>"))) => {
                EntryKey::Named(unquote(key).to_string())
            }
            (Some((Tk::Op, "**" | "*" | "&")), Some(_)) => EntryKey::Spread,
            _ => EntryKey::Positional,
        }
    }

    fn is_credential_key(&self, key: &str) -> bool {
        CREDENTIAL_KEYS.contains(&key)
    }

    fn is_transparent(&self, callee: &str) -> bool {
        callee.ends_with("Credentials.new") || callee.ends_with("ENV.fetch")
    }

    fn is_credential_statement(&self, callee: &str) -> bool {
        callee.ends_with("ENV.store")
    }

    fn drop_when_empty(&self, callee: &str) -> bool {
        matches!(callee, "Aws.config.update" | "::Aws.config.update")
    }

    fn is_settings_target(&self, lhs: &str) -> bool {
        ["ENV[", "::ENV[", "Aws.config[", "::Aws.config["]
            .iter()
            .any(|t| lhs.starts_with(t))
    }

    fn assigned_name(&self, tree: &Tree<'_>, lhs: &[usize]) -> Option<String> {
        match lhs {
            [only] if tree.toks[*only].kind == Tk::Ident => Some(tree.tok_text(*only).to_string()),
            _ => None,
        }
    }

    fn interpolates(&self, tok_text: &str) -> bool {
        tok_text.contains("#{")
    }

    fn drops_empty_parens(&self) -> bool {
        true
    }

    fn paren_less_calls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::script_edit::testkit::{assemble, check_noise_survives, run};
    use proptest::prelude::*;

    const VOCABULARY: &[&str] = &[
        "Aws::S3::Client.new(",
        "access_key_id: ",
        "secret_access_key: ",
        "'{AKIA}'",
        "\"{SECRET}\"",
        "{TOKEN}",
        "credentials: Aws::Credentials.new(",
        ":credentials => ",
        "CREDS",
        " = ",
        ",",
        ")",
        "(",
        "[",
        "]",
        "{",
        "}",
        "\n",
        "  ",
        "# ",
        "<<~EOS\n",
        "EOS\n",
        "#{",
        "%w[",
        "do |x|\n",
        "end\n",
        "=begin\n",
        "=end\n",
        "/",
        "?",
        ":",
        "Aws.config.update(",
        "ENV['AWS_ACCESS_KEY_ID']",
        "**",
        "\\\n",
        ".",
        "'",
        "\"",
    ];

    const NOISE: &[&str] = &[
        "puts \"step {N}\"",
        "value_{N} = compute({N}, flag: true)",
        "# note {N}",
        "bucket_{N} = s3.bucket('data-{N}')",
        "label_{N} = 'café ☕ 日本語 {N} 🚀' # naïve — e\u{301}",
    ];

    const SNIPPETS: &[&str] = &[
        "s3 = Aws::S3::Client.new(region: 'eu-west-1', access_key_id: '{AKIA}', secret_access_key: '{SECRET}')\n",
        "ddb = Aws::DynamoDB::Client.new(\n  credentials: Aws::Credentials.new('{AKIA}', '{SECRET}'),\n  retry_limit: 3,\n)\n",
        "# old key {AKIA}\n",
        "Aws.config.update(\n  region: 'us-east-1',\n  session_token: '{TOKEN}',\n)\n",
        "ENV['AWS_ACCESS_KEY_ID'] = '{AKIA}'\n",
        "Aws.config.update(credentials: Aws::Credentials.new('{AKIA}', '{SECRET}'))\n",
    ];

    #[test]
    fn handles_ruby_files_by_name_or_shebang() {
        assert!(Ruby.handles("lib/a.rb", ""));
        assert!(Ruby.handles("Rakefile", ""));
        assert!(Ruby.handles("bin/tool", "#!/usr/bin/env ruby\n"));
        assert!(!Ruby.handles("a.py", ""));
    }

    #[test]
    fn a_typical_mix_is_rewritten_with_noise_intact() {
        let picks: Vec<(bool, usize)> = (0..12).map(|n| (n % 2 == 0, n / 2)).collect();
        let result = check_noise_survives(
            &Ruby,
            "app.rb",
            "require 'aws-sdk'\n",
            NOISE,
            SNIPPETS,
            &picks,
            7,
        );
        assert!(result.is_ok(), "{result:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = ruby_lex::lex(&text);
            let _ = run(&Ruby, "x.rb", &text, 1);
        }

        #[test]
        fn code_like_text_with_keys_never_panics(picks in prop::collection::vec(0usize..64, 0..48), seed in 0u64..1000) {
            let template = assemble(VOCABULARY, &picks);
            let (original, outcome) = run(&Ruby, "x.rb", &template, seed);
            if let Outcome::Rewritten { text, .. } = outcome {
                prop_assert!(text.len() <= original.len(), "a rewrite only deletes");
            }
        }

        #[test]
        fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..24), seed in 0u64..1000) {
            let _rewritten = check_noise_survives(&Ruby, "app.rb", "require 'aws-sdk'\n", NOISE, SNIPPETS, &picks, seed);
        }
    }
}
