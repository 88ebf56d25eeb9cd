//! A PowerShell tokenizer for the PowerShell rewriter.
//!
//! It covers the whole input with tokens (every byte belongs to exactly one token), which is what
//! lets the rewriter cut statements and parameters out by byte range without disturbing anything
//! else. It knows the parts of the language that decide where things end: single- and
//! double-quoted strings (with `$( … )` subexpressions inside), here-strings, line and block
//! comments, backtick escapes and line continuations, variables (`$x`, `${x}`, `$env:X`), splats
//! (`@x`), parameters (`-Name`, `-Name:`), and the bracket pairs `( ) { } [ ] @( ) @{ } $( )`.
//!
//! [`statements`] groups tokens into statements the way PowerShell does: a newline or `;` ends a
//! statement in a script, a script block, a subexpression or a hashtable (where it ends an entry),
//! but not inside `( … )` or `[ … ]`, nor after a trailing `|`, `=` or `,`.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// Spaces and tabs.
    Space,
    /// A line break (`\n` or `\r\n`).
    Newline,
    /// A backtick followed by a line break.
    Continuation,
    /// `# …` up to the end of the line.
    Comment,
    /// `<# … #>`.
    BlockComment,
    /// A quoted string or here-string.
    Str,
    /// `$name`, `${name}`, `$env:NAME`.
    Variable,
    /// `@name`.
    Splat,
    /// `-Name` or `-Name:` (also operators such as `-eq`, which look the same).
    Parameter,
    /// An opening bracket.
    Open(Open),
    /// `)`.
    CloseParen,
    /// `}`.
    CloseBrace,
    /// `]`.
    CloseSquare,
    /// `;`.
    Semi,
    /// `|`.
    Pipe,
    /// `=`.
    Equals,
    /// `,`.
    Comma,
    /// A bare word: a command name, a number, an unquoted argument.
    Word,
    /// Any other character.
    Other,
}

/// The kinds of opening bracket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// `(`.
    Paren,
    /// `$(` or `@(`: a statement list.
    SubExpr,
    /// `{`: a script block.
    Block,
    /// `@{`: a hashtable.
    Hash,
    /// `[`.
    Square,
}

impl Tok {
    /// Whether the token is layout or a comment rather than part of a statement.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            Tok::Space | Tok::Newline | Tok::Continuation | Tok::Comment | Tok::BlockComment
        )
    }
}

/// One token: its kind and byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Byte span in the text.
    pub span: Range<usize>,
}

/// The tokens of a text, plus what could not be closed.
#[derive(Debug, Clone, Default)]
pub struct Lexed {
    /// Tokens in order, covering the whole text.
    pub tokens: Vec<Token>,
    /// Problems found (an unterminated string, here-string or comment).
    pub errors: Vec<String>,
}

/// Tokenizes PowerShell source.
pub fn lex(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let mut lexed = Lexed::default();
    let mut i = 0;
    if text.starts_with('\u{FEFF}') {
        // A UTF-8 byte order mark is layout, not part of the first command's name.
        lexed.tokens.push(Token {
            kind: Tok::Space,
            span: 0..3,
        });
        i = 3;
    }
    while i < bytes.len() {
        let (kind, end) = next_token(bytes, i, &lexed.tokens, &mut lexed.errors);
        let end = char_boundary(text, end.max(i + 1));
        lexed.tokens.push(Token { kind, span: i..end });
        i = end;
    }
    lexed
}

/// The smallest char boundary at or after `i`.
fn char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

