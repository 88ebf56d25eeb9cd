//! Lambda and Rails configuration in YAML, on the shared YAML model ([`crate::fix::yamlcfg`]):
//!
//! - Serverless Framework (`serverless.yml`): the `provider.environment` and function
//!   `environment` entries that hold AWS keys go (an `environment:` left empty goes as a whole);
//!   on Lambda the SDK's default credential chain uses the function's execution role, which the
//!   framework creates and `provider.iam.role.statements` extends.
//! - AWS SAM / CloudFormation templates: the `Environment: Variables:` entries of
//!   `AWS::Serverless::Function` / `AWS::Lambda::Function` resources (and SAM's
//!   `Globals.Function`) that hold keys go; an emptied `Variables` goes, and so does an
//!   `Environment` left without anything else. The function's execution role (`Role`, or SAM
//!   `Policies`) supplies credentials.
//! - Rails Active Storage (`config/storage.yml`): a service's `access_key_id` /
//!   `secret_access_key` / `session_token` lines go when one holds a key, so the S3 client falls
//!   back to the SDK's default chain; `region`, `bucket` and the rest stay. ERB lookups
//!   (`<%= Rails.application.credentials… %>`) are not keys and stay.
//!
//! In every flavour the entries named like AWS credentials beside a key found by the detector go
//! with it (a pair is one credential); full-line comments holding a key go; a key anywhere else
//! leaves the file to a human.

use crate::fix::awsini::{
    apply_edits, drop_flow_entries, has_match, is_credential_name, manual_list,
    role_arn_placeholder, uncovered, without_edits, Edit,
};
use crate::fix::compose::is_compose_path;
use crate::fix::yamlcfg::{parse_yaml, KubernetesRewriter, Node, YamlDoc};
use crate::fix::{FileToFix, Outcome, Rewriter};
use std::ops::Range;

/// The rewriter for `serverless.yml`, SAM/CloudFormation templates and Rails `config/storage.yml`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServerlessRewriter;

/// Which kind of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// Serverless Framework service.
    Serverless,
    /// AWS SAM or CloudFormation template.
    Template,
    /// Rails Active Storage configuration.
    RailsStorage,
}

/// Lambda resource types whose `Environment.Variables` this rewriter cleans.
const FUNCTION_TYPES: &[&str] = &["AWS::Serverless::Function", "AWS::Lambda::Function"];

fn flavor(path: &str, text: &str) -> Option<Flavor> {
    let lower = path.to_ascii_lowercase();
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    let workflow = lower.starts_with(".github/") || lower.contains("/.github/");
    if !yaml || workflow || is_compose_path(path) || KubernetesRewriter.handles(path, text) {
        return None;
    }
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    if lower == "config/storage.yml" || lower.ends_with("/config/storage.yml") {
        return Some(Flavor::RailsStorage);
    }
    if name.starts_with("serverless.") || (top("service:") && top("provider:")) {
        return Some(Flavor::Serverless);
    }
    let template = text.contains("AWSTemplateFormatVersion")
        || text.contains("AWS::Serverless")
        || FUNCTION_TYPES.iter().any(|t| text.contains(t));
    (template && top("Resources:")).then_some(Flavor::Template)
}

impl Rewriter for ServerlessRewriter {
    fn name(&self) -> &'static str {
        "serverless"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        flavor(path, text).is_some()
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let Some(flavor) = flavor(file.path, file.text) else {
            return Outcome::NotHandled;
        };
        let yaml = parse_yaml(file.text);
        let mut plan = Plan {
            file,
            edits: Vec::new(),
            touched: Vec::new(),
        };
        for doc in &yaml.docs {
            match flavor {
                Flavor::Serverless => plan.serverless(doc),
                Flavor::Template => plan.template(doc),
                Flavor::RailsStorage => plan.storage(doc),
            }
        }
        plan.edits.extend(yaml.comment_line_edits(file.matches));
        plan.finish(flavor)
    }
}

/// Whether `name` names an AWS credential setting: the standard variables, and names ending like
/// them (`MY_AWS_SECRET_ACCESS_KEY`, Rails' `access_key_id`).
fn credential_name(name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    let folded = name.trim().to_ascii_uppercase().replace('-', "_");
    is_credential_name(Some(&folded))
        || ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"]
            .iter()
            .any(|s| folded.ends_with(s))
}

struct Plan<'a> {
    file: &'a FileToFix<'a>,
    edits: Vec<Edit>,
    /// What lost its keys (function, service), for the notes.
    touched: Vec<String>,
}

