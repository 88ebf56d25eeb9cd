//! Go: SDK v1 (`credentials.NewStaticCredentials` in `aws.Config{Credentials: …}`) and v2
//! (`config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(…))` passed to
//! `config.LoadDefaultConfig`). v1 loses the field (sessions fall back to the default chain);
//! v2 loses the option. A hand-built v2 `aws.Config{…}` literal has no credential chain at all,
//! so it becomes `config.LoadDefaultConfig(ctx, config.WithRegion(…))` with the enclosing
//! function's error handling. Imports the rewrite leaves unused go (Go refuses them) and the ones
//! it needs are added.

use super::clike::flow::{call_expr, Callee, Ctx, Expr, Flow, Lang};
use super::clike::plan::Plan;
use super::clike::{self, Code, Dialect, Import, TokKind};
use super::{FileToFix, Outcome, Rewriter};

/// Import path of the v2 config loader.
const CONFIG_PATH: &str = "github.com/aws/aws-sdk-go-v2/config";

/// The Go rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

impl Rewriter for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".go")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let lang = GoLang {
            v2: file.text.contains("github.com/aws/aws-sdk-go-v2"),
        };
        let result = clike::rewrite_file(file, Dialect::Go, &lang).map(|text| {
            let old = Code::new(file.text, Dialect::Go);
            let text = add_needed_imports(text);
            clike::drop_stale_imports(&old, text, go_imports)
        });
        clike::outcome(result, Vec::new())
    }
}

/// The Go flow rules.
struct GoLang {
    /// Whether the file uses SDK v2.
    v2: bool,
}

impl Lang for GoLang {
    fn step(&self, code: &Code<'_>, _expr: Expr, ctx: &Ctx, plan: &mut Plan) -> Flow {
        match ctx {
            Ctx::Arg {
                open,
                index,
                callee: Some(callee),
            } => match callee.name() {
                "NewStaticCredentials"
                | "NewStaticCredentialsProvider"
                | "NewCredentialsCache"
                | "WithCredentialsProvider" => up(code, callee, *open),
                "LoadDefaultConfig" => {
                    plan.remove_item(*open, *index);
                    Flow::Done
                }
                _ => Flow::Manual(format!(
                    "the credential is passed to {}(…), which rolecall does not rewrite",
                    callee.path
                )),
            },
            Ctx::Property { open, index, key } if key == "Credentials" => {
                let literal = clike::flow::callee_before(code, *open);
                match literal {
                    Some(ty) if self.v2 && ty.path == "aws.Config" => {
                        load_default_config(code, &ty, *open, plan)
                    }
                    _ => {
                        plan.remove_item(*open, *index);
                        Flow::Done
                    }
                }
            }
            Ctx::Init { name, stmt } => Flow::Var {
                name: *name,
                stmt: *stmt,
            },
            Ctx::Assign { target, stmt } if target.ends_with(".Credentials") => {
                plan.remove_tokens(code, stmt.0, stmt.1);
                Flow::Done
            }
            _ => Flow::Manual("the credential is used in a way rolecall does not rewrite".into()),
        }
    }
}

fn up(code: &Code<'_>, callee: &Callee, open: usize) -> Flow {
    call_expr(code, callee, open)
        .map(Flow::Up)
        .unwrap_or_else(|| Flow::Manual("unbalanced brackets around the credential".into()))
}

/// The import specs of a Go file, named by alias or by the path's last element.
pub(crate) fn go_imports(code: &Code<'_>) -> Vec<Import> {
    let mut out = Vec::new();
    for i in 0..code.toks.len() {
        if code.tok(i) != "import" || code.parent(i).is_some() {
            continue;
        }
        if code.is(i + 1, "(") {
            let Some(close) = code.partner(i + 1) else {
                continue;
            };
            let mut j = i + 2;
            while j < close {
                let spec = spec_at(code, j);
                if let Some(imp) = spec.clone() {
                    out.push(imp);
                }
                j = spec.map(|s| s.toks.1 + 1).unwrap_or(j + 1);
                while code.is(j, ";") {
                    j += 1;
                }
            }
        } else if let Some(mut imp) = spec_at(code, i + 1) {
            imp.toks.0 = i;
            out.push(imp);
        }
    }
    out
}

/// The import spec starting at token `i` (`"path"` or `name "path"`).
fn spec_at(code: &Code<'_>, i: usize) -> Option<Import> {
    let (alias, path_tok) = if code.is_ident(i) || code.is(i, ".") {
        (Some(code.tok(i)), i + 1)
    } else {
        (None, i)
    };
    if code.toks.get(path_tok)?.kind != TokKind::Str {
        return None;
    }
    let path = code.tok(path_tok).trim_matches(|c| c == '"' || c == '`');
    let name = match alias {
        Some(a) => a.to_string(),
        None => package_name(path),
    };
    (name != "_" && name != ".").then_some(Import {
        name,
        toks: (i, path_tok),
    })
}

/// The package name Go gives an import path (its last element, without a `/vN` suffix).
fn package_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    let name = if is_version {
        parts.next().unwrap_or(last)
    } else {
        last
    };
    name.trim_start_matches("go-").replace('-', "_")
}

