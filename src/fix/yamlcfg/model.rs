//! The YAML model the YAML-family rewriters share (Kubernetes, docker-compose, GitHub Actions,
//! Serverless/SAM/Rails storage), built on the tree-sitter-yaml tree.
//!
//! The model is deliberately small and byte-preserving: a file is a list of documents, each a
//! tree of [`Node`]s (mapping entries, sequence items, bare scalars) with their byte spans;
//! flow collections keep their top-level entries ([`FlowEntry`]). Rewriters edit whole lines of
//! that tree (or entries of a flow collection), so comments, quoting styles, CRLF line endings
//! and everything not touched stay byte-identical.

use crate::detect::Match;
use crate::fix::awsini::{has_match, Edit};
use crate::syntax::{parse, Language, Parsed};
use std::borrow::Cow;
use std::ops::Range;
use tree_sitter::Node as TsNode;

/// A node of a document: a mapping entry, a sequence item or a bare scalar.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The key of a mapping entry (unquoted).
    pub key: Option<String>,
    /// Whether this is a sequence item (`- …`).
    pub item: bool,
    /// Column (in bytes) of the key or of the dash.
    pub col: usize,
    /// Bytes of the node: from its key (or dash) to the end of its last line.
    pub span: Range<usize>,
    /// The value when it is not a block collection: a scalar (plain, quoted or block), an alias,
    /// or a flow collection, with any anchor and tag; for a block collection, its anchor and tag
    /// if it has them.
    pub value: Option<Range<usize>>,
    /// The value's flow collection (`{…}` or `[…]`), if it is one.
    pub flow: Option<Flow>,
    /// Nested entries or items (of a block mapping or sequence value).
    pub children: Vec<Node>,
    /// Where the node's first line starts.
    line_start: usize,
    /// Whether only spaces precede the node on its first line.
    owns: bool,
}

/// A flow collection: `{…}` or `[…]`.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    /// Its bytes, brackets included (without an anchor or tag before it).
    pub range: Range<usize>,
    /// Whether it is a mapping (`{…}`).
    pub mapping: bool,
    /// Its top-level entries.
    pub entries: Vec<FlowEntry>,
}

impl Flow {
    /// The bytes of each entry.
    pub fn ranges(&self) -> Vec<Range<usize>> {
        self.entries.iter().map(|e| e.range.clone()).collect()
    }
}

/// One top-level entry of a flow collection: `key: value` in `{…}`, or an item of `[…]`.
#[derive(Debug, Clone)]
pub(crate) struct FlowEntry {
    /// The entry's bytes (without the separating comma).
    pub range: Range<usize>,
    /// The key of a `key: value` pair (unquoted).
    pub key: Option<String>,
    /// The value of a pair, or the item itself.
    pub value: Option<Range<usize>>,
}

impl Node {
    /// The child entry with `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.key.as_deref() == Some(key))
    }

    /// The scalar of entry `key` of this mapping, whether written as a block or as a flow
    /// mapping (`{name: x, key: y}`).
    pub fn field<'t>(&self, text: &'t str, key: &str) -> Option<&'t str> {
        if let Some(child) = self.get(key) {
            return child.scalar(text);
        }
        self.flow
            .as_ref()?
            .entries
            .iter()
            .find(|e| e.key.as_deref() == Some(key))
            .map(|e| e.value.clone().map_or("", |v| unquote(&text[v])))
    }

    /// The node's scalar value, unquoted.
    pub fn scalar<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.value.clone().map(|r| unquote(&text[r]))
    }

    /// Whether the node starts at the beginning of its first line's content (so removing its
    /// lines removes nothing else).
    pub fn owns_lines(&self) -> bool {
        self.owns
    }

    /// The bytes of its whole lines (what removing it deletes).
    pub fn line_span(&self) -> Range<usize> {
        self.line_start..self.span.end
    }

    /// Visits this node and every descendant.
    pub fn walk<'n>(&'n self, out: &mut Vec<&'n Node>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
}

/// One YAML document: its tree and where it sits in the stream.
#[derive(Debug, Clone)]
pub(crate) struct YamlDoc {
    /// The whole line of its `---`, if it starts with one.
    pub marker: Option<Range<usize>>,
    /// Where its first content line starts (after header comments), if it has content.
    pub first_content: Option<usize>,
    /// Top-level nodes.
    pub roots: Vec<Node>,
    /// The parser could not read all of it (an error node inside, or content it could not
    /// place in a document): its span may hold text that is not part of what `roots` show, so
    /// it is never removed whole.
    pub broken: bool,
}

impl YamlDoc {
    /// The top-level entry with `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.roots.iter().find(|c| c.key.as_deref() == Some(key))
    }

    /// Every node of the document.
    pub fn all_nodes(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for r in &self.roots {
            r.walk(&mut out);
        }
        out
    }
}

