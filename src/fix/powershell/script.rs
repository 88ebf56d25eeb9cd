//! Statements and bindings: assignments of credentials to variables and environment variables
//! (def-use over the whole script), hashtable entries, the removal of whole statements, and lines
//! of credentials text inside here-strings.
//!
//! PowerShell's scoping is dynamic (a function reads its caller's variables), so every `$name`,
//! `${name}`, `$script:name` and `@name` splat in the file is a use of a variable `$name`,
//! compared without case. A use is a write when it is the target of an assignment, a `foreach`
//! variable or a declared parameter; every other use is a read.

use super::{commands, unquote, Plan, Planner, Spot};
use crate::detect::Match;
use crate::syntax::defuse::{self, Binding, BindingKind, Uses};
use crate::syntax::edit::{lines, ListItem, ListShape};
use crate::syntax::parse::named_children;
use crate::syntax::{nodes, parse};
use std::ops::Range;
use tree_sitter::Node;

/// Hashtable keys (for splatting) that carry key material or name a stored profile.
const KEY_ENTRIES: &[&str] = &[
    "accesskey",
    "secretkey",
    "sessiontoken",
    "storeas",
    "credential",
];

/// Lines of credentials text (an INI profile or `NAME=value` pairs) that hold a key.
const CREDENTIAL_LINES: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

const ENV_NOTE: &str = "The script set AWS credentials as environment variables; a process that inherited them keeps using them until it restarts.";

const TEXT_NOTE: &str = "The script carried AWS keys as credentials text (a here-string): hosts that already ran it may still hold them (for example in ~/.aws/credentials); delete them there and deactivate the key in IAM.";

/// `target = <credential>`: the assignment goes; for a variable, so does every read that only
/// passes the credential on (a read that feeds anything else makes the spot manual and the
/// binding stays); for `$env:NAME`, reads that pass the credential on go and the others read the
/// environment as before.
pub(super) fn assignment(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    assign: Node<'_>,
    depth: usize,
) -> Plan {
    let left = assign
        .named_child(0)
        .filter(|l| l.kind() == "left_assignment_expression");
    let (Some(left), Some(value)) = (left, assign.child_by_field_name("value")) else {
        return Err("the assignment has no target".into());
    };
    let op = named_children(assign)
        .into_iter()
        .find(|n| n.kind() == "assignement_operator")
        .map_or("=", |o| p.text(o));
    if op != "=" {
        return Err(format!(
            "the key is combined into `{}` with `{op}` on line {}",
            p.text(left),
            p.line(assign)
        ));
    }
    let Some(var) = target_variable(p, left) else {
        return Err(format!(
            "the key is stored in `{}` (line {})",
            p.text(left),
            p.line(assign)
        ));
    };
    let Some(statement) = statement_of(assign).filter(|s| p.outer(assign) == *s) else {
        return Err(format!(
            "the assignment on line {} is part of a larger expression",
            p.line(assign)
        ));
    };
    remove_statement(p, spot, assign, "the binding that held the credential")?;
    let name = var_name(p.text(var));
    let env = name.starts_with("env:");
    let binding = Binding {
        kind: if env {
            BindingKind::EnvVar
        } else {
            BindingKind::Variable
        },
        target: var,
        statement,
        value,
        scope: p.parsed.root(),
    };
    let uses = uses(p, &binding);
    if env {
        spot.note(ENV_NOTE.into());
        for read in uses.reads {
            let mut trial = spot.clone();
            if spot.covers(read) || p.vanish(&mut trial, read, depth + 1).is_ok() {
                *spot = trial;
            }
        }
        return Ok(());
    }
    let mut reasons = Vec::new();
    let split = defuse::classify(&uses.reads, |read| {
        if spot.covers(read) {
            return true;
        }
        let mut trial = spot.clone();
        match p.vanish(&mut trial, read, depth + 1) {
            Ok(()) => {
                *spot = trial;
                true
            }
            Err(reason) => {
                reasons.push(reason);
                false
            }
        }
    });
    match (split.feeds.first(), reasons.first()) {
        (Some(read), Some(reason)) => Err(format!(
            "${} holds the key and is read on line {}: {reason}",
            p.text(var).trim_start_matches('$'),
            p.line(*read)
        )),
        _ => Ok(()),
    }
}

