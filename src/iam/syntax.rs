//! Reading call arguments without a full parser: the window of a call's arguments (balanced
//! brackets, builder chains, cmdlet lines with continuations), parameters by name in every
//! language's syntax (`Bucket=`, `Bucket:`, `'Bucket' =>`, `.bucket(`, `-BucketName x`), positional
//! literals, and variables assigned a single literal.

use std::collections::BTreeMap;

/// Longest call window (bytes) read after a call name.
const MAX_WINDOW: usize = 8192;

/// A resource name read from a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// Literal names.
    Known(Vec<String>),
    /// A nested map/struct literal to look into.
    Nested(String),
    /// Not readable.
    Unknown,
}

pub(super) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The name is a whole word (`-` counts as part of cmdlet and CLI names).
pub(super) fn bounded(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let ok = |c: Option<&u8>| c.map_or(true, |&c| !is_ident(c) && c != b'-');
    ok(start.checked_sub(1).and_then(|i| b.get(i))) && ok(b.get(end))
}

/// Whether the text before a name declares a function of that name (`def get_object(`).
pub(super) fn is_definition(before: &str) -> bool {
    let word = before
        .trim_end()
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    matches!(word, "def" | "function" | "func" | "fun" | "sub" | "fn")
}

/// Byte offsets of line starts, for 1-based line numbers.
pub(super) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub(super) fn new(text: &str) -> LineStarts {
        let mut v = vec![0];
        v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(v)
    }

    pub(super) fn line(&self, offset: usize) -> u32 {
        self.0.partition_point(|&s| s <= offset) as u32
    }
}

/// The text of a call's arguments: a balanced `(…)`/`{…}`, a `.builder()…build()` chain, or (for
/// cmdlets and CLI subcommands) the rest of the line with its continuations.
pub(super) fn call_window(text: &str, after: usize, dashed: bool) -> Option<&str> {
    let rest = &text[after..];
    let skipped = if dashed {
        rest.len() - rest.trim_start_matches([' ', '\t']).len()
    } else {
        rest.len() - rest.trim_start().len()
    };
    let start = after + skipped;
    let b = text.as_bytes();
    match b.get(start) {
        Some(b'(') | Some(b'{') => {
            let end = balanced_end(text, start);
            Some(&text[start..end])
        }
        _ if text[start..].starts_with(".builder(") => {
            let limit = floor_boundary(text, (start + MAX_WINDOW).min(text.len()));
            let chunk = &text[start..limit];
            let end = chunk
                .find(".build()")
                .map(|i| i + ".build()".len())
                .or_else(|| chunk.find(';'))
                .unwrap_or(chunk.len());
            Some(&chunk[..end])
        }
        _ if dashed => Some(continued_line(text, after)),
        _ => None,
    }
}

/// From `start` to the end of the line, following `` ` `` and `\` continuations.
pub(super) fn continued_line(text: &str, start: usize) -> &str {
    let mut end = start;
    loop {
        let line_end = text[end..]
            .find('\n')
            .map(|i| end + i)
            .unwrap_or(text.len());
        let line = text[end..line_end].trim_end();
        if (line.ends_with('`') || line.ends_with('\\'))
            && line_end < text.len()
            && line_end - start < MAX_WINDOW
        {
            end = line_end + 1;
        } else {
            return &text[start..line_end];
        }
    }
}

/// The largest char boundary at or before `i`.
pub(super) fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The end (exclusive) of the bracketed group opening at `open`, skipping string literals. An
/// unbalanced group ends at the window limit.
pub(super) fn balanced_end(text: &str, open: usize) -> usize {
    let b = text.as_bytes();
    let limit = floor_boundary(text, (open + MAX_WINDOW).min(b.len()));
    let mut depth = 0usize;
    let mut i = open;
    let mut quote: Option<u8> = None;
    while i < limit {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q || (c == b'\n' && q != b'`') {
                    quote = None;
                }
            }
            None => match c {
                // An apostrophe inside a word (`don't`) opens nothing.
                b'\'' | b'"' | b'`'
                    if !(c == b'\''
                        && i > 0
                        && b[i - 1].is_ascii_alphabetic()
                        && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic())) =>
                {
                    quote = Some(c);
                }
                b'(' | b'{' | b'[' => depth += 1,
                b')' | b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    limit
}

