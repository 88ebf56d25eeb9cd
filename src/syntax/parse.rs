//! Parsing with guards: a size limit and a time budget (tree-sitter's progress callback cancels a
//! parse that runs too long), so hostile input never hangs a scan or a fix. Tree-sitter itself
//! never fails on bad syntax: it recovers and marks `ERROR` and `MISSING` nodes, which
//! [`Parsed::errors`] counts.

use super::Language;
use std::ops::Range;
use std::time::{Duration, Instant};
use tree_sitter::{Node, ParseOptions, Parser, Point, Tree};

/// How much a parse may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Texts longer than this many bytes are not parsed.
    pub max_bytes: usize,
    /// Parsing stops (and fails) after this long.
    pub budget: Duration,
}

impl Default for Limits {
    /// 8 MiB and 3 seconds: generous for source files (`fix` reads files up to 2 MiB), small
    /// enough that a pathological file cannot stall a run.
    fn default() -> Limits {
        Limits {
            max_bytes: 8 * 1024 * 1024,
            budget: Duration::from_secs(3),
        }
    }
}

/// Why a text was not parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The text is larger than [`Limits::max_bytes`].
    TooLarge {
        /// The text's size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// Parsing took longer than [`Limits::budget`] and was cancelled.
    TimedOut(Duration),
    /// The grammar could not be loaded (an ABI mismatch; a build problem, not an input problem).
    Grammar(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::TooLarge { bytes, max } => {
                write!(
                    f,
                    "the file is too large to parse ({bytes} bytes, limit {max})"
                )
            }
            ParseError::TimedOut(d) => {
                write!(f, "parsing the file took longer than {} ms", d.as_millis())
            }
            ParseError::Grammar(e) => write!(f, "the grammar failed to load: {e}"),
        }
    }
}

/// A parsed text: the tree and the text it was parsed from (byte offsets of nodes index `text`).
pub struct Parsed<'s> {
    lang: Language,
    text: &'s str,
    tree: Tree,
}

impl std::fmt::Debug for Parsed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsed")
            .field("lang", &self.lang)
            .field("bytes", &self.text.len())
            .field("errors", &self.errors())
            .finish()
    }
}

/// Parses `text` as `lang` with the default [`Limits`].
pub fn parse(lang: Language, text: &str) -> Result<Parsed<'_>, ParseError> {
    parse_with(lang, text, &Limits::default())
}

/// Parses `text` as `lang` within `limits`.
pub fn parse_with<'s>(
    lang: Language,
    text: &'s str,
    limits: &Limits,
) -> Result<Parsed<'s>, ParseError> {
    parse_ranges(lang, text, &[], limits)
}

/// Parses only the byte `ranges` of `text` as `lang` (embedded code: a Dockerfile's `RUN` shell, a
/// script inside a YAML value). Node offsets still index the whole `text`. Empty `ranges` parses
/// everything.
pub fn parse_ranges<'s>(
    lang: Language,
    text: &'s str,
    ranges: &[Range<usize>],
    limits: &Limits,
) -> Result<Parsed<'s>, ParseError> {
    if text.len() > limits.max_bytes {
        return Err(ParseError::TooLarge {
            bytes: text.len(),
            max: limits.max_bytes,
        });
    }
    let mut parser = Parser::new();
    parser
        .set_language(&lang.grammar())
        .map_err(|e| ParseError::Grammar(e.to_string()))?;
    if !ranges.is_empty() {
        let included = included_ranges(text, ranges);
        parser
            .set_included_ranges(&included)
            .map_err(|e| ParseError::Grammar(format!("bad included ranges: {e:?}")))?;
    }
    let started = Instant::now();
    let budget = limits.budget;
    let mut over_budget = |_: &tree_sitter::ParseState| started.elapsed() > budget;
    let guarded = ascii_guard(text);
    let bytes: &[u8] = &guarded;
    let mut read = |at: usize, _: Point| -> &[u8] { bytes.get(at..).unwrap_or_default() };
    let options = ParseOptions::new().progress_callback(&mut over_budget);
    match parser.parse_with_options(&mut read, None, Some(options)) {
        Some(tree) => Ok(Parsed { lang, text, tree }),
        None => Err(ParseError::TimedOut(budget)),
    }
}

