//! Structure-aware YAML editing, and the Kubernetes rewriter built on it.
//!
//! The YAML model is deliberately small and byte-preserving: a file is cut into documents at
//! `---` / `...` lines, and each document into a tree of [`Node`]s by indentation (mapping
//! entries, list items, block scalars, multi-line flow values). Edits remove whole lines of that
//! tree, so comments, quoting styles, CRLF line endings and everything not touched stay
//! byte-identical.

use crate::detect::Match;
use crate::fix::awsini::{
    apply_edits, drop_flow_entries, flow_entries, has_match, is_credential_name, manual_for,
    role_arn_placeholder, split_lines, uncovered, Edit, Line,
};
use crate::fix::{FileToFix, Outcome, Rewriter};
use std::ops::Range;

// ---------------------------------------------------------------------------------------------
// The YAML model
// ---------------------------------------------------------------------------------------------

/// What a YAML line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Only whitespace.
    Blank,
    /// A comment line.
    Comment,
    /// `---` (document start).
    DocStart,
    /// `...` (document end).
    DocEnd,
    /// Anything else.
    Content,
}

/// A YAML line with its indentation and kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YLine {
    /// Where the line is.
    pub line: Line,
    /// Leading spaces.
    pub indent: usize,
    /// What it is.
    pub kind: LineKind,
}

/// A node of the indentation tree: a mapping entry, a list item or a bare scalar line.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The key of a mapping entry (unquoted).
    pub key: Option<String>,
    /// Whether this is a list item (`- …`).
    pub item: bool,
    /// Column of the key or of the dash.
    pub col: usize,
    /// First and one-past-last line index.
    pub lines: Range<usize>,
    /// Bytes of the node: from its key (or dash) to the end of its last line.
    pub span: Range<usize>,
    /// The inline value on the first line (without a trailing comment), if any.
    pub value: Option<Range<usize>>,
    /// Nested entries or items.
    pub children: Vec<Node>,
}

impl Node {
    /// The child entry with `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.key.as_deref() == Some(key))
    }

    /// The scalar of entry `key` of this mapping, whether written as a block or as a one-line
    /// flow mapping (`{name: x, key: y}`).
    pub fn field<'t>(&self, text: &'t str, key: &str) -> Option<&'t str> {
        if let Some(child) = self.get(key) {
            return child.scalar(text);
        }
        let entries = flow_entries(text, self.value.clone()?)?;
        entries.into_iter().find_map(|e| {
            let (k, at) = split_key(&text[e.clone()])?;
            (k == key).then(|| unquote(&text[e.start + at..e.end]))
        })
    }

    /// The node's inline scalar value, unquoted.
    pub fn scalar<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.value.clone().map(|r| unquote(&text[r]))
    }

    /// Whether the node starts at the beginning of its first line's content (so removing its
    /// lines removes nothing else).
    pub fn owns_lines(&self, doc: &YamlDoc) -> bool {
        let line = doc.lines[self.lines.start];
        self.span.start == line.line.start + line.indent
    }

    /// The bytes of its whole lines (what removing it deletes).
    pub fn line_span(&self, doc: &YamlDoc) -> Range<usize> {
        doc.lines[self.lines.start].line.start..self.span.end
    }

    /// Visits this node and every descendant.
    pub fn walk<'n>(&'n self, out: &mut Vec<&'n Node>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
}

