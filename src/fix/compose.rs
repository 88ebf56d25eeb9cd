//! docker-compose files (`docker-compose.yml`, `docker-compose.*.yml`, `compose.yaml`, …): the
//! `environment:` entries that hold AWS keys go, so the containers fall back to the SDK's default
//! credential chain (the ECS task role, or the EC2 instance profile).
//!
//! - In each service's `environment:` (list form `- AWS_ACCESS_KEY_ID=…`, map form
//!   `AWS_ACCESS_KEY_ID: …`, one-line flow forms, quoted or not) the entries holding a key are
//!   removed, and with them the entries naming the other AWS credential variables of the same
//!   block (a pass-through `- AWS_SECRET_ACCESS_KEY` beside a hardcoded key ID goes too).
//! - An `environment:` left empty goes as a whole; when it carries an anchor (`&env`) that
//!   something may alias, it stays as an empty `{}` / `[]` instead.
//! - Extension fields (`x-aws-env: &aws-env` mappings merged with `<<:`) are cleaned the same way.
//! - Full-line comments holding a key go; every other byte stays (CRLF, anchors, other services).
//!
//! A service that is not AWS — an S3-compatible or emulating image (`minio/minio`,
//! `localstack/localstack`, …), an `*ENDPOINT*` variable pointing outside `amazonaws.com`, or a
//! service that uses such a service by name — holds keys that are not AWS IAM keys: the file is
//! left untouched and every spot reported for a manual fix.

use crate::detect::Match;
use crate::fix::awsini::{
    apply_edits, drop_flow_entries, has_match, is_credential_name, role_arn_placeholder, uncovered,
    without_edits, Edit,
};
use crate::fix::yamlcfg::{parse_yaml, unquote, Node, YamlDoc};
use crate::fix::{FileToFix, ManualFix, Outcome, Rewriter};
use std::ops::Range;

/// The rewriter for docker-compose files.
#[derive(Debug, Default, Clone, Copy)]
pub struct ComposeRewriter;

/// Image name fragments of S3-compatible servers and AWS emulators.
const NON_AWS_IMAGES: &[&str] = &[
    "minio",
    "localstack",
    "motoserver",
    "s3mock",
    "cloudserver",
    "seaweedfs",
    "garage",
];

/// Whether `path` names a docker-compose file.
pub fn is_compose_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    stem == "docker-compose"
        || stem == "compose"
        || stem.starts_with("docker-compose.")
        || stem.starts_with("docker-compose-")
        || stem.starts_with("compose.")
}

impl Rewriter for ComposeRewriter {
    fn name(&self) -> &'static str {
        "docker-compose"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        is_compose_path(path)
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let yaml = parse_yaml(file.text);
        let mut plan = Plan {
            file,
            edits: Vec::new(),
            services: Vec::new(),
            foreign: Vec::new(),
        };
        for doc in &yaml.docs {
            plan.document(doc);
        }
        plan.edits.extend(yaml.comment_line_edits(file.matches));
        plan.finish()
    }
}

/// One variable of an `environment:` block.
struct Entry {
    /// The variable name.
    name: String,
    /// Its value (empty for a pass-through `- NAME`).
    value: String,
    /// The entry's bytes (where a match counts as its own).
    span: Range<usize>,
}

/// How an `environment:` block is written.
enum Form<'n> {
    /// One entry per line (list items or mapping entries).
    Block(Vec<&'n Node>),
    /// A one-line flow collection `{…}` / `[…]` at `value`.
    Flow {
        value: Range<usize>,
        entries: Vec<Range<usize>>,
    },
}

