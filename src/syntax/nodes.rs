//! Small typed accessors over nodes that rewriters share: calls and their arguments, key-value
//! pairs, statements and the lines they own, comments.
//!
//! Each accessor knows the node kinds of the languages ported so far and returns `None` for the
//! others; a port adds its grammar's kinds here (see `docs/rewriters.md`).

use super::edit::lines;
use super::{strings, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// A call: what is called and its argument list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'t> {
    /// The call node.
    pub node: Node<'t>,
    /// The callee expression (`boto3.client`, `os.environ.get`).
    pub callee: Node<'t>,
    /// The argument list node (with its brackets).
    pub args: Node<'t>,
}

/// One argument of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg<'t> {
    /// The whole argument (`key=value`, `**kwargs`, `value`).
    pub node: Node<'t>,
    /// The keyword, for a keyword argument.
    pub keyword: Option<Node<'t>>,
    /// The value (for `**x` and `*x`: `x`).
    pub value: Node<'t>,
    /// The position among positional arguments, for a positional argument.
    pub position: Option<usize>,
    /// Whether this is a `**mapping` (or `...spread`) argument.
    pub spread: bool,
}

/// A key-value pair of a dict, hash, object or map literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair<'t> {
    /// The pair node.
    pub node: Node<'t>,
    /// The key node.
    pub key: Node<'t>,
    /// The value node.
    pub value: Node<'t>,
}

/// The call whose node is `node`.
pub fn call_of<'t>(lang: Language, node: Node<'t>) -> Option<Call<'t>> {
    let (callee, args) = match (lang, node.kind()) {
        (Language::Python, "call") => ("function", "arguments"),
        (
            Language::JavaScript | Language::TypeScript | Language::Tsx | Language::Go,
            "call_expression",
        ) => ("function", "arguments"),
        (Language::JavaScript | Language::TypeScript | Language::Tsx, "new_expression") => {
            ("constructor", "arguments")
        }
        _ => return None,
    };
    Some(Call {
        node,
        callee: node.child_by_field_name(callee)?,
        args: node.child_by_field_name(args)?,
    })
}

/// The call whose argument list is `args`.
pub fn call_of_args<'t>(lang: Language, args: Node<'t>) -> Option<Call<'t>> {
    let call = args.parent()?;
    call_of(lang, call).filter(|c| c.args == args)
}

/// A callee's text without whitespace (`boto3 . client` → `boto3.client`).
pub fn dotted(parsed: &Parsed<'_>, node: Node<'_>) -> String {
    parsed
        .text_of(node)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The arguments of an argument list.
pub fn arguments<'t>(lang: Language, args: Node<'t>) -> Vec<Arg<'t>> {
    let mut out = Vec::new();
    let mut position = 0;
    let mut cursor = args.walk();
    for node in args.named_children(&mut cursor) {
        if node.kind().contains("comment") {
            continue;
        }
        let arg = match (lang, node.kind()) {
            (Language::Python, "keyword_argument") => Arg {
                node,
                keyword: node.child_by_field_name("name"),
                value: node.child_by_field_name("value").unwrap_or(node),
                position: None,
                spread: false,
            },
            (Language::Python, "dictionary_splat" | "list_splat") | (_, "spread_element") => Arg {
                node,
                keyword: None,
                value: node.named_child(0).unwrap_or(node),
                position: None,
                spread: true,
            },
            _ => {
                position += 1;
                Arg {
                    node,
                    keyword: None,
                    value: node,
                    position: Some(position - 1),
                    spread: false,
                }
            }
        };
        out.push(arg);
    }
    out
}

/// The pair whose node is `node`.
pub fn pair_of<'t>(lang: Language, node: Node<'t>) -> Option<Pair<'t>> {
    match (lang, node.kind()) {
        (
            Language::Python
            | Language::Json
            | Language::JavaScript
            | Language::TypeScript
            | Language::Tsx,
            "pair",
        )
        | (Language::Yaml, "block_mapping_pair" | "flow_pair") => Some(Pair {
            node,
            key: node.child_by_field_name("key")?,
            value: node.child_by_field_name("value")?,
        }),
        _ => None,
    }
}