fn next_token(b: &[u8], i: usize, before: &[Token], errors: &mut Vec<String>) -> (Tok, usize) {
    let at_start = before.last().map_or(true, |t| {
        t.kind.is_trivia()
            || matches!(
                t.kind,
                Tok::Open(_) | Tok::Semi | Tok::Pipe | Tok::Comma | Tok::Equals
            )
    });
    let next = b.get(i + 1).copied();
    match b[i] {
        b' ' | b'\t' | 0x0c | 0x0b => (
            Tok::Space,
            run(b, i, |c| matches!(c, b' ' | b'\t' | 0x0c | 0x0b)),
        ),
        b'\n' => (Tok::Newline, i + 1),
        b'\r' if next == Some(b'\n') => (Tok::Newline, i + 2),
        b'`' if next == Some(b'\n') => (Tok::Continuation, i + 2),
        b'`' if next == Some(b'\r') && b.get(i + 2) == Some(&b'\n') => (Tok::Continuation, i + 3),
        b'#' if at_start => (Tok::Comment, line_end(b, i)),
        b'<' if next == Some(b'#') => (Tok::BlockComment, block_comment_end(b, i, errors)),
        b'\'' => (Tok::Str, single_quoted_end(b, i + 1, errors)),
        b'"' => (Tok::Str, double_quoted_end(b, i + 1, errors)),
        b'@' if matches!(next, Some(b'\'' | b'"')) && here_string_opens(b, i + 2) => {
            (Tok::Str, here_string_end(b, i, errors))
        }
        b'@' if next == Some(b'(') => (Tok::Open(Open::SubExpr), i + 2),
        b'@' if next == Some(b'{') => (Tok::Open(Open::Hash), i + 2),
        b'@' if next.is_some_and(is_name_byte) => (Tok::Splat, run(b, i + 1, is_name_byte)),
        b'$' if next == Some(b'(') => (Tok::Open(Open::SubExpr), i + 2),
        b'$' if next == Some(b'{') => (Tok::Variable, braced_variable_end(b, i + 2)),
        b'$' if next.is_some_and(|c| is_name_byte(c) || matches!(c, b'?' | b'$' | b'^')) => {
            (Tok::Variable, variable_end(b, i + 1))
        }
        b'(' => (Tok::Open(Open::Paren), i + 1),
        b'{' => (Tok::Open(Open::Block), i + 1),
        b'[' => (Tok::Open(Open::Square), i + 1),
        b')' => (Tok::CloseParen, i + 1),
        b'}' => (Tok::CloseBrace, i + 1),
        b']' => (Tok::CloseSquare, i + 1),
        b';' => (Tok::Semi, i + 1),
        b'|' => (Tok::Pipe, i + 1),
        b'=' => (Tok::Equals, i + 1),
        b',' => (Tok::Comma, i + 1),
        b'-' if at_start && next.is_some_and(|c| c.is_ascii_alphabetic()) => {
            (Tok::Parameter, parameter_end(b, i + 1))
        }
        c if is_word_byte(c) => (Tok::Word, word_end(b, i)),
        _ => (Tok::Other, i + 1),
    }
}

fn run(b: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && keep(b[i]) {
        i += 1;
    }
    i
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_word_byte(c: u8) -> bool {
    !matches!(
        c,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'('
            | b')'
            | b'{'
            | b'}'
            | b'['
            | b']'
            | b';'
            | b'|'
            | b','
            | b'\''
            | b'"'
            | b'`'
            | b'$'
            | b'@'
            | b'='
            | b'#'
            | 0x0b
            | 0x0c
    )
}

fn line_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && b[j] != b'\n' && !(b[j] == b'\r' && b.get(j + 1) == Some(&b'\n')) {
        j += 1;
    }
    j
}

fn block_comment_end(b: &[u8], i: usize, errors: &mut Vec<String>) -> usize {
    match find(b, i + 2, b"#>") {
        Some(j) => j + 2,
        None => {
            errors.push(format!("unterminated block comment at byte {i}"));
            b.len()
        }
    }
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn single_quoted_end(b: &[u8], mut i: usize, errors: &mut Vec<String>) -> usize {
    while i < b.len() {
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    errors.push("unterminated single-quoted string".into());
    b.len()
}

fn double_quoted_end(b: &[u8], mut i: usize, errors: &mut Vec<String>) -> usize {
    while i < b.len() {
        match b[i] {
            b'`' => i += 2,
            b'"' if b.get(i + 1) == Some(&b'"') => i += 2,
            b'"' => return i + 1,
            b'$' if b.get(i + 1) == Some(&b'(') => i = subexpression_end(b, i + 2, errors),
            _ => i += 1,
        }
    }
    errors.push("unterminated double-quoted string".into());
    b.len()
}

/// The end of a `$( … )` inside a string (`i` is just past the `(`).
fn subexpression_end(b: &[u8], mut i: usize, errors: &mut Vec<String>) -> usize {
    let mut depth = 1usize;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'\'' => {
                i = single_quoted_end(b, i + 1, errors);
                continue;
            }
            b'"' => {
                i = double_quoted_end(b, i + 1, errors);
                continue;
            }
            b'`' => i += 1,
            _ => {}
        }
        i += 1;
    }
    errors.push("unterminated subexpression in a string".into());
    b.len()
}

