//! GitHub Actions workflows (`.github/workflows/*.yml`): static AWS keys give way to GitHub's
//! OIDC federation.
//!
//! - `aws-actions/configure-aws-credentials` steps lose `aws-access-key-id` /
//!   `aws-secret-access-key` / `aws-session-token` and get
//!   `role-to-assume: ${{ vars.AWS_ROLE_ARN }}`: a repository variable, so that the workflow stays
//!   valid and no placeholder ARN has to be edited in (issue 11); the notes give the ARN to set.
//! - Hardcoded `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` in `env:` (at
//!   workflow, job or step level) are removed. A job that relied on them and mentions AWS but has
//!   no configure step gets one as its first step.
//! - Every job that now assumes a role can request an OIDC token: `id-token: write` goes into the
//!   job's `permissions` (or the workflow's when only the workflow sets them); a job without any
//!   `permissions` gets `id-token: write` and `contents: read`.
//!
//! The role's trust policy must name `token.actions.githubusercontent.com` with
//! `aud = sts.amazonaws.com` and a `sub` condition for the repository; the notes say so.

use crate::fix::awsini::is_credential_name;
use crate::fix::awsini::{
    apply_edits, has_match, line_ending, manual_list, role_arn_placeholder, uncovered,
    without_edits, Edit,
};
use crate::fix::yamlcfg::{parse_yaml, Node, YamlDoc};
use crate::fix::{FileToFix, ManualFix, Outcome, Rewriter};
use std::ops::Range;

/// The action that exchanges credentials for the job.
const CONFIGURE_ACTION: &str = "aws-actions/configure-aws-credentials";
/// Where the role's ARN comes from: a repository (or organisation) variable.
const ROLE_VARIABLE: &str = "${{ vars.AWS_ROLE_ARN }}";
/// Its inputs that carry static credentials.
const KEY_INPUTS: &[&str] = &[
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
];

/// The rewriter for GitHub Actions workflows.
#[derive(Debug, Default, Clone, Copy)]
pub struct GithubActionsRewriter;

impl Rewriter for GithubActionsRewriter {
    fn name(&self) -> &'static str {
        "github-actions"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        let workflow =
            path.starts_with(".github/workflows/") || path.contains("/.github/workflows/");
        workflow && (path.ends_with(".yml") || path.ends_with(".yaml"))
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let yaml = parse_yaml(file.text);
        let Some(doc) = yaml.docs.iter().find(|d| d.get("jobs").is_some()) else {
            return Outcome::NotHandled;
        };
        let mut plan = Plan {
            file,
            doc,
            arn: ROLE_VARIABLE.to_string(),
            ..Plan::default_for(file, doc)
        };
        let workflow_removed = plan.env_edits(doc.get("env"));
        let jobs: Vec<&Node> = doc
            .get("jobs")
            .map(|j| j.children.iter().collect())
            .unwrap_or_default();
        for job in jobs {
            plan.job(job, &workflow_removed);
        }
        plan.edits.extend(yaml.comment_line_edits(file.matches));
        let covered: Vec<Range<usize>> = plan.edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(file.matches, &covered);
        let mut manual = std::mem::take(&mut plan.manual);
        manual.extend(manual_list(&left, "GitHub Actions", "remove the key by hand and use `aws-actions/configure-aws-credentials` with `role-to-assume` (OIDC)"));
        if let Some(outcome) = without_edits(&plan.edits, &manual) {
            return outcome;
        }
        let mut notes = plan.notes;
        if !plan.oidc_jobs.is_empty() {
            notes.push(format!(
                "jobs {} now assume the role named by the repository variable `AWS_ROLE_ARN` by OIDC: create the role ({}) with a trust policy for `token.actions.githubusercontent.com` (`aud` = `sts.amazonaws.com`, and a `sub` condition naming this repository), set `AWS_ROLE_ARN` to its ARN (`gh variable set AWS_ROLE_ARN`), then deactivate the old key",
                plan.oidc_jobs.join(", "),
                role_arn_placeholder(file.matches)
            ));
        }
        Outcome::Rewritten {
            text: apply_edits(file.text, plan.edits),
            notes,
            manual,
        }
    }
}

struct Plan<'a> {
    file: &'a FileToFix<'a>,
    doc: &'a YamlDoc,
    arn: String,
    eol: &'static str,
    edits: Vec<Edit>,
    notes: Vec<String>,
    manual: Vec<ManualFix>,
    oidc_jobs: Vec<String>,
}

