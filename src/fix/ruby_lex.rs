//! A small Ruby tokenizer: `'…'`/`"…"` strings with `#{…}` interpolation, `%q(…)`-style
//! literals, heredocs (`<<~EOS`), symbols, labels (`key:`), regex literals, `#` and
//! `=begin`/`=end` comments, hash braces told apart from block braces, and newlines that end
//! statements (not those after a comma, an operator or a backslash, nor before `.method`).

use super::script_lex::{ident_end, is_ident_byte, op_end, quoted_end, Tk, Token};

const OPS: &[&str] = &[
    "**=", "<=>", "===", "...", "||=", "&&=", "<<=", ">>=", "**", "==", "!=", ">=", "<=", "&&",
    "||", "<<", ">>", "=~", "!~", "..", "::", "=>", "->", "&.", "+=", "-=", "*=", "/=", "%=", "|=",
    "&=", "^=",
];

/// Words after which a value (not an operator) comes next.
const VALUE_KEYWORDS: &[&str] = &[
    "if", "unless", "while", "until", "when", "and", "or", "not", "return", "puts", "then", "else",
    "elsif", "case", "in", "yield",
];

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    toks: Vec<Token>,
    /// Open brackets: `true` for a block brace, `false` for a group.
    stack: Vec<bool>,
    /// Heredocs whose bodies start after the current line: (identifier, squiggly/dash).
    pending: Vec<(String, bool)>,
}

/// Tokenizes Ruby source.
pub fn lex(text: &str) -> Vec<Token> {
    let mut lx = Lexer {
        text,
        bytes: text.as_bytes(),
        toks: Vec::new(),
        stack: Vec::new(),
        pending: Vec::new(),
    };
    lx.run();
    lx.toks
}