/// A here-string opener is `@'` or `@"` followed only by spaces up to the end of the line.
fn here_string_opens(b: &[u8], i: usize) -> bool {
    let j = run(b, i, |c| c == b' ' || c == b'\t');
    j >= b.len() || b[j] == b'\n' || (b[j] == b'\r' && b.get(j + 1) == Some(&b'\n'))
}

fn here_string_end(b: &[u8], i: usize, errors: &mut Vec<String>) -> usize {
    let quote = b[i + 1];
    let mut line = line_end(b, i) + 1;
    while line < b.len() {
        if b[line] == quote && b.get(line + 1) == Some(&b'@') {
            return line + 2;
        }
        line = line_end(b, line) + 1;
    }
    errors.push(format!("unterminated here-string at byte {i}"));
    b.len()
}

fn braced_variable_end(b: &[u8], i: usize) -> usize {
    match b[i..].iter().position(|&c| c == b'}') {
        Some(p) => i + p + 1,
        None => b.len(),
    }
}

fn variable_end(b: &[u8], i: usize) -> usize {
    if matches!(b[i], b'?' | b'$' | b'^') {
        return i + 1;
    }
    let mut j = run(b, i, is_name_byte);
    // Scope or drive qualifier: `$env:NAME`, `$script:name`.
    if b.get(j) == Some(&b':') && b.get(j + 1).is_some_and(|&c| is_name_byte(c)) {
        j = run(b, j + 1, is_name_byte);
    }
    j
}

fn parameter_end(b: &[u8], i: usize) -> usize {
    let j = run(b, i, |c| is_name_byte(c) || c == b'-');
    if b.get(j) == Some(&b':') {
        j + 1
    } else {
        j
    }
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'`' if !matches!(b.get(i + 1), None | Some(b'\n' | b'\r')) => i += 2,
            c if is_word_byte(c) => i += 1,
            _ => break,
        }
    }
    i.min(b.len())
}

/// The normalised name of a variable or splat token (`$Script:Access_Key` → `access_key`).
pub fn variable_name(token_text: &str) -> String {
    let name = token_text.trim_start_matches(['$', '@']);
    let name = name.trim_start_matches('{').trim_end_matches('}');
    let name = match name.split_once(':') {
        Some((scope, rest)) if !scope.eq_ignore_ascii_case("env") => rest,
        _ => name,
    };
    name.to_ascii_lowercase()
}

/// Where a statement sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// The script itself.
    Script,
    /// A script block `{ … }`.
    Block,
    /// A subexpression `$( … )` / `@( … )`.
    SubExpr,
    /// A hashtable `@{ … }`: the statement is one entry.
    Hash,
}

/// A statement: a range of tokens from its first to its last significant token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Token indices (first significant token ..= last significant token, as a half-open range).
    pub tokens: Range<usize>,
    /// What the statement sits in.
    pub container: Container,
    /// The statement that contains this one's container, if any.
    pub parent: Option<usize>,
}

struct Frame {
    container: Option<Container>,
    current: Option<usize>,
}

