//! Shared structure for the C-family rewriters (JavaScript/TypeScript, Java, Go, C#).
//!
//! [`Code`] is a tokenized file ([`lex`]) with its brackets matched: it can split a bracketed
//! group into comma-separated items (arguments, object-literal properties, composite-literal
//! fields; trailing commas included), find the statement around a token, and tell whether a token
//! sits alone on its lines. [`plan`] turns "remove this item / statement / chained call" into byte
//! edits that keep everything else byte-identical, and [`flow`] follows a credential from the
//! literal that holds it to the place where it is handed to an SDK.

pub mod flow;
pub mod lex;
pub mod plan;

pub use lex::{Comment, Dialect, Tok, TokKind};

use std::ops::Range;

/// A tokenized file with matched brackets.
#[derive(Debug)]
pub struct Code<'a> {
    /// The file's text.
    pub text: &'a str,
    /// Its lexical rules.
    pub dialect: Dialect,
    /// The significant tokens.
    pub toks: Vec<Tok>,
    /// The comments, in order.
    pub comments: Vec<Comment>,
    /// For each bracket token, the index of its partner (when balanced).
    partner: Vec<Option<usize>>,
    /// For each token, the index of the innermost open bracket around it.
    parent: Vec<Option<usize>>,
}

/// One comma-separated item of a bracketed group: tokens `first..=last`, and its comma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Index of its first token.
    pub first: usize,
    /// Index of its last token (before the comma).
    pub last: usize,
    /// Index of the comma after it, if any.
    pub comma: Option<usize>,
}

impl<'a> Code<'a> {
    /// Tokenizes `text` and matches its brackets.
    pub fn new(text: &'a str, dialect: Dialect) -> Code<'a> {
        let (toks, comments) = lex::lex(text, dialect);
        let mut partner = vec![None; toks.len()];
        let mut parent = vec![None; toks.len()];
        let mut stack: Vec<usize> = Vec::new();
        for (i, tok) in toks.iter().enumerate() {
            match tok.kind {
                TokKind::Open => {
                    parent[i] = stack.last().copied();
                    stack.push(i);
                }
                TokKind::Close => {
                    let closes = |open: &usize| {
                        pairs(
                            text.as_bytes()[toks[*open].span.start],
                            text.as_bytes()[tok.span.start],
                        )
                    };
                    if let Some(pos) = stack.iter().rposition(closes) {
                        let open = stack[pos];
                        stack.truncate(pos);
                        partner[open] = Some(i);
                        partner[i] = Some(open);
                    }
                    parent[i] = stack.last().copied();
                }
                _ => parent[i] = stack.last().copied(),
            }
        }
        Code {
            text,
            dialect,
            toks,
            comments,
            partner,
            parent,
        }
    }

    /// The text of token `i`.
    pub fn tok(&self, i: usize) -> &'a str {
        self.toks
            .get(i)
            .map(|t| &self.text[t.span.clone()])
            .unwrap_or("")
    }

    /// Whether token `i` exists and its text is `s`.
    pub fn is(&self, i: usize, s: &str) -> bool {
        i < self.toks.len() && self.tok(i) == s
    }