/// Adds the imports that new code refers to (`config.`, `context.`, `log.`) when missing.
fn add_needed_imports(text: String) -> String {
    let code = Code::new(&text, Dialect::Go);
    let imports = go_imports(&code);
    let mut plan = Plan::default();
    for (name, path) in [
        ("config", CONFIG_PATH),
        ("context", "context"),
        ("log", "log"),
    ] {
        let used = clike::name_used(&code, name, |i| {
            imports
                .iter()
                .any(|imp| (imp.toks.0..=imp.toks.1).contains(&i))
        });
        if used && !imports.iter().any(|imp| imp.name == name) {
            if let Some((at, line)) = import_insertion(&code, path) {
                plan.insert(at, line);
            }
        }
    }
    if plan.is_empty() {
        return text;
    }
    plan.apply(&code).unwrap_or(text)
}

/// Where and how to add an import of `path`: in the `import (…)` block, among the standard
/// library or the third-party specs, in sorted order.
fn import_insertion(code: &Code<'_>, path: &str) -> Option<(usize, String)> {
    let std = !path.split('/').next().unwrap_or("").contains('.');
    let imports = go_imports(code);
    let grouped: Vec<&Import> = imports
        .iter()
        .filter(|imp| code.tok(imp.toks.0) != "import")
        .collect();
    if grouped.is_empty() {
        let last = imports.last()?;
        let at = code.line_end(code.toks[last.toks.1].span.end);
        return Some((at, format!("import \"{path}\"\n")));
    }
    let same_kind: Vec<&&Import> = grouped
        .iter()
        .filter(|imp| {
            let p = code.tok(imp.toks.1).trim_matches('"');
            p.split('/').next().unwrap_or("").contains('.') != std
        })
        .collect();
    let pool: Vec<&Import> = if same_kind.is_empty() {
        grouped.clone()
    } else {
        same_kind.into_iter().copied().collect()
    };
    let after = pool
        .iter()
        .find(|imp| code.tok(imp.toks.1).trim_matches('"') > path);
    let line = format!("\t\"{path}\"\n");
    match after {
        Some(imp) => Some((code.line_start(code.toks[imp.toks.0].span.start), line)),
        None => Some((code.line_end(code.toks[pool.last()?.toks.1].span.end), line)),
    }
}

/// `aws.Config` fields and the `config` load options that set them.
const CONFIG_OPTIONS: &[(&str, &str)] = &[
    ("Region", "config.WithRegion"),
    ("RetryMaxAttempts", "config.WithRetryMaxAttempts"),
    ("RetryMode", "config.WithRetryMode"),
    ("HTTPClient", "config.WithHTTPClient"),
    ("Logger", "config.WithLogger"),
    ("ClientLogMode", "config.WithClientLogMode"),
    ("DefaultsMode", "config.WithDefaultsMode"),
    ("AppID", "config.WithAppID"),
    ("BaseEndpoint", "config.WithBaseEndpoint"),
    (
        "EndpointResolverWithOptions",
        "config.WithEndpointResolverWithOptions",
    ),
];

/// Replaces `name := aws.Config{…}` (or `var name = aws.Config{…}`) by
/// `name, err := config.LoadDefaultConfig(ctx, options…)` plus the function's error handling.
fn load_default_config(code: &Code<'_>, ty: &Callee, open: usize, plan: &mut Plan) -> Flow {
    let Some(close) = code.partner(open) else {
        return manual("unbalanced brackets");
    };
    let (first, last) = code.statement(ty.first);
    let name = match (code.tok(first), code.tok(first + 1), code.tok(first + 2)) {
        ("var", name, "=") if first + 3 == ty.first => name,
        (name, ":=", _) if first + 2 == ty.first && code.is_ident(first) => name,
        _ => return manual("the hand-built aws.Config is not assigned to a new variable"),
    };
    if last != close {
        return manual("the hand-built aws.Config is part of a longer expression");
    }
    let Some(options) = load_options(code, open) else {
        return manual(
            "the hand-built aws.Config sets fields that have no config.With… load option",
        );
    };
    let Some(func) = enclosing_func(code, first) else {
        return manual("the aws.Config is not inside a function");
    };
    let Some(handler) = error_handler(code, &func) else {
        return manual("rolecall cannot tell how this function handles errors");
    };
    let indent =
        &code.text[code.line_start(code.toks[first].span.start)..code.toks[first].span.start];
    let ctx = context_expr(code, &func);
    let mut args = vec![ctx];
    args.extend(options);
    let mut text = format!(
        "{indent}{name}, err := config.LoadDefaultConfig({})\n",
        args.join(", ")
    );
    text.push_str(&format!("{indent}if err != nil {{\n"));
    for line in handler {
        text.push_str(&format!("{indent}\t{line}\n"));
    }
    text.push_str(&format!("{indent}}}\n"));
    let start = code.line_start(code.toks[first].span.start);
    let Some(end) = code.trivia_to_eol(code.toks[last].span.end) else {
        return manual("code follows the aws.Config literal on its line");
    };
    plan.replace(start..end, text);
    Flow::Done
}

