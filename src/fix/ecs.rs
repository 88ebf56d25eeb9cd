//! ECS task definitions (JSON): `containerDefinitions[].environment[]` entries that carry AWS
//! keys are removed, and the task definition gets a `taskRoleArn` (a clearly marked placeholder
//! ARN) when it has none. The task role, never `executionRoleArn`, is what the containers' SDKs
//! see: the execution role only pulls images and writes logs.
//!
//! The file is read with the syntax layer's tree-sitter JSON grammar. Each key is one spot: the
//! `environment` entry holding it goes, with every entry of that list named as an AWS credential
//! (names and keys are compared decoded, so `"\u0041WS_…"` counts), through the
//! [`ListShape`]/[`EditSet`] item removal (commas and lines resolved together for the whole
//! list); the spot also adds or fills `taskRoleArn`. A key in a comment (the grammar accepts `//`
//! and `/* */`) loses only what holds it. Everything else keeps its bytes.
//!
//! A key inside a syntax error (an `ERROR` node, such as a trailing comma the grammar rejects), in
//! an `environment` list that holds one, or anywhere but an `environment` entry or a comment
//! stays manual with a reason; the framework's parse guard checks the patched file against the
//! same grammar, so the patch never adds a syntax error.

use crate::detect::Match;
use crate::fix::awsini::{is_credential_name, role_arn_placeholder};
use crate::fix::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::parse::{error_nodes, line_of, named_children};
use crate::syntax::{nodes, parse, strings, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// What to do by hand with a key the rewriter leaves.
const ADVICE: &str =
    "remove the key by hand and set `taskRoleArn` to a role trusted by `ecs-tasks.amazonaws.com`";

/// The rewriter for ECS task definition JSON files.
#[derive(Debug, Default, Clone, Copy)]
pub struct EcsTaskDefinitionRewriter;

impl Rewriter for EcsTaskDefinitionRewriter {
    fn name(&self) -> &'static str {
        "ecs-task-definition"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        path.ends_with(".json") && text.contains("\"containerDefinitions\"")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let parsed = match parse(Language::Json, file.text) {
            Ok(parsed) => parsed,
            Err(e) => {
                let reason = format!("the ECS task definition could not be parsed: {e}");
                return Outcome::all_manual(file, &reason, ADVICE);
            }
        };
        let arn = role_arn_placeholder(file.matches);
        let tasks: Vec<Task<'_>> = task_definitions(&parsed)
            .into_iter()
            .map(|node| Task::read(&parsed, node))
            .collect();
        let mut edits = EditSet::new(file.text);
        let mut manual = Vec::new();
        let mut fixed = Vec::new();
        for m in file.matches {
            match plan_key(&parsed, &tasks, m, &arn) {
                Ok((spot, task)) => {
                    edits.add(spot);
                    fixed.extend(task.filter(|t| !fixed.contains(t)));
                }
                Err(reason) => manual.push(ManualFix {
                    line: m.line,
                    reason,
                    advice: ADVICE.into(),
                }),
            }
        }
        fixed.sort_unstable();
        let notes = fixed
            .into_iter()
            .map(|t| tasks[t].note(&parsed, &arn))
            .collect();
        Outcome::Edits {
            edits,
            notes,
            manual,
        }
    }
}

/// A task definition: the object that holds `containerDefinitions`, and the `environment` arrays
/// of its containers.
#[derive(Debug, Clone)]
struct Task<'t> {
    node: Node<'t>,
    environments: Vec<Node<'t>>,
}