/// The bytes the grammars see: `text` with every non-ASCII byte replaced by `x`. Grammars'
/// external scanners (C) call `isdigit`/`isalpha` on the lookahead code point, which is undefined
/// for code points above 255 and crashed the process (tree-sitter-bash after `{`); ASCII input
/// never reaches that. Byte offsets are unchanged (one byte for one byte), so every node's range
/// still indexes `text`, and [`Parsed::text_of`] reads the original text: a non-ASCII character
/// inside a string or a comment parses as the same kind of node, one in an identifier as an
/// identifier character.
fn ascii_guard(text: &str) -> std::borrow::Cow<'_, [u8]> {
    let bytes = text.as_bytes();
    if bytes.is_ascii() {
        return std::borrow::Cow::Borrowed(bytes);
    }
    std::borrow::Cow::Owned(
        bytes
            .iter()
            .map(|&b| if b.is_ascii() { b } else { b'x' })
            .collect(),
    )
}

/// Tree-sitter ranges (with row/column points) for byte ranges of `text`, sorted, merged, and
/// clipped to the text.
fn included_ranges(text: &str, ranges: &[Range<usize>]) -> Vec<tree_sitter::Range> {
    let mut sorted: Vec<Range<usize>> = ranges
        .iter()
        .map(|r| r.start.min(text.len())..r.end.min(text.len()))
        .filter(|r| r.start < r.end)
        .collect();
    sorted.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in sorted {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .map(|r| tree_sitter::Range {
            start_byte: r.start,
            end_byte: r.end,
            start_point: point_at(text, r.start),
            end_point: point_at(text, r.end),
        })
        .collect()
}

/// The row/column (in bytes) of byte `at`.
fn point_at(text: &str, at: usize) -> Point {
    let before = &text.as_bytes()[..at];
    let row = memchr::memchr_iter(b'\n', before).count();
    let column = at
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
    Point { row, column }
}

impl<'s> Parsed<'s> {
    /// The language parsed.
    pub fn language(&self) -> Language {
        self.lang
    }

    /// The text parsed.
    pub fn text(&self) -> &'s str {
        self.text
    }

    /// The root node.
    pub fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The text of a node (empty when the node's range is not on character boundaries, which
    /// tree-sitter never produces for UTF-8 input).
    pub fn text_of(&self, node: Node<'_>) -> &'s str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// How many syntax errors the tree holds (`ERROR` and `MISSING` nodes).
    pub fn errors(&self) -> usize {
        error_nodes(self.root()).len()
    }

    /// The first syntax error, if any.
    pub fn first_error(&self) -> Option<Node<'_>> {
        error_nodes(self.root()).into_iter().next()
    }

    /// The smallest named node that covers the byte range `range`.
    pub fn covering(&self, range: Range<usize>) -> Option<Node<'_>> {
        self.root()
            .named_descendant_for_byte_range(range.start, range.end)
    }

    /// The 1-based line of byte `at`.
    pub fn line_of(&self, at: usize) -> u32 {
        line_of(self.text, at)
    }
}

/// The 1-based line of byte `at` in `text`.
pub fn line_of(text: &str, at: usize) -> u32 {
    let at = at.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count() as u32 + 1
}

/// The `ERROR` and `MISSING` nodes under `node`, in document order (only subtrees that hold an
/// error are visited).
pub fn error_nodes(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    if !node.has_error() {
        return out;
    }
    let mut cursor = node.walk();
    loop {
        let n = cursor.node();
        if n.is_error() || n.is_missing() {
            out.push(n);
        }
        let descend = n.has_error() && !n.is_error() && cursor.goto_first_child();
        if descend {
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
        }
    }
}

/// Every node under `node` (itself included) in document order, without recursion.
pub fn descendants(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut cursor = node.walk();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let current = cursor.node();
        if !cursor.goto_first_child() {
            loop {
                if cursor.node() == node {
                    done = true;
                    break;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    done = true;
                    break;
                }
            }
        }
        Some(current)
    })
}

