//! AWS calls in source code → IAM actions on resources.
//!
//! The mapping is data ([`ACTIONS_TABLE`], `rules/iam-actions.toml`): call names of every SDK and
//! tool, the actions they need and the shape of the resource they act on. [`Inferrer::infer`]
//! finds the calls in a file, reads the resource names the call passes as literals (or through a
//! variable assigned one literal), and returns one [`Grant`] per action and resource. Names it
//! cannot read become marked `REPLACE_ME_…` placeholders. The high-level `aws s3 cp|mv|sync|ls|rm`
//! commands are handled here in code: their direction depends on which argument is an `s3://` URL.

use super::syntax::{
    bounded, call_window, continued_line, find_param, is_definition, positional, LineStarts, Value,
};
use crate::error::{Error, ErrorKind, Result};
use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The built-in action table.
pub const ACTIONS_TABLE: &str = include_str!("../../rules/iam-actions.toml");

/// Placeholder for the AWS account ID in resource ARNs.
pub const ACCOUNT: &str = "REPLACE_ME_ACCOUNT_ID";
/// Placeholder for the AWS region in resource ARNs.
pub const REGION: &str = "REPLACE_ME_REGION";

/// The parsed action table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionTable {
    /// How SSE-KMS use is recognised.
    pub kms: KmsSettings,
    /// Words that show a file uses a service.
    pub service: Vec<ServiceHints>,
    /// The calls.
    pub call: Vec<CallRule>,
}

/// How SSE-KMS use is recognised.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsSettings {
    /// Case-insensitive markers of SSE-KMS in a call or file.
    pub markers: Vec<String>,
    /// Parameters that name the KMS key.
    pub key_params: Vec<String>,
}

/// Words (case-insensitive) that show a file uses a service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceHints {
    /// Service name as used in `[[call]] service`.
    pub name: String,
    /// The words.
    pub hints: Vec<String>,
}

/// What SSE-KMS means for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KmsUse {
    /// Reading objects that may be SSE-KMS encrypted needs `kms:Decrypt`.
    Read,
    /// Writing with SSE-KMS needs `kms:GenerateDataKey` and `kms:Decrypt`.
    Write,
}

/// One call of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRule {
    /// The service (must be one of `[[service]]`).
    pub service: String,
    /// SSE-KMS relevance.
    #[serde(default)]
    pub kms: Option<KmsUse>,
    /// Call names across SDKs and tools.
    pub names: Vec<String>,
    /// What the call needs.
    pub grant: Vec<GrantRule>,
}

/// Actions on one resource of a call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRule {
    /// IAM actions.
    pub actions: Vec<String>,
    /// The resource's shape.
    pub resource: Shape,
    /// Parameters naming the resource, most specific first.
    #[serde(default)]
    pub params: Vec<String>,
    /// Argument index of the resource name when passed positionally.
    #[serde(default)]
    pub positional: Option<usize>,
    /// The grant applies only when the call passes one of these parameters (PowerShell's
    /// `Read-S3Object -KeyPrefix` lists the bucket); empty: always.
    #[serde(default)]
    pub when_params: Vec<String>,
    /// The grant does not apply when the call passes one of these parameters
    /// (`Copy-S3Object -LocalFile` downloads: it writes no object).
    #[serde(default)]
    pub unless_params: Vec<String>,
}

/// The shape of a resource ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Objects in a bucket: `arn:aws:s3:::bucket/*`.
    S3Object,
    /// The bucket itself: `arn:aws:s3:::bucket`.
    S3Bucket,
    /// A DynamoDB table.
    DynamodbTable,
    /// An SQS queue.
    SqsQueue,
    /// An SNS topic.
    SnsTopic,
    /// An SSM parameter.
    SsmParameter,
    /// A Secrets Manager secret.
    Secret,
    /// No resource-level permissions (`*`).
    Any,
}