/// The entries of an `environment:` (or extension) block, and how they are written.
fn entries<'n>(text: &str, env: &'n Node) -> Option<(Form<'n>, Vec<Entry>)> {
    if let Some(flow) = &env.flow {
        let list = flow
            .entries
            .iter()
            .map(|e| {
                let value = e.value.clone().map_or("", |v| unquote(&text[v]));
                let (name, value) = match &e.key {
                    Some(k) => (k.clone(), value.to_string()),
                    None => split_assignment(value),
                };
                Entry {
                    name,
                    value,
                    span: e.range.clone(),
                }
            })
            .collect();
        return Some((
            Form::Flow {
                value: flow.range.clone(),
                entries: flow.ranges(),
            },
            list,
        ));
    }
    let nodes: Vec<&Node> = env.children.iter().collect();
    let list = nodes
        .iter()
        .map(|c| {
            let (name, value) = if c.item {
                match (&c.value, c.children.first()) {
                    (Some(v), _) => split_assignment(unquote(&text[v.clone()])),
                    (None, Some(first)) => (
                        first.key.clone().unwrap_or_default(),
                        first.scalar(text).unwrap_or("").to_string(),
                    ),
                    (None, None) => (String::new(), String::new()),
                }
            } else {
                (
                    c.key.clone().unwrap_or_default(),
                    c.scalar(text).unwrap_or("").to_string(),
                )
            };
            Entry {
                name,
                value,
                span: c.span.clone(),
            }
        })
        .collect();
    Some((Form::Block(nodes), list))
}

/// `NAME=value` → (`NAME`, `value`); a bare `NAME` has an empty value.
fn split_assignment(raw: &str) -> (String, String) {
    match raw.split_once('=') {
        Some((n, v)) => (n.trim().to_string(), v.to_string()),
        None => (raw.trim().to_string(), String::new()),
    }
}

/// The services of a compose document (`services:`, or the top-level services of the legacy
/// format).
fn services(doc: &YamlDoc) -> Vec<&Node> {
    if let Some(s) = doc.get("services") {
        return s.children.iter().filter(|c| c.key.is_some()).collect();
    }
    doc.roots
        .iter()
        .filter(|r| {
            r.key.as_deref().is_some_and(|k| !k.starts_with("x-"))
                && ["image", "build", "environment"]
                    .iter()
                    .any(|k| r.get(k).is_some())
        })
        .collect()
}

/// Words of a value (host names, service names): runs of `[A-Za-z0-9_.-]`.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .filter(|w| !w.is_empty())
}

/// A service that holds keys which are not AWS IAM keys, and why.
struct Foreign {
    span: Range<usize>,
    why: String,
}

struct Plan<'a> {
    file: &'a FileToFix<'a>,
    edits: Vec<Edit>,
    /// Services whose keys were removed.
    services: Vec<String>,
    foreign: Vec<Foreign>,
}

