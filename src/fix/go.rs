//! Go on the tree-sitter grammar: SDK v1 (`credentials.NewStaticCredentials(…)` in
//! `aws.Config{Credentials: …}`, `.WithCredentials(creds)`, `creds.Get()` checks) and v2
//! (`config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(…))` passed to
//! `config.LoadDefaultConfig`). v1 loses the field or the chained call (sessions fall back to the
//! default chain); v2 loses the option. A hand-built v2 `aws.Config{…}` literal has no credential
//! chain at all: that spot is manual.
//!
//! Def-use within the file: a variable or constant holding a key (or the credentials built from
//! it) goes with its statement when every read only passes the credential on; a `creds.Get()`
//! validity check goes with its `if err != nil { … }`. Imports the rewrite leaves unused go (Go
//! refuses them), and key-value fields left in a composite literal are re-aligned as gofmt does.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::parse::ancestor_or_self;
use crate::syntax::parse::descendants;
use crate::syntax::{fold, nodes, parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// Calls whose result carries nothing but the credential passed to them.
const CREDENTIAL_CALLS: &[&str] = &[
    "NewStaticCredentials",
    "NewStaticCredentialsProvider",
    "NewStaticCredentialsFromCreds",
    "NewCredentials",
    "NewCredentialsCache",
    "WithCredentialsProvider",
];

/// Fields of credential structs (`credentials.Value{…}`, `aws.Credentials{…}`,
/// `credentials.StaticProvider{Value: …}`).
const CREDENTIAL_FIELDS: &[&str] = &["AccessKeyID", "SecretAccessKey", "SessionToken", "Value"];

const MAX_DEPTH: usize = 12;

const ADVICE: &str = "delete the credential by hand, attach an IAM role where the code runs, and let the SDK's default credential chain pick it up";

/// The Go rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

impl Rewriter for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".go")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let parsed = match parse(Language::Go, file.text) {
            Ok(p) => p,
            Err(e) => {
                return Outcome::Manual(ManualFix::each(file.matches, &e.to_string(), ADVICE))
            }
        };
        let planner = Planner {
            parsed: &parsed,
            v2: file.text.contains("github.com/aws/aws-sdk-go-v2"),
            new_uses: Default::default(),
        };
        let mut planned: Vec<SpotEdits> = Vec::new();
        let mut new_code = Vec::new();
        let mut manual = Vec::new();
        for m in file.matches {
            if planned.iter().any(|s| s.covers(&m.span)) {
                continue;
            }
            let mut spot = SpotEdits::new(m.span.clone());
            let uses_before = planner.new_uses.borrow().len();
            match planner.place(&mut spot, &m.span) {
                Ok(()) => {
                    if planner.new_uses.borrow().len() > uses_before {
                        new_code.push(planned.len());
                    }
                    planned.push(spot)
                }
                Err(reason) => manual.push(ManualFix {
                    line: m.line,
                    reason,
                    advice: ADVICE.into(),
                }),
            }
        }
        planner.drop_unused_imports(&mut planned);
        planner.add_needed_imports(&mut planned, &new_code);
        gofmt::realign_all(&parsed, &mut planned);
        let mut notes = Vec::new();
        if !planned.is_empty() {
            notes.push(
                "the client now uses the SDK's default credential chain: attach an IAM role where it runs \
                 (instance profile, ECS task role, Lambda execution role, IRSA/Pod Identity) and rotate the removed key"
                    .into(),
            );
        }
        let mut edits = EditSet::new(file.text);
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

type Plan = Result<(), String>;

struct Planner<'p, 's> {
    parsed: &'p Parsed<'s>,
    /// Whether the file uses SDK v2.
    v2: bool,
    /// Package names that new code (a `config.LoadDefaultConfig` call) uses.
    new_uses: std::cell::RefCell<Vec<&'static str>>,
}

