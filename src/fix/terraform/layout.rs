//! Line-level edits of a Terraform file: comments that hold a key, and the re-alignment of `=`
//! groups as `terraform fmt` writes them.

use super::{hcl, TfPlan};
use crate::fix::awsini::{has_match, Edit};
use crate::syntax::parse::descendants;
use std::ops::Range;
use tree_sitter::Node;

impl TfPlan<'_> {
    /// Removes comments that hold a key: the whole line when the comment is alone on it, else
    /// from the comment's start (with the blanks before it). In a block comment of several
    /// lines only the inner lines that hold a key go (never the whole comment, which may hold
    /// unrelated code); a key on its first or last line, or in a comment left open, stays for a
    /// human. A comment in a part of the file that does not parse is left alone.
    pub(super) fn comments(&mut self) {
        let text = self.file.text;
        let parsed = self.parsed;
        for comment in descendants(parsed.root()).filter(|n| n.kind() == "comment") {
            let span = hcl::comment_span(text, comment);
            if !has_match(self.file.matches, &span)
                || self.removed(span.start)
                || self.broken_at(span.start).is_some()
            {
                continue;
            }
            let first_line = self.line_of(span.start);
            let last_line = self.line_of(span.end.saturating_sub(1));
            if last_line > first_line {
                self.block_comment_lines(span, first_line, last_line);
                continue;
            }
            let first = self.lines[first_line];
            let alone = text[first.start..span.start].trim().is_empty()
                && text
                    .get(span.end..first.end)
                    .unwrap_or("")
                    .trim()
                    .is_empty();
            if alone {
                self.edits.push(Edit::delete(first.start..first.next));
            } else {
                let start = text[..span.start].trim_end_matches([' ', '\t']).len();
                self.edits.push(Edit::delete(start..span.end));
            }
        }
    }

    /// Removes the inner lines of a closed block comment (`first_line` to `last_line`) that hold
    /// a key.
    fn block_comment_lines(&mut self, span: Range<usize>, first_line: usize, last_line: usize) {
        let closed = self.file.text[span.clone()].ends_with("*/");
        for m in self
            .file
            .matches
            .iter()
            .filter(|m| span.contains(&m.span.start))
        {
            let line = self.line_of(m.span.start);
            if closed && line > first_line && line < last_line {
                let l = self.lines[line];
                self.edits.push(Edit::delete(l.start..l.next));
            }
        }
    }

    /// Re-aligns the `=` of single-line attribute groups (consecutive lines) of `body` that lost
    /// members (`gone`, indices into `body`), when the group was aligned before.
    pub(super) fn realign(&mut self, body: &[Node<'_>], gone: &[usize]) {
        for group in self.groups(body) {
            if !group.iter().any(|k| gone.contains(k)) {
                continue;
            }
            let Some(cells) = group
                .iter()
                .map(|&k| self.cell(body[k]))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let aligned = cells.iter().all(|c| c.2 == cells[0].2);
            let kept: Vec<usize> = (0..group.len())
                .filter(|i| !gone.contains(&group[*i]))
                .collect();
            let Some(width) = kept.iter().map(|&i| cells[i].1).max() else {
                continue;
            };
            if !aligned {
                continue;
            }
            for &i in &kept {
                let (gap, len, _) = &cells[i];
                let want = " ".repeat(width - len + 1);
                if self.file.text[gap.clone()] != want {
                    self.edits.push(Edit {
                        range: gap.clone(),
                        with: want,
                    });
                }
            }
        }
    }

    /// An attribute's alignment cell: the gap between its name and `=`, the name's length, and
    /// the column of `=`.
    fn cell(&self, attribute: Node<'_>) -> Option<(Range<usize>, usize, usize)> {
        let name = attribute.named_child(0)?.byte_range();
        let eq = hcl::equals(attribute)?.byte_range();
        let col = eq.start - self.lines[self.line_of(eq.start)].start;
        Some((name.end..eq.start, name.len(), col))
    }

    /// Groups of body indices: single-line attributes on consecutive lines.
    fn groups(&self, body: &[Node<'_>]) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut prev_line = None;
        for (k, &item) in body.iter().enumerate() {
            if item.kind() != "attribute" {
                prev_line = None;
                continue;
            }
            let b = item.byte_range();
            let single = self.line_of(b.start) == self.line_of(b.end.saturating_sub(1));
            // A heredoc's opening line takes part in the alignment; the group ends after it.
            if !single && !hcl::opens_heredoc(item) {
                prev_line = None;
                continue;
            }
            let line = self.line_of(b.start);
            match (prev_line, groups.last_mut()) {
                (Some(p), Some(g)) if p + 1 == line => g.push(k),
                _ => groups.push(vec![k]),
            }
            prev_line = single.then_some(line);
        }
        groups
    }
}
