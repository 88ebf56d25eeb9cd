//! A POSIX shell tokenizer for the shell-family rewriter (scripts, `.env` files, Dockerfile
//! instructions).
//!
//! Tokens cover the whole input. Words keep their quoting (`'…'`, `"…"`, `$'…'`, backslash
//! escapes, `$( … )`, `${ … }` and backquotes are part of the word they sit in); `\` + newline is a
//! continuation; `#` at the start of a word starts a comment; here-document bodies (`<<EOF`,
//! `<<-EOF`, `<<'EOF'`) are one token that starts after the line that opened them.
//! [`commands`] groups tokens into simple commands, split at newlines and control operators.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// Spaces and tabs.
    Space,
    /// A line break.
    Newline,
    /// `\` followed by a line break.
    Continuation,
    /// `# …` to the end of the line.
    Comment,
    /// A word (with its quotes).
    Word,
    /// A control operator: `;` `;;` `&` `&&` `|` `||` `(` `)`.
    Op,
    /// The body of a here-document, through its delimiter line.
    HereDoc,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Byte span.
    pub span: Range<usize>,
}

/// Tokenizes shell text. Unterminated quotes run to the end of the text (reported in `errors`).
pub fn lex(text: &str) -> (Vec<Token>, Vec<String>) {
    let b = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut errors = Vec::new();
    let mut pending: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at_word_start = tokens.last().map_or(true, |t| t.kind != Tok::Word);
        let (kind, end) = match b[i] {
            b' ' | b'\t' => (Tok::Space, run(b, i, |c| c == b' ' || c == b'\t')),
            b'\n' => (Tok::Newline, i + 1),
            b'\r' if b.get(i + 1) == Some(&b'\n') => (Tok::Newline, i + 2),
            b'\\' if b.get(i + 1) == Some(&b'\n') => (Tok::Continuation, i + 2),
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => {
                (Tok::Continuation, i + 3)
            }
            b'#' if at_word_start => (Tok::Comment, line_end(b, i)),
            b';' | b'&' | b'|' => {
                let double = b.get(i + 1) == Some(&b[i]);
                (Tok::Op, if double { i + 2 } else { i + 1 })
            }
            b'(' | b')' => (Tok::Op, i + 1),
            _ => (Tok::Word, word_end(b, i, &mut errors)),
        };
        let end = boundary(text, end.max(i + 1));
        if kind == Tok::Word {
            if let Some(delim) = heredoc_delimiter(&text[i..end], &tokens, text) {
                pending.push(delim);
            }
        }
        tokens.push(Token { kind, span: i..end });
        i = end;
        if kind == Tok::Newline && !pending.is_empty() {
            let body_end = heredoc_end(text, i, &pending);
            pending.clear();
            if body_end > i {
                tokens.push(Token {
                    kind: Tok::HereDoc,
                    span: i..body_end,
                });
                i = body_end;
            }
        }
    }
    if !pending.is_empty() {
        errors.push("here-document without a body".into());
    }
    (tokens, errors)
}

fn boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

fn run(b: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && keep(b[i]) {
        i += 1;
    }
    i
}

fn line_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && b[j] != b'\n' && !(b[j] == b'\r' && b.get(j + 1) == Some(&b'\n')) {
        j += 1;
    }
    j
}

fn word_end(b: &[u8], mut i: usize, errors: &mut Vec<String>) -> usize {
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' => break,
            b'\r' if b.get(i + 1) == Some(&b'\n') => break,
            b'\\' if matches!(b.get(i + 1), Some(b'\n')) => break,
            b'\\' => i += 2,
            b'\'' => i = quoted_end(b, i + 1, b'\'', errors),
            b'"' => i = quoted_end(b, i + 1, b'"', errors),
            b'`' => i = quoted_end(b, i + 1, b'`', errors),
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'{')) => i = nested_end(b, i + 1, errors),
            _ => i += 1,
        }
    }
    i.min(b.len())
}

/// The end of a quoted part (`i` is just past the opening quote).
fn quoted_end(b: &[u8], mut i: usize, quote: u8, errors: &mut Vec<String>) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' if quote != b'\'' => i += 2,
            b'$' if quote == b'"' && matches!(b.get(i + 1), Some(b'(' | b'{')) => {
                i = nested_end(b, i + 1, errors)
            }
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    errors.push(format!("unterminated {} quote", quote as char));
    b.len()
}