/// One permission the code needs, with the call it came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// The IAM action (`s3:GetObject`).
    pub action: String,
    /// The resource ARN (may hold `REPLACE_ME_…` placeholders).
    pub resource: String,
    /// Repository-relative path of the call.
    pub path: String,
    /// 1-based line of the call.
    pub line: u32,
    /// The call as written (`download_file`, `aws s3 cp`).
    pub call: String,
}

/// One call, however it was found (on a syntax tree or in the text): its name, line, argument
/// text, and how to read its arguments.
struct Site<'a> {
    name: &'a str,
    line: u32,
    window: &'a str,
    param: &'a dyn Fn(&[String]) -> Option<Value>,
    positional: &'a dyn Fn(usize) -> Option<Value>,
}

/// Finds AWS calls in files and infers the IAM grants they need.
pub struct Inferrer {
    table: ActionTable,
    names: AhoCorasick,
    name_call: Vec<usize>,
    assign: Regex,
    shell_assign: Regex,
    cli_s3: Regex,
    region: Regex,
}

impl std::fmt::Debug for Inferrer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inferrer")
            .field("calls", &self.table.call.len())
            .finish()
    }
}

impl Inferrer {
    /// The inferrer with the built-in table.
    pub fn builtin() -> Inferrer {
        Inferrer::new(ACTIONS_TABLE).expect("the built-in action table parses (tested)")
    }