/// The variable a plain assignment target names (`$x`, `${x}`, `$script:x`, `[string]$x`).
fn target_variable<'t>(p: &Planner<'_, '_>, left: Node<'t>) -> Option<Node<'t>> {
    let vars: Vec<Node<'t>> = parse::descendants(left)
        .filter(|n| n.kind() == "variable")
        .collect();
    let [var] = vars.as_slice() else {
        return None;
    };
    let mut text = p.text(left).trim();
    while let Some(rest) = text.strip_prefix('[') {
        text = rest.split_once(']').map_or("", |(_, r)| r).trim_start();
    }
    (text == p.text(*var)).then_some(*var)
}

/// The normalised name of a variable or splat (`$Script:AK` → `ak`, `@creds` → `creds`,
/// `$env:AWS_X` → `env:aws_x`).
pub(super) fn var_name(text: &str) -> String {
    let t = text.trim_start_matches(['$', '@']);
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    let lower = t.to_ascii_lowercase();
    for scope in ["script:", "global:", "local:", "private:", "using:"] {
        if let Some(rest) = lower.strip_prefix(scope) {
            return rest.to_string();
        }
    }
    lower
}

/// Every use of `binding` in the script: reads, and other writes of the same name.
pub(super) fn uses<'t>(p: &Planner<'t, '_>, binding: &Binding<'t>) -> Uses<'t> {
    let name = var_name(p.text(binding.target));
    let mut out = Uses::default();
    let scope = binding.scope.byte_range();
    for &n in &p.variables {
        let inside = scope.start <= n.start_byte() && n.end_byte() <= scope.end;
        if !inside || n == binding.target || var_name(p.text(n)) != name {
            continue;
        }
        let outer = p.outer(n);
        let parent = outer.parent().map(|x| x.kind());
        let write = outer.kind() == "left_assignment_expression"
            || matches!(
                parent,
                Some("left_assignment_expression" | "foreach_statement" | "script_parameter")
            )
            || n.parent().is_some_and(|x| x.kind() == "script_parameter");
        if write {
            out.writes.push(n);
        } else {
            out.reads.push(n);
        }
    }
    out
}

/// A hashtable entry holds the credential: when every entry of the hashtable carries
/// credentials, the hashtable goes where it is used; otherwise its credential entries go (the
/// hashtable stays, and its splats into credential setters go with the setters).
pub(super) fn hash_entry(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    entry: Node<'_>,
    depth: usize,
) -> Plan {
    let body = entry.parent().filter(|b| b.kind() == "hash_literal_body");
    let hash = body.and_then(|b| b.parent());
    let (Some(body), Some(hash)) = (body, hash) else {
        return Err("the credential entry is not in a hashtable rolecall can read".into());
    };
    let entries: Vec<Node<'_>> = named_children(body)
        .into_iter()
        .filter(|n| n.kind() == "hash_entry")
        .collect();
    for e in &entries {
        if matches!(entry_key(p, *e).as_str(), "storeas" | "profilename") {
            if let Some(value) = entry_value(*e) {
                let profile = unquote(p.text(value));
                commands::stored_profile(p, spot, &profile, depth)?;
            }
        }
    }
    let creds: Vec<Node<'_>> = entries
        .iter()
        .copied()
        .filter(|e| *e == entry || KEY_ENTRIES.contains(&entry_key(p, *e).as_str()))
        .collect();
    if creds.len() == entries.len() {
        return p.vanish(spot, hash, depth + 1);
    }
    let shape = hash_shape(hash, body, &entries);
    for e in &creds {
        if let Some(index) = shape.index_of(&(e.start_byte()..e.start_byte() + 1)) {
            spot.edits
                .remove_item(&shape, index, "the credential entry of the hashtable");
        }
    }
    // The hashtable keeps other settings; splatted into a credential setter, the setter goes.
    let assign = p
        .outer(hash)
        .parent()
        .filter(|a| a.kind() == "assignment_expression");
    let Some(var) = assign
        .and_then(|a| a.named_child(0))
        .and_then(|l| target_variable(p, l))
    else {
        return Ok(());
    };
    let name = var_name(p.text(var));
    for &n in &p.variables {
        if p.text(n).starts_with('@') && var_name(p.text(n)) == name {
            commands::splat_into_setter(p, spot, n, depth)?;
        }
    }
    Ok(())
}

/// The lowercased key of a hashtable entry.
fn entry_key(p: &Planner<'_, '_>, entry: Node<'_>) -> String {
    entry
        .named_child(0)
        .map(|k| unquote(p.text(k)))
        .unwrap_or_default()
}

