//! A small Python tokenizer: strings with prefixes (`r`, `b`, `f`, `rb`, …), triple quotes and
//! f-string replacement fields, `#` comments, brackets, backslash continuations, and newlines that
//! end logical lines (those outside brackets).

use super::script_lex::{ident_end, is_ident_byte, op_end, quoted_end, Tk, Token};

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "->", ":=", "+=", "-=",
    "*=", "/=", "%=", "&=", "|=", "^=", "@=", "<<", ">>",
];

/// Tokenizes Python source.
pub fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'\n' => {
                if depth == 0 {
                    toks.push(Token::new(Tk::Newline, i, i + 1));
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'#' => {
                i = memchr::memchr(b'\n', &bytes[i..])
                    .map(|n| i + n)
                    .unwrap_or(bytes.len());
                toks.push(Token::new(Tk::Comment, start, i));
            }
            b'\'' | b'"' => {
                i = string_end(bytes, i, false);
                toks.push(Token::new(Tk::Str, start, i));
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
                toks.push(Token::new(Tk::Open, start, i));
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
                toks.push(Token::new(Tk::Close, start, i));
            }
            b',' => {
                i += 1;
                toks.push(Token::new(Tk::Comma, start, i));
            }
            b'0'..=b'9' => {
                i = ident_end(bytes, i);
                toks.push(Token::new(Tk::Num, start, i));
            }
            _ if is_ident_byte(b) => {
                let end = ident_end(bytes, i);
                let word = &text[i..end];
                if is_string_prefix(word) && matches!(bytes.get(end), Some(b'\'' | b'"')) {
                    let formatted = word.bytes().any(|c| c == b'f' || c == b'F');
                    i = string_end(bytes, end, formatted);
                    toks.push(Token::new(Tk::Str, start, i));
                } else {
                    i = end;
                    toks.push(Token::new(Tk::Ident, start, i));
                }
            }
            _ => {
                i = op_end(bytes, i, OPS);
                toks.push(Token::new(Tk::Op, start, i));
            }
        }
    }
    toks
}

/// Whether `word` is a string prefix (`r`, `b`, `u`, `f`, `rb`, `br`, `fr`, `rf`, any case).
fn is_string_prefix(word: &str) -> bool {
    word.len() <= 2
        && word
            .bytes()
            .all(|c| matches!(c.to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f'))
        && !(word.len() == 2 && word.to_ascii_lowercase().contains('u'))
}

/// The end of the string whose opening quote is at `i` (single or triple quoted). In f-strings,
/// quotes inside `{…}` replacement fields start nested strings.
fn string_end(bytes: &[u8], i: usize, formatted: bool) -> usize {
    let quote = bytes[i];
    let triple = bytes.len() >= i + 3 && bytes[i + 1] == quote && bytes[i + 2] == quote;
    if !triple && !formatted {
        let end = quoted_end(bytes, i, quote);
        // A single-quoted string cannot span lines: stop at the newline.
        return memchr::memchr(b'\n', &bytes[i..end])
            .map(|n| i + n)
            .unwrap_or(end);
    }
    let open_len = if triple { 3 } else { 1 };
    let mut k = i + open_len;
    let mut field_depth = 0usize;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b'{' if formatted && bytes.get(k + 1) == Some(&b'{') && field_depth == 0 => k += 2,
            b'{' if formatted => {
                field_depth += 1;
                k += 1;
            }
            b'}' if formatted && field_depth > 0 => {
                field_depth -= 1;
                k += 1;
            }
            b'\'' | b'"' if field_depth > 0 && bytes[k] != quote => k = string_end(bytes, k, false),
            b'\n' if !triple => return k,
            c if c == quote && (!triple || bytes[k..].starts_with(&[quote, quote, quote])) => {
                return k + open_len;
            }
            _ => k += 1,
        }
    }
    bytes.len()
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
    fn strings_comments_and_brackets() {
        let src = "x = f(a=rb'\\'q', b=\"\"\"x\n# not\n\"\"\")  # c\ny = 1\n";
        let k = kinds(src);
        assert_eq!(k[4], (Tk::Ident, "a"));
        assert_eq!(k[6], (Tk::Str, "rb'\\'q'"));
        assert_eq!(k[10], (Tk::Str, "\"\"\"x\n# not\n\"\"\""));
        assert_eq!(k[12], (Tk::Comment, "# c"));
        assert_eq!(k[13].0, Tk::Newline);
        assert_eq!(k.iter().filter(|t| t.0 == Tk::Newline).count(), 2);
    }

    #[test]
    fn f_string_fields_hold_nested_quotes() {
        let src = "s = f\"{d['k']}\" + 'x'\n";
        let k = kinds(src);
        assert_eq!(k[2], (Tk::Str, "f\"{d['k']}\""));
        assert_eq!(k[4], (Tk::Str, "'x'"));
    }

    #[test]
    fn continuations_do_not_end_lines() {
        let src = "a = 1 + \\\n    2\nb = (1,\n 2)\n";
        assert_eq!(kinds(src).iter().filter(|t| t.0 == Tk::Newline).count(), 2);
    }
}
