//! Constant string folding: string expressions whose value is known without running the code,
//! built from literal fragments — `"AKIA" + "GMQL…"`, Python's adjacent literals, template
//! literals whose substitutions are constant, shell words made of several quoted parts, PHP's
//! `.`, PowerShell's `+` and `-join`, and the join calls of each language (`"".join([...])`,
//! `[...].join("")`, `strings.Join([]string{...}, "")`, `implode('', [...])`).
//!
//! [`constant_strings`] lists every maximal such expression in a text with the byte ranges of its
//! fragments, so a detector can find a key assembled in code and point at its first fragment;
//! [`fold`] folds one expression for a rewriter.
//!
//! Limits: names are not resolved (a constant held in a variable does not fold here; def-use
//! does that); Kotlin and Scala fold `+` and templates but no join calls; Java and C# fold
//! `String.join`/`string.Join`/`string.Concat` over literal arguments only.

use super::strings::{self, Rules};
use super::{parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// A constant string expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// Its value.
    pub value: String,
    /// The whole expression.
    pub range: Range<usize>,
    /// The content of each literal fragment that contributes to the value, in order (separators
    /// of join calls included).
    pub fragments: Vec<Range<usize>>,
}

/// Deepest expression nesting folded (deeper input is not folded, never a stack overflow).
const MAX_DEPTH: usize = 200;

/// Every maximal constant string expression of `text` that is more than one plain literal: built
/// from two or more fragments, or a single literal whose value differs from its source text
/// (escapes). Texts that do not parse within the default limits give nothing.
pub fn constant_strings(lang: Language, text: &str) -> Vec<Folded> {
    let Ok(parsed) = parse(lang, text) else {
        return Vec::new();
    };
    constant_strings_in(&parsed)
}

