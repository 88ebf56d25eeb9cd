//! C# / .NET: `new BasicAWSCredentials(k, s)` / `new SessionAWSCredentials(k, s, t)` passed to a
//! client constructor (`new AmazonS3Client(creds, RegionEndpoint.USEast1)` becomes
//! `new AmazonS3Client(RegionEndpoint.USEast1)`), the key/secret constructor overloads
//! (`new AmazonS3Client("AKIA…", "…", RegionEndpoint.X)`), and `AWSOptions.Credentials`
//! (assignment or object initializer). The SDK then resolves credentials through its
//! `FallbackCredentialsFactory` chain, which ends with the instance or task role. `using`
//! directives stay: an unused one is legal C#.

use super::clike::flow::{call_expr, Callee, Ctx, Expr, Flow, Lang};
use super::clike::plan::Plan;
use super::clike::{self, Code, Dialect, TokKind};
use super::{FileToFix, Outcome, Rewriter};

/// Constructors whose arguments are a key pair (and token).
const CREDENTIAL_TYPES: &[&str] = &["BasicAWSCredentials", "SessionAWSCredentials"];

/// The C# rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct CSharp;

impl Rewriter for CSharp {
    fn name(&self) -> &'static str {
        "csharp"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".cs") || path.ends_with(".csx")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        clike::outcome(
            clike::rewrite_file(file, Dialect::CSharp, &CSharpLang),
            Vec::new(),
        )
    }
}

/// The C# flow rules.
struct CSharpLang;

impl Lang for CSharpLang {
    fn step(&self, code: &Code<'_>, expr: Expr, ctx: &Ctx, plan: &mut Plan) -> Flow {
        match ctx {
            Ctx::Arg {
                open,
                index,
                callee: Some(callee),
            } => {
                if callee.is_new && CREDENTIAL_TYPES.contains(&callee.name()) {
                    return up(code, callee, *open);
                }
                if callee.is_new && is_client(callee) {
                    return client_argument(code, expr, *open, *index, plan);
                }
                Flow::Manual(format!(
                    "the credential is passed to {}(…), which rolecall does not rewrite",
                    callee.path
                ))
            }
            Ctx::Property { open, index, key } if key == "Credentials" => {
                plan.remove_item(*open, *index);
                Flow::Done
            }
            Ctx::Assign { target, stmt }
                if target == "Credentials" || target.ends_with(".Credentials") =>
            {
                plan.remove_tokens(code, stmt.0, stmt.1);
                Flow::Done
            }
            Ctx::Init { name, stmt } => Flow::Var {
                name: *name,
                stmt: *stmt,
            },
            _ => Flow::Manual("the credential is used in a way rolecall does not rewrite".into()),
        }
    }
}

/// Whether a callee is an AWS service client (`AmazonS3Client`, `AmazonDynamoDBClient`).
fn is_client(callee: &Callee) -> bool {
    let name = callee.name();
    name.starts_with("Amazon") && name.ends_with("Client")
}

/// A credential handed to a client constructor: a credentials object is one argument; a key
/// and secret (and token) are the leading string arguments of the key overloads.
fn client_argument(
    code: &Code<'_>,
    expr: Expr,
    open: usize,
    index: usize,
    plan: &mut Plan,
) -> Flow {
    let Some(items) = code.items(open) else {
        return unbalanced();
    };
    let is_string = |i: usize| {
        items
            .get(i)
            .is_some_and(|item| item.first == item.last && string_valued(code, item.first))
    };
    if !is_string(index) || expr.first != expr.last {
        plan.remove_item(open, index);
        return Flow::Done;
    }
    if index > 2 || !is_string(0) || !is_string(1) {
        return Flow::Manual(
            "the key overload of the client constructor has arguments rolecall cannot place".into(),
        );
    }
    let credential_args = if is_string(2) { 3 } else { 2 };
    for i in 0..credential_args {
        plan.remove_item(open, i);
    }
    Flow::Done
}

/// Whether token `i` is a string literal or a name declared with a string literal.
fn string_valued(code: &Code<'_>, i: usize) -> bool {
    if code.toks[i].kind == TokKind::Str {
        return true;
    }
    if !code.is_ident(i) {
        return false;
    }
    let name = code.tok(i);
    (0..code.toks.len()).any(|d| {
        d != i
            && code.tok(d) == name
            && code.is(d + 1, "=")
            && d > 0
            && (code.is_ident(d - 1) && matches!(code.tok(d - 1), "string" | "var" | "String"))
            && code.toks.get(d + 2).is_some_and(|t| t.kind == TokKind::Str)
    })
}

fn up(code: &Code<'_>, callee: &Callee, open: usize) -> Flow {
    call_expr(code, callee, open)
        .map(Flow::Up)
        .unwrap_or_else(unbalanced)
}

fn unbalanced() -> Flow {
    Flow::Manual("unbalanced brackets around the credential".into())
}
