//! String literals: which nodes are strings in each grammar, the byte range of their content, and
//! their decoded value under each language's quoting rules (escapes, raw and verbatim strings,
//! doubled quotes). A literal that interpolates code (`f"{x}"`, `"$x"`, `` `${x}` ``) has no
//! constant value; [`super::fold`] folds the ones whose substitutions are constant.

use super::{Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// A string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    /// The whole literal, quotes and prefixes included.
    pub range: Range<usize>,
    /// Its content: the bytes between the quotes.
    pub content: Range<usize>,
    /// The decoded value; `None` when the literal interpolates code.
    pub value: Option<String>,
}

/// The node kinds that are string literals in `lang`'s grammar.
pub fn string_kinds(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::Python => &["string"],
        Language::Ruby => &["string"],
        Language::Php => &["string", "encapsed_string"],
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            &["string", "template_string"]
        }
        Language::Java => &["string_literal"],
        Language::Go => &["interpreted_string_literal", "raw_string_literal"],
        Language::CSharp => &[
            "string_literal",
            "verbatim_string_literal",
            "raw_string_literal",
            "interpolated_string_expression",
        ],
        Language::Bash => &["string", "raw_string", "ansi_c_string", "word"],
        Language::PowerShell => &[
            "expandable_string_literal",
            "verbatim_string_characters",
            "expandable_here_string_literal",
            "verbatim_here_string_characters",
        ],
        Language::Hcl => &["quoted_template", "string_lit", "heredoc_template"],
        Language::Yaml => &[
            "double_quote_scalar",
            "single_quote_scalar",
            "plain_scalar",
            "block_scalar",
        ],
        Language::Json => &["string"],
        Language::Dockerfile => &[
            "double_quoted_string",
            "single_quoted_string",
            "unquoted_string",
        ],
        Language::Kotlin => &["string_literal", "multiline_string_literal"],
        Language::Scala => &["string", "interpolated_string_expression"],
    }
}

/// Whether `node` is a string literal of its language.
pub fn is_string(lang: Language, node: Node<'_>) -> bool {
    string_kinds(lang).contains(&node.kind())
}

/// The innermost string literal that holds byte `at`, if any.
pub fn string_at<'t>(parsed: &'t Parsed<'_>, at: usize) -> Option<Node<'t>> {
    let mut node = parsed.root().descendant_for_byte_range(at, at)?;
    loop {
        if is_string(parsed.language(), node) {
            return Some(node);
        }
        node = node.parent()?;
    }
}

/// Node kinds that put code inside a literal.
pub(crate) const INTERPOLATIONS: &[&str] = &[
    "interpolation",
    "template_substitution",
    "simple_expansion",
    "expansion",
    "command_substitution",
    "process_substitution",
    "arithmetic_expansion",
    "variable_name",
    "variable",
    "sub_expression",
    "template_interpolation",
    "template_directive",
    "member_access_expression",
    "dynamic_variable_name",
    "subscript_expression",
];

/// Reads a string literal node: its content range and decoded value.
pub fn string_literal(parsed: &Parsed<'_>, node: Node<'_>) -> Option<StrLit> {
    let lang = parsed.language();
    if !is_string(lang, node) {
        return None;
    }
    let text = parsed.text_of(node);
    let range = node.byte_range();
    let interpolated = has_interpolation(node);
    let (open, close, rules) = delimiters(lang, node.kind(), text)?;
    // An error-recovered node may end inside a multi-byte character's neighbour: no literal.
    if open + close > text.len()
        || !text.is_char_boundary(open)
        || !text.is_char_boundary(text.len() - close)
    {
        return None;
    }
    let content = range.start + open..range.end - close;
    let raw = &parsed.text()[content.clone()];
    let value = (!interpolated).then(|| decode(rules, raw));
    Some(StrLit {
        range,
        content,
        value,
    })
}

/// Whether a literal holds interpolated code (a named child that is code, not text).
pub(crate) fn has_interpolation(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .any(|c| INTERPOLATIONS.contains(&c.kind()));
    found
}

