//! JavaScript / TypeScript / TSX on the tree-sitter grammars: the AWS SDK v2
//! (`AWS.config.update({…})`, service constructor options, `new AWS.Credentials(…)`,
//! `AWS.config.credentials = …`) and v3 (`credentials:` in a client's config). Credentials are
//! removed so the SDK's default provider chain finds the role; region, endpoint and the rest stay.
//!
//! Each key is traced outward from its literal (folded: `"AKIA" + "…"` is one value):
//! - a credential property (`accessKeyId`, `secretAccessKey`, `sessionToken`, `credentials`):
//!   every credential property of that object goes; a pure credentials object is followed as a
//!   whole; an object left empty goes with its call (`config.update({})`) or argument (`new S3({})`);
//! - `new AWS.Credentials(…)` is followed as a whole;
//! - `process.env.X || "AKIA…"` (or `??`): only the literal fallback goes;
//! - a `const`/`let`/`var` binding: its statement goes when every read only passes the
//!   credential on (def-use within the file); a read that feeds anything else keeps the binding
//!   and makes the spot manual;
//! - a comment: only what holds the key.
//!
//! Code that runs in a browser (JSX/TSX components, `window`/`document` globals) has no role to
//! fall back on: those spots are manual with Cognito advice.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::parse::ancestor_or_self;
use crate::syntax::parse::descendants;
use crate::syntax::{fold, nodes, parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// Property names that carry credential material in SDK v2 and v3 configs.
const CREDENTIAL_KEYS: &[&str] = &[
    "accessKeyId",
    "secretAccessKey",
    "sessionToken",
    "expiration",
];

/// Deepest chain of bindings followed.
const MAX_DEPTH: usize = 12;

const ADVICE: &str = "delete the credential by hand, attach an IAM role where the code runs, and let the SDK's default credential chain pick it up";

/// The JavaScript/TypeScript rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct JavaScript;

impl Rewriter for JavaScript {
    fn name(&self) -> &'static str {
        "javascript"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        matches!(
            Language::detect(path, text),
            Some(Language::JavaScript | Language::TypeScript | Language::Tsx)
        )
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let Some(lang) = Language::detect(file.path, file.text) else {
            return Outcome::NotHandled;
        };
        let manual_all = |reason: &str, advice: &str| {
            Outcome::Manual(ManualFix::each(file.matches, reason, advice))
        };
        let parsed = match parse(lang, file.text) {
            Ok(p) => p,
            Err(e) => return manual_all(&e.to_string(), ADVICE),
        };
        if let Some(why) = browser_code(&parsed, file.path) {
            return manual_all(
                &format!("{why}: there is no IAM role to fall back on there"),
                "remove the keys and either get temporary credentials from a Cognito identity pool \
                 (fromCognitoIdentityPool) or have a backend hand out presigned URLs",
            );
        }
        let planner = Planner { parsed: &parsed };
        let mut edits = EditSet::new(file.text);
        let mut planned: Vec<SpotEdits> = Vec::new();
        let mut manual = Vec::new();
        for m in file.matches {
            if planned.iter().any(|s| s.covers(&m.span)) {
                continue;
            }
            let mut spot = SpotEdits::new(m.span.clone());
            match planner.place(&mut spot, &m.span) {
                Ok(()) => planned.push(spot),
                Err(reason) => manual.push(ManualFix {
                    line: m.line,
                    reason,
                    advice: ADVICE.into(),
                }),
            }
        }
        let mut notes = Vec::new();
        if !planned.is_empty() {
            notes.push(
                "the client now uses the SDK's default credential provider chain: attach an IAM role where it runs \
                 (instance profile, ECS task role, Lambda execution role, IRSA/Pod Identity) and rotate the removed key"
                    .into(),
            );
        }
        for spot in planned {
            edits.add(spot);
        }
        Outcome::Edits {
            edits,
            notes,
            manual,
        }
    }
}

