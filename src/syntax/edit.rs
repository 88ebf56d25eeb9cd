//! One edit set for every rewriter: byte-range edits on the original text (everything outside the
//! edits keeps its exact bytes), grouped by *spot* (the credential an edit serves), with one
//! overlap rule, applied in one pass.
//!
//! A rewriter plans each spot in a [`SpotEdits`] (deletions, replacements, insertions, and list
//! items to remove with their separators) and hands it to the [`EditSet`] only when the whole plan
//! for that spot succeeded; [`EditSet::apply`] resolves and applies everything at once.
//!
//! **The overlap rule.** Two edits overlap when their byte ranges share a byte, or when both insert
//! at the same point, or when one inserts strictly inside the other's range. Edits that overlap
//! make the later spot (by the position of its key) manual, with the reason naming the other
//! spot's line and both edits. Two things are not overlaps: the *same* edit asked for by two spots
//! (both want `aws_access_key_id=…` gone from one call), and a deletion that swallows another edit
//! whole (a removed statement takes the argument another spot removed inside it). List items
//! removed by several spots from one list are resolved together, so removing neighbours never
//! collides on their shared comma.

use std::collections::BTreeMap;
use std::ops::Range;

/// The layout of a comma-separated list (arguments, dict or array entries), taken from the tree
/// so that items can be removed with their separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListShape {
    /// The list's bytes between its brackets (or all of it, for a list without brackets).
    pub inner: Range<usize>,
    /// The items, in order.
    pub items: Vec<ListItem>,
    /// Comments inside the list (a removed item takes a comment that ends its line with it).
    pub comments: Vec<Range<usize>>,
    /// Whether an item alone on its lines goes with its lines (true for bracketed lists; false
    /// for word lists joined by `\` continuations, whose line breaks belong to the list).
    pub line_items: bool,
}

/// One item of a [`ListShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// The item's bytes.
    pub range: Range<usize>,
    /// The separator after it, if any.
    pub comma: Option<Range<usize>>,
}

impl ListShape {
    /// The shape of a list node: items are its named children that are not comments, separators
    /// its `,` children, and the brackets its first and last anonymous children when those are
    /// brackets.
    pub fn of(node: tree_sitter::Node<'_>) -> ListShape {
        let mut items: Vec<ListItem> = Vec::new();
        let mut comments = Vec::new();
        let mut inner = node.byte_range();
        let count = node.child_count();
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            let kind = child.kind();
            if !child.is_named() {
                if kind == "," || kind == ";" {
                    if let Some(last) = items.last_mut().filter(|l| l.comma.is_none()) {
                        last.comma = Some(child.byte_range());
                    }
                } else if i == 0 && is_bracket(kind) {
                    inner.start = child.end_byte();
                } else if i + 1 == count && is_bracket(kind) {
                    inner.end = child.start_byte();
                }
                continue;
            }
            if kind.contains("comment") {
                comments.push(child.byte_range());
                continue;
            }
            items.push(ListItem {
                range: child.byte_range(),
                comma: None,
            });
        }
        ListShape {
            inner,
            items,
            comments,
            line_items: true,
        }
    }

    /// The shape of a list whose items are separated by blanks (shell words, Dockerfile
    /// `ENV` pairs): every named child is an item, and removing items never takes whole lines.
    pub fn words(node: tree_sitter::Node<'_>) -> ListShape {
        let mut cursor = node.walk();
        let items = node
            .named_children(&mut cursor)
            .filter(|c| !c.kind().contains("comment") && c.kind() != "line_continuation")
            .map(|c| ListItem {
                range: c.byte_range(),
                comma: None,
            })
            .collect();
        ListShape {
            inner: node.byte_range(),
            items,
            comments: Vec::new(),
            line_items: false,
        }
    }

    /// The index of the item whose range covers `range`.
    pub fn index_of(&self, range: &Range<usize>) -> Option<usize> {
        self.items
            .iter()
            .position(|i| i.range.start <= range.start && range.end <= i.range.end)
    }
}

fn is_bracket(kind: &str) -> bool {
    matches!(
        kind,
        "(" | ")" | "[" | "]" | "{" | "}" | "@(" | "@{" | "[[" | "]]" | "<" | ">"
    )
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Planned {
    /// Replace `range` with `text` (empty: delete; empty range: insert).
    Plain {
        range: Range<usize>,
        text: String,
        why: String,
    },
    /// Remove item `index` of `list` with its separator.
    Item {
        list: ListShape,
        index: usize,
        why: String,
    },
}

/// The plan for one spot: the edits that remove one credential. Build it, then
/// [`EditSet::add`] it; drop it to abandon the spot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotEdits {
    key: Range<usize>,
    planned: Vec<Planned>,
}