/// [`constant_strings`] on an already parsed text.
pub fn constant_strings_in(parsed: &Parsed<'_>) -> Vec<Folded> {
    let mut out = Vec::new();
    let root = parsed.root();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let folded = candidate(parsed.language(), node)
            .then(|| fold(parsed, node))
            .flatten()
            .filter(|f| {
                f.fragments.len() > 1
                    || f.fragments
                        .first()
                        .is_some_and(|r| parsed.text()[r.clone()] != f.value)
            });
        let descend = match folded {
            Some(f) => {
                out.push(f);
                false
            }
            None => true,
        };
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == root {
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

/// The largest constant string expression that holds byte `at` (a key's first byte), if any.
pub fn fold_at(parsed: &Parsed<'_>, at: usize) -> Option<Folded> {
    let lang = parsed.language();
    let mut node = strings::string_at(parsed, at)?;
    let mut best = fold(parsed, node)?;
    while let Some(parent) = node.parent() {
        match fold(parsed, parent) {
            Some(f) => {
                best = f;
                node = parent;
            }
            None if passthrough(lang, parent.kind()) => node = parent,
            None => break,
        }
    }
    Some(best)
}

/// Whether a node may be the root of a folded expression worth reporting.
fn candidate(lang: Language, node: Node<'_>) -> bool {
    let kind = node.kind();
    strings::is_string(lang, node)
        || concat_operator(lang, kind).is_some()
        || matches!(
            kind,
            "concatenated_string"
                | "chained_string"
                | "concatenation"
                | "call"
                | "call_expression"
                | "function_call_expression"
                | "invocation_expression"
                | "method_invocation"
                | "function_call"
                | "comparison_expression"
                | "template_expr"
                | "variable_assignment"
        )
}

/// Folds the expression `node`, if it is a constant string.
/// Expressions with syntax errors, or whose ends do not fall on character boundaries of the
/// original text (the grammars see non-ASCII bytes as ASCII, see [`super::parse`]), never fold:
/// arbitrary bytes must not make a slice panic.
pub fn fold(parsed: &Parsed<'_>, node: Node<'_>) -> Option<Folded> {
    let text = parsed.text();
    let sound = |at: usize| {
        (at.saturating_sub(3)..=(at + 3).min(text.len())).all(|i| text.is_char_boundary(i))
    };
    if node.has_error() || !sound(node.start_byte()) || !sound(node.end_byte()) {
        return None;
    }
    Folder { parsed }.fold(node, 0)
}

/// The operator that concatenates strings in a binary node of `kind`, if it is one.
fn concat_operator(lang: Language, kind: &str) -> Option<&'static str> {
    match (lang, kind) {
        (Language::Python, "binary_operator") => Some("+"),
        (Language::Ruby, "binary") => Some("+"),
        (Language::Php, "binary_expression") => Some("."),
        (Language::Scala, "infix_expression") => Some("+"),
        (Language::PowerShell, "additive_expression") => Some("+"),
        (
            Language::JavaScript
            | Language::TypeScript
            | Language::Tsx
            | Language::Java
            | Language::Go
            | Language::CSharp
            | Language::Kotlin,
            "binary_expression",
        ) => Some("+"),
        _ => None,
    }
}

/// Node kinds that only wrap one expression.
fn passthrough(lang: Language, kind: &str) -> bool {
    match lang {
        Language::PowerShell => matches!(
            kind,
            "string_literal"
                | "unary_expression"
                | "array_literal_expression"
                | "range_expression"
                | "format_expression"
                | "multiplicative_expression"
                | "additive_expression"
                | "comparison_expression"
                | "bitwise_expression"
                | "logical_expression"
                | "pipeline_chain"
                | "pipeline"
                | "parenthesized_expression"
        ),
        Language::Hcl => matches!(kind, "expression" | "template_expr" | "literal_value"),
        Language::Go => matches!(kind, "expression_list" | "parenthesized_expression"),
        Language::Ruby => matches!(kind, "parenthesized_statements"),
        Language::Yaml => matches!(kind, "flow_node" | "block_node"),
        Language::Bash => kind == "command_name",
        _ => kind == "parenthesized_expression",
    }
}

struct Folder<'p, 's> {
    parsed: &'p Parsed<'s>,
}

impl Folder<'_, '_> {
    fn lang(&self) -> Language {
        self.parsed.language()
    }

    fn text(&self, node: Node<'_>) -> &str {
        self.parsed.text_of(node)
    }

    fn fold(&self, node: Node<'_>, depth: usize) -> Option<Folded> {
        if depth > MAX_DEPTH {
            return None;
        }
        let lang = self.lang();
        let kind = node.kind();
        if strings::is_string(lang, node) {
            return self.literal(node, depth);
        }
        if lang == Language::Bash && kind == "variable_assignment" {
            return self.shell_assignment(node, depth);
        }
        if let Some(op) = concat_operator(lang, kind) {
            if let Some(f) = self.binary(node, op, depth) {
                return Some(f);
            }
        }
        match kind {
            "concatenated_string" | "chained_string" | "concatenation" => {
                return self.sequence(node, named(node), depth)
            }
            _ => {}
        }
        if let Some(f) = self.join(node, depth) {
            return Some(f);
        }
        if passthrough(lang, kind) {
            let children = named(node);
            if let [only] = children.as_slice() {
                return self.fold(*only, depth + 1).map(|f| Folded {
                    range: node.byte_range(),
                    ..f
                });
            }
        }
        None
    }

    /// A literal, with constant interpolations folded in.
    fn literal(&self, node: Node<'_>, depth: usize) -> Option<Folded> {
        let lit = strings::string_literal(self.parsed, node)?;
        if let Some(value) = lit.value {
            return Some(Folded {
                value,
                range: lit.range,
                fragments: vec![lit.content],
            });
        }
        let (_, _, rules) = strings::delimiters(self.lang(), node.kind(), self.text(node))?;
        let text = self.parsed.text();
        let formatted = self.lang() == Language::Python;
        let mut value = String::new();
        let mut fragments = Vec::new();
        let mut at = lit.content.start;
        let piece =
            |from: usize, to: usize, value: &mut String, fragments: &mut Vec<Range<usize>>| {
                if from < to {
                    let mut raw = strings::decode(rules, &text[from..to]);
                    if formatted {
                        raw = raw.replace("{{", "{").replace("}}", "}");
                    }
                    value.push_str(&raw);
                    fragments.push(from..to);
                }
            };
        for child in named(node) {
            if !strings::INTERPOLATIONS.contains(&child.kind()) {
                continue;
            }
            if child.start_byte() < lit.content.start || child.end_byte() > lit.content.end {
                continue;
            }
            piece(at, child.start_byte(), &mut value, &mut fragments);
            let inner = self.interpolated_expression(child)?;
            let folded = self.fold(inner, depth + 1)?;
            value.push_str(&folded.value);
            fragments.extend(folded.fragments);
            at = child.end_byte();
        }
        piece(at, lit.content.end, &mut value, &mut fragments);
        let _ = Rules::Raw;
        Some(Folded {
            value,
            range: lit.range,
            fragments,
        })
    }

    /// A shell assignment's value, continued across backslash-newlines into the words the
    /// grammar splits off (`K="AK"\` newline `"IA"` is `AKIA` to bash).
    fn shell_assignment(&self, node: Node<'_>, depth: usize) -> Option<Folded> {
        let value = node.child_by_field_name("value")?;
        let mut parts = vec![value];
        parts.extend(super::nodes::continued_word_parts(self.parsed, node));
        let last = *parts.last()?;
        let folded = self.sequence(value, parts, depth)?;
        Some(Folded {
            range: value.start_byte()..last.end_byte(),
            ..folded
        })
    }

    /// The expression inside an interpolation (`{x}`, `${x}`), when it has nothing else (no
    /// format spec, no conversion).
    fn interpolated_expression<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        let delimiter =
            |k: &str| k.contains("brace") || k.ends_with("_start") || k.ends_with("_end");
        let children: Vec<Node<'t>> = named(node)
            .into_iter()
            .filter(|c| !delimiter(c.kind()))
            .collect();
        match children.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// `left OP right` where both sides fold.
    fn binary(&self, node: Node<'_>, op: &str, depth: usize) -> Option<Folded> {
        let mut operands = Vec::new();
        let mut saw_op = false;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            let text = self.text(child);
            if text == op && (child.child_count() == 0 || child.kind() == "operator_identifier") {
                saw_op = true;
                continue;
            }
            if child.is_named() && !child.is_extra() {
                operands.push(child);
            } else if !child.is_extra() {
                return None;
            }
        }
        if !saw_op || operands.len() != 2 {
            return None;
        }
        self.sequence(node, operands, depth)
    }

    /// The concatenation of `parts`, each of which must fold.
    fn sequence(&self, node: Node<'_>, parts: Vec<Node<'_>>, depth: usize) -> Option<Folded> {
        let mut value = String::new();
        let mut fragments = Vec::new();
        for part in parts {
            if part.kind().contains("comment") {
                continue;
            }
            let f = self.fold(part, depth + 1)?;
            value.push_str(&f.value);
            fragments.extend(f.fragments);
        }
        if fragments.is_empty() {
            return None;
        }
        Some(Folded {
            value,
            range: node.byte_range(),
            fragments,
        })
    }

    /// Joins the folded `items` with `sep`.
    fn joined(
        &self,
        node: Node<'_>,
        items: Vec<Node<'_>>,
        sep: Option<Folded>,
        depth: usize,
    ) -> Option<Folded> {
        let mut value = String::new();
        let mut fragments = Vec::new();
        let count = items.len();
        for (i, item) in items.into_iter().enumerate() {
            let f = self.fold(item, depth + 1)?;
            value.push_str(&f.value);
            fragments.extend(f.fragments);
            if i + 1 < count {
                if let Some(s) = &sep {
                    value.push_str(&s.value);
                }
            }
        }
        if let Some(s) = sep.filter(|s| !s.value.is_empty()) {
            fragments.extend(s.fragments);
            fragments.sort_by_key(|r| r.start);
        }
        (!fragments.is_empty()).then(|| Folded {
            value,
            range: node.byte_range(),
            fragments,
        })
    }

    /// The join calls of each language.
    fn join(&self, node: Node<'_>, depth: usize) -> Option<Folded> {
        fn field<'t>(n: Node<'t>, f: &str) -> Option<Node<'t>> {
            n.child_by_field_name(f)
        }
        let lang = self.lang();
        match (lang, node.kind()) {
            // "sep".join([..]) / "sep".join((..))
            (Language::Python, "call") => {
                let function = field(node, "function")?;
                if function.kind() != "attribute"
                    || self.text(field(function, "attribute")?) != "join"
                {
                    return None;
                }
                let sep = self.fold(field(function, "object")?, depth + 1)?;
                let args = named(field(node, "arguments")?);
                let [list] = args.as_slice() else { return None };
                if !matches!(list.kind(), "list" | "tuple") {
                    return None;
                }
                self.joined(node, named(*list), Some(sep), depth)
            }
            // [..].join("sep") (default ",")
            (Language::JavaScript | Language::TypeScript | Language::Tsx, "call_expression") => {
                let function = field(node, "function")?;
                if function.kind() != "member_expression"
                    || self.text(field(function, "property")?) != "join"
                {
                    return None;
                }
                let array = field(function, "object")?;
                if array.kind() != "array" {
                    return None;
                }
                let args = named(field(node, "arguments")?);
                let sep = match args.as_slice() {
                    [] => Folded {
                        value: ",".into(),
                        range: 0..0,
                        fragments: Vec::new(),
                    },
                    [s] => self.fold(*s, depth + 1)?,
                    _ => return None,
                };
                self.joined(node, named(array), Some(sep), depth)
            }
            // [..].join / [..].join("sep")
            (Language::Ruby, "call") => {
                let receiver = field(node, "receiver")?;
                if receiver.kind() != "array" || self.text(field(node, "method")?) != "join" {
                    return None;
                }
                let sep = match field(node, "arguments")
                    .map(named)
                    .unwrap_or_default()
                    .as_slice()
                {
                    [] => None,
                    [s] => Some(self.fold(*s, depth + 1)?),
                    _ => return None,
                };
                self.joined(node, named(receiver), sep, depth)
            }
            // implode('sep', [..]) / join('sep', array(..))
            (Language::Php, "function_call_expression") => {
                let name = self.text(field(node, "function")?).to_ascii_lowercase();
                if name != "implode" && name != "join" {
                    return None;
                }
                let args: Vec<Node<'_>> = named(field(node, "arguments")?)
                    .into_iter()
                    .map(|a| named(a).into_iter().next().unwrap_or(a))
                    .collect();
                let [sep, array] = args.as_slice() else {
                    return None;
                };
                if array.kind() != "array_creation_expression" {
                    return None;
                }
                let items: Vec<Node<'_>> = named(*array)
                    .into_iter()
                    .map(|e| named(e).into_iter().last().unwrap_or(e))
                    .collect();
                let sep = self.fold(*sep, depth + 1)?;
                self.joined(node, items, Some(sep), depth)
            }
            // strings.Join([]string{..}, "sep")
            (Language::Go, "call_expression") => {
                if self.text(field(node, "function")?) != "strings.Join" {
                    return None;
                }
                let args = named(field(node, "arguments")?);
                let [list, sep] = args.as_slice() else {
                    return None;
                };
                let body = field(*list, "body")?;
                let items: Vec<Node<'_>> = named(body)
                    .into_iter()
                    .map(|e| named(e).into_iter().next().unwrap_or(e))
                    .collect();
                let sep = self.fold(*sep, depth + 1)?;
                self.joined(node, items, Some(sep), depth)
            }
            // String.join("sep", "a", "b")
            (Language::Java, "method_invocation") => {
                let object = self.text(field(node, "object")?);
                if object != "String" || self.text(field(node, "name")?) != "join" {
                    return None;
                }
                let mut args = named(field(node, "arguments")?);
                if args.len() < 2 {
                    return None;
                }
                let sep = self.fold(args.remove(0), depth + 1)?;
                self.joined(node, args, Some(sep), depth)
            }
            // string.Join("sep", ..) / string.Concat(..)
            (Language::CSharp, "invocation_expression") => {
                let function = self.text(field(node, "function")?);
                let args: Vec<Node<'_>> = named(field(node, "arguments")?)
                    .into_iter()
                    .map(|a| named(a).into_iter().last().unwrap_or(a))
                    .collect();
                match function {
                    "string.Concat" | "String.Concat" => self.joined(node, args, None, depth),
                    "string.Join" | "String.Join" if args.len() >= 2 => {
                        let mut args = args;
                        let sep = self.fold(args.remove(0), depth + 1)?;
                        self.joined(node, args, Some(sep), depth)
                    }
                    _ => None,
                }
            }
            // @("a","b") -join "sep"
            (Language::PowerShell, "comparison_expression") => {
                let children = named(node);
                let [left, op, right] = children.as_slice() else {
                    return None;
                };
                if !self.text(*op).eq_ignore_ascii_case("-join") {
                    return None;
                }
                let items = self.powershell_items(*left)?;
                let sep = self.fold(*right, depth + 1)?;
                self.joined(node, items, Some(sep), depth)
            }
            // join("sep", [..])
            (Language::Hcl, "function_call") => {
                let children = named(node);
                let [name, args] = children.as_slice() else {
                    return None;
                };
                if self.text(*name) != "join" {
                    return None;
                }
                let args = named(*args);
                let [sep, list] = args.as_slice() else {
                    return None;
                };
                let tuple = super::parse::descendants(*list).find(|n| n.kind() == "tuple")?;
                let sep = self.fold(*sep, depth + 1)?;
                let items: Vec<Node<'_>> = named(tuple)
                    .into_iter()
                    .filter(|n| n.kind() == "expression")
                    .collect();
                self.joined(node, items, Some(sep), depth)
            }
            _ => None,
        }
    }

    /// The items of a PowerShell array: `@("a", "b")` or `"a", "b"`.
    fn powershell_items<'t>(&self, node: Node<'t>) -> Option<Vec<Node<'t>>> {
        let list = super::parse::descendants(node)
            .find(|n| n.kind() == "array_literal_expression" && named(*n).len() > 1)?;
        Some(named(list))
    }
}

