//! The IAM call finder for Java, Kotlin, Scala and C#, on the syntax tree: a call's name is its
//! method (`getObject`, `GetObjectAsync`) or the request type it builds (`new GetObjectRequest
//! { … }`); its keywords are the request's builder calls (`.bucket("b")`), initializer settings
//! (`BucketName = "b"`), Kotlin DSL settings (`bucket = "b"`) and named arguments; its positional
//! arguments are read as values (`s3Client.GetObjectAsync("b", "k")`).

use super::syntax::{tree_value, TreeCall, Value};
use crate::syntax::{fold, parse::descendants, Parsed};
use std::collections::BTreeMap;
use tree_sitter::Node;

/// Node kinds of calls and constructions.
const CALLS: &[&str] = &[
    "method_invocation",
    "object_creation_expression",
    "call_expression",
    "instance_expression",
    "invocation_expression",
];

/// Node kinds of argument lists (and C#/Kotlin initializer blocks that act as one).
const ARGS: &[&str] = &[
    "argument_list",
    "arguments",
    "value_arguments",
    "annotated_lambda",
    "initializer_expression",
];

/// The calls of a JVM-language or C# file.
pub(super) fn jvm_calls(parsed: &Parsed<'_>) -> Vec<TreeCall> {
    let consts = constants(parsed);
    let mut out = Vec::new();
    for node in descendants(parsed.root()) {
        if !CALLS.contains(&node.kind()) {
            continue;
        }
        let lists = arg_lists(node);
        let Some(first) = lists.first() else { continue };
        let Some((name, start)) = call_name(parsed, node, *first) else {
            continue;
        };
        let mut keywords = Vec::new();
        let mut positional = Vec::new();
        for list in &lists {
            for arg in direct_args(*list) {
                let (key, value) = unwrap_arg(parsed, arg);
                match key {
                    Some(k) => keywords.push((k, tree_value(parsed, value, &consts))),
                    None if list.kind() != "annotated_lambda"
                        && list.kind() != "initializer_expression" =>
                    {
                        positional.push(tree_value(parsed, value, &consts))
                    }
                    None => {}
                }
            }
            settings(parsed, *list, &consts, &mut keywords);
        }
        out.push(TreeCall {
            name,
            start,
            window: lists
                .iter()
                .map(|l| parsed.text_of(*l))
                .collect::<Vec<_>>()
                .join(" "),
            keywords,
            positional,
        });
    }
    out
}

/// The argument lists of a call node (an argument list and a trailing lambda or initializer).
fn arg_lists(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    let lists: Vec<Node<'_>> = node
        .children(&mut cursor)
        .filter(|c| ARGS.contains(&c.kind()))
        .collect();
    lists
}

/// The called method or constructed type, without receiver or generics, and where it starts.
fn call_name(parsed: &Parsed<'_>, call: Node<'_>, list: Node<'_>) -> Option<(String, usize)> {
    let text = parsed.text();
    let head = &text[call.start_byte()..list.start_byte()];
    let head = head.split('<').next().unwrap_or(head).trim_end();
    let dot = head.rfind(['.', ' ', '\n', '\t']).map_or(0, |d| d + 1);
    let name = head[dot..].trim();
    let name = name
        .strip_prefix("new")
        .filter(|n| n.is_empty())
        .map_or(name, |_| name);
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') || name == "new" {
        return None;
    }
    Some((name.to_string(), call.start_byte() + dot))
}

/// The arguments of a list (unwrapped from `argument` / `value_argument` later).
fn direct_args(list: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = list.walk();
    let args: Vec<Node<'_>> = list
        .named_children(&mut cursor)
        .filter(|c| !c.kind().contains("comment"))
        .collect();
    args
}

/// An argument's name (Kotlin `bucket = "b"`, C# `bucket: "b"`) and value node.
fn unwrap_arg<'t>(parsed: &Parsed<'_>, arg: Node<'t>) -> (Option<String>, Node<'t>) {
    if matches!(arg.kind(), "argument" | "value_argument") {
        let count = arg.named_child_count();
        let value = arg.named_child(count.saturating_sub(1)).unwrap_or(arg);
        let key = (count > 1)
            .then(|| arg.named_child(0))
            .flatten()
            .map(|k| parsed.text_of(k).trim_end_matches(':').to_string());
        return (key, value);
    }
    (None, arg)
}

