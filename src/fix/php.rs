//! The PHP rewriter (aws-sdk-php, Laravel), on the tree-sitter PHP grammar.
//!
//! Each key the detector found is traced outward through the tree until something can go whole:
//! - a credential entry of a configuration array (`'credentials' => […]`, SDK v2's top-level
//!   `'key' =>` / `'secret' =>` / `'token' =>`): every credential entry of that array goes;
//! - `new Credentials(…)` and `CredentialProvider::fromCredentials(…)` are seen through;
//! - `putenv('AWS_…=…')`, `$_ENV['AWS_…'] = …` and `$_SERVER['AWS_…'] = …` statements;
//! - an env lookup's literal default (Laravel `env('AWS_ACCESS_KEY_ID', 'AKIA…')`): only the
//!   default goes, the lookup stays; `getenv('AWS_…') ?: 'AKIA…'` loses its fallback;
//! - a variable holding the key (or a credentials array or object), when every read of it only
//!   passes the credential on (def-use within the file); a read that feeds anything else keeps
//!   the binding and makes the spot manual;
//! - a comment line holding the key.
//!
//! Code that carries no credential is never touched.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::parse::{ancestor_or_self, named_children};
use crate::syntax::{fold, nodes, parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// The aws-sdk-php rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Php;

/// Array keys that carry credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "credentials",
    "key",
    "secret",
    "token",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Deepest chain of bindings followed.
const MAX_DEPTH: usize = 12;

/// The advice for every PHP spot left to a human.
const ADVICE: &str = "delete the credential by hand, attach an IAM role where the code runs, and let the SDK's default credential chain pick it up";

impl Rewriter for Php {
    fn name(&self) -> &'static str {
        "php"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        Language::detect(path, text) == Some(Language::Php) && text.contains("<?")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let parsed = match parse(Language::Php, file.text) {
            Ok(p) => p,
            Err(e) => return Outcome::all_manual(file, &e.to_string(), ADVICE),
        };
        let planner = Planner { parsed: &parsed };
        let mut edits = EditSet::new(file.text);
        let mut manual = Vec::new();
        let mut fixed = 0usize;
        for m in file.matches {
            let mut spot = SpotEdits::new(m.span.clone());
            match planner.place(&mut spot, &m.span) {
                Ok(()) => {
                    fixed += 1;
                    edits.add(spot);
                }
                Err(reason) => manual.push(ManualFix {
                    line: m.line,
                    reason,
                    advice: ADVICE.into(),
                }),
            }
        }
        let mut notes = Vec::new();
        if fixed > 0 {
            notes.push(
                "the code now uses the SDK's default credential chain: attach an IAM role where it runs \
                 (instance profile, ECS task role, Lambda execution role, IRSA/Pod Identity) and rotate the removed key"
                    .into(),
            );
        }
        Outcome::Edits {
            edits,
            notes,
            manual,
        }
    }
}

struct Planner<'p, 's> {
    parsed: &'p Parsed<'s>,
}

type Plan = Result<(), String>;

impl<'p, 's> Planner<'p, 's> {
    fn text(&self, node: Node<'_>) -> &'s str {
        self.parsed.text_of(node)
    }

    fn line(&self, node: Node<'_>) -> u32 {
        self.parsed.line_of(node.start_byte())
    }

    /// Plans the removal of the key at `key`.
    fn place(&self, spot: &mut SpotEdits, key: &Range<usize>) -> Plan {
        let root = self.parsed.root();
        let Some(leaf) = root.descendant_for_byte_range(key.start, key.end) else {
            return Err("the key is not inside code rolecall can read".into());
        };
        if let Some(comment) = ancestor_or_self(leaf, &["comment"]) {
            let range = nodes::comment_removal(self.parsed, comment, key.start)?;
            spot.delete(range, "the comment holding the key");
            return Ok(());
        }
        if ancestor_or_self(leaf, &["heredoc", "nowdoc"]).is_some() {
            return Err("the key sits in a heredoc; edit the text by hand".into());
        }
        if ancestor_or_self(leaf, &["text", "text_interpolation"]).is_some() {
            return Err("the key sits in the page's text outside PHP code".into());
        }
        let Some(folded) = fold::fold_at(self.parsed, key.start) else {
            return Err(
                "the key is not in a string rolecall can read (it is built at run time)".into(),
            );
        };
        let mut expr = leaf;
        while expr.byte_range() != folded.range {
            match expr.parent() {
                Some(p)
                    if p.start_byte() <= folded.range.start && folded.range.end <= p.end_byte() =>
                {
                    expr = p
                }
                _ => return Err("the key is part of an expression rolecall cannot follow".into()),
            }
        }
        while let Some(p) = expr
            .parent()
            .filter(|p| p.byte_range() == expr.byte_range())
        {
            expr = p;
        }
        self.vanish(spot, expr, 0)
    }

    /// Plans edits after which the value of `expr` (a credential) is no longer in the code.
    fn vanish(&self, spot: &mut SpotEdits, expr: Node<'_>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the credential passes through too many bindings".into());
        }
        let Some(parent) = expr.parent() else {
            return Err("the key is not inside a statement".into());
        };
        match parent.kind() {
            "parenthesized_expression" => self.vanish(spot, parent, depth),
            "array_element_initializer" => {
                if is_pair(parent) && last_named(parent) == Some(expr) {
                    self.credential_entry(spot, parent, depth)
                } else {
                    Err(format!(
                        "the key is an item of a list on line {}",
                        self.line(parent)
                    ))
                }
            }
            "argument" => self.argument(spot, parent, depth),
            "arguments" if expr.kind() == "argument" => self.argument(spot, expr, depth),
            "binary_expression" | "conditional_expression"
                if last_named(parent) == Some(expr) =>
            {
                let lookup = parent.named_child(0);
                let op = self.text(parent);
                if lookup.is_some_and(|l| self.env_lookup(l))
                    && (op.contains("?:") || op.contains("??"))
                {
                    let end = lookup.map(|l| l.end_byte()).unwrap_or(expr.start_byte());
                    spot.delete(end..expr.end_byte(), "the key used as the lookup's fallback");
                    Ok(())
                } else {
                    Err("the key is part of an expression rolecall cannot follow".into())
                }
            }
            "assignment_expression" if parent.child_by_field_name("right") == Some(expr) => {
                self.assignment(spot, parent, depth)
            }
            kind => Err(format!(
                "the key is used in a `{kind}` on line {}; rolecall cannot tell it only passes the credential on",
                self.line(parent)
            )),
        }
    }

