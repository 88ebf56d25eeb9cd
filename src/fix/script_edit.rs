//! The token-based rewriting engine shared by the Ruby and PHP rewriters until they move onto the
//! syntax layer (`crate::syntax`, see `docs/rewriters.md`); Python left it for tree-sitter.
//!
//! Each credential the detector found is traced outward through the code's structure until it
//! reaches something that can be deleted whole: a credential keyword argument or hash/array entry
//! (`aws_access_key_id=…`, `credentials: …`, `'credentials' => […]`), the assignment of a
//! variable or constant whose every use is itself deletable, a statement that only sets
//! credentials (`os.environ[…] = …`, `Aws.config.update(credentials: …)`), or a comment line.
//! Credential constructors (`Aws::Credentials.new(…)`, `new Credentials(…)`) and environment
//! look-ups with a hard-coded fallback (`os.getenv("…", "AKIA…")`) are seen through. Literals left
//! empty (a `**creds` dict that only held keys) go too. Anything else is left for a human, with
//! the reason. All edits are deletions of whole entries, statements or lines.

use super::script_lex::{after_line, line_start, only_space_before, Entry, Tk, Token, Tree};
use super::{FileToFix, ManualFix, Outcome};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;

/// What an entry of a group is keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKey {
    /// `name=value`, `name: value`, `'name' => value`.
    Named(String),
    /// `**name`, `...$name`: the spread token's index is the entry's first token.
    Spread,
    /// A positional argument or list element.
    Positional,
}

