//! The Python rewriter (boto3 / botocore), on the tree-sitter Python grammar.
//!
//! Each key the detector found is traced outward through the tree until it reaches something
//! that can go whole:
//! - a credential keyword argument or dict entry (`aws_access_key_id=…`, `"aws_secret_access_key":
//!   …`): every credential entry of that call or dict goes (a key without its secret is useless);
//!   a dict left empty goes too (`**{…}`, `client_kwargs.update({…})`, `CREDS = {}` and its
//!   `**CREDS` uses);
//! - `os.environ[…] = …`, `os.environ.setdefault(…)`, `os.putenv(…)` statements;
//! - an env lookup's literal fallback (`os.getenv("AWS_ACCESS_KEY_ID", "AKIA…")`): the fallback
//!   goes, the lookup stays;
//! - a variable, constant, field or entry holding the key, when every use of it only passes the
//!   credential on (def-use, [`crate::syntax::defuse`]); a use that feeds anything else (a bucket
//!   name built from the key ID) keeps the binding and makes the spot manual; a fallback
//!   assignment (`if not key: key = "AKIA…"`) goes alone, the other value stays;
//! - a comment or docstring line holding the key.
//!
//! Credential constructors (`Credentials(…)`) and `str(…)` are seen through. A statement that was
//! the only one of an `if` without `else` takes the `if` (when its condition has no side effects);
//! one that was the only one of any other block makes the spot manual. Code that carries no
//! credential is never touched.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::nodes;
use crate::syntax::{defuse, fold, parse, strings, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// The boto3/botocore rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Python;

/// Keyword arguments and dict keys that carry credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// Deepest chain of bindings followed.
const MAX_DEPTH: usize = 16;

/// The advice for every Python spot left to a human.
const ADVICE: &str = "delete the credential by hand, attach an IAM role where the code runs, and let the SDK's default credential chain pick it up";

impl Rewriter for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        Language::detect(path, text) == Some(Language::Python)
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let keys: Vec<Range<usize>> = file.matches.iter().map(|m| m.span.clone()).collect();
        let plan = plan(file.text, &keys, file.path);
        let mut edits = EditSet::new(file.text);
        for spot in plan.spots {
            edits.add(spot);
        }
        let manual = plan
            .manual
            .into_iter()
            .map(|(key, reason)| ManualFix {
                line: parse::line_of(file.text, key.start),
                reason,
                advice: ADVICE.into(),
            })
            .collect();
        Outcome::Edits {
            edits,
            notes: plan.notes,
            manual,
        }
    }
}

/// The edits that remove the keys of a Python text, the keys left to a human, and notes.
#[derive(Debug, Default)]
pub(crate) struct PythonPlan {
    /// One plan per key that can go.
    pub spots: Vec<SpotEdits>,
    /// Keys that stay, with the reason.
    pub manual: Vec<(Range<usize>, String)>,
    /// Notes for the user.
    pub notes: Vec<String>,
}

/// Plans the removal of the keys at `keys` (byte ranges) from Python `text`.
pub(crate) fn plan(text: &str, keys: &[Range<usize>], path: &str) -> PythonPlan {
    let mut out = PythonPlan::default();
    let parsed = match parse(Language::Python, text) {
        Ok(p) => p,
        Err(e) => {
            out.manual = keys.iter().map(|k| (k.clone(), e.to_string())).collect();
            return out;
        }
    };
    let mut planner = Planner {
        parsed: &parsed,
        path,
        removed: Vec::new(),
    };
    for key in keys {
        if out.spots.iter().any(|s| s.covers(key)) {
            continue;
        }
        let mut spot = Spot {
            edits: SpotEdits::new(key.clone()),
            statements: Vec::new(),
            notes: Vec::new(),
        };
        match planner.place(&mut spot, key) {
            Ok(()) => {
                planner.removed.extend(spot.statements);
                for n in spot.notes {
                    if !out.notes.contains(&n) {
                        out.notes.push(n);
                    }
                }
                out.spots.push(spot.edits);
            }
            Err(reason) => out.manual.push((key.clone(), reason)),
        }
    }
    if !out.spots.is_empty() {
        out.notes.push(
            "the code now uses the SDK's default credential chain: attach an IAM role where it runs \
             (instance profile, ECS task role, Lambda execution role, IRSA/Pod Identity) and rotate the removed key"
                .into(),
        );
    }
    out
}

