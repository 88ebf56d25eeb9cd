//! Kotlin and Scala (and the shared walk for the JVM-style languages) on the syntax layer: a key
//! goes with the credential object that holds it (`BasicAWSCredentials`, `AwsBasicCredentials.create`,
//! `StaticCredentialsProvider`, Kotlin's `StaticCredentialsProvider { accessKeyId = … }`), and that
//! object with the builder call or setting that hands it to a client (`.credentialsProvider(…)`,
//! `.withCredentials(…)`, `credentialsProvider = …`), so the client falls back to the default
//! chain. `new AmazonS3Client(creds)` becomes `AmazonS3ClientBuilder.defaultClient()`. Bindings
//! that held a key go when every read only passes the credential on; otherwise the spot is manual.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{EditSet, ListShape, SpotEdits};
use crate::syntax::{fold, nodes, parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

const ADVICE: &str = "remove the credential from the client by hand so the SDK's default \
credential chain (an IAM role) supplies it";

/// Constructors and factories whose arguments are a key pair (and token).
const MAKERS: &[&str] = &[
    "BasicAWSCredentials",
    "BasicSessionCredentials",
    "SessionAWSCredentials",
    "AwsBasicCredentials.create",
    "AwsSessionCredentials.create",
    "AWSStaticCredentialsProvider",
    "StaticCredentialsProvider.create",
    "StaticCredentialsProvider",
    "Credentials",
];

/// Builder methods and settings that hand a provider to a client.
const SINKS: &[&str] = &["withCredentials", "credentialsProvider"];

/// Kotlin SDK provider settings inside `StaticCredentialsProvider { … }`.
const SETTINGS: &[&str] = &["accessKeyId", "secretAccessKey", "sessionToken"];

const DEPTH: usize = 6;

/// The Kotlin rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kotlin;

/// The Scala rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scala;

impl Rewriter for Kotlin {
    fn name(&self) -> &'static str {
        "kotlin"
    }
    fn handles(&self, path: &str, text: &str) -> bool {
        Language::detect(path, text) == Some(Language::Kotlin)
    }
    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        rewrite(Language::Kotlin, file)
    }
}

impl Rewriter for Scala {
    fn name(&self) -> &'static str {
        "scala"
    }
    fn handles(&self, path: &str, text: &str) -> bool {
        Language::detect(path, text) == Some(Language::Scala)
    }
    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        rewrite(Language::Scala, file)
    }
}

/// Plans the removal of every key of `file` in `lang`.
pub(crate) fn rewrite(lang: Language, file: &FileToFix<'_>) -> Outcome {
    let manual_all = |reason: String| ManualFix::each(file.matches, &reason, ADVICE);
    if let Some(host) = local_endpoint(file.text) {
        return Outcome::Manual(manual_all(format!(
            "the client talks to a non-AWS endpoint ({host}); these keys are not AWS IAM keys"
        )));
    }
    let parsed = match parse(lang, file.text) {
        Ok(p) => p,
        Err(e) => return Outcome::Manual(manual_all(format!("the file does not parse: {e}"))),
    };
    let walk = Walk { p: &parsed, lang };
    let mut spots = Vec::new();
    let mut manual = Vec::new();
    for m in file.matches {
        let mut spot = SpotEdits::new(m.span.clone());
        match walk.place(&mut spot, &m.span) {
            Ok(()) => spots.push(spot),
            Err(reason) => manual.push(ManualFix {
                line: m.line,
                reason,
                advice: ADVICE.into(),
            }),
        }
    }
    if manual.is_empty() {
        drop_stale_imports(file.text, &mut spots);
    }
    let mut edits = EditSet::new(file.text);
    for spot in spots {
        edits.add(spot);
    }
    Outcome::Edits {
        edits,
        notes: Vec::new(),
        manual,
    }
}

type Plan = Result<(), String>;

struct Walk<'p> {
    p: &'p Parsed<'p>,
    lang: Language,
}