/// The language-specific part of a rewriter.
pub trait Syntax {
    /// Tokenizes the text.
    fn lex(&self, text: &str) -> Vec<Token>;
    /// Whether a token ends a statement (besides newlines and block braces).
    fn is_terminator(&self, tok: &Token, text: &str) -> bool {
        tok.kind == Tk::Op && text == ";"
    }
    /// How an entry (its code tokens) is keyed.
    fn entry_key(&self, tree: &Tree<'_>, code: &[usize]) -> EntryKey;
    /// Keys whose entry is deleted whole wherever it holds a credential.
    fn is_credential_key(&self, key: &str) -> bool;
    /// Keys that are credentials only in a literal made of nothing else (`'key'`, `'secret'`).
    fn is_inner_credential_key(&self, _key: &str) -> bool {
        false
    }
    /// Callees whose result is the credential itself (constructors, env look-ups).
    fn is_transparent(&self, callee: &str) -> bool;
    /// Callees whose call statement is deleted when it carries a credential (`putenv`).
    fn is_credential_statement(&self, callee: &str) -> bool;
    /// Callees whose call statement is deleted when its arguments are all gone.
    fn drop_when_empty(&self, _callee: &str) -> bool {
        false
    }
    /// Whether a group with this callee is a literal after all (`array(…)`).
    fn is_literal_callee(&self, _callee: &str) -> bool {
        false
    }
    /// Whether an assignment target is a credential setting (`os.environ[…]`, `ENV[…]`).
    fn is_settings_target(&self, lhs: &str) -> bool;
    /// The variable or constant a left-hand side names, if it is a plain name.
    fn assigned_name(&self, tree: &Tree<'_>, lhs: &[usize]) -> Option<String>;
    /// Whether a string token interpolates code (f-strings, `"#{…}"`, `"$var"`).
    fn interpolates(&self, tok_text: &str) -> bool;
    /// Whether calls may leave out their parentheses (Ruby `update region: 'x'`).
    fn paren_less_calls(&self) -> bool {
        false
    }
    /// Whether an emptied call keeps no parentheses (Ruby `Client.new`).
    fn drops_empty_parens(&self) -> bool {
        false
    }
    /// Notes for a variable or constant removed without any use in the file.
    fn unused_note(&self, name: &str, path: &str) -> String {
        format!("removed `{name}` from {path}; if other files use it, run rolecall fix on them too")
    }
}

/// Runs the engine for one file.
pub fn rewrite_with(syntax: &dyn Syntax, file: &FileToFix<'_>) -> Outcome {
    let tree = Tree::new(file.text, syntax.lex(file.text));
    let mut plan = Plan::new(syntax, &tree, file.path);
    let mut manual = Vec::new();
    for m in file.matches {
        if let Err(reason) = plan.place_match(m.span.start) {
            manual.push(ManualFix {
                line: m.line,
                reason,
                advice: "delete the credential by hand, attach an IAM role where the code runs, and let the \
                         SDK's default credential chain pick it up"
                    .into(),
            });
        }
    }
    if manual.is_empty() {
        if let Err(reason) = plan.settle() {
            manual.push(manual_at(file, reason));
        }
    }
    if !manual.is_empty() {
        return Outcome::Manual(manual);
    }
    let deletions = plan.deletions();
    let text = super::script_lex::apply_deletions(file.text, &deletions);
    let mut notes = plan.notes;
    notes.push(
        "the code now uses the SDK's default credential chain: attach an IAM role where it runs \
         (instance profile, ECS task role, Lambda execution role, IRSA/Pod Identity) and rotate the removed key"
            .into(),
    );
    Outcome::Rewritten {
        text,
        notes,
        manual: Vec::new(),
    }
}

fn manual_at(file: &FileToFix<'_>, reason: String) -> ManualFix {
    ManualFix {
        line: file.matches.first().map(|m| m.line).unwrap_or(1),
        reason,
        advice: "remove the credentials by hand and let the SDK's default credential chain find the role".into(),
    }
}

/// The argument list of a call, or the entries of a literal.
#[derive(Debug, Clone, Default)]
struct Group {
    entries: Vec<Entry>,
    /// The callee's first token and its text, for calls.
    callee: Option<(usize, String)>,
    /// The closing bracket, or the last token of a call without parentheses.
    close: usize,
    /// Whether this is the argument list of a call without parentheses.
    implicit: bool,
}

/// What is to be deleted.
struct Plan<'t, 'a> {
    syntax: &'t dyn Syntax,
    tree: &'t Tree<'a>,
    path: &'t str,
    /// Group opener → first tokens of its entries to delete.
    entries: BTreeMap<usize, BTreeSet<usize>>,
    /// Statements to delete (inclusive token ranges).
    statements: BTreeSet<(usize, usize)>,
    /// Byte ranges to delete (comment parts).
    bytes: Vec<Range<usize>>,
    /// Variables already traced.
    variables: HashSet<String>,
    /// Groups already found empty.
    emptied: HashSet<usize>,
    /// Argument lists of calls without parentheses, by the callee's last token.
    implicit: HashMap<usize, Group>,
    notes: Vec<String>,
}

const MAX_DEPTH: usize = 24;

impl<'t, 'a> Plan<'t, 'a> {
    fn new(syntax: &'t dyn Syntax, tree: &'t Tree<'a>, path: &'t str) -> Plan<'t, 'a> {
        Plan {
            syntax,
            tree,
            path,
            entries: BTreeMap::new(),
            statements: BTreeSet::new(),
            bytes: Vec::new(),
            variables: HashSet::new(),
            emptied: HashSet::new(),
            implicit: HashMap::new(),
            notes: Vec::new(),
        }
    }

    fn text(&self, i: usize) -> &'a str {
        self.tree.tok_text(i)
    }

    /// Plans the removal of the credential at byte `pos`.
    fn place_match(&mut self, pos: usize) -> Result<(), String> {
        let Some(i) = self.tree.token_at(pos) else {
            return Err("the key is not inside code rolecall can read".into());
        };
        match self.tree.toks[i].kind {
            Tk::Comment => self.remove_comment_part(i, pos),
            Tk::Str | Tk::Symbol | Tk::Ident | Tk::Label => self.vanish(i, i, 0),
            _ => Err("the key sits in code rolecall cannot read".into()),
        }
    }

    /// Plans the removal of the expression `first..=last`, which will no longer exist.
    fn vanish(&mut self, first: usize, last: usize, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the credential flows through too many steps".into());
        }
        let open = match self.tree.group_of(first) {
            Some(open) => open,
            None => match self.implicit_call(first) {
                Some((id, group)) => {
                    self.implicit.insert(id, group);
                    id
                }
                None => return self.vanish_in_statement(first, depth),
            },
        };
        let Group {
            entries,
            callee,
            close,
            ..
        } = self.group(open);
        let Some(entry) = entries
            .iter()
            .find(|e| e.first <= first && last <= e.last)
            .copied()
        else {
            return Err("the key sits in code rolecall cannot read".into());
        };
        if let Some((callee_start, name)) = &callee {
            if self.syntax.is_transparent(name) {
                return self.vanish(*callee_start, close, depth + 1);
            }
            if self.syntax.is_credential_statement(name) {
                return self.remove_call_statement(*callee_start, close, name);
            }
        }
        let code = self.tree.code_tokens(entry.first, entry.last);
        match self.syntax.entry_key(self.tree, &code) {
            EntryKey::Named(key) if self.syntax.is_credential_key(&key) => {
                self.remove_credential_entries(open, &entries, |s, k| s.is_credential_key(k));
                Ok(())
            }
            EntryKey::Named(key) if callee.is_none() && self.all_inner(&entries) => {
                let _ = key;
                self.remove_credential_entries(open, &entries, |s, k| s.is_inner_credential_key(k));
                Ok(())
            }
            EntryKey::Named(key) => Err(format!(
                "the key is the value of `{key}`, which is not an AWS credential setting"
            )),
            EntryKey::Spread if code[0] + 1 == first && entry.last == last => {
                self.entries.entry(open).or_default().insert(entry.first);
                Ok(())
            }
            _ if self.text(open) == "("
                && callee.is_none()
                && entries.len() == 1
                && entry.comma.is_none() =>
            {
                self.vanish(open, close, depth + 1)
            }
            _ => match callee {
                Some((_, name)) => Err(format!(
                    "the key is passed to `{name}`, which is not an AWS credential setting"
                )),
                None => Err("the key sits in a list or table rolecall cannot trace".into()),
            },
        }
    }

