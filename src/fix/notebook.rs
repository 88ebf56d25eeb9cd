//! Jupyter notebooks (`.ipynb`): the Python in code cells is fixed with the Python rewriter, and
//! cell outputs that show a key are stripped.
//!
//! A notebook is JSON; each cell's `source` is an array of JSON strings (one per line) or one
//! string. For each code cell that holds a key, the cell's Python text is decoded from its
//! strings, planned and applied with [`super::python`] under the Python parse guard, and each of
//! its edits is written back as edits on the JSON strings (escaped again; strings emptied by a
//! deletion leave the array with their commas). Everything else in the file keeps its bytes. An
//! output (`outputs[…]`) that holds a key goes whole; a markdown line that holds one goes. The
//! framework then checks the whole file against the JSON grammar.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::{guard, nodes, parse, parse::line_of, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// The notebook rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Notebook;

const ADVICE: &str = "remove the key from the notebook by hand (and from its saved outputs), then let the SDK's default credential chain find the role";

impl Rewriter for Notebook {
    fn name(&self) -> &'static str {
        "notebook"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.to_ascii_lowercase().ends_with(".ipynb")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let parsed = match parse(Language::Json, file.text) {
            Ok(p) if p.errors() == 0 => p,
            _ => {
                return Outcome::Manual(vec![ManualFix {
                    line: file.matches.first().map_or(1, |m| m.line),
                    reason: "the notebook is not valid JSON".into(),
                    advice: ADVICE.into(),
                }])
            }
        };
        let mut state = State {
            parsed: &parsed,
            path: file.path,
            edits: EditSet::new(file.text),
            manual: Vec::new(),
            notes: Vec::new(),
        };
        let cells = cells(&parsed);
        let mut by_cell: Vec<(Cell<'_>, Vec<Range<usize>>)> = Vec::new();
        for m in file.matches {
            let key = m.span.clone();
            let Some(cell) = cells
                .iter()
                .find(|c| c.node.byte_range().contains(&key.start))
            else {
                state.manual_at(
                    &key,
                    "the key is outside the notebook's cells (in its metadata)",
                );
                continue;
            };
            if let Some(output) = cell.outputs.iter().find(|o| o.contains(&key.start)) {
                state.strip_output(cell, output, &key);
                continue;
            }
            match by_cell.iter_mut().find(|(c, _)| c.node == cell.node) {
                Some((_, keys)) => keys.push(key),
                None => by_cell.push((cell.clone(), vec![key])),
            }
        }
        for (cell, keys) in by_cell {
            state.fix_source(&cell, &keys);
        }
        Outcome::Edits {
            edits: state.edits,
            notes: state.notes,
            manual: state.manual,
        }
    }
}

/// One cell of the notebook.
#[derive(Debug, Clone)]
struct Cell<'t> {
    node: Node<'t>,
    code: bool,
    /// The `source` value: an array of strings, or one string.
    source: Option<Node<'t>>,
    /// The `outputs` array and its items' ranges.
    outputs_array: Option<Node<'t>>,
    outputs: Vec<Range<usize>>,
}

/// The cells of a notebook.
fn cells<'t>(parsed: &'t Parsed<'_>) -> Vec<Cell<'t>> {
    let Some(top) = parsed
        .root()
        .named_child(0)
        .filter(|n| n.kind() == "object")
    else {
        return Vec::new();
    };
    let Some(array) = member(parsed, top, "cells").filter(|a| a.kind() == "array") else {
        return Vec::new();
    };
    let mut cursor = array.walk();
    let items: Vec<Node<'t>> = array
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "object")
        .collect();
    items
        .into_iter()
        .map(|node| {
            let kind = member(parsed, node, "cell_type")
                .map(|k| nodes::key_text(parsed, k))
                .unwrap_or_default();
            let outputs_array = member(parsed, node, "outputs").filter(|o| o.kind() == "array");
            let outputs = outputs_array
                .map(|o| {
                    ListShape::of(o)
                        .items
                        .into_iter()
                        .map(|i| i.range)
                        .collect()
                })
                .unwrap_or_default();
            Cell {
                node,
                code: kind == "code",
                source: member(parsed, node, "source"),
                outputs_array,
                outputs,
            }
        })
        .collect()
}

/// The value of `name` in a JSON object.
fn member<'t>(parsed: &Parsed<'_>, object: Node<'t>, name: &str) -> Option<Node<'t>> {
    nodes::json_member(parsed, object, name).map(|p| p.value)
}

/// A JSON string of a cell's source: its content range, its decoded text, and for each decoded
/// byte offset the offset in the content.
#[derive(Debug)]
struct Line {
    node: Range<usize>,
    content: Range<usize>,
    decoded: String,
    raw_at: Vec<usize>,
}