impl Plan<'_> {
    fn text(&self) -> &str {
        self.file.text
    }

    /// Drops the entries of mapping `block` that hold a key, and the entries named like AWS
    /// credentials beside them (unless `keep` says a value is not a key); the caller removes an
    /// emptied block. Returns whether the block is emptied, `None` when nothing holds a key.
    fn cut(&mut self, block: &Node, keep: &dyn Fn(&str) -> bool) -> Option<bool> {
        let matches = self.file.matches;
        let text = self.file.text;
        if let Some(flow) = block.flow.as_ref().filter(|f| f.mapping) {
            let found = flow.entries.iter().any(|e| has_match(matches, &e.range));
            let drop: Vec<usize> = (0..flow.entries.len())
                .filter(|&i| {
                    let e = &flow.entries[i];
                    let value = e.value.clone().map_or("", |v| &text[v]);
                    has_match(matches, &e.range)
                        || (found && credential_name(e.key.as_deref()) && !keep(value))
                })
                .collect();
            if drop.is_empty() {
                return None;
            }
            let emptied = drop.len() == flow.entries.len();
            if !emptied {
                let ranges = flow.ranges();
                self.edits
                    .extend(drop_flow_entries(&flow.range, &ranges, &drop));
            }
            return Some(emptied);
        }
        let found = block.children.iter().any(|c| has_match(matches, &c.span));
        let drop: Vec<&Node> = block
            .children
            .iter()
            .filter(|c| {
                let value = c.value.clone().map_or("", |v| &text[v]);
                has_match(matches, &c.span)
                    || (found && credential_name(c.key.as_deref()) && !keep(value))
            })
            .collect();
        if drop.is_empty() {
            return None;
        }
        let emptied = drop.len() == block.children.len();
        if !emptied {
            self.edits.extend(
                drop.iter()
                    .filter(|d| d.owns_lines())
                    .map(|d| Edit::delete(d.line_span())),
            );
        }
        Some(emptied)
    }

    /// Removes a block whose entries all went: its lines, or, when an anchor may be aliased or
    /// it does not start its line, its entries (leaving `{}`).
    fn remove_block(&mut self, block: &Node) {
        let text = self.file.text;
        let anchor = block
            .value
            .clone()
            .filter(|v| text[v.clone()].starts_with('&'));
        match (block.owns_lines(), anchor, &block.flow) {
            (true, None, _) => self.edits.push(Edit::delete(block.line_span())),
            (_, _, Some(flow)) => self.edits.push(Edit {
                range: flow.range.clone(),
                with: "{}".into(),
            }),
            (_, anchor, None) => {
                self.edits
                    .extend(block.children.iter().map(|c| Edit::delete(c.line_span())));
                if let Some(a) = anchor {
                    self.edits.push(Edit {
                        range: a.clone(),
                        with: format!("{} {{}}", &text[a]),
                    });
                }
            }
        }
    }

    /// `provider.environment` and every function's `environment`.
    fn serverless(&mut self, doc: &YamlDoc) {
        let service = doc
            .get("service")
            .and_then(|s| s.scalar(self.text()))
            .unwrap_or("")
            .to_string();
        if let Some(env) = doc.get("provider").and_then(|p| p.get("environment")) {
            if self.environment(env) {
                self.touched.push(format!("service `{service}` (provider)"));
            }
        }
        let functions: Vec<&Node> = doc
            .get("functions")
            .map(|f| f.children.iter().collect())
            .unwrap_or_default();
        for function in functions {
            if let Some(env) = function.get("environment") {
                if self.environment(env) {
                    let name = function.key.clone().unwrap_or_default();
                    self.touched.push(format!("function `{name}`"));
                }
            }
        }
    }

    /// Cleans one `environment:` mapping; returns whether it removed anything.
    fn environment(&mut self, env: &Node) -> bool {
        match self.cut(env, &|_| false) {
            Some(emptied) => {
                if emptied {
                    self.remove_block(env);
                }
                true
            }
            None => false,
        }
    }

    /// The Lambda functions of a template, and SAM's `Globals.Function`.
    fn template(&mut self, doc: &YamlDoc) {
        let text = self.text();
        let mut functions: Vec<(String, &Node)> = Vec::new();
        if let Some(resources) = doc.get("Resources") {
            for r in &resources.children {
                let kind = r.get("Type").and_then(|t| t.scalar(text)).unwrap_or("");
                if FUNCTION_TYPES.contains(&kind) {
                    if let Some(props) = r.get("Properties") {
                        functions.push((r.key.clone().unwrap_or_default(), props));
                    }
                }
            }
        }
        if let Some(globals) = doc.get("Globals").and_then(|g| g.get("Function")) {
            functions.push(("Globals.Function".into(), globals));
        }
        for (name, props) in functions {
            let Some(environment) = props.get("Environment") else {
                continue;
            };
            let Some(variables) = environment.get("Variables") else {
                continue;
            };
            let Some(emptied) = self.cut(variables, &|_| false) else {
                continue;
            };
            if emptied {
                if environment.children.len() == 1 && environment.value.is_none() {
                    self.remove_block(environment);
                } else {
                    self.remove_block(variables);
                }
            }
            self.touched.push(format!("`{name}`"));
        }
    }

    /// Every Active Storage service (a mapping with credential settings).
    fn storage(&mut self, doc: &YamlDoc) {
        let erb = |v: &str| v.contains("<%");
        for node in doc.all_nodes() {
            let creds = node
                .children
                .iter()
                .any(|c| credential_name(c.key.as_deref()));
            if !creds || node.key.is_none() {
                continue;
            }
            if self.cut_named(node, &erb) {
                self.touched
                    .push(format!("`{}`", node.key.clone().unwrap_or_default()));
            }
        }
    }

    /// Like [`Plan::cut`] for a service mapping, where only credential settings may go (a key in
    /// any other setting is left to a human); returns whether it removed any.
    fn cut_named(&mut self, service: &Node, keep: &dyn Fn(&str) -> bool) -> bool {
        let matches = self.file.matches;
        let text = self.file.text;
        let creds: Vec<&Node> = service
            .children
            .iter()
            .filter(|c| credential_name(c.key.as_deref()))
            .collect();
        if !creds.iter().any(|c| has_match(matches, &c.span)) {
            return false;
        }
        let drop: Vec<&Node> = creds
            .into_iter()
            .filter(|c| {
                let value = c.value.clone().map_or("", |v| &text[v]);
                has_match(matches, &c.span) || !keep(value)
            })
            .collect();
        self.edits.extend(
            drop.iter()
                .filter(|d| d.owns_lines())
                .map(|d| Edit::delete(d.line_span())),
        );
        true
    }

    fn finish(self, flavor: Flavor) -> Outcome {
        let matches = self.file.matches;
        let removed: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(matches, &removed);
        let (what, advice) = match flavor {
            Flavor::Serverless => ("Serverless Framework", "remove the key by hand; on Lambda the function's execution role supplies credentials (`provider.iam.role.statements`)"),
            Flavor::Template => ("SAM/CloudFormation", "remove the key by hand; the function's execution role (`Role` or SAM `Policies`) supplies credentials"),
            Flavor::RailsStorage => ("Rails storage", "remove the key by hand and let the AWS SDK's default credential chain find the instance profile or task role"),
        };
        let manual = manual_list(&left, what, advice);
        if let Some(outcome) = without_edits(&self.edits, &manual) {
            return outcome;
        }
        let arn = role_arn_placeholder(matches);
        let who = self.touched.join(", ");
        let note = match flavor {
            Flavor::Serverless => format!(
                "{who} no longer get static AWS keys from `environment`: on Lambda the SDK's default credential chain uses the function's execution role, which the Serverless Framework creates; grant what the code needs under `provider.iam.role.statements` (or name an existing role, for example {arn}, in `provider.iam.role`), make the code stop passing keys to its clients, and deactivate the removed key."
            ),
            Flavor::Template => format!(
                "Functions {who} no longer get static AWS keys from `Environment.Variables`: Lambda gives the SDK's default credential chain the execution role's credentials; grant what the code needs in the function's `Role` (for example {arn}) or SAM `Policies`, make the code stop passing keys to its clients, and deactivate the removed key."
            ),
            Flavor::RailsStorage => format!(
                "Active Storage services {who} no longer set static keys: the AWS SDK's default credential chain gives the app role credentials (EC2 instance profile, ECS task role, or IRSA on EKS, for example {arn}); grant it access to the bucket and deactivate the removed key."
            ),
        };
        Outcome::Rewritten {
            text: apply_edits(self.file.text, self.edits),
            notes: vec![note],
            manual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_lambda_and_storage_files_but_not_the_other_yaml_rewriters_files() {
        let template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  F:\n    Type: AWS::Lambda::Function\n";
        let serverless = "service: a\nprovider:\n  name: aws\n";
        let k8s = "apiVersion: v1\nkind: Secret\n";
        let yes = [
            ("serverless.yml", ""),
            ("api/serverless.yaml", serverless),
            ("infra/stack.yml", serverless),
            ("template.yaml", template),
            ("config/storage.yml", ""),
            ("app/config/storage.yml", ""),
        ];
        for (path, text) in yes {
            assert!(ServerlessRewriter.handles(path, text), "{path}");
        }
        let no = [
            ("docker-compose.yml", serverless),
            (".github/workflows/serverless.yml", serverless),
            ("k8s/serverless.yaml", k8s),
            ("serverless.json", serverless),
            ("config/database.yml", ""),
            (
                "template.yaml",
                "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
            ),
        ];
        for (path, text) in no {
            assert!(!ServerlessRewriter.handles(path, text), "{path}");
        }
    }
}