/// Groups tokens into statements (see the module docs), in order of their first token.
pub fn statements(tokens: &[Token]) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let mut frames = vec![Frame {
        container: Some(Container::Script),
        current: None,
    }];
    let mut last_sig: Option<Tok> = None;
    for (index, token) in tokens.iter().enumerate() {
        let kind = token.kind;
        if kind.is_trivia() {
            if kind == Tok::Newline
                && !matches!(last_sig, Some(Tok::Pipe | Tok::Equals | Tok::Comma))
            {
                end_statement_in_list(&mut frames);
            }
            continue;
        }
        last_sig = Some(kind);
        if kind == Tok::Semi {
            end_statement_in_list(&mut frames);
            continue;
        }
        if matches!(kind, Tok::CloseParen | Tok::CloseBrace | Tok::CloseSquare) && frames.len() > 1
        {
            frames.pop();
        }
        let list = frames
            .iter()
            .rposition(|f| f.container.is_some())
            .unwrap_or(0);
        let current = match frames[list].current {
            Some(s) => s,
            None => {
                let parent = frames[..list].iter().rev().find_map(|f| f.current);
                let container = frames[list].container.unwrap_or(Container::Script);
                out.push(Statement {
                    tokens: index..index + 1,
                    container,
                    parent,
                });
                frames[list].current = Some(out.len() - 1);
                out.len() - 1
            }
        };
        out[current].tokens.end = index + 1;
        for f in frames.iter().filter_map(|f| f.current) {
            out[f].tokens.end = out[f].tokens.end.max(index + 1);
        }
        if let Tok::Open(open) = kind {
            let container = match open {
                Open::Paren | Open::Square => None,
                Open::SubExpr => Some(Container::SubExpr),
                Open::Block => Some(Container::Block),
                Open::Hash => Some(Container::Hash),
            };
            frames.push(Frame {
                container,
                current: None,
            });
        }
    }
    out
}

/// A newline or `;` ends the statement of the innermost statement list (not inside parens).
fn end_statement_in_list(frames: &mut [Frame]) {
    if let Some(top) = frames.last_mut() {
        if top.container.is_some() {
            top.current = None;
        }
    }
}

/// Checks the shape of a PowerShell text: every string, here-string and comment is closed,
/// brackets pair up by kind, and no backtick continuation dangles (is followed by nothing, by a
/// blank line or by a comment). Used to check that a rewrite kept the script well-formed.
pub fn check_structure(text: &str) -> Result<(), String> {
    let lexed = lex(text);
    if let Some(e) = lexed.errors.first() {
        return Err(e.clone());
    }
    let mut stack: Vec<(Tok, usize)> = Vec::new();
    for (i, t) in lexed.tokens.iter().enumerate() {
        match t.kind {
            Tok::Open(open) => stack.push((close_of(open), t.span.start)),
            Tok::CloseParen | Tok::CloseBrace | Tok::CloseSquare => match stack.pop() {
                Some((want, _)) if want == t.kind => {}
                Some((want, at)) => {
                    return Err(format!(
                        "{:?} at byte {} closes a bracket opened at {at} that wants {want:?}",
                        t.kind, t.span.start
                    ))
                }
                None => return Err(format!("unmatched {:?} at byte {}", t.kind, t.span.start)),
            },
            Tok::Continuation => {
                let next = lexed.tokens[i + 1..].iter().find(|n| n.kind != Tok::Space);
                if next.map_or(true, |n| {
                    matches!(n.kind, Tok::Newline | Tok::Continuation | Tok::Comment)
                }) {
                    return Err(format!(
                        "dangling backtick continuation at byte {}",
                        t.span.start
                    ));
                }
            }
            _ => {}
        }
    }
    match stack.pop() {
        Some((want, at)) => Err(format!(
            "bracket opened at byte {at} is never closed (wants {want:?})"
        )),
        None => Ok(()),
    }
}

fn close_of(open: Open) -> Tok {
    match open {
        Open::Paren | Open::SubExpr => Tok::CloseParen,
        Open::Block | Open::Hash => Tok::CloseBrace,
        Open::Square => Tok::CloseSquare,
    }
}

/// A tokenized script with its statements.
pub struct Script<'a> {
    /// The source text.
    pub text: &'a str,
    /// Its tokens.
    pub tokens: Vec<Token>,
    /// Its statements.
    pub stmts: Vec<Statement>,
    /// What did not tokenize.
    pub lex_errors: Vec<String>,
}