/// A parsed YAML stream: its documents and its full-line comments.
#[derive(Debug, Clone, Default)]
pub(crate) struct Yaml {
    /// The documents, in order.
    pub docs: Vec<YamlDoc>,
    /// The whole lines (with their line ending) that hold only a comment.
    pub comment_lines: Vec<Range<usize>>,
    /// The text's length.
    len: usize,
}

impl Yaml {
    /// Edits that drop full-line comments holding a match (keys in comments are just as leaked).
    pub fn comment_line_edits(&self, matches: &[Match]) -> Vec<Edit> {
        self.comment_lines
            .iter()
            .filter(|l| has_match(matches, l))
            .map(|l| Edit::delete(l.clone()))
            .collect()
    }

    /// The bytes that removing document `index` deletes: from its `---` (or its first content
    /// line when it has none, keeping a header comment) to the next document; the first document
    /// without a `---` also takes the next document's `---` so the file does not start with a
    /// separator.
    pub fn document_span(&self, index: usize) -> Range<usize> {
        let doc = &self.docs[index];
        let next = self.docs.get(index + 1);
        let start = match (&doc.marker, doc.first_content) {
            (Some(m), _) => m.start,
            (None, Some(c)) => c,
            (None, None) => 0,
        };
        let end = match next {
            Some(n) => match (&n.marker, doc.marker.is_none()) {
                (Some(m), true) => m.end,
                (Some(m), false) => m.start,
                (None, _) => n.first_content.unwrap_or(self.len),
            },
            None => self.len,
        };
        start..end.max(start)
    }
}

/// Parses a file into documents: always at least one (empty when the text cannot be parsed at
/// all: too large, or past the time budget, which leaves every key to a human).
pub(crate) fn parse_yaml(text: &str) -> Yaml {
    let mut yaml = Yaml {
        len: text.len(),
        ..Yaml::default()
    };
    let masked = mask_template_actions(text);
    let Ok(parsed) = parse(Language::Yaml, &masked) else {
        return yaml;
    };
    let builder = Builder { parsed: &parsed };
    builder.comments(parsed.root(), &mut yaml.comment_lines);
    let mut cursor = parsed.root().walk();
    for child in parsed.root().children(&mut cursor) {
        match child.kind() {
            "document" => yaml.docs.push(builder.document(child)),
            "comment" => {}
            // Content the grammar could not place in a document: read what it holds.
            _ => {
                let mut roots = Vec::new();
                builder.entries(child, &mut roots);
                if !roots.is_empty() {
                    yaml.docs.push(YamlDoc {
                        marker: None,
                        first_content: Some(line_start(text, child.start_byte())),
                        roots,
                        broken: true,
                    });
                }
            }
        }
    }
    // An error anywhere may have swallowed text that no document shows (an unclosed quote runs
    // to the end of the file), so no document's span can be trusted to hold only itself.
    if parsed.root().has_error() {
        yaml.docs.iter_mut().for_each(|d| d.broken = true);
    }
    if yaml.docs.is_empty() {
        yaml.docs.push(YamlDoc {
            marker: None,
            first_content: None,
            roots: Vec::new(),
            broken: false,
        });
    }
    yaml
}

/// Helm (Go template) actions are not YAML: a line such as `{{- if .Values.enabled }}` at column 0
/// turns tree-sitter-yaml's whole tree into an error, which would leave every key to a human. The
/// parser sees a copy of the same length in which a line holding only actions is a comment and an
/// action inside a line is a run of `x` (a plain scalar, or text inside a quoted one), so every
/// span of the tree still points at the same bytes of the original text. An action that does not
/// close on its own line is left as it is.
fn mask_template_actions(text: &str) -> Cow<'_, str> {
    if !text.contains("{{") {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let actions = template_actions(line);
        if !actions.is_empty() {
            let only_actions = line
                .char_indices()
                .all(|(i, c)| c.is_whitespace() || actions.iter().any(|a| a.contains(&i)));
            for (n, a) in actions.iter().enumerate() {
                for i in a.clone() {
                    bytes[start + i] = match (only_actions, n == 0 && i == a.start) {
                        (true, true) => b'#',
                        (true, false) => b' ',
                        (false, _) => b'x',
                    };
                }
            }
        }
        start += line.len();
    }
    // Whole actions, which start and end with ASCII braces, became ASCII: still UTF-8.
    Cow::Owned(String::from_utf8(bytes).expect("masking keeps UTF-8"))
}

/// The byte ranges of the `{{ … }}` actions that open and close within `line`.
fn template_actions(line: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = line[from..].find("{{").map(|i| from + i) {
        let Some(close) = line[open + 2..].find("}}").map(|i| open + 2 + i + 2) else {
            break;
        };
        out.push(open..close);
        from = close;
    }
    out
}