impl<'a> Plan<'a> {
    fn default_for(file: &'a FileToFix<'a>, doc: &'a YamlDoc) -> Plan<'a> {
        Plan {
            file,
            doc,
            arn: String::new(),
            eol: line_ending(file.text),
            edits: Vec::new(),
            notes: Vec::new(),
            manual: Vec::new(),
            oidc_jobs: Vec::new(),
        }
    }

    fn text(&self) -> &'a str {
        self.file.text
    }

    /// Removes the credential entries of an `env:` mapping that hold a key (or sit next to one);
    /// returns the names removed.
    fn env_edits(&mut self, env: Option<&Node>) -> Vec<String> {
        let Some(env) = env else { return Vec::new() };
        let found = env
            .children
            .iter()
            .any(|c| has_match(self.file.matches, &c.span));
        let drop: Vec<&Node> = env
            .children
            .iter()
            .filter(|c| {
                has_match(self.file.matches, &c.span)
                    || (found && is_credential_name(c.key.as_deref()))
            })
            .collect();
        if drop.is_empty() {
            return Vec::new();
        }
        if drop.len() == env.children.len() && env.owns_lines() {
            self.edits.push(Edit::delete(env.line_span()));
        } else {
            self.edits
                .extend(drop.iter().map(|d| Edit::delete(d.line_span())));
        }
        drop.iter().filter_map(|d| d.key.clone()).collect()
    }

    fn job(&mut self, job: &Node, workflow_removed: &[String]) {
        let mut removed: Vec<String> = workflow_removed.to_vec();
        removed.extend(self.env_edits(job.get("env")));
        let steps: Vec<&Node> = job
            .get("steps")
            .map(|s| s.children.iter().filter(|c| c.item).collect())
            .unwrap_or_default();
        let mut step_removed = Vec::new();
        for step in &steps {
            step_removed.extend(self.env_edits(step.get("env")));
        }
        let mut configured = false;
        let mut assumes = false;
        for step in &steps {
            let uses = step.field(self.text(), "uses").unwrap_or("");
            if uses.starts_with(CONFIGURE_ACTION) {
                configured = true;
                assumes |= self.configure_step(step, &removed);
            }
        }
        let lost_keys = !removed.is_empty() || !step_removed.is_empty();
        let mentions_aws = self.text()[job.span.clone()]
            .to_ascii_lowercase()
            .contains("aws");
        if lost_keys && !configured && mentions_aws && !steps.is_empty() {
            self.add_configure_step(steps[0], job);
            assumes = true;
        }
        if assumes {
            self.oidc_jobs
                .push(format!("`{}`", job.key.clone().unwrap_or_default()));
            self.permissions(job);
        }
    }

    /// Rewrites a configure-aws-credentials step whose key inputs hold a key or refer to a removed
    /// `env` variable; returns whether it now assumes a role.
    fn configure_step(&mut self, step: &Node, removed_env: &[String]) -> bool {
        let Some(with) = step.get("with") else {
            return false;
        };
        let inputs: Vec<&Node> = with
            .children
            .iter()
            .filter(|c| KEY_INPUTS.contains(&c.key.as_deref().unwrap_or("")))
            .collect();
        let text = self.text();
        let refers_to_removed = |n: &Node| {
            removed_env
                .iter()
                .any(|name| text[n.span.clone()].contains(&format!("env.{name}")))
        };
        if !inputs
            .iter()
            .any(|n| has_match(self.file.matches, &n.span) || refers_to_removed(n))
        {
            return false;
        }
        self.edits
            .extend(inputs.iter().map(|n| Edit::delete(n.line_span())));
        if with.get("role-to-assume").is_none() {
            let first = inputs[0];
            let indent = " ".repeat(first.col);
            let at = first.line_span().start;
            self.edits.push(Edit::insert(
                at,
                format!("{indent}role-to-assume: {}{}", self.arn, self.eol),
            ));
        }
        true
    }

    /// Inserts a configure-aws-credentials step before `first` (the job's first step).
    fn add_configure_step(&mut self, first: &Node, job: &Node) {
        let text = self.text();
        let dash = " ".repeat(first.col);
        let body = first.children.first().map_or(first.col + 2, |c| c.col);
        let inner = " ".repeat(body);
        let nested = " ".repeat(body + (body - first.col).max(2));
        let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find(|r| {
                text[job.span.clone()].contains(*r)
                    || self.doc.get("env").and_then(|e| e.get(r)).is_some()
            })
            .map_or("<AWS_REGION>".to_string(), |r| {
                format!("${{{{ env.{r} }}}}")
            });
        let eol = self.eol;
        let step = format!(
            "{dash}- name: Configure AWS credentials (OIDC){eol}{inner}uses: {CONFIGURE_ACTION}@v4{eol}{inner}with:{eol}{nested}role-to-assume: {}{eol}{nested}aws-region: {region}{eol}",
            self.arn
        );
        self.edits.push(Edit::insert(first.line_span().start, step));
        if region.starts_with('<') {
            self.manual.push(ManualFix {
                line: line_number(text, first.span.start),
                reason: "the added configure-aws-credentials step needs the job's AWS region"
                    .into(),
                advice: "replace <AWS_REGION> with the region the job works in".into(),
            });
        }
    }