/// Why a file looks like code that runs in a browser (where no instance role exists).
fn browser_code(parsed: &Parsed<'_>, path: &str) -> Option<&'static str> {
    if path.ends_with(".jsx") || path.ends_with(".tsx") {
        return Some("a React component runs in the browser");
    }
    descendants(parsed.root())
        .any(|n| {
            n.kind() == "member_expression"
                && n.child_by_field_name("object").is_some_and(|o| {
                    o.kind() == "identifier"
                        && matches!(parsed.text_of(o), "window" | "document" | "localStorage")
                })
        })
        .then_some("the file uses browser globals (window/document)")
}

type Plan = Result<(), String>;

struct Planner<'p, 's> {
    parsed: &'p Parsed<'s>,
}

impl<'p> Planner<'p, '_> {
    fn text(&self, node: Node<'_>) -> &str {
        self.parsed.text_of(node)
    }

    fn lang(&self) -> Language {
        self.parsed.language()
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
        let Some(folded) = fold::fold_at(self.parsed, key.start) else {
            return Err(
                "the key is not in a string rolecall can read (it is built at run time)".into(),
            );
        };
        let expr = node_spanning(folded.range.clone(), leaf)
            .ok_or("the key sits in code rolecall cannot read")?;
        // `process.env.X || "AKIA…"`: only the fallback goes.
        let (outer, parent) = unwrap(expr);
        if let Some(p) = parent.filter(|p| is_fallback(self, *p, outer)) {
            let left = p.child_by_field_name("left").ok_or("unreadable fallback")?;
            spot.delete(
                left.end_byte()..outer.end_byte(),
                "the literal fallback of the env lookup",
            );
            return Ok(());
        }
        self.vanish(spot, expr, 0)
    }

    /// Plans the removal of expression `expr`, which will no longer exist.
    fn vanish(&self, spot: &mut SpotEdits, expr: Node<'p>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the credential flows through too many steps".into());
        }
        let (expr, parent) = unwrap(expr);
        let Some(parent) = parent else {
            return Err("the key is not passed to an AWS SDK setting rolecall knows".into());
        };
        match parent.kind() {
            "pair" if parent.child_by_field_name("value") == Some(expr) => {
                let key = parent
                    .child_by_field_name("key")
                    .ok_or("unreadable property")?;
                let name = nodes::key_text(self.parsed, key);
                self.vanish_property(spot, parent, &name, depth)
            }
            "object" if expr.kind() == "shorthand_property_identifier" => {
                let name = self.text(expr).to_string();
                self.vanish_property(spot, expr, &name, depth)
            }
            "spread_element" => {
                let object = parent.parent().ok_or("unreadable spread")?;
                let shape = ListShape::of(object);
                let index = shape
                    .index_of(&parent.byte_range())
                    .ok_or("unreadable spread")?;
                spot.remove_item(&shape, index, "the spread credentials");
                Ok(())
            }
            "arguments" => self.vanish_argument(spot, expr, parent, depth),
            "variable_declarator" if parent.child_by_field_name("value") == Some(expr) => {
                self.vanish_binding(spot, parent, depth)
            }
            "assignment_expression" if parent.child_by_field_name("right") == Some(expr) => {
                let left = parent
                    .child_by_field_name("left")
                    .ok_or("unreadable assignment")?;
                let target = nodes::dotted(self.parsed, left);
                if target.ends_with("config.credentials") || target.ends_with(".credentials") {
                    self.remove_statement(spot, parent)
                } else {
                    Err(format!(
                        "the key is assigned to `{target}`, which rolecall does not rewrite"
                    ))
                }
            }
            "return_statement" => Err(
                "the key is returned from a function; rolecall cannot follow it to its callers"
                    .into(),
            ),
            _ => Err("the key is not passed to an AWS SDK setting rolecall knows".into()),
        }
    }

    /// A property (`pair` or shorthand) named `name` whose value goes.
    fn vanish_property(
        &self,
        spot: &mut SpotEdits,
        prop: Node<'p>,
        name: &str,
        depth: usize,
    ) -> Plan {
        let object = prop.parent().ok_or("unreadable object")?;
        if name == "credentials" {
            return self.remove_credential_props(spot, object, depth);
        }
        if !CREDENTIAL_KEYS.contains(&name) {
            return Err(format!(
                "the key is the value of `{name}`, which is not a credential setting rolecall knows"
            ));
        }
        let names = self.prop_names(object);
        if names
            .iter()
            .all(|n| n.as_deref().is_some_and(|n| CREDENTIAL_KEYS.contains(&n)))
        {
            // A pure credentials object: it goes as a whole.
            return self.vanish(spot, object, depth + 1);
        }
        self.remove_credential_props(spot, object, depth)
    }

    /// The property names of an object (None for spreads and methods).
    fn prop_names(&self, object: Node<'_>) -> Vec<Option<String>> {
        let shape = ListShape::of(object);
        shape
            .items
            .iter()
            .map(|item| {
                let node =
                    object.named_descendant_for_byte_range(item.range.start, item.range.end)?;
                match node.kind() {
                    "pair" => Some(nodes::key_text(
                        self.parsed,
                        node.child_by_field_name("key")?,
                    )),
                    "shorthand_property_identifier" => Some(self.text(node).to_string()),
                    _ => None,
                }
            })
            .collect()
    }

    /// Removes every credential property of `object`; an object left empty goes with its call
    /// or argument when it is the sole argument of one.
    fn remove_credential_props(
        &self,
        spot: &mut SpotEdits,
        object: Node<'p>,
        depth: usize,
    ) -> Plan {
        let shape = ListShape::of(object);
        let names = self.prop_names(object);
        let mut removed = 0;
        for (index, name) in names.iter().enumerate() {
            let credential = name
                .as_deref()
                .is_some_and(|n| n == "credentials" || CREDENTIAL_KEYS.contains(&n));
            if credential {
                spot.remove_item(&shape, index, "the credential property");
                removed += 1;
            }
        }
        if removed == names.len() {
            if let Some(args) = object.parent().filter(|p| p.kind() == "arguments") {
                if ListShape::of(args).items.len() == 1 {
                    let mut trial = spot.clone();
                    if self
                        .vanish_argument(&mut trial, object, args, depth + 1)
                        .is_ok()
                    {
                        *spot = trial;
                    }
                }
            }
        }
        Ok(())
    }

    /// `expr` is an argument of a call or `new`.
    fn vanish_argument(
        &self,
        spot: &mut SpotEdits,
        expr: Node<'p>,
        args: Node<'p>,
        depth: usize,
    ) -> Plan {
        let call = nodes::call_of_args(self.lang(), args).ok_or("unreadable call")?;
        let callee = nodes::dotted(self.parsed, call.callee);
        let is_new = call.node.kind() == "new_expression";
        if is_new && (callee == "Credentials" || callee.ends_with(".Credentials")) {
            return self.vanish(spot, call.node, depth + 1);
        }
        if callee.ends_with("config.update") {
            return self.remove_statement(spot, call.node);
        }
        if is_new && self.pure_credentials(expr) {
            let shape = ListShape::of(args);
            let index = shape
                .index_of(&expr.byte_range())
                .ok_or("unreadable argument")?;
            spot.remove_item(&shape, index, "the credentials argument");
            return Ok(());
        }
        Err(format!(
            "the credential is passed to {callee}(…), which rolecall does not rewrite"
        ))
    }

    /// Whether `expr` carries nothing but credentials (an object of credential properties, a
    /// `new Credentials(…)`, or a name bound to one).
    fn pure_credentials(&self, expr: Node<'_>) -> bool {
        match expr.kind() {
            "object" => {
                let names = self.prop_names(expr);
                !names.is_empty()
                    && names.iter().all(|n| {
                        n.as_deref()
                            .is_some_and(|n| n == "credentials" || CREDENTIAL_KEYS.contains(&n))
                    })
            }
            "new_expression" => expr
                .child_by_field_name("constructor")
                .is_some_and(|c| nodes::dotted(self.parsed, c).ends_with("Credentials")),
            "identifier" => true, // reached only through a binding that held credentials
            _ => false,
        }
    }

    /// A `const`/`let`/`var` declarator whose value goes: the statement goes, and every read
    /// must only pass the credential on.
    fn vanish_binding(&self, spot: &mut SpotEdits, declarator: Node<'p>, depth: usize) -> Plan {
        let name_node = declarator
            .child_by_field_name("name")
            .ok_or("unreadable binding")?;
        if name_node.kind() != "identifier" {
            return Err("the key is destructured; rolecall does not follow patterns".into());
        }
        let name = self.text(name_node).to_string();
        let statement = declarator.parent().ok_or("unreadable binding")?;
        let mut cursor = statement.walk();
        let declarators = statement
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "variable_declarator")
            .count();
        if declarators != 1 {
            return Err(format!(
                "`{name}` is declared with other names in one statement; split it and remove `{name}` by hand"
            ));
        }
        let statement = match statement.parent() {
            Some(p) if p.kind() == "export_statement" => p,
            _ => statement,
        };
        if statement.kind() == "export_statement" {
            return Err(format!("`{name}` is exported; other modules may import it"));
        }
        let reads = self.reads(&name, name_node);
        let mut trial = spot.clone();
        self.remove_statement(&mut trial, statement)?;
        for read in reads {
            if statement.byte_range().contains(&read.start_byte()) {
                continue;
            }
            if let Err(why) = self.vanish(&mut trial, read, depth + 1) {
                return Err(format!(
                    "`{name}` holds the key and also feeds other code (line {}): {why}; the binding stays",
                    self.parsed.line_of(read.start_byte())
                ));
            }
        }
        *spot = trial;
        Ok(())
    }

    /// Every read of `name` in the file (identifiers and shorthand properties), but `def`.
    fn reads(&self, name: &str, def: Node<'_>) -> Vec<Node<'p>> {
        descendants(self.parsed.root())
            .filter(|n| {
                matches!(n.kind(), "identifier" | "shorthand_property_identifier")
                    && *n != def
                    && self.text(*n) == name
            })
            .collect()
    }

    /// Removes the statement that holds `node`, with its lines.
    fn remove_statement(&self, spot: &mut SpotEdits, node: Node<'p>) -> Plan {
        let statement = ancestor_or_self(
            node,
            &[
                "expression_statement",
                "lexical_declaration",
                "variable_declaration",
            ],
        )
        .ok_or("the credential is not in a statement of its own")?;
        let range = nodes::statement_lines(self.parsed, statement).ok_or(
            "the statement that holds the key shares its line with other code; edit it by hand",
        )?;
        spot.delete(range, "the statement holding the credential");
        Ok(())
    }
}