impl<'p> Planner<'p, '_> {
    fn text(&self, node: Node<'_>) -> &str {
        self.parsed.text_of(node)
    }

    fn line(&self, node: Node<'_>) -> u32 {
        self.parsed.line_of(node.start_byte())
    }

    /// Plans the removal of the key at `key`.
    fn place(&self, spot: &mut SpotEdits, key: &Range<usize>) -> Plan {
        let root = self.parsed.root();
        let leaf = root
            .descendant_for_byte_range(key.start, key.end)
            .ok_or("the key is not inside code rolecall can read")?;
        if let Some(comment) = ancestor_or_self(leaf, &["comment"]) {
            let range = nodes::comment_removal(self.parsed, comment, key.start)?;
            spot.delete(range, "the comment holding the key");
            return Ok(());
        }
        let folded = fold::fold_at(self.parsed, key.start)
            .ok_or("the key is not in a string rolecall can read (it is built at run time)")?;
        let expr = node_spanning(folded.range.clone(), leaf)
            .ok_or("the key sits in code rolecall cannot read")?;
        self.vanish(spot, expr, 0)
    }

    /// Plans the removal of expression `expr`, which will no longer exist.
    fn vanish(&self, spot: &mut SpotEdits, expr: Node<'p>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the credential flows through too many steps".into());
        }
        let (expr, parent) = unwrap(expr);
        let parent = parent.ok_or("the key is not passed to an AWS SDK setting rolecall knows")?;
        match parent.kind() {
            "argument_list" => self.vanish_argument(spot, expr, parent, depth),
            "keyed_element" => self.vanish_field(spot, parent, depth),
            "unary_expression" => self.vanish(spot, parent, depth + 1),
            "expression_list" => self.vanish_assigned(spot, expr, parent, depth),
            "return_statement" => Err(
                "the key is returned from a function; rolecall cannot follow it to its callers"
                    .into(),
            ),
            _ => Err("the key is not passed to an AWS SDK setting rolecall knows".into()),
        }
    }

    /// `expr` is an argument of a call.
    fn vanish_argument(
        &self,
        spot: &mut SpotEdits,
        expr: Node<'p>,
        args: Node<'p>,
        depth: usize,
    ) -> Plan {
        let call = args.parent().filter(|c| c.kind() == "call_expression");
        let call = call.ok_or("the key is passed to code rolecall cannot read")?;
        let function = call
            .child_by_field_name("function")
            .ok_or("unreadable call")?;
        let callee = nodes::dotted(self.parsed, function);
        let name = callee.rsplit('.').next().unwrap_or("");
        if CREDENTIAL_CALLS.contains(&name) {
            return self.vanish(spot, call, depth + 1);
        }
        if name == "LoadDefaultConfig" {
            let shape = ListShape::of(args);
            let index = shape
                .index_of(&expr.byte_range())
                .ok_or("unreadable argument")?;
            spot.remove_item(&shape, index, "the credentials option");
            return Ok(());
        }
        if name == "WithCredentials" && function.kind() == "selector_expression" {
            // `x.WithCredentials(creds)` → `x`.
            let operand = function
                .child_by_field_name("operand")
                .ok_or("unreadable call")?;
            spot.delete(
                operand.end_byte()..call.end_byte(),
                "the chained WithCredentials call",
            );
            return Ok(());
        }
        Err(format!(
            "the credential is passed to {callee}(…), which rolecall does not rewrite"
        ))
    }

    /// `Key: expr` in a composite literal.
    fn vanish_field(&self, spot: &mut SpotEdits, element: Node<'p>, depth: usize) -> Plan {
        let key = element
            .child_by_field_name("key")
            .ok_or("unreadable field")?;
        let key = self.text(key).trim().to_string();
        let body = element.parent().ok_or("unreadable literal")?;
        let literal = body.parent().filter(|l| l.kind() == "composite_literal");
        let literal = literal.ok_or("unreadable literal")?;
        let ty = literal
            .child_by_field_name("type")
            .map(|t| nodes::dotted(self.parsed, t))
            .unwrap_or_default();
        if key == "Credentials" {
            if self.v2 && ty == "aws.Config" {
                let used = config::load_default_config(self.parsed, literal, spot)?;
                self.new_uses.borrow_mut().extend(used);
                return Ok(());
            }
            return self.remove_fields(spot, body, &["Credentials"]);
        }
        if !CREDENTIAL_FIELDS.contains(&key.as_str()) {
            return Err(format!(
                "the key is the value of `{key}`, which is not a credential setting rolecall knows"
            ));
        }
        let keys = self.field_keys(body);
        if keys
            .iter()
            .all(|k| k.as_deref().is_some_and(|k| CREDENTIAL_FIELDS.contains(&k)))
        {
            return self.vanish(spot, literal, depth + 1);
        }
        self.remove_fields(spot, body, CREDENTIAL_FIELDS)
    }

    /// The keys of a literal's elements (None for positional ones).
    fn field_keys(&self, body: Node<'_>) -> Vec<Option<String>> {
        let mut cursor = body.walk();
        let elements: Vec<Node<'_>> = body
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        elements
            .into_iter()
            .map(|e| {
                (e.kind() == "keyed_element")
                    .then(|| e.child_by_field_name("key"))
                    .flatten()
                    .map(|k| self.text(k).trim().to_string())
            })
            .collect()
    }

    /// Removes the fields named `names` from a literal body, and re-aligns the others as gofmt.
    fn remove_fields(&self, spot: &mut SpotEdits, body: Node<'p>, names: &[&str]) -> Plan {
        let shape = ListShape::of(body);
        let keys = self.field_keys(body);
        let mut gone = Vec::new();
        for (index, key) in keys.iter().enumerate() {
            if key.as_deref().is_some_and(|k| names.contains(&k)) {
                spot.remove_item(&shape, index, "the credentials field");
                gone.push(index);
            }
        }
        Ok(())
    }

    /// `expr` is the value of an assignment or declaration.
    fn vanish_assigned(
        &self,
        spot: &mut SpotEdits,
        expr: Node<'p>,
        list: Node<'p>,
        depth: usize,
    ) -> Plan {
        let statement = list.parent().ok_or("unreadable assignment")?;
        let values = list.named_child_count();
        let left = match statement.kind() {
            "short_var_declaration" | "assignment_statement"
                if statement.child_by_field_name("right") == Some(list) =>
            {
                statement.child_by_field_name("left")
            }
            "var_spec" | "const_spec" if statement.child_by_field_name("value") == Some(list) => {
                statement.child_by_field_name("name")
            }
            _ => None,
        }
        .ok_or("the key is not passed to an AWS SDK setting rolecall knows")?;
        let names: Vec<Node<'p>> = if left.kind() == "expression_list" {
            let mut cursor = left.walk();
            left.named_children(&mut cursor).collect()
        } else {
            let mut cursor = statement.walk();
            statement
                .children_by_field_name("name", &mut cursor)
                .collect()
        };
        if values != 1 || names.len() != 1 {
            return Err(
                "the key is assigned together with other values; split the statement by hand"
                    .into(),
            );
        }
        let target = names[0];
        let _ = expr;
        if statement.kind() == "assignment_statement" {
            let text = nodes::dotted(self.parsed, target);
            if text.ends_with(".Credentials") {
                return self.remove_statement(spot, statement);
            }
            return Err(format!(
                "the key is assigned to `{text}`, which rolecall does not rewrite"
            ));
        }
        if target.kind() != "identifier" {
            return Err("the key is bound in a way rolecall cannot follow".into());
        }
        self.vanish_binding(spot, statement, target, depth)
    }

    /// A variable or constant whose value goes: its statement goes, and every read must only
    /// pass the credential on.
    fn vanish_binding(
        &self,
        spot: &mut SpotEdits,
        statement: Node<'p>,
        target: Node<'p>,
        depth: usize,
    ) -> Plan {
        let name = self.text(target).to_string();
        let scope = ancestor_or_self(
            statement,
            &["function_declaration", "method_declaration", "func_literal"],
        )
        .unwrap_or_else(|| self.parsed.root());
        let reads: Vec<Node<'p>> = descendants(scope)
            .filter(|n| n.kind() == "identifier" && *n != target && self.text(*n) == name)
            .collect();
        let mut trial = spot.clone();
        self.remove_statement(&mut trial, statement)?;
        for read in reads {
            if statement.byte_range().contains(&read.start_byte()) {
                continue;
            }
            let result = match self.get_check(read) {
                Some(check) => self.remove_get_check(&mut trial, check),
                None => self.vanish(&mut trial, read, depth + 1),
            };
            if let Err(why) = result {
                return Err(format!(
                    "`{name}` holds the key and also feeds other code (line {}): {why}; the binding stays",
                    self.line(read)
                ));
            }
        }
        *spot = trial;
        Ok(())
    }

    /// The statement `… := name.Get()` (or `… = name.Get()`, or a bare `name.Get()`) around a
    /// read, when that is what the read is.
    fn get_check(&self, read: Node<'p>) -> Option<Node<'p>> {
        let selector = read
            .parent()
            .filter(|p| p.kind() == "selector_expression")?;
        let field = selector.child_by_field_name("field")?;
        if self.text(field) != "Get" {
            return None;
        }
        let call = selector
            .parent()
            .filter(|c| c.kind() == "call_expression")?;
        let parent = call.parent()?;
        match parent.kind() {
            "expression_statement" => Some(parent),
            "expression_list" => parent
                .parent()
                .filter(|s| matches!(s.kind(), "short_var_declaration" | "assignment_statement")),
            _ => None,
        }
    }

    /// Removes a `creds.Get()` check: the statement, and the `if err != nil { … }` after it. The
    /// retrieved value must be discarded (`_`), and `err` must not be needed afterwards.
    fn remove_get_check(&self, spot: &mut SpotEdits, statement: Node<'p>) -> Plan {
        let mut err_name = None;
        if let Some(left) = statement.child_by_field_name("left") {
            let mut cursor = left.walk();
            let names: Vec<String> = left
                .named_children(&mut cursor)
                .map(|n| self.text(n).to_string())
                .collect();
            if names.first().map(String::as_str) != Some("_") {
                return Err("the retrieved credentials are used".into());
            }
            err_name = names.get(1).filter(|n| *n != "_").cloned();
        }
        self.remove_statement(spot, statement)?;
        let Some(err) = err_name else {
            return Ok(());
        };
        let next = statement
            .next_named_sibling()
            .filter(|n| n.kind() == "if_statement");
        let check = next.filter(|n| {
            n.child_by_field_name("condition")
                .is_some_and(|c| nodes::dotted(self.parsed, c) == format!("{err}!=nil"))
                && n.child_by_field_name("alternative").is_none()
        });
        let Some(check) = check else {
            return Err(format!(
                "`{err}` from the credentials check is used afterwards"
            ));
        };
        // `err` declared here must not be read later without a new declaration.
        if statement.kind() == "short_var_declaration" {
            let mut later = check.next_named_sibling();
            while let Some(s) = later {
                let mentions =
                    descendants(s).any(|n| n.kind() == "identifier" && self.text(n) == err);
                if mentions {
                    let redeclares = s.kind() == "short_var_declaration"
                        && s.child_by_field_name("left").is_some_and(|l| {
                            let mut c = l.walk();
                            let found = l.named_children(&mut c).any(|n| self.text(n) == err);
                            found
                        });
                    if !redeclares {
                        return Err(format!(
                            "`{err}` from the credentials check is used again on line {}",
                            self.line(s)
                        ));
                    }
                    break;
                }
                later = s.next_named_sibling();
            }
        }
        self.remove_statement(spot, check)
    }

    /// Removes a statement (or a spec of a grouped `var`/`const`) with its lines.
    fn remove_statement(&self, spot: &mut SpotEdits, statement: Node<'p>) -> Plan {
        let mut node = statement;
        if matches!(node.kind(), "var_spec" | "const_spec") {
            let parent = node.parent().ok_or("unreadable declaration")?;
            let mut cursor = parent.walk();
            let specs = parent
                .named_children(&mut cursor)
                .filter(|c| c.kind() == node.kind())
                .count();
            if matches!(parent.kind(), "var_declaration" | "const_declaration") && specs == 1 {
                node = parent;
            }
        }
        let range = nodes::statement_lines(self.parsed, node).ok_or(
            "the statement that holds the key shares its line with other code; edit it by hand",
        )?;
        spot.delete(range, "the statement holding the credential");
        Ok(())
    }

    /// Adds the imports that new code needs to the spots (indices `which`) that planned it.
    fn add_needed_imports(&self, spots: &mut [SpotEdits], which: &[usize]) {
        let needed = self.new_uses.borrow();
        let mut inserts: Vec<(usize, String)> = Vec::new();
        let mut done: Vec<&str> = Vec::new();
        for &name in needed.iter() {
            let imported = descendants(self.parsed.root())
                .filter(|n| n.kind() == "import_spec")
                .any(|s| {
                    let alias = s
                        .child_by_field_name("name")
                        .map(|a| self.text(a).to_string());
                    let path = s
                        .child_by_field_name("path")
                        .map(|p| package_name(self.text(p).trim_matches('"')));
                    alias.or(path).as_deref() == Some(name)
                });
            if imported || done.contains(&name) {
                continue;
            }
            done.push(name);
            let Some((at, line)) = config::import_insertion(self.parsed, config::import_path(name))
            else {
                continue;
            };
            match inserts.iter_mut().find(|(a, _)| *a == at) {
                Some((_, text)) => {
                    let mut all: Vec<&str> = text.lines().chain(line.lines()).collect();
                    all.sort_unstable();
                    *text = all.iter().map(|l| format!("{l}\n")).collect();
                }
                None => inserts.push((at, line)),
            }
        }
        for &i in which {
            for (at, line) in &inserts {
                spots[i].insert(*at, line, "the import the new code needs");
            }
        }
    }

    /// Adds, to every spot that removes a use of an import, the removal of the imports whose
    /// every use the spots remove.
    fn drop_unused_imports(&self, spots: &mut [SpotEdits]) {
        if spots.is_empty() {
            return;
        }
        let root = self.parsed.root();
        for spec in descendants(root).filter(|n| n.kind() == "import_spec") {
            let Some(path) = spec.child_by_field_name("path") else {
                continue;
            };
            let name = match spec.child_by_field_name("name") {
                Some(alias) => self.text(alias).to_string(),
                None => package_name(self.text(path).trim_matches(|c| c == '"' || c == '`')),
            };
            if name == "_" || name == "." || self.new_uses.borrow().contains(&name.as_str()) {
                continue;
            }
            let uses: Vec<Range<usize>> = descendants(root)
                .filter(|n| {
                    matches!(n.kind(), "identifier" | "package_identifier")
                        && self.text(*n) == name
                        && ancestor_or_self(*n, &["import_spec"]).is_none()
                })
                .map(|n| n.byte_range())
                .collect();
            if uses.is_empty() || !uses.iter().all(|u| spots.iter().any(|s| s.covers(u))) {
                continue;
            }
            let node = match spec.parent() {
                Some(p) if p.kind() == "import_declaration" => p,
                _ => spec,
            };
            let Some(range) = nodes::statement_lines(self.parsed, node) else {
                continue;
            };
            for spot in spots.iter_mut() {
                if uses.iter().any(|u| spot.covers(u)) {
                    spot.delete(range.clone(), "the import left unused");
                }
            }
        }
    }
}

/// The package name Go gives an import path (its last element, without a `/vN` suffix).
fn package_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    let name = if is_version {
        parts.next().unwrap_or(last)
    } else {
        last
    };
    let name = match name.rsplit_once(".v") {
        Some((base, v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    };
    name.trim_start_matches("go-").replace('-', "_")
}

/// `node` without wrapping parentheses and literal elements, and its parent.
fn unwrap(node: Node<'_>) -> (Node<'_>, Option<Node<'_>>) {
    let mut at = node;
    while let Some(p) = at.parent() {
        if matches!(p.kind(), "parenthesized_expression" | "literal_element") {
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

mod config;
mod gofmt;

#[cfg(test)]
mod tests;