/// The end of `( … )` or `{ … }` after a `$` (`i` at the bracket).
fn nested_end(b: &[u8], i: usize, errors: &mut Vec<String>) -> usize {
    let (open, close) = if b[i] == b'(' {
        (b'(', b')')
    } else {
        (b'{', b'}')
    };
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            b'\\' => j += 1,
            b'\'' | b'"' | b'`' => {
                j = quoted_end(b, j + 1, b[j], errors);
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    errors.push("unterminated substitution".into());
    b.len()
}

/// `<<EOF`, `<<-EOF`, `<<'EOF'`, or `<<` followed by the delimiter as the next word: the
/// delimiter and whether tabs are stripped.
fn heredoc_delimiter(word: &str, before: &[Token], text: &str) -> Option<(String, bool)> {
    let rest = match word.find("<<") {
        Some(p) if !word[p..].starts_with("<<<") => &word[p + 2..],
        _ => {
            let prev = before.iter().rev().find(|t| t.kind != Tok::Space)?;
            let prev_text = &text[prev.span.clone()];
            if prev.kind != Tok::Word || !(prev_text.ends_with("<<") || prev_text.ends_with("<<-"))
            {
                return None;
            }
            word
        }
    };
    let (rest, strip) = match rest.strip_prefix('-') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let delim: String = rest
        .chars()
        .filter(|c| !matches!(c, '\'' | '"' | '\\'))
        .collect();
    if delim.is_empty() {
        return None;
    }
    Some((delim, strip))
}

/// The end of the here-document bodies starting at `i`, one per pending delimiter, in order.
fn heredoc_end(text: &str, mut i: usize, pending: &[(String, bool)]) -> usize {
    for (delim, strip) in pending {
        loop {
            if i >= text.len() {
                return text.len();
            }
            let end = text[i..].find('\n').map_or(text.len(), |p| i + p + 1);
            let line = text[i..end].trim_end_matches(['\n', '\r']);
            let line = if *strip {
                line.trim_start_matches('\t')
            } else {
                line
            };
            i = end;
            if line == delim {
                break;
            }
        }
    }
    i
}

/// A simple command: its word tokens (first to last, as token indices), the here-document bodies
/// that belong to it, and the operators around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Token range from the first to the last word.
    pub tokens: Range<usize>,
    /// Here-document body tokens that belong to this command.
    pub heredocs: Vec<usize>,
}

/// Groups tokens into simple commands.
pub fn commands(tokens: &[Token]) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    let mut open: Option<Command> = None;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Tok::Word => match open.as_mut() {
                Some(c) => c.tokens.end = i + 1,
                None => {
                    open = Some(Command {
                        tokens: i..i + 1,
                        heredocs: Vec::new(),
                    })
                }
            },
            Tok::HereDoc => {
                if let Some(c) = open.as_mut().or(out.last_mut()) {
                    c.heredocs.push(i);
                }
            }
            Tok::Newline | Tok::Op => out.extend(open.take()),
            _ => {}
        }
    }
    out.extend(open);
    out
}

/// Whether a word is an assignment (`NAME=…`); returns the name.
pub fn assignment_name(word: &str) -> Option<&str> {
    let (name, _) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// Whether `word` expands the variable `name` (`$NAME` or `${NAME…}`).
pub fn references(word: &str, name: &str) -> bool {
    let bytes = word.as_bytes();
    for (p, _) in word.match_indices(name) {
        let after_ok = bytes
            .get(p + name.len())
            .map_or(true, |&c| !(c.is_ascii_alphanumeric() || c == b'_'));
        let plain = p >= 1 && bytes[p - 1] == b'$';
        let braced = p >= 2 && &bytes[p - 2..p] == b"${";
        if after_ok && (plain || braced) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quotes_substitutions_and_heredocs() {
        let text = "export A=\"x $(echo \"y z\")\" B='q r' && cat <<'EOF' >f\nbody $A\nEOF\necho done # c\n";
        let (tokens, errors) = lex(text);
        assert!(errors.is_empty(), "{errors:?}");
        let joined: String = tokens.iter().map(|t| &text[t.span.clone()]).collect();
        assert_eq!(joined, text);
        let words: Vec<&str> = tokens
            .iter()
            .filter(|t| t.kind == Tok::Word)
            .map(|t| &text[t.span.clone()])
            .collect();
        assert_eq!(
            words,
            [
                "export",
                "A=\"x $(echo \"y z\")\"",
                "B='q r'",
                "cat",
                "<<'EOF'",
                ">f",
                "echo",
                "done"
            ]
        );
        let cmds = commands(&tokens);
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[1].heredocs.len(), 1);
        assert_eq!(
            &text[tokens[cmds[1].heredocs[0]].span.clone()],
            "body $A\nEOF\n"
        );
    }

    #[test]
    fn assignments_and_references() {
        assert_eq!(
            assignment_name("AWS_ACCESS_KEY_ID=x"),
            Some("AWS_ACCESS_KEY_ID")
        );
        assert_eq!(assignment_name("--opt=x"), None);
        assert!(references("\"$KEY\"", "KEY"));
        assert!(references("${KEY:-x}", "KEY"));
        assert!(!references("$KEYS", "KEY"));
    }
}