impl<'p> Walk<'p> {
    fn text(&self, node: Node<'_>) -> &'p str {
        self.p.text_of(node)
    }

    fn line(&self, node: Node<'_>) -> u32 {
        self.p.line_of(node.start_byte())
    }

    /// Plans one key: the string (or constant expression) that holds it, walked outward.
    fn place(&self, spot: &mut SpotEdits, key: &Range<usize>) -> Plan {
        let range = fold::fold_at(self.p, key.start)
            .map(|f| f.range)
            .unwrap_or_else(|| key.clone());
        let node = self
            .p
            .covering(range.clone())
            .ok_or("the key is not inside one syntax node")?;
        if let Some(comment) = ancestor_or_self(node, |k| k.contains("comment")) {
            let cut = nodes::comment_removal(self.p, comment, key.start)?;
            spot.delete(cut, "remove the comment line that holds the key");
            return Ok(());
        }
        // Climb to the outermost node with exactly the folded range (a literal inside wrappers).
        let mut value = node;
        while let Some(parent) = value.parent() {
            if parent.byte_range() != range {
                break;
            }
            value = parent;
        }
        self.vanish(spot, value, 0)
    }

    /// Makes the value `node` disappear together with what it carries the credential into.
    fn vanish(&self, spot: &mut SpotEdits, node: Node<'p>, depth: usize) -> Plan {
        if depth > DEPTH {
            return Err("the credential passes through too many hands; fix it by hand".into());
        }
        let parent = node.parent().ok_or("the key is not inside code")?;
        let kind = parent.kind();
        match kind {
            "value_argument" | "parenthesized_expression" | "argument" => {
                if kind == "value_argument" || kind == "argument" {
                    return self.vanish_argument(spot, parent, depth);
                }
                self.vanish(spot, parent, depth)
            }
            "lambda_expression" | "lambda_literal" | "statements" => {
                if self.is_only_body(parent, node) {
                    return self.vanish_wrapper(spot, parent, depth);
                }
                Err(self.feeds(parent))
            }
            "argument_list" | "arguments" | "value_arguments" => {
                self.vanish_argument(spot, node, depth)
            }
            "assignment" | "assignment_expression" => {
                self.vanish_assigned(spot, parent, node, depth)
            }
            "property_declaration"
            | "val_definition"
            | "var_definition"
            | "variable_declarator" => self.vanish_binding(spot, parent, node, depth),
            "field_access"
            | "field_expression"
            | "navigation_expression"
            | "member_access_expression" => {
                let first = parent.named_child(0).map(|n| self.text(n));
                if first == Some("this") && parent.named_child(1).map(|n| n.id()) == Some(node.id())
                {
                    return self.vanish(spot, parent, depth);
                }
                Err(self.feeds(parent))
            }
            "call_expression" if node.kind() == "annotated_lambda" => {
                self.vanish_call(spot, parent, node, depth)
            }
            _ => Err(self.feeds(parent)),
        }
    }

    fn feeds(&self, node: Node<'_>) -> String {
        let snippet: String = self.text(node).chars().take(60).collect();
        let snippet = snippet.lines().next().unwrap_or_default().to_string();
        format!(
            "the credential feeds `{snippet}` (line {}), which rolecall does not remove by itself",
            self.line(node)
        )
    }

    /// Whether `body` is the single expression of the lambda `lambda`.
    fn is_only_body(&self, lambda: Node<'_>, body: Node<'_>) -> bool {
        let mut cursor = lambda.walk();
        let named: Vec<Node<'_>> = lambda
            .named_children(&mut cursor)
            .filter(|n| !n.kind().contains("comment"))
            .collect();
        named.last().map(|n| n.id()) == Some(body.id())
            && named
                .iter()
                .all(|n| n.id() == body.id() || n.kind().contains("parameter"))
    }

    /// A lambda or block whose whole body is the credential: it goes as one value.
    fn vanish_wrapper(&self, spot: &mut SpotEdits, wrapper: Node<'p>, depth: usize) -> Plan {
        let up = if wrapper.kind() == "statements" {
            wrapper.parent().ok_or("no lambda")?
        } else {
            wrapper
        };
        let up = match up.parent() {
            Some(a) if a.kind() == "annotated_lambda" => a,
            _ => up,
        };
        self.vanish(spot, up, depth + 1)
    }

    /// `node` is an argument (or its wrapper) of a call.
    fn vanish_argument(&self, spot: &mut SpotEdits, arg: Node<'p>, depth: usize) -> Plan {
        let list = arg.parent().ok_or("no argument list")?;
        let call = list.parent().ok_or("no call")?;
        self.vanish_call(spot, call, list, depth)
    }

    /// A credential is an argument (in `list`, or a trailing lambda) of `call`.
    fn vanish_call(
        &self,
        spot: &mut SpotEdits,
        call: Node<'p>,
        list: Node<'p>,
        depth: usize,
    ) -> Plan {
        let callee = self.callee(call, list);
        let last = callee.rsplit('.').next().unwrap_or_default();
        if is_maker(&callee) {
            return self.vanish(spot, call, depth + 1);
        }
        if SINKS.contains(&last) {
            return self.remove_sink(spot, call, list);
        }
        if is_client(last) && self.lang == Language::CSharp {
            return self.remove_client_credentials(spot, list);
        }
        if is_client(last) && list_items(list).len() == 1 {
            return self.default_client(spot, call, last);
        }
        Err(self.feeds(call))
    }

    /// `new AmazonS3Client(creds)` → `AmazonS3ClientBuilder.defaultClient()`, with the builder
    /// imported; a declared `AmazonS3Client` type becomes the `AmazonS3` interface the builder
    /// returns.
    fn default_client(&self, spot: &mut SpotEdits, call: Node<'p>, client: &str) -> Plan {
        let text = self.p.text();
        let builder = format!("{client}Builder.defaultClient()");
        spot.replace(
            call.byte_range(),
            &builder,
            "the client builder's default chain",
        );
        let mut wanted = vec![format!("{client}Builder")];
        let declared = call
            .parent()
            .filter(|d| d.kind() == "variable_declarator")
            .and_then(|d| d.parent())
            .and_then(|d| d.child_by_field_name("type"))
            .filter(|t| self.text(*t) == client);
        if let Some(ty) = declared {
            let interface = client.trim_end_matches("Client");
            spot.replace(
                ty.byte_range(),
                interface,
                "the interface the builder returns",
            );
            wanted.push(interface.to_string());
        }
        let imports = import_lines(text);
        let imported = |name: &str| imports.iter().any(|(_, n)| n.split(',').any(|x| x == name));
        if let Some((range, names)) = imports
            .iter()
            .find(|(_, n)| n.split(',').any(|x| x == client))
        {
            let line = &text[range.clone()];
            // `import a.b.C;` → `import a.b.CBuilder;`; `import a.b.{C, D}` → `import a.b.CBuilder`.
            let template = match line.find('{') {
                Some(open) if names.contains(',') || line.contains('{') => {
                    format!("{}{client}\n", &line[..open])
                }
                _ => line.to_string(),
            };
            let mut added = String::new();
            for name in wanted {
                if !imported(&name) {
                    added.push_str(&template.replacen(client, &name, 1));
                }
            }
            if !added.is_empty() {
                spot.insert(range.start, &added, "import the client builder");
            }
        }
        Ok(())
    }

    /// C#: a client constructor's credential arguments (a credentials object, or the key, secret
    /// and token of the string overloads) go; the region or config arguments stay, which is an
    /// overload that uses the SDK's fallback chain.
    fn remove_client_credentials(&self, spot: &mut SpotEdits, list: Node<'p>) -> Plan {
        let shape = ListShape::of(list);
        let items = list_items(list);
        let keep = |n: &Node<'_>| {
            let t = self.text(*n);
            t.contains("RegionEndpoint")
                || t.to_lowercase().contains("config")
                || t.contains("region")
        };
        let creds = items.iter().take_while(|n| !keep(n)).count();
        if creds == 0 || creds > 3 {
            return Err(self.feeds(list));
        }
        for index in 0..creds {
            spot.remove_item(
                &shape,
                index,
                "remove the credential arguments of the client",
            );
        }
        Ok(())
    }