/// One key's plan while it is being built.
#[derive(Debug, Clone)]
struct Spot {
    edits: SpotEdits,
    /// Statements this spot removes (to see blocks emptied by several spots).
    statements: Vec<Range<usize>>,
    notes: Vec<String>,
}

struct Planner<'p, 's> {
    parsed: &'p Parsed<'s>,
    path: &'p str,
    /// Statements removed by the spots planned so far.
    removed: Vec<Range<usize>>,
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
    fn place(&self, spot: &mut Spot, key: &Range<usize>) -> Plan {
        let root = self.parsed.root();
        let Some(leaf) = root.descendant_for_byte_range(key.start, key.end) else {
            return Err("the key is not inside code rolecall can read".into());
        };
        if let Some(comment) = ancestor_or_self(leaf, "comment") {
            let range = nodes::comment_removal(self.parsed, comment, key.start)?;
            spot.edits.delete(range, "the comment holding the key");
            return Ok(());
        }
        let Some(folded) = fold::fold_at(self.parsed, key.start) else {
            return Err(
                "the key is not in a string rolecall can read (it is built at run time)".into(),
            );
        };
        let expr = self.node_spanning(folded.range.clone(), leaf)?;
        let parent = unparen(expr).1;
        if parent.is_some_and(|p| p.kind() == "expression_statement") {
            let range = nodes::string_line_removal(self.parsed, expr, key.start)?;
            spot.edits
                .delete(range, "the docstring line holding the key");
            return Ok(());
        }
        self.vanish(spot, expr, 0)
    }

    /// The node whose range is exactly `range`, above `leaf`.
    fn node_spanning(&self, range: Range<usize>, leaf: Node<'p>) -> Result<Node<'p>, String> {
        let mut at = leaf;
        loop {
            if at.byte_range() == range {
                return Ok(at);
            }
            match at.parent() {
                Some(p) if range.start <= p.start_byte() && p.end_byte() <= range.end => at = p,
                _ => return Err("the key sits in code rolecall cannot read".into()),
            }
        }
    }

    /// Plans the removal of expression `expr`, which will no longer exist.
    fn vanish(&self, spot: &mut Spot, expr: Node<'p>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the credential flows through too many steps".into());
        }
        let (expr, parent) = unparen(expr);
        let Some(parent) = parent else {
            return Err("the key is not passed to an AWS SDK setting rolecall knows".into());
        };
        match parent.kind() {
            "keyword_argument" => self.vanish_keyword(spot, parent, depth),
            "pair" => self.vanish_pair(spot, parent, depth),
            "dictionary_splat" => self.remove_argument(spot, parent),
            "argument_list" => self.vanish_argument(spot, expr, parent, depth),
            "assignment" if is_field(parent, "right", expr) => {
                self.vanish_assigned(spot, expr, parent, depth)
            }
            "list" | "tuple" | "set" => Err("the key sits in a list rolecall cannot trace".into()),
            "return_statement" => Err(
                "the key is returned from a function; rolecall cannot follow it to its callers"
                    .into(),
            ),
            "comparison_operator" => {
                Err("the key is compared in a condition; edit the condition by hand".into())
            }
            _ => Err("the key is not passed to an AWS SDK setting rolecall knows".into()),
        }
    }

    /// `name=<expr>` in a call.
    fn vanish_keyword(&self, spot: &mut Spot, kwarg: Node<'p>, depth: usize) -> Plan {
        let name = kwarg
            .child_by_field_name("name")
            .map_or("", |n| self.text(n));
        let args = kwarg.parent().ok_or("a keyword argument outside a call")?;
        if CREDENTIAL_KEYS.contains(&name) {
            self.remove_credential_items(spot, args);
            return Ok(());
        }
        match nodes::call_of_args(Language::Python, args) {
            Some(call) if is_transparent(&nodes::dotted(self.parsed, call.callee)) => {
                self.vanish(spot, call.node, depth + 1)
            }
            _ => Err(format!(
                "the key is the value of `{name}`, which is not an AWS credential setting"
            )),
        }
    }

