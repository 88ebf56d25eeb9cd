//! The tree call finders of Ruby, PHP and PowerShell (see [`super::syntax::tree_calls`]): calls,
//! their keyword and positional arguments, and names bound once to a constant string.

use super::syntax::{tree_value, TreeCall, Value};
use std::collections::BTreeMap;

/// Ruby and PHP calls: `s3.get_object(bucket: 'b', key: k)`, `$s3->getObject(['Bucket' => 'b'])`.
/// Keyword arguments (Ruby `bucket:`, PHP named arguments) and the entries of hashes and arrays
/// passed as arguments are keywords; other arguments are positional.
pub(super) fn script_calls(parsed: &crate::syntax::Parsed<'_>) -> Vec<TreeCall> {
    use crate::syntax::parse::descendants;
    let consts = script_constants(parsed);
    let mut out = Vec::new();
    for node in descendants(parsed.root()) {
        let (name_field, args_field) = match node.kind() {
            "call" => ("method", "arguments"),
            "member_call_expression"
            | "nullsafe_member_call_expression"
            | "scoped_call_expression" => ("name", "arguments"),
            "function_call_expression" => ("function", "arguments"),
            _ => continue,
        };
        let (Some(name_node), Some(args)) = (
            node.child_by_field_name(name_field),
            node.child_by_field_name(args_field),
        ) else {
            continue;
        };
        let mut keywords = Vec::new();
        let mut positional = Vec::new();
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            // PHP wraps each argument; a named argument has a `name` field.
            let (keyword, value) = if arg.kind() == "argument" {
                let Some(value) = arg.named_child(arg.named_child_count().saturating_sub(1)) else {
                    continue;
                };
                (arg.child_by_field_name("name"), value)
            } else {
                (None, arg)
            };
            if let Some(k) = keyword {
                keywords.push((
                    parsed.text_of(k).to_string(),
                    tree_value(parsed, value, &consts),
                ));
            } else if matches!(value.kind(), "pair" | "hash" | "array_creation_expression") {
                collect_entries(parsed, value, &consts, &mut keywords, 0);
            } else if !value.kind().contains("comment") {
                positional.push(tree_value(parsed, value, &consts));
            }
        }
        out.push(TreeCall {
            name: parsed.text_of(name_node).to_string(),
            start: name_node.start_byte(),
            window: parsed.text_of(args).to_string(),
            keywords,
            positional,
        });
    }
    out
}

/// The `key => value` entries of a Ruby pair or hash, or of a PHP array (two levels deep).
fn collect_entries(
    parsed: &crate::syntax::Parsed<'_>,
    node: tree_sitter::Node<'_>,
    consts: &BTreeMap<String, Option<String>>,
    out: &mut Vec<(String, Value)>,
    depth: usize,
) {
    if depth > 2 {
        return;
    }
    let entries: Vec<tree_sitter::Node<'_>> = match node.kind() {
        "pair" => vec![node],
        "hash" | "array_creation_expression" => {
            let mut cursor = node.walk();
            let kids = node.named_children(&mut cursor).collect();
            kids
        }
        _ => return,
    };
    for entry in entries {
        let (key, value) = match entry.kind() {
            "pair" => (
                entry.child_by_field_name("key"),
                entry.child_by_field_name("value"),
            ),
            "array_element_initializer" if entry.named_child_count() == 2 => {
                (entry.named_child(0), entry.named_child(1))
            }
            _ => continue,
        };
        let (Some(key), Some(value)) = (key, value) else {
            continue;
        };
        let key = parsed
            .text_of(key)
            .trim_start_matches(':')
            .trim_end_matches(':')
            .trim_matches(|c| c == '\'' || c == '"')
            .to_string();
        out.push((key, tree_value(parsed, value, consts)));
        collect_entries(parsed, value, consts, out, depth + 1);
    }
}

/// Ruby constants and variables, and PHP variables, bound to one constant string in the file; a
/// name bound to two different values maps to `None`.
fn script_constants(parsed: &crate::syntax::Parsed<'_>) -> BTreeMap<String, Option<String>> {
    use crate::syntax::parse::descendants;
    let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
    for node in descendants(parsed.root()) {
        if !matches!(node.kind(), "assignment" | "assignment_expression") {
            continue;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            continue;
        };
        if !matches!(left.kind(), "identifier" | "constant" | "variable_name") {
            continue;
        }
        let value = crate::syntax::fold::fold(parsed, right).map(|f| f.value);
        let name = parsed.text_of(left).to_string();
        match (out.get_mut(&name), value) {
            (Some(existing), v) => {
                if *existing != v {
                    *existing = None;
                }
            }
            (None, v) => {
                out.insert(name, v);
            }
        }
    }
    out
}