impl SpotEdits {
    /// A plan for the credential at `key` (its byte range in the text).
    pub fn new(key: Range<usize>) -> SpotEdits {
        SpotEdits {
            key,
            planned: Vec::new(),
        }
    }

    /// The key this plan serves.
    pub fn key(&self) -> Range<usize> {
        self.key.clone()
    }

    /// Whether nothing is planned yet.
    pub fn is_empty(&self) -> bool {
        self.planned.is_empty()
    }

    /// Replaces `range` with `text`; `why` says what the edit does (shown when it collides).
    pub fn replace(&mut self, range: Range<usize>, text: &str, why: &str) {
        self.planned.push(Planned::Plain {
            range,
            text: text.to_string(),
            why: why.to_string(),
        });
    }

    /// Deletes `range`.
    pub fn delete(&mut self, range: Range<usize>, why: &str) {
        self.replace(range, "", why);
    }

    /// Inserts `text` at byte `at`.
    pub fn insert(&mut self, at: usize, text: &str, why: &str) {
        self.replace(at..at, text, why);
    }

    /// Removes item `index` of `list` with its separator (and its whole line when it has one to
    /// itself). Items removed from one list by any spots are resolved together.
    pub fn remove_item(&mut self, list: &ListShape, index: usize, why: &str) {
        if index < list.items.len() {
            self.planned.push(Planned::Item {
                list: list.clone(),
                index,
                why: why.to_string(),
            });
        }
    }

    /// Whether this plan already deletes or replaces the bytes `range` (wholly inside one edit).
    pub fn covers(&self, range: &Range<usize>) -> bool {
        self.planned.iter().any(|p| match p {
            Planned::Plain { range: r, .. } => r.start <= range.start && range.end <= r.end,
            Planned::Item { list, index, .. } => {
                let r = &list.items[*index].range;
                r.start <= range.start && range.end <= r.end
            }
        })
    }
}

/// A spot the edit set refused: its key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The key's byte range.
    pub key: Range<usize>,
    /// Why (for the user).
    pub reason: String,
}

/// The result of [`EditSet::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The new text.
    pub text: String,
    /// The keys whose spot was applied.
    pub fixed: Vec<Range<usize>>,
    /// The spots left out, with the reason.
    pub rejected: Vec<Rejected>,
    /// The edits applied (ranges in the original text, sorted, not overlapping), for callers
    /// that map them onto another text (a notebook cell's JSON strings).
    pub edits: Vec<(Range<usize>, String)>,
}

/// Item index → (the spots that remove it, why).
type ItemRemovals = BTreeMap<usize, (Vec<usize>, String)>;

/// A resolved edit and the spots that asked for it.
#[derive(Debug, Clone)]
struct Resolved {
    range: Range<usize>,
    text: String,
    why: String,
    spots: Vec<usize>,
}

/// Every spot's edits for one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditSet {
    text: String,
    spots: Vec<SpotEdits>,
    dropped: Vec<Rejected>,
}