impl Plan<'_> {
    fn document(&mut self, doc: &YamlDoc) {
        let text = self.file.text;
        let services = services(doc);
        // Services running an S3-compatible server or an AWS emulator, by every name they answer to.
        let emulators: Vec<(Vec<&str>, &str)> = services
            .iter()
            .filter_map(|s| {
                let image = s.field(text, "image")?;
                let lower = image.to_ascii_lowercase();
                let repo = lower.split(':').next().unwrap_or("");
                NON_AWS_IMAGES.iter().any(|f| repo.contains(f)).then(|| {
                    let mut names = vec![s.key.as_deref().unwrap_or("")];
                    names.extend(s.field(text, "hostname"));
                    names.extend(s.field(text, "container_name"));
                    (names, image)
                })
            })
            .collect();
        for service in services {
            let name = service.key.clone().unwrap_or_default();
            if let Some(why) = self.foreign_reason(service, &name, &emulators) {
                if has_match(self.file.matches, &service.span) {
                    self.foreign.push(Foreign {
                        span: service.span.clone(),
                        why,
                    });
                }
                continue;
            }
            if let Some(env) = service.get("environment") {
                if self.environment(env, false) {
                    self.services.push(name);
                }
            }
        }
        for ext in doc
            .roots
            .iter()
            .filter(|r| r.key.as_deref().is_some_and(|k| k.starts_with("x-")))
        {
            if ext.children.iter().all(|c| c.children.is_empty()) {
                self.environment(ext, true);
            }
            let mut nodes = Vec::new();
            ext.walk(&mut nodes);
            for env in nodes
                .into_iter()
                .filter(|n| n.key.as_deref() == Some("environment"))
            {
                self.environment(env, false);
            }
        }
    }

    /// Why `service` is not AWS, if it is not.
    fn foreign_reason(
        &self,
        service: &Node,
        name: &str,
        emulators: &[(Vec<&str>, &str)],
    ) -> Option<String> {
        let text = self.file.text;
        if let Some((_, image)) = emulators.iter().find(|(n, _)| n.first() == Some(&name)) {
            return Some(format!(
                "service `{name}` runs `{image}`, which is not AWS; its keys are not AWS IAM keys"
            ));
        }
        let env = service
            .get("environment")
            .and_then(|e| entries(text, e))
            .map(|(_, e)| e)
            .unwrap_or_default();
        if let Some(e) = env.iter().find(|e| {
            e.name.to_ascii_lowercase().contains("endpoint")
                && !e.value.trim().is_empty()
                && !e.value.contains("amazonaws.com")
        }) {
            return Some(format!(
                "service `{name}` talks to a non-AWS endpoint ({} = {}); its keys are not AWS IAM keys",
                e.name,
                e.value.trim()
            ));
        }
        let mut used: Vec<&str> = env.iter().flat_map(|e| words(&e.value)).collect();
        for key in ["depends_on", "links"] {
            if let Some(node) = service.get(key) {
                used.extend(words(&text[node.span.clone()]));
            }
        }
        let (names, image) = emulators
            .iter()
            .find(|(names, _)| names.iter().any(|n| used.contains(n)))?;
        Some(format!(
            "service `{name}` uses service `{}` (`{image}`), which is not AWS; its keys are not AWS IAM keys",
            names[0]
        ))
    }

    /// Removes the credential entries of one block; returns whether it removed any. `names_only`
    /// limits the block to entries named like AWS credential variables (extension mappings, which
    /// may hold more than environment variables).
    fn environment(&mut self, env: &Node, names_only: bool) -> bool {
        let text = self.file.text;
        let matches = self.file.matches;
        let Some((form, list)) = entries(text, env) else {
            return false;
        };
        let credential = |e: &Entry| is_credential_name(Some(&e.name));
        let found = list
            .iter()
            .any(|e| has_match(matches, &e.span) && (!names_only || credential(e)));
        let drop: Vec<usize> = (0..list.len())
            .filter(|&i| {
                let e = &list[i];
                found && (credential(e) || (!names_only && has_match(matches, &e.span)))
            })
            .collect();
        if drop.is_empty() {
            return false;
        }
        let emptied = drop.len() == list.len();
        let anchor = env
            .value
            .clone()
            .map(|v| &text[v])
            .filter(|v| v.starts_with('&') || v.starts_with('!'));
        if emptied && env.owns_lines() && (anchor.is_none() || env.key.is_none()) {
            self.edits.push(Edit::delete(env.line_span()));
            return true;
        }
        match form {
            Form::Flow { value, entries } => {
                if emptied {
                    let empty = if text[value.clone()].starts_with('[') {
                        "[]"
                    } else {
                        "{}"
                    };
                    self.edits.push(Edit {
                        range: value,
                        with: empty.into(),
                    });
                } else {
                    self.edits
                        .extend(drop_flow_entries(&value, &entries, &drop));
                }
            }
            Form::Block(nodes) => {
                for &i in &drop {
                    if nodes[i].owns_lines() {
                        self.edits.push(Edit::delete(nodes[i].line_span()));
                    }
                }
                if let (true, Some(v), Some(a)) = (emptied, env.value.clone(), anchor) {
                    let empty = if nodes[0].item { "[]" } else { "{}" };
                    self.edits.push(Edit {
                        range: v,
                        with: format!("{a} {empty}"),
                    });
                }
            }
        }
        true
    }

    fn finish(self) -> Outcome {
        let matches = self.file.matches;
        let removed: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(matches, &removed);
        // Keys of another service (MinIO, LocalStack) keep the whole file as it is; a key the
        // plan cannot reach is left for a human while the rest is fixed.
        if !self.foreign.is_empty() {
            return Outcome::Manual(matches.iter().map(|m| self.manual(m, &left)).collect());
        }
        let manual: Vec<ManualFix> = left.iter().map(|m| self.manual(m, &left)).collect();
        if let Some(outcome) = without_edits(&self.edits, &manual) {
            return outcome;
        }
        let who = if self.services.is_empty() {
            "The containers".to_string()
        } else {
            let names: Vec<String> = self.services.iter().map(|s| format!("`{s}`")).collect();
            format!("Services {}", names.join(", "))
        };
        let note = format!(
            "{who} no longer get static AWS keys from `environment`: the SDK's default credential chain gives them role credentials from the ECS task role (`taskRoleArn` in the task definition, for example {}) or, on EC2, from the instance profile (with IMDSv2 the instance's metadata hop limit must be 2 or more for containers to reach it). Deactivate the removed key.",
            role_arn_placeholder(matches)
        );
        Outcome::Rewritten {
            text: apply_edits(self.file.text, self.edits),
            notes: vec![note],
            manual,
        }
    }

    /// The manual fix for `m` when the file stays as it is.
    fn manual(&self, m: &Match, left: &[&Match]) -> ManualFix {
        let label = m.kind.label();
        let (reason, advice) = match self.foreign.iter().find(|f| f.span.contains(&m.span.start)) {
            Some(f) => (f.why.clone(), "leave them to that service's own secret handling; rolecall does not rewrite them"),
            None if left.iter().any(|l| std::ptr::eq(*l, m)) => (
                format!("a {label} sits where the docker-compose rewriter cannot remove it safely (outside an `environment:` entry)"),
                ENTRY_ADVICE,
            ),
            None => (
                format!("a {label}: the file stays as it is because it also holds keys rolecall cannot or will not remove"),
                ENTRY_ADVICE,
            ),
        };
        ManualFix {
            line: m.line,
            reason,
            advice: advice.into(),
        }
    }
}