    /// Parses and compiles an action table.
    pub fn new(table_text: &str) -> Result<Inferrer> {
        let rules_err = |m: String| Error::new(ErrorKind::Rules(format!("iam-actions: {m}")));
        let table: ActionTable =
            toml::from_str(table_text).map_err(|e| rules_err(e.to_string()))?;
        let mut patterns = Vec::new();
        let mut name_call = Vec::new();
        for (i, call) in table.call.iter().enumerate() {
            if !table.service.iter().any(|s| s.name == call.service) {
                return Err(rules_err(format!("unknown service {}", call.service)));
            }
            for name in &call.names {
                patterns.push(name.clone());
                name_call.push(i);
            }
        }
        let names = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| rules_err(e.to_string()))?;
        let re = |p: &str| Regex::new(p).expect("static regex");
        Ok(Inferrer {
            table,
            names,
            name_call,
            assign: re(
                r#"(?m)([$@]?[A-Za-z_][A-Za-z0-9_]*)\s*(?::=|=)\s*[fr]?['"]([A-Za-z0-9._/:@+=,-]+)['"]"#,
            ),
            shell_assign: re(
                r#"(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z0-9._/:@+-]+)\s*$"#,
            ),
            cli_s3: re(r"\baws\s+(?:--?[a-z-]+(?:\s+[^-\s]\S*)?\s+)*s3\s+(cp|mv|sync|ls|rm)\b"),
            region: re(
                r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]\b",
            ),
        })
    }

    /// The table this inferrer uses.
    pub fn table(&self) -> &ActionTable {
        &self.table
    }

    /// AWS region names written literally in `text`.
    pub fn regions(&self, text: &str) -> BTreeSet<String> {
        self.region
            .find_iter(text)
            .map(|m| m.as_str().to_string())
            .collect()
    }

    /// The grants the AWS calls in `text` need. Output is sorted and deduplicated.
    pub fn infer(&self, path: &str, text: &str) -> Vec<Grant> {
        let lower = text.to_ascii_lowercase();
        let present: BTreeSet<&str> = self
            .table
            .service
            .iter()
            .filter(|s| {
                s.hints
                    .iter()
                    .any(|h| lower.contains(&h.to_ascii_lowercase()))
            })
            .map(|s| s.name.as_str())
            .collect();
        if present.is_empty() {
            return Vec::new();
        }
        let candidates: Vec<_> = self
            .names
            .find_iter(text)
            .filter(|m| bounded(text, m.start(), m.end()))
            .collect();
        if candidates.is_empty() && !self.cli_s3.is_match(text) {
            return Vec::new();
        }
        let assigns = self.assignments(text);
        let file_kms = self
            .table
            .kms
            .markers
            .iter()
            .any(|m| lower.contains(m.as_str()));
        let lines = LineStarts::new(text);
        // (call index, grants, whether every resource was read)
        let mut found: Vec<(usize, Vec<Grant>, bool)> = Vec::new();
        if let Some(calls) = super::syntax::tree_calls(path, text) {
            // The language has a tree finder: calls are call nodes, arguments are arguments.
            for call in &calls {
                for call_idx in self.rules_named(&call.name) {
                    if !present.contains(self.table.call[call_idx].service.as_str()) {
                        continue;
                    }
                    let site = Site {
                        name: &call.name,
                        line: lines.line(call.start),
                        window: &call.window,
                        param: &|p: &[String]| call.param(p),
                        positional: &|i| call.positional(i),
                    };
                    found.push(self.call_grants(call_idx, &site, (path, text), &assigns, file_kms));
                }
            }
        } else {
            for m in candidates {
                let call_idx = self.name_call[m.pattern().as_usize()];
                let rule = &self.table.call[call_idx];
                if !present.contains(rule.service.as_str()) || !bounded(text, m.start(), m.end()) {
                    continue;
                }
                if is_definition(&text[..m.start()]) {
                    continue;
                }
                let name = &text[m.start()..m.end()];
                let Some(window) = call_window(text, m.end(), name.contains('-')) else {
                    continue;
                };
                let site = Site {
                    name,
                    line: lines.line(m.start()),
                    window,
                    param: &|p: &[String]| find_param(window, p, &assigns),
                    positional: &|i| positional(window, i, &assigns),
                };
                found.push(self.call_grants(call_idx, &site, (path, text), &assigns, file_kms));
            }
        }
        // A call that passes a request object (`GetObjectAsync(request)`) adds nothing when the
        // same file builds that request with literal names (`new GetObjectRequest { … }`).
        let known_calls: BTreeSet<usize> = found
            .iter()
            .filter(|(_, _, k)| *k)
            .map(|(c, _, _)| *c)
            .collect();
        let mut out: Vec<Grant> = found
            .into_iter()
            .filter(|(c, _, k)| *k || !known_calls.contains(c))
            .flat_map(|(_, g, _)| g)
            .collect();
        self.cli_grants(path, text, &assigns, file_kms, &lines, &mut out);
        out.sort();
        out.dedup_by(|a, b| {
            a.action == b.action && a.resource == b.resource && a.path == b.path && a.line == b.line
        });
        out
    }

    /// The rules (indices) with a call named exactly `name`.
    fn rules_named(&self, name: &str) -> Vec<usize> {
        self.table
            .call
            .iter()
            .enumerate()
            .filter(|(_, c)| c.names.iter().any(|n| n == name))
            .map(|(i, _)| i)
            .collect()
    }

    /// The grants one call needs, and whether every resource name was read.
    fn call_grants(
        &self,
        call_idx: usize,
        site: &Site<'_>,
        (path, text): (&str, &str),
        assigns: &BTreeMap<String, Option<String>>,
        file_kms: bool,
    ) -> (usize, Vec<Grant>, bool) {
        let rule = &self.table.call[call_idx];
        let (name, line, window) = (site.name, site.line, site.window);
        let mut grants = Vec::new();
        let mut all_known = true;
        for g in &rule.grant {
            let passes = |names: &[String]| {
                names
                    .iter()
                    .any(|n| (site.param)(std::slice::from_ref(n)).is_some())
            };
            if (!g.when_params.is_empty() && !passes(&g.when_params)) || passes(&g.unless_params) {
                continue;
            }
            let mut value = (site.param)(&g.params);
            if value.is_none() {
                value = g.positional.and_then(|i| (site.positional)(i));
            }
            let (resources, known) =
                resources(g.resource, value.unwrap_or(Value::Unknown), window, assigns);
            all_known &= known;
            for resource in resources {
                for action in &g.actions {
                    grants.push(grant(action, &resource, path, line, name));
                }
            }
        }
        let kms_here = contains_any(&window.to_ascii_lowercase(), &self.table.kms.markers);
        let kms_actions: &[&str] = match rule.kms {
            Some(KmsUse::Write) if kms_here => &["kms:GenerateDataKey", "kms:Decrypt"],
            Some(KmsUse::Read) if file_kms => &["kms:Decrypt"],
            _ => &[],
        };
        if !kms_actions.is_empty() {
            let key = kms_key(
                (site.param)(&self.table.kms.key_params)
                    .or_else(|| find_param(text, &self.table.kms.key_params, assigns)),
            );
            for a in kms_actions {
                grants.push(grant(a, &key, path, line, name));
            }
        }
        (call_idx, grants, all_known)
    }

    /// Variables assigned exactly one literal in the file (`BUCKET = "x"`, `$bucket = 'x'`).
    fn assignments(&self, text: &str) -> BTreeMap<String, Option<String>> {
        let mut map: BTreeMap<String, Option<String>> = BTreeMap::new();
        let pairs = self
            .assign
            .captures_iter(text)
            .chain(self.shell_assign.captures_iter(text))
            .map(|c| {
                (
                    c[1].trim_start_matches(['$', '@']).to_string(),
                    c[2].to_string(),
                )
            });
        for (name, value) in pairs {
            map.entry(name)
                .and_modify(|v| {
                    if v.as_deref() != Some(value.as_str()) {
                        *v = None;
                    }
                })
                .or_insert(Some(value));
        }
        map
    }

    /// `aws s3 cp|mv|sync|ls|rm`.
    fn cli_grants(
        &self,
        path: &str,
        text: &str,
        assigns: &BTreeMap<String, Option<String>>,
        file_kms: bool,
        lines: &LineStarts,
        out: &mut Vec<Grant>,
    ) {
        const FLAGS: &[&str] = &[
            "--recursive",
            "--delete",
            "--dryrun",
            "--quiet",
            "--only-show-errors",
            "--no-progress",
            "--exact-timestamps",
            "--size-only",
            "--follow-symlinks",
            "--no-follow-symlinks",
            "--human-readable",
            "--summarize",
            "--no-guess-mime-type",
            "--force",
        ];
        for caps in self.cli_s3.captures_iter(text) {
            let whole = caps.get(0).expect("group 0");
            let verb = &caps[1];
            let args = continued_line(text, whole.end());
            let mut positional: Vec<String> = Vec::new();
            let mut flags: BTreeSet<&str> = BTreeSet::new();
            let mut tokens = args.split_whitespace();
            while let Some(tok) = tokens.next() {
                if ["|", ";", "&&", "||", ">", ">>", "#", "`", "\\", "2>&1"].contains(&tok)
                    || tok.starts_with('#')
                {
                    break;
                }
                if let Some(flag) = FLAGS.iter().find(|f| **f == tok) {
                    flags.insert(flag);
                } else if tok.starts_with("--") {
                    if tok == "--sse" || tok == "--sse-kms-key-id" {
                        flags.insert("--sse");
                    }
                    tokens.next();
                } else {
                    positional.push(tok.trim_matches(['"', '\'']).to_string());
                }
            }
            let bucket = |arg: Option<&String>| -> Option<Option<String>> {
                let rest = arg?.strip_prefix("s3://")?;
                let name = rest.split('/').next().unwrap_or("");
                Some(resolve_shell(name, assigns))
            };
            let src = bucket(positional.first());
            let dst = bucket(positional.get(1));
            let call = format!("aws s3 {verb}");
            let line = lines.line(whole.start());
            let mut add = |action: &str, b: &Option<String>, shape: Shape| {
                let (res, _) = resources(
                    shape,
                    b.clone()
                        .map(|v| Value::Known(vec![v]))
                        .unwrap_or(Value::Unknown),
                    "",
                    assigns,
                );
                for r in res {
                    out.push(grant(action, &r, path, line, &call));
                }
            };
            let recursive = flags.contains("--recursive");
            let mut writes = false;
            let mut reads = false;
            match verb {
                "cp" | "mv" => {
                    if let Some(b) = &src {
                        add("s3:GetObject", b, Shape::S3Object);
                        reads = true;
                        if recursive {
                            add("s3:ListBucket", b, Shape::S3Bucket);
                        }
                        if verb == "mv" {
                            add("s3:DeleteObject", b, Shape::S3Object);
                        }
                    }
                    if let Some(b) = &dst {
                        add("s3:PutObject", b, Shape::S3Object);
                        writes = true;
                    }
                }
                "sync" => {
                    if let Some(b) = &src {
                        add("s3:ListBucket", b, Shape::S3Bucket);
                        add("s3:GetObject", b, Shape::S3Object);
                        reads = true;
                    }
                    if let Some(b) = &dst {
                        add("s3:ListBucket", b, Shape::S3Bucket);
                        add("s3:PutObject", b, Shape::S3Object);
                        writes = true;
                        if flags.contains("--delete") {
                            add("s3:DeleteObject", b, Shape::S3Object);
                        }
                    }
                }
                "ls" => match &src {
                    Some(b) => add("s3:ListBucket", b, Shape::S3Bucket),
                    None => add("s3:ListAllMyBuckets", &None, Shape::Any),
                },
                _ => {
                    if let Some(b) = &src {
                        add("s3:DeleteObject", b, Shape::S3Object);
                        if recursive {
                            add("s3:ListBucket", b, Shape::S3Bucket);
                        }
                    }
                }
            }
            let key = kms_key(None);
            if writes && flags.contains("--sse") {
                out.push(grant("kms:GenerateDataKey", &key, path, line, &call));
                out.push(grant("kms:Decrypt", &key, path, line, &call));
            } else if reads && file_kms {
                out.push(grant("kms:Decrypt", &key, path, line, &call));
            }
        }
    }
}