impl<'t> Task<'t> {
    /// Reads the task definition object `node`.
    fn read(parsed: &Parsed<'_>, node: Node<'t>) -> Task<'t> {
        let containers = member(parsed, node, "containerDefinitions")
            .map(|c| named_children(c.value))
            .unwrap_or_default();
        let environments = containers
            .into_iter()
            .filter(|c| c.kind() == "object")
            .filter_map(|c| member(parsed, c, "environment"))
            .map(|e| e.value)
            .filter(|e| e.kind() == "array")
            .collect();
        Task { node, environments }
    }

    /// The note for a task definition whose containers lost keys.
    fn note(&self, parsed: &Parsed<'_>, arn: &str) -> String {
        let family = member(parsed, self.node, "family")
            .map_or("\"(no family)\"", |f| parsed.text_of(f.value));
        match task_role_edit(parsed, self.node, arn) {
            Some(_) => format!(
                "task definition {family}: the containers now use the task role {arn}; create it with the trust principal `ecs-tasks.amazonaws.com` (not the execution role) and deactivate the old key"
            ),
            None => format!(
                "task definition {family}: the containers now use its existing taskRoleArn; make sure that role allows what the removed key allowed"
            ),
        }
    }
}

/// Plans the spot of one key: the edits and the task definition (index into `tasks`) whose
/// containers it changes (`None` for a key in a comment), or why the key stays.
fn plan_key(
    parsed: &Parsed<'_>,
    tasks: &[Task<'_>],
    m: &Match,
    arn: &str,
) -> Result<(SpotEdits, Option<usize>), String> {
    let span = m.span.clone();
    let mut spot = SpotEdits::new(span.clone());
    if let Some(error) = error_around(parsed, &span) {
        return Err(format!(
            "the JSON around the key does not parse (a syntax error at line {}); rolecall does not edit what the grammar cannot read",
            line_of(parsed.text(), error.start_byte())
        ));
    }
    if let Some(comment) = comment_at(parsed, &span) {
        let range = nodes::comment_removal(parsed, comment, span.start)?;
        spot.delete(range, "the comment holding the key");
        return Ok((spot, None));
    }
    let outside = || {
        format!(
            "a {} sits where the ECS task definition rewriter cannot remove it safely (not in a container's `environment` entry)",
            m.kind.label()
        )
    };
    let (index, task) = tasks
        .iter()
        .enumerate()
        .find(|(_, t)| holds(t.node, &span))
        .ok_or_else(outside)?;
    let env = *task
        .environments
        .iter()
        .find(|e| holds(**e, &span))
        .ok_or_else(outside)?;
    if let Some(error) = error_nodes(env).first() {
        return Err(format!(
            "the `environment` list holding the key has a syntax error (line {}); fix the JSON first",
            line_of(parsed.text(), error.start_byte())
        ));
    }
    let shape = ListShape::of(env);
    let at = shape.index_of(&span).ok_or_else(outside)?;
    spot.remove_item(&shape, at, "the environment entry holding the key");
    for (i, item) in entries(env).into_iter().enumerate() {
        if i != at && is_credential_name(entry_name(parsed, item).as_deref()) {
            spot.remove_item(&shape, i, "an AWS credential entry beside the key");
        }
    }
    if let Some((range, with)) = task_role_edit(parsed, task.node, arn) {
        spot.replace(range, &with, "point `taskRoleArn` at the task role");
    }
    Ok((spot, Some(index)))
}

/// The objects that directly hold `containerDefinitions` (the file's root, the items of a list,
/// or a wrapper such as `describe-task-definition`'s `taskDefinition`), in document order. A task
/// definition's own insides are not searched again.
fn task_definitions<'t>(parsed: &'t Parsed<'_>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![parsed.root()];
    while let Some(node) = stack.pop() {
        if node.kind() == "object" && member(parsed, node, "containerDefinitions").is_some() {
            out.push(node);
            continue;
        }
        stack.extend(named_children(node).into_iter().rev());
    }
    out
}

