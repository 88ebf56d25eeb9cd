//! Terraform (`*.tf`, `*.tfvars`): the AWS provider and the S3 backend lose their static credentials.
//!
//! - `provider "aws"` blocks lose `access_key`, `secret_key` and `token` when they hold a key or
//!   refer to a variable or local that does; `region`, `assume_role` and everything else stay.
//! - A `variable` whose `default` holds a key goes as a whole when nothing else uses it;
//!   otherwise only its `default` goes. A `locals` entry holding a key goes when unused.
//! - `terraform { backend "s3" { … } }` blocks lose the same arguments.
//! - A `provider "aws"` whose `endpoints` point at LocalStack, MinIO or localhost stays untouched
//!   (its keys are an emulator's).
//! - Heredocs holding a script (`user_data = <<EOF`, or a heredoc that opens with a shell shebang
//!   or `<powershell>`) are fixed in the script's own language: the body is parsed in place with
//!   the Bash grammar and planned by [`super::shell`], or handed to the PowerShell rewriter;
//!   the script must parse as well as before. A heredoc is never removed whole.
//! - In `*.tfvars`, assignments holding a key go.
//! - Full-line and trailing comments holding a key go (in a block comment, only its key lines).
//!
//! Not yet on the syntax layer's HCL grammar: a small HCL tokenizer (identifiers, strings with `${…}` templates, heredocs, numbers,
//! punctuation, `#` / `//` / `/* */` comments) feeds a block/attribute parser that keeps byte
//! spans; edits remove whole lines. Attribute groups whose `=` were aligned (as `terraform fmt`
//! writes them) are re-aligned after a removal so the file stays `fmt`-clean.

use crate::fix::awsini::{apply_edits, has_match, manual_for, split_lines, uncovered, Edit, Line};
use crate::fix::powershell::PowerShellRewriter;
use crate::fix::shell;
use crate::fix::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::EditSet;
use crate::syntax::{guard, parse_ranges, Language, Limits};
use std::ops::Range;

/// Provider arguments that carry static credentials.
const CREDENTIAL_ARGS: &[&str] = &["access_key", "secret_key", "token"];
/// Nesting deeper than this is given up on.
const MAX_DEPTH: usize = 64;

/// The rewriter for Terraform configurations and variable files.
#[derive(Debug, Default, Clone, Copy)]
pub struct TerraformRewriter;

impl Rewriter for TerraformRewriter {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".tf") || path.ends_with(".tfvars")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let tokens = tokenize(file.text);
        let Some(items) = (Parser {
            text: file.text,
            tokens: &tokens,
        })
        .body(&mut 0, 0) else {
            return Outcome::NotHandled;
        };
        if let Some(host) = local_endpoint(file.text, &tokens, &items) {
            return Outcome::Manual(ManualFix::each(
                file.matches,
                &format!("the AWS provider talks to a non-AWS endpoint ({host}); these keys are not AWS IAM keys"),
                "leave them: LocalStack and other emulators take any key; rolecall does not rewrite them",
            ));
        }
        let lines = split_lines(file.text);
        let mut plan = TfPlan {
            file,
            lines: &lines,
            tokens: &tokens,
            edits: Vec::new(),
            notes: Vec::new(),
        };
        if file.path.ends_with(".tfvars") {
            plan.tfvars(&items);
        } else {
            plan.configuration(&items);
        }
        plan.comments();
        plan.user_data_scripts();
        let covered: Vec<Range<usize>> = plan.edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(file.matches, &covered);
        if !left.is_empty() {
            return manual_for(&left, "Terraform", "remove the key by hand; the AWS provider finds role credentials by itself (instance profile, task role, OIDC)");
        }
        if plan.edits.is_empty() {
            return Outcome::NotHandled;
        }
        let notes = plan.notes;
        Outcome::Rewritten {
            text: apply_edits(file.text, plan.edits),
            notes,
            manual: Vec::new(),
        }
    }
}