    /// `"key": <expr>` in a dict.
    fn vanish_pair(&self, spot: &mut Spot, pair: Node<'p>, depth: usize) -> Plan {
        let key = pair
            .child_by_field_name("key")
            .map(|k| nodes::key_text(self.parsed, k))
            .unwrap_or_default();
        if !CREDENTIAL_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "the key is the value of `{key}`, which is not an AWS credential setting"
            ));
        }
        let dict = pair.parent().ok_or("a pair outside a dict")?;
        let all_gone = self.remove_credential_items(spot, dict);
        if all_gone {
            self.vanish_emptied(spot, dict, depth)?;
        }
        Ok(())
    }

    /// A dict that lost all its entries: it goes where it only carried credentials.
    fn vanish_emptied(&self, spot: &mut Spot, dict: Node<'p>, depth: usize) -> Plan {
        let (dict, parent) = unparen(dict);
        let Some(parent) = parent else { return Ok(()) };
        match parent.kind() {
            "dictionary_splat" => self.remove_argument(spot, parent),
            "argument_list" => {
                let call = nodes::call_of_args(Language::Python, parent);
                let callee = call
                    .map(|c| nodes::dotted(self.parsed, c.callee))
                    .unwrap_or_default();
                let only = nodes::arguments(Language::Python, parent).len() == 1;
                if only && (callee.ends_with(".update") || is_credential_statement(&callee)) {
                    let call = call.ok_or("no call")?;
                    return self.remove_call_statement(spot, call.node, &callee);
                }
                Ok(())
            }
            "assignment" if is_field(parent, "right", dict) => {
                self.vanish_assigned(spot, dict, parent, depth + 1)
            }
            _ => Ok(()),
        }
    }

    /// A positional argument: an env lookup's fallback, a credential statement's value, or a
    /// transparent wrapper's argument.
    fn vanish_argument(
        &self,
        spot: &mut Spot,
        expr: Node<'p>,
        args: Node<'p>,
        depth: usize,
    ) -> Plan {
        let Some(call) = nodes::call_of_args(Language::Python, args) else {
            return Err("the key sits in code rolecall cannot read".into());
        };
        let callee = nodes::dotted(self.parsed, call.callee);
        let list = nodes::arguments(Language::Python, args);
        let position = list
            .iter()
            .find(|a| a.node == expr)
            .and_then(|a| a.position);
        if is_env_lookup(&callee) && position == Some(1) {
            self.value_only_passes_on(call.node, depth)
                .map_err(|why| format!("the fallback of `{callee}` cannot go: {why}"))?;
            let shape = ListShape::of(args);
            let index = shape
                .index_of(&expr.byte_range())
                .ok_or("no such argument")?;
            spot.edits
                .remove_item(&shape, index, "the env lookup's literal fallback");
            return Ok(());
        }
        if is_credential_statement(&callee) {
            return self.remove_call_statement(spot, call.node, &callee);
        }
        if is_transparent(&callee) {
            return self.vanish(spot, call.node, depth + 1);
        }
        Err(format!(
            "the key is passed to `{callee}`, which is not an AWS credential setting"
        ))
    }

    /// `<target> = <expr>`.
    fn vanish_assigned(
        &self,
        spot: &mut Spot,
        expr: Node<'p>,
        assignment: Node<'p>,
        depth: usize,
    ) -> Plan {
        let left = assignment.child_by_field_name("left").ok_or("no target")?;
        let statement = assignment
            .parent()
            .filter(|s| s.kind() == "expression_statement")
            .ok_or("the key is assigned inside an expression rolecall cannot trace")?;
        if self.is_settings_target(left) {
            return self.remove_statement(spot, statement).map(|_| ());
        }
        let Some(binding) = defuse::binding_of(self.parsed, expr) else {
            return Err(format!(
                "the key is assigned to `{}`, which rolecall cannot trace",
                self.text(left)
            ));
        };
        self.vanish_binding(spot, &binding, depth)
    }

    /// Removes a binding that holds the key, and the uses that only pass it on.
    fn vanish_binding(&self, spot: &mut Spot, binding: &defuse::Binding<'p>, depth: usize) -> Plan {
        let name = binding.name(self.parsed).to_string();
        let uses = defuse::uses(self.parsed, binding);
        let removed = self.remove_statement(spot, binding.statement)?;
        let reads: Vec<Node<'p>> = uses
            .reads
            .iter()
            .copied()
            .filter(|r| !removed.iter().any(|g| g.contains(&r.start_byte())))
            .collect();
        let mut reasons = Vec::new();
        let split = defuse::classify(&reads, |read| {
            let mut trial = spot.clone();
            match self.vanish(&mut trial, read, depth + 1) {
                Ok(()) => true,
                Err(why) => {
                    reasons.push(why);
                    false
                }
            }
        });
        if let Some(feed) = split.feeds.first() {
            return Err(format!(
                "`{name}` holds the key and also feeds other code (line {}): {}; the binding stays",
                self.line(*feed),
                reasons.first().map_or("", |r| r.as_str())
            ));
        }
        let other_values = uses
            .writes
            .iter()
            .any(|w| !removed.iter().any(|g| g.contains(&w.start_byte())));
        if other_values {
            // A fallback assignment: the other value stays, and so do the reads.
            return Ok(());
        }
        if reads.is_empty() {
            spot.notes.push(format!(
                "removed `{name}` from {}; if other modules import it (`from … import {name}`), remove those uses too",
                self.path
            ));
        }
        for read in reads {
            self.vanish(spot, read, depth + 1)?;
        }
        Ok(())
    }

    /// Whether the value of `node` (an env lookup whose fallback goes) only reaches credential
    /// settings, so that losing the fallback changes nothing else.
    fn value_only_passes_on(&self, node: Node<'p>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the value flows through too many steps".into());
        }
        let (node, parent) = unparen(node);
        let Some(parent) = parent else {
            return Err("its value is not used as a credential".into());
        };
        match parent.kind() {
            "keyword_argument" | "pair" => {
                let key = parent
                    .child_by_field_name(if parent.kind() == "pair" {
                        "key"
                    } else {
                        "name"
                    })
                    .map(|k| nodes::key_text(self.parsed, k))
                    .unwrap_or_default();
                if CREDENTIAL_KEYS.contains(&key.as_str()) {
                    Ok(())
                } else {
                    Err(format!("its value is passed as `{key}`"))
                }
            }
            "argument_list" => match nodes::call_of_args(Language::Python, parent) {
                Some(call) if is_transparent(&nodes::dotted(self.parsed, call.callee)) => {
                    self.value_only_passes_on(call.node, depth + 1)
                }
                Some(call) => Err(format!(
                    "its value is passed to `{}`",
                    nodes::dotted(self.parsed, call.callee)
                )),
                None => Err("its value is used in code rolecall cannot read".into()),
            },
            "assignment" if is_field(parent, "right", node) => {
                let left = parent.child_by_field_name("left").ok_or("no target")?;
                if self.is_settings_target(left) {
                    return Ok(());
                }
                let binding = defuse::binding_of(self.parsed, node)
                    .ok_or_else(|| format!("its value is assigned to `{}`", self.text(left)))?;
                let name = binding.name(self.parsed).to_string();
                for read in defuse::uses(self.parsed, &binding).reads {
                    self.value_only_passes_on(read, depth + 1).map_err(|why| {
                        format!(
                            "`{name}` also feeds other code (line {}): {why}",
                            self.line(read)
                        )
                    })?;
                }
                Ok(())
            }
            "not_operator" | "boolean_operator" | "comparison_operator" | "if_statement" => {
                Err("its value decides a condition".into())
            }
            _ => Err("its value is used by other code".into()),
        }
    }

    /// Removes every credential entry (keyword argument or dict pair) of `list`; whether the
    /// list is left empty.
    fn remove_credential_items(&self, spot: &mut Spot, list: Node<'p>) -> bool {
        let shape = ListShape::of(list);
        let mut removed = 0;
        let mut cursor = list.walk();
        let items: Vec<Node<'p>> = list
            .named_children(&mut cursor)
            .filter(|c| !c.kind().contains("comment"))
            .collect();
        for item in &items {
            let key = match item.kind() {
                "keyword_argument" => item
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string()),
                "pair" => item
                    .child_by_field_name("key")
                    .map(|k| nodes::key_text(self.parsed, k)),
                _ => None,
            };
            if key.is_some_and(|k| CREDENTIAL_KEYS.contains(&k.as_str())) {
                if let Some(index) = shape.index_of(&item.byte_range()) {
                    spot.edits
                        .remove_item(&shape, index, "the credential entries");
                    removed += 1;
                }
            }
        }
        removed == items.len()
    }

    /// Removes one argument (a `**dict` that only carried credentials) from its call.
    fn remove_argument(&self, spot: &mut Spot, arg: Node<'p>) -> Plan {
        let args = arg.parent().ok_or("an argument outside a call")?;
        let shape = ListShape::of(args);
        let index = shape
            .index_of(&arg.byte_range())
            .ok_or("no such argument")?;
        spot.edits.remove_item(
            &shape,
            index,
            "the `**` argument that only carried credentials",
        );
        Ok(())
    }

    /// Removes the statement made of call `call` (it only sets credentials).
    fn remove_call_statement(&self, spot: &mut Spot, call: Node<'p>, callee: &str) -> Plan {
        let statement = call
            .parent()
            .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)
            .ok_or_else(|| {
                format!("the result of `{callee}` is used; rolecall cannot remove the call")
            })?;
        self.remove_statement(spot, statement).map(|_| ())
    }

    /// Removes a statement (with its lines); a statement left alone in an `if` without `else`
    /// takes the `if`. Returns the ranges removed.
    fn remove_statement(
        &self,
        spot: &mut Spot,
        statement: Node<'p>,
    ) -> Result<Vec<Range<usize>>, String> {
        let lines = nodes::statement_lines(self.parsed, statement)
            .ok_or("the statement shares its line with other code; edit it by hand")?;
        let block = statement.parent().ok_or("a statement outside a block")?;
        if block.kind() == "block" {
            let gone = |s: &Node<'_>| {
                *s == statement
                    || self
                        .removed
                        .iter()
                        .chain(&spot.statements)
                        .any(|r| r.contains(&s.start_byte()))
            };
            if nodes::block_statements(block).iter().all(gone) {
                return self.remove_emptied_block(spot, block);
            }
        }
        spot.edits.delete(lines, "the statement that held the key");
        spot.statements.push(statement.byte_range());
        Ok(vec![statement.byte_range()])
    }

    /// A block whose statements all go: an `if` without other branches and with a condition
    /// without side effects goes whole; anything else is manual.
    fn remove_emptied_block(
        &self,
        spot: &mut Spot,
        block: Node<'p>,
    ) -> Result<Vec<Range<usize>>, String> {
        let owner = block.parent().ok_or("a block outside a statement")?;
        let lone_if = owner.kind() == "if_statement"
            && owner.child_by_field_name("alternative").is_none()
            && owner
                .child_by_field_name("condition")
                .is_some_and(|c| self.is_pure(c));
        if !lone_if {
            return Err("removing the credential would leave a Python block empty".into());
        }
        self.remove_statement(spot, owner)
    }

    /// Whether an expression has no side effects worth keeping (names, literals, comparisons,
    /// env lookups).
    fn is_pure(&self, node: Node<'_>) -> bool {
        crate::syntax::parse::descendants(node).all(|n| match n.kind() {
            "call" => n.child_by_field_name("function").is_some_and(|f| {
                let callee = nodes::dotted(self.parsed, f);
                is_env_lookup(&callee)
                    || matches!(
                        callee.as_str(),
                        "len" | "getattr" | "hasattr" | "isinstance" | "bool" | "str"
                    )
            }),
            "named_expression" | "await" | "yield" => false,
            _ => true,
        })
    }

    /// `os.environ[…]`, `environ[…]`, or any subscript keyed by a credential name.
    fn is_settings_target(&self, left: Node<'_>) -> bool {
        if left.kind() != "subscript" {
            return false;
        }
        let value = left
            .child_by_field_name("value")
            .map(|v| nodes::dotted(self.parsed, v))
            .unwrap_or_default();
        let key = left
            .child_by_field_name("subscript")
            .and_then(|k| strings::string_literal(self.parsed, k))
            .and_then(|s| s.value)
            .unwrap_or_default();
        value.ends_with("environ") || CREDENTIAL_KEYS.contains(&key.as_str())
    }
}