    /// `pair` carries the credential as its value: the credential entries of its array go.
    fn credential_entry(&self, spot: &mut SpotEdits, pair: Node<'_>, depth: usize) -> Plan {
        let name = self.pair_key(pair);
        if !CREDENTIAL_KEYS.contains(&name.as_str()) {
            return Err(format!(
                "the key is the value of `{name}` (line {}), which is not a credential setting",
                self.line(pair)
            ));
        }
        let Some(array) = pair.parent() else {
            return Err("the credential entry is not in an array".into());
        };
        let entries = named_children(array);
        let creds: Vec<Node<'_>> = entries
            .iter()
            .copied()
            .filter(|n| {
                n.kind() == "array_element_initializer"
                    && is_pair(*n)
                    && CREDENTIAL_KEYS.contains(&self.pair_key(*n).as_str())
            })
            .collect();
        let others = entries
            .iter()
            .filter(|n| !creds.contains(n) && n.kind() != "comment")
            .count();
        if others == 0 {
            // An array of nothing but credentials goes where it is used.
            return self.vanish(spot, array, depth);
        }
        let shape = ListShape::of(array);
        for entry in creds {
            let Some(index) = shape.index_of(&entry.byte_range()) else {
                return Err("the credential entry is not an item of its array".into());
            };
            spot.remove_item(&shape, index, "the credential setting");
        }
        Ok(())
    }

    /// `argument` (wrapping the credential) is an argument of a call.
    fn argument(&self, spot: &mut SpotEdits, argument: Node<'_>, depth: usize) -> Plan {
        let Some(list) = argument.parent().filter(|l| l.kind() == "arguments") else {
            return Err("the key is an argument of something rolecall cannot read".into());
        };
        let Some(call) = list.parent() else {
            return Err("the key is an argument of something rolecall cannot read".into());
        };
        let callee = self.callee(call);
        let last = callee.rsplit(['\\', ':']).next().unwrap_or("");
        let args = named_children(list);
        if last == "Credentials" || callee.ends_with("fromCredentials") {
            return self.vanish(spot, call, depth);
        }
        if matches!(last, "env" | "getenv") && args.len() == 2 && args[1] == argument {
            let shape = ListShape::of(list);
            spot.remove_item(&shape, 1, "the key used as the lookup's default");
            return Ok(());
        }
        if last == "putenv" && args.len() == 1 {
            let value = self.text(argument).trim_matches(|c| c == '\'' || c == '"');
            if value.starts_with("AWS_") {
                return self.statement(spot, call, "the AWS environment variable set in code");
            }
        }
        Err(format!(
            "the key is passed to `{callee}` on line {}, which is not an AWS credential setting",
            self.line(call)
        ))
    }

    /// `assignment` gives the credential a place: an env setting or a binding.
    fn assignment(&self, spot: &mut SpotEdits, assignment: Node<'_>, depth: usize) -> Plan {
        let Some(left) = assignment.child_by_field_name("left") else {
            return Err("the assignment has no target".into());
        };
        match left.kind() {
            "subscript_expression" => {
                let target = self.text(left);
                if target.starts_with("$_ENV[") || target.starts_with("$_SERVER[") {
                    self.statement(spot, assignment, "the credential setting")
                } else {
                    Err(format!("the key is stored in `{target}`"))
                }
            }
            "variable_name" => self.binding(spot, assignment, left, depth),
            _ => Err(format!("the key is assigned to `{}`", self.text(left))),
        }
    }