impl Lexer<'_> {
    fn run(&mut self) {
        let bytes = self.bytes;
        let mut i = 0;
        while i < bytes.len() {
            let at_line_start = i == 0 || bytes[i - 1] == b'\n';
            if at_line_start && bytes[i..].starts_with(b"__END__") {
                return;
            }
            if at_line_start && bytes[i..].starts_with(b"=begin") {
                let end = find_from(self.text, i, "\n=end")
                    .map(|e| e + 5)
                    .unwrap_or(bytes.len());
                let end = end + bytes[end..].iter().take_while(|b| **b != b'\n').count();
                self.push(Tk::Comment, i, end);
                i = end;
                continue;
            }
            i = self.step(i);
        }
    }

    fn push(&mut self, kind: Tk, start: usize, end: usize) {
        self.toks.push(Token::new(kind, start, end));
    }

    /// Whether a value (rather than an operator) is expected here.
    fn value_expected(&self) -> bool {
        match self.toks.iter().rev().find(|t| t.kind != Tk::Comment) {
            None => true,
            Some(t) => match t.kind {
                Tk::Op | Tk::Open | Tk::Comma | Tk::Newline | Tk::Label | Tk::BlockOpen => true,
                Tk::Ident => VALUE_KEYWORDS.contains(&&self.text[t.span.clone()]),
                _ => false,
            },
        }
    }

    fn step(&mut self, i: usize) -> usize {
        let bytes = self.bytes;
        let b = bytes[i];
        match b {
            b'\n' => self.newline(i),
            b' ' | b'\t' | b'\r' => i + 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            b'#' => {
                let end = memchr::memchr(b'\n', &bytes[i..])
                    .map(|n| i + n)
                    .unwrap_or(bytes.len());
                self.push(Tk::Comment, i, end);
                end
            }
            b'\'' => self.emit(Tk::Str, i, quoted_end(bytes, i, b'\'')),
            b'"' | b'`' => self.emit(Tk::Str, i, interpolated_end(bytes, i + 1, b)),
            b'%' if self.value_expected() && percent_literal(bytes, i).is_some() => {
                let end = percent_literal(bytes, i).unwrap_or(i + 1);
                self.emit(Tk::Str, i, end)
            }
            b'/' if self.value_expected() => {
                self.emit(Tk::Str, i, interpolated_end(bytes, i + 1, b'/'))
            }
            b'<' if bytes[i..].starts_with(b"<<") && self.value_expected() => self.heredoc(i),
            b':' if bytes.get(i + 1) == Some(&b'"') => {
                self.emit(Tk::Symbol, i, interpolated_end(bytes, i + 2, b'"'))
            }
            b':' if bytes
                .get(i + 1)
                .is_some_and(|c| is_ident_byte(*c) && !c.is_ascii_digit())
                && (i == 0 || bytes[i - 1] != b':') =>
            {
                let end = name_end(bytes, i + 1);
                self.emit(Tk::Symbol, i, end)
            }
            b'(' | b'[' => {
                self.stack.push(false);
                self.emit(Tk::Open, i, i + 1)
            }
            b'{' => {
                let block = !self.value_expected();
                self.stack.push(block);
                self.emit(if block { Tk::BlockOpen } else { Tk::Open }, i, i + 1)
            }
            b')' | b']' | b'}' => {
                let block = self.stack.pop().unwrap_or(false) && b == b'}';
                self.emit(if block { Tk::BlockClose } else { Tk::Close }, i, i + 1)
            }
            b',' => self.emit(Tk::Comma, i, i + 1),
            b'0'..=b'9' => self.emit(Tk::Num, i, ident_end(bytes, i)),
            b'@' | b'$' => self.emit(
                Tk::Ident,
                i,
                ident_end(bytes, i + 1 + usize::from(bytes.get(i + 1) == Some(&b'@'))),
            ),
            _ if is_ident_byte(b) => self.word(i),
            _ => self.emit(Tk::Op, i, op_end(bytes, i, OPS)),
        }
    }

    fn emit(&mut self, kind: Tk, start: usize, end: usize) -> usize {
        let end = end.clamp(start + 1, self.bytes.len());
        self.push(kind, start, end);
        end
    }

    /// An identifier, method name (`empty?`, `save!`) or label (`key:`).
    fn word(&mut self, i: usize) -> usize {
        let bytes = self.bytes;
        let end = name_end(bytes, i);
        let label = bytes.get(end) == Some(&b':') && bytes.get(end + 1) != Some(&b':');
        if label && !self.ternary_open() {
            return self.emit(Tk::Label, i, end + 1);
        }
        self.emit(Tk::Ident, i, end)
    }

    /// Whether an unmatched `?` of a ternary precedes on this statement (`a ? b : c`).
    fn ternary_open(&self) -> bool {
        self.toks
            .iter()
            .rev()
            .take_while(|t| t.kind != Tk::Newline)
            .any(|t| t.kind == Tk::Op && &self.text[t.span.clone()] == "?")
    }

    fn newline(&mut self, i: usize) -> usize {
        let mut end = i + 1;
        let pending = std::mem::take(&mut self.pending);
        let mut body_end = end;
        for (id, indented) in pending {
            body_end = heredoc_body_end(self.text, body_end, &id, indented);
        }
        if body_end > end {
            let body_stop = if self.bytes[body_end - 1] == b'\n' {
                body_end - 1
            } else {
                body_end
            };
            self.push(Tk::Str, end, body_stop.max(end + 1));
            end = body_end;
        }
        if self.ends_statement(end) {
            let at = if body_end > i + 1 { body_end - 1 } else { i };
            self.push(Tk::Newline, at, at + 1);
        }
        end
    }

    /// Whether the newline before `next_line` ends a statement.
    fn ends_statement(&self, next_line: usize) -> bool {
        if self.stack.last().is_some_and(|block| !block) {
            return false;
        }
        let last = self.toks.iter().rev().find(|t| t.kind != Tk::Comment);
        let continued = last.is_some_and(|t| match t.kind {
            Tk::Comma => true,
            Tk::Op => !matches!(&self.text[t.span.clone()], ";" | "|" | ")"),
            _ => false,
        });
        let rest = self.text[next_line.min(self.text.len())..].trim_start();
        let leading_dot =
            (rest.starts_with('.') && !rest.starts_with("..")) || rest.starts_with("&.");
        !continued && !leading_dot
    }

    /// A heredoc opener `<<~ID`, `<<-ID`, `<<ID`, `<<~'ID'`; plain `<<` is an operator.
    fn heredoc(&mut self, i: usize) -> usize {
        let bytes = self.bytes;
        let mut k = i + 2;
        let indented = matches!(bytes.get(k), Some(b'~' | b'-'));
        if indented {
            k += 1;
        }
        let quote = bytes
            .get(k)
            .copied()
            .filter(|c| matches!(c, b'\'' | b'"' | b'`'));
        let id_start = k + usize::from(quote.is_some());
        let id_end = ident_end(bytes, id_start);
        let is_id = id_end > id_start && (quote.is_some() || bytes[id_start].is_ascii_uppercase());
        if !is_id {
            return self.emit(Tk::Op, i, op_end(bytes, i, OPS));
        }
        self.pending
            .push((self.text[id_start..id_end].to_string(), indented));
        let end = id_end + usize::from(quote.is_some() && bytes.get(id_end) == quote.as_ref());
        self.emit(Tk::Str, i, end)
    }
}