/// The named children of `node` that are not comments.
fn named(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    let out = node
        .named_children(&mut cursor)
        .filter(|c| !c.kind().contains("comment"))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The folded values of `text` (maximal expressions), in order.
    fn folded(lang: Language, text: &str) -> Vec<String> {
        constant_strings(lang, text)
            .into_iter()
            .map(|f| f.value)
            .collect()
    }

    /// Checks that every fragment range of every fold points into `text` at literal content.
    fn fragments_of(lang: Language, text: &str) -> Vec<String> {
        constant_strings(lang, text)
            .into_iter()
            .flat_map(|f| f.fragments)
            .map(|r| text[r].to_string())
            .collect()
    }

    #[test]
    fn python_adjacent_plus_and_join() {
        let text = "k = \"AKIA\" 'GMQL' + (\"BV4N\" + \"RF7B\")\nj = \"\".join([\"ab\", 'cd'])\nx = \"a\" + y\n";
        assert_eq!(folded(Language::Python, text), ["AKIAGMQLBV4NRF7B", "abcd"]);
        assert_eq!(
            fragments_of(Language::Python, text),
            ["AKIA", "GMQL", "BV4N", "RF7B", "ab", "cd"]
        );
        assert_eq!(folded(Language::Python, "s = f\"AK{'IA'}x\"\n"), ["AKIAx"]);
    }

    #[test]
    fn javascript_and_typescript() {
        let text = "const a = \"AK\" + 'IA' + `x${\"y\"}z`;\nconst b = [\"p\", \"q\"].join(\"\");\nconst c = `t${v}`;\n";
        assert_eq!(folded(Language::JavaScript, text), ["AKIAxyz", "pq"]);
        assert_eq!(
            folded(Language::TypeScript, "const a: string = \"x\" + \"y\";\n"),
            ["xy"]
        );
    }

    #[test]
    fn jvm_dotnet_and_go() {
        assert_eq!(
            folded(Language::Java, "class A { String k = \"AK\" + \"IA\"; String j = String.join(\"\", \"a\", \"b\"); }"),
            ["AKIA", "ab"]
        );
        assert_eq!(
            folded(
                Language::CSharp,
                "var k = \"AK\" + @\"IA\"; var c = string.Concat(\"a\", \"b\");"
            ),
            ["AKIA", "ab"]
        );
        assert_eq!(
            folded(Language::Go, "package p\nvar k = \"AK\" + `IA`\nvar j = strings.Join([]string{\"a\", \"b\"}, \"\")\n"),
            ["AKIA", "ab"]
        );
        assert_eq!(
            folded(Language::Kotlin, "val k = \"AK\" + \"IA\"\n"),
            ["AKIA"]
        );
        assert_eq!(
            folded(Language::Scala, "val k = \"AK\" + \"IA\"\n"),
            ["AKIA"]
        );
    }

    #[test]
    fn ruby_php_powershell() {
        assert_eq!(
            folded(
                Language::Ruby,
                "k = \"AK\" 'IA' + \"x\"\nj = [\"a\", \"b\"].join\n"
            ),
            ["AKIAx", "ab"]
        );
        assert_eq!(
            folded(
                Language::Php,
                "<?php $k = 'AK' . \"IA\"; $j = implode('', ['a', 'b']);"
            ),
            ["AKIA", "ab"]
        );
        assert_eq!(
            folded(
                Language::PowerShell,
                "$k = \"AK\" + 'IA'\n$j = @(\"a\", \"b\") -join \"\"\n"
            ),
            ["AKIA", "ab"]
        );
    }

    #[test]
    fn shell_words_and_continuations() {
        assert_eq!(folded(Language::Bash, "K=\"AK\"'IA'x\n"), ["AKIAx"]);
        assert_eq!(folded(Language::Bash, "K=$'A\\x4b'\n"), ["AK"]);
        assert!(folded(Language::Bash, "K=\"$X\"y\n").is_empty());
        let continued = "K=\"AKIAGMQL\"\\\n\"BV4N\"\\\nRF7B\nexport J='a'\\\n'b'\n";
        assert_eq!(
            folded(Language::Bash, continued),
            ["AKIAGMQLBV4NRF7B", "ab"]
        );
        assert_eq!(
            fragments_of(Language::Bash, continued),
            ["AKIAGMQL", "BV4N", "RF7B", "a", "b"]
        );
    }

    #[test]
    fn hcl_templates_and_join() {
        assert_eq!(
            folded(
                Language::Hcl,
                "a = \"AK${\"IA\"}\"\nb = join(\"\", [\"x\", \"y\"])\n"
            ),
            ["AKIA", "xy"]
        );
    }

    #[test]
    fn fold_at_finds_the_largest_expression() {
        let text = "k = (\"AK\" + \"IA\") + \"x\"\n";
        let parsed = parse(Language::Python, text).unwrap();
        let f = fold_at(&parsed, 6).unwrap();
        assert_eq!(f.value, "AKIAx");
        assert_eq!(&text[f.range], "(\"AK\" + \"IA\") + \"x\"");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("k = {}\"a\"{}\n", "(".repeat(3000), ")".repeat(3000));
        let _ = constant_strings(Language::Python, &text);
        let chain = format!("k = {}\n", vec!["\"a\""; 5000].join(" + "));
        let _ = constant_strings(Language::Python, &chain);
    }
}