/// What to do by hand with a key in a service that is AWS.
const ENTRY_ADVICE: &str = "remove the entry by hand and give the container a role: the ECS task role (`taskRoleArn`) or the EC2 instance profile";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::awsini::props::{build, chunks, line_of, run};
    use proptest::prelude::*;

    /// Runs the rewriter on a template; returns the text, its matches and the outcome.
    fn fix(path: &str, lines: &[&str], seed: u64) -> (String, Outcome) {
        let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let text = build(&lines, seed, "\n");
        let (matches, outcome) = run(&ComposeRewriter, path, &text);
        assert!(!matches.is_empty(), "the fixture holds keys:\n{text}");
        (text, outcome)
    }

    fn rewritten(outcome: Outcome) -> String {
        match outcome {
            Outcome::Rewritten { text, .. } => text,
            other => panic!("not rewritten: {other:?}"),
        }
    }

    #[test]
    fn handles_only_compose_file_names() {
        let yes = "docker-compose.yml deploy/docker-compose.yaml docker-compose.prod.yml docker-compose-dev.yml compose.yaml svc/compose.yml compose.override.yml";
        for path in yes.split(' ') {
            assert!(ComposeRewriter.handles(path, ""), "{path}");
        }
        let no = "config.yml k8s/deployment.yaml .github/workflows/ci.yml docker-compose.json my-compose.yml Dockerfile composer.yml";
        for path in no.split(' ') {
            assert!(!ComposeRewriter.handles(path, ""), "{path}");
        }
    }

    #[test]
    fn flow_forms_lose_their_credential_entries() {
        let (text, outcome) = fix(
            "compose.yml",
            &[
                "services:",
                "  a:",
                "    environment: {AWS_ACCESS_KEY_ID: {AKIA}, MODE: prod, AWS_SECRET_ACCESS_KEY: \"{SECRET}\"}",
                "  b:",
                "    environment: [\"AWS_ACCESS_KEY_ID={AKIA}\", AWS_SECRET_ACCESS_KEY]",
                "    image: b",
            ],
            3,
        );
        let new = rewritten(outcome);
        assert_eq!(
            new, "services:\n  a:\n    environment: {MODE: prod}\n  b:\n    image: b\n",
            "from:\n{text}"
        );
    }

    #[test]
    fn an_anchored_environment_stays_empty_and_extension_fields_are_cleaned() {
        let (_, outcome) = fix(
            "docker-compose.yml",
            &[
                "x-aws: &aws",
                "  AWS_ACCESS_KEY_ID: {AKIA}",
                "  AWS_SECRET_ACCESS_KEY: {SECRET}",
                "  AWS_REGION: eu-west-1",
                "services:",
                "  a:",
                "    environment: &env",
                "      - AWS_SESSION_TOKEN={TOKEN}",
                "  b:",
                "    environment: *env",
                "  c:",
                "    environment:",
                "      <<: *aws",
                "      MODE: prod",
            ],
            4,
        );
        let new = rewritten(outcome);
        assert_eq!(
            new,
            "x-aws: &aws\n  AWS_REGION: eu-west-1\nservices:\n  a:\n    environment: &env []\n  b:\n    environment: *env\n  c:\n    environment:\n      <<: *aws\n      MODE: prod\n"
        );
    }

    /// The manual reasons of an outcome that must leave the file alone.
    fn manual_reasons(outcome: Outcome) -> Vec<String> {
        match outcome {
            Outcome::Manual(m) => m.into_iter().map(|m| m.reason).collect(),
            other => panic!("expected a manual outcome, got {other:?}"),
        }
    }

    #[test]
    fn services_of_non_aws_stores_stay_manual() {
        let (_, by_dependency) = fix(
            "docker-compose.yml",
            &[
                "services:",
                "  objects:",
                "    image: quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z",
                "  app:",
                "    depends_on: [objects]",
                "    environment:",
                "      AWS_ACCESS_KEY_ID: {AKIA}",
                "      AWS_SECRET_ACCESS_KEY: {SECRET}",
            ],
            5,
        );
        let reasons = manual_reasons(by_dependency);
        assert!(
            reasons.iter().all(|r| r.contains("uses service `objects`")),
            "{reasons:?}"
        );
        let (_, by_endpoint) = fix(
            "compose.yaml",
            &[
                "services:",
                "  app:",
                "    environment:",
                "      - AWS_ENDPOINT_URL=http://aws-local:4566",
                "      - AWS_ACCESS_KEY_ID={AKIA}",
            ],
            6,
        );
        let reasons = manual_reasons(by_endpoint);
        assert!(
            reasons[0].contains("non-AWS endpoint (AWS_ENDPOINT_URL = http://aws-local:4566)"),
            "{reasons:?}"
        );
        let (_, by_image) = fix(
            "compose.yaml",
            &[
                "services:",
                "  s3:",
                "    image: localstack/localstack",
                "    environment:",
                "      AWS_ACCESS_KEY_ID: {AKIA}",
                "  app:",
                "    environment:",
                "      AWS_ACCESS_KEY_ID: {AKIA}",
            ],
            7,
        );
        let reasons = manual_reasons(by_image);
        assert!(
            reasons[0].contains("runs `localstack/localstack`"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].contains("also holds keys"),
            "the AWS service waits for the file: {reasons:?}"
        );
    }

    #[test]
    fn a_key_outside_environment_makes_the_file_manual() {
        let (_, outcome) = fix(
            "docker-compose.yml",
            &[
                "services:",
                "  app:",
                "    build:",
                "      args:",
                "        AWS_ACCESS_KEY_ID: {AKIA}",
            ],
            8,
        );
        let reasons = manual_reasons(outcome);
        assert!(
            reasons[0].contains("outside an `environment:` entry"),
            "{reasons:?}"
        );
    }

    // -----------------------------------------------------------------------------------------
    // Properties
    // -----------------------------------------------------------------------------------------

    /// A variable of a generated `environment:` block.
    #[derive(Debug, Clone, Copy)]
    enum Var {
        Key,
        Secret,
        Token,
        PassKey,
        PassSecret,
        Other(usize),
    }

    const OTHERS: &[(&str, &str)] = &[
        ("AWS_REGION", "eu-west-1"),
        ("LOG_LEVEL", "info"),
        ("DATABASE_URL", "postgres://db:5432/app"),
        ("PORT", "8080"),
    ];

    /// The line of `var` (template), and whether it names an AWS credential variable.
    fn var_line(var: Var, list: bool, quoted: bool) -> (String, bool) {
        let (name, value, cred) = match var {
            Var::Key => ("AWS_ACCESS_KEY_ID", Some("{AKIA}"), true),
            Var::Secret => ("AWS_SECRET_ACCESS_KEY", Some("{SECRET}"), true),
            Var::Token => ("AWS_SESSION_TOKEN", Some("{TOKEN}"), true),
            Var::PassKey => ("AWS_ACCESS_KEY_ID", None, true),
            Var::PassSecret => (
                "AWS_SECRET_ACCESS_KEY",
                Some("${AWS_SECRET_ACCESS_KEY}"),
                true,
            ),
            Var::Other(i) => (OTHERS[i].0, Some(OTHERS[i].1), false),
        };
        let q = if quoted { "\"" } else { "" };
        let line = match (list, value) {
            (true, Some(v)) => format!("      - {q}{name}={v}{q}"),
            (true, None) => format!("      - {name}"),
            (false, Some(v)) => format!("      {name}: {q}{v}{q}"),
            (false, None) => format!("      {name}:"),
        };
        (line, cred)
    }

    /// What a generated line is.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Role {
        Fixed,
        /// The `environment:` line, or a comment inside the block.
        Block(usize),
        /// An entry of block `.0`; `.1`: whether it names an AWS credential variable.
        Entry(usize, bool),
    }

    fn var() -> impl Strategy<Value = Var> {
        prop_oneof![
            Just(Var::Key),
            Just(Var::Secret),
            Just(Var::Token),
            Just(Var::PassKey),
            Just(Var::PassSecret),
            (0..OTHERS.len()).prop_map(Var::Other),
        ]
    }

    type Service = (bool, bool, bool, Vec<Var>);

    fn service() -> impl Strategy<Value = Service> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(var(), 0..5),
        )
    }

    /// Builds a compose file from services; returns its line templates and their roles.
    fn compose(services: &[Service]) -> (Vec<String>, Vec<Role>) {
        let mut lines = vec![
            ("# the stack".to_string(), Role::Fixed),
            ("services:".into(), Role::Fixed),
        ];
        for (i, (list, quoted, comment, vars)) in services.iter().enumerate() {
            lines.push((format!("  svc{i}:"), Role::Fixed));
            lines.push((
                format!("    image: registry.example.com/svc{i}:1.0 # pinned"),
                Role::Fixed,
            ));
            if !vars.is_empty() {
                lines.push(("    environment:".into(), Role::Block(i)));
                if *comment {
                    lines.push(("      # settings".into(), Role::Block(i)));
                }
                for v in vars {
                    let (line, cred) = var_line(*v, *list, *quoted);
                    lines.push((line, Role::Entry(i, cred)));
                }
            }
            lines.push(("    restart: unless-stopped".into(), Role::Fixed));
        }
        lines.into_iter().unzip()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn only_credential_entries_and_emptied_environment_keys_change(
            services in prop::collection::vec(service(), 1..5),
            seed: u64,
            crlf: bool,
        ) {
            let (templates, roles) = compose(&services);
            let eol = if crlf { "\r\n" } else { "\n" };
            let (text, _) = chunks(&[templates.join("\n")], seed, eol);
            let (matches, outcome) = run(&ComposeRewriter, "docker-compose.yml", &text);
            let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
            let block_hit = |b: usize| roles.iter().enumerate().any(|(l, r)| hit.contains(&l) && matches!(r, Role::Entry(x, _) if *x == b));
            let emptied = |b: usize| roles.iter().all(|r| !matches!(r, Role::Entry(x, false) if *x == b));
            let expected: String = text
                .split_inclusive('\n')
                .zip(&roles)
                .filter(|(_, role)| match **role {
                    Role::Fixed | Role::Entry(_, false) => true,
                    Role::Entry(b, true) => !block_hit(b),
                    Role::Block(b) => !(block_hit(b) && emptied(b)),
                })
                .map(|(l, _)| l)
                .collect();
            match outcome {
                Outcome::Rewritten { text: new, notes, .. } => {
                    prop_assert_eq!(new, expected);
                    prop_assert!(notes.iter().any(|n| n.contains("taskRoleArn") && n.contains("hop limit")));
                }
                Outcome::NotHandled => prop_assert!(matches.is_empty()),
                Outcome::Manual(m) => prop_assert!(false, "manual: {:?}\n{}", m, text),
                Outcome::Edits { .. } => prop_assert!(false, "the compose rewriter returns text"),
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_compose_rewriter(text in "(?s)([ -~\\n\\t:#'\"{}\\[\\]|>&*=-]|\\PC){0,400}", seed: u64) {
            let (keys, _) = chunks(&["services:\n  a:\n    environment:\n      - AWS_ACCESS_KEY_ID={AKIA}".into()], seed, "\n");
            let _ = run(&ComposeRewriter, "compose.yml", &(keys.clone() + &text));
            let _ = run(&ComposeRewriter, "compose.yml", &(text.clone() + &keys));
            let spliced = format!("services:\n  a:\n    environment:\n{text}\n      AWS_SECRET_ACCESS_KEY: {}", &keys[keys.len() - 21..]);
            let _ = run(&ComposeRewriter, "compose.yml", &spliced);
        }
    }
}