/// The end of a method or variable name starting at `i` (with a trailing `?` or `!`).
fn name_end(bytes: &[u8], i: usize) -> usize {
    let end = ident_end(bytes, i);
    let suffix = matches!(bytes.get(end), Some(b'?' | b'!')) && bytes.get(end + 1) != Some(&b'=');
    end + usize::from(suffix && bytes.get(end + 1) != Some(&b':'))
}

fn find_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    text[from..].find(needle).map(|n| from + n)
}

/// The end of a heredoc body that starts at `from` and ends with the line `id`.
fn heredoc_body_end(text: &str, from: usize, id: &str, indented: bool) -> usize {
    let mut at = from;
    while at < text.len() {
        let line_end = text[at..].find('\n').map(|n| at + n).unwrap_or(text.len());
        let line = &text[at..line_end];
        let line = if indented {
            line.trim()
        } else {
            line.trim_end_matches('\r')
        };
        if line == id {
            return (line_end + 1).min(text.len());
        }
        at = line_end + 1;
    }
    text.len()
}

/// The end of a string whose body starts at `i` and ends at `close`, skipping `#{…}`.
fn interpolated_end(bytes: &[u8], mut i: usize, close: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'#' if bytes.get(i + 1) == Some(&b'{') => i = braces_end(bytes, i + 1),
            c if c == close => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a balanced `{…}` starting at `i`, skipping strings inside.
fn braces_end(bytes: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut k = i;
    while k < bytes.len() {
        match bytes[k] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            b'\'' => k = quoted_end(bytes, k, b'\'') - 1,
            b'"' => k = interpolated_end(bytes, k + 1, b'"') - 1,
            _ => {}
        }
        k += 1;
    }
    bytes.len()
}

/// The end of a `%q(…)`, `%w[…]`, `%(…)` literal starting at `i`, if one starts there.
fn percent_literal(bytes: &[u8], i: usize) -> Option<usize> {
    let mut k = i + 1;
    if bytes.get(k).is_some_and(|c| b"qQwWiIrsx".contains(c)) {
        k += 1;
    }
    let open = *bytes.get(k)?;
    let close = match open {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        b'<' => b'>',
        b'|' | b'!' | b'/' | b'^' | b'"' | b'\'' => open,
        _ => return None,
    };
    let mut depth = 0usize;
    let mut j = k + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 1,
            c if c == close && depth == 0 => return Some(j + 1),
            c if c == close => depth -= 1,
            c if c == open => depth += 1,
            _ => {}
        }
        j += 1;
    }
    Some(bytes.len())
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
    fn labels_symbols_strings_and_hash_braces() {
        let src = "c = Aws::S3::Client.new(region: 'x', :a => \"#{k}\")\n";
        let k = kinds(src);
        assert!(k.contains(&(Tk::Label, "region:")));
        assert!(k.contains(&(Tk::Symbol, ":a")));
        assert!(k.contains(&(Tk::Str, "\"#{k}\"")));
        assert!(k.contains(&(Tk::Op, "::")));
        assert_eq!(kinds("h = { a: 1 }\n")[2].0, Tk::Open);
        assert_eq!(kinds("x.each { |v| p v }\n")[3].0, Tk::BlockOpen);
    }

    #[test]
    fn heredocs_and_continuations() {
        let src = "s = <<~EOS\n  a #{b}\n  EOS\nt = 1 +\n  2\nu = x\n  .y\n";
        let k = kinds(src);
        assert!(k.contains(&(Tk::Str, "  a #{b}\n  EOS")));
        assert_eq!(k.iter().filter(|t| t.0 == Tk::Newline).count(), 3);
    }

    #[test]
    fn begin_end_comments_and_percent_literals() {
        let k = kinds("=begin\nsecret\n=end\nx = %w[a b]\n");
        assert_eq!(k[0], (Tk::Comment, "=begin\nsecret\n=end"));
        assert!(k.contains(&(Tk::Str, "%w[a b]")));
    }
}