    /// The callee text of `call` whose argument list is `list` (no blanks, no `new`).
    fn callee(&self, call: Node<'_>, list: Node<'_>) -> String {
        let text = &self.p.text()[call.start_byte()..list.start_byte()];
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        text.strip_prefix("new").map(str::to_string).unwrap_or(text)
    }

    /// Removes `.credentialsProvider(…)` from a builder chain.
    fn remove_sink(&self, spot: &mut SpotEdits, call: Node<'p>, list: Node<'p>) -> Plan {
        let text = self.p.text();
        let head = &text[call.start_byte()..list.start_byte()];
        let dot = head
            .rfind('.')
            .ok_or("the builder call has no receiver; fix it by hand")?;
        let receiver_end = call.start_byte() + head[..dot].trim_end().len();
        let mut end = call.end_byte();
        // Kotlin/Scala trailing-lambda form: the call node may end before the lambda.
        if let Some(next) = call
            .next_sibling()
            .filter(|n| n.kind() == "annotated_lambda")
        {
            end = next.end_byte();
        }
        let receiver = &text[call.start_byte()..receiver_end];
        let statement = call.parent().filter(|p| {
            matches!(
                p.kind(),
                "expression_statement" | "statements" | "template_body" | "block"
            )
        });
        if statement.is_some() && receiver.chars().all(|c| c.is_alphanumeric() || c == '_') {
            let whole = statement
                .filter(|s| s.kind() == "expression_statement")
                .unwrap_or(call);
            let cut = nodes::statement_lines(self.p, whole)
                .ok_or("the builder call shares its line; fix it by hand")?;
            spot.delete(cut, "remove the builder call that sets static credentials");
            return Ok(());
        }
        spot.delete(
            receiver_end..end,
            "remove the builder call that sets static credentials",
        );
        Ok(())
    }

