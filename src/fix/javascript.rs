//! JavaScript / TypeScript: the AWS SDK v2 (`AWS.config.update`, service constructor options,
//! `new AWS.Credentials`) and v3 (`credentials:` in a client's config). Credentials are removed
//! so the SDK's default provider chain finds the role; region, endpoint and the rest stay.

use super::clike::flow::{call_expr, Ctx, Expr, Flow, Lang};
use super::clike::plan::Plan;
use super::clike::{self, Code, Dialect};
use super::{FileToFix, ManualFix, Outcome, Rewriter};

/// Property names that carry credential material in SDK v2 and v3 configs.
const CREDENTIAL_KEYS: &[&str] = &[
    "accessKeyId",
    "secretAccessKey",
    "sessionToken",
    "expiration",
];

/// The JavaScript/TypeScript rewriter.
#[derive(Debug, Clone, Copy, Default)]
pub struct JavaScript;

impl Rewriter for JavaScript {
    fn name(&self) -> &'static str {
        "javascript"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        let ext = path.rsplit('.').next().unwrap_or("");
        matches!(
            ext,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx"
        )
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        if let Some(why) = browser_code(file.path, file.text) {
            return Outcome::Manual(
                file.matches
                    .iter()
                    .map(|m| browser_fix(m.line, why))
                    .collect(),
            );
        }
        clike::outcome(clike::rewrite_file(file, Dialect::Js, &JsLang), Vec::new())
    }
}

/// Why a file looks like code that runs in a browser (where no instance role exists).
fn browser_code(path: &str, text: &str) -> Option<&'static str> {
    if path.ends_with(".jsx") || path.ends_with(".tsx") {
        return Some("a React component runs in the browser");
    }
    let code = Code::new(text, Dialect::Js);
    let global = (0..code.toks.len()).find(|&i| {
        matches!(code.tok(i), "window" | "document" | "localStorage")
            && code.is(i + 1, ".")
            && (i == 0 || code.tok(i - 1) != ".")
    });
    global.map(|_| "the file uses browser globals (window/document)")
}

fn browser_fix(line: u32, why: &str) -> ManualFix {
    ManualFix {
        line,
        reason: format!("{why}: there is no IAM role to fall back on there"),
        advice:
            "remove the keys and either get temporary credentials from a Cognito identity pool \
                 (fromCognitoIdentityPool) or have a backend hand out presigned URLs"
                .into(),
    }
}

/// The JavaScript flow rules.
struct JsLang;

impl Lang for JsLang {
    fn step(&self, code: &Code<'_>, expr: Expr, ctx: &Ctx, plan: &mut Plan) -> Flow {
        match ctx {
            Ctx::Property { open, key, .. } if CREDENTIAL_KEYS.contains(&key.as_str()) => {
                credential_property(code, *open, plan)
            }
            Ctx::Property { open, index, key } if key == "credentials" => {
                plan.remove_item(*open, *index);
                Flow::Done
            }
            Ctx::Element { open, index } if code.tok(*open) == "{" && expr.first == expr.last => {
                match code.tok(expr.first) {
                    "credentials" => {
                        plan.remove_item(*open, *index);
                        Flow::Done
                    }
                    key if CREDENTIAL_KEYS.contains(&key) => credential_property(code, *open, plan),
                    _ => Flow::Manual(
                        "the credential sits in an object rolecall does not recognise".into(),
                    ),
                }
            }
            Ctx::Arg {
                open,
                index,
                callee: Some(callee),
            } => {
                if callee.is_new && callee.name() == "Credentials" {
                    return call_expr(code, callee, *open)
                        .map(Flow::Up)
                        .unwrap_or_else(unbalanced);
                }
                let object = code.tok(expr.first) == "{";
                if object && callee.path.ends_with("config.update") {
                    let stmt = code.statement(callee.first);
                    plan.remove_tokens(code, stmt.0, stmt.1);
                    return Flow::Done;
                }
                if object && callee.is_new {
                    plan.remove_item(*open, *index);
                    return Flow::Done;
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
            Ctx::Assign { target, stmt } if target.ends_with("config.credentials") => {
                plan.remove_tokens(code, stmt.0, stmt.1);
                Flow::Done
            }
            _ => Flow::Manual("the credential is used in a way rolecall does not rewrite".into()),
        }
    }

    fn finish(&self, code: &Code<'_>, plan: &mut Plan) {
        for open in plan.groups() {
            if code.tok(open) != "{" || !plan.empties(code, open) {
                continue;
            }
            let Some(close) = code.partner(open) else {
                continue;
            };
            let Some(paren) = code.parent(open).filter(|&p| code.tok(p) == "(") else {
                continue;
            };
            let sole = code.items(paren).is_some_and(|items| {
                items.len() == 1 && items[0].first == open && items[0].last == close
            });
            let Some(callee) = super::clike::flow::callee_before(code, paren) else {
                continue;
            };
            if !sole {
                continue;
            }
            if callee.path.ends_with("config.update") {
                let stmt = code.statement(callee.first);
                plan.remove_tokens(code, stmt.0, stmt.1);
            } else if callee.is_new {
                plan.remove_item(paren, 0);
            }
        }
    }
}

/// A credential property in the object at `open`: a pure credentials object is followed as a
/// whole; in a mixed config (region, endpoint…) only the credential properties go.
fn credential_property(code: &Code<'_>, open: usize, plan: &mut Plan) -> Flow {
    let Some(items) = code.items(open) else {
        return unbalanced();
    };
    let keys: Vec<&str> = items
        .iter()
        .map(|item| property_key(code, item.first))
        .collect();
    if keys.iter().all(|k| CREDENTIAL_KEYS.contains(k)) {
        return code
            .partner(open)
            .map(|close| {
                Flow::Up(Expr {
                    first: open,
                    last: close,
                })
            })
            .unwrap_or_else(unbalanced);
    }
    for (index, key) in keys.iter().enumerate() {
        if CREDENTIAL_KEYS.contains(key) {
            plan.remove_item(open, index);
        }
    }
    Flow::Done
}

/// The key of a property starting at token `first` (quotes removed).
fn property_key<'a>(code: &Code<'a>, first: usize) -> &'a str {
    code.tok(first)
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
}

fn unbalanced() -> Flow {
    Flow::Manual("unbalanced brackets around the credential".into())
}