    /// Grants `id-token: write` to the job (see the module docs for where).
    fn permissions(&mut self, job: &Node) {
        let text = self.text();
        let perms = job
            .get("permissions")
            .or_else(|| self.doc.get("permissions"));
        match perms {
            Some(p) if !p.children.is_empty() => match p.get("id-token") {
                Some(id) if id.scalar(text) == Some("write") => {}
                Some(id) => self.edits.push(Edit { range: id.value.clone().unwrap_or(id.span.clone()), with: "write".into() }),
                None => {
                    let last = p.children.last().expect("non-empty");
                    let line = format!("{}id-token: write{}", " ".repeat(last.col), self.eol);
                    self.edits.push(Edit::insert(last.line_span().end, line));
                }
            },
            Some(p) if p.scalar(text) == Some("write-all") => {}
            Some(p) => self.manual.push(ManualFix {
                line: line_number(text, p.span.start),
                reason: "the job's `permissions` are not a mapping rolecall can extend".into(),
                advice: "grant `id-token: write` (and `contents: read`) so the job can request an OIDC token".into(),
            }),
            None => {
                let Some(first) = job.children.first() else { return };
                let unit = first.col.saturating_sub(job.col).max(2);
                let (outer, inner, eol) = (" ".repeat(first.col), " ".repeat(first.col + unit), self.eol);
                let block = format!("{outer}permissions:{eol}{inner}id-token: write{eol}{inner}contents: read{eol}");
                self.edits.push(Edit::insert(first.line_span().start, block));
                self.notes.push(format!(
                    "job `{}` now sets its own `permissions` (id-token: write, contents: read); add any other scope it needs",
                    job.key.clone().unwrap_or_default()
                ));
            }
        }
    }
}

fn line_number(text: &str, offset: usize) -> u32 {
    text[..offset].bytes().filter(|b| *b == b'\n').count() as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
    use proptest::prelude::*;

    const HEADS: &[&str] = &[
        "on: push\njobs:",
        "on: push\npermissions:\n  contents: read\njobs:",
        "on: push\nenv:\n  AWS_ACCESS_KEY_ID: {AKIA}\n  AWS_SECRET_ACCESS_KEY: {SECRET}\n  AWS_REGION: us-east-1\njobs:",
    ];
    const JOBS: &[&str] = &[
        "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: {AKIA}\n          aws-secret-access-key: {SECRET}\n          aws-region: eu-west-1",
        "  sync:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: read\n    env:\n      AWS_SESSION_TOKEN: {TOKEN}\n    steps:\n    - run: aws s3 ls",
        "  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make lint # {AKIA}",
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4",
    ];

    fn job() -> impl Strategy<Value = String> {
        prop_oneof![4 => prop::sample::select(JOBS).prop_map(String::from), 1 => "    ([ -~]|\\PC){0,30}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn workflow_rewrites_stay_in_jobs_with_a_finding(head in prop::sample::select(HEADS), jobs in prop::collection::vec(job(), 1..5), seed: u64, crlf: bool) {
            let mut parts = vec![head.to_string()];
            parts.extend(jobs);
            let (text, ranges) = chunks(&parts, seed, if crlf { "\r\n" } else { "\n" });
            let path = ".github/workflows/ci.yml";
            let (matches, outcome) = run(&GithubActionsRewriter, path, &text);
            if let Outcome::Rewritten { text: new, .. } = outcome {
                let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
                let top_hit = hit.iter().any(|h| ranges[0].contains(h));
                let allowed: Vec<Range<usize>> = ranges
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| *i == 0 || top_hit || hit.iter().any(|h| r.contains(h)))
                    .map(|(_, r)| r.clone())
                    .collect();
                assert_within(path, &text, &new, &allowed);
                prop_assert!(!new.contains("aws-access-key-id"));
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_workflow_rewriter(text in "(?s)([ -~\\n:#'\"{}\\[\\]|>-]|\\PC){0,400}", seed: u64) {
            let (keys, _) = chunks(&["jobs:\n  a:\n    env:\n      AWS_ACCESS_KEY_ID: {AKIA}".into()], seed, "\n");
            let _ = run(&GithubActionsRewriter, ".github/workflows/a.yml", &(keys.clone() + &text));
            let _ = run(&GithubActionsRewriter, ".github/workflows/a.yml", &(text + &keys));
        }
    }
}