    /// `node` is the right side of an assignment `parent`.
    fn vanish_assigned(
        &self,
        spot: &mut SpotEdits,
        assign: Node<'p>,
        node: Node<'p>,
        depth: usize,
    ) -> Plan {
        let left = assign
            .child_by_field_name("left")
            .or_else(|| assign.named_child(0))
            .ok_or("no assignment target")?;
        if left.id() == node.id() {
            return Err(self.feeds(assign));
        }
        let name = last_name(self.text(left));
        if SETTINGS.contains(&name) {
            // Inside `StaticCredentialsProvider { … }`: the provider goes whole.
            let lambda = nodes_up(assign, &["lambda_literal"]).ok_or_else(|| self.feeds(assign))?;
            return self.vanish_wrapper(spot, lambda, depth);
        }
        if self.lang == Language::CSharp && name == "Credentials" {
            if let Some(init) = assign
                .parent()
                .filter(|p| p.kind() == "initializer_expression")
            {
                let shape = ListShape::of(init);
                let index = shape
                    .index_of(&assign.byte_range())
                    .ok_or("the credentials setting is not an initializer item")?;
                spot.remove_item(&shape, index, "remove the static credentials setting");
                return Ok(());
            }
        }
        if SINKS.contains(&name) || (self.lang == Language::CSharp && name == "Credentials") {
            let cut = nodes::statement_lines(self.p, assign)
                .ok_or("the credential setting shares its line; fix it by hand")?;
            spot.delete(cut, "remove the static credential provider setting");
            return Ok(());
        }
        let statement = match assign.parent() {
            Some(s) if s.kind() == "expression_statement" => s,
            _ => assign,
        };
        self.vanish_name(spot, name, statement, left, depth)
    }

    /// `node` is the value of a declaration `decl`.
    fn vanish_binding(
        &self,
        spot: &mut SpotEdits,
        decl: Node<'p>,
        node: Node<'p>,
        depth: usize,
    ) -> Plan {
        let target = decl
            .child_by_field_name("name")
            .or_else(|| decl.child_by_field_name("pattern"))
            .or_else(|| {
                let mut c = decl.walk();
                let found = decl
                    .named_children(&mut c)
                    .find(|n| n.kind() == "variable_declaration");
                found
            })
            .ok_or("no declared name")?;
        if target.id() == node.id() {
            return Err(self.feeds(decl));
        }
        let name = last_name(
            self.text(target)
                .split(':')
                .next()
                .unwrap_or_default()
                .trim(),
        );
        let mut statement = decl;
        if decl.kind() == "variable_declarator" {
            let holder = decl.parent().ok_or("no declaration")?;
            if list_items_of_kind(holder, "variable_declarator") != 1 {
                return Err(
                    "the key shares a declaration with other variables; fix it by hand".into(),
                );
            }
            statement = match holder.parent() {
                Some(s)
                    if matches!(
                        s.kind(),
                        "local_declaration_statement" | "field_declaration"
                    ) =>
                {
                    s
                }
                _ => holder,
            };
        }
        self.vanish_name(spot, name, statement, target, depth)
    }

