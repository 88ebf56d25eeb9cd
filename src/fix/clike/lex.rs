//! The C-family tokenizer: identifiers, numbers, punctuation, brackets, comments and every string
//! form of JavaScript/TypeScript, Java, Go and C#. Whitespace is not a token: the text between
//! two tokens is layout. Comments are kept apart from the significant tokens.

use std::ops::Range;

/// Which language's lexical rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// JavaScript and TypeScript (template literals with `${}`, regex literals).
    Js,
    /// Java (text blocks `"""…"""`, char literals).
    Java,
    /// Go (raw strings in backticks, runes).
    Go,
    /// C# (verbatim `@"…"`, interpolated `$"…{x}…"`, raw `"""…"""`, char literals).
    CSharp,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// An identifier or keyword.
    Ident,
    /// A numeric literal.
    Number,
    /// A string, char, template or raw string literal (quotes included).
    Str,
    /// An operator or separator.
    Punct,
    /// `(`, `[` or `{`.
    Open,
    /// `)`, `]` or `}`.
    Close,
}

/// One significant token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    /// What it is.
    pub kind: TokKind,
    /// Its bytes in the text.
    pub span: Range<usize>,
}

/// A comment with its bytes (delimiters included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its bytes in the text.
    pub span: Range<usize>,
    /// Whether it is a `//` comment (runs to the end of the line).
    pub line: bool,
}

/// Multi-character operators, longest first.
const OPERATORS: &[&str] = &[
    "...", "===", "!==", ">>>", "??=", ":=", "=>", "==", "!=", "<=", ">=", "&&", "||", "?.", "??",
    "::", "->", "++", "--", "+=", "-=", "*=", "/=", "<-",
];

/// The tokens and comments of a text.
pub(crate) fn lex(text: &str, dialect: Dialect) -> (Vec<Tok>, Vec<Comment>) {
    let mut lexer = Lexer {
        text: text.as_bytes(),
        dialect,
        toks: Vec::new(),
        comments: Vec::new(),
    };
    lexer.run(0, false);
    (lexer.toks, lexer.comments)
}

struct Lexer<'a> {
    text: &'a [u8],
    dialect: Dialect,
    toks: Vec<Tok>,
    comments: Vec<Comment>,
}