/// PowerShell commands: `Read-S3Object -BucketName 'b' -Key k -File f`. A `-Name value` pair is a
/// keyword (without its dash); a switch followed by another parameter has no value; other
/// elements are positional. Bare words are their own text; `$name` reads a variable bound once to
/// a constant string.
pub(super) fn powershell_calls(parsed: &crate::syntax::Parsed<'_>) -> Vec<TreeCall> {
    use crate::syntax::parse::descendants;
    let consts = powershell_constants(parsed);
    let mut out = Vec::new();
    for node in descendants(parsed.root()) {
        if node.kind() != "command" {
            continue;
        }
        let Some(name_node) = node.child_by_field_name("command_name") else {
            continue;
        };
        let mut keywords = Vec::new();
        let mut positional = Vec::new();
        let mut window = String::new();
        if let Some(elements) = node.child_by_field_name("command_elements") {
            window = parsed.text_of(elements).to_string();
            let mut cursor = elements.walk();
            let items: Vec<_> = elements
                .named_children(&mut cursor)
                .filter(|n| !matches!(n.kind(), "command_argument_sep" | "comment"))
                .collect();
            let mut i = 0;
            while i < items.len() {
                let item = items[i];
                if item.kind() == "command_parameter" {
                    let name = parsed.text_of(item).trim_start_matches('-');
                    let name = name.trim_end_matches(':').to_string();
                    match items.get(i + 1).filter(|n| n.kind() != "command_parameter") {
                        Some(value) => {
                            keywords.push((name, powershell_value(parsed, *value, &consts)));
                            i += 2;
                        }
                        None => i += 1,
                    }
                } else {
                    positional.push(powershell_value(parsed, item, &consts));
                    i += 1;
                }
            }
        }
        out.push(TreeCall {
            name: parsed.text_of(name_node).to_string(),
            start: name_node.start_byte(),
            window,
            keywords,
            positional,
        });
    }
    out
}

/// The value of a PowerShell command argument.
fn powershell_value(
    parsed: &crate::syntax::Parsed<'_>,
    node: tree_sitter::Node<'_>,
    consts: &BTreeMap<String, Option<String>>,
) -> Value {
    if let Some(f) = crate::syntax::fold::fold(parsed, node) {
        return if f.value.is_empty() {
            Value::Unknown
        } else {
            Value::Known(vec![f.value])
        };
    }
    let text = parsed.text_of(node).trim();
    if let Some(name) = text.strip_prefix('$') {
        return match consts.get(&name.to_ascii_lowercase()) {
            Some(Some(v)) => Value::Known(vec![v.clone()]),
            _ => Value::Unknown,
        };
    }
    if node.kind() == "generic_token"
        || (!text.is_empty() && !text.contains(['$', '(', '@', '"', '\'']))
    {
        return Value::Known(vec![text.to_string()]);
    }
    Value::Unknown
}

/// PowerShell variables (lowercase, without `$`) bound to one constant string in the file.
fn powershell_constants(parsed: &crate::syntax::Parsed<'_>) -> BTreeMap<String, Option<String>> {
    use crate::syntax::parse::descendants;
    let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
    for node in descendants(parsed.root()) {
        if node.kind() != "assignment_expression" {
            continue;
        }
        let count = node.named_child_count();
        let (Some(left), Some(right)) = (
            node.named_child(0),
            node.named_child(count.saturating_sub(1)),
        ) else {
            continue;
        };
        let Some(name) = parsed.text_of(left).trim().strip_prefix('$') else {
            continue;
        };
        if count < 2 || name.contains(['.', '[', ':']) {
            continue;
        }
        let value = crate::syntax::fold::fold(parsed, right).map(|f| f.value);
        match (out.get_mut(&name.to_ascii_lowercase()), value) {
            (Some(existing), v) => {
                if *existing != v {
                    *existing = None;
                }
            }
            (None, v) => {
                out.insert(name.to_ascii_lowercase(), v);
            }
        }
    }
    out
}
