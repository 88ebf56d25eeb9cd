//! Java: SDK v1 (`BasicAWSCredentials` / `BasicSessionCredentials` wrapped in an
//! `AWSStaticCredentialsProvider` and passed to a client builder's `.withCredentials(…)`) and
//! SDK v2 (`AwsBasicCredentials` / `AwsSessionCredentials` in `StaticCredentialsProvider.create`
//! passed to `.credentialsProvider(…)`). The builder call goes, so the builder falls back to
//! `DefaultAWSCredentialsProviderChain` (v1) or `DefaultCredentialsProvider` (v2); the variables
//! and constants that held the credentials go, and so do imports the rewrite left unused.

use super::clike::flow::{call_expr, Ctx, Expr, Flow, Lang};
use super::clike::plan::Plan;
use super::clike::{self, Code, Dialect, Import};
use super::{FileToFix, Outcome, Rewriter};

/// Constructors and factories whose arguments are a key pair (and token).
const CREDENTIAL_MAKERS: &[&str] = &[
    "BasicAWSCredentials",
    "BasicSessionCredentials",
    "AwsBasicCredentials.create",
    "AwsSessionCredentials.create",
];

/// Wrappers that turn credentials into a provider.
const PROVIDER_MAKERS: &[&str] = &[
    "AWSStaticCredentialsProvider",
    "StaticCredentialsProvider.create",
];

/// Builder methods that hand a provider to a client.
const BUILDER_SINKS: &[&str] = &["withCredentials", "credentialsProvider"];

/// The Java rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Java;

impl Rewriter for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".java")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let result = clike::rewrite_file(file, Dialect::Java, &JavaLang).map(|text| {
            let old = Code::new(file.text, Dialect::Java);
            clike::drop_stale_imports(&old, text, java_imports)
        });
        clike::outcome(result, Vec::new())
    }
}

/// The Java flow rules.
struct JavaLang;

impl Lang for JavaLang {
    fn step(&self, code: &Code<'_>, _expr: Expr, ctx: &Ctx, plan: &mut Plan) -> Flow {
        match ctx {
            Ctx::Arg {
                open,
                callee: Some(callee),
                ..
            } => {
                let maker = |list: &[&str]| {
                    list.iter()
                        .any(|m| callee.path == *m || callee.path.ends_with(&format!(".{m}")))
                };
                if callee.is_new && maker(CREDENTIAL_MAKERS)
                    || !callee.is_new && maker(&CREDENTIAL_MAKERS[2..])
                {
                    return up(code, callee, *open);
                }
                if maker(PROVIDER_MAKERS) {
                    return up(code, callee, *open);
                }
                if let (Some(dot), true) = (callee.dot, BUILDER_SINKS.contains(&callee.name())) {
                    let Some(close) = code.partner(*open) else {
                        return unbalanced();
                    };
                    plan.remove_tokens(code, dot, close);
                    return Flow::Done;
                }
                if callee.is_new
                    && callee.name().starts_with("Amazon")
                    && callee.name().ends_with("Client")
                {
                    return Flow::Manual(format!(
                        "the deprecated {} constructor takes the credentials; switch to {}Builder.defaultClient() or .standard()…build()",
                        callee.name(),
                        callee.name()
                    ));
                }
                Flow::Manual(format!(
                    "the credential is passed to {}(…), which rolecall does not rewrite",
                    callee.path
                ))
            }
            Ctx::Init { name, stmt } => Flow::Var {
                name: *name,
                stmt: *stmt,
            },
            _ => Flow::Manual("the credential is used in a way rolecall does not rewrite".into()),
        }
    }
}

fn up(code: &Code<'_>, callee: &clike::flow::Callee, open: usize) -> Flow {
    call_expr(code, callee, open)
        .map(Flow::Up)
        .unwrap_or_else(unbalanced)
}

fn unbalanced() -> Flow {
    Flow::Manual("unbalanced brackets around the credential".into())
}

/// The single-type imports of a Java file (`import a.b.C;`, `import static a.b.C.m;`).
fn java_imports(code: &Code<'_>) -> Vec<Import> {
    let mut out = Vec::new();
    for i in 0..code.toks.len() {
        if code.tok(i) != "import" || code.parent(i).is_some() {
            continue;
        }
        let Some(semi) = (i..code.toks.len()).find(|&j| code.tok(j) == ";") else {
            break;
        };
        let last_name = semi - 1;
        if last_name > i + 1 && code.is_ident(last_name) && code.tok(last_name - 1) == "." {
            out.push(Import {
                name: code.tok(last_name).to_string(),
                toks: (i, semi),
            });
        }
    }
    out
}
