//! An in-process YAML reader for tests: loads the block and flow collections and scalars that
//! workflows and manifests use into `serde_json` values, from rolecall's own YAML grammar, so the
//! default test tier can check what a YAML consumer would see without PyYAML. It refuses what it
//! does not understand (anchors, tags, multi-document streams) rather than guess. The
//! conformance tier compares its output with PyYAML's.
#![allow(dead_code)]

use rolecall::syntax::{parse, strings, Language, Parsed};
use serde_json::{Map, Value};
use tree_sitter::Node;

/// Loads the first document of `text`; panics on a syntax error or an unsupported construct.
pub fn load(text: &str) -> Value {
    let parsed = parse(Language::Yaml, text).expect("the YAML parses");
    assert_eq!(parsed.errors(), 0, "YAML syntax errors in:\n{text}");
    let doc = named(parsed.root())
        .into_iter()
        .find(|n| n.kind() == "document")
        .expect("a YAML document");
    let body = named(doc).into_iter().next().expect("a document body");
    value(&parsed, body)
}

fn named(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    let out = node
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .collect();
    out
}

fn value(parsed: &Parsed<'_>, node: Node<'_>) -> Value {
    match node.kind() {
        "block_node" | "flow_node" => match named(node).as_slice() {
            [] => Value::Null,
            [only] => value(parsed, *only),
            _ => panic!("unsupported YAML node: {}", parsed.text_of(node)),
        },
        "block_mapping" | "flow_mapping" => {
            let mut map = Map::new();
            for pair in named(node) {
                let key = pair.child_by_field_name("key").expect("a key");
                let key = match value(parsed, key) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let v = pair
                    .child_by_field_name("value")
                    .map_or(Value::Null, |v| value(parsed, v));
                map.insert(key, v);
            }
            Value::Object(map)
        }
        "block_sequence" => Value::Array(
            named(node)
                .into_iter()
                .map(|item| {
                    named(item)
                        .into_iter()
                        .next()
                        .map_or(Value::Null, |v| value(parsed, v))
                })
                .collect(),
        ),
        "flow_sequence" => {
            Value::Array(named(node).into_iter().map(|v| value(parsed, v)).collect())
        }
        "plain_scalar" => plain(parsed.text_of(node).trim()),
        "double_quote_scalar" | "single_quote_scalar" => Value::String(
            strings::string_literal(parsed, node)
                .and_then(|s| s.value)
                .expect("a quoted scalar"),
        ),
        "block_scalar" => Value::String(block_scalar(parsed.text_of(node))),
        other => panic!(
            "unsupported YAML construct {other}: {}",
            parsed.text_of(node)
        ),
    }
}

/// A plain scalar with YAML 1.1's resolution (as PyYAML's safe loader does for these).
fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        // YAML 1.1 booleans, as PyYAML reads them (`on:` in a workflow is `true` there).
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Value::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        _ => {
            if let Ok(i) = text.parse::<i64>() {
                return Value::from(i);
            }
            if text.contains('.') {
                if let Ok(f) = text.parse::<f64>() {
                    return Value::from(f);
                }
            }
            Value::String(text.to_string())
        }
    }
}

/// A literal (`|`) or folded (`>`) block scalar, with clip chomping.
fn block_scalar(text: &str) -> String {
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    let lines: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let stripped: Vec<&str> = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect();
    let joined = if header.trim_start().starts_with('>') {
        stripped.join(" ")
    } else {
        stripped.join("\n")
    };
    format!("{}\n", joined.trim_end_matches('\n'))
}

/// JSON the way python's `json.dumps(v, sort_keys=True)` prints it (`", "` and `": "`).
pub fn python_json(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}: {}", Value::String(k.clone()), python_json(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}