/// Decodes a JSON string's content, keeping the position map.
fn decode_json(raw: &str) -> (String, Vec<usize>) {
    let mut out = String::new();
    let mut raw_at = Vec::new();
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = if bytes[i] == b'\\' && i + 1 < bytes.len() {
            i += 2;
            match bytes[i - 1] {
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                b'b' => '\x08',
                b'f' => '\x0c',
                b'u' => {
                    let hex = raw
                        .get(i..i + 4)
                        .and_then(|h| u32::from_str_radix(h, 16).ok());
                    i += 4;
                    let mut code = hex.unwrap_or(0xFFFD);
                    if (0xD800..0xDC00).contains(&code) && raw.get(i..i + 2) == Some("\\u") {
                        if let Some(low) = raw
                            .get(i + 2..i + 6)
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                        {
                            code = 0x10000
                                + ((code - 0xD800) << 10)
                                + (low.wrapping_sub(0xDC00) & 0x3FF);
                            i += 6;
                        }
                    }
                    char::from_u32(code).unwrap_or('\u{FFFD}')
                }
                other => other as char,
            }
        } else {
            let ch = raw[i..].chars().next().unwrap_or('\u{FFFD}');
            i += ch.len_utf8().max(1);
            ch
        };
        for _ in 0..c.len_utf8() {
            raw_at.push(start);
        }
        out.push(c);
    }
    raw_at.push(bytes.len());
    (out, raw_at)
}

/// A string as JSON string content (without the quotes).
fn encode_json(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    quoted[1..quoted.len() - 1].to_string()
}

struct State<'p, 's> {
    parsed: &'p Parsed<'s>,
    path: &'p str,
    edits: EditSet,
    manual: Vec<ManualFix>,
    notes: Vec<String>,
}

impl State<'_, '_> {
    fn manual_at(&mut self, key: &Range<usize>, reason: &str) {
        self.manual.push(ManualFix {
            line: line_of(self.parsed.text(), key.start),
            reason: reason.to_string(),
            advice: ADVICE.into(),
        });
    }

    fn note(&mut self, note: &str) {
        if !self.notes.iter().any(|n| n == note) {
            self.notes.push(note.to_string());
        }
    }

    /// Removes a cell output that shows a key.
    fn strip_output(&mut self, cell: &Cell<'_>, output: &Range<usize>, key: &Range<usize>) {
        let Some(array) = cell.outputs_array else {
            return;
        };
        let shape = ListShape::of(array);
        let Some(index) = shape.index_of(output) else {
            return;
        };
        let mut spot = SpotEdits::new(key.clone());
        spot.remove_item(&shape, index, "the cell output that shows the key");
        self.edits.add(spot);
        self.note("cell outputs that showed a key were removed; copies of the notebook saved elsewhere (exports, HTML renders, git history) still show them: rotate the key");
    }

    /// Fixes the keys of one cell's source.
    fn fix_source(&mut self, cell: &Cell<'_>, keys: &[Range<usize>]) {
        let Some(source) = cell.source else {
            keys.iter()
                .for_each(|k| self.manual_at(k, "the key is in a cell rolecall cannot read"));
            return;
        };
        let lines = self.source_lines(source);
        if !cell.code {
            for key in keys {
                match lines.iter().find(|l| l.content.contains(&key.start)) {
                    Some(line) if source.kind() == "array" => {
                        let shape = ListShape::of(source);
                        if let Some(index) = shape.index_of(&line.node) {
                            let mut spot = SpotEdits::new(key.clone());
                            spot.remove_item(&shape, index, "the markdown line holding the key");
                            self.edits.add(spot);
                        }
                    }
                    _ => {
                        self.manual_at(key, "the key sits in a markdown cell rolecall cannot edit")
                    }
                }
            }
            return;
        }
        let cell_text: String = lines.iter().map(|l| l.decoded.as_str()).collect();
        // Cell offsets where each line's text starts.
        let mut starts = Vec::with_capacity(lines.len());
        let mut at = 0;
        for l in &lines {
            starts.push(at);
            at += l.decoded.len();
        }
        let to_cell = |json: usize| -> Option<usize> {
            let i = lines
                .iter()
                .position(|l| l.content.start <= json && json <= l.content.end)?;
            let rel = json - lines[i].content.start;
            let d = lines[i].raw_at.iter().position(|&r| r >= rel)?;
            Some(starts[i] + d)
        };
        let mut cell_keys = Vec::new();
        let mut json_of = Vec::new();
        for key in keys {
            match (to_cell(key.start), to_cell(key.end)) {
                (Some(a), Some(b)) if a < b => {
                    cell_keys.push(a..b);
                    json_of.push(key.clone());
                }
                _ => self.manual_at(key, "the key spans JSON escapes rolecall cannot map"),
            }
        }
        let plan = super::python::plan(&cell_text, &cell_keys, self.path);
        for (key, reason) in &plan.manual {
            if let Some(i) = cell_keys.iter().position(|k| k == key) {
                self.manual_at(&json_of[i].clone(), reason);
            }
        }
        let mut set = EditSet::new(&cell_text);
        for spot in plan.spots {
            set.add(spot);
        }
        let check = |after: &str| {
            guard::check(Language::Python, &cell_text, after).map_err(|e| e.to_string())
        };
        let applied = guard::settle(&mut set, &check);
        for r in &applied.rejected {
            if let Some(i) = cell_keys.iter().position(|k| *k == r.key) {
                self.manual_at(&json_of[i].clone(), &r.reason);
            }
        }
        if applied.fixed.is_empty() {
            return;
        }
        let first_key = applied
            .fixed
            .iter()
            .filter_map(|k| cell_keys.iter().position(|c| c == k))
            .map(|i| json_of[i].clone())
            .min_by_key(|k| k.start)
            .unwrap_or_else(|| json_of[0].clone());
        let mut spot = SpotEdits::new(first_key);
        for (range, replacement) in &applied.edits {
            self.write_back(&mut spot, source, &lines, &starts, range, replacement);
        }
        self.edits.add(spot);
        for n in plan.notes {
            self.note(&n);
        }
        self.note(
            "the notebook's code cells were fixed; re-run them so no output shows the old key",
        );
    }