/// The non-AWS host (LocalStack, MinIO, localhost) an `endpoints { … }` block of a
/// `provider "aws"` points at, if any.
fn local_endpoint(text: &str, tokens: &[Token], items: &[Item]) -> Option<String> {
    items
        .iter()
        .filter(|it| it.block(&["provider", "aws"]))
        .filter_map(|it| match it {
            Item::Block { body, .. } => Some(body),
            _ => None,
        })
        .flatten()
        .filter(|it| it.block(&["endpoints"]))
        .find_map(|it| {
            let t = it.tokens();
            let bytes = tokens[t.start].span.start..tokens[t.end - 1].span.end;
            let one_line = text[bytes].replace(['\n', '\r'], " ");
            crate::fix::non_aws_endpoint(&one_line)
        })
}

/// The body of a heredoc token: from the line after `<<EOF` to the start of the closing marker's
/// line.
fn heredoc_body(text: &str, span: &Range<usize>) -> Option<Range<usize>> {
    let start = span.start + text[span.start..span.end].find('\n')? + 1;
    let end = text[..span.end].rfind('\n').map_or(0, |i| i + 1);
    (start < end).then_some(start..end)
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A name (`provider`, `access_key`, `var`).
    Ident,
    /// A quoted string, templates included.
    Str,
    /// A heredoc, from `<<` to the end of its closing marker.
    Heredoc,
    /// A number.
    Number,
    /// A comment of any style.
    Comment,
    /// A line break.
    Newline,
    /// Any other single character (`{`, `=`, `.`, …).
    Punct(u8),
}

/// A token and its bytes.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// What it is.
    pub kind: Tok,
    /// Where it is.
    pub span: Range<usize>,
}

/// Tokenizes HCL; never fails (unknown bytes become punctuation).
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\n' => {
                i += 1;
                Tok::Newline
            }
            b'#' => {
                i = line_end(b, i);
                Tok::Comment
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
                Tok::Comment
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                Tok::Comment
            }
            b'"' => {
                i = string_end(b, i + 1, 0);
                Tok::Str
            }
            b'<' if b.get(i + 1) == Some(&b'<') && heredoc_marker(text, i).is_some() => {
                i = heredoc_end(text, i);
                Tok::Heredoc
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-')
                {
                    i += 1;
                }
                Tok::Ident
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                Tok::Number
            }
            c => {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                Tok::Punct(c)
            }
        };
        out.push(Token {
            kind,
            span: start..i,
        });
    }
    out
}

fn line_end(b: &[u8], from: usize) -> usize {
    let end = memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |e| from + e);
    if end > from && b[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The end of a string whose contents start at `i` (past the closing quote); templates
/// `${…}` / `%{…}` may hold strings of their own.
fn string_end(b: &[u8], mut i: usize, depth: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'"' => return i + 1,
            b'\\' => i += 2,
            b'\n' => return i,
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') && depth < MAX_DEPTH => {
                i = template_end(b, i + 2, depth + 1);
            }
            _ => i += 1,
        }
    }
    b.len()
}