/// How the content of a literal is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// No escapes at all.
    Raw,
    /// C-style backslash escapes (`\n`, `\xHH`, `\uHHHH`, `\u{…}`, octal); an unknown escape keeps
    /// its backslash when the flag is set (Python), else drops it (JavaScript).
    Backslash {
        /// Unknown escapes keep the backslash.
        keep_unknown: bool,
    },
    /// Only `\\` and the quote are escapes (Ruby and PHP single quotes).
    QuoteOnly(char),
    /// The quote doubled is one quote (C# verbatim, PowerShell and YAML single quotes).
    Doubled(char),
    /// Backtick escapes and doubled `"` (PowerShell double quotes).
    Backtick,
    /// Shell double quotes: `\` escapes only `$`, `` ` ``, `"`, `\` and newline.
    ShellDouble,
    /// An unquoted shell word: `\x` is `x`.
    ShellWord,
}

/// (bytes of the opening delimiter, bytes of the closing delimiter, rules) for a literal.
pub(crate) fn delimiters(lang: Language, kind: &str, text: &str) -> Option<(usize, usize, Rules)> {
    let c_like = Rules::Backslash {
        keep_unknown: false,
    };
    let quoted = |q: &str| {
        let open = text.find(q)? + q.len();
        Some((open, q.len()))
    };
    Some(match lang {
        Language::Python => {
            let prefix = text.find(['\'', '"'])?;
            let q = if text[prefix..].starts_with("\"\"\"") || text[prefix..].starts_with("'''") {
                3
            } else {
                1
            };
            let raw = text[..prefix].contains(['r', 'R']);
            let rules = if raw {
                Rules::Raw
            } else {
                Rules::Backslash { keep_unknown: true }
            };
            (prefix + q, q, rules)
        }
        Language::Ruby | Language::Php => {
            let single =
                text.starts_with('\'') || text.starts_with("%q") || text.starts_with("<<<'");
            let (o, c) = if text.starts_with('%') {
                (3, 1)
            } else {
                (1, 1)
            };
            let rules = if single {
                Rules::QuoteOnly('\'')
            } else {
                Rules::Backslash {
                    keep_unknown: lang == Language::Php,
                }
            };
            (o, c, rules)
        }
        Language::JavaScript | Language::TypeScript | Language::Tsx | Language::Json => {
            (1, 1, c_like)
        }
        Language::Java | Language::Kotlin | Language::Scala => {
            let prefix = text.find('"')?;
            if text[prefix..].starts_with("\"\"\"") {
                let raw = lang != Language::Java;
                let rules = if raw { Rules::Raw } else { c_like };
                let skip = if lang == Language::Java {
                    text[prefix + 3..].find('\n').map_or(3, |n| n + 4)
                } else {
                    3
                };
                (prefix + skip, 3, rules)
            } else {
                (prefix + 1, 1, c_like)
            }
        }
        Language::Go => match kind {
            "raw_string_literal" => (1, 1, Rules::Raw),
            _ => (1, 1, c_like),
        },
        Language::CSharp => {
            let prefix = text.find('"')?;
            let sigils = &text[..prefix];
            if text[prefix..].starts_with("\"\"\"") {
                let quotes = text[prefix..].bytes().take_while(|&b| b == b'"').count();
                (prefix + quotes, quotes, Rules::Raw)
            } else if sigils.contains('@') {
                (prefix + 1, 1, Rules::Doubled('"'))
            } else {
                (prefix + 1, 1, c_like)
            }
        }
        Language::Bash => match kind {
            "string" => (1, 1, Rules::ShellDouble),
            "raw_string" => (1, 1, Rules::Raw),
            "ansi_c_string" => (2, 1, c_like),
            _ => (0, 0, Rules::ShellWord),
        },
        Language::PowerShell => match kind {
            "expandable_here_string_literal" | "verbatim_here_string_characters" => {
                let open = text.find('\n')? + 1;
                let close = text.len() - text.rfind('\n')?;
                let rules = if kind.starts_with("verbatim") {
                    Rules::Raw
                } else {
                    Rules::Backtick
                };
                (open, close, rules)
            }
            "verbatim_string_characters" => (1, 1, Rules::Doubled('\'')),
            _ => (1, 1, Rules::Backtick),
        },
        Language::Hcl => match kind {
            "heredoc_template" => {
                let open = text.find('\n')? + 1;
                let close = text.len() - text.trim_end().rfind('\n').map_or(text.len(), |n| n + 1);
                (open, close, Rules::Raw)
            }
            _ => {
                let (o, c) = quoted("\"")?;
                (o, c, c_like)
            }
        },
        Language::Yaml => match kind {
            "double_quote_scalar" => (1, 1, c_like),
            "single_quote_scalar" => (1, 1, Rules::Doubled('\'')),
            "block_scalar" => (text.find('\n').map_or(text.len(), |n| n + 1), 0, Rules::Raw),
            _ => (0, 0, Rules::Raw),
        },
        Language::Dockerfile => match kind {
            "double_quoted_string" => (1, 1, Rules::ShellDouble),
            "single_quoted_string" => (1, 1, Rules::Raw),
            _ => (0, 0, Rules::ShellWord),
        },
    })
}