    /// The entries, callee and closing token of a group (an `Open` token) or of the implicit
    /// argument list of a call without parentheses (keyed by the callee's last token).
    fn group(&self, id: usize) -> Group {
        if let Some(group) = self.implicit.get(&id) {
            return group.clone();
        }
        Group {
            entries: self.tree.entries(id),
            callee: self
                .tree
                .callee(id)
                .filter(|(_, c)| !self.syntax.is_literal_callee(c)),
            close: self.tree.close_of[id].unwrap_or(id),
            implicit: false,
        }
    }

    /// The call without parentheses whose arguments hold token `first` (`update region: 'x'`).
    fn implicit_call(&self, first: usize) -> Option<(usize, Group)> {
        if !self.syntax.paren_less_calls() {
            return None;
        }
        let syntax = self.syntax;
        let (mut start, end) = self
            .tree
            .statement(first, |t, s| syntax.is_terminator(t, s));
        let level = self.tree.container[first];
        let at_level = |k: usize| self.tree.container[k] == level;
        if let Some(assign) = (start..first)
            .find(|&k| at_level(k) && self.tree.toks[k].kind == Tk::Op && self.text(k) == "=")
        {
            start = assign + 1;
        }
        let mut callee_end = start;
        while callee_end + 2 <= end
            && self.tree.toks[callee_end + 1].kind == Tk::Op
            && matches!(self.text(callee_end + 1), "." | "::" | "&.")
            && self.tree.toks[callee_end + 2].kind == Tk::Ident
        {
            callee_end += 2;
        }
        let args_start = callee_end + 1;
        let spaced = args_start <= end
            && self.tree.toks[args_start].span.start > self.tree.toks[callee_end].span.end;
        let starts_value = args_start <= end
            && matches!(
                self.tree.toks[args_start].kind,
                Tk::Label | Tk::Str | Tk::Symbol | Tk::Ident | Tk::Var | Tk::Num
            );
        if self.tree.toks[start].kind != Tk::Ident || !spaced || !starts_value || first < args_start
        {
            return None;
        }
        let has_block = |k: usize| {
            (at_level(k) && self.tree.toks[k].kind == Tk::BlockOpen) || self.text(k) == "do"
        };
        if (args_start..=end).any(has_block) {
            return None;
        }
        let mut entries = Vec::new();
        let mut from = args_start;
        for k in args_start..=end + 1 {
            let boundary = k == end + 1 || (at_level(k) && self.tree.toks[k].kind == Tk::Comma);
            if boundary {
                let code: Vec<usize> = (from..k)
                    .filter(|&i| self.tree.toks[i].kind != Tk::Comment)
                    .collect();
                if let (Some(&f), Some(&l)) = (code.first(), code.last()) {
                    entries.push(Entry {
                        first: f,
                        last: l,
                        comma: (k <= end).then_some(k),
                    });
                }
                from = k + 1;
            }
        }
        let name: String = (start..=callee_end).map(|k| self.text(k)).collect();
        let group = Group {
            entries,
            callee: Some((start, name)),
            close: end,
            implicit: true,
        };
        Some((callee_end, group))
    }

