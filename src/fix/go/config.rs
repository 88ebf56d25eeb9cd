//! A hand-built SDK v2 `aws.Config{…}` literal has no credential chain: `name := aws.Config{…}`
//! becomes `name, err := config.LoadDefaultConfig(ctx, config.With…(…)…)` with the enclosing
//! function's error handling, and the imports the new code needs are added.

use crate::syntax::edit::{lines, SpotEdits};
use crate::syntax::parse::descendants;
use crate::syntax::{nodes, Parsed};
use tree_sitter::Node;

/// Import path of the v2 config loader.
const CONFIG_PATH: &str = "github.com/aws/aws-sdk-go-v2/config";

/// `aws.Config` fields and the `config` load options that set them.
const CONFIG_OPTIONS: &[(&str, &str)] = &[
    ("Region", "config.WithRegion"),
    ("RetryMaxAttempts", "config.WithRetryMaxAttempts"),
    ("RetryMode", "config.WithRetryMode"),
    ("HTTPClient", "config.WithHTTPClient"),
    ("Logger", "config.WithLogger"),
    ("ClientLogMode", "config.WithClientLogMode"),
    ("DefaultsMode", "config.WithDefaultsMode"),
    ("AppID", "config.WithAppID"),
    ("BaseEndpoint", "config.WithBaseEndpoint"),
    (
        "EndpointResolverWithOptions",
        "config.WithEndpointResolverWithOptions",
    ),
];

fn manual(why: &str) -> String {
    format!(
        "{why}; a hand-built aws.Config has no credential chain: load it with config.LoadDefaultConfig(ctx, config.WithRegion(…)) by hand"
    )
}

/// Plans the replacement of the statement holding `literal` (an `aws.Config{…}`); returns the
/// package names the new code uses.
pub(super) fn load_default_config(
    parsed: &Parsed<'_>,
    literal: Node<'_>,
    spot: &mut SpotEdits,
) -> Result<Vec<&'static str>, String> {
    let text = parsed.text();
    let (statement, name) = binding(parsed, literal)
        .ok_or_else(|| manual("the hand-built aws.Config is not assigned to a new variable"))?;
    let body = literal
        .child_by_field_name("body")
        .ok_or_else(|| manual("unreadable literal"))?;
    let options = load_options(parsed, body).ok_or_else(|| {
        manual("the hand-built aws.Config sets fields that have no config.With… load option")
    })?;
    let func = ancestor(statement, &["function_declaration", "method_declaration"])
        .ok_or_else(|| manual("the aws.Config is not inside a function"))?;
    let (handler, uses_log) = error_handler(parsed, func)
        .ok_or_else(|| manual("rolecall cannot tell how this function handles errors"))?;
    let (ctx, uses_context) = context_expr(parsed, func);
    let start = lines::line_start(text, statement.start_byte());
    if !lines::only_space_before(text, statement.start_byte()) {
        return Err(manual("code precedes the aws.Config literal on its line"));
    }
    let end_line = lines::line_end(text, statement.end_byte());
    if !text[statement.end_byte()..end_line].trim().is_empty() {
        return Err(manual("code follows the aws.Config literal on its line"));
    }
    let indent = &text[start..statement.start_byte()];
    let mut args = vec![ctx];
    args.extend(options);
    let mut new = format!(
        "{indent}{name}, err := config.LoadDefaultConfig({})\n{indent}if err != nil {{\n",
        args.join(", ")
    );
    new.push_str(&format!("{indent}\t{handler}\n{indent}}}\n"));
    spot.replace(
        start..lines::after_line(text, statement.end_byte()),
        &new,
        "the aws.Config literal, loaded with the default chain",
    );
    let mut used = vec!["config"];
    if uses_context {
        used.push("context");
    }
    if uses_log {
        used.push("log");
    }
    Ok(used)
}

/// The statement `name := aws.Config{…}` / `var name = aws.Config{…}` and the name.
fn binding<'t>(parsed: &Parsed<'_>, literal: Node<'t>) -> Option<(Node<'t>, String)> {
    let list = literal.parent().filter(|p| p.kind() == "expression_list")?;
    let statement = list.parent()?;
    if list.named_child_count() != 1 {
        return None;
    }
    let name = match statement.kind() {
        "short_var_declaration" => {
            let left = statement.child_by_field_name("left")?;
            (left.named_child_count() == 1).then(|| left.named_child(0))??
        }
        "var_spec" => statement.child_by_field_name("name")?,
        _ => return None,
    };
    let statement = match statement.kind() {
        "var_spec" => statement
            .parent()
            .filter(|d| d.kind() == "var_declaration" && d.named_child_count() == 1)?,
        _ => statement,
    };
    Some((statement, parsed.text_of(name).to_string()))
}

/// The `config.With…(value)` options for every field of the literal but `Credentials`.
fn load_options(parsed: &Parsed<'_>, body: Node<'_>) -> Option<Vec<String>> {
    let mut options = Vec::new();
    let mut cursor = body.walk();
    for element in body.named_children(&mut cursor) {
        if element.kind() == "comment" {
            continue;
        }
        if element.kind() != "keyed_element" {
            return None;
        }
        let key = parsed.text_of(element.child_by_field_name("key")?).trim();
        if key == "Credentials" {
            continue;
        }
        let value = parsed.text_of(element.child_by_field_name("value")?).trim();
        let (_, option) = CONFIG_OPTIONS.iter().find(|(field, _)| *field == key)?;
        let value = match value
            .strip_prefix("aws.String(")
            .and_then(|v| v.strip_suffix(')'))
        {
            Some(inner) if key == "Region" => inner,
            _ => value,
        };
        options.push(format!("{option}({value})"));
    }
    Some(options)
}