fn manual(why: &str) -> Flow {
    Flow::Manual(format!(
        "{why}; a hand-built aws.Config has no credential chain: load it with config.LoadDefaultConfig(ctx, config.WithRegion(…)) by hand"
    ))
}

/// The `config.With…(value)` options for every field of the literal but `Credentials`.
fn load_options(code: &Code<'_>, open: usize) -> Option<Vec<String>> {
    let mut options = Vec::new();
    for item in code.items(open)? {
        if !code.is(item.first + 1, ":") || item.first + 2 > item.last {
            return None;
        }
        let key = code.tok(item.first);
        if key == "Credentials" {
            continue;
        }
        let value = code.slice(item.first + 2, item.last);
        let (_, option) = CONFIG_OPTIONS.iter().find(|(field, _)| *field == key)?;
        let value = match (
            key,
            value
                .strip_prefix("aws.String(")
                .and_then(|v| v.strip_suffix(')')),
        ) {
            ("Region", Some(inner)) => inner,
            _ => value,
        };
        options.push(format!("{option}({value})"));
    }
    Some(options)
}

/// A function around a token: its parameter list and result tokens, its body braces.
struct Func {
    params: (usize, usize),
    results: Option<(usize, usize)>,
    body: (usize, usize),
    name: String,
}

fn enclosing_func(code: &Code<'_>, tok: usize) -> Option<Func> {
    let mut open = code.parent(tok)?;
    loop {
        if code.tok(open) == "{" {
            if let Some(func) = func_of_body(code, open) {
                return Some(func);
            }
        }
        open = code.parent(open)?;
    }
}

/// The function whose body starts at `open`, if that brace is a function body.
fn func_of_body(code: &Code<'_>, open: usize) -> Option<Func> {
    let (first, _) = code.statement(open);
    let mut at = first;
    while at < open && code.tok(at) != "func" {
        at += 1;
    }
    if at >= open {
        return None;
    }
    let mut i = at + 1;
    if code.is(i, "(") {
        i = code.partner(i)? + 1; // receiver
    }
    let name = if code.is_ident(i) {
        code.tok(i).to_string()
    } else {
        String::new()
    };
    if code.is_ident(i) {
        i += 1;
    }
    if !code.is(i, "(") {
        return None;
    }
    let params_close = code.partner(i)?;
    let results = (params_close + 1 < open).then_some((params_close + 1, open - 1));
    Some(Func {
        params: (i, params_close),
        results,
        body: (open, code.partner(open)?),
        name,
    })
}

/// The context to load with: a `context.Context` parameter, else a new one.
fn context_expr(code: &Code<'_>, func: &Func) -> String {
    for i in func.params.0..func.params.1 {
        if code.is(i, "context")
            && code.is(i + 1, ".")
            && code.is(i + 2, "Context")
            && i > 0
            && code.is_ident(i - 1)
        {
            return code.tok(i - 1).to_string();
        }
    }
    if func.name == "main" {
        "context.Background()".into()
    } else {
        "context.TODO()".into()
    }
}

/// The lines to run when loading fails: the function's own `if err != nil { … }` body when it has
/// one, else what its results call for.
fn error_handler(code: &Code<'_>, func: &Func) -> Option<Vec<String>> {
    for i in func.body.0..func.body.1 {
        if code.is(i, "if")
            && code.is(i + 1, "err")
            && code.is(i + 2, "!=")
            && code.is(i + 3, "nil")
            && code.is(i + 4, "{")
        {
            let close = code.partner(i + 4)?;
            if close == i + 5 || code.slice(i + 5, close - 1).contains('\n') {
                continue;
            }
            return Some(vec![code.slice(i + 5, close - 1).to_string()]);
        }
    }
    let Some((first, last)) = func.results else {
        return Some(vec!["log.Fatalf(\"loading AWS config: %v\", err)".into()]);
    };
    let results = code
        .slice(first, last)
        .trim_start_matches('(')
        .trim_end_matches(')')
        .to_string();
    let types: Vec<&str> = results
        .split(',')
        .map(|r| r.split_whitespace().last().unwrap_or(""))
        .collect();
    if types.last() != Some(&"error") {
        return None;
    }
    let mut values: Vec<String> = Vec::new();
    for ty in &types[..types.len() - 1] {
        values.push(zero_value(ty)?.to_string());
    }
    values.push("err".into());
    Some(vec![format!("return {}", values.join(", "))])
}

/// The zero value of a Go type, for the types where it is certain from the name alone.
fn zero_value(ty: &str) -> Option<&'static str> {
    let nil = ty.starts_with('*')
        || ty.starts_with("[]")
        || ty.starts_with("map[")
        || ty.starts_with("chan")
        || ty.starts_with("func");
    match ty {
        _ if nil => Some("nil"),
        "error" | "any" | "interface{}" => Some("nil"),
        "string" => Some("\"\""),
        "bool" => Some("false"),
        "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32"
        | "uint64" | "float32" | "float64" | "byte" | "rune" => Some("0"),
        _ => None,
    }
}
