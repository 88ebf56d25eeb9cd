//! Following a credential from its literal to where it is handed to an SDK.
//!
//! Each match starts as the string literal that holds it. A language's [`Lang::step`] looks at
//! the syntactic place of the current expression ([`Ctx`]) and either widens it (the literal is an
//! argument of `new BasicAWSCredentials(…)`, so follow that expression), ends the walk by planning
//! a removal (the `.withCredentials(…)` call, the `credentials:` property), hands over a variable
//! declaration (removed, and each use followed in turn), or gives up with a reason.

use super::plan::Plan;
use super::{Code, Item, TokKind};
use crate::detect::Match;
use crate::fix::ManualFix;

/// An expression: tokens `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expr {
    /// First token.
    pub first: usize,
    /// Last token.
    pub last: usize,
}

/// The callee in front of an argument list: `new AWS.S3(`, `AwsBasicCredentials.create(`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callee {
    /// The dotted name as written (`AWS.config.update`).
    pub path: String,
    /// Whether `new` precedes it.
    pub is_new: bool,
    /// Its first token (`new` when present).
    pub first: usize,
    /// The `.` before its last name, when it is a member call.
    pub dot: Option<usize>,
}

impl Callee {
    /// The last name of the path (`update` for `AWS.config.update`).
    pub fn name(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or("")
    }
}

/// Where an expression sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ctx {
    /// A whole argument: item `index` of the call group opened at `open`.
    Arg {
        /// The `(` token.
        open: usize,
        /// Which argument.
        index: usize,
        /// The callee (when there is a name before the `(`).
        callee: Option<Callee>,
    },
    /// The value of `key: expr` (or `Key = expr` in a C# initializer), item `index` of the `{`
    /// group at `open`.
    Property {
        /// The `{` token.
        open: usize,
        /// Which item.
        index: usize,
        /// The key without quotes.
        key: String,
    },
    /// A bare element of a `{…}` or `[…]` group (shorthand property, array element).
    Element {
        /// The open bracket.
        open: usize,
        /// Which item.
        index: usize,
    },
    /// The initializer of a declaration of one name.
    Init {
        /// The declared name's token.
        name: usize,
        /// The declaration's first and last token.
        stmt: (usize, usize),
    },
    /// The right side of an assignment statement `target = expr;`.
    Assign {
        /// The assigned place as written (`AWS.config.credentials`).
        target: String,
        /// The statement's first and last token.
        stmt: (usize, usize),
    },
    /// Anything else.
    Other,
}

/// What a language does with an expression in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// Keep following a wider expression.
    Up(Expr),
    /// The credential is dealt with (the language planned the edit).
    Done,
    /// A declaration holds it: remove the statement and follow each use of the name.
    Var {
        /// The declared name's token.
        name: usize,
        /// The declaration's first and last token.
        stmt: (usize, usize),
    },
    /// Cannot be fixed safely: why.
    Manual(String),
}