/// Decodes a literal's content under `rules`.
pub fn decode(rules: Rules, raw: &str) -> String {
    match rules {
        Rules::Raw => raw.to_string(),
        Rules::Doubled(q) => {
            let pair: String = [q, q].iter().collect();
            raw.replace(&pair, &q.to_string())
        }
        Rules::QuoteOnly(q) => {
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('\\', Some(&n)) if n == '\\' || n == q => {
                        out.push(n);
                        chars.next();
                    }
                    _ => out.push(c),
                }
            }
            out
        }
        Rules::Backslash { keep_unknown } => backslash(raw, keep_unknown),
        Rules::Backtick => {
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '`' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('r') => out.push('\r'),
                        Some('0') => out.push('\0'),
                        Some('a') => out.push('\x07'),
                        Some('b') => out.push('\x08'),
                        Some('f') => out.push('\x0c'),
                        Some('v') => out.push('\x0b'),
                        Some('e') => out.push('\x1b'),
                        Some(other) => out.push(other),
                        None => out.push('`'),
                    },
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        out.push('"');
                    }
                    _ => out.push(c),
                }
            }
            out
        }
        Rules::ShellDouble => {
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('\\', Some('\n')) => {
                        chars.next();
                    }
                    ('\\', Some(&n)) if matches!(n, '$' | '`' | '"' | '\\') => {
                        out.push(n);
                        chars.next();
                    }
                    _ => out.push(c),
                }
            }
            out
        }
        Rules::ShellWord => {
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some('\n') | None => {}
                        Some(n) => out.push(n),
                    },
                    _ => out.push(c),
                }
            }
            out
        }
    }
}

