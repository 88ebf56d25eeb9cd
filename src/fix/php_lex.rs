//! A small PHP tokenizer: only code between `<?php`/`<?=` and `?>` is tokenized (inline HTML is
//! skipped), with `'…'`/`"…"` strings, heredocs and nowdocs, `//`, `#` and `/* */` comments,
//! `$variables`, namespaced names (`Aws\Credentials\Credentials`), and braces as statement blocks
//! (PHP arrays use brackets). `;` and `?>` end statements.

use super::script_lex::{ident_end, is_ident_byte, op_end, quoted_end, Tk, Token};

const OPS: &[&str] = &[
    "<=>", "===", "!==", "**=", "...", "??=", "?->", "<<=", ">>=", "=>", "->", "::", "==", "!=",
    "<>", "<=", ">=", "&&", "||", "??", ".=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "++",
    "--", "<<", ">>", "**",
];

/// Tokenizes PHP source.
pub fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = skip_html(text, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let (kind, end) = match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'?' if bytes.get(i + 1) == Some(&b'>') => {
                toks.push(Token::new(Tk::Op, i, i + 2));
                i = skip_html(text, i + 2);
                continue;
            }
            b'#' if bytes.get(i + 1) == Some(&b'[') => (Tk::Op, i + 2),
            b'#' => (Tk::Comment, line_comment_end(bytes, i)),
            b'/' if bytes.get(i + 1) == Some(&b'/') => (Tk::Comment, line_comment_end(bytes, i)),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map(|n| i + n + 4)
                    .unwrap_or(bytes.len());
                (Tk::Comment, end)
            }
            b'\'' | b'"' | b'`' => (Tk::Str, quoted_end(bytes, i, b)),
            b'<' if bytes[i..].starts_with(b"<<<") => match heredoc_end(text, i) {
                Some(end) => (Tk::Str, end),
                None => (Tk::Op, i + 3),
            },
            b'$' if bytes.get(i + 1).is_some_and(|c| is_ident_byte(*c)) => {
                (Tk::Var, ident_end(bytes, i + 1))
            }
            b'(' | b'[' => (Tk::Open, i + 1),
            b')' | b']' => (Tk::Close, i + 1),
            b'{' => (Tk::BlockOpen, i + 1),
            b'}' => (Tk::BlockClose, i + 1),
            b',' => (Tk::Comma, i + 1),
            b'0'..=b'9' => (Tk::Num, ident_end(bytes, i)),
            _ if is_ident_byte(b) => (Tk::Ident, ident_end(bytes, i)),
            _ => (Tk::Op, op_end(bytes, i, OPS)),
        };
        let end = end.clamp(start + 1, bytes.len());
        toks.push(Token::new(kind, start, end));
        i = end;
    }
    toks
}

/// The position after the next `<?php` / `<?=` / `<?` opening tag at or after `from`.
fn skip_html(text: &str, from: usize) -> usize {
    match text[from..].find("<?") {
        None => text.len(),
        Some(n) => {
            let at = from + n + 2;
            let rest = &text.as_bytes()[at..];
            if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"php") {
                at + 3
            } else if rest.first() == Some(&b'=') {
                at + 1
            } else {
                at
            }
        }
    }
}

/// The end of a `//` or `#` comment: the line's end, or a `?>` before it.
fn line_comment_end(bytes: &[u8], i: usize) -> usize {
    let mut k = i;
    while k < bytes.len() && bytes[k] != b'\n' {
        if bytes[k..].starts_with(b"?>") {
            return k;
        }
        k += 1;
    }
    k
}

/// The end of a heredoc or nowdoc (`<<<ID`, `<<<"ID"`, `<<<'ID'`) starting at `i`: after the
/// closing identifier, which may be indented (PHP 7.3+).
fn heredoc_end(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut k = i + 3;
    while bytes.get(k).is_some_and(|c| *c == b' ' || *c == b'\t') {
        k += 1;
    }
    let quoted = bytes.get(k).is_some_and(|c| *c == b'\'' || *c == b'"');
    let id_start = k + usize::from(quoted);
    let id_end = ident_end(bytes, id_start);
    if id_end == id_start {
        return None;
    }
    let id = &text[id_start..id_end];
    let mut at = text[id_end..].find('\n').map(|n| id_end + n + 1)?;
    while at < text.len() {
        let line_end = text[at..].find('\n').map(|n| at + n).unwrap_or(text.len());
        let line = text[at..line_end].trim_start();
        let ends_here =
            line.starts_with(id) && !line[id.len()..].bytes().next().is_some_and(is_ident_byte);
        if ends_here {
            return Some(line_end - line.len() + id.len());
        }
        at = line_end + 1;
    }
    Some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tk, &str)> {
        lex(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.span]))
            .collect()
    }

    #[test]
    fn html_is_skipped_and_code_is_tokenized() {
        let src = "<html><?php $c = new Aws\\S3\\S3Client(['k' => \"v\"]); ?><b>'x'</b>";
        let k = kinds(src);
        assert_eq!(k[0], (Tk::Var, "$c"));
        assert!(k.contains(&(Tk::Ident, "new")));
        assert!(k.contains(&(Tk::Op, "\\")));
        assert!(k.contains(&(Tk::Op, "=>")));
        assert_eq!(k.last().unwrap(), &(Tk::Op, "?>"));
        assert!(!k.iter().any(|t| t.1 == "'x'"));
    }

    #[test]
    fn comments_and_heredocs() {
        let src = "<?php\n# a\n// b\n/* c\n d */\n$s = <<<EOT\n  x $y\n  EOT;\n#[Attr]\n";
        let k = kinds(src);
        assert_eq!(k[0], (Tk::Comment, "# a"));
        assert_eq!(k[2], (Tk::Comment, "/* c\n d */"));
        assert!(k.contains(&(Tk::Str, "<<<EOT\n  x $y\n  EOT")));
        assert!(k.contains(&(Tk::Op, "#[")));
    }
}