/// A language's rules for following credentials.
pub trait Lang {
    /// Decides what to do with `expr` in its place `ctx`; may add edits to `plan`.
    fn step(&self, code: &Code<'_>, expr: Expr, ctx: &Ctx, plan: &mut Plan) -> Flow;

    /// Adds the edits that follow from the planned ones (a call left with an empty object, a
    /// hand-built config that must be loaded instead); nothing by default.
    fn finish(&self, _code: &Code<'_>, _plan: &mut Plan) {}
}

/// Longest walk from a literal to its sink (guards against cycles on odd input).
const MAX_STEPS: usize = 48;

/// Plans the removal of every match in `code`. Returns the spots that could not be fixed.
pub fn plan_matches(
    code: &Code<'_>,
    lang: &dyn Lang,
    matches: &[Match],
    plan: &mut Plan,
) -> Vec<ManualFix> {
    let mut manual = Vec::new();
    let mut seen_decls = Vec::new();
    for m in matches {
        if code.comment_at(m.span.start).is_some() {
            remove_from_comment(code, m.span.clone(), plan);
            continue;
        }
        let result = match code.token_at(m.span.start) {
            Some(i) if code.toks[i].kind == TokKind::Str => follow(
                code,
                lang,
                Expr { first: i, last: i },
                plan,
                &mut seen_decls,
                0,
            ),
            _ => Err("the credential is not in a string literal".to_string()),
        };
        if let Err(reason) = result {
            manual.push(ManualFix {
                line: m.line,
                reason,
                advice: "delete the credential by hand, attach an IAM role where the code runs, and let the SDK's default credential chain find it".into(),
            });
        }
    }
    manual
}

fn follow(
    code: &Code<'_>,
    lang: &dyn Lang,
    mut expr: Expr,
    plan: &mut Plan,
    seen: &mut Vec<usize>,
    depth: usize,
) -> Result<(), String> {
    for _ in 0..MAX_STEPS {
        expr = with_fallback(code, expr);
        let ctx = context(code, expr);
        match lang.step(code, expr, &ctx, plan) {
            Flow::Up(wider) => expr = wider,
            Flow::Done => return Ok(()),
            Flow::Manual(reason) => return Err(reason),
            Flow::Var { name, stmt } => {
                if seen.contains(&name) {
                    return Ok(());
                }
                seen.push(name);
                plan.remove_tokens(code, stmt.0, stmt.1);
                if depth > 4 {
                    return Err("the credential passes through too many variables".into());
                }
                for user in uses_in_scope(code, name, stmt) {
                    follow(
                        code,
                        lang,
                        Expr {
                            first: user,
                            last: user,
                        },
                        plan,
                        seen,
                        depth + 1,
                    )?;
                }
                return Ok(());
            }
        }
    }
    Err("the credential's use is too deeply nested to follow".into())
}

/// A literal that is the fallback of `a || "…"` / `a ?? "…"` widens to the whole value: the
/// credential goes with the expression it completes.
fn with_fallback(code: &Code<'_>, expr: Expr) -> Expr {
    if expr.first == 0 || !matches!(code.tok(expr.first - 1), "||" | "??") {
        return expr;
    }
    let Some((open, _, item)) = code.item_of(expr.first) else {
        return expr;
    };
    if item.last != expr.last {
        return expr;
    }
    let keyed = code.tok(open) == "{" && matches!(code.tok(item.first + 1), ":" | "=");
    let start = if keyed { item.first + 2 } else { item.first };
    if start < expr.first {
        Expr {
            first: start,
            last: expr.last,
        }
    } else {
        expr
    }
}

/// The uses of the name declared at token `name`, within the block that holds the declaration.
fn uses_in_scope(code: &Code<'_>, name: usize, stmt: (usize, usize)) -> Vec<usize> {
    let scope = code.parent(stmt.0).filter(|&p| code.tok(p) == "{");
    let (lo, hi) = match scope {
        Some(open) => (open, code.partner(open).unwrap_or(code.toks.len())),
        None => (0, code.toks.len()),
    };
    code.uses_of(code.tok(name), name)
        .into_iter()
        .filter(|&u| u > lo && u < hi && !(stmt.0..=stmt.1).contains(&u))
        .collect()
}

/// The syntactic place of `expr`.
pub fn context(code: &Code<'_>, expr: Expr) -> Ctx {
    if let Some((open, index, item)) = code.item_of(expr.first) {
        if let Some(ctx) = item_context(code, expr, open, index, item) {
            return ctx;
        }
    }
    let Some(eq) = expr.first.checked_sub(1) else {
        return Ctx::Other;
    };
    let ends = expr.last + 1 >= code.toks.len()
        || matches!(code.tok(expr.last + 1), ";" | ")" | "}")
        || code.statement(expr.first).1 == expr.last;
    if !matches!(code.tok(eq), "=" | ":=") || !ends || eq == 0 {
        return Ctx::Other;
    }
    let name = eq - 1;
    let stmt = code.statement(expr.first);
    if !code.is_ident(name) {
        return Ctx::Other;
    }
    let before = name.checked_sub(1).map(|b| code.tok(b)).unwrap_or("");
    let declares = code.tok(eq) == ":="
        || name > 0
            && (code.is_ident(name - 1) && !is_statement_keyword(before)
                || matches!(before, ">" | "]" | "*"))
        || in_declaration_group(code, name);
    if declares {
        return Ctx::Init { name, stmt };
    }
    let mut first = name;
    while first >= 2 && matches!(code.tok(first - 1), "." | "?.") && code.is_ident(first - 2) {
        first -= 2;
    }
    Ctx::Assign {
        target: code.slice(first, name).to_string(),
        stmt,
    }
}

/// Whether `name` starts a spec of a Go `const (…)` / `var (…)` group.
fn in_declaration_group(code: &Code<'_>, name: usize) -> bool {
    let group = code
        .parent(name)
        .filter(|&p| p > 0 && code.tok(p) == "(" && matches!(code.tok(p - 1), "const" | "var"));
    group.is_some() && code.statement(name).0 == name
}

fn is_statement_keyword(word: &str) -> bool {
    matches!(
        word,
        "return" | "else" | "case" | "default" | "throw" | "yield" | "await" | "in" | "of" | "new"
    )
}

fn item_context(code: &Code<'_>, expr: Expr, open: usize, index: usize, item: Item) -> Option<Ctx> {
    if item.last != expr.last {
        return None;
    }
    let keyed = item.first + 2 == expr.first
        && matches!(code.tok(item.first + 1), ":" | "=")
        && code.tok(open) == "{";
    if keyed {
        let key = code
            .tok(item.first)
            .trim_matches(|c| c == '"' || c == '\'' || c == '`');
        return Some(Ctx::Property {
            open,
            index,
            key: key.to_string(),
        });
    }
    if item.first != expr.first {
        return None;
    }
    match code.tok(open) {
        "(" => Some(Ctx::Arg {
            open,
            index,
            callee: callee_before(code, open),
        }),
        "{" | "[" => Some(Ctx::Element { open, index }),
        _ => None,
    }
}

/// The dotted name before the bracket at `open` (`new AWS.S3` before `(`, `aws.Config` before `{`).
pub fn callee_before(code: &Code<'_>, open: usize) -> Option<Callee> {
    let mut last = open.checked_sub(1)?;
    if code.tok(last) == ">" {
        // Generic arguments (`new Foo<Bar>(`, `Foo<>()`).
        let mut depth = 0usize;
        loop {
            match code.tok(last) {
                ">" => depth += 1,
                "<" => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                break;
            }
            last = last.checked_sub(1)?;
        }
        last = last.checked_sub(1)?;
    }
    if !code.is_ident(last) {
        return None;
    }
    let mut first = last;
    let dot = (last > 0 && matches!(code.tok(last - 1), "." | "?.")).then(|| last - 1);
    while first >= 2 && matches!(code.tok(first - 1), "." | "?." | "::") && code.is_ident(first - 2)
    {
        first -= 2;
    }
    let is_new = first > 0 && code.tok(first - 1) == "new";
    Some(Callee {
        path: (first..=last)
            .map(|i| code.tok(i))
            .collect::<String>()
            .replace("?.", "."),
        is_new,
        first: if is_new { first - 1 } else { first },
        dot,
    })
}

/// The expression from a callee's first token to the close of its argument list at `open`.
pub fn call_expr(code: &Code<'_>, callee: &Callee, open: usize) -> Option<Expr> {
    Some(Expr {
        first: callee.first,
        last: code.partner(open)?,
    })
}

/// Removes a credential from a comment: the whole comment when it is a line comment or one line
/// long, the line that holds it inside a longer block comment.
pub fn remove_from_comment(code: &Code<'_>, value: std::ops::Range<usize>, plan: &mut Plan) {
    let Some(comment) = code.comment_at(value.start) else {
        return;
    };
    let span = comment.span.clone();
    let multi_line = code.text[span.clone()].contains('\n');
    if !multi_line {
        let mut start = span.start;
        while start > 0 && matches!(code.text.as_bytes()[start - 1], b' ' | b'\t') {
            start -= 1;
        }
        if code.starts_line(span.start) {
            if let Some(end) = code.trivia_to_eol(span.end) {
                plan.delete(code.line_start(span.start)..end);
                return;
            }
        }
        plan.delete(start..span.end);
        return;
    }
    let line = code.line_start(value.start)..code.line_end(value.start);
    if line.start > span.start && line.end <= span.end {
        plan.delete(line);
    } else {
        plan.delete(value);
    }
}