/// One YAML document: its lines (including its `---`) and its tree.
#[derive(Debug, Clone)]
pub(crate) struct YamlDoc {
    /// All lines of the file (shared by every document).
    pub lines: Vec<YLine>,
    /// Line indices of this document, including a leading `---` line.
    pub range: Range<usize>,
    /// Whether the first line of `range` is a `---`.
    pub has_start: bool,
    /// Top-level nodes.
    pub roots: Vec<Node>,
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

/// Parses a file into documents.
pub(crate) fn parse_yaml(text: &str) -> Vec<YamlDoc> {
    let lines: Vec<YLine> = split_lines(text)
        .into_iter()
        .map(|l| classify(text, l))
        .collect();
    let mut docs = Vec::new();
    let mut start = 0;
    for i in 0..=lines.len() {
        let boundary = i == lines.len() || (lines[i].kind == LineKind::DocStart && i > start);
        if boundary {
            if i > start || docs.is_empty() {
                let parser = Parser {
                    text,
                    lines: &lines,
                };
                let body = if lines
                    .get(start)
                    .is_some_and(|l| l.kind == LineKind::DocStart)
                {
                    start + 1
                } else {
                    start
                };
                let body_end = (body..i)
                    .find(|&j| lines[j].kind == LineKind::DocEnd)
                    .unwrap_or(i);
                docs.push(YamlDoc {
                    lines: Vec::new(),
                    range: start..i,
                    has_start: body > start,
                    roots: parser.parse_seq(body, body_end, None),
                });
            }
            start = i;
        }
    }
    for d in &mut docs {
        d.lines = lines.clone();
    }
    docs
}

fn classify(text: &str, line: Line) -> YLine {
    let content = &text[line.start..line.end];
    let indent = content.len() - content.trim_start_matches(' ').len();
    let trimmed = content.trim();
    let kind = if trimmed.is_empty() {
        LineKind::Blank
    } else if trimmed.starts_with('#') {
        LineKind::Comment
    } else if indent == 0
        && (content == "---" || content.starts_with("--- ") || content.starts_with("---\t"))
    {
        LineKind::DocStart
    } else if indent == 0 && (content == "..." || content.starts_with("... ")) {
        LineKind::DocEnd
    } else {
        LineKind::Content
    };
    YLine { line, indent, kind }
}

struct Parser<'a> {
    text: &'a str,
    lines: &'a [YLine],
}

impl Parser<'_> {
    /// Parses the nodes in lines `from..to`; `first` overrides where line `from` starts (byte,
    /// column) for the content after a list item's dash.
    fn parse_seq(&self, from: usize, to: usize, first: Option<(usize, usize)>) -> Vec<Node> {
        let mut nodes = Vec::new();
        let mut i = from;
        while i < to {
            let (at, col) = match first {
                Some(f) if i == from => f,
                _ => {
                    let l = self.lines[i];
                    if l.kind != LineKind::Content {
                        i += 1;
                        continue;
                    }
                    (l.line.start + l.indent, l.indent)
                }
            };
            let node = self.parse_node(i, to, at, col);
            i = node.lines.end.max(i + 1);
            nodes.push(node);
        }
        nodes
    }

    fn parse_node(&self, i: usize, to: usize, at: usize, col: usize) -> Node {
        let line_end = self.lines[i].line.end;
        let content = &self.text[at..line_end];
        if content == "-" || content.starts_with("- ") || content.starts_with("-\t") {
            let after = content[1..].len() - content[1..].trim_start().len() + 1;
            let end = self.node_end(i, to, col, false);
            let inline = !content[after..].trim().is_empty()
                && !content[after..].trim_start().starts_with('#');
            let children = if inline {
                self.parse_seq(i, end, Some((at + after, col + after)))
            } else {
                self.parse_seq(i + 1, end, None)
            };
            let value = if inline && children.iter().all(|c| c.key.is_none()) {
                Some(at + after..at + after + value_len(&content[after..]))
            } else {
                None
            };
            return self.node(None, true, col, i..end, at, value, children);
        }
        match split_key(content) {
            Some((key, value_at)) => {
                let raw = &content[value_at..];
                let value_text = &raw[..value_len(raw)];
                let opens_block = value_text.is_empty()
                    || value_text
                        .split_whitespace()
                        .all(|w| w.starts_with('&') || w.starts_with('!'));
                let end = self.node_end(i, to, col, opens_block);
                let children = if opens_block {
                    self.parse_seq(i + 1, end, None)
                } else {
                    Vec::new()
                };
                let value = (!value_text.is_empty())
                    .then(|| at + value_at..at + value_at + value_text.len());
                self.node(Some(key), false, col, i..end, at, value, children)
            }
            None => {
                let end = self.node_end(i, to, col, false);
                let value = Some(at..at + value_len(content));
                self.node(None, false, col, i..end, at, value, Vec::new())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn node(
        &self,
        key: Option<String>,
        item: bool,
        col: usize,
        lines: Range<usize>,
        at: usize,
        value: Option<Range<usize>>,
        children: Vec<Node>,
    ) -> Node {
        let span = at..self.lines[lines.end - 1].line.next;
        Node {
            key,
            item,
            col,
            lines,
            span,
            value,
            children,
        }
    }

    /// One past the last line of the node starting at line `i`, column `col`: following lines
    /// indented deeper (or list items at the same column when `items_at_col`), without trailing
    /// blank and comment lines.
    fn node_end(&self, i: usize, to: usize, col: usize, items_at_col: bool) -> usize {
        let mut last = i;
        for j in i + 1..to {
            let l = self.lines[j];
            match l.kind {
                LineKind::Blank | LineKind::Comment => continue,
                LineKind::DocStart | LineKind::DocEnd => break,
                LineKind::Content => {
                    let dash = self.text[l.line.start + l.indent..l.line.end].starts_with('-')
                        && is_item(&self.text[l.line.start + l.indent..l.line.end]);
                    if l.indent > col || (items_at_col && l.indent == col && dash) {
                        last = j;
                    } else {
                        break;
                    }
                }
            }
        }
        last + 1
    }
}

fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ") || content.starts_with("-\t")
}

/// Splits `key: value` (the key may be quoted); returns the unquoted key and where the value
/// starts (after the colon and its spaces).
fn split_key(content: &str) -> Option<(String, usize)> {
    let bytes = content.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'"') | Some(b'\'')) {
        let q = bytes[0];
        i = 1;
        while i < bytes.len() && bytes[i] != q {
            i += if bytes[i] == b'\\' && q == b'"' { 2 } else { 1 };
        }
        i += 1;
        if i > bytes.len() || bytes.get(i) != Some(&b':') {
            return None;
        }
    } else {
        if matches!(
            bytes.first(),
            Some(b'[') | Some(b'{') | Some(b'#') | Some(b'|') | Some(b'>')
        ) {
            return None;
        }
        while i < bytes.len() {
            if bytes[i] == b':' && bytes.get(i + 1).map_or(true, |b| *b == b' ' || *b == b'\t') {
                break;
            }
            if bytes[i] == b' ' && bytes.get(i + 1) == Some(&b'#') {
                return None;
            }
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
    }
    let key = unquote(content[..i].trim()).to_string();
    let rest = &content[i + 1..];
    let value_at = i + 1 + (rest.len() - rest.trim_start().len());
    Some((key, value_at))
}

