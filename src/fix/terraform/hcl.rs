//! Reading Terraform's HCL tree (tree-sitter-hcl, through [`crate::syntax`]): body items, block
//! words, attribute parts, `var.` / `local.` references, heredoc bodies, comments and the parts of
//! the file that hold a syntax error.

use crate::syntax::parse::{descendants, error_nodes, named_children};
use crate::syntax::Parsed;
use std::ops::Range;
use tree_sitter::Node;

/// The items (attributes and blocks) of the body of `holder`: the file's root (`config_file`) or
/// a `block`. A block written `{}` has no body, hence no items.
pub(crate) fn items(holder: Node<'_>) -> Vec<Node<'_>> {
    named_children(holder)
        .into_iter()
        .filter(|n| n.kind() == "body")
        .flat_map(named_children)
        .filter(|n| matches!(n.kind(), "attribute" | "block"))
        .collect()
}

/// The type and labels of a block, labels unquoted (`provider "aws"` → `["provider", "aws"]`).
pub(crate) fn words<'s>(parsed: &Parsed<'s>, block: Node<'_>) -> Vec<&'s str> {
    named_children(block)
        .into_iter()
        .take_while(|n| n.kind() != "block_start")
        .filter(|n| matches!(n.kind(), "identifier" | "string_lit"))
        .map(|n| parsed.text_of(n).trim_matches('"'))
        .collect()
}

/// Whether `node` is a block whose type and labels are exactly `wanted`.
pub(crate) fn is_block(parsed: &Parsed<'_>, node: Node<'_>, wanted: &[&str]) -> bool {
    node.kind() == "block" && words(parsed, node) == wanted
}

/// The name of an attribute (`None` for anything else).
pub(crate) fn attribute_name<'s>(parsed: &Parsed<'s>, node: Node<'_>) -> Option<&'s str> {
    if node.kind() != "attribute" {
        return None;
    }
    node.named_child(0)
        .filter(|n| n.kind() == "identifier")
        .map(|n| parsed.text_of(n))
}

/// Whether `node` is an attribute named `wanted`.
pub(crate) fn is_attribute(parsed: &Parsed<'_>, node: Node<'_>, wanted: &str) -> bool {
    attribute_name(parsed, node) == Some(wanted)
}

/// The `=` of an attribute.
pub(crate) fn equals(attribute: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = attribute.walk();
    let found = attribute.children(&mut cursor).find(|c| c.kind() == "=");
    found
}

/// Whether an attribute's value starts with a heredoc (`name = <<EOF`).
pub(crate) fn opens_heredoc(attribute: Node<'_>) -> bool {
    let Some(value) = named_children(attribute)
        .into_iter()
        .find(|n| n.kind() == "expression")
    else {
        return false;
    };
    descendants(value)
        .take_while(|n| n.start_byte() == value.start_byte())
        .any(|n| n.kind() == "heredoc_template")
}

/// Whether a heredoc is anywhere in `node`.
pub(crate) fn holds_heredoc(node: Node<'_>) -> bool {
    descendants(node).any(|n| n.kind() == "heredoc_template")
}

/// A reference to a variable or a local: `var.NAME` or `local.NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reference<'s> {
    /// `var` or `local`.
    pub kind: &'s str,
    /// The variable's or local's name.
    pub name: &'s str,
    /// Where the reference starts.
    pub at: usize,
}

/// The `var.NAME` / `local.NAME` references under `node` (templates' `${…}` included, comments
/// and literal text not).
pub(crate) fn references<'s>(parsed: &Parsed<'s>, node: Node<'_>) -> Vec<Reference<'s>> {
    descendants(node)
        .filter(|n| n.kind() == "variable_expr")
        .filter_map(|root| {
            let kind = parsed.text_of(root);
            if kind != "var" && kind != "local" {
                return None;
            }
            let attr = root
                .next_named_sibling()
                .filter(|s| s.kind() == "get_attr")?;
            let name = attr.named_child(0).filter(|n| n.kind() == "identifier")?;
            Some(Reference {
                kind,
                name: parsed.text_of(name),
                at: root.start_byte(),
            })
        })
        .collect()
}

/// The body of a heredoc template: from the line after `<<EOF` to the start of the closing
/// marker's line (`None` when it is empty or not closed).
pub(crate) fn heredoc_body(text: &str, heredoc: Node<'_>) -> Option<Range<usize>> {
    let markers: Vec<Node<'_>> = named_children(heredoc)
        .into_iter()
        .filter(|n| n.kind() == "heredoc_identifier")
        .collect();
    let [open, close] = markers[..] else {
        return None;
    };
    if close.is_missing() || close.start_byte() == close.end_byte() {
        return None;
    }
    let start = open.end_byte() + text.get(open.end_byte()..)?.find('\n')? + 1;
    let end = text[..close.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    (start < end).then_some(start..end)
}

/// The key (or name) an expression is the value of: an attribute's name, or the key of an
/// object element (`{ user_data = <<EOF … }`).
pub(crate) fn owner_name<'s>(parsed: &Parsed<'s>, node: Node<'_>) -> Option<&'s str> {
    let owner = crate::syntax::parse::ancestor(node, &["attribute", "object_elem"])?;
    match owner.kind() {
        "attribute" => attribute_name(parsed, owner),
        _ => owner
            .child_by_field_name("key")
            .map(|k| parsed.text_of(k).trim_matches('"')),
    }
}

/// The byte range of a comment without a line ending the grammar took into it (`# c\r`).
pub(crate) fn comment_span(text: &str, comment: Node<'_>) -> Range<usize> {
    let range = comment.byte_range();
    let end = range.start + text[range.clone()].trim_end_matches(['\r', '\n']).len();
    range.start..end
}

/// The parts of the file that hold a syntax error, with the 1-based line of their first error:
/// each top-level item (or stray `ERROR` node) the tree could not read cleanly. Nothing inside
/// them is edited, and a key there is left for a human.
pub(crate) fn broken(parsed: &Parsed<'_>) -> Vec<(Range<usize>, u32)> {
    let root = parsed.root();
    let mut out: Vec<(Range<usize>, u32)> = Vec::new();
    for error in error_nodes(root) {
        let mut top = error;
        while let Some(parent) = top.parent() {
            let at_top =
                parent == root || (parent.kind() == "body" && parent.parent() == Some(root));
            if at_top {
                break;
            }
            top = parent;
        }
        if top == root {
            top = error;
        }
        let range = top.byte_range();
        if out.iter().any(|(r, _)| *r == range) {
            continue;
        }
        out.push((range, parsed.line_of(error.start_byte())));
    }
    out
}