impl EditSet {
    /// An empty edit set for `text` (which it copies).
    pub fn new(text: &str) -> EditSet {
        EditSet {
            text: text.to_string(),
            spots: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// The text the edits apply to.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Adds a spot's plan. A second plan for the same key adds to the first.
    pub fn add(&mut self, spot: SpotEdits) {
        let valid = |r: &Range<usize>| {
            r.start <= r.end
                && r.end <= self.text.len()
                && self.text.is_char_boundary(r.start)
                && self.text.is_char_boundary(r.end)
        };
        let all_valid = spot.planned.iter().all(|p| match p {
            Planned::Plain { range, .. } => valid(range),
            Planned::Item { list, .. } => list.items.iter().all(|i| valid(&i.range)),
        });
        if !all_valid {
            self.dropped.push(Rejected {
                key: spot.key.clone(),
                reason: "an edit fell outside the text (a rewriter bug); nothing was changed there"
                    .into(),
            });
            return;
        }
        match self.spots.iter_mut().find(|s| s.key == spot.key) {
            Some(existing) => existing.planned.extend(spot.planned),
            None => self.spots.push(spot),
        }
    }

    /// Whether no spot is planned.
    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }

    /// The keys of the planned spots, in text order.
    pub fn keys(&self) -> Vec<Range<usize>> {
        let mut keys: Vec<Range<usize>> = self.spots.iter().map(|s| s.key.clone()).collect();
        keys.sort_by_key(|k| (k.start, k.end));
        keys
    }

    /// Takes a spot out again (for example when the patched text fails the parse guard with it),
    /// recording `reason`.
    pub fn drop_spot(&mut self, key: &Range<usize>, reason: &str) {
        if let Some(i) = self.spots.iter().position(|s| &s.key == key) {
            self.spots.remove(i);
            self.dropped.push(Rejected {
                key: key.clone(),
                reason: reason.to_string(),
            });
        }
    }

    /// Resolves every spot's edits, refuses the spots whose edits overlap (the later one of each
    /// colliding pair), and applies the rest in one pass.
    pub fn apply(&self) -> Applied {
        let mut live: Vec<usize> = (0..self.spots.len()).collect();
        live.sort_by_key(|&i| (self.spots[i].key.start, self.spots[i].key.end));
        let mut rejected = self.dropped.clone();
        loop {
            let resolved = self.resolve(&live);
            match self.first_overlap(&resolved) {
                None => {
                    let (text, edits) = splice(&self.text, &resolved);
                    let fixed = live.iter().map(|&i| self.spots[i].key.clone()).collect();
                    return Applied {
                        text,
                        fixed,
                        rejected,
                        edits,
                    };
                }
                Some((a, b)) => {
                    let (first, second) = (&resolved[a], &resolved[b]);
                    let loser = self.later_spot(&first.spots, &second.spots);
                    let (mine, other) = if first.spots.contains(&loser) {
                        (first, second)
                    } else {
                        (second, first)
                    };
                    let other_key = other
                        .spots
                        .iter()
                        .map(|&s| self.spots[s].key.start)
                        .min()
                        .unwrap_or(0);
                    rejected.push(Rejected {
                        key: self.spots[loser].key.clone(),
                        reason: format!(
                            "its edit ({}) overlaps the edit for the credential on line {} ({})",
                            mine.why,
                            super::parse::line_of(&self.text, other_key),
                            other.why
                        ),
                    });
                    live.retain(|&s| s != loser);
                }
            }
        }
    }

    /// The spot of `a ∪ b` whose key comes last in the text.
    fn later_spot(&self, a: &[usize], b: &[usize]) -> usize {
        let pos = |s: &usize| (self.spots[*s].key.start, self.spots[*s].key.end);
        let best_a = a.iter().max_by_key(|s| pos(s));
        let best_b = b.iter().max_by_key(|s| pos(s));
        match (best_a, best_b) {
            (Some(x), Some(y)) => {
                if pos(x) >= pos(y) {
                    *x
                } else {
                    *y
                }
            }
            (Some(x), None) | (None, Some(x)) => *x,
            (None, None) => 0,
        }
    }

    /// The plain edits of the live spots, list items resolved per list, identical edits merged,
    /// edits swallowed by a deletion dropped, sorted by position.
    fn resolve(&self, live: &[usize]) -> Vec<Resolved> {
        let mut plain: Vec<Resolved> = Vec::new();
        // list inner range → (shape, item index → (spots, why))
        let mut lists: BTreeMap<(usize, usize), (ListShape, ItemRemovals)> = BTreeMap::new();
        for &s in live {
            for p in &self.spots[s].planned {
                match p {
                    Planned::Plain { range, text, why } => plain.push(Resolved {
                        range: range.clone(),
                        text: text.clone(),
                        why: why.clone(),
                        spots: vec![s],
                    }),
                    Planned::Item { list, index, why } => {
                        let entry = lists
                            .entry((list.inner.start, list.inner.end))
                            .or_insert_with(|| (list.clone(), BTreeMap::new()));
                        let item = entry
                            .1
                            .entry(*index)
                            .or_insert_with(|| (Vec::new(), why.clone()));
                        item.0.push(s);
                    }
                }
            }
        }
        for (shape, removed) in lists.values() {
            plain.extend(item_removals(&self.text, shape, removed));
        }
        plain.sort_by_key(|r| (r.range.start, r.range.end));
        let mut merged: Vec<Resolved> = Vec::new();
        for r in plain {
            if let Some(same) = merged
                .iter_mut()
                .find(|m| m.range == r.range && m.text == r.text)
            {
                same.spots.extend(r.spots);
                continue;
            }
            merged.push(r);
        }
        // A deletion swallows any edit wholly inside it (and the swallowed edit's spots share it).
        let mut out: Vec<Resolved> = Vec::new();
        for r in merged {
            let swallowed = out.iter().position(|o| {
                o.text.is_empty() && contains(&o.range, &r.range) && o.range != r.range
            });
            if let Some(i) = swallowed {
                let spots = r.spots.clone();
                out[i].spots.extend(spots);
                continue;
            }
            if r.text.is_empty() {
                let mut i = 0;
                while i < out.len() {
                    if contains(&r.range, &out[i].range) && out[i].range != r.range {
                        out.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
            out.push(r);
        }
        out.sort_by_key(|r| (r.range.start, r.range.end));
        out
    }

    /// The first pair of resolved edits (indices) that overlap.
    fn first_overlap(&self, resolved: &[Resolved]) -> Option<(usize, usize)> {
        for b in 1..resolved.len() {
            for a in 0..b {
                if overlaps(&resolved[a], &resolved[b]) {
                    return Some((a, b));
                }
            }
        }
        None
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && !inner.is_empty()
        || (inner.is_empty() && outer.start < inner.start && inner.start < outer.end)
}

fn overlaps(a: &Resolved, b: &Resolved) -> bool {
    let (x, y) = (&a.range, &b.range);
    match (x.is_empty(), y.is_empty()) {
        (true, true) => x.start == y.start && a.text != b.text,
        (true, false) => y.start < x.start && x.start < y.end,
        (false, true) => x.start < y.start && y.start < x.end,
        (false, false) => x.start < y.end && y.start < x.end,
    }
}

/// The deletions that remove the chosen items of one list, run by run, so that no separator is
/// left dangling or doubled: a run followed by a kept item goes up to that item; a run at the end
/// goes from the previous kept item (taking the comma before it when the last item had none); a
/// run that has its lines to itself goes with its lines; every item gone empties the brackets.
fn item_removals(text: &str, list: &ListShape, removed: &ItemRemovals) -> Vec<Resolved> {
    let n = list.items.len();
    let gone = |i: usize| removed.contains_key(&i);
    let spots_of = |from: usize, to: usize| -> (Vec<usize>, String) {
        let mut spots = Vec::new();
        let mut why = Vec::new();
        for (i, (s, w)) in removed.range(from..=to) {
            let _ = i;
            spots.extend(s.iter().copied());
            if !why.contains(w) {
                why.push(w.clone());
            }
        }
        (spots, why.join("; "))
    };
    if n > 0 && (0..n).all(gone) {
        let (spots, why) = spots_of(0, n - 1);
        let range = list.inner.clone();
        return vec![Resolved {
            range,
            text: String::new(),
            why,
            spots,
        }];
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if !gone(i) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && gone(j + 1) {
            j += 1;
        }
        let (spots, why) = spots_of(i, j);
        let start = list.items[i].range.start;
        let end = list.items[j]
            .comma
            .as_ref()
            .map_or(list.items[j].range.end, |c| c.end);
        let own_lines = list.line_items
            && lines::only_space_before(text, start)
            && lines::clear_after(text, end, &list.comments);
        let mut push = |range: Range<usize>| {
            out.push(Resolved {
                range,
                text: String::new(),
                why: why.clone(),
                spots: spots.clone(),
            })
        };
        if j + 1 < n {
            if own_lines {
                push(lines::line_start(text, start)..lines::after_line(text, end));
            } else {
                push(start..list.items[j + 1].range.start);
            }
        } else if own_lines {
            push(lines::line_start(text, start)..lines::after_line(text, end));
            if let (None, Some(c)) = (&list.items[j].comma, &list.items[i - 1].comma) {
                push(c.clone());
            }
        } else {
            let prev_end = list.items[i - 1].range.end;
            push(prev_end..end);
        }
        i = j + 1;
    }
    out
}

/// Applies sorted, non-overlapping edits; whole-line deletions that sit between two blank lines
/// take one of them, so no double blank line is left behind.
fn splice(text: &str, edits: &[Resolved]) -> (String, Vec<(Range<usize>, String)>) {
    let mut widened: Vec<(Range<usize>, &str)> = Vec::new();
    for e in edits {
        let mut range = e.range.clone();
        if e.text.is_empty() {
            if let Some((last, "")) = widened.last_mut() {
                if last.end == range.start {
                    last.end = range.end;
                    continue;
                }
            }
        }
        if !e.text.is_empty() || range.is_empty() {
            widened.push((range, e.text.as_str()));
            continue;
        }
        range.end = range.end.max(range.start);
        widened.push((range, ""));
    }
    let mut out = String::with_capacity(text.len());
    let mut applied = Vec::new();
    let mut at = 0;
    for (range, replacement) in widened {
        let range = if replacement.is_empty() {
            lines::tidy_blank_lines(text, range)
        } else {
            range
        };
        let start = range.start.max(at);
        if start > range.end {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(replacement);
        applied.push((start..range.end, replacement.to_string()));
        at = range.end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// Line arithmetic on byte offsets.
pub mod lines {
    use std::ops::Range;

    /// Where the line holding `pos` starts.
    pub fn line_start(text: &str, pos: usize) -> usize {
        text[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The newline ending the line holding `pos` (or the text's end).
    pub fn line_end(text: &str, pos: usize) -> usize {
        text[pos..].find('\n').map_or(text.len(), |i| pos + i)
    }

    /// Just after the line holding `pos` (after its newline).
    pub fn after_line(text: &str, pos: usize) -> usize {
        (line_end(text, pos) + 1).min(text.len())
    }

    /// Whether only spaces and tabs precede `pos` on its line.
    pub fn only_space_before(text: &str, pos: usize) -> bool {
        text[line_start(text, pos)..pos].trim().is_empty()
    }

    /// Whether the rest of the line after `pos` is blank or one of `comments` (which must end on
    /// the line).
    pub fn clear_after(text: &str, pos: usize, comments: &[Range<usize>]) -> bool {
        let end = line_end(text, pos);
        let rest = &text[pos..end];
        let trimmed = rest.trim_start();
        if trimmed.trim().is_empty() {
            return true;
        }
        let at = pos + (rest.len() - trimmed.len());
        comments
            .iter()
            .any(|c| c.start == at && c.end <= end && text[c.end..end].trim().is_empty())
    }

    /// The whole lines of `range` (from its line's start to after its last line) when nothing but
    /// blanks shares those lines with it; `None` otherwise.
    pub fn whole_lines(text: &str, range: &Range<usize>) -> Option<Range<usize>> {
        let clear = only_space_before(text, range.start)
            && text[range.end..line_end(text, range.end)].trim().is_empty();
        clear.then(|| line_start(text, range.start)..after_line(text, range.end))
    }

    /// A whole-line deletion between a blank line (or the start) and a blank line takes the blank
    /// line after it too.
    pub fn tidy_blank_lines(text: &str, range: Range<usize>) -> Range<usize> {
        let whole = line_start(text, range.start) == range.start
            && (range.end == text.len() || line_start(text, range.end) == range.end);
        if !whole || range.start == 0 || range.end >= text.len() {
            return range;
        }
        let blank_before = text[line_start(text, range.start - 1)..range.start]
            .trim()
            .is_empty();
        let blank_after = text[range.end..line_end(text, range.end)].trim().is_empty();
        if blank_before && blank_after {
            range.start..after_line(text, range.end)
        } else {
            range
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(items: &[(usize, usize, Option<usize>)], inner: Range<usize>) -> ListShape {
        ListShape {
            inner,
            items: items
                .iter()
                .map(|&(s, e, c)| ListItem {
                    range: s..e,
                    comma: c.map(|c| c..c + 1),
                })
                .collect(),
            comments: Vec::new(),
            line_items: true,
        }
    }

    #[test]
    fn plain_edits_apply_in_one_pass() {
        let text = "abc def ghi";
        let mut set = EditSet::new(text);
        let mut a = SpotEdits::new(0..3);
        a.delete(0..4, "drop abc");
        set.add(a);
        let mut b = SpotEdits::new(8..11);
        b.replace(8..11, "XYZ", "rename");
        set.add(b);
        let applied = set.apply();
        assert_eq!(applied.text, "def XYZ");
        assert!(applied.rejected.is_empty());
        assert_eq!(applied.fixed.len(), 2);
    }

    #[test]
    fn overlapping_spots_make_the_later_one_manual_and_say_why() {
        let text = "one\ntwo three\n";
        let mut set = EditSet::new(text);
        let mut a = SpotEdits::new(4..7);
        a.replace(4..9, "X", "replace `two t`");
        set.add(a);
        let mut b = SpotEdits::new(8..13);
        b.replace(8..13, "Y", "replace `three`");
        set.add(b);
        let applied = set.apply();
        assert_eq!(applied.text, "one\nXhree\n");
        assert_eq!(applied.rejected.len(), 1);
        assert_eq!(applied.rejected[0].key, 8..13);
        assert!(
            applied.rejected[0].reason.contains("line 2"),
            "{}",
            applied.rejected[0].reason
        );
        assert!(applied.rejected[0].reason.contains("replace `two t`"));
    }

    #[test]
    fn identical_edits_and_swallowed_edits_are_not_overlaps() {
        let text = "f(a, k=1, s=2)\nx = 1\n";
        let mut set = EditSet::new(text);
        let mut a = SpotEdits::new(7..8);
        a.delete(3..13, "credentials");
        set.add(a);
        let mut b = SpotEdits::new(11..12);
        b.delete(3..13, "credentials");
        b.delete(0..15, "the whole statement");
        set.add(b);
        let applied = set.apply();
        assert_eq!(applied.text, "x = 1\n");
        assert!(applied.rejected.is_empty());
    }

    #[test]
    fn insertions_at_one_point_with_different_text_overlap() {
        let mut set = EditSet::new("ab");
        let mut a = SpotEdits::new(0..1);
        a.insert(1, "x", "x");
        set.add(a);
        let mut b = SpotEdits::new(1..2);
        b.insert(1, "y", "y");
        set.add(b);
        let applied = set.apply();
        assert_eq!(applied.text, "axb");
        assert_eq!(applied.rejected.len(), 1);
    }

    #[test]
    fn list_items_from_several_spots_resolve_together() {
        //          0123456789012345678901
        let text = "f(a, k=1, s=2, r=3)\n";
        let list = shape(
            &[
                (2, 3, Some(3)),
                (5, 8, Some(8)),
                (10, 13, Some(13)),
                (15, 18, None),
            ],
            2..18,
        );
        let mut set = EditSet::new(text);
        let mut a = SpotEdits::new(7..8);
        a.remove_item(&list, 1, "key");
        set.add(a);
        let mut b = SpotEdits::new(12..13);
        b.remove_item(&list, 2, "secret");
        set.add(b);
        assert_eq!(set.apply().text, "f(a, r=3)\n");
        let mut last = EditSet::new(text);
        let mut c = SpotEdits::new(17..18);
        c.remove_item(&list, 3, "r");
        c.remove_item(&list, 2, "s");
        last.add(c);
        assert_eq!(last.apply().text, "f(a, k=1)\n");
    }

    #[test]
    fn list_items_on_their_own_lines_go_with_their_lines() {
        let text = "f(\n    a,\n    k=1,  # note\n    s=2\n)\n";
        let list = ListShape {
            inner: 2..35,
            items: vec![
                ListItem {
                    range: 7..8,
                    comma: Some(8..9),
                },
                ListItem {
                    range: 14..17,
                    comma: Some(17..18),
                },
                ListItem {
                    range: 31..34,
                    comma: None,
                },
            ],
            comments: std::iter::once(20..26).collect(),
            line_items: true,
        };
        let mut set = EditSet::new(text);
        let mut a = SpotEdits::new(16..17);
        a.remove_item(&list, 1, "k");
        a.remove_item(&list, 2, "s");
        set.add(a);
        assert_eq!(set.apply().text, "f(\n    a\n)\n");
    }

    #[test]
    fn whole_line_deletions_do_not_leave_double_blank_lines() {
        let text = "a\n\nb\n\nc\n";
        let mut set = EditSet::new(text);
        let mut s = SpotEdits::new(3..4);
        s.delete(3..5, "line b");
        set.add(s);
        assert_eq!(set.apply().text, "a\n\nc\n");
    }

    #[test]
    fn dropped_spots_are_reported_and_left_out() {
        let mut set = EditSet::new("abc");
        let mut s = SpotEdits::new(0..1);
        s.delete(0..1, "a");
        set.add(s);
        set.drop_spot(&(0..1), "guard");
        let applied = set.apply();
        assert_eq!(applied.text, "abc");
        assert_eq!(applied.rejected[0].reason, "guard");
        let mut bad = EditSet::new("abc");
        let mut s = SpotEdits::new(0..1);
        s.delete(2..9, "out of range");
        bad.add(s);
        assert_eq!(bad.apply().rejected.len(), 1);
    }
}