fn grant(action: &str, resource: &str, path: &str, line: u32, call: &str) -> Grant {
    Grant {
        action: action.to_string(),
        resource: resource.to_string(),
        path: path.to_string(),
        line,
        call: call.to_string(),
    }
}

fn contains_any(lower: &str, words: &[String]) -> bool {
    words
        .iter()
        .any(|w| lower.contains(&w.to_ascii_lowercase()))
}

/// Resolves `$BUCKET` / `${BUCKET}` / a literal bucket in a shell `s3://` URL.
fn resolve_shell(name: &str, assigns: &BTreeMap<String, Option<String>>) -> Option<String> {
    if let Some(var) = name.strip_prefix('$') {
        let var = var.trim_start_matches('{').trim_end_matches('}');
        return assigns
            .get(var)
            .cloned()
            .flatten()
            .filter(|v| valid_bucket(v));
    }
    Some(name.to_string()).filter(|v| valid_bucket(v))
}

fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.as_bytes()[0].is_ascii_alphanumeric()
        && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric()
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 2048
        && n.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_./:@+=,-".contains(&c))
}

/// The KMS key ARN for SSE-KMS grants.
fn kms_key(value: Option<Value>) -> String {
    if let Some(Value::Known(v)) = value {
        let k = &v[0];
        if k.starts_with("arn:aws:kms:") && k.contains(":key/") {
            return k.clone();
        }
        let uuid = k.len() == 36 && k.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-');
        if uuid {
            return format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{k}");
        }
    }
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/REPLACE_ME_KMS_KEY_ID")
}