    /// The JSON strings of a cell's source, decoded.
    fn source_lines(&self, source: Node<'_>) -> Vec<Line> {
        let strings: Vec<Node<'_>> = match source.kind() {
            "string" => vec![source],
            _ => {
                let mut cursor = source.walk();
                let v = source
                    .named_children(&mut cursor)
                    .filter(|n| n.kind() == "string")
                    .collect();
                v
            }
        };
        strings
            .into_iter()
            .map(|s| {
                let content =
                    s.start_byte() + 1..s.end_byte().saturating_sub(1).max(s.start_byte() + 1);
                let (decoded, raw_at) = decode_json(&self.parsed.text()[content.clone()]);
                Line {
                    node: s.byte_range(),
                    content,
                    decoded,
                    raw_at,
                }
            })
            .collect()
    }

    /// Writes one cell-text edit back as edits on the source's JSON strings.
    fn write_back(
        &self,
        spot: &mut SpotEdits,
        source: Node<'_>,
        lines: &[Line],
        starts: &[usize],
        range: &Range<usize>,
        replacement: &str,
    ) {
        let shape = (source.kind() == "array").then(|| ListShape::of(source));
        let json_at =
            |i: usize, cell: usize| lines[i].content.start + lines[i].raw_at[cell - starts[i]];
        let line_of = |cell: usize, end: bool| {
            (0..lines.len()).find(|&i| {
                let (s, e) = (starts[i], starts[i] + lines[i].decoded.len());
                if end {
                    s < cell && cell <= e
                } else {
                    s <= cell && cell < e
                }
            })
        };
        let first = line_of(range.start, false).or_else(|| lines.len().checked_sub(1));
        let last = if range.is_empty() {
            first
        } else {
            line_of(range.end, true)
        };
        let (Some(i), Some(j)) = (first, last) else {
            return;
        };
        let whole = |k: usize, from: usize, to: usize| {
            from == starts[k] && to == starts[k] + lines[k].decoded.len()
        };
        for k in i..=j {
            let from = range.start.max(starts[k]);
            let to = range.end.min(starts[k] + lines[k].decoded.len());
            let text = if k == i {
                encode_json(replacement)
            } else {
                String::new()
            };
            match &shape {
                Some(shape) if text.is_empty() && whole(k, from, to) && !range.is_empty() => {
                    if let Some(index) = shape.index_of(&lines[k].node) {
                        spot.remove_item(shape, index, "the source line of the key");
                    }
                }
                _ => spot.replace(json_at(k, from)..json_at(k, to), &text, "the cell's code"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_decode_with_positions() {
        let (s, at) = decode_json("a\\nb\\u00e9\\\"");
        assert_eq!(s, "a\nbé\"");
        assert_eq!(at[1], 1);
        assert_eq!(at[2], 3);
        assert_eq!(*at.last().unwrap(), 12);
        assert_eq!(encode_json("x\n\"y\""), "x\\n\\\"y\\\"");
    }
}