    /// Whether every entry of a literal is keyed by an inner credential key.
    fn all_inner(&self, entries: &[Entry]) -> bool {
        entries.iter().all(|e| {
            let code = self.tree.code_tokens(e.first, e.last);
            matches!(self.syntax.entry_key(self.tree, &code), EntryKey::Named(k) if self.syntax.is_inner_credential_key(&k))
        })
    }

    /// Deletes every entry of the group whose key passes `is_credential` (the whole credential
    /// set goes together: a session token without its key pair is useless).
    fn remove_credential_entries(
        &mut self,
        open: usize,
        entries: &[Entry],
        is_credential: fn(&dyn Syntax, &str) -> bool,
    ) {
        for e in entries {
            let code = self.tree.code_tokens(e.first, e.last);
            if let EntryKey::Named(k) = self.syntax.entry_key(self.tree, &code) {
                if is_credential(self.syntax, &k) {
                    self.entries.entry(open).or_default().insert(e.first);
                }
            }
        }
    }

    /// The expression `first..=last` is not inside any group: it belongs to a statement.
    fn vanish_in_statement(&mut self, first: usize, depth: usize) -> Result<(), String> {
        let syntax = self.syntax;
        let (start, end) = self
            .tree
            .statement(first, |t, s| syntax.is_terminator(t, s));
        let level = self.tree.container[first];
        let assign = (start..=end).find(|&k| {
            self.tree.container[k] == level
                && self.tree.toks[k].kind == Tk::Op
                && matches!(self.text(k), "=" | "||=" | ":=")
        });
        let Some(assign) = assign.filter(|&a| a < first && a > start) else {
            return Err("the key is not passed to an AWS SDK setting rolecall knows".into());
        };
        let lhs: Vec<usize> = (start..assign)
            .filter(|&k| self.tree.toks[k].kind != Tk::Comment)
            .collect();
        if let Some(name) = self.syntax.assigned_name(self.tree, &lhs) {
            return self.vanish_variable(&name, lhs[0], (start, end), depth);
        }
        let lhs_text: String = lhs.iter().map(|&k| self.text(k)).collect();
        if self.syntax.is_settings_target(&lhs_text) {
            return self.remove_statement(start, end);
        }
        Err(format!(
            "the key is assigned to `{lhs_text}`, which rolecall cannot trace"
        ))
    }

