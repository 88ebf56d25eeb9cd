//! The Ruby rewriter (aws-sdk), on the tree-sitter Ruby grammar.
//!
//! Each key the detector found is traced outward through the tree until something can go whole:
//! - a credential keyword argument or hash entry (`access_key_id:`, `secret_access_key:`,
//!   `session_token:`, `credentials:`, `:credentials =>`): every credential entry of that call
//!   or hash goes (a key without its secret is useless); a client left without arguments loses
//!   its parentheses, an `Aws.config.update(…)` left empty goes whole;
//! - `ENV['AWS_…'] = …`, `ENV.store('AWS_…', …)` and `Aws.config[:credentials] = …` statements;
//! - an env lookup with a literal fallback (`ENV.fetch('AWS_ACCESS_KEY_ID', 'AKIA…')`,
//!   `ENV['AWS_…'] || 'AKIA…'`) goes with the setting it feeds: the SDK reads the environment
//!   itself;
//! - a variable or constant holding the key (or a hash of keys), when every read of it only
//!   passes the credential on (def-use within the file); a read that feeds anything else keeps the
//!   binding and makes the spot manual;
//! - a comment line holding the key.
//!
//! `Aws::Credentials.new(…)`, `.freeze` and parentheses are seen through. Code that carries no
//! credential is never touched.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::parse::{ancestor_or_self, named_children};
use crate::syntax::{fold, nodes, parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// The aws-sdk-ruby rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ruby;

/// Keyword arguments and hash keys that carry credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "access_key_id",
    "secret_access_key",
    "session_token",
    "credentials",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Deepest chain of bindings followed.
const MAX_DEPTH: usize = 12;

/// The advice for every Ruby spot left to a human.
const ADVICE: &str = "delete the credential by hand, attach an IAM role where the code runs, and let the SDK's default credential chain pick it up";

impl Rewriter for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        Language::detect(path, text) == Some(Language::Ruby)
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let parsed = match parse(Language::Ruby, file.text) {
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
        if ancestor_or_self(leaf, &["heredoc_body"]).is_some() {
            return Err("the key sits in a heredoc; edit the text by hand".into());
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
        // The outermost node with exactly this range.
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
            "parenthesized_statements" => self.vanish(spot, parent, depth),
            "pair" if parent.child_by_field_name("value") == Some(expr) => {
                self.credential_entry(spot, parent, depth)
            }
            "argument_list" => self.argument(spot, parent, expr, depth),
            "hash_splat_argument" | "splat_argument" => {
                let list = parent.parent().filter(|l| l.kind() == "argument_list");
                match list {
                    Some(list) => self.remove_entries(spot, list, &[parent], depth),
                    None => Err("the credentials are splatted where rolecall cannot follow".into()),
                }
            }
            "call" if parent.child_by_field_name("receiver") == Some(expr) => {
                let method = parent
                    .child_by_field_name("method")
                    .map(|m| self.text(m))
                    .unwrap_or("");
                if matches!(method, "freeze" | "dup" | "to_h" | "to_s") {
                    self.vanish(spot, parent, depth)
                } else {
                    Err(format!(
                        "the credential's `.{method}` is called on line {}",
                        self.line(parent)
                    ))
                }
            }
            "binary" if parent.child_by_field_name("right") == Some(expr) => {
                let left = parent.child_by_field_name("left");
                if operator(parent) == Some("||") && left.is_some_and(|l| self.env_lookup(l)) {
                    self.vanish(spot, parent, depth)
                } else {
                    Err("the key is part of an expression rolecall cannot follow".into())
                }
            }
            "assignment" if parent.child_by_field_name("right") == Some(expr) => {
                self.assignment(spot, parent, depth)
            }
            "operator_assignment" => {
                Err("the key is a fallback assignment (`||=`); remove it by hand".into())
            }
            kind => Err(format!(
                "the key is used in a `{kind}` on line {}; rolecall cannot tell it only passes the credential on",
                self.line(parent)
            )),
        }
    }

    /// `pair` carries the credential as its value: the credential entries of its list go.
    fn credential_entry(&self, spot: &mut SpotEdits, pair: Node<'_>, depth: usize) -> Plan {
        let name = self.pair_key(pair);
        if !CREDENTIAL_KEYS.contains(&name.as_str()) {
            return Err(format!(
                "the key is the value of `{name}` (line {}), which is not a credential setting",
                self.line(pair)
            ));
        }
        let Some(list) = pair.parent() else {
            return Err("the credential entry is not in a list".into());
        };
        let creds: Vec<Node<'_>> = named_children(list)
            .into_iter()
            .filter(|n| n.kind() == "pair" && CREDENTIAL_KEYS.contains(&self.pair_key(*n).as_str()))
            .collect();
        self.remove_entries(spot, list, &creds, depth)
    }

    /// Removes `entries` from `list` (an argument list or a hash); a list left empty is handled
    /// by what holds it.
    fn remove_entries(
        &self,
        spot: &mut SpotEdits,
        list: Node<'_>,
        entries: &[Node<'_>],
        depth: usize,
    ) -> Plan {
        let others = named_children(list)
            .into_iter()
            .filter(|n| !entries.contains(n) && n.kind() != "comment")
            .count();
        if others > 0 {
            let shape = ListShape::of(list);
            for entry in entries {
                let Some(index) = shape.index_of(&entry.byte_range()) else {
                    return Err("the credential entry is not an item of its list".into());
                };
                spot.remove_item(&shape, index, "the credential setting");
            }
            return Ok(());
        }
        match list.kind() {
            "argument_list" => self.empty_arguments(spot, list, depth),
            "hash" => {
                // A hash of nothing but credentials: it goes where it is used.
                self.vanish(spot, list, depth)
            }
            kind => Err(format!(
                "the credentials are in a `{kind}` rolecall cannot empty"
            )),
        }
    }

    /// Every argument of the call owning `list` is a credential.
    fn empty_arguments(&self, spot: &mut SpotEdits, list: Node<'_>, depth: usize) -> Plan {
        let Some(call) = list.parent().filter(|c| c.kind() == "call") else {
            return Err("the credentials are the arguments of something that is not a call".into());
        };
        let callee = self.callee(call);
        if callee.ends_with("config.update") {
            return self.statement(
                spot,
                call,
                "the configuration update that held only credentials",
            );
        }
        if callee.ends_with("Credentials.new") {
            return self.vanish(spot, call, depth);
        }
        let method_end = call
            .child_by_field_name("method")
            .map(|m| m.end_byte())
            .unwrap_or(list.start_byte());
        spot.delete(method_end..list.end_byte(), "the credential arguments");
        Ok(())
    }

    /// `expr` is an argument of the call owning `list`.
    fn argument(&self, spot: &mut SpotEdits, list: Node<'_>, expr: Node<'_>, depth: usize) -> Plan {
        let Some(call) = list.parent().filter(|c| c.kind() == "call") else {
            return Err("the key is an argument of something rolecall cannot read".into());
        };
        let callee = self.callee(call);
        if callee.ends_with("Credentials.new") {
            return self.vanish(spot, call, depth);
        }
        if callee.ends_with("config.update") && named_children(list).len() == 1 {
            return self.statement(
                spot,
                call,
                "the configuration update that held only credentials",
            );
        }
        if callee.ends_with("ENV.fetch") {
            let args = named_children(list);
            if args.len() == 2 && args[1] == expr && self.aws_env_name(args[0]) {
                return self.vanish(spot, call, depth);
            }
        }
        if callee.ends_with("ENV.store") {
            let args = named_children(list);
            if args.len() == 2 && self.aws_env_name(args[0]) {
                return self.statement(spot, call, "the AWS environment variable set in code");
            }
        }
        Err(format!(
            "the key is passed to `{callee}` on line {}, which is not an AWS credential setting",
            self.line(call)
        ))
    }

    /// `assignment` gives the credential a place: an env/config setting or a binding.
    fn assignment(&self, spot: &mut SpotEdits, assignment: Node<'_>, depth: usize) -> Plan {
        let Some(left) = assignment.child_by_field_name("left") else {
            return Err("the assignment has no target".into());
        };
        match left.kind() {
            "element_reference" => {
                let object = left
                    .child_by_field_name("object")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let object = object.trim_start_matches("::");
                if object == "ENV" || object == "Aws.config" {
                    self.statement(spot, assignment, "the credential setting")
                } else {
                    Err(format!("the key is stored in `{}`", self.text(left)))
                }
            }
            "identifier" | "constant" | "instance_variable" | "class_variable"
            | "global_variable" => self.binding(spot, assignment, left, depth),
            _ => Err(format!("the key is assigned to `{}`", self.text(left))),
        }
    }

    /// The binding `name = <credential>` goes, with the reads that only pass it on.
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
            if n.kind() != name.kind() || self.text(n) != ident || n == name {
                continue;
            }
            let is_write = n.parent().is_some_and(|p| {
                matches!(p.kind(), "assignment" | "operator_assignment")
                    && p.child_by_field_name("left") == Some(n)
            });
            if is_write {
                writes += 1;
            } else {
                reads.push(n);
            }
        }
        self.statement(spot, assignment, "the binding that held the credential")?;
        if writes > 0 {
            // Other writes keep the name alive with their value; only this one goes.
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

    /// Removes the statement that is or holds `node`, with its lines.
    fn statement(&self, spot: &mut SpotEdits, node: Node<'_>, why: &str) -> Plan {
        let mut stmt = node;
        while let Some(p) = stmt.parent() {
            if is_block(p.kind()) {
                break;
            }
            if p.kind() == "assignment" && p.child_by_field_name("right") == Some(stmt) {
                return Err(format!(
                    "the result of `{}` is assigned on line {}",
                    self.text(node).lines().next().unwrap_or(""),
                    self.line(p)
                ));
            }
            stmt = p;
        }
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

    /// The key of a `pair` without its sigils and quotes (`access_key_id:`, `:credentials =>`).
    fn pair_key(&self, pair: Node<'_>) -> String {
        let key = pair
            .child_by_field_name("key")
            .map(|k| self.text(k))
            .unwrap_or("");
        key.trim_start_matches(':')
            .trim_end_matches(':')
            .trim_matches(|c| c == '\'' || c == '"')
            .to_string()
    }

    /// The callee of a call: its receiver and method (`Aws::S3::Client.new`).
    fn callee(&self, call: Node<'_>) -> String {
        let method = call
            .child_by_field_name("method")
            .map(|m| self.text(m))
            .unwrap_or("");
        match call.child_by_field_name("receiver") {
            Some(r) => format!("{}.{method}", self.text(r).trim_start_matches("::")),
            None => method.to_string(),
        }
    }

    /// Whether `node` is a string literal naming an AWS credential environment variable.
    fn aws_env_name(&self, node: Node<'_>) -> bool {
        let name = self.text(node).trim_matches(|c| c == '\'' || c == '"');
        node.kind() == "string" && name.starts_with("AWS_") && CREDENTIAL_KEYS.contains(&name)
    }

    /// Whether `node` reads an AWS credential environment variable (`ENV['AWS_…']`,
    /// `ENV.fetch('AWS_…')`).
    fn env_lookup(&self, node: Node<'_>) -> bool {
        match node.kind() {
            "element_reference" => {
                let object = node.child_by_field_name("object").map(|o| self.text(o));
                object.is_some_and(|o| o.trim_start_matches("::") == "ENV")
                    && named_children(node)
                        .get(1)
                        .is_some_and(|n| self.aws_env_name(*n))
            }
            "call" => {
                self.callee(node).ends_with("ENV.fetch")
                    && node
                        .child_by_field_name("arguments")
                        .and_then(|a| named_children(a).first().copied())
                        .is_some_and(|n| self.aws_env_name(n))
            }
            _ => false,
        }
    }
}

/// Whether a node kind holds statements.
fn is_block(kind: &str) -> bool {
    matches!(
        kind,
        "program"
            | "body_statement"
            | "then"
            | "else"
            | "do"
            | "begin_block"
            | "end_block"
            | "block_body"
            | "ensure"
            | "rescue"
    )
}

/// The operator of a binary node.
fn operator<'t>(node: Node<'t>) -> Option<&'static str> {
    node.child_by_field_name("operator").map(|o| o.kind())
}

#[cfg(test)]
mod tests;