/// Bracket depth at each byte of `window` (string literals count as their surroundings).
pub(super) fn depths(window: &str) -> Vec<u16> {
    let b = window.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut depth: u16 = 0;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for &c in b {
        out.push(depth);
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == q || c == b'\n' {
                    quote = None;
                }
            }
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'{' | b'[' => depth += 1,
                b')' | b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    out
}

/// The value of the first of `params` present in `window` (the shallowest occurrence wins).
pub(super) fn find_param(
    window: &str,
    params: &[String],
    assigns: &BTreeMap<String, Option<String>>,
) -> Option<Value> {
    if params.is_empty() {
        return None;
    }
    let lower = window.to_ascii_lowercase();
    let depth = depths(window);
    let b = window.as_bytes();
    for param in params {
        let p = param.to_ascii_lowercase();
        let mut best: Option<(u16, Value)> = None;
        for (i, _) in lower.match_indices(p.as_str()) {
            let end = i + p.len();
            if (i > 0 && is_ident(b[i - 1])) || b.get(end).is_some_and(|&c| is_ident(c)) {
                continue;
            }
            // `-Param value` / `--param value`: the dash must start a word.
            let dash = i > 0
                && b[i - 1] == b'-'
                && (i < 2
                    || b[i - 2].is_ascii_whitespace()
                    || (b[i - 2] == b'-' && (i < 3 || b[i - 3].is_ascii_whitespace())));
            let Some(v) = param_value(window, end, dash, assigns) else {
                continue;
            };
            if best.as_ref().map_or(true, |(d, _)| depth[i] < *d) {
                best = Some((depth[i], v));
            }
        }
        if let Some((_, v)) = best {
            return Some(v);
        }
    }
    None
}

/// Reads the value after a parameter name ending at `end`.
pub(super) fn param_value(
    window: &str,
    end: usize,
    dash: bool,
    assigns: &BTreeMap<String, Option<String>>,
) -> Option<Value> {
    let mut rest = &window[end..];
    if let Some(r) = rest.strip_prefix(['\'', '"']) {
        rest = r;
    }
    let trimmed = rest.trim_start();
    for sep in ["=>", "=", ":", "("] {
        if let Some(r) = trimmed.strip_prefix(sep) {
            if r.starts_with(['=', ':']) {
                return None;
            }
            return Some(read_value(r.trim_start(), false, assigns));
        }
    }
    if dash && rest.starts_with([' ', '\t']) && !trimmed.starts_with('-') {
        return Some(read_value(trimmed, true, assigns));
    }
    None
}

/// Reads a literal (or a variable holding one) at the start of `s`.
pub(super) fn read_value(
    s: &str,
    bare_literal: bool,
    assigns: &BTreeMap<String, Option<String>>,
) -> Value {
    let s = s.strip_prefix("aws.String(").unwrap_or(s);
    let s = s
        .strip_prefix(['r', 'b'])
        .filter(|r| r.starts_with(['\'', '"']))
        .unwrap_or(s);
    let Some(first) = s.chars().next() else {
        return Value::Unknown;
    };
    match first {
        '\'' | '"' | '`' => {
            let body = &s[1..];
            let Some(close) = body.find(first) else {
                return Value::Unknown;
            };
            let lit = &body[..close];
            let next = body[close + 1..].trim_start().chars().next();
            if lit.is_empty()
                || lit.contains(['{', '$', '%', '#'])
                || matches!(next, Some('+' | '.' | '%'))
            {
                Value::Unknown
            } else {
                Value::Known(vec![lit.to_string()])
            }
        }
        '{' => Value::Nested(s[..balanced_end(s, 0)].to_string()),
        '[' | '@' if s.starts_with('[') || s.starts_with("@(") => {
            let group = &s[..balanced_end(s, s.find(['[', '(']).unwrap_or(0))];
            let lits: Vec<String> = group
                .split([',', '[', ']', '(', ')'])
                .map(|p| p.trim().trim_matches(['\'', '"']).to_string())
                .filter(|p| !p.is_empty() && !p.starts_with('@'))
                .collect();
            if lits.is_empty() || lits.iter().any(|l| l.contains(['$', '{', ' '])) {
                Value::Unknown
            } else {
                Value::Known(lits)
            }
        }
        c if c == '$' || c.is_ascii_alphanumeric() || c == '_' || c == '/' => {
            let token: &str = s
                .split(|c: char| !(c.is_ascii_alphanumeric() || "_.$:/-@>".contains(c)))
                .next()
                .unwrap_or("");
            let token = token.trim_end_matches(['.', ':']);
            if bare_literal && !token.starts_with('$') {
                return Value::Known(vec![token.to_string()]);
            }
            let name = token
                .rsplit(['.', ':', '>'])
                .next()
                .unwrap_or(token)
                .trim_start_matches('$');
            match assigns.get(name) {
                Some(Some(v)) => Value::Known(vec![v.clone()]),
                _ => Value::Unknown,
            }
        }
        _ => Value::Unknown,
    }
}