    /// Whether token `i` is an identifier.
    pub fn is_ident(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.kind == TokKind::Ident)
    }

    /// The partner of bracket token `i`.
    pub fn partner(&self, i: usize) -> Option<usize> {
        self.partner.get(i).copied().flatten()
    }

    /// Whether every bracket has its partner (the text's structure is intact).
    pub fn balanced(&self) -> bool {
        (0..self.toks.len())
            .filter(|&i| matches!(self.toks[i].kind, TokKind::Open | TokKind::Close))
            .all(|i| self.partner(i).is_some())
    }

    /// The innermost open bracket around token `i`.
    pub fn parent(&self, i: usize) -> Option<usize> {
        self.parent.get(i).copied().flatten()
    }

    /// The index of the token whose span contains byte `offset`.
    pub fn token_at(&self, offset: usize) -> Option<usize> {
        let i = self.toks.partition_point(|t| t.span.end <= offset);
        (i < self.toks.len() && self.toks[i].span.start <= offset).then_some(i)
    }

    /// The comment whose span contains byte `offset`.
    pub fn comment_at(&self, offset: usize) -> Option<&Comment> {
        let i = self.comments.partition_point(|c| c.span.end <= offset);
        self.comments.get(i).filter(|c| c.span.start <= offset)
    }

    /// The bytes of tokens `first..=last`.
    pub fn span(&self, first: usize, last: usize) -> Range<usize> {
        self.toks[first].span.start..self.toks[last].span.end
    }

    /// The text of tokens `first..=last`.
    pub fn slice(&self, first: usize, last: usize) -> &'a str {
        &self.text[self.span(first, last)]
    }

    /// The comma-separated items of the group opened by token `open`.
    pub fn items(&self, open: usize) -> Option<Vec<Item>> {
        let close = self.partner(open)?;
        let mut items = Vec::new();
        let mut i = open + 1;
        let mut start = i;
        while i < close {
            if self.toks[i].kind == TokKind::Open {
                i = self.partner(i)? + 1;
                continue;
            }
            if self.tok(i) == "," {
                if i > start {
                    items.push(Item {
                        first: start,
                        last: i - 1,
                        comma: Some(i),
                    });
                }
                start = i + 1;
            }
            i += 1;
        }
        if close > start {
            items.push(Item {
                first: start,
                last: close - 1,
                comma: None,
            });
        }
        Some(items)
    }

    /// The item of the group around token `i` that contains it, with its index.
    pub fn item_of(&self, i: usize) -> Option<(usize, usize, Item)> {
        let open = self.parent(i)?;
        let items = self.items(open)?;
        let idx = items.iter().position(|it| it.first <= i && i <= it.last)?;
        Some((open, idx, items[idx]))
    }

    /// The next token index after `i` at the same bracket depth (skips whole groups).
    pub fn skip_group(&self, i: usize) -> usize {
        match self.toks[i].kind {
            TokKind::Open => self.partner(i).map(|c| c + 1).unwrap_or(self.toks.len()),
            _ => i + 1,
        }
    }

    /// Byte offset of the start of the line holding `offset`.
    pub fn line_start(&self, offset: usize) -> usize {
        self.text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0)
    }

    /// Byte offset just after the newline ending the line holding `offset` (or the text's end).
    pub fn line_end(&self, offset: usize) -> usize {
        self.text[offset..]
            .find('\n')
            .map(|i| offset + i + 1)
            .unwrap_or(self.text.len())
    }

    /// Whether only blanks precede `offset` on its line.
    pub fn starts_line(&self, offset: usize) -> bool {
        self.text[self.line_start(offset)..offset]
            .bytes()
            .all(|b| b == b' ' || b == b'\t')
    }

    /// Where the rest of the line after `offset` ends, when it holds only blanks and comments
    /// (the offset after its newline); `None` when code follows on the line.
    pub fn trivia_to_eol(&self, mut offset: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        loop {
            while offset < bytes.len()
                && (bytes[offset] == b' ' || bytes[offset] == b'\t' || bytes[offset] == b'\r')
            {
                offset += 1;
            }
            if offset >= bytes.len() {
                return Some(bytes.len());
            }
            if bytes[offset] == b'\n' {
                return Some(offset + 1);
            }
            let comment = self.comments.iter().find(|c| c.span.start == offset)?;
            if comment.line || self.text[comment.span.clone()].contains('\n') {
                return Some(self.line_end(comment.span.end.saturating_sub(1)));
            }
            offset = comment.span.end;
        }
    }

    /// The bytes of `range` widened to whole lines when it stands alone on its lines (trailing
    /// comments go with it); otherwise `range` itself.
    pub fn whole_lines(&self, range: Range<usize>) -> Range<usize> {
        if self.starts_line(range.start) {
            if let Some(end) = self.trivia_to_eol(range.end) {
                return self.line_start(range.start)..end;
            }
        }
        range
    }

    /// The statement around token `i` (at its bracket depth): first and last token, the last
    /// being its `;` when it has one.
    pub fn statement(&self, i: usize) -> (usize, usize) {
        let lower = self.parent(i).map(|p| p + 1).unwrap_or(0);
        let upper = self
            .parent(i)
            .and_then(|p| self.partner(p))
            .unwrap_or(self.toks.len());
        let mut first = lower;
        let mut j = lower;
        while j < i {
            let next = self.skip_group(j);
            if self.ends_statement(j, next, upper) {
                first = next;
            }
            j = next;
        }
        let mut last = i;
        let mut j = i;
        while j < upper {
            let next = self.skip_group(j);
            last = next - 1;
            if self.ends_statement(j, next, upper) {
                break;
            }
            j = next;
        }
        (first.min(i), last.min(upper.saturating_sub(1)).max(i))
    }

    /// Whether the token (or group) at `j`, followed by token `next`, ends a statement.
    fn ends_statement(&self, j: usize, next: usize, upper: usize) -> bool {
        let text = self.tok(j);
        if text == ";" || next >= upper {
            return true;
        }
        if self.toks[j].kind == TokKind::Open && self.tok(j) == "{" && self.block_ends_statement(j)
        {
            return true;
        }
        if matches!(self.dialect, Dialect::Go | Dialect::Js) {
            let end = self.toks[next - 1].span.end;
            let newline = self.text[end..self.toks[next].span.start].contains('\n');
            let continues = matches!(
                self.tok(next),
                "." | "?." | ")" | "]" | "}" | "," | "&&" | "||" | "?" | ":" | "+" | "="
            ) || matches!(
                self.tok(next - 1),
                "." | "," | "=" | ":=" | "=>" | "&&" | "||" | "+" | "(" | "[" | "{" | ":" | "?"
            );
            return newline && !continues;
        }
        false
    }

    /// Whether the `{…}` group at `open` is a block that ends a statement (a function or control
    /// body) rather than an object or initializer that is part of one.
    fn block_ends_statement(&self, open: usize) -> bool {
        let Some(close) = self.partner(open) else {
            return false;
        };
        let before = if open == 0 { "" } else { self.tok(open - 1) };
        let value_position = matches!(
            before,
            "=" | ":" | "(" | "," | "return" | "=>" | ":=" | "[" | "?" | "->"
        );
        let continued = matches!(
            self.tok(close + 1),
            ";" | ")" | "," | "." | "]" | "?." | "("
        );
        !value_position && !continued
    }

    /// Tokens that use identifier `name` as a value: not a member access (`x.name`), not the
    /// declaration at `decl`, not a property key (`name:`) in an object literal.
    pub fn uses_of(&self, name: &str, decl: usize) -> Vec<usize> {
        (0..self.toks.len())
            .filter(|&i| i != decl && self.is_ident(i) && self.tok(i) == name)
            .filter(|&i| i == 0 || !matches!(self.tok(i - 1), "." | "?." | "::" | "->"))
            .filter(|&i| {
                !(self.is(i + 1, ":") && i > 0 && matches!(self.tok(i - 1), "{" | ","))
                    || self.dialect == Dialect::Go
            })
            .collect()
    }
}