    /// Removes the binding `statement` of `name` and every read of it, if each read only passes
    /// the credential on.
    fn vanish_name(
        &self,
        spot: &mut SpotEdits,
        name: &str,
        statement: Node<'p>,
        target: Node<'p>,
        depth: usize,
    ) -> Plan {
        let cut = nodes::statement_lines(self.p, statement)
            .ok_or("the binding shares its line with other code; fix it by hand")?;
        let mut trial = spot.clone();
        trial.delete(cut.clone(), "remove the binding that held the key");
        let skip = statement.byte_range();
        for read in self.reads(name) {
            if read.id() == target.id()
                || (skip.start <= read.start_byte() && read.end_byte() <= skip.end)
            {
                continue;
            }
            if trial.covers(&read.byte_range()) {
                continue;
            }
            if let Some(decl) = self.bare_declaration(read) {
                let cut = nodes::statement_lines(self.p, decl)
                    .ok_or("a declaration of the binding shares its line; fix it by hand")?;
                trial.delete(cut, "remove the declaration that held the key");
                continue;
            }
            self.vanish(&mut trial, read, depth + 1).map_err(|why| {
                format!("`{name}` is also used on line {}: {why}", self.line(read))
            })?;
        }
        *spot = trial;
        Ok(())
    }

    /// A declaration of the same name without a value (`private AWSCredentials creds;`).
    fn bare_declaration(&self, name: Node<'p>) -> Option<Node<'p>> {
        let decl = name.parent()?;
        if decl.kind() != "variable_declarator" || decl.named_child_count() != 1 {
            return None;
        }
        let holder = decl.parent()?;
        match holder.parent() {
            Some(s)
                if matches!(
                    s.kind(),
                    "field_declaration" | "local_declaration_statement"
                ) =>
            {
                Some(s)
            }
            _ if matches!(
                holder.kind(),
                "field_declaration" | "local_variable_declaration"
            ) =>
            {
                Some(holder)
            }
            _ => None,
        }
    }

    /// Every identifier named `name` in the file.
    fn reads(&self, name: &str) -> Vec<Node<'p>> {
        let text = self.p.text();
        parse::descendants(self.p.root())
            .filter(|n| n.kind() == "identifier" && self.text(*n) == name)
            .filter(|n| {
                let before = text[..n.start_byte()].trim_end();
                !before.ends_with('.') || before[..before.len() - 1].trim_end().ends_with("this")
            })
            .filter(|n| {
                ancestor_or_self(*n, |k| {
                    k.contains("import") || k.contains("package") || k == "using_directive"
                })
                .is_none()
            })
            .collect()
    }
}

fn ancestor_or_self<'t>(node: Node<'t>, pred: impl Fn(&str) -> bool) -> Option<Node<'t>> {
    let mut at = Some(node);
    while let Some(n) = at {
        if pred(n.kind()) {
            return Some(n);
        }
        at = n.parent();
    }
    None
}

fn nodes_up<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    ancestor_or_self(node, |k| kinds.contains(&k))
}

fn is_maker(callee: &str) -> bool {
    MAKERS
        .iter()
        .any(|m| callee == *m || callee.ends_with(&format!(".{m}")))
}

fn is_client(name: &str) -> bool {
    name.starts_with("Amazon") && name.ends_with("Client") && name.len() > "AmazonClient".len()
}

fn last_name(text: &str) -> &str {
    text.rsplit('.').next().unwrap_or(text).trim()
}

fn list_items(list: Node<'_>) -> Vec<Node<'_>> {
    let mut c = list.walk();
    let out = list
        .named_children(&mut c)
        .filter(|n| !n.kind().contains("comment"))
        .collect();
    out
}

fn list_items_of_kind(node: Node<'_>, kind: &str) -> usize {
    let mut c = node.walk();
    let n = node
        .named_children(&mut c)
        .filter(|n| n.kind() == kind)
        .count();
    n
}

/// A non-AWS endpoint (`ServiceURL = "http://localhost:9000"`, `endpointOverride(…)`,
/// `withEndpointConfiguration(…)`) the file's client is pointed at, if any.
fn local_endpoint(text: &str) -> Option<String> {
    const SETTINGS: &[&str] = &[
        "serviceurl",
        "endpointoverride",
        "withendpointconfiguration",
        "endpoint",
    ];
    const HOSTS: &[&str] = &["localhost", "127.0.0.1", "localstack", "minio"];
    let lower = text.to_ascii_lowercase();
    lower
        .lines()
        .filter(|l| SETTINGS.iter().any(|s| l.contains(s)))
        .find_map(|l| {
            let host = HOSTS.iter().find(|h| l.contains(*h))?;
            let at = l.find(host)?;
            let end = l[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ':' || c == '-'))
                .map_or(l.len(), |e| at + e);
            Some(l[at..end].to_string())
        })
}