/// The literal (or resolved variable) at argument `index` of a `(…)` window.
pub(super) fn positional(
    window: &str,
    index: usize,
    assigns: &BTreeMap<String, Option<String>>,
) -> Option<Value> {
    let inner = window.strip_prefix('(')?;
    let depth = depths(inner);
    let mut args = Vec::new();
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        if depth[i] == 0 && (c == ',' || c == ')') {
            args.push(&inner[start..i]);
            start = i + 1;
            if c == ')' {
                break;
            }
        }
    }
    let arg = args.get(index)?.trim();
    if arg.is_empty()
        || arg
            .split_once('=')
            .is_some_and(|(k, _)| !k.contains(['\'', '"', '(']))
    {
        return None;
    }
    Some(read_value(arg, false, assigns))
}

/// A call read from a syntax tree: its name (the method or function called), where that name
/// starts, the text of its arguments, and its arguments as values.
#[derive(Debug, Clone)]
pub(super) struct TreeCall {
    /// The called name (`get_object`), without receiver.
    pub name: String,
    /// Byte offset of the name.
    pub start: usize,
    /// The argument list's text (for markers such as SSE-KMS settings).
    pub window: String,
    /// Keyword arguments (`Bucket="x"`), and the entries of dict literals passed as arguments
    /// (`Params={"Bucket": "x"}`), nearest first.
    pub keywords: Vec<(String, Value)>,
    /// Positional arguments.
    pub positional: Vec<Value>,
}

impl TreeCall {
    /// The value of the first of `params` the call passes (case-insensitive).
    pub(super) fn param(&self, params: &[String]) -> Option<Value> {
        params.iter().find_map(|p| {
            self.keywords
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(p))
                .map(|(_, v)| v.clone())
        })
    }

    /// The value of positional argument `index`.
    pub(super) fn positional(&self, index: usize) -> Option<Value> {
        self.positional.get(index).cloned()
    }
}

/// The calls of a file, read from its syntax tree, for the languages that have a tree finder
/// (Python); `None` for the others, which keep the text finder above. A language's port adds
/// its arm here: find its call nodes, name them, and read arguments with [`tree_value`].
pub(super) fn tree_calls(path: &str, text: &str) -> Option<Vec<TreeCall>> {
    use crate::syntax::{parse, Language};
    let lang = Language::detect(path, text)?;
    match lang {
        Language::Python => {
            let parsed = parse(lang, text).ok()?;
            Some(python_calls(&parsed))
        }
        // PHP outside `<?php` is page text: a snippet without the tag keeps the text finder.
        Language::Php if !text.contains("<?") => None,
        Language::Ruby | Language::Php => {
            let parsed = parse(lang, text).ok()?;
            Some(super::syntax_script::script_calls(&parsed))
        }
        Language::PowerShell => {
            let parsed = parse(lang, text).ok()?;
            Some(super::syntax_script::powershell_calls(&parsed))
        }
        Language::Java | Language::Kotlin | Language::Scala | Language::CSharp => {
            let parsed = parse(lang, text).ok()?;
            Some(super::syntax_jvm::jvm_calls(&parsed))
        }
        _ => None,
    }
}