fn ancestor<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut at = node.parent();
    while let Some(n) = at {
        if kinds.contains(&n.kind()) {
            return Some(n);
        }
        at = n.parent();
    }
    None
}

/// The context to load with: a `context.Context` parameter, else a new one (and whether the
/// new code names the `context` package).
fn context_expr(parsed: &Parsed<'_>, func: Node<'_>) -> (String, bool) {
    if let Some(params) = func.child_by_field_name("parameters") {
        let mut cursor = params.walk();
        for p in params.named_children(&mut cursor) {
            let ty = p
                .child_by_field_name("type")
                .map(|t| nodes::dotted(parsed, t));
            if ty.as_deref() == Some("context.Context") {
                if let Some(name) = p.child_by_field_name("name") {
                    return (parsed.text_of(name).to_string(), false);
                }
            }
        }
    }
    let name = func
        .child_by_field_name("name")
        .map(|n| parsed.text_of(n))
        .unwrap_or("");
    if name == "main" {
        ("context.Background()".into(), true)
    } else {
        ("context.TODO()".into(), true)
    }
}

/// The line to run when loading fails: the function's own one-line `if err != nil { … }` body
/// when it has one, else what its results call for (and whether it uses `log`).
fn error_handler(parsed: &Parsed<'_>, func: Node<'_>) -> Option<(String, bool)> {
    let body = func.child_by_field_name("body")?;
    for n in descendants(body).filter(|n| n.kind() == "if_statement") {
        let cond = n
            .child_by_field_name("condition")
            .map(|c| nodes::dotted(parsed, c));
        if cond.as_deref() != Some("err!=nil") {
            continue;
        }
        let Some(block) = n.child_by_field_name("consequence") else {
            continue;
        };
        let inner = parsed
            .text_of(block)
            .trim_start_matches('{')
            .trim_end_matches('}')
            .trim();
        if inner.is_empty() || inner.contains('\n') {
            continue;
        }
        return Some((inner.to_string(), false));
    }
    let Some(result) = func.child_by_field_name("result") else {
        return Some(("log.Fatalf(\"loading AWS config: %v\", err)".into(), true));
    };
    let results = parsed
        .text_of(result)
        .trim_start_matches('(')
        .trim_end_matches(')')
        .to_string();
    let types: Vec<&str> = results
        .split(',')
        .map(|r| r.split_whitespace().last().unwrap_or(""))
        .collect();
    if types.last() != Some(&"error") {
        return None;
    }
    let mut values: Vec<String> = Vec::new();
    for ty in &types[..types.len() - 1] {
        values.push(zero_value(ty)?.to_string());
    }
    values.push("err".into());
    Some((format!("return {}", values.join(", ")), false))
}

/// The zero value of a Go type, for the types where it is certain from the name alone.
fn zero_value(ty: &str) -> Option<&'static str> {
    let nil = ty.starts_with('*')
        || ty.starts_with("[]")
        || ty.starts_with("map[")
        || ty.starts_with("chan")
        || ty.starts_with("func");
    match ty {
        _ if nil => Some("nil"),
        "error" | "any" | "interface{}" => Some("nil"),
        "string" => Some("\"\""),
        "bool" => Some("false"),
        "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32"
        | "uint64" | "float32" | "float64" | "byte" | "rune" => Some("0"),
        _ => None,
    }
}

/// The import path of a package name the new code may use.
pub(super) fn import_path(name: &str) -> &'static str {
    match name {
        "config" => CONFIG_PATH,
        "context" => "context",
        _ => "log",
    }
}

/// Where and how to add an import of `path`: in the `import (…)` block, among the standard
/// library or the third-party specs, in sorted order; `None` when there is no block.
pub(super) fn import_insertion(parsed: &Parsed<'_>, path: &str) -> Option<(usize, String)> {
    let text = parsed.text();
    let std = !path.split('/').next().unwrap_or("").contains('.');
    let list = descendants(parsed.root()).find(|n| n.kind() == "import_spec_list")?;
    let mut cursor = list.walk();
    let specs: Vec<(Node<'_>, String)> = list
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "import_spec")
        .filter_map(|s| {
            let p = s.child_by_field_name("path")?;
            Some((s, parsed.text_of(p).trim_matches('"').to_string()))
        })
        .collect();
    let same: Vec<&(Node<'_>, String)> = specs
        .iter()
        .filter(|(_, p)| p.split('/').next().unwrap_or("").contains('.') != std)
        .collect();
    let pool: Vec<&(Node<'_>, String)> = if same.is_empty() {
        specs.iter().collect()
    } else {
        same
    };
    let line = format!("\t\"{path}\"\n");
    match pool.iter().find(|(_, p)| p.as_str() > path) {
        Some((s, _)) => Some((lines::line_start(text, s.start_byte()), line)),
        None => Some((lines::after_line(text, pool.last()?.0.end_byte()), line)),
    }
}