fn template_end(b: &[u8], mut i: usize, depth: usize) -> usize {
    let mut braces = 1;
    while i < b.len() {
        match b[i] {
            b'{' => braces += 1,
            b'}' => {
                braces -= 1;
                if braces == 0 {
                    return i + 1;
                }
            }
            b'"' => {
                i = string_end(b, i + 1, depth);
                continue;
            }
            b'\n' => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The marker of a heredoc starting at `at` (`<<EOF` or `<<-EOF` then a line break).
fn heredoc_marker(text: &str, at: usize) -> Option<&str> {
    let rest = &text[at + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let len = rest
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    let after = rest[len..].trim_start_matches([' ', '\t', '\r']);
    (len > 0 && after.starts_with('\n')).then(|| &rest[..len])
}

fn heredoc_end(text: &str, at: usize) -> usize {
    let marker = heredoc_marker(text, at).unwrap_or("");
    let mut pos = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        if text[pos..end].trim() == marker {
            return line_end(text.as_bytes(), pos);
        }
        pos = end + 1;
    }
    text.len()
}

// ---------------------------------------------------------------------------------------------
// Blocks and attributes
// ---------------------------------------------------------------------------------------------

/// A body item.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// `name = expression`.
    Attribute {
        /// The name.
        name: String,
        /// Token index of the name; the expression runs to `end` (exclusive).
        name_tok: usize,
        /// One past the expression's last token.
        end: usize,
    },
    /// `type "label" … { body }`.
    Block {
        /// Type and labels (unquoted).
        words: Vec<String>,
        /// Token index of the type.
        first: usize,
        /// Token index of the closing brace.
        close: usize,
        /// What is inside.
        body: Vec<Item>,
    },
}

struct Parser<'t> {
    text: &'t str,
    tokens: &'t [Token],
}

impl Parser<'_> {
    /// Parses items until a `}` (at depth > 0) or the end; `None` when it is not HCL we
    /// understand.
    fn body(&self, i: &mut usize, depth: usize) -> Option<Vec<Item>> {
        let t = self.tokens;
        let mut items = Vec::new();
        loop {
            while *i < t.len() && matches!(t[*i].kind, Tok::Newline | Tok::Comment) {
                *i += 1;
            }
            if *i >= t.len() {
                return (depth == 0).then_some(items);
            }
            match t[*i].kind {
                Tok::Punct(b'}') if depth > 0 => return Some(items),
                Tok::Ident => items.push(self.item(i, depth)?),
                _ => return None,
            }
        }
    }

    fn item(&self, i: &mut usize, depth: usize) -> Option<Item> {
        let t = self.tokens;
        let first = *i;
        if t.get(first + 1).map(|n| n.kind) == Some(Tok::Punct(b'=')) {
            *i = self.expression_end(first + 2, depth > 0)?;
            let name = self.text[t[first].span.clone()].to_string();
            return Some(Item::Attribute {
                name,
                name_tok: first,
                end: *i,
            });
        }
        let mut words = Vec::new();
        *i += 1;
        while *i < t.len() && matches!(t[*i].kind, Tok::Str | Tok::Ident) {
            words.push(*i);
            *i += 1;
        }
        if t.get(*i).map(|n| n.kind) != Some(Tok::Punct(b'{')) || depth >= MAX_DEPTH {
            return None;
        }
        *i += 1;
        let body = self.body(i, depth + 1)?;
        let close = *i;
        *i += 1;
        let mut all = vec![first];
        all.extend(words);
        let words = all
            .iter()
            .map(|&w| self.text[t[w].span.clone()].trim_matches('"').to_string())
            .collect();
        Some(Item::Block {
            words,
            first,
            close,
            body,
        })
    }

    /// One past the last token of an expression starting at `i`: it ends at a line break or
    /// comment outside brackets, or before the `}` that closes the enclosing block.
    fn expression_end(&self, mut i: usize, in_block: bool) -> Option<usize> {
        let t = self.tokens;
        let mut depth = 0usize;
        let mut last = None;
        while i < t.len() {
            match t[i].kind {
                Tok::Newline | Tok::Comment if depth == 0 => break,
                Tok::Punct(b'(' | b'[' | b'{') => depth += 1,
                Tok::Punct(b'}') if depth == 0 && in_block => break,
                Tok::Punct(b')' | b']' | b'}') => depth = depth.checked_sub(1)?,
                _ => {}
            }
            if !matches!(t[i].kind, Tok::Newline | Tok::Comment) {
                last = Some(i);
            }
            i += 1;
        }
        last.map(|l| l + 1)
    }
}

impl Item {
    /// Token indices of the item (first..one past last).
    fn tokens(&self) -> Range<usize> {
        match self {
            Item::Attribute { name_tok, end, .. } => *name_tok..*end,
            Item::Block { first, close, .. } => *first..*close + 1,
        }
    }

    fn attribute(&self, wanted: &str) -> bool {
        matches!(self, Item::Attribute { name, .. } if name == wanted)
    }

    fn block(&self, wanted: &[&str]) -> bool {
        matches!(self, Item::Block { words, .. } if words.iter().map(String::as_str).eq(wanted.iter().copied()))
    }
}

// ---------------------------------------------------------------------------------------------
// The rewrite
// ---------------------------------------------------------------------------------------------

struct TfPlan<'a> {
    file: &'a FileToFix<'a>,
    lines: &'a [Line],
    tokens: &'a [Token],
    edits: Vec<Edit>,
    notes: Vec<String>,
}