/// Length of a value on its line, without a trailing ` # comment` and trailing spaces.
fn value_len(raw: &str) -> usize {
    let bytes = raw.as_bytes();
    let mut quote = None;
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if (b == b'"' || b == b'\'')
                && (i == 0
                    || bytes[i - 1] == b' '
                    || bytes[i - 1] == b'['
                    || bytes[i - 1] == b'{'
                    || bytes[i - 1] == b',') =>
            {
                quote = Some(b)
            }
            None if b == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') => {
                end = i;
                break;
            }
            None => {}
        }
    }
    raw[..end].trim_end().len()
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

/// Edits that drop full-line comments holding a match (keys in comments are just as leaked).
pub(crate) fn comment_line_edits(text: &str, lines: &[YLine], matches: &[Match]) -> Vec<Edit> {
    let _ = text;
    lines
        .iter()
        .filter(|l| l.kind == LineKind::Comment && has_match(matches, &l.line.whole()))
        .map(|l| Edit::delete(l.line.whole()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Kubernetes
// ---------------------------------------------------------------------------------------------

/// Kubernetes manifests: removes AWS keys from `Secret` data/stringData (and the whole Secret
/// document when nothing else is left), and the workload `env:` entries that carried them or
/// pointed at them (`valueFrom.secretKeyRef`, `envFrom.secretRef`). The pods then need a role by
/// IRSA (`eks.amazonaws.com/role-arn` on their ServiceAccount) or an EKS Pod Identity
/// association; the notes say so.
#[derive(Debug, Default, Clone, Copy)]
pub struct KubernetesRewriter;

impl Rewriter for KubernetesRewriter {
    fn name(&self) -> &'static str {
        "kubernetes"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
        let workflow =
            path.starts_with(".github/workflows/") || path.contains("/.github/workflows/");
        let has = |key: &str| {
            text.lines()
                .any(|l| l.starts_with(key) || l.trim_start_matches("- ").starts_with(key))
        };
        yaml && !workflow && has("apiVersion:") && has("kind:")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let docs = parse_yaml(file.text);
        let mut plan = K8sPlan::default();
        for (i, doc) in docs.iter().enumerate() {
            plan.secret(file, &docs, i, doc);
        }
        for doc in &docs {
            plan.workload_env(file, doc);
        }
        plan.keep_referenced_secrets(file.text, &docs);
        plan.finish(file, &docs)
    }
}

/// A Secret whose AWS entries go.
#[derive(Debug)]
struct SecretCut {
    name: String,
    /// Removing the whole document.
    whole: Range<usize>,
    /// Removing only the entries (when something still refers to the Secret).
    entries: Vec<Edit>,
    emptied: bool,
}

#[derive(Debug, Default)]
struct K8sPlan {
    edits: Vec<Edit>,
    secrets: Vec<SecretCut>,
    removed_keys: Vec<(String, String)>,
    workloads: Vec<String>,
}

impl K8sPlan {
    fn secret(&mut self, file: &FileToFix<'_>, docs: &[YamlDoc], index: usize, doc: &YamlDoc) {
        let text = file.text;
        if doc.get("kind").and_then(|k| k.scalar(text)) != Some("Secret") {
            return;
        }
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(|n| n.scalar(text))
            .unwrap_or("")
            .to_string();
        let (mut total, mut hit) = (0, 0);
        let mut entries = Vec::new();
        for section in ["data", "stringData"].iter().filter_map(|s| doc.get(s)) {
            let (t, h) = self.section_cuts(file, &name, doc, section, &mut entries);
            total += t;
            hit += h;
        }
        if let Some(ann) = doc.get("metadata").and_then(|m| m.get("annotations")) {
            for a in &ann.children {
                let last_applied =
                    a.key.as_deref() == Some("kubectl.kubernetes.io/last-applied-configuration");
                if last_applied && has_match(file.matches, &a.span) && a.owns_lines(doc) {
                    entries.push(Edit::delete(a.line_span(doc)));
                }
            }
        }
        if hit == 0 {
            return;
        }
        self.secrets.push(SecretCut {
            name,
            whole: document_span(docs, index),
            entries,
            emptied: hit == total,
        });
    }

    /// Cuts for one data/stringData section; returns (entries, entries holding AWS keys).
    fn section_cuts(
        &mut self,
        file: &FileToFix<'_>,
        name: &str,
        doc: &YamlDoc,
        section: &Node,
        out: &mut Vec<Edit>,
    ) -> (usize, usize) {
        if let Some(entries) = section
            .value
            .clone()
            .and_then(|v| flow_entries(file.text, v))
        {
            let drop: Vec<usize> = (0..entries.len())
                .filter(|&i| has_match(file.matches, &entries[i]))
                .collect();
            for &i in &drop {
                let key = file.text[entries[i].clone()]
                    .split(':')
                    .next()
                    .unwrap_or("");
                self.removed_keys
                    .push((name.to_string(), unquote(key).to_string()));
            }
            if !drop.is_empty() {
                out.extend(drop_flow_entries(
                    section.value.as_ref().unwrap(),
                    &entries,
                    &drop,
                ));
            }
            return (entries.len(), drop.len());
        }
        // Entries named like AWS credentials go with the ones the detector found in the same
        // section (a base64 secret in a folded block scalar has no label next to it).
        let found = section
            .children
            .iter()
            .any(|c| has_match(file.matches, &c.span));
        let hits: Vec<&Node> = section
            .children
            .iter()
            .filter(|c| {
                has_match(file.matches, &c.span) || (found && is_credential_name(c.key.as_deref()))
            })
            .collect();
        for h in &hits {
            self.removed_keys
                .push((name.to_string(), h.key.clone().unwrap_or_default()));
        }
        if !hits.is_empty() && hits.len() == section.children.len() && section.owns_lines(doc) {
            out.push(Edit::delete(section.line_span(doc)));
        } else {
            out.extend(
                hits.iter()
                    .filter(|h| h.owns_lines(doc))
                    .map(|h| Edit::delete(h.line_span(doc))),
            );
        }
        (section.children.len(), hits.len())
    }

    fn secret_removed(&self, name: &str) -> bool {
        self.secrets.iter().any(|s| s.emptied && s.name == name)
    }

    /// Removes `env:` items that hold a key or point at a removed one, and `envFrom` items that
    /// point at a removed Secret.
    fn workload_env(&mut self, file: &FileToFix<'_>, doc: &YamlDoc) {
        let text = file.text;
        let mut touched = false;
        for node in doc.all_nodes() {
            let key = node.key.as_deref();
            if key != Some("env") && key != Some("envFrom") {
                continue;
            }
            let items: Vec<&Node> = node.children.iter().filter(|c| c.item).collect();
            let found = items.iter().any(|item| has_match(file.matches, &item.span));
            let drop: Vec<&Node> = items
                .iter()
                .copied()
                .filter(|item| {
                    has_match(file.matches, &item.span)
                        || self.points_at_removed(text, item)
                        || (found
                            && item.get("value").is_some()
                            && is_credential_name(item.field(text, "name")))
                })
                .collect();
            if drop.is_empty() {
                continue;
            }
            touched = true;
            if drop.len() == items.len() && node.owns_lines(doc) {
                self.edits.push(Edit::delete(node.line_span(doc)));
            } else {
                self.edits
                    .extend(drop.iter().map(|d| Edit::delete(d.line_span(doc))));
            }
        }
        if touched {
            let kind = doc
                .get("kind")
                .and_then(|k| k.scalar(text))
                .unwrap_or("workload");
            let name = doc
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(|n| n.scalar(text))
                .unwrap_or("?");
            let account = doc
                .all_nodes()
                .into_iter()
                .find(|n| n.key.as_deref() == Some("serviceAccountName"))
                .and_then(|n| n.scalar(text))
                .unwrap_or("default");
            self.workloads
                .push(format!("{kind}/{name} (ServiceAccount `{account}`)"));
        }
    }

    fn points_at_removed(&self, text: &str, item: &Node) -> bool {
        let by_key = item
            .get("valueFrom")
            .and_then(|v| v.get("secretKeyRef"))
            .and_then(|r| {
                Some((
                    r.field(text, "name")?.to_string(),
                    r.field(text, "key")?.to_string(),
                ))
            });
        if let Some((secret, key)) = by_key {
            return self
                .removed_keys
                .iter()
                .any(|(s, k)| *s == secret && *k == key)
                || self.secret_removed(&secret);
        }
        let whole = item.get("secretRef").and_then(|r| r.field(text, "name"));
        whole.is_some_and(|s| self.secret_removed(s))
    }

    /// A Secret that is still referred to (a volume, an imagePullSecret, …) keeps its document;
    /// only its AWS entries go.
    fn keep_referenced_secrets(&mut self, text: &str, docs: &[YamlDoc]) {
        let removed: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        for cut in self.secrets.iter_mut().filter(|c| c.emptied) {
            let referenced = docs.iter().flat_map(|d| d.all_nodes()).any(|n| {
                n.scalar(text) == Some(cut.name.as_str())
                    && !cut.whole.contains(&n.span.start)
                    && !removed.iter().any(|r| r.contains(&n.span.start))
            });
            if referenced {
                cut.emptied = false;
            }
        }
    }

    fn finish(mut self, file: &FileToFix<'_>, docs: &[YamlDoc]) -> Outcome {
        let mut notes = Vec::new();
        for cut in std::mem::take(&mut self.secrets) {
            if cut.emptied {
                self.edits.push(Edit::delete(cut.whole));
                notes.push(format!(
                    "Secret `{}` held only AWS keys and is removed from the manifest; delete it from the cluster as well and deactivate the key",
                    cut.name
                ));
            } else {
                self.edits.extend(cut.entries);
                notes.push(format!(
                    "Secret `{}`: the AWS key entries are removed; deactivate the key",
                    cut.name
                ));
            }
        }
        if let Some(doc) = docs.first() {
            self.edits
                .extend(comment_line_edits(file.text, &doc.lines, file.matches));
        }
        let removed: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(file.matches, &removed);
        if !left.is_empty() {
            return manual_for(
                &left,
                "Kubernetes",
                "remove the key by hand and give the pods an IAM role (IRSA or EKS Pod Identity)",
            );
        }
        if self.edits.is_empty() {
            return Outcome::NotHandled;
        }
        let arn = role_arn_placeholder(file.matches);
        for w in &self.workloads {
            notes.push(format!(
                "{w} now relies on the default credential chain: annotate the ServiceAccount with `eks.amazonaws.com/role-arn: {arn}` (IRSA, trust the cluster's OIDC provider) or create an EKS Pod Identity association (trust `pods.eks.amazonaws.com`)"
            ));
        }
        Outcome::Rewritten {
            text: apply_edits(file.text, self.edits),
            notes,
            manual: Vec::new(),
        }
    }
}

/// The bytes that removing document `index` deletes: from its `---` (or its first content line
/// when it has none, keeping a header comment) to the next document; the first document without
/// a `---` also takes the next document's `---` so the file does not start with a separator.
fn document_span(docs: &[YamlDoc], index: usize) -> Range<usize> {
    let doc = &docs[index];
    let lines = &doc.lines;
    let end_line = doc.range.end;
    let end = lines
        .get(end_line)
        .map(|l| l.line.start)
        .unwrap_or_else(|| lines.last().map_or(0, |l| l.line.next));
    let start = if doc.has_start {
        lines[doc.range.start].line.start
    } else {
        let first = doc
            .range
            .clone()
            .find(|&i| lines[i].kind == LineKind::Content)
            .unwrap_or(doc.range.start);
        lines[first].line.start
    };
    let next_start = docs
        .get(index + 1)
        .filter(|d| d.has_start && !doc.has_start);
    let end = next_start.map_or(end, |d| lines[d.range.start].line.next);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
    use proptest::prelude::*;

    const DOCS: &[&str] = &[
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  AWS_ACCESS_KEY_ID: {AKIA}\n  AWS_SECRET_ACCESS_KEY: \"{SECRET}\"",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: other}\ndata:\n  token: c2VjcmV0\n  AWS_SESSION_TOKEN: {TOKEN}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - name: AWS_ACCESS_KEY_ID\n          valueFrom:\n            secretKeyRef: {name: creds, key: AWS_ACCESS_KEY_ID}\n        - name: MODE\n          value: prod # {AKIA}",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      env:\n        - {name: AWS_SECRET_ACCESS_KEY, value: \"{SECRET}\"}\n        - name: AWS_ACCESS_KEY_ID\n          value: {AKIA}",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  conf: |\n    a: 1\n    b: [2, 3]",
        "# just a comment {AKIA}",
    ];

    fn doc() -> impl Strategy<Value = String> {
        prop_oneof![4 => prop::sample::select(DOCS).prop_map(String::from), 1 => "([ -~]|\\PC){0,30}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn k8s_rewrites_stay_in_documents_with_a_finding(docs in prop::collection::vec(doc(), 1..6), seed: u64, crlf: bool) {
            let parts: Vec<String> = docs.iter().enumerate().map(|(i, d)| if i == 0 { d.clone() } else { format!("---\n{d}") }).collect();
            let (text, ranges) = chunks(&parts, seed, if crlf { "\r\n" } else { "\n" });
            let (matches, outcome) = run(&KubernetesRewriter, "k8s/app.yaml", &text);
            if let Outcome::Rewritten { text: new, .. } = outcome {
                let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
                let creds_hit = ranges.iter().zip(&parts).any(|(r, p)| p.contains("name: creds") && hit.iter().any(|h| r.contains(h)));
                // A removed document may take the next document's `---` with it.
                let allowed: Vec<Range<usize>> = ranges
                    .iter()
                    .zip(&parts)
                    .filter(|(r, p)| hit.iter().any(|h| r.contains(h)) || (creds_hit && p.contains("creds")))
                    .map(|(r, _)| r.start..r.end + 1)
                    .collect();
                assert_within("k8s/app.yaml", &text, &new, &allowed);
                prop_assert!(!crlf || new.split_inclusive('\n').all(|l| l.ends_with("\r\n")), "{}", new);
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_yaml_parser(text in "(?s)([ -~\\n\\t:#'\"{}\\[\\]|>-]|\\PC){0,400}", seed: u64) {
            let (keys, _) = chunks(&["apiVersion: v1\nkind: Secret\ndata:\n  AWS_ACCESS_KEY_ID: {AKIA}".into()], seed, "\n");
            let _ = run(&KubernetesRewriter, "a.yaml", &(keys.clone() + &text));
            let _ = run(&KubernetesRewriter, "a.yaml", &(text + &keys));
        }
    }

    #[test]
    fn the_tree_follows_indentation_items_and_block_scalars() {
        let text = "a:\n  b: |\n    c: 1\n  d:\n  - e: 2\n    f: 3\n  -   g\n# c\nh: {x: 1}\n";
        let docs = parse_yaml(text);
        let a = docs[0].get("a").unwrap();
        assert_eq!(
            a.get("b").unwrap().children.len(),
            0,
            "a block scalar has no children"
        );
        let d = a.get("d").unwrap();
        assert_eq!(d.children.len(), 2);
        assert_eq!(
            d.children[0].get("f").and_then(|f| f.scalar(text)),
            Some("3")
        );
        assert_eq!(d.children[1].scalar(text), Some("g"));
        assert_eq!(docs[0].get("h").unwrap().field(text, "x"), Some("1"));
    }
}