/// The import lines of `text`: (line range, imported simple name).
fn import_lines(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(path) = t
            .strip_prefix("import ")
            .or_else(|| t.strip_prefix("using "))
        {
            let path = path.trim_end_matches(';').trim();
            if let Some(names) = path.split_once('{').and_then(|(_, n)| n.strip_suffix('}')) {
                // Scala `import a.b.{X, Y}`: one entry per name, the line goes when all do.
                let names: Vec<&str> = names.split(',').map(str::trim).collect();
                if names
                    .iter()
                    .all(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
                {
                    out.push((at..at + line.len(), names.join(",")));
                }
            } else if !path.contains(['*', '=', ' ']) {
                let simple = path.rsplit('.').next().unwrap_or(path);
                out.push((at..at + line.len(), simple.to_string()));
            }
        }
        at += line.len();
    }
    out
}

/// Whether `name` occurs as a word in `text` outside import lines.
fn used(text: &str, name: &str) -> bool {
    let imports = import_lines(text);
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.match_indices(name).any(|(i, _)| {
        let end = i + name.len();
        (i == 0 || !word(bytes[i - 1]))
            && (end == bytes.len() || !word(bytes[end]))
            && !imports.iter().any(|(r, _)| r.contains(&i))
    })
}

/// Imports that only the removed code used go too (added to the first spot, so a file whose
/// every spot is fixed loses them; a dropped spot keeps them, which stays correct).
fn drop_stale_imports(text: &str, spots: &mut [SpotEdits]) {
    let Some(first) = spots.first() else { return };
    let mut trial = EditSet::new(text);
    for spot in spots.iter() {
        trial.add(spot.clone());
    }
    let applied = trial.apply();
    if !applied.rejected.is_empty() {
        return;
    }
    let mut cuts = blank_line_tidying(text, &applied.edits);
    for (range, name) in import_lines(text) {
        let stale = |n: &str| used(text, n) && !used(&applied.text, n);
        if name.split(',').all(stale) {
            cuts.push(range);
        }
    }
    let mut spot = first.clone();
    for cut in cuts {
        spot.delete(cut, "remove an import only the removed code used");
    }
    spots[0] = spot;
}

/// Blank lines left doubled, or left right after an opening brace, by runs of deleted lines.
fn blank_line_tidying(text: &str, edits: &[(Range<usize>, String)]) -> Vec<Range<usize>> {
    use crate::syntax::edit::lines;
    let whole = |r: &Range<usize>| {
        lines::line_start(text, r.start) == r.start
            && r.end > r.start
            && (r.end == text.len() || lines::line_start(text, r.end) == r.end)
    };
    let mut deletions: Vec<Range<usize>> = edits
        .iter()
        .filter(|(r, t)| t.is_empty() && whole(r))
        .map(|(r, _)| r.clone())
        .collect();
    deletions.sort_by_key(|r| r.start);
    let mut runs: Vec<Range<usize>> = Vec::new();
    for d in deletions {
        match runs.last_mut() {
            Some(last) if last.end == d.start => last.end = d.end,
            _ => runs.push(d),
        }
    }
    let mut out = Vec::new();
    for run in runs {
        if run.start == 0 || run.end >= text.len() {
            continue;
        }
        let prev = text[lines::line_start(text, run.start - 1)..run.start].trim();
        let next_end = lines::after_line(text, run.end);
        let next = &text[run.end..next_end];
        if next.trim().is_empty() && (prev.is_empty() || prev.ends_with('{')) {
            out.push(run.end..next_end);
        }
    }
    out
}

#[cfg(test)]
#[path = "jvm_tests.rs"]
mod tests;