/// The text a pair's key names: the decoded string, or the identifier.
pub fn key_text(parsed: &Parsed<'_>, key: Node<'_>) -> String {
    strings::string_literal(parsed, key)
        .and_then(|s| s.value)
        .unwrap_or_else(|| parsed.text_of(key).to_string())
}

/// The member `name` of a JSON object (keys compared decoded, so `"\u0041WS"` is `AWS`).
pub fn json_member<'t>(parsed: &Parsed<'_>, object: Node<'t>, name: &str) -> Option<Pair<'t>> {
    let mut cursor = object.walk();
    let found = object
        .named_children(&mut cursor)
        .filter_map(|p| pair_of(Language::Json, p))
        .find(|p| key_text(parsed, p.key) == name);
    found
}

/// The statement that holds `node`: the outermost ancestor that is still a child of a block
/// (module, function body, `if` branch, shell program or compound statement).
pub fn statement_of<'t>(lang: Language, node: Node<'t>) -> Option<Node<'t>> {
    let blocks: &[&str] = match lang {
        Language::Python => &["module", "block"],
        Language::Bash => &[
            "program",
            "compound_statement",
            "do_group",
            "if_statement",
            "elif_clause",
            "else_clause",
            "case_item",
            "subshell",
        ],
        _ => return None,
    };
    let mut at = node;
    loop {
        let parent = at.parent()?;
        if blocks.contains(&parent.kind()) {
            return Some(at);
        }
        at = parent;
    }
}

/// Shell words that continue `node`'s word across backslash-newlines (`K="AK"\` newline `"IA"`):
/// the grammar splits them into separate words, bash joins them. The following siblings joined
/// to `node` by nothing but `\` + newline, in order.
pub fn continued_word_parts<'t>(parsed: &Parsed<'_>, node: Node<'t>) -> Vec<Node<'t>> {
    let text = parsed.text();
    let mut out = Vec::new();
    let mut at = node;
    // An assignment's word is its value.
    let mut end = node.end_byte();
    while let Some(next) = at.next_named_sibling() {
        let gap = text.get(end..next.start_byte()).unwrap_or(" ");
        if gap != "\\\n" && gap != "\\\r\n" {
            break;
        }
        out.push(next);
        end = next.end_byte();
        at = next;
    }
    out
}

/// The statements of a block (named children that are not comments).
pub fn block_statements<'t>(block: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = block.walk();
    let out = block
        .named_children(&mut cursor)
        .filter(|c| !c.kind().contains("comment"))
        .collect();
    out
}

/// The bytes that remove a statement (or any node standing alone): its whole lines, with a
/// comment that ends its last line, when nothing else shares those lines; `None` otherwise.
pub fn statement_lines(parsed: &Parsed<'_>, node: Node<'_>) -> Option<Range<usize>> {
    let text = parsed.text();
    let range = node.byte_range();
    if !lines::only_space_before(text, range.start) {
        return None;
    }
    let mut end = range.end;
    // A `;` terminator right after the statement goes with it.
    if let Some(next) = node
        .next_sibling()
        .filter(|n| n.kind() == ";" && n.start_byte() == end)
    {
        end = next.end_byte();
    }
    let comments = trailing_comment(parsed, node);
    lines::clear_after(text, end, &comments)
        .then(|| lines::line_start(text, range.start)..lines::after_line(text, end))
}

/// The comment that follows `node` on its last line, if any.
fn trailing_comment(parsed: &Parsed<'_>, node: Node<'_>) -> Vec<Range<usize>> {
    let mut next = node.next_sibling();
    while let Some(n) = next {
        if n.kind().contains("comment") {
            return vec![n.byte_range()];
        }
        if n.is_extra() || n.kind() == ";" {
            next = n.next_sibling();
            continue;
        }
        break;
    }
    // Comments can also be children of an ancestor (tree-sitter attaches extras high up): look
    // at what starts after the blanks (and a `;`) that follow the node on its line.
    let text = parsed.text();
    let end = node.end_byte();
    let line_end = lines::line_end(text, end);
    let rest = &text[end..line_end];
    let at = end + (rest.len() - rest.trim_start_matches([' ', '\t', ';']).len());
    if at >= line_end {
        return Vec::new();
    }
    let mut found = parsed.root().descendant_for_byte_range(at, at + 1);
    while let Some(n) = found {
        if n.kind().contains("comment") && n.start_byte() == at {
            return vec![n.byte_range()];
        }
        found = n.parent().filter(|p| p.start_byte() == at);
    }
    Vec::new()
}