    /// Deletes the assignment of `name` and every use of it (each must be deletable).
    fn vanish_variable(
        &mut self,
        name: &str,
        target: usize,
        stmt: (usize, usize),
        depth: usize,
    ) -> Result<(), String> {
        self.remove_statement(stmt.0, stmt.1)?;
        if !self.variables.insert(name.to_string()) {
            return Ok(());
        }
        let mut uses = Vec::new();
        for k in 0..self.tree.toks.len() {
            let kind = self.tree.toks[k].kind;
            if (stmt.0..=stmt.1).contains(&k) && k != target {
                continue;
            }
            if kind == Tk::Str
                && self.syntax.interpolates(self.text(k))
                && super::script_lex::contains_word(self.text(k), name)
            {
                return Err(format!(
                    "`{name}` is used inside a string; remove that use by hand"
                ));
            }
            if !matches!(kind, Tk::Ident | Tk::Var)
                || self.text(k) != name
                || k == target
                || self.is_member_or_keyword(k)
            {
                continue;
            }
            if self.is_assignment_target(k) {
                return Err(format!("`{name}` is assigned more than once; rolecall cannot tell which value is used where"));
            }
            uses.push(k);
        }
        if uses.is_empty() {
            self.notes.push(self.syntax.unused_note(name, self.path));
        }
        for u in uses {
            self.vanish(u, u, depth + 1)
                .map_err(|why| format!("`{name}` holds the key and is used elsewhere: {why}"))?;
        }
        Ok(())
    }

    /// Whether token `k` is an attribute/method name (`x.name`) or a keyword-argument name.
    fn is_member_or_keyword(&self, k: usize) -> bool {
        let prev = k
            .checked_sub(1)
            .map(|p| (self.tree.toks[p].kind, self.text(p)));
        if matches!(prev, Some((Tk::Op, "." | "->" | "::" | "&." | "?->"))) {
            return true;
        }
        let next = self
            .tree
            .toks
            .get(k + 1)
            .map(|t| (t.kind, &self.tree.text[t.span.clone()]));
        matches!(next, Some((Tk::Op, "=")))
            && self.tree.group_of(k).is_some_and(|o| self.text(o) == "(")
    }

    /// Whether token `k` is the target of an assignment statement.
    fn is_assignment_target(&self, k: usize) -> bool {
        let next_is_assign = self.tree.toks.get(k + 1).is_some_and(|t| {
            t.kind == Tk::Op && matches!(&self.tree.text[t.span.clone()], "=" | "||=" | ":=")
        });
        let syntax = self.syntax;
        next_is_assign
            && self.tree.group_of(k).is_none()
            && self.tree.statement(k, |t, s| syntax.is_terminator(t, s)).0 == k
    }

    /// Deletes the statement made of the call `callee_start..=close`, which only sets credentials.
    fn remove_call_statement(
        &mut self,
        callee_start: usize,
        close: usize,
        name: &str,
    ) -> Result<(), String> {
        let syntax = self.syntax;
        let (start, end) = self
            .tree
            .statement(callee_start, |t, s| syntax.is_terminator(t, s));
        if start != callee_start || end != close {
            return Err(format!(
                "the result of `{name}` is used; rolecall cannot remove the call"
            ));
        }
        self.remove_statement(start, end)
    }

    fn remove_statement(&mut self, start: usize, end: usize) -> Result<(), String> {
        let pos = self.tree.toks[start].span.start;
        if !only_space_before(self.tree.text, pos) {
            return Err("the statement shares its line with other code".into());
        }
        self.statements.insert((start, end));
        Ok(())
    }

    /// Removes the part of comment `c` that holds the key at byte `pos`.
    fn remove_comment_part(&mut self, c: usize, pos: usize) -> Result<(), String> {
        let text = self.tree.text;
        let span = self.tree.toks[c].span.clone();
        let multi_line = text[span.clone()].trim_end().contains('\n');
        let key_line = line_start(text, pos);
        if multi_line {
            let last_line = line_start(text, span.end - 1);
            if key_line > line_start(text, span.start) && key_line < last_line {
                self.bytes.push(key_line..after_line(text, pos));
                return Ok(());
            }
            return Err(
                "the key sits on the first or last line of a block comment; edit it by hand".into(),
            );
        }
        if only_space_before(text, span.start) && self.tree.line_clear_after(span.end) {
            self.bytes
                .push(line_start(text, span.start)..after_line(text, span.start));
        } else if self.tree.line_clear_after(span.end) {
            let code_end = text[..span.start].trim_end_matches([' ', '\t']).len();
            self.bytes.push(code_end..span.end);
        } else {
            return Err("the key sits in a comment inside a line of code; edit it by hand".into());
        }
        Ok(())
    }

