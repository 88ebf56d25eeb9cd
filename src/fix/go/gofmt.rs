//! gofmt's alignment of key-value elements in a composite literal: consecutive single-line
//! elements, one per line, form a section whose values start in one column (the longest
//! `Key:` plus one space). A blank line or a multi-line element ends a section.

use crate::syntax::edit::{lines, SpotEdits};
use crate::syntax::parse::descendants;
use crate::syntax::Parsed;
use std::ops::Range;
use tree_sitter::Node;

/// The edits that re-align the elements of literal `body` that stay when the elements at
/// `gone` (indices among its non-comment named children) are removed: `(gap, spaces)` for each
/// element whose value column changes. Sections that were not aligned stay as they are.
pub(super) fn realign(
    parsed: &Parsed<'_>,
    body: Node<'_>,
    gone: &[usize],
) -> Vec<(Range<usize>, String)> {
    let text = parsed.text();
    let mut cursor = body.walk();
    let elements: Vec<Node<'_>> = body
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .collect();
    let removed: Vec<Range<usize>> = gone.iter().map(|&i| elements[i].byte_range()).collect();
    let mut sections: Vec<Vec<Cell>> = Vec::new();
    let mut current: Vec<Cell> = Vec::new();
    let mut prev_end: Option<usize> = None;
    for (i, element) in elements.iter().enumerate() {
        if gone.contains(&i) {
            continue;
        }
        let cell = cell(parsed, *element);
        let gap_ok = prev_end.map_or(true, |end| {
            !blank_line_between(text, end, element.start_byte(), &removed)
        });
        match cell {
            Some(c) if gap_ok => current.push(c),
            Some(c) => {
                sections.push(std::mem::take(&mut current));
                current.push(c);
            }
            None => sections.push(std::mem::take(&mut current)),
        }
        prev_end = Some(element.end_byte());
    }
    sections.push(current);
    let mut out = Vec::new();
    for section in sections.into_iter().filter(|s| !s.is_empty()) {
        let aligned = section
            .iter()
            .all(|c| c.key + c.gap.len() == section[0].key + section[0].gap.len());
        if !aligned {
            continue;
        }
        let width = section.iter().map(|c| c.key).max().unwrap_or(0) + 1;
        for c in section {
            let want = width - c.key;
            if c.gap.len() != want {
                out.push((c.gap, " ".repeat(want)));
            }
        }
    }
    out
}

/// One alignable element: the width of `Key:` and the blanks after it.
struct Cell {
    key: usize,
    gap: Range<usize>,
}

/// The cell of a single-line keyed element alone on its line.
fn cell(parsed: &Parsed<'_>, element: Node<'_>) -> Option<Cell> {
    let text = parsed.text();
    if element.start_position().row != element.end_position().row {
        return None;
    }
    if matches!(element.kind(), "const_spec" | "var_spec") {
        return spec_cell(parsed, element);
    }
    if element.kind() != "keyed_element" {
        return None;
    }
    if !lines::only_space_before(text, element.start_byte()) {
        return None;
    }
    let key = element.child_by_field_name("key")?;
    let value = element.child_by_field_name("value")?;
    let colon = key.end_byte();
    let gap_start = text[colon..].find(':')? + colon + 1;
    let gap = gap_start..value.start_byte();
    let blanks = text.get(gap.clone())?;
    if blanks.is_empty() || !blanks.bytes().all(|b| b == b' ') {
        return None;
    }
    Some(Cell {
        key: text[key.byte_range()].chars().count() + 1,
        gap,
    })
}

/// Whether a blank line (not one of the removed elements') separates `from` and `to`.
fn blank_line_between(text: &str, from: usize, to: usize, removed: &[Range<usize>]) -> bool {
    let mut at = lines::after_line(text, from);
    while at < to {
        let end = lines::line_end(text, at);
        let line = &text[at..end];
        let in_removed = removed
            .iter()
            .any(|r| r.start <= at && at < r.end || (at..end).contains(&r.start));
        if line.trim().is_empty() && !in_removed {
            return true;
        }
        if line.trim_start().starts_with("//") {
            return true;
        }
        at = end + 1;
    }
    false
}

/// The cell of `name = value` in a grouped `const`/`var` (one name, no type).
fn spec_cell(parsed: &Parsed<'_>, spec: Node<'_>) -> Option<Cell> {
    let text = parsed.text();
    if spec.child_by_field_name("type").is_some()
        || !lines::only_space_before(text, spec.start_byte())
    {
        return None;
    }
    let mut cursor = spec.walk();
    let names: Vec<Node<'_>> = spec.children_by_field_name("name", &mut cursor).collect();
    let [name] = names[..] else {
        return None;
    };
    let eq = text[name.end_byte()..spec.end_byte()].find('=')? + name.end_byte();
    let gap = name.end_byte()..eq;
    let blanks = text.get(gap.clone())?;
    if blanks.is_empty() || !blanks.bytes().all(|b| b == b' ') {
        return None;
    }
    Some(Cell {
        key: text[name.byte_range()].chars().count(),
        gap,
    })
}

/// Re-aligns every composite literal and grouped `const`/`var` the spots remove elements from:
/// the alignment edits (computed on all removals together) go to each spot that removes one.
pub(super) fn realign_all(parsed: &Parsed<'_>, spots: &mut [SpotEdits]) {
    if spots.is_empty() {
        return;
    }
    let groups = descendants(parsed.root()).filter(|n| {
        matches!(
            n.kind(),
            "literal_value" | "const_declaration" | "var_declaration" | "var_spec_list"
        )
    });
    for group in groups {
        let mut cursor = group.walk();
        let elements: Vec<Node<'_>> = group
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect();
        let mut gone = Vec::new();
        let mut owners = Vec::new();
        for (i, e) in elements.iter().enumerate() {
            let covering: Vec<usize> = (0..spots.len())
                .filter(|&s| spots[s].covers(&e.byte_range()))
                .collect();
            if !covering.is_empty() {
                gone.push(i);
                owners.extend(covering);
            }
        }
        if gone.is_empty() || gone.len() == elements.len() {
            continue;
        }
        owners.sort_unstable();
        owners.dedup();
        for (range, text) in realign(parsed, group, &gone) {
            for &s in &owners {
                spots[s].replace(
                    range.clone(),
                    &text,
                    "gofmt alignment of the elements that stay",
                );
            }
        }
    }
}