/// The nearest ancestor of `node` (itself excluded) whose kind is one of `kinds`.
pub fn ancestor<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut at = node.parent();
    while let Some(n) = at {
        if kinds.contains(&n.kind()) {
            return Some(n);
        }
        at = n.parent();
    }
    None
}

/// `node` itself when its kind is one of `kinds`, else its nearest such ancestor.
pub fn ancestor_or_self<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    if kinds.contains(&node.kind()) {
        return Some(node);
    }
    ancestor(node, kinds)
}

/// The named children of `node`, collected.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    let out = node.named_children(&mut cursor).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_errors_and_finds_nodes() {
        let ok = parse(Language::Python, "x = f(1, 2)\n").unwrap();
        assert_eq!(ok.errors(), 0);
        let bad = parse(Language::Python, "x = f(1, 2\ny = )\n").unwrap();
        assert!(bad.errors() > 0);
        assert_eq!(bad.line_of(bad.first_error().unwrap().start_byte()), 1);
        let n = ok.covering(6..7).unwrap();
        assert_eq!(ok.text_of(n), "1");
        assert!(descendants(ok.root()).count() > 5);
        assert_eq!(ancestor(n, &["call"]).map(|c| c.kind()), Some("call"));
    }

    #[test]
    fn limits_refuse_large_texts_and_cancel_slow_parses() {
        let tight = Limits {
            max_bytes: 10,
            budget: Duration::from_secs(1),
        };
        assert!(matches!(
            parse_with(Language::Json, "[1, 2, 3, 4, 5]", &tight),
            Err(ParseError::TooLarge { .. })
        ));
        let big = "[".repeat(200_000) + &"]".repeat(200_000);
        let instant = Limits {
            max_bytes: usize::MAX,
            budget: Duration::ZERO,
        };
        assert!(matches!(
            parse_with(Language::Json, &big, &instant),
            Err(ParseError::TimedOut(_))
        ));
    }

    /// tree-sitter-bash's external scanner called `isdigit` on a code point above 255 after `{`
    /// (undefined behaviour; it crashed the process): no grammar may see such a code point, and
    /// nodes still index the original text.
    #[test]
    fn issue_10_non_ascii_input_never_reaches_a_scanner() {
        let tricky = [
            "echo {\u{1F600}}\n",
            "x={\u{20AC}1,2}\n",
            "a=\"{\u{4E2D}\" ${\u{1F600}}\n",
            "cat <<\u{1F600}\n{\u{1F600}\n\u{1F600}\n",
        ];
        for lang in Language::ALL {
            for t in tricky {
                let parsed = parse(lang, t).expect("parses within the limits");
                assert_eq!(parsed.root().end_byte(), t.len(), "{lang:?} {t:?}");
            }
            // Every code point class after every ASCII byte: arbitrary text, every grammar.
            let mut text = String::new();
            for b in 0x20u8..0x7f {
                for c in ['\u{e9}', '\u{20AC}', '\u{4E2D}', '\u{1F600}', '\u{FFFD}'] {
                    text.push(b as char);
                    text.push(c);
                }
                text.push('\n');
            }
            let parsed = parse(lang, &text).expect("parses within the limits");
            assert_eq!(parsed.root().end_byte(), text.len(), "{lang:?}");
        }
        let parsed = parse(Language::Python, "s = \"caf\u{e9}\"\n").unwrap();
        let n = parsed.covering(4..11).unwrap();
        assert_eq!(parsed.text_of(n), "\"caf\u{e9}\"");
        assert_eq!(parsed.errors(), 0);
    }

    #[test]
    fn embedded_ranges_keep_whole_text_offsets() {
        let text = "RUN echo hi && aws s3 ls\n";
        let run = 4..24;
        let parsed = parse_ranges(
            Language::Bash,
            text,
            std::slice::from_ref(&run),
            &Limits::default(),
        )
        .unwrap();
        let n = parsed.covering(15..18).unwrap();
        assert_eq!(parsed.text_of(n), "aws");
        assert_eq!(parsed.errors(), 0);
    }
}
