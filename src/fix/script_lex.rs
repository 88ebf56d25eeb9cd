//! The token model shared by the Ruby and PHP rewriters (until they move onto `crate::syntax`): a flat token list from a small
//! per-language tokenizer, the bracket tree over it (which group each token sits in, the entries
//! of a call's argument list or a literal), and line helpers for whole-line deletions.
//!
//! Tokenizers never fail: unterminated strings and comments run to the end of the text, stray
//! closing brackets are ignored.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tk {
    /// A name (`boto3`, `new`, `Aws`, `@ivar`).
    Ident,
    /// A PHP variable (`$creds`).
    Var,
    /// A string literal (any quoting, heredoc body included).
    Str,
    /// A Ruby symbol (`:access_key_id`).
    Symbol,
    /// A Ruby label (`access_key_id:` in a hash or keyword argument), colon included.
    Label,
    /// A number.
    Num,
    /// A comment (line or block).
    Comment,
    /// An opening bracket that starts a group: `(`, `[`, or a literal `{`.
    Open,
    /// A closing bracket that ends a group.
    Close,
    /// A brace that opens a block of statements (PHP bodies, Ruby blocks).
    BlockOpen,
    /// A brace that closes a block of statements.
    BlockClose,
    /// A comma.
    Comma,
    /// An operator or other punctuation (`=`, `=>`, `**`, `.`, `::`, `;`).
    Op,
    /// A newline that ends a statement.
    Newline,
}

/// One token: its kind and byte span in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Tk,
    /// Byte span in the text.
    pub span: Range<usize>,
}

impl Token {
    /// A token of `kind` spanning `start..end`.
    pub fn new(kind: Tk, start: usize, end: usize) -> Token {
        Token {
            kind,
            span: start..end,
        }
    }
}

/// One entry of a group: the tokens between two separating commas (comments at the edges left
/// out), and the comma that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Index of its first token.
    pub first: usize,
    /// Index of its last token (inclusive).
    pub last: usize,
    /// Index of the comma after it, if any.
    pub comma: Option<usize>,
}

/// The tokens of a text with their bracket structure.
#[derive(Debug)]
pub struct Tree<'a> {
    /// The text.
    pub text: &'a str,
    /// Its tokens, in order.
    pub toks: Vec<Token>,
    /// For each token: the innermost enclosing `Open` or `BlockOpen` token.
    pub container: Vec<Option<usize>>,
    /// For each opening token: its matching closing token.
    pub close_of: Vec<Option<usize>>,
}

impl<'a> Tree<'a> {
    /// Builds the bracket structure over `toks`.
    pub fn new(text: &'a str, toks: Vec<Token>) -> Tree<'a> {
        let mut container = vec![None; toks.len()];
        let mut close_of = vec![None; toks.len()];
        let mut stack: Vec<usize> = Vec::new();
        for (i, tok) in toks.iter().enumerate() {
            let closes = match tok.kind {
                Tk::Close => Some(Tk::Open),
                Tk::BlockClose => Some(Tk::BlockOpen),
                _ => None,
            };
            if let Some(opener_kind) = closes {
                if let Some(depth) = stack.iter().rposition(|&o| toks[o].kind == opener_kind) {
                    close_of[stack[depth]] = Some(i);
                    stack.truncate(depth);
                }
            }
            container[i] = stack.last().copied();
            if matches!(tok.kind, Tk::Open | Tk::BlockOpen) {
                stack.push(i);
            }
        }
        Tree {
            text,
            toks,
            container,
            close_of,
        }
    }

    /// The text of token `i`.
    pub fn tok_text(&self, i: usize) -> &'a str {
        &self.text[self.toks[i].span.clone()]
    }

    /// The index of the token that holds byte `pos`.
    pub fn token_at(&self, pos: usize) -> Option<usize> {
        let i = self.toks.partition_point(|t| t.span.end <= pos);
        (i < self.toks.len() && self.toks[i].span.start <= pos).then_some(i)
    }

    /// The group (an `Open` token) that directly holds token `i`, if any.
    pub fn group_of(&self, i: usize) -> Option<usize> {
        self.container[i].filter(|&o| self.toks[o].kind == Tk::Open)
    }