impl<'a> Script<'a> {
    /// Tokenizes `text` and finds its statements.
    pub fn new(text: &'a str) -> Script<'a> {
        let lexed = lex(text);
        let stmts = statements(&lexed.tokens);
        Script {
            text,
            tokens: lexed.tokens,
            stmts,
            lex_errors: lexed.errors,
        }
    }

    /// The text of token `i`.
    pub fn tok_text(&self, i: usize) -> &'a str {
        &self.text[self.tokens[i].span.clone()]
    }

    /// The token that holds byte `at`.
    pub fn token_at(&self, at: usize) -> usize {
        self.tokens
            .partition_point(|t| t.span.end <= at)
            .min(self.tokens.len().saturating_sub(1))
    }

    /// The innermost statement that contains token `tok`.
    pub fn statement_of(&self, tok: usize) -> Option<usize> {
        (0..self.stmts.len())
            .filter(|&s| self.stmts[s].tokens.contains(&tok))
            .min_by_key(|&s| self.stmts[s].tokens.len())
    }

    /// Byte span of a statement (first to last significant token).
    pub fn span(&self, s: usize) -> Range<usize> {
        let t = &self.stmts[s].tokens;
        self.tokens[t.start].span.start..self.tokens[t.end - 1].span.end
    }

    /// The 1-based line of byte `at`.
    pub fn line_of(&self, at: usize) -> u32 {
        1 + self.text.as_bytes()[..at.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32
    }

    /// The statement's top-level elements: runs of tokens not separated by layout, with `=`, `|`
    /// and `,` standing alone. Returned as token index ranges.
    pub fn elements(&self, s: usize) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        let mut depth = 0usize;
        let mut open: Option<usize> = None;
        for i in self.stmts[s].tokens.clone() {
            let kind = self.tokens[i].kind;
            let alone =
                depth == 0 && matches!(kind, Tok::Equals | Tok::Pipe | Tok::Comma | Tok::Semi);
            if depth == 0 && (kind.is_trivia() || alone) {
                if let Some(start) = open.take() {
                    out.push(start..i);
                }
                if alone {
                    out.push(i..i + 1);
                }
                continue;
            }
            match kind {
                Tok::Open(_) => depth += 1,
                Tok::CloseParen | Tok::CloseBrace | Tok::CloseSquare => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
            open.get_or_insert(i);
        }
        if let Some(start) = open {
            out.push(start..self.stmts[s].tokens.end);
        }
        out
    }

    /// The text of an element (a token range).
    pub fn element_text(&self, e: &Range<usize>) -> &'a str {
        &self.text[self.tokens[e.start].span.start..self.tokens[e.end - 1].span.end]
    }

    /// The byte span of an element (a token range).
    pub fn element_span(&self, e: &Range<usize>) -> Range<usize> {
        self.tokens[e.start].span.start..self.tokens[e.end - 1].span.end
    }

    /// Removal range for a statement: its whole lines when nothing else shares them (a trailing
    /// `;` or comment goes along), otherwise the statement and one neighbouring `;`.
    pub fn removal(&self, s: usize) -> Range<usize> {
        let span = self.span(s);
        let b = self.text.as_bytes();
        let line_start = self.text[..span.start].rfind('\n').map_or(0, |p| p + 1);
        let before_blank = self.text[line_start..span.start].trim().is_empty();
        let mut after = span.end;
        while after < b.len() && matches!(b[after], b' ' | b'\t' | b';') {
            after += 1;
        }
        let rest_of_line_end = self.text[after..]
            .find('\n')
            .map_or(self.text.len(), |p| after + p);
        let rest = self.text[after..rest_of_line_end].trim_end_matches('\r');
        if before_blank && (rest.is_empty() || rest.starts_with('#')) {
            return line_start..(rest_of_line_end + 1).min(self.text.len());
        }
        let mut start = span.start;
        while start > 0 && b[start - 1] == b' ' {
            start -= 1;
        }
        if start > 0 && b[start - 1] == b';' {
            start -= 1;
            while start > 0 && b[start - 1] == b' ' {
                start -= 1;
            }
            return start..span.end;
        }
        let mut end = span.end;
        while end < b.len() && b[end] == b' ' {
            end += 1;
        }
        if b.get(end) == Some(&b';') {
            end += 1;
            while end < b.len() && b[end] == b' ' {
                end += 1;
            }
            return span.start..end;
        }
        span
    }
}