/// Python calls: `client.get_object(Bucket="x", Key=k)`, `s3.Bucket("x")`, `upload_file(a, b, c)`.
fn python_calls(parsed: &crate::syntax::Parsed<'_>) -> Vec<TreeCall> {
    use crate::syntax::{nodes, parse::descendants, Language};
    let consts = python_constants(parsed);
    let mut out = Vec::new();
    for node in descendants(parsed.root()) {
        let Some(call) = nodes::call_of(Language::Python, node) else {
            continue;
        };
        let name_node = match call.callee.kind() {
            "attribute" => call.callee.child_by_field_name("attribute"),
            "identifier" => Some(call.callee),
            _ => None,
        };
        let Some(name_node) = name_node else { continue };
        let mut keywords = Vec::new();
        let mut positional = Vec::new();
        let mut nested = Vec::new();
        for arg in nodes::arguments(Language::Python, call.args) {
            let value = tree_value(parsed, arg.value, &consts);
            match (arg.keyword, arg.spread) {
                (Some(k), _) => keywords.push((parsed.text_of(k).to_string(), value)),
                (None, false) => positional.push(value),
                (None, true) => {}
            }
            collect_dict_entries(parsed, arg.value, &consts, &mut nested, 0);
        }
        keywords.extend(nested);
        out.push(TreeCall {
            name: parsed.text_of(name_node).to_string(),
            start: name_node.start_byte(),
            window: parsed.text_of(call.args).to_string(),
            keywords,
            positional,
        });
    }
    out
}

/// The entries of dict literals inside a value (two levels deep), as keyword-like pairs.
fn collect_dict_entries(
    parsed: &crate::syntax::Parsed<'_>,
    value: tree_sitter::Node<'_>,
    consts: &BTreeMap<String, Option<String>>,
    out: &mut Vec<(String, Value)>,
    depth: usize,
) {
    use crate::syntax::{nodes, Language};
    if value.kind() != "dictionary" || depth > 2 {
        return;
    }
    let mut cursor = value.walk();
    for child in value.named_children(&mut cursor) {
        let Some(pair) = nodes::pair_of(Language::Python, child) else {
            continue;
        };
        let key = nodes::key_text(parsed, pair.key);
        out.push((key, tree_value(parsed, pair.value, consts)));
        collect_dict_entries(parsed, pair.value, consts, out, depth + 1);
    }
}

/// The value of an argument: a constant string (folded), a name bound to one, a list of them, a
/// dict (to look into), or unknown.
pub(super) fn tree_value(
    parsed: &crate::syntax::Parsed<'_>,
    node: tree_sitter::Node<'_>,
    consts: &BTreeMap<String, Option<String>>,
) -> Value {
    if let Some(f) = crate::syntax::fold::fold(parsed, node) {
        return if f.value.is_empty() {
            Value::Unknown
        } else {
            Value::Known(vec![f.value])
        };
    }
    match node.kind() {
        "identifier" | "attribute" | "constant" | "variable_name" => {
            let text = parsed.text_of(node);
            let name = text.rsplit('.').next().unwrap_or(text);
            match consts.get(name) {
                Some(Some(v)) => Value::Known(vec![v.clone()]),
                _ => Value::Unknown,
            }
        }
        "dictionary" => Value::Nested(parsed.text_of(node).to_string()),
        "list" | "tuple" => {
            let mut cursor = node.walk();
            let mut values = Vec::new();
            for item in node.named_children(&mut cursor) {
                match tree_value(parsed, item, consts) {
                    Value::Known(v) => values.extend(v),
                    _ => return Value::Unknown,
                }
            }
            if values.is_empty() {
                Value::Unknown
            } else {
                Value::Known(values)
            }
        }
        _ => Value::Unknown,
    }
}

/// Names bound to one constant string in the file (`BUCKET = "x"`); a name bound to two
/// different values maps to `None`.
fn python_constants(parsed: &crate::syntax::Parsed<'_>) -> BTreeMap<String, Option<String>> {
    use crate::syntax::parse::descendants;
    let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
    for node in descendants(parsed.root()) {
        if node.kind() != "assignment" {
            continue;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            continue;
        };
        if left.kind() != "identifier" {
            continue;
        }
        let value = crate::syntax::fold::fold(parsed, right).map(|f| f.value);
        let name = parsed.text_of(left).to_string();
        match (out.get_mut(&name), value) {
            (Some(existing), v) => {
                if *existing != v {
                    *existing = None;
                }
            }
            (None, v) => {
                out.insert(name, v);
            }
        }
    }
    out
}