impl TfPlan<'_> {
    fn bytes(&self, item: &Item) -> Range<usize> {
        let t = item.tokens();
        self.tokens[t.start].span.start..self.tokens[t.end - 1].span.end
    }

    fn line_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.next <= offset)
            .min(self.lines.len().saturating_sub(1))
    }

    /// The whole lines an item occupies, when nothing but blanks (and a trailing comment) share
    /// them.
    fn own_lines(&self, item: &Item) -> Option<Range<usize>> {
        let text = self.file.text;
        let bytes = self.bytes(item);
        let first = self.lines[self.line_of(bytes.start)];
        let last = self.lines[self.line_of(bytes.end.saturating_sub(1))];
        let before = text[first.start..bytes.start].trim().is_empty();
        let after = text.get(bytes.end..last.end).unwrap_or("").trim_start();
        let after_ok = after.is_empty() || after.starts_with('#') || after.starts_with("//");
        (before && after_ok).then_some(first.start..last.next)
    }

    fn remove(&mut self, item: &Item) -> bool {
        match self.own_lines(item) {
            Some(range) => {
                self.edits.push(Edit::delete(range));
                true
            }
            None => false,
        }
    }

    /// Removes a top-level block, and one blank line after it when a blank line precedes it, so
    /// that no run of blank lines is left behind.
    fn remove_block(&mut self, block: &Item) {
        let Some(range) = self.own_lines(block) else {
            return;
        };
        let text = self.file.text;
        let blank = |l: &Line| text[l.start..l.end].trim().is_empty();
        let first = self.line_of(range.start);
        let after = self
            .lines
            .get(self.line_of(range.end.saturating_sub(1)) + 1)
            .filter(|l| blank(l));
        let before_blank = first == 0 || blank(&self.lines[first - 1]);
        let end = match after {
            Some(next) if before_blank && next.start == range.end => next.next,
            _ => range.end,
        };
        self.edits.push(Edit::delete(range.start..end));
    }

    fn holds_heredoc(&self, item: &Item) -> bool {
        self.tokens[item.tokens()]
            .iter()
            .any(|t| t.kind == Tok::Heredoc)
    }

    fn removed(&self, offset: usize) -> bool {
        self.edits.iter().any(|e| e.range.contains(&offset))
    }

    /// `var.NAME` / `local.NAME` references in the file outside comments and removed parts.
    fn uses(&self, kind: &str, name: &str) -> usize {
        let text = self.file.text;
        let needle = format!("{kind}.{name}");
        text.match_indices(&needle)
            .filter(|(at, _)| {
                let end = at + needle.len();
                let bounded = ends_name;
                bounded(at.checked_sub(1).and_then(|p| text.as_bytes().get(p)))
                    && bounded(text.as_bytes().get(end))
                    && !self.removed(*at)
                    && !self.in_comment(*at)
            })
            .count()
    }

    fn in_comment(&self, offset: usize) -> bool {
        self.tokens
            .iter()
            .any(|t| t.kind == Tok::Comment && t.span.contains(&offset))
    }

    /// Removes the credential arguments of a `provider "aws"` or `backend "s3"` body that hold a
    /// key (or a keyed variable); whether any went.
    fn strip_credentials(&mut self, body: &[Item], holds_key: &dyn Fn(&str) -> bool) -> bool {
        let text = self.file.text;
        let mut gone = Vec::new();
        for (k, attr) in body.iter().enumerate() {
            let Item::Attribute { name, .. } = attr else {
                continue;
            };
            let bytes = self.bytes(attr);
            let keyed = has_match(self.file.matches, &bytes) || holds_key(&text[bytes]);
            if CREDENTIAL_ARGS.contains(&name.as_str()) && keyed && self.remove(attr) {
                gone.push(k);
            }
        }
        if !gone.is_empty() {
            self.realign(body, &gone);
        }
        !gone.is_empty()
    }

    /// Fixes the shell scripts in `user_data` heredocs (and heredocs that open with a shell
    /// shebang or `<powershell>`, such as a `locals` entry later passed as user_data) in their own
    /// language: the heredoc's body
    /// is parsed in place with the Bash grammar and planned by the shell rewriter; the patched
    /// script must parse as well as before. PowerShell (`<powershell>`) bodies stay manual.
    fn user_data_scripts(&mut self) {
        let text = self.file.text;
        for tok in self.tokens.iter().filter(|t| t.kind == Tok::Heredoc) {
            let line_start = text[..tok.span.start].rfind('\n').map_or(0, |i| i + 1);
            let head = text[line_start..tok.span.start].trim_start();
            let Some(body) = heredoc_body(text, &tok.span) else {
                continue;
            };
            let script = text[body.clone()].trim_start();
            let shebang =
                script.starts_with("#!") && script.lines().next().is_some_and(|l| l.contains("sh"));
            if !head.starts_with("user_data") && !shebang && !script.starts_with("<powershell>") {
                continue;
            }
            let keys: Vec<Range<usize>> = self
                .file
                .matches
                .iter()
                .filter(|m| body.contains(&m.span.start) && !self.removed(m.span.start))
                .map(|m| m.span.clone())
                .collect();
            if keys.is_empty() {
                continue;
            }
            if text[body.clone()].contains("<powershell>") {
                self.user_data_powershell(body);
                continue;
            }
            let Ok(parsed) = parse_ranges(
                Language::Bash,
                text,
                std::slice::from_ref(&body),
                &Limits::default(),
            ) else {
                continue;
            };
            let out = shell::plan(&parsed, &keys, None);
            let mut set = EditSet::new(text);
            for spot in out.spots {
                set.add(spot);
            }
            let before = &text[body.clone()];
            let check = |after: &str| {
                let grown = after.len() as isize - text.len() as isize;
                let end = (body.end as isize + grown).max(body.start as isize) as usize;
                guard::check(Language::Bash, before, &after[body.start..end])
                    .map_err(|e| e.to_string())
            };
            let applied = guard::settle(&mut set, &check);
            if applied.edits.is_empty() {
                continue;
            }
            for (range, with) in applied.edits {
                self.edits.push(Edit { range, with });
            }
            self.notes.extend(out.notes);
            self.notes.push(
                "the user_data script no longer sets the key: give the instance an instance profile with the role (the AWS CLI and SDKs find it through IMDS); changing user_data replaces the instance (or takes effect on its next launch); deactivate the old key".into(),
            );
        }
    }

    /// A `<powershell>` user_data body goes to the PowerShell rewriter on the body's own text
    /// (matches rebased); its result replaces the body when it fixes every key there and the
    /// new body parses as well as the old one.
    fn user_data_powershell(&mut self, body: Range<usize>) {
        let text = self.file.text;
        let inner = &text[body.clone()];
        let first_line = crate::syntax::parse::line_of(text, body.start).saturating_sub(1);
        let inside: Vec<usize> = (0..self.file.matches.len())
            .filter(|&i| body.contains(&self.file.matches[i].span.start))
            .collect();
        let rebased: Vec<crate::detect::Match> = inside
            .iter()
            .map(|&i| {
                let mut m = self.file.matches[i].clone();
                m.span = m.span.start - body.start..(m.span.end - body.start).min(inner.len());
                m.line = m.line.saturating_sub(first_line);
                m.pair = m.pair.and_then(|p| inside.iter().position(|&j| j == p));
                m
            })
            .collect();
        let file = FileToFix {
            path: "user_data.ps1",
            text: inner,
            matches: &rebased,
        };
        let (new, notes) = match PowerShellRewriter.rewrite(&file) {
            Outcome::Rewritten {
                text,
                notes,
                manual,
            } if manual.is_empty() => (text, notes),
            Outcome::Edits {
                mut edits,
                notes,
                manual,
            } if manual.is_empty() => {
                let check = |after: &str| {
                    guard::check(Language::PowerShell, inner, after).map_err(|e| e.to_string())
                };
                let applied = guard::settle(&mut edits, &check);
                if !applied.rejected.is_empty() {
                    return;
                }
                (applied.text, notes)
            }
            _ => return,
        };
        if new == inner || guard::check(Language::PowerShell, inner, &new).is_err() {
            return;
        }
        self.edits.push(Edit {
            range: body,
            with: new,
        });
        self.notes.extend(notes);
        self.notes.push(
            "the <powershell> user_data script no longer sets the key: give the instance an instance profile with the role (AWS Tools for PowerShell find it through IMDS); changing user_data replaces the instance (or takes effect on its next launch); deactivate the old key".into(),
        );
    }

    fn configuration(&mut self, items: &[Item]) {
        let keyed_vars: Vec<(String, &Item, &Item)> = items
            .iter()
            .filter_map(|it| match it {
                Item::Block { words, body, .. } if words.len() == 2 && words[0] == "variable" => {
                    let default = body.iter().find(|a| a.attribute("default"))?;
                    has_match(self.file.matches, &self.bytes(default))
                        .then(|| (words[1].clone(), it, default))
                }
                _ => None,
            })
            .collect();
        let keyed_locals: Vec<(String, &Item)> = items
            .iter()
            .filter(|it| it.block(&["locals"]))
            .flat_map(|it| match it {
                Item::Block { body, .. } => body.iter().collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .filter_map(|a| match a {
                // a heredoc (a script, a policy) is more than a key: it is fixed inside
                Item::Attribute { name, .. }
                    if has_match(self.file.matches, &self.bytes(a)) && !self.holds_heredoc(a) =>
                {
                    Some((name.clone(), a))
                }
                _ => None,
            })
            .collect();
        let holds_key = |expr: &str| {
            keyed_vars.iter().any(|(n, _, _)| mentions(expr, "var", n))
                || keyed_locals.iter().any(|(n, _)| mentions(expr, "local", n))
        };
        let backends: Vec<&[Item]> = items
            .iter()
            .filter(|it| it.block(&["terraform"]))
            .flat_map(|it| match it {
                Item::Block { body, .. } => body.iter().collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .filter_map(|it| match it {
                Item::Block { body, .. } if it.block(&["backend", "s3"]) => Some(body.as_slice()),
                _ => None,
            })
            .collect();
        for body in backends {
            if self.strip_credentials(body, &holds_key) {
                self.notes.push(
                    "backend \"s3\" now reads the state with the default credential chain: give the role that runs Terraform access to the state bucket (and its lock table), or set `assume_role` in the backend; deactivate the old key".into(),
                );
            }
        }
        for provider in items.iter().filter(|it| it.block(&["provider", "aws"])) {
            let Item::Block { body, .. } = provider else {
                continue;
            };
            if self.strip_credentials(body, &holds_key) {
                self.notes.push(
                    "provider \"aws\" now uses the default credential chain: run Terraform where a role is available (instance profile, ECS task role, GitHub OIDC) or use `assume_role`; deactivate the old key".into(),
                );
            }
        }
        for (name, block, default) in keyed_vars {
            if self.uses("var", &name) == 0 {
                self.remove_block(block);
            } else if self.remove(default) {
                if let Item::Block { body, .. } = block {
                    let k = body
                        .iter()
                        .position(|a| std::ptr::eq(a, default))
                        .unwrap_or(0);
                    self.realign(body, &[k]);
                }
                self.notes.push(format!(
                    "variable \"{name}\" lost its default (a key) but is still used: give it a value from a secret store, or better, drop those uses"
                ));
            }
        }
        for block in items.iter().filter(|it| it.block(&["locals"])) {
            let Item::Block { body, .. } = block else {
                continue;
            };
            let gone: Vec<usize> = (0..body.len())
                .filter(|&k| {
                    let keyed = keyed_locals
                        .iter()
                        .find(|(_, a)| std::ptr::eq(*a, &body[k]));
                    keyed.is_some_and(|(name, attr)| {
                        self.uses("local", name) == 0 && self.remove(attr)
                    })
                })
                .collect();
            self.realign(body, &gone);
        }
    }

    fn tfvars(&mut self, items: &[Item]) {
        for attr in items.iter().filter(|a| matches!(a, Item::Attribute { .. })) {
            if has_match(self.file.matches, &self.bytes(attr)) && self.remove(attr) {
                if let Item::Attribute { name, .. } = attr {
                    self.notes.push(format!(
                        "`{name}` is no longer set here: remove the provider arguments (and variable) that used it, or Terraform will ask for it"
                    ));
                }
            }
        }
    }

    /// Removes comments that hold a key: the whole line when the comment is alone on it, else
    /// from the comment's start (with the blanks before it). In a block comment of several
    /// lines only the inner lines that hold a key go (never the whole comment, which may hold
    /// unrelated code); a key on its first or last line, or in a comment left open, stays for a
    /// human (the rescan reports it).
    fn comments(&mut self) {
        let text = self.file.text;
        for t in self.tokens.iter().filter(|t| t.kind == Tok::Comment) {
            if !has_match(self.file.matches, &t.span) || self.removed(t.span.start) {
                continue;
            }
            let first_line = self.line_of(t.span.start);
            let last_line = self.line_of(t.span.end.saturating_sub(1));
            if last_line > first_line {
                let closed = text[t.span.clone()].ends_with("*/");
                for m in self
                    .file
                    .matches
                    .iter()
                    .filter(|m| t.span.contains(&m.span.start))
                {
                    let line = self.line_of(m.span.start);
                    if closed && line > first_line && line < last_line {
                        let l = self.lines[line];
                        self.edits.push(Edit::delete(l.start..l.next));
                    }
                }
                continue;
            }
            let first = self.lines[first_line];
            let last = self.lines[last_line];
            let alone = text[first.start..t.span.start].trim().is_empty()
                && text
                    .get(t.span.end..last.end)
                    .unwrap_or("")
                    .trim()
                    .is_empty();
            if alone {
                self.edits.push(Edit::delete(first.start..last.next));
            } else {
                let start = text[..t.span.start].trim_end_matches([' ', '\t']).len();
                self.edits.push(Edit::delete(start..t.span.end));
            }
        }
    }

    /// Re-aligns the `=` of single-line attribute groups (consecutive lines) that lost members,
    /// when the group was aligned before.
    fn realign(&mut self, body: &[Item], gone: &[usize]) {
        for group in self.groups(body) {
            if !group.iter().any(|k| gone.contains(k)) {
                continue;
            }
            let cells: Vec<(Range<usize>, usize, usize)> = group
                .iter()
                .map(|&k| {
                    let name_tok = body[k].tokens().start;
                    let name = &self.tokens[name_tok].span;
                    let eq = &self.tokens[name_tok + 1].span;
                    let col = eq.start - self.lines[self.line_of(eq.start)].start;
                    (name.end..eq.start, name.len(), col)
                })
                .collect();
            let aligned = cells.iter().all(|c| c.2 == cells[0].2);
            let kept: Vec<usize> = (0..group.len())
                .filter(|i| !gone.contains(&group[*i]))
                .collect();
            let Some(width) = kept.iter().map(|&i| cells[i].1).max() else {
                continue;
            };
            if !aligned {
                continue;
            }
            for &i in &kept {
                let (gap, len, _) = &cells[i];
                let want = " ".repeat(width - len + 1);
                if self.file.text[gap.clone()] != want {
                    self.edits.push(Edit {
                        range: gap.clone(),
                        with: want,
                    });
                }
            }
        }
    }

    /// Groups of body indices: single-line attributes on consecutive lines.
    fn groups(&self, body: &[Item]) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut prev_line = None;
        for (k, item) in body.iter().enumerate() {
            let Item::Attribute { name_tok, .. } = item else {
                prev_line = None;
                continue;
            };
            let b = self.bytes(item);
            let single = self.line_of(b.start) == self.line_of(b.end.saturating_sub(1));
            // A heredoc's opening line takes part in the alignment; the group ends after it.
            let heredoc = self
                .tokens
                .get(name_tok + 2)
                .is_some_and(|t| t.kind == Tok::Heredoc);
            if !single && !heredoc {
                prev_line = None;
                continue;
            }
            let line = self.line_of(b.start);
            match (prev_line, groups.last_mut()) {
                (Some(p), Some(g)) if p + 1 == line => g.push(k),
                _ => groups.push(vec![k]),
            }
            prev_line = single.then_some(line);
        }
        groups
    }
}

/// Whether `expr` refers to `kind.name` (`var.x`, `local.y`).
fn mentions(expr: &str, kind: &str, name: &str) -> bool {
    let needle = format!("{kind}.{name}");
    expr.match_indices(&needle).any(|(at, _)| {
        let end = at + needle.len();
        ends_name(at.checked_sub(1).and_then(|p| expr.as_bytes().get(p)))
            && ends_name(expr.as_bytes().get(end))
    })
}

/// Whether the byte next to a name (or the lack of one) ends it.
fn ends_name(b: Option<&u8>) -> bool {
    b.map_or(true, |b| {
        !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
    use proptest::prelude::*;

    const BLOCKS: &[&str] = &[
        "provider \"aws\" {\n  region     = \"us-east-1\"\n  access_key = \"{AKIA}\"\n  secret_key = \"{SECRET}\"\n}",
        "provider \"aws\" {\n  region     = var.region\n  access_key = var.ak\n  secret_key = local.sk\n}",
        "provider \"aws\" { region = \"eu-west-1\" }",
        "variable \"ak\" {\n  type    = string\n  default = \"{AKIA}\"\n}",
        "variable \"region\" {\n  default = \"eu-west-1\"\n}",
        "locals {\n  sk   = \"{SECRET}\" # {AKIA}\n  name = \"x\"\n}",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"${var.region}-${local.name}\"\n  policy = <<-EOT\n    { \"a\": \"}\" }\n  EOT\n}",
        "output \"o\" {\n  value = var.ak\n}",
        "# old key {AKIA}",
        "/* {SECRET}\n   multi-line */",
        "",
    ];

    fn part() -> impl Strategy<Value = String> {
        prop_oneof![4 => prop::sample::select(BLOCKS).prop_map(String::from), 1 => "([ -~]|\\PC){0,30}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn terraform_rewrites_stay_in_blocks_with_a_finding(parts in prop::collection::vec(part(), 0..10), seed: u64, crlf: bool) {
            let (text, ranges) = chunks(&parts, seed, if crlf { "\r\n" } else { "\n" });
            let (matches, outcome) = run(&TerraformRewriter, "main.tf", &text);
            if let Outcome::Rewritten { text: new, .. } = outcome {
                let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
                let allowed: Vec<Range<usize>> = ranges
                    .iter()
                    .zip(&parts)
                    .filter(|(r, p)| hit.iter().any(|h| r.contains(h)) || p.starts_with("provider \"aws\""))
                    .map(|(r, _)| r.clone())
                    .collect();
                assert_within("main.tf", &text, &new, &allowed);
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_terraform_rewriter(text in "(?s).{0,400}", seed: u64) {
            let (keys, _) = chunks(&["access_key = \"{AKIA}\"".into()], seed, "\n");
            let _ = run(&TerraformRewriter, "main.tf", &(text.clone() + &keys));
            let _ = run(&TerraformRewriter, "x.tfvars", &(keys + &text));
        }
    }

    #[test]
    fn a_localstack_provider_stays_untouched() {
        let (text, _) = chunks(
            &["provider \"aws\" {\n  access_key = \"{AKIA}\"\n  secret_key = \"{SECRET}\"\n  skip_credentials_validation = true\n\n  endpoints {\n    s3 = \"http://s3.localhost.localstack.cloud:4566\"\n  }\n}".into()],
            7,
            "\n",
        );
        let (_, outcome) = run(&TerraformRewriter, "provider.tf", &text);
        let Outcome::Manual(manual) = outcome else {
            panic!("{outcome:?}");
        };
        assert!(!manual.is_empty());
        assert!(
            manual[0].reason.contains("non-AWS endpoint (localhost)"),
            "{manual:?}"
        );
    }

    #[test]
    fn tokenizer_keeps_templates_heredocs_and_comments_whole() {
        let text = "a = \"${b[\"}\"]}\" # c\nh = <<EOT\n}\nEOT\n/* x\n*/ d = 1\n";
        let kinds: Vec<Tok> = tokenize(text).iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                Tok::Ident,
                Tok::Punct(b'='),
                Tok::Str,
                Tok::Comment,
                Tok::Newline,
                Tok::Ident,
                Tok::Punct(b'='),
                Tok::Heredoc,
                Tok::Newline,
                Tok::Comment,
                Tok::Ident,
                Tok::Punct(b'='),
                Tok::Number,
                Tok::Newline
            ]
        );
    }
}