impl Lexer<'_> {
    /// Lexes from `pos`; in a hole (`${…}`, `{…}` of an interpolated string) stops after the
    /// closing brace that ends it and returns the position after it.
    fn run(&mut self, mut pos: usize, hole: bool) -> usize {
        let mut depth = 0usize;
        while pos < self.text.len() {
            let b = self.text[pos];
            if b.is_ascii_whitespace() {
                pos += 1;
                continue;
            }
            if hole && b == b'}' && depth == 0 {
                return pos + 1;
            }
            let start = pos;
            if let Some(end) = self.comment_end(pos) {
                self.comments.push(Comment {
                    span: start..end,
                    line: self.text[pos + 1] == b'/',
                });
                pos = end;
                continue;
            }
            if let Some(end) = self.string_end(pos) {
                self.push(TokKind::Str, start, end);
                pos = end;
                continue;
            }
            let (kind, end) = match b {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    (TokKind::Open, pos + 1)
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    (TokKind::Close, pos + 1)
                }
                b'0'..=b'9' => (TokKind::Number, self.word_end(pos)),
                b'.' if self.text.get(pos + 1).is_some_and(u8::is_ascii_digit) => {
                    (TokKind::Number, self.word_end(pos + 1))
                }
                _ if is_ident_byte(b) => (TokKind::Ident, self.word_end(pos)),
                _ => (TokKind::Punct, self.operator_end(pos)),
            };
            self.push(kind, start, end);
            pos = end;
        }
        pos
    }

    fn push(&mut self, kind: TokKind, start: usize, end: usize) {
        self.toks.push(Tok {
            kind,
            span: start..end,
        });
    }

    fn word_end(&self, mut pos: usize) -> usize {
        while pos < self.text.len() && is_ident_byte(self.text[pos]) {
            pos += 1;
        }
        pos
    }

    fn operator_end(&self, pos: usize) -> usize {
        let rest = &self.text[pos..];
        for op in OPERATORS {
            if rest.starts_with(op.as_bytes()) {
                return pos + op.len();
            }
        }
        // One character (a whole UTF-8 sequence for non-ASCII bytes).
        let mut end = pos + 1;
        while end < self.text.len() && (self.text[end] & 0xC0) == 0x80 {
            end += 1;
        }
        end
    }

    fn comment_end(&self, pos: usize) -> Option<usize> {
        let rest = &self.text[pos..];
        if rest.starts_with(b"//") {
            let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            return Some(pos + len);
        }
        if rest.starts_with(b"/*") {
            let close = memchr::memmem::find(&rest[2..], b"*/").map(|i| i + 4);
            return Some(pos + close.unwrap_or(rest.len()));
        }
        None
    }

    /// The end of a string-like literal starting at `pos`, if one starts there.
    fn string_end(&mut self, pos: usize) -> Option<usize> {
        let rest = &self.text[pos..];
        let b = rest[0];
        match self.dialect {
            Dialect::Js => match b {
                b'\'' | b'"' => Some(self.quoted_end(pos + 1, b)),
                b'`' => Some(self.template_end(pos + 1, b'`', b"${")),
                b'/' if self.regex_allowed() => Some(self.regex_end(pos + 1)),
                _ => None,
            },
            Dialect::Java => match b {
                b'"' if rest.starts_with(b"\"\"\"") => Some(self.fenced_end(pos + 3, b"\"\"\"")),
                b'\'' | b'"' => Some(self.quoted_end(pos + 1, b)),
                _ => None,
            },
            Dialect::Go => match b {
                b'\'' | b'"' => Some(self.quoted_end(pos + 1, b)),
                b'`' => Some(raw_end(self.text, pos + 1, b'`')),
                _ => None,
            },
            Dialect::CSharp => self.csharp_string_end(pos),
        }
    }

    fn csharp_string_end(&mut self, pos: usize) -> Option<usize> {
        let rest = &self.text[pos..];
        let prefix = rest
            .iter()
            .take(3)
            .take_while(|&&c| c == b'@' || c == b'$')
            .count();
        let flags = &rest[..prefix];
        let after = &rest[prefix..];
        if !after.starts_with(b"\"") {
            return if prefix == 0 && rest[0] == b'\'' {
                Some(self.quoted_end(pos + 1, b'\''))
            } else {
                None
            };
        }
        let quotes = after.iter().take_while(|&&c| c == b'"').count();
        let body = pos + prefix;
        if quotes >= 3 {
            let fence = vec![b'"'; quotes];
            return Some(self.fenced_end(body + quotes, &fence));
        }
        let verbatim = flags.contains(&b'@');
        let interpolated = flags.contains(&b'$');
        Some(match (verbatim, interpolated) {
            (false, false) => self.quoted_end(body + 1, b'"'),
            (true, false) => verbatim_end(self.text, body + 1),
            (false, true) => self.template_end(body + 1, b'"', b"{"),
            (true, true) => self.interpolated_verbatim_end(body + 1),
        })
    }

    /// A `"`- or `'`-quoted literal with backslash escapes; stops at an unescaped newline too.
    fn quoted_end(&self, mut pos: usize, quote: u8) -> usize {
        while pos < self.text.len() {
            match self.text[pos] {
                b'\\' => pos += 2,
                b'\n' => return pos,
                c if c == quote => return pos + 1,
                _ => pos += 1,
            }
        }
        self.text.len()
    }

    /// A literal with holes (`${…}` in JS templates, `{…}` in C# `$"…"`).
    fn template_end(&mut self, mut pos: usize, quote: u8, hole: &[u8]) -> usize {
        while pos < self.text.len() {
            let rest = &self.text[pos..];
            if rest[0] == b'\\' {
                pos += 2;
            } else if rest[0] == quote {
                return pos + 1;
            } else if hole == b"{" && rest.starts_with(b"{{") {
                pos += 2;
            } else if rest.starts_with(hole) {
                pos = self.hole_end(pos + hole.len());
            } else if quote == b'"' && rest[0] == b'\n' {
                return pos;
            } else {
                pos += 1;
            }
        }
        self.text.len()
    }

    fn interpolated_verbatim_end(&mut self, mut pos: usize) -> usize {
        while pos < self.text.len() {
            let rest = &self.text[pos..];
            if rest.starts_with(b"\"\"") || rest.starts_with(b"{{") {
                pos += 2;
            } else if rest[0] == b'"' {
                return pos + 1;
            } else if rest[0] == b'{' {
                pos = self.hole_end(pos + 1);
            } else {
                pos += 1;
            }
        }
        self.text.len()
    }

    /// Lexes a hole's code with a sub-lexer (its tokens belong to the enclosing literal) and
    /// returns the position after its closing brace.
    fn hole_end(&mut self, pos: usize) -> usize {
        let mut sub = Lexer {
            text: self.text,
            dialect: self.dialect,
            toks: Vec::new(),
            comments: Vec::new(),
        };
        sub.run(pos, true)
    }

    /// A literal closed by `fence` (Java text blocks, C# raw strings); escapes are skipped.
    fn fenced_end(&self, mut pos: usize, fence: &[u8]) -> usize {
        while pos < self.text.len() {
            if self.text[pos] == b'\\' && self.dialect == Dialect::Java {
                pos += 2;
            } else if self.text[pos..].starts_with(fence) {
                return pos + fence.len();
            } else {
                pos += 1;
            }
        }
        self.text.len()
    }

    /// Whether a `/` here starts a regex literal (JS): not after a value.
    fn regex_allowed(&self) -> bool {
        let Some(prev) = self.toks.last() else {
            return true;
        };
        let word = &self.text[prev.span.clone()];
        match prev.kind {
            TokKind::Ident => matches!(
                word,
                b"return" | b"typeof" | b"case" | b"in" | b"of" | b"void" | b"yield" | b"await"
            ),
            TokKind::Number | TokKind::Str | TokKind::Close => false,
            _ => true,
        }
    }

    fn regex_end(&self, mut pos: usize) -> usize {
        let mut class = false;
        while pos < self.text.len() {
            match self.text[pos] {
                b'\\' => pos += 2,
                b'\n' => return pos,
                b'[' => {
                    class = true;
                    pos += 1
                }
                b']' => {
                    class = false;
                    pos += 1
                }
                b'/' if !class => return self.word_end(pos + 1),
                _ => pos += 1,
            }
        }
        self.text.len()
    }
}

fn raw_end(text: &[u8], pos: usize, quote: u8) -> usize {
    memchr::memchr(quote, &text[pos.min(text.len())..])
        .map(|i| pos + i + 1)
        .unwrap_or(text.len())
}

fn verbatim_end(text: &[u8], mut pos: usize) -> usize {
    while pos < text.len() {
        if text[pos..].starts_with(b"\"\"") {
            pos += 2;
        } else if text[pos] == b'"' {
            return pos + 1;
        } else {
            pos += 1;
        }
    }
    text.len()
}

/// Whether `b` can be part of an identifier (`$` for JS, non-ASCII letters as one class).
pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}