/// The value of a hashtable entry.
fn entry_value(entry: Node<'_>) -> Option<Node<'_>> {
    named_children(entry)
        .into_iter()
        .skip(1)
        .find(|n| n.kind() != "comment")
}

/// The entries of a hashtable as a list: each entry from its key to the end of its value, its
/// `;` as the separator.
fn hash_shape(hash: Node<'_>, body: Node<'_>, entries: &[Node<'_>]) -> ListShape {
    let start = hash.child(0).map_or(hash.start_byte(), |o| o.end_byte());
    let end = hash
        .child(hash.child_count().saturating_sub(1))
        .filter(|c| c.kind() == "}")
        .map_or(hash.end_byte(), |c| c.start_byte());
    let items = entries
        .iter()
        .map(|e| {
            let value_end = entry_value(*e).map_or(e.end_byte(), |v| v.end_byte());
            let mut cursor = e.walk();
            let comma = e
                .children(&mut cursor)
                .find(|c| c.kind() == ";")
                .map(|c| c.byte_range());
            ListItem {
                range: e.start_byte()..value_end,
                comma,
            }
        })
        .collect();
    let comments = parse::descendants(body)
        .filter(|n| n.kind() == "comment")
        .map(|n| n.byte_range())
        .collect();
    ListShape {
        inner: start..end,
        items,
        comments,
        line_items: true,
    }
}

/// The statement that holds `node`: the ancestor that is an item of a statement list.
pub(super) fn statement_of(node: Node<'_>) -> Option<Node<'_>> {
    let mut at = node;
    loop {
        let parent = at.parent()?;
        if parent.kind() == "statement_list" {
            return Some(at);
        }
        at = parent;
    }
}

/// Removes the statement that holds `node` (see [`removal`]).
pub(super) fn remove_statement(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    node: Node<'_>,
    why: &str,
) -> Plan {
    let Some(statement) = statement_of(node) else {
        return Err(format!(
            "the credential on line {} is not inside a statement rolecall can remove",
            p.line(node)
        ));
    };
    spot.edits
        .delete(removal(p.src(), statement.byte_range()), why);
    Ok(())
}

/// Removal range for a statement spanning `span`: its whole lines when nothing else shares them
/// (a trailing `;` or comment goes along), otherwise the statement and one neighbouring `;`.
pub(super) fn removal(text: &str, span: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    let line_start = lines::line_start(text, span.start);
    let before_blank = text[line_start..span.start].trim().is_empty();
    let mut after = span.end;
    while after < b.len() && matches!(b[after], b' ' | b'\t' | b';') {
        after += 1;
    }
    let rest_end = lines::line_end(text, after);
    let rest = text[after..rest_end].trim_end_matches('\r');
    if before_blank && (rest.is_empty() || rest.starts_with('#')) {
        return line_start..(rest_end + 1).min(text.len());
    }
    let mut start = span.start;
    while start > 0 && b[start - 1] == b' ' {
        start -= 1;
    }
    if start > 0 && b[start - 1] == b';' {
        start -= 1;
        while start > 0 && b[start - 1] == b' ' {
            start -= 1;
        }
        return start..span.end;
    }
    let mut end = span.end;
    while end < b.len() && b[end] == b' ' {
        end += 1;
    }
    if b.get(end) == Some(&b';') {
        end += 1;
        while end < b.len() && b[end] == b' ' {
            end += 1;
        }
        return span.start..end;
    }
    span
}

/// The key is part of a longer string: a line of credentials text inside a here-string
/// (`aws_access_key_id = …`) goes with its line; anything else is left to a human.
pub(super) fn text_line(
    p: &Planner<'_, '_>,
    spot: &mut Spot,
    literal: Node<'_>,
    m: &Match,
) -> Plan {
    let at = m.span.start;
    let here = literal.kind().contains("here_string");
    let line = &p.src()[lines::line_start(p.src(), at)..lines::line_end(p.src(), at)];
    let lower = line.trim().to_ascii_lowercase();
    let credential_line = CREDENTIAL_LINES.iter().any(|k| {
        lower
            .strip_prefix(k)
            .is_some_and(|r| r.trim_start().starts_with(['=', ':']))
    });
    if here && credential_line {
        let range = nodes::string_line_removal(p.parsed, literal, at)?;
        spot.edits
            .delete(range, "the line of credentials text holding the key");
        spot.note(TEXT_NOTE.into());
        return Ok(());
    }
    Err(format!(
        "the key is part of a longer string on line {}; rolecall cannot tell what else uses that text",
        m.line
    ))
}