    /// The entries of the group opened by `open`.
    pub fn entries(&self, open: usize) -> Vec<Entry> {
        let Some(close) = self.close_of[open] else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut start = open + 1;
        for i in open + 1..=close {
            let at_level = i == close || self.container[i] == Some(open);
            if at_level && (i == close || self.toks[i].kind == Tk::Comma) {
                let comma = (i != close).then_some(i);
                if let Some((first, last)) = self.trim_comments(start, i) {
                    out.push(Entry { first, last, comma });
                }
                start = i + 1;
            }
        }
        out
    }

    /// The first and last non-comment, non-newline tokens in `from..to`.
    fn trim_comments(&self, from: usize, to: usize) -> Option<(usize, usize)> {
        let code = |i: &usize| !matches!(self.toks[*i].kind, Tk::Comment | Tk::Newline);
        let first = (from..to).find(code)?;
        let last = (from..to).rev().find(code)?;
        Some((first, last))
    }

    /// The tokens of an entry that are code (no comments).
    pub fn code_tokens(&self, first: usize, last: usize) -> Vec<usize> {
        (first..=last)
            .filter(|&i| self.toks[i].kind != Tk::Comment)
            .collect()
    }

    /// The dotted callee before the group opened by `open` (`boto3.client`, `new Credentials`,
    /// `Aws::Credentials.new`), as its first token index and its text without spaces; `None` for a
    /// literal (a list, dict, array or hash that is not a call).
    pub fn callee(&self, open: usize) -> Option<(usize, String)> {
        let mut first = open;
        while first > 0 {
            let prev = first - 1;
            let kind = self.toks[prev].kind;
            let text = self.tok_text(prev);
            let joins = kind == Tk::Op && matches!(text, "." | "::" | "\\" | "->" | "&." | "?->");
            let name = matches!(kind, Tk::Ident | Tk::Var);
            let adjacent_name =
                name && (first == open || self.toks[first].kind == Tk::Op || text == "new");
            if !(joins || adjacent_name) || self.container[prev] != self.container[open] {
                break;
            }
            first = prev;
        }
        if first == open {
            return None;
        }
        let mut name = String::new();
        for i in first..open {
            if !name.is_empty() && self.tok_text(i - 1) == "new" {
                name.push(' ');
            }
            name.push_str(self.tok_text(i));
        }
        Some((first, name))
    }

    /// The statement holding token `i`: the tokens between the terminators around it at the same
    /// nesting level, as an inclusive token range. `terminator` says which tokens end statements.
    pub fn statement(&self, i: usize, terminator: impl Fn(&Token, &str) -> bool) -> (usize, usize) {
        let level = self.container[i];
        let ends = |k: usize| {
            Some(k) == level
                || (self.container[k] == level
                    && (matches!(
                        self.toks[k].kind,
                        Tk::Newline | Tk::BlockClose | Tk::BlockOpen
                    ) || terminator(&self.toks[k], self.tok_text(k))))
        };
        let mut start = i;
        while start > 0 && !ends(start - 1) {
            start -= 1;
        }
        let mut end = i;
        while end + 1 < self.toks.len() && !ends(end + 1) {
            end += 1;
        }
        while start < end && self.toks[start].kind == Tk::Comment {
            start += 1;
        }
        while end > start && self.toks[end].kind == Tk::Comment {
            end -= 1;
        }
        (start, end)
    }

    /// The first token at or after byte `pos` that is not a comment, if it is on the same line.
    pub fn code_after_on_line(&self, pos: usize) -> Option<usize> {
        let line_end = line_end(self.text, pos);
        let from = self.toks.partition_point(|t| t.span.start < pos);
        (from..self.toks.len())
            .take_while(|&k| self.toks[k].span.start < line_end)
            .find(|&k| !matches!(self.toks[k].kind, Tk::Comment | Tk::Newline))
    }

    /// Whether, after byte `pos`, its line holds only whitespace and comments that end there.
    pub fn line_clear_after(&self, pos: usize) -> bool {
        let line_end = line_end(self.text, pos);
        if self.code_after_on_line(pos).is_some() {
            return false;
        }
        // A block comment that starts on this line must also end on it.
        let from = self.toks.partition_point(|t| t.span.start < pos);
        (from..self.toks.len())
            .take_while(|&k| self.toks[k].span.start < line_end)
            .all(|k| self.toks[k].span.end <= line_end || self.toks[k].kind == Tk::Newline)
    }
}

