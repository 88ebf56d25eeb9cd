//! Edit plans: what to remove or replace, collected first and turned into byte edits at the end,
//! so that several removals in one list (arguments, properties, fields) are laid out together and
//! everything outside them stays byte-identical.

use super::{Code, Item};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Pending edits to one file.
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Items to remove, by the open bracket of their group.
    items: BTreeMap<usize, BTreeSet<usize>>,
    /// Byte ranges to delete.
    deletions: Vec<Range<usize>>,
    /// Byte ranges to replace.
    replacements: Vec<(Range<usize>, String)>,
}

impl Plan {
    /// Removes item `index` of the group opened by token `open`, with its comma and layout.
    pub fn remove_item(&mut self, open: usize, index: usize) {
        self.items.entry(open).or_default().insert(index);
    }

    /// Whether every item of the group at `open` is planned for removal.
    pub fn empties(&self, code: &Code<'_>, open: usize) -> bool {
        let count = code.items(open).map(|items| items.len()).unwrap_or(0);
        self.items.get(&open).is_some_and(|set| set.len() == count)
    }

    /// Deletes tokens `first..=last`, whole lines when they stand alone on them (and then one
    /// of the blank lines around them, so that no double blank line is left behind).
    pub fn remove_tokens(&mut self, code: &Code<'_>, first: usize, last: usize) {
        self.deletions
            .push(code.whole_lines(code.span(first, last)));
    }

    /// Deletes a byte range as it is.
    pub fn delete(&mut self, range: Range<usize>) {
        self.deletions.push(range);
    }

    /// Replaces a byte range.
    pub fn replace(&mut self, range: Range<usize>, text: String) {
        if !self
            .replacements
            .iter()
            .any(|(r, t)| *r == range && *t == text)
        {
            self.replacements.push((range, text));
        }
    }

    /// Inserts text at a byte offset.
    pub fn insert(&mut self, at: usize, text: String) {
        self.replace(at..at, text);
    }

    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.deletions.is_empty() && self.replacements.is_empty()
    }

    /// The groups whose items are planned for removal.
    pub fn groups(&self) -> Vec<usize> {
        self.items.keys().copied().collect()
    }

    /// Applies the plan to `code`'s text. Nested deletions fold into the outer one; a replacement
    /// that overlaps another edit is an error (the caller falls back to a manual fix).
    pub fn apply(&self, code: &Code<'_>) -> Result<String, String> {
        let mut edits: Vec<(Range<usize>, String)> = self
            .replacements
            .iter()
            .map(|(r, t)| (r.clone(), t.clone()))
            .collect();
        let mut deletions = self.deletions.clone();
        for (&open, indexes) in &self.items {
            deletions.extend(
                item_deletions(code, open, indexes)
                    .ok_or("unbalanced brackets around a credential")?,
            );
        }
        deletions.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        let mut merged: Vec<Range<usize>> = Vec::new();
        for range in deletions {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        for mut range in merged {
            tidy_blank_line(code, &mut range);
            if edits
                .iter()
                .any(|(r, _)| overlaps(r, &range) && !contains(&range, r))
            {
                return Err("two rewrites overlap".into());
            }
            let at_edge =
                |r: &Range<usize>| r.is_empty() && (r.start == range.start || r.start == range.end);
            edits.retain(|(r, _)| !contains(&range, r) || at_edge(r));
            edits.push((range, String::new()));
        }
        edits.sort_by_key(|(r, _)| (r.start, r.end));
        if edits.windows(2).any(|w| w[0].0.end > w[1].0.start) {
            return Err("two rewrites overlap".into());
        }
        let mut out = String::with_capacity(code.text.len());
        let mut at = 0;
        for (range, text) in edits {
            out.push_str(&code.text[at..range.start]);
            out.push_str(&text);
            at = range.end;
        }
        out.push_str(&code.text[at..]);
        Ok(out)
    }
}

/// Widens a deletion of whole lines by the blank line after it when it would otherwise leave two
/// blank lines in a row, or a blank line right after an opening brace.
fn tidy_blank_line(code: &Code<'_>, range: &mut Range<usize>) {
    let text = code.text.as_bytes();
    let whole = range.start == code.line_start(range.start)
        && range.end > range.start
        && (range.end == text.len() || text[range.end - 1] == b'\n');
    if !whole || text.get(range.end) != Some(&b'\n') {
        return;
    }
    let before = code.text[..range.start].trim_end_matches(['\n', '\r']);
    let previous_line = before.rsplit('\n').next().unwrap_or("").trim_end();
    let blank_before = range.start == 0 || range.start >= 2 && text[range.start - 2] == b'\n';
    if blank_before || previous_line.ends_with('{') {
        range.end += 1;
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The byte deletions that remove items `indexes` of the group at `open`.
fn item_deletions(
    code: &Code<'_>,
    open: usize,
    indexes: &BTreeSet<usize>,
) -> Option<Vec<Range<usize>>> {
    let items = code.items(open)?;
    let close = code.partner(open)?;
    if (0..items.len()).all(|i| indexes.contains(&i)) {
        let inside = code.toks[open].span.end..code.toks[close].span.start;
        return Some(Vec::from([inside]));
    }
    let removed: Vec<Item> = indexes
        .iter()
        .filter_map(|&i| items.get(i).copied())
        .collect();
    if removed
        .iter()
        .all(|item| alone_on_lines(code, item).is_some())
    {
        return Some(line_deletions(code, &items, indexes));
    }
    Some(inline_deletions(code, &items, indexes))
}

/// The whole lines of an item that stands alone on them (its comma and a trailing comment go too).
fn alone_on_lines(code: &Code<'_>, item: &Item) -> Option<Range<usize>> {
    let start = code.toks[item.first].span.start;
    let end = code.toks[item.comma.unwrap_or(item.last)].span.end;
    if !code.starts_line(start) {
        return None;
    }
    Some(code.line_start(start)..code.trivia_to_eol(end)?)
}

fn line_deletions(code: &Code<'_>, items: &[Item], indexes: &BTreeSet<usize>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = indexes
        .iter()
        .filter_map(|&i| items.get(i))
        .filter_map(|item| alone_on_lines(code, item))
        .collect();
    let last_removed = indexes.contains(&(items.len() - 1));
    let had_trailing_comma = items[items.len() - 1].comma.is_some();
    if last_removed && !had_trailing_comma {
        // Keep the list's style: the new last item loses its comma.
        let kept = (0..items.len()).rev().find(|i| !indexes.contains(i));
        if let Some(comma) = kept.and_then(|i| items[i].comma) {
            out.push(code.toks[comma].span.clone());
        }
    }
    out
}

fn inline_deletions(
    code: &Code<'_>,
    items: &[Item],
    indexes: &BTreeSet<usize>,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if !indexes.contains(&i) {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < items.len() && indexes.contains(&i) {
            i += 1;
        }
        let run_end = i - 1;
        let start = code.toks[items[run_start].first].span.start;
        if i < items.len() {
            out.push(start..code.toks[items[i].first].span.start);
        } else if run_start > 0 {
            let prev = &items[run_start - 1];
            out.push(code.toks[prev.last].span.end..code.toks[items[run_end].last].span.end);
        }
    }
    out
}