struct Builder<'p, 's> {
    parsed: &'p Parsed<'s>,
}

impl<'p, 's> Builder<'p, 's> {
    fn text(&self) -> &'s str {
        self.parsed.text()
    }

    /// Collects the lines that hold only a comment.
    fn comments(&self, node: TsNode<'_>, out: &mut Vec<Range<usize>>) {
        let text = self.text();
        for n in crate::syntax::parse::descendants(node) {
            if n.kind() != "comment" {
                continue;
            }
            let start = line_start(text, n.start_byte());
            if text[start..n.start_byte()].trim().is_empty() {
                out.push(start..line_next(text, n.end_byte()));
            }
        }
    }

    fn document(&self, doc: TsNode<'_>) -> YamlDoc {
        let text = self.text();
        let mut marker = None;
        let mut roots = Vec::new();
        let mut first_content = None;
        let mut cursor = doc.walk();
        for child in doc.children(&mut cursor) {
            match child.kind() {
                "---" if marker.is_none() && roots.is_empty() => {
                    let start = line_start(text, child.start_byte());
                    marker = Some(start..line_next(text, child.end_byte()));
                }
                "comment" | "..." | "---" => {}
                "block_node" | "flow_node" | "ERROR" => {
                    if first_content.is_none() {
                        first_content = Some(line_start(text, child.start_byte()));
                    }
                    self.body(child, &mut roots);
                }
                _ => {
                    if first_content.is_none() && child.is_named() {
                        first_content = Some(line_start(text, child.start_byte()));
                    }
                }
            }
        }
        YamlDoc {
            marker,
            first_content,
            roots,
            broken: doc.has_error(),
        }
    }

    /// The nodes of a document body or of an item's inline content: a collection's entries, or
    /// one bare scalar.
    fn body(&self, node: TsNode<'_>, out: &mut Vec<Node>) {
        match collection(node) {
            Some(c) => self.entries(c, out),
            None => out.push(self.node(node, None, false, node)),
        }
    }

    /// The entries of a block collection (and whatever pairs and items an `ERROR` node holds).
    fn entries(&self, node: TsNode<'_>, out: &mut Vec<Node>) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "block_mapping_pair" | "flow_pair" => {
                    let key = child
                        .child_by_field_name("key")
                        .map(|k| unquote(self.parsed.text_of(k)).to_string());
                    let value = child.child_by_field_name("value");
                    out.push(self.node(child, key, false, value.unwrap_or(child)));
                }
                "block_sequence_item" => {
                    let value = first_named(child);
                    out.push(self.node(child, None, true, value.unwrap_or(child)));
                }
                "comment" => {}
                "block_mapping" | "block_sequence" | "block_node" | "ERROR" => {
                    self.entries(child, out)
                }
                _ => {}
            }
        }
    }

    /// A node for `whole` (a pair, an item, or a bare value) whose value is `value` (`whole`
    /// itself when it has none).
    fn node(&self, whole: TsNode<'_>, key: Option<String>, item: bool, value: TsNode<'_>) -> Node {
        let text = self.text();
        let start = whole.start_byte();
        let line_start = line_start(text, start);
        let mut out = Node {
            key,
            item,
            col: start - line_start,
            span: start..line_next(text, content_end(text, whole)),
            value: None,
            flow: None,
            children: Vec::new(),
            line_start,
            owns: text[line_start..start].bytes().all(|b| b == b' '),
        };
        let has_value = value != whole || out.key.is_none() && !item;
        if !has_value {
            return out;
        }
        match collection(value) {
            Some(c) if c.kind().starts_with("block_") || c.kind() == "ERROR" => {
                let props = value.start_byte()..c.start_byte();
                let props = trimmed(text, props);
                out.value = (!props.is_empty()).then_some(props);
                self.entries(c, &mut out.children);
            }
            Some(c) => {
                out.value = Some(value.byte_range());
                out.flow = Some(Flow {
                    range: c.byte_range(),
                    mapping: c.kind() == "flow_mapping",
                    entries: self.flow_entries(c),
                });
            }
            None => {
                let r = trimmed(text, value.byte_range());
                out.value = (!r.is_empty()).then_some(r);
            }
        }
        out
    }

    fn flow_entries(&self, collection: TsNode<'_>) -> Vec<FlowEntry> {
        let mut out = Vec::new();
        let mut cursor = collection.walk();
        for child in collection.named_children(&mut cursor) {
            match child.kind() {
                "flow_pair" => out.push(FlowEntry {
                    range: child.byte_range(),
                    key: child
                        .child_by_field_name("key")
                        .map(|k| unquote(self.parsed.text_of(k)).to_string()),
                    value: child.child_by_field_name("value").map(|v| v.byte_range()),
                }),
                "flow_node" => out.push(FlowEntry {
                    range: child.byte_range(),
                    key: None,
                    value: Some(child.byte_range()),
                }),
                _ => {}
            }
        }
        out
    }
}