/// Whether `open` and `close` are partner bracket bytes.
fn pairs(open: u8, close: u8) -> bool {
    matches!((open, close), (b'(', b')') | (b'[', b']') | (b'{', b'}'))
}

/// Runs the shared pipeline on a file: plan the removal of every match with `lang`, let the
/// language finish the plan, and apply it. Any spot that cannot be fixed makes the whole file a
/// manual fix (a half-fixed file would still hold a credential).
pub fn rewrite_file(
    file: &crate::fix::FileToFix<'_>,
    dialect: Dialect,
    lang: &dyn flow::Lang,
) -> Result<String, Vec<crate::fix::ManualFix>> {
    let code = Code::new(file.text, dialect);
    let mut plan = plan::Plan::default();
    let manual = flow::plan_matches(&code, lang, file.matches, &mut plan);
    if !manual.is_empty() {
        return Err(manual);
    }
    lang.finish(&code, &mut plan);
    plan.apply(&code).map_err(|reason| {
        vec![crate::fix::ManualFix {
            line: file.matches.first().map(|m| m.line).unwrap_or(1),
            reason,
            advice: "remove the credential by hand and let the SDK's default credential chain find the role".into(),
        }]
    })
}

/// Wraps [`rewrite_file`]'s result as an [`Outcome`](crate::fix::Outcome).
pub fn outcome(
    result: Result<String, Vec<crate::fix::ManualFix>>,
    notes: Vec<String>,
) -> crate::fix::Outcome {
    match result {
        Ok(text) => crate::fix::Outcome::Rewritten {
            text,
            notes,
            manual: Vec::new(),
        },
        Err(manual) => crate::fix::Outcome::Manual(manual),
    }
}

/// Whether identifier `name` is used as a qualifier (`name.x`) or a type/value anywhere outside
/// the tokens for which `skip` holds.
pub fn name_used(code: &Code<'_>, name: &str, skip: impl Fn(usize) -> bool) -> bool {
    (0..code.toks.len()).any(|i| {
        code.is_ident(i) && code.tok(i) == name && !skip(i) && (i == 0 || code.tok(i - 1) != ".")
    })
}

/// An import (Java `import a.b.C;`, Go import spec) and the name it brings into scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The name code uses (`C`, the Go package name or alias).
    pub name: String,
    /// Its first and last token.
    pub toks: (usize, usize),
}

/// Removes the imports of `new_text` that the rewrite left unused: those whose name `old` used
/// outside its imports and `new_text` no longer does. Imports that were unused before stay.
pub fn drop_stale_imports(
    old: &Code<'_>,
    new_text: String,
    imports: fn(&Code<'_>) -> Vec<Import>,
) -> String {
    let new = Code::new(&new_text, old.dialect);
    let in_imports = |list: &[Import], i: usize| {
        list.iter()
            .any(|imp| (imp.toks.0..=imp.toks.1).contains(&i))
    };
    let old_imports = imports(old);
    let new_imports = imports(&new);
    let mut plan = plan::Plan::default();
    for imp in &new_imports {
        let used_before = name_used(old, &imp.name, |i| in_imports(&old_imports, i));
        let used_now = name_used(&new, &imp.name, |i| in_imports(&new_imports, i));
        if used_before && !used_now {
            plan.remove_tokens(&new, imp.toks.0, imp.toks.1);
        }
    }
    if plan.is_empty() {
        return new_text;
    }
    plan.apply(&new).unwrap_or_else(|_| new_text.clone())
}

#[cfg(test)]
mod tests;