/// A word without its quotes, lowercased.
pub fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '\'' || c == '"')
        .to_ascii_lowercase()
}

/// Applies byte-range replacements to `text` (used by the PowerShell and shell rewriters).
///
/// Edits are sorted by position; an edit inside an earlier one is dropped, and two deletions that
/// overlap are merged. Returns `None` when a replacement overlaps another edit partially (the
/// rewriter then leaves the file to a human rather than guess).
pub fn apply_edits(text: &str, edits: &[(Range<usize>, String)]) -> Option<String> {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<(Range<usize>, String)> = Vec::new();
    for (range, with) in sorted {
        if let Some((last, last_with)) = merged.last_mut() {
            if range.start < last.end {
                if range.end <= last.end {
                    continue;
                }
                if !with.is_empty() || !last_with.is_empty() {
                    return None;
                }
                last.end = range.end;
                continue;
            }
        }
        merged.push((range.clone(), with.clone()));
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, with) in merged {
        out.push_str(text.get(at..range.start)?);
        out.push_str(&with);
        at = range.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tok, &str)> {
        lex(text)
            .tokens
            .iter()
            .map(|t| (t.kind, &text[t.span.clone()]))
            .filter(|(k, _)| *k != Tok::Space)
            .collect()
    }

    #[test]
    fn tokens_cover_the_text() {
        let text = "$a = @{ K = 'it''s'; L = \"x $(Get-Date \"y\") `\"z`\" \" }\r\nRead-S3Object `\n  -Key k # c\n<# b #>@'\nraw ' \"\n'@\n";
        let lexed = lex(text);
        assert!(lexed.errors.is_empty(), "{:?}", lexed.errors);
        let joined: String = lexed.tokens.iter().map(|t| &text[t.span.clone()]).collect();
        assert_eq!(joined, text);
        assert!(kinds(text).contains(&(Tok::Str, "\"x $(Get-Date \"y\") `\"z`\" \"")));
        assert!(kinds(text).contains(&(Tok::Str, "@'\nraw ' \"\n'@")));
        assert!(kinds(text).contains(&(Tok::Continuation, "`\n")));
        assert!(kinds(text).contains(&(Tok::Parameter, "-Key")));
        assert!(kinds(text).contains(&(Tok::Word, "Read-S3Object")));
    }

    #[test]
    fn statements_split_on_newlines_and_semicolons_but_not_in_parens() {
        let text = "a 1; b (\n2)\nc |\n d\n$h = @{ x = 1\n y = 2 }\n";
        let lexed = lex(text);
        let stmts = statements(&lexed.tokens);
        let texts: Vec<&str> = stmts
            .iter()
            .map(|s| {
                &text[lexed.tokens[s.tokens.start].span.start
                    ..lexed.tokens[s.tokens.end - 1].span.end]
            })
            .collect();
        assert_eq!(
            texts,
            [
                "a 1",
                "b (\n2)",
                "c |\n d",
                "$h = @{ x = 1\n y = 2 }",
                "x = 1",
                "y = 2"
            ]
        );
        assert_eq!(stmts[4].container, Container::Hash);
        assert_eq!(stmts[4].parent, Some(3));
    }

    #[test]
    fn structure_check_finds_breakage() {
        assert!(check_structure("a { b (c) }\n").is_ok());
        assert!(check_structure("a { b (c}\n").is_err());
        assert!(check_structure("Read-S3Object `\n\n").is_err());
        assert!(check_structure("'open\n").is_err());
        assert!(check_structure("@\"\nno end\n").is_err());
    }

    #[test]
    fn variable_names_are_normalised() {
        assert_eq!(variable_name("$Script:AccessKey"), "accesskey");
        assert_eq!(variable_name("${AccessKey}"), "accesskey");
        assert_eq!(variable_name("@Creds"), "creds");
        assert_eq!(
            variable_name("$env:AWS_ACCESS_KEY_ID"),
            "env:aws_access_key_id"
        );
    }
}