    /// Follows up on groups left empty until nothing changes.
    fn settle(&mut self) -> Result<(), String> {
        loop {
            let emptied: Vec<usize> = self
                .entries
                .iter()
                .filter(|(open, chosen)| {
                    !self.emptied.contains(open) && chosen.len() == self.group(**open).entries.len()
                })
                .map(|(open, _)| *open)
                .collect();
            if emptied.is_empty() {
                return Ok(());
            }
            for open in emptied {
                self.emptied.insert(open);
                let group = self.group(open);
                let close = group.close;
                match self.tree.callee(open).filter(|_| !group.implicit) {
                    Some((first, c)) if self.syntax.is_literal_callee(&c) => {
                        self.vanish(first, close, 0)?
                    }
                    _ if group
                        .callee
                        .as_ref()
                        .is_some_and(|(_, c)| self.syntax.drop_when_empty(c)) =>
                    {
                        let (first, c) = group.callee.clone().unwrap_or_default();
                        self.remove_call_statement(first, close, &c)?
                    }
                    None if group.callee.is_none() => self.vanish(open, close, 0)?,
                    _ => {}
                }
            }
        }
    }

    /// The byte ranges to delete.
    fn deletions(&self) -> Vec<Range<usize>> {
        let mut out = self.bytes.clone();
        for &(start, end) in &self.statements {
            out.push(self.statement_bytes(start, end));
        }
        for (&open, chosen) in &self.entries {
            let inside_removed = self.statements.iter().any(|&(s, e)| s <= open && open <= e);
            if !inside_removed {
                self.entry_deletions(open, chosen, &mut out);
            }
        }
        out
    }

    /// A statement's bytes: from its line start through its terminator and line end.
    fn statement_bytes(&self, start: usize, end: usize) -> Range<usize> {
        let text = self.tree.text;
        let mut last = end;
        if let Some(next) = self.tree.toks.get(end + 1) {
            if self.syntax.is_terminator(next, &text[next.span.clone()]) && next.kind == Tk::Op {
                last = end + 1;
            }
        }
        let from = line_start(text, self.tree.toks[start].span.start);
        let stop = self.tree.toks[last].span.end;
        if self.tree.line_clear_after(stop) {
            from..after_line(text, stop)
        } else {
            from..stop
        }
    }

    /// Deletions for the chosen entries of one group, run by run.
    fn entry_deletions(&self, open: usize, chosen: &BTreeSet<usize>, out: &mut Vec<Range<usize>>) {
        let text = self.tree.text;
        let toks = &self.tree.toks;
        let Group {
            entries,
            close,
            implicit,
            ..
        } = self.group(open);
        let removed: Vec<bool> = entries.iter().map(|e| chosen.contains(&e.first)).collect();
        if removed.iter().all(|r| *r) && implicit {
            let args_end = entries
                .last()
                .map(|e| toks[e.last].span.end)
                .unwrap_or(toks[open].span.end);
            out.push(toks[open].span.end..args_end);
            return;
        }
        if removed.iter().all(|r| *r) {
            let callee_adjacent = open > 0 && toks[open - 1].span.end == toks[open].span.start;
            if self.syntax.drops_empty_parens()
                && self.text(open) == "("
                && callee_adjacent
                && self.tree.callee(open).is_some()
            {
                out.push(toks[open].span.start..toks[close].span.end);
            } else {
                out.push(toks[open].span.end..toks[close].span.start);
            }
            return;
        }
        let mut i = 0;
        while i < entries.len() {
            if !removed[i] {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < entries.len() && removed[j + 1] {
                j += 1;
            }
            let start = toks[entries[i].first].span.start;
            let end = entries[j]
                .comma
                .map(|c| toks[c].span.end)
                .unwrap_or(toks[entries[j].last].span.end);
            let whole_lines = only_space_before(text, start) && self.tree.line_clear_after(end);
            if j + 1 < entries.len() {
                if whole_lines {
                    out.push(line_start(text, start)..after_line(text, end));
                } else {
                    out.push(start..toks[entries[j + 1].first].span.start);
                }
            } else if whole_lines {
                out.push(line_start(text, start)..after_line(text, end));
                if let (None, Some(c)) = (entries[j].comma, entries[i - 1].comma) {
                    out.push(toks[c].span.clone());
                }
            } else {
                out.push(toks[entries[i - 1].last].span.end..end);
            }
            i = j + 1;
        }
    }
}

/// Property-test helpers shared by the PHP rewriter's unit tests.
#[cfg(test)]
pub(crate) mod testkit {
    use crate::detect::Detector;
    use crate::fake::FakeKeys;
    use crate::fix::{FileToFix, Outcome, Rewriter};