/// C-style backslash escapes.
fn backslash(raw: &str, keep_unknown: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match e {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'v' => Some('\x0b'),
            'e' => Some('\x1b'),
            '\\' | '\'' | '"' | '`' | '$' | '/' | '?' => Some(e),
            '\n' => {
                continue;
            }
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let hex =
            |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| -> Option<char> {
                let digits: String = (0..n)
                    .map_while(|_| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .collect();
                (digits.len() == n)
                    .then(|| {
                        u32::from_str_radix(&digits, 16)
                            .ok()
                            .and_then(char::from_u32)
                    })
                    .flatten()
            };
        let decoded = match e {
            'x' => hex(&mut chars, 2),
            'u' if chars.peek() == Some(&'{') => {
                chars.next();
                let digits: String = std::iter::from_fn(|| chars.next_if(|c| *c != '}')).collect();
                chars.next();
                u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            'u' => hex(&mut chars, 4),
            'U' => hex(&mut chars, 8),
            '0'..='7' => {
                let mut digits = e.to_string();
                while digits.len() < 3 {
                    match chars.next_if(|c| ('0'..='7').contains(c)) {
                        Some(d) => digits.push(d),
                        None => break,
                    }
                }
                u32::from_str_radix(&digits, 8)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ => None,
        };
        match decoded {
            Some(d) => out.push(d),
            None if keep_unknown => {
                out.push('\\');
                out.push(e);
            }
            None => out.push(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// The value of every string literal in `text`, in order.
    fn values(lang: Language, text: &str) -> Vec<Option<String>> {
        let parsed = parse(lang, text).unwrap();
        let mut out = Vec::new();
        for n in crate::syntax::parse::descendants(parsed.root()) {
            if is_string(lang, n) && !n.parent().is_some_and(|p| is_string(lang, p)) {
                out.push(string_literal(&parsed, n).and_then(|s| s.value));
            }
        }
        out
    }

    fn some(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn python_prefixes_triple_quotes_and_escapes() {
        let got = values(
            Language::Python,
            "a = 'x\\n' + rb'r\\d' + \"\"\"t\"\"\" + '' + 'q\\d' + f'{a}'\n",
        );
        let mut want = some(&["x\n", "r\\d", "t", "", "q\\d"]);
        want.push(None);
        assert_eq!(got, want);
    }

    #[test]
    fn c_family_literals() {
        assert_eq!(
            values(
                Language::JavaScript,
                "f('a\\u0041', \"b\\x42\", `c`, `d${e}`)"
            ),
            vec![Some("aA".into()), Some("bB".into()), Some("c".into()), None]
        );
        assert_eq!(
            values(Language::Go, "package p\nvar a = \"x\\n\" + `r\\n`\n"),
            some(&["x\n", "r\\n"])
        );
        assert_eq!(
            values(
                Language::CSharp,
                "var a = \"x\\t\" + @\"v\"\"q\" + \"\"\"raw\"\"\";"
            ),
            some(&["x\t", "v\"q", "raw"])
        );
        assert_eq!(
            values(Language::Java, "class A { String s = \"a\\\"b\"; }"),
            some(&["a\"b"])
        );
        assert_eq!(
            values(Language::Kotlin, "val a = \"x\\n\" + \"\"\"r\\n\"\"\"\n"),
            some(&["x\n", "r\\n"])
        );
    }

    #[test]
    fn scripting_languages() {
        assert_eq!(
            values(Language::Ruby, "a = 'q\\'s' + \"x\\n\" + \"#{y}\"\n"),
            vec![Some("q's".into()), Some("x\n".into()), None]
        );
        assert_eq!(
            values(Language::Php, "<?php $a = 'a\\'b' . \"c\\n\" . \"$d\";"),
            vec![Some("a'b".into()), Some("c\n".into()), None]
        );
        assert_eq!(
            values(Language::PowerShell, "$a = 'it''s' + \"x`ty\" + \"$z\"\n"),
            vec![Some("it's".into()), Some("x\ty".into()), None]
        );
    }

    #[test]
    fn shell_quoting() {
        let got = values(Language::Bash, "K=\"a\\$b\"'c\\d'$'it\\'s'x\\ y\n");
        assert_eq!(got, some(&["a$b", "c\\d", "it's", "x y"]));
        assert_eq!(values(Language::Bash, "echo \"$X\"\n")[1], None);
    }

    #[test]
    fn data_formats() {
        assert_eq!(
            values(Language::Json, "{\"a\": \"x\\u0041\\n\"}"),
            some(&["a", "xA\n"])
        );
        assert_eq!(
            values(Language::Yaml, "a: \"x\\ty\"\nb: 'it''s'\nc: plain\n"),
            some(&["a", "x\ty", "b", "it's", "c", "plain"])
        );
        assert_eq!(values(Language::Hcl, "a = \"x\\ny\"\n"), some(&["x\ny"]));
    }
}