/// Byte offset where the line holding `pos` starts.
pub fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// Byte offset of the newline that ends the line holding `pos` (or the text's length).
pub fn line_end(text: &str, pos: usize) -> usize {
    text[pos..]
        .find('\n')
        .map(|i| pos + i)
        .unwrap_or(text.len())
}

/// Byte offset just after the line holding `pos` (after its newline).
pub fn after_line(text: &str, pos: usize) -> usize {
    (line_end(text, pos) + 1).min(text.len())
}

/// Whether only spaces and tabs precede `pos` on its line.
pub fn only_space_before(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos].trim().is_empty()
}

/// Merges deletion ranges, widens whole-line deletions that sit between two blank lines so no
/// double blank line is left behind, and returns the text without them.
pub fn apply_deletions(text: &str, deletions: &[Range<usize>]) -> String {
    let merged = merge(deletions);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for range in widen_blank_lines(text, merged) {
        out.push_str(&text[at..range.start]);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Sorts and merges overlapping or touching ranges.
pub fn merge(deletions: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> = deletions
        .iter()
        .filter(|r| r.start < r.end)
        .cloned()
        .collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

fn widen_blank_lines(text: &str, ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let is_blank_line_at =
        |pos: usize| pos < text.len() && text[pos..line_end(text, pos)].trim().is_empty();
    let blank_before =
        |pos: usize| pos == 0 || text[line_start(text, pos - 1)..pos].trim().is_empty();
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let whole_lines = line_start(text, r.start) == r.start
            && (r.end == text.len() || line_start(text, r.end) == r.end);
        if whole_lines && r.start > 0 && blank_before(r.start) && is_blank_line_at(r.end) {
            out.push(r.start..after_line(text, r.end));
        } else {
            out.push(r);
        }
    }
    merge(&out)
}

/// Whether byte `b` may continue an identifier (non-ASCII bytes count, so a UTF-8 character is
/// never split).
pub fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The end of an identifier that starts at `i`.
pub fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ident_byte(bytes[i]) {
        i += 1;
    }
    i
}

/// The end of a quoted string starting at `i` (the opening quote), honouring backslash escapes.
pub fn quoted_end(bytes: &[u8], i: usize, quote: u8) -> usize {
    let mut k = i + 1;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b if b == quote => return k + 1,
            _ => k += 1,
        }
    }
    bytes.len()
}

/// The longest operator of `ops` that starts at `i`, or one byte.
pub fn op_end(bytes: &[u8], i: usize, ops: &[&str]) -> usize {
    for op in ops {
        if bytes[i..].starts_with(op.as_bytes()) {
            return i + op.len();
        }
    }
    i + 1
}

/// The unquoted content of a string or symbol token (`'key'` → `key`, `:key` → `key`).
pub fn unquote(tok: &str) -> &str {
    let t = tok.trim_start_matches(|c: char| c.is_ascii_alphabetic() && c != '\'' && c != '"');
    let t = t.strip_prefix(':').unwrap_or(t);
    t.trim_matches(|c| c == '\'' || c == '"')
}

/// Whether `word` occurs in `hay` as a whole identifier.
pub fn contains_word(hay: &str, word: &str) -> bool {
    let bytes = hay.as_bytes();
    hay.match_indices(word).any(|(i, _)| {
        let before_ok = i == 0 || !is_ident_byte(bytes[i - 1]) || word.starts_with('$');
        let after = i + word.len();
        before_ok && (after >= bytes.len() || !is_ident_byte(bytes[after]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_merge_and_apply() {
        let text = "a\n\nb\n\nc\n";
        let out = apply_deletions(text, &[3..4, 4..5]);
        assert_eq!(out, "a\n\nc\n");
        let merged = merge(&[4..6, 1..3, 2..5]);
        assert_eq!(merged.len(), 1);
        assert_eq!((merged[0].start, merged[0].end), (1, 6));
    }

    #[test]
    fn words_are_whole() {
        assert!(contains_word("f\"{KEY}\"", "KEY"));
        assert!(!contains_word("f\"{KEYS}\"", "KEY"));
        assert!(contains_word("\"x $key y\"", "$key"));
        assert_eq!(unquote("'key'"), "key");
        assert_eq!(unquote(":key"), "key");
        assert_eq!(unquote("f\"x\""), "x");
    }
}