    /// Runs `rewriter` on `template` (placeholders expanded with keys from `seed`) with the
    /// detector's real matches; returns the expanded text and the outcome.
    pub(crate) fn run(
        rewriter: &dyn Rewriter,
        path: &str,
        template: &str,
        seed: u64,
    ) -> (String, Outcome) {
        let text = FakeKeys::new(seed).expand(template);
        let detector = Detector::builtin();
        let matches: Vec<_> = detector
            .scan(text.as_bytes())
            .matches
            .into_iter()
            .filter(|m| !m.inline_allowed)
            .collect();
        let file = FileToFix {
            path,
            text: &text,
            matches: &matches,
        };
        let outcome = rewriter.rewrite(&file);
        (text, outcome)
    }

    /// Builds a file from pieces picked by `picks` out of `vocabulary`.
    pub(crate) fn assemble(vocabulary: &[&str], picks: &[usize]) -> String {
        picks
            .iter()
            .map(|&p| vocabulary[p % vocabulary.len()])
            .collect()
    }

    /// A file interleaving `noise` statements (no credentials) and credential `snippets`: after a
    /// rewrite every noise line must still be there, whole and in order, and no key may be left.
    /// Returns the outcome when the file was not rewritten.
    pub(crate) fn check_noise_survives(
        rewriter: &dyn Rewriter,
        path: &str,
        header: &str,
        noise: &[&str],
        snippets: &[&str],
        picks: &[(bool, usize)],
        seed: u64,
    ) -> Result<(), Outcome> {
        let mut template = header.to_string();
        let mut kept = Vec::new();
        for (n, &(is_noise, p)) in picks.iter().enumerate() {
            if is_noise {
                let line = noise[p % noise.len()].replace("{N}", &n.to_string());
                kept.push(line.clone());
                template.push_str(&line);
                template.push('\n');
            } else {
                template.push_str(snippets[p % snippets.len()]);
            }
        }
        let (text, outcome) = run(rewriter, path, &template, seed);
        let new = match outcome {
            Outcome::Rewritten { text: new, .. } => new,
            Outcome::Edits { edits, manual, .. } if manual.is_empty() => {
                let applied = edits.apply();
                if !applied.rejected.is_empty() {
                    return Err(Outcome::Edits {
                        edits,
                        notes: Vec::new(),
                        manual,
                    });
                }
                applied.text
            }
            other => return Err(other),
        };
        let mut rest = new.lines();
        for line in &kept {
            assert!(
                rest.any(|l| l == line),
                "noise line {line:?} was changed or reordered:\n{new}\n--- from\n{text}"
            );
        }
        let left = Detector::builtin().scan(new.as_bytes()).matches;
        assert!(left.is_empty(), "a key survived the rewrite:\n{new}");
        Ok(())
    }
}
