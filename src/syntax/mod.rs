//! The syntax layer: tree-sitter trees for every language rolecall rewrites or reads, and the
//! tools rewriters share on them.
//!
//! - [`Language`]: the grammars, and detection from a path (and shebang);
//! - [`parse()`] / [`parse_with`] / [`parse_ranges`]: parsing with a size limit and a time budget,
//!   error counting ([`Parsed::errors`]);
//! - [`strings`]: string literals (decoded value, content range) under each language's quoting;
//! - [`fold`]: constant string folding ([`fold::constant_strings`]);
//! - [`defuse`]: bindings and their uses within a file;
//! - [`nodes`]: calls, arguments, pairs, statements, comments;
//! - [`edit`]: one [`edit::EditSet`] of byte-range edits with one overlap rule;
//! - [`guard`]: the parse guard (a patch may not add syntax errors).
//!
//! Sits just above `model`: it knows nothing of detection, git, scanning or fixing, so the
//! detector can call [`fold`] and `fix` builds on all of it (see `docs/rewriters.md`).

pub mod defuse;
pub mod edit;
pub mod fold;
pub mod guard;
mod lang;
pub mod nodes;
pub mod parse;
pub mod strings;

pub use lang::Language;
pub use parse::{parse, parse_ranges, parse_with, Limits, ParseError, Parsed};

/// The tree under `node` as an indented outline (kind, field name, text of leaves): for tests and
/// for finding a grammar's node kinds while writing a rewriter.
pub fn outline(parsed: &Parsed<'_>, node: tree_sitter::Node<'_>) -> String {
    let mut out = String::new();
    let mut cursor = node.walk();
    let mut depth = 0usize;
    loop {
        let n = cursor.node();
        let field = cursor
            .field_name()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        let leaf = if n.child_count() == 0 {
            format!(" {:?}", parsed.text_of(n))
        } else {
            String::new()
        };
        let kind = if n.is_named() {
            n.kind().to_string()
        } else {
            format!("'{}'", n.kind())
        };
        out.push_str(&format!("{}{field}{kind}{leaf}\n", "  ".repeat(depth)));
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.node() == node {
                return out;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
            depth -= 1;
        }
    }
}