/// Builder calls with one argument (`.bucket("b")`) and assignments (`BucketName = "b"`,
/// `bucket = "b"`) anywhere inside `list`.
fn settings(
    parsed: &Parsed<'_>,
    list: Node<'_>,
    consts: &BTreeMap<String, Option<String>>,
    out: &mut Vec<(String, Value)>,
) {
    for node in descendants(list) {
        match node.kind() {
            "assignment" | "assignment_expression" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left")
                        .or_else(|| node.named_child(0)),
                    node.child_by_field_name("right")
                        .or_else(|| node.named_child(1)),
                ) else {
                    continue;
                };
                let key = parsed.text_of(left);
                let key = key.rsplit('.').next().unwrap_or(key).trim();
                out.push((key.to_string(), tree_value(parsed, right, consts)));
            }
            k if CALLS.contains(&k) => {
                let lists = arg_lists(node);
                let Some(first) = lists.first() else { continue };
                let args = direct_args(*first);
                if args.len() != 1 {
                    continue;
                }
                let Some((name, _)) = call_name(parsed, node, *first) else {
                    continue;
                };
                let (_, value) = unwrap_arg(parsed, args[0]);
                out.push((name, tree_value(parsed, value, consts)));
            }
            _ => {}
        }
    }
}

/// Names bound to one constant string (`static final String BUCKET = "b"`, `val bucket = "b"`,
/// `const string Bucket = "b"`); a name bound to two different values maps to `None`.
fn constants(parsed: &Parsed<'_>) -> BTreeMap<String, Option<String>> {
    let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
    for node in descendants(parsed.root()) {
        let (name, value) = match node.kind() {
            "variable_declarator" => (
                node.child_by_field_name("name")
                    .or_else(|| node.named_child(0)),
                node.child_by_field_name("value")
                    .or_else(|| node.named_child(node.named_child_count().saturating_sub(1))),
            ),
            "val_definition" | "var_definition" => (
                node.child_by_field_name("pattern"),
                node.child_by_field_name("value"),
            ),
            "property_declaration" => {
                let mut cursor = node.walk();
                let decl = node
                    .named_children(&mut cursor)
                    .find(|c| c.kind() == "variable_declaration")
                    .and_then(|d| d.named_child(0));
                let count = node.named_child_count();
                (decl, node.named_child(count.saturating_sub(1)))
            }
            _ => continue,
        };
        let (Some(name), Some(value)) = (name, value) else {
            continue;
        };
        if name.id() == value.id() {
            continue;
        }
        let v = fold::fold(parsed, value).map(|f| f.value);
        match out.get_mut(parsed.text_of(name)) {
            Some(existing) if *existing != v => *existing = None,
            Some(_) => {}
            None => {
                out.insert(parsed.text_of(name).to_string(), v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::iam::actions::Inferrer;

    fn grants(path: &str, text: &str) -> Vec<(String, String)> {
        Inferrer::builtin()
            .infer(path, text)
            .into_iter()
            .map(|g| (g.action, g.resource))
            .collect()
    }

    #[test]
    fn java_v2_request_builder() {
        let g = grants(
            "S3.java",
            "class A { static final String BUCKET = \"acme-media\";\n void f(S3Client s3) {\n s3.getObject(GetObjectRequest.builder().bucket(BUCKET).key(\"k\").build());\n } }\n",
        );
        assert!(
            g.contains(&("s3:GetObject".into(), "arn:aws:s3:::acme-media/*".into())),
            "{g:?}"
        );
    }

    #[test]
    fn csharp_positional_and_initializer() {
        let g = grants(
            "S3.cs",
            "class A { async Task F(IAmazonS3 s3Client) {\n await s3Client.GetObjectAsync(\"acme-reports\", \"k\");\n await s3Client.PutObjectAsync(new PutObjectRequest { BucketName = \"acme-out\", Key = \"k\" });\n } }\n",
        );
        assert!(
            g.contains(&("s3:GetObject".into(), "arn:aws:s3:::acme-reports/*".into())),
            "{g:?}"
        );
        assert!(
            g.contains(&("s3:PutObject".into(), "arn:aws:s3:::acme-out/*".into())),
            "{g:?}"
        );
    }

    #[test]
    fn kotlin_dsl_and_scala_v1() {
        let g = grants(
            "S3.kt",
            "suspend fun f(s3: S3Client) {\n s3.getObject(GetObjectRequest { bucket = \"acme-kt\"; key = \"k\" }) { }\n}\n",
        );
        assert!(
            g.contains(&("s3:GetObject".into(), "arn:aws:s3:::acme-kt/*".into())),
            "{g:?}"
        );
        let g = grants(
            "S3.scala",
            "object A {\n  val bucket = \"acme-scala\"\n  def put(s3: AmazonS3, body: String) = s3.putObject(bucket, \"k\", body)\n}\n",
        );
        assert!(
            g.contains(&("s3:PutObject".into(), "arn:aws:s3:::acme-scala/*".into())),
            "{g:?}"
        );
    }
}