/// The resource ARNs for `shape` named by `value`, and whether the name was known.
fn resources(
    shape: Shape,
    value: Value,
    window: &str,
    assigns: &BTreeMap<String, Option<String>>,
) -> (Vec<String>, bool) {
    let names: Vec<String> = match value {
        Value::Known(v) => v,
        Value::Nested(inner) => {
            let bucket = find_param(
                &inner,
                &["Bucket".to_string(), "bucket".to_string()],
                assigns,
            );
            match bucket {
                Some(Value::Known(v)) => v,
                _ => Vec::new(),
            }
        }
        Value::Unknown => Vec::new(),
    };
    let mut out = Vec::new();
    let mut known = !names.is_empty();
    let placeholder = |p: &str| vec![p.to_string()];
    let names = if names.is_empty() {
        placeholder("")
    } else {
        names
    };
    for name in names {
        let arn = name.starts_with("arn:");
        let shaped: Vec<String> = match shape {
            Shape::S3Object | Shape::S3Bucket => {
                let b = name
                    .trim_start_matches("s3://")
                    .trim_start_matches("arn:aws:s3:::")
                    .trim_start_matches('/');
                let b = b.split('/').next().unwrap_or("");
                let b = if valid_bucket(b) {
                    b.to_string()
                } else {
                    known = false;
                    "REPLACE_ME_BUCKET".to_string()
                };
                if shape == Shape::S3Object {
                    vec![format!("arn:aws:s3:::{b}/*")]
                } else {
                    vec![format!("arn:aws:s3:::{b}")]
                }
            }
            Shape::DynamodbTable => {
                let table = if arn {
                    name.clone()
                } else if valid_name(&name) {
                    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}")
                } else {
                    known = false;
                    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/REPLACE_ME_TABLE_NAME")
                };
                let lower = window.to_ascii_lowercase();
                if lower.contains("indexname") || lower.contains("index_name") {
                    vec![table.clone(), format!("{table}/index/*")]
                } else {
                    vec![table]
                }
            }
            Shape::SqsQueue => vec![sqs_arn(&name).unwrap_or_else(|| {
                known = false;
                format!("arn:aws:sqs:{REGION}:{ACCOUNT}:REPLACE_ME_QUEUE_NAME")
            })],
            Shape::SnsTopic => vec![if arn {
                name.clone()
            } else if valid_name(&name) && !name.contains(['/', ':']) {
                format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}")
            } else {
                known = false;
                format!("arn:aws:sns:{REGION}:{ACCOUNT}:REPLACE_ME_TOPIC_NAME")
            }],
            Shape::SsmParameter => {
                if arn {
                    vec![name.clone()]
                } else if valid_name(&name) {
                    let p = name.trim_start_matches('/');
                    vec![format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{p}")]
                } else {
                    known = false;
                    vec![format!(
                        "arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/REPLACE_ME_PARAMETER_NAME"
                    )]
                }
            }
            Shape::Secret => vec![if arn {
                name.clone()
            } else if valid_name(&name) {
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-??????")
            } else {
                known = false;
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:REPLACE_ME_SECRET_NAME-??????")
            }],
            Shape::Any => {
                known = true;
                vec!["*".to_string()]
            }
        };
        out.extend(shaped);
    }
    (out, known)
}

/// An SQS queue ARN from a queue URL, ARN or name.
fn sqs_arn(value: &str) -> Option<String> {
    if value.starts_with("arn:aws:sqs:") {
        return Some(value.to_string());
    }
    if let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    {
        let mut parts = rest.split('/');
        let host = parts.next()?;
        let account = parts.next()?;
        let name = parts.next()?;
        let region = host
            .strip_prefix("sqs.")
            .and_then(|h| h.split('.').next())
            .or_else(|| host.split('.').next().filter(|r| r.contains('-')))?;
        let ok =
            account.len() == 12 && account.bytes().all(|c| c.is_ascii_digit()) && valid_name(name);
        return ok.then(|| format!("arn:aws:sqs:{region}:{account}:{name}"));
    }
    (valid_name(value) && !value.contains(['/', ':']))
        .then(|| format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{value}"))
}