/// `node` without the parentheses around it, and the parent of the outermost parenthesis.
fn unparen(node: Node<'_>) -> (Node<'_>, Option<Node<'_>>) {
    let mut at = node;
    while let Some(p) = at
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        at = p;
    }
    (at, at.parent())
}

fn ancestor_or_self<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut at = Some(node);
    while let Some(n) = at {
        if n.kind() == kind {
            return Some(n);
        }
        at = n.parent();
    }
    None
}

fn is_field(parent: Node<'_>, field: &str, child: Node<'_>) -> bool {
    parent
        .child_by_field_name(field)
        .is_some_and(|c| c == child)
}

/// `os.getenv`, `os.environ.get`, `environ.get`, `getenv`.
fn is_env_lookup(callee: &str) -> bool {
    callee == "getenv" || callee.ends_with(".getenv") || callee.ends_with("environ.get")
}

/// Callees whose result is the credential itself.
fn is_transparent(callee: &str) -> bool {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    callee == "str"
        || matches!(
            last,
            "Credentials" | "ReadOnlyCredentials" | "RefreshableCredentials"
        )
}

/// Callees whose call statement only sets credentials.
fn is_credential_statement(callee: &str) -> bool {
    [
        "set_credentials",
        "environ.setdefault",
        "putenv",
        "environ.update",
    ]
    .iter()
    .any(|c| callee.ends_with(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;
    use crate::fake::FakeKeys;
    use proptest::prelude::*;

    /// Runs the whole fix (framework included) on a template; returns (original, new text,
    /// manual reasons).
    fn fixed(template: &str) -> (String, Option<String>, Vec<String>) {
        let text = FakeKeys::new(3).expand(template);
        let fix = crate::fix::fix_text(&Detector::builtin(), "app.py", &text);
        let reasons = fix.manual.iter().map(|m| m.reason.clone()).collect();
        (text, fix.new, reasons)
    }

    #[test]
    fn handles_python_files_by_extension_or_shebang() {
        assert!(Python.handles("a/b.py", ""));
        assert!(Python.handles("bin/tool", "#!/usr/bin/env python3\n"));
        assert!(!Python.handles("a/b.rb", ""));
        assert!(!Python.handles("a/b.ipynb", "{}"));
    }

    #[test]
    fn kwargs_and_their_constants_go_together() {
        let (_, new, manual) = fixed("import boto3\nKEY = \"{AKIA}\"\nSECRET = \"{SECRET}\"\ns3 = boto3.client(\"s3\", aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name=\"x\")\n");
        assert!(manual.is_empty(), "{manual:?}");
        assert_eq!(
            new.unwrap(),
            "import boto3\ns3 = boto3.client(\"s3\", region_name=\"x\")\n"
        );
    }

    #[test]
    fn a_binding_that_feeds_other_code_stays_and_its_spot_is_manual() {
        let (text, new, manual) = fixed("KEY = \"{AKIA}\"\nSECRET = \"{SECRET}\"\nBUCKET = KEY.lower()\nc = boto3.client(aws_access_key_id=KEY, aws_secret_access_key=SECRET)\n");
        let new = new.unwrap();
        assert!(new.contains("BUCKET = KEY.lower()"));
        assert!(new.starts_with(&text[..text.find('\n').unwrap()]), "{new}");
        assert!(!new.contains("SECRET ="), "{new}");
        assert!(
            manual
                .iter()
                .any(|m| m.contains("`KEY` holds the key and also feeds other code (line 3)")),
            "{manual:?}"
        );
    }

    #[test]
    fn class_attributes_and_self_fields_go_with_their_uses() {
        let (_, new, manual) = fixed("import boto3\n\n\nclass Store:\n    BUCKET = \"b\"\n    KEY_ID = \"{AKIA}\"\n\n    def __init__(self):\n        self.secret = \"{SECRET}\"\n        self.s3 = boto3.client(\"s3\", aws_access_key_id=self.KEY_ID, aws_secret_access_key=self.secret)\n");
        assert!(manual.is_empty(), "{manual:?}");
        assert_eq!(
            new.unwrap(),
            "import boto3\n\n\nclass Store:\n    BUCKET = \"b\"\n\n    def __init__(self):\n        self.s3 = boto3.client(\"s3\")\n"
        );
    }

    #[test]
    fn an_emptied_lone_if_goes_and_an_emptied_function_is_manual() {
        let (_, new, manual) = fixed("import os\nif os.environ.get(\"CI\") is None:\n    os.environ[\"AWS_ACCESS_KEY_ID\"] = \"{AKIA}\"\n    os.environ[\"AWS_SECRET_ACCESS_KEY\"] = \"{SECRET}\"\nprint(1)\n");
        assert!(manual.is_empty(), "{manual:?}");
        assert_eq!(new.unwrap(), "import os\nprint(1)\n");
        let (_, new, manual) =
            fixed("def setup():\n    os.environ[\"AWS_ACCESS_KEY_ID\"] = \"{AKIA}\"\n");
        assert!(new.is_none());
        assert!(manual.iter().any(|m| m.contains("empty")), "{manual:?}");
    }

    #[test]
    fn assembled_keys_are_found_whole() {
        let text = FakeKeys::new(9).expand("import boto3\nc = boto3.client(\"s3\", aws_access_key_id=\"{AKIA}\", aws_secret_access_key=\"{SECRET}\")\n");
        let id_at = text.find("AKIA").unwrap();
        let mut split = text.clone();
        split.insert_str(id_at + 8, "\" \"");
        let key = id_at..id_at + 4;
        let plan = plan(&split, std::slice::from_ref(&key), "x.py");
        assert!(plan.manual.is_empty(), "{:?}", plan.manual);
        let mut set = EditSet::new(&split);
        set.add(plan.spots.into_iter().next().unwrap());
        assert_eq!(set.apply().text, "import boto3\nc = boto3.client(\"s3\")\n");
    }

    const NOISE: &[&str] = &[
        "print(\"step {N}\")",
        "value_{N} = compute({N}, flag=True)",
        "# note {N}",
        "bucket_{N} = s3.Bucket(\"data-{N}\")",
        "if ready_{N}: go({N})",
        "label_{N} = \"café ☕ 日本語 {N} 🚀\"  # naïve \u{202e}ok\u{202c} — e\u{301}",
    ];

    const SNIPPETS: &[&str] = &[
        "s3 = boto3.client(\"s3\", aws_access_key_id=\"{AKIA}\", aws_secret_access_key=\"{SECRET}\")\n",
        "ddb = boto3.resource(\n    \"dynamodb\",\n    aws_access_key_id=\"{AKIA}\",\n    aws_secret_access_key=\"{SECRET}\",\n    config=Config(retries={\"mode\": \"standard\"}),\n)\n",
        "# old key {AKIA}\n",
        "session = boto3.Session(\n    region_name=\"eu-west-1\",\n    aws_session_token=\"{TOKEN}\",\n)\n",
        "os.environ[\"AWS_ACCESS_KEY_ID\"] = \"{AKIA}\"\n",
        "sqs = boto3.client(\"sqs\", **{\"aws_access_key_id\": \"{AKIA}\", \"aws_secret_access_key\": \"{SECRET}\"})\n",
        "key = os.getenv(\"AWS_ACCESS_KEY_ID\", \"{AKIA}\")\nsns = boto3.client(\"sns\", aws_access_key_id=key)\n",
    ];

    const HEADER: &str = "import os\nimport boto3\nfrom botocore.config import Config\n";

    #[test]
    fn a_typical_mix_is_rewritten_with_noise_intact() {
        use crate::fix::script_edit::testkit::check_noise_survives;
        let picks: Vec<(bool, usize)> = (0..14).map(|n| (n % 2 == 0, n / 2)).collect();
        let result = check_noise_survives(&Python, "app.py", HEADER, NOISE, SNIPPETS, &picks, 7);
        assert!(result.is_ok(), "{result:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..24), seed in 0u64..1000) {
            use crate::fix::script_edit::testkit::check_noise_survives;
            let _ = check_noise_survives(&Python, "app.py", HEADER, NOISE, SNIPPETS, &picks, seed);
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>(), at in 0usize..64) {
            let end = text.len();
            let start = (at.min(end) ..=end).find(|&i| text.is_char_boundary(i)).unwrap_or(end);
            let key = start..end;
            let _ = plan(&text, std::slice::from_ref(&key), "x.py");
        }
    }
}