/// The edit that points `taskRoleArn` at `arn` when the task definition has none (or an empty
/// one): a new member before the one that follows `"family"`, or before the first member when
/// `"family"` is missing or last. `None` when the task definition already names a role.
fn task_role_edit(
    parsed: &Parsed<'_>,
    task: Node<'_>,
    arn: &str,
) -> Option<(Range<usize>, String)> {
    let text = parsed.text();
    let pairs = pairs(task);
    if let Some(role) = pairs.iter().find(|p| key(parsed, p) == "taskRoleArn") {
        let value = role.value;
        let empty = value.kind() == "null" || string_value(parsed, value).as_deref() == Some("");
        return empty.then(|| (value.byte_range(), format!("\"{arn}\"")));
    }
    let first = pairs.first()?;
    let colon = &text[first.key.end_byte()..first.value.start_byte()];
    let colon = if colon.trim() == ":" { colon } else { ": " };
    let family = pairs.iter().position(|p| key(parsed, p) == "family");
    let (after, next) = match family.and_then(|f| Some((pairs[f], pairs.get(f + 1)?))) {
        Some((family, next)) => (family.value.end_byte(), next),
        None => (task.start_byte() + 1, first),
    };
    let at = next.key.start_byte();
    let gap = separator(&text[after..at]);
    Some((at..at, format!("\"taskRoleArn\"{colon}\"{arn}\",{gap}")))
}

/// The blanks to put between the new member and the one it precedes, from the text between that
/// member and what comes before it (`between`): that text without its comma when it is only
/// blanks, else (a comment) its last line break and the member's indentation, or one space.
fn separator(between: &str) -> String {
    let plain = between.replacen(',', "", 1);
    if plain.trim().is_empty() {
        return plain;
    }
    match between.rfind('\n') {
        Some(nl) => {
            let eol = if between[..nl].ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            let rest = &between[nl + 1..];
            let indent = &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()];
            format!("{eol}{indent}")
        }
        None => " ".into(),
    }
}

/// The syntax error around `span`: the innermost `ERROR` node that holds it, or else an error
/// node (`ERROR` or `MISSING`) inside it (a key the grammar read as several broken tokens).
fn error_around<'t>(parsed: &'t Parsed<'_>, span: &Range<usize>) -> Option<Node<'t>> {
    let covering = parsed
        .root()
        .descendant_for_byte_range(span.start, span.end)?;
    let mut node = Some(covering);
    while let Some(n) = node {
        if n.is_error() {
            return Some(n);
        }
        node = n.parent();
    }
    error_nodes(covering)
        .into_iter()
        .find(|e| e.start_byte() < span.end && span.start < e.end_byte())
}

/// The comment that holds `span`, if any.
fn comment_at<'t>(parsed: &'t Parsed<'_>, span: &Range<usize>) -> Option<Node<'t>> {
    parsed
        .root()
        .descendant_for_byte_range(span.start, span.end)
        .filter(|n| n.kind() == "comment")
}

/// Whether `node` holds all of `span`.
fn holds(node: Node<'_>, span: &Range<usize>) -> bool {
    node.start_byte() <= span.start && span.end <= node.end_byte()
}

/// The entries of a list (its named children that are not comments, as [`ListShape::of`]
/// counts them).
fn entries(list: Node<'_>) -> Vec<Node<'_>> {
    named_children(list)
        .into_iter()
        .filter(|n| !n.kind().contains("comment"))
        .collect()
}

/// The decoded `name` of an `environment` entry.
fn entry_name(parsed: &Parsed<'_>, entry: Node<'_>) -> Option<String> {
    (entry.kind() == "object")
        .then(|| member(parsed, entry, "name"))
        .flatten()
        .and_then(|n| string_value(parsed, n.value))
}

/// The members of an object.
fn pairs(object: Node<'_>) -> Vec<nodes::Pair<'_>> {
    named_children(object)
        .into_iter()
        .filter_map(|p| nodes::pair_of(Language::Json, p))
        .collect()
}

/// The member `name` of an object (keys compared decoded).
fn member<'t>(parsed: &Parsed<'_>, object: Node<'t>, name: &str) -> Option<nodes::Pair<'t>> {
    nodes::json_member(parsed, object, name)
}

/// A member's decoded key.
fn key(parsed: &Parsed<'_>, pair: &nodes::Pair<'_>) -> String {
    nodes::key_text(parsed, pair.key)
}

/// A JSON string's decoded value (`None` for anything else).
fn string_value(parsed: &Parsed<'_>, node: Node<'_>) -> Option<String> {
    strings::string_literal(parsed, node).and_then(|s| s.value)
}

#[cfg(test)]
mod tests;