    /// The binding `$name = <credential>` goes, with the reads that only pass it on.
    fn binding(
        &self,
        spot: &mut SpotEdits,
        assignment: Node<'_>,
        name: Node<'_>,
        depth: usize,
    ) -> Plan {
        let ident = self.text(name);
        let mut reads = Vec::new();
        let mut writes = 0usize;
        for n in parse::descendants(self.parsed.root()) {
            if n.kind() != "variable_name" || self.text(n) != ident || n == name {
                continue;
            }
            let is_write = n.parent().is_some_and(|p| {
                p.kind().ends_with("assignment_expression")
                    && p.child_by_field_name("left") == Some(n)
            });
            if is_write {
                writes += 1;
            } else {
                reads.push(n);
            }
        }
        self.statement(spot, assignment, "the variable that held the credential")?;
        if writes > 0 {
            return Ok(());
        }
        for read in reads {
            let mut trial = spot.clone();
            match self.vanish(&mut trial, read, depth + 1) {
                Ok(()) => *spot = trial,
                Err(reason) => {
                    return Err(format!(
                        "`{ident}` holds the key and is read on line {}: {reason}",
                        self.line(read)
                    ))
                }
            }
        }
        Ok(())
    }

    /// Removes the statement that is `node` (an expression statement), with its lines.
    fn statement(&self, spot: &mut SpotEdits, node: Node<'_>, why: &str) -> Plan {
        let Some(stmt) = node.parent().filter(|p| p.kind() == "expression_statement") else {
            return Err(format!(
                "the expression on line {} is part of a larger one; edit it by hand",
                self.line(node)
            ));
        };
        match nodes::statement_lines(self.parsed, stmt) {
            Some(range) => {
                spot.delete(range, why);
                Ok(())
            }
            None => Err(format!(
                "the statement on line {} shares its line with other code; edit it by hand",
                self.line(stmt)
            )),
        }
    }

    /// The key of a `key => value` entry without its quotes.
    fn pair_key(&self, pair: Node<'_>) -> String {
        let key = pair.named_child(0).map(|k| self.text(k)).unwrap_or("");
        key.trim_matches(|c| c == '\'' || c == '"').to_string()
    }

    /// The callee of a call or `new` expression.
    fn callee(&self, call: Node<'_>) -> String {
        match call.kind() {
            "object_creation_expression" => {
                let class = named_children(call)
                    .into_iter()
                    .find(|n| matches!(n.kind(), "name" | "qualified_name"));
                class.map(|c| self.text(c).to_string()).unwrap_or_default()
            }
            "function_call_expression" => call
                .child_by_field_name("function")
                .map(|f| self.text(f).to_string())
                .unwrap_or_default(),
            "member_call_expression"
            | "scoped_call_expression"
            | "nullsafe_member_call_expression" => {
                let name = call
                    .child_by_field_name("name")
                    .map(|n| self.text(n))
                    .unwrap_or("");
                let object = call
                    .child_by_field_name("object")
                    .or_else(|| call.child_by_field_name("scope"))
                    .map(|o| self.text(o))
                    .unwrap_or("");
                format!("{object}::{name}")
            }
            _ => self.text(call).chars().take(40).collect(),
        }
    }

    /// Whether `node` reads an AWS environment variable (`getenv('AWS_…')`, `env('AWS_…')`,
    /// `$_ENV['AWS_…']`).
    fn env_lookup(&self, node: Node<'_>) -> bool {
        let text = self.text(node);
        let name_is_aws = |rest: &str| {
            rest.trim_start_matches(['(', '[', '\'', '"', ' '])
                .starts_with("AWS_")
        };
        match node.kind() {
            "function_call_expression" => {
                let callee = self.callee(node);
                let last = callee.rsplit('\\').next().unwrap_or("");
                matches!(last, "env" | "getenv")
                    && name_is_aws(&text[text.find('(').unwrap_or(0)..])
            }
            "subscript_expression" => {
                (text.starts_with("$_ENV[") || text.starts_with("$_SERVER["))
                    && name_is_aws(&text[text.find('[').unwrap_or(0)..])
            }
            _ => false,
        }
    }
}

/// Whether an array element is a `key => value` pair.
fn is_pair(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| c.kind() == "=>");
    found
}

/// The last named child of `node`.
fn last_named(node: Node<'_>) -> Option<Node<'_>> {
    node.named_child(node.named_child_count().checked_sub(1)?)
}

#[cfg(test)]
mod tests;