/// The block or flow collection a `block_node` / `flow_node` holds (after its anchor and tag).
fn collection(node: TsNode<'_>) -> Option<TsNode<'_>> {
    match node.kind() {
        "block_mapping" | "block_sequence" | "flow_mapping" | "flow_sequence" => Some(node),
        "block_node" | "flow_node" => {
            let mut cursor = node.walk();
            let found = node.named_children(&mut cursor).find(|c| {
                matches!(
                    c.kind(),
                    "block_mapping" | "block_sequence" | "flow_mapping" | "flow_sequence"
                )
            });
            found
        }
        "ERROR" => Some(node),
        _ => None,
    }
}

fn first_named(node: TsNode<'_>) -> Option<TsNode<'_>> {
    let mut cursor = node.walk();
    let found = node
        .named_children(&mut cursor)
        .find(|c| c.kind() != "comment");
    found
}

/// Where the content of `node` ends: past its last token that is not a comment, without
/// trailing whitespace.
fn content_end(text: &str, node: TsNode<'_>) -> usize {
    let mut n = node;
    // A block scalar's last child is its header (`|`, `>-`); its own end is its content's.
    while n.kind() != "block_scalar" {
        let mut cursor = n.walk();
        let last = n
            .children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .last();
        match last {
            Some(c) => n = c,
            None => break,
        }
    }
    let end = n.end_byte().max(node.start_byte());
    let trimmed = text[node.start_byte()..end].trim_end();
    node.start_byte() + trimmed.len().max(1).min(end - node.start_byte())
}

/// `range` without surrounding whitespace.
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let lead = s.len() - s.trim_start().len();
    range.start + lead..range.start + s.trim_end().len().max(lead)
}

/// Where the line holding byte `at` starts.
fn line_start(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1)
}

/// Where the line after the one holding the byte before `end` starts (the end of the text when
/// it is the last line).
fn line_next(text: &str, end: usize) -> usize {
    let at = end.saturating_sub(1);
    memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i + 1)
}

/// Strips one level of YAML quotes.
pub(crate) fn unquote(s: &str) -> &str {
    let s = s.trim();
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "# head\nkind: A\nx: &anc\n  a: \"q # not a comment\"\n  b: *anc\n  # note\ns: |\n  # inside\n  text\n\nf: {k: v, \"q\": [1, 2]}\n---\n- name: n\n  value: >-\n    folded\n...\n---\nz: !Ref Foo\n";

    #[test]
    fn documents_anchors_scalars_and_flow_collections_come_from_the_tree() {
        let yaml = parse_yaml(STREAM);
        assert_eq!(yaml.docs.len(), 3);
        let d = &yaml.docs[0];
        let x = d.get("x").unwrap();
        assert_eq!(
            x.scalar(STREAM),
            Some("&anc"),
            "the anchor of a block mapping"
        );
        assert_eq!(
            x.get("a").unwrap().scalar(STREAM),
            Some("q # not a comment")
        );
        assert_eq!(x.get("b").unwrap().scalar(STREAM), Some("*anc"));
        let s = d.get("s").unwrap();
        assert!(
            STREAM[s.span.clone()].ends_with("  text\n"),
            "a block scalar's lines belong to its entry, without the blank line after"
        );
        let f = d.get("f").unwrap();
        let flow = f.flow.as_ref().unwrap();
        assert!(flow.mapping);
        assert_eq!(f.field(STREAM, "k"), Some("v"));
        assert_eq!(flow.entries[1].key.as_deref(), Some("q"));
        let item = &yaml.docs[1].roots[0];
        assert!(item.item);
        assert!(STREAM[item.span.clone()].ends_with("    folded\n"));
        assert_eq!(
            yaml.docs[2].get("z").unwrap().scalar(STREAM),
            Some("!Ref Foo")
        );
        let comments: Vec<&str> = yaml
            .comment_lines
            .iter()
            .map(|r| &STREAM[r.clone()])
            .collect();
        assert_eq!(
            comments,
            ["# head\n", "  # note\n"],
            "a `#` line inside a block scalar is text"
        );
    }

    #[test]
    fn removing_a_document_keeps_the_header_comment_and_one_separator() {
        let yaml = parse_yaml(STREAM);
        let first = yaml.document_span(0);
        assert_eq!(&STREAM[..first.start], "# head\n");
        assert!(STREAM[first.clone()].ends_with("---\n"));
        let second = yaml.document_span(1);
        assert_eq!(second.start, first.end - 4);
        assert!(STREAM[second.clone()].ends_with("...\n"));
        assert_eq!(yaml.document_span(2).end, STREAM.len());
    }
}