/// Whether `expr` is the literal right side of `process.env.X || …` (or `??`).
fn is_fallback(planner: &Planner<'_, '_>, parent: Node<'_>, expr: Node<'_>) -> bool {
    if parent.kind() != "binary_expression" || parent.child_by_field_name("right") != Some(expr) {
        return false;
    }
    let op = parent
        .child_by_field_name("operator")
        .map(|o| o.kind())
        .unwrap_or("");
    let left = parent.child_by_field_name("left");
    matches!(op, "||" | "??")
        && left.is_some_and(|l| {
            let t = nodes::dotted(planner.parsed, l);
            let t = t.trim_start_matches('(');
            t.starts_with("process.env.") || t.starts_with("process.env[")
        })
}

/// `node` without wrapping parentheses and type assertions, and its parent.
fn unwrap(node: Node<'_>) -> (Node<'_>, Option<Node<'_>>) {
    let mut at = node;
    while let Some(p) = at.parent() {
        if matches!(
            p.kind(),
            "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
        ) {
            at = p;
        } else {
            return (at, Some(p));
        }
    }
    (at, None)
}

/// The node whose range is exactly `range`, at or above `leaf`.
fn node_spanning(range: Range<usize>, leaf: Node<'_>) -> Option<Node<'_>> {
    let mut at = leaf;
    loop {
        if at.byte_range() == range {
            return Some(at);
        }
        match at.parent() {
            Some(p) if range.start <= p.start_byte() && p.end_byte() <= range.end => at = p,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests;