/// What removing the part of comment `comment` that holds byte `at` deletes: a comment alone on
/// its line goes with its line; a comment after code goes from the end of the code; in a comment
/// of several lines only the line holding the key goes (not when it is the first or last line,
/// which hold the delimiters).
pub fn comment_removal(
    parsed: &Parsed<'_>,
    comment: Node<'_>,
    at: usize,
) -> Result<Range<usize>, String> {
    let text = parsed.text();
    let span = comment.byte_range();
    let body = &text[span.clone()];
    if body.trim_end().contains('\n') {
        let first_line = lines::line_start(text, span.start);
        let last_line = lines::line_start(text, span.end.saturating_sub(1));
        let key_line = lines::line_start(text, at);
        if key_line > first_line && key_line < last_line {
            return Ok(key_line..lines::after_line(text, at));
        }
        return Err(
            "the key sits on the first or last line of a block comment; edit it by hand".into(),
        );
    }
    let line_start = lines::line_start(text, span.start);
    let line_end = lines::line_end(text, span.start);
    if !text[span.end.min(line_end)..line_end].trim().is_empty() {
        return Err("the key sits in a comment inside a line of code; edit it by hand".into());
    }
    if text[line_start..span.start].trim().is_empty() {
        return Ok(line_start..lines::after_line(text, span.start));
    }
    let code_end = text[..span.start].trim_end_matches([' ', '\t']).len();
    Ok(code_end..span.end)
}

/// The line of text (from its start to after its newline) inside a multi-line string literal
/// that holds byte `at`, when that line is neither the literal's first nor its last.
pub fn string_line_removal(
    parsed: &Parsed<'_>,
    literal: Node<'_>,
    at: usize,
) -> Result<Range<usize>, String> {
    let text = parsed.text();
    let span = literal.byte_range();
    let first = lines::line_start(text, span.start);
    let last = lines::line_start(text, span.end.saturating_sub(1));
    let line = lines::line_start(text, at);
    if line > first && line < last {
        Ok(line..lines::after_line(text, at))
    } else {
        Err("the key sits on the first or last line of a text block; edit it by hand".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn python_calls_arguments_and_pairs() {
        let text = "c = boto3 . client(\"s3\", region_name=\"x\", **extra)\nd = {\"k\": 1}\n";
        let parsed = parse(Language::Python, text).unwrap();
        let call = parse::descendants(parsed.root())
            .find_map(|n| call_of(Language::Python, n))
            .unwrap();
        assert_eq!(dotted(&parsed, call.callee), "boto3.client");
        let args = arguments(Language::Python, call.args);
        assert_eq!(args.len(), 3);
        assert_eq!(args[0].position, Some(0));
        assert_eq!(parsed.text_of(args[1].keyword.unwrap()), "region_name");
        assert!(args[2].spread);
        assert_eq!(parsed.text_of(args[2].value), "extra");
        let pair = parse::descendants(parsed.root())
            .find_map(|n| pair_of(Language::Python, n))
            .unwrap();
        assert_eq!(key_text(&parsed, pair.key), "k");
    }

    #[test]
    fn statements_own_their_lines_and_comments() {
        let text = "a = 1\nb = 2  # two\nc = 3; d = 4\n";
        let parsed = parse(Language::Python, text).unwrap();
        let stmts = block_statements(parsed.root());
        assert_eq!(statement_lines(&parsed, stmts[0]), Some(0..6));
        assert_eq!(statement_lines(&parsed, stmts[1]), Some(6..19));
        assert_eq!(statement_lines(&parsed, stmts[2]), None);
    }

    #[test]
    fn comment_parts() {
        let text = "x = 1  # key K\n# key K\n";
        let parsed = parse(Language::Python, text).unwrap();
        let comments: Vec<Node<'_>> = parse::descendants(parsed.root())
            .filter(|n| n.kind() == "comment")
            .collect();
        assert_eq!(comment_removal(&parsed, comments[0], 13), Ok(5..14));
        assert_eq!(comment_removal(&parsed, comments[1], 21), Ok(15..23));
    }
}
