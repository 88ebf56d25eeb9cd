//! Terraform (`*.tf`, `*.tfvars`): the AWS provider and the S3 backend lose their static credentials.
//!
//! - `provider "aws"` blocks lose `access_key`, `secret_key` and `token` when they hold a key or
//!   refer to a variable or local that does; `region`, `assume_role` and everything else stay.
//! - A `variable` whose `default` holds a key (a string, or an object of keys) goes as a whole
//!   when nothing else uses it; otherwise only its `default` goes. A `locals` entry holding a key
//!   goes when unused.
//! - `terraform { backend "s3" { … } }` blocks lose the same arguments.
//! - A `provider "aws"` whose `endpoints` point at LocalStack, MinIO or localhost stays untouched
//!   (its keys are an emulator's).
//! - Heredocs holding a script (`user_data = <<EOF`, or a heredoc that opens with a shell shebang
//!   or `<powershell>`) are fixed in the script's own language: the body is parsed in place with
//!   the Bash grammar and planned by [`super::shell`], or handed to the PowerShell rewriter;
//!   the script must parse as well as before. A heredoc is never removed whole.
//! - In `*.tfvars`, assignments holding a key go.
//! - Full-line and trailing comments holding a key go (in a block comment, only its key lines).
//!
//! On the syntax layer's HCL grammar (tree-sitter-hcl): blocks, attributes, expressions,
//! `var.` / `local.` references, heredoc templates and comments come from the tree (`hcl.rs`),
//! and every edit is a byte range of the original text taken from a node (a removed item takes
//! its whole lines). A top-level block the tree could not read cleanly (an `ERROR` or `MISSING`
//! node in it) is never edited: a key there is left for a human with the error's line. Any key
//! no edit covers (one in a resource's arguments, a block written on one line) is listed as
//! manual, and the file's other spots are still fixed. Attribute groups whose `=` were aligned (as
//! `terraform fmt` writes them) are re-aligned after a removal so the file stays `fmt`-clean
//! (`layout.rs`).

mod hcl;
mod layout;
mod scripts;
#[cfg(test)]
mod tests;

use crate::fix::awsini::{
    apply_edits, has_match, split_lines, uncovered, without_edits, Edit, Line,
};
use crate::fix::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::{parse, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// Provider arguments that carry static credentials.
const CREDENTIAL_ARGS: &[&str] = &["access_key", "secret_key", "token"];

/// What to do with a key rolecall leaves in place.
const ADVICE: &str = "remove the key by hand; the AWS provider finds role credentials by itself (instance profile, task role, OIDC)";

/// The rewriter for Terraform configurations and variable files.
#[derive(Debug, Default, Clone, Copy)]
pub struct TerraformRewriter;

impl Rewriter for TerraformRewriter {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn handles(&self, path: &str, _text: &str) -> bool {
        path.ends_with(".tf") || path.ends_with(".tfvars")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let parsed = match parse(Language::Hcl, file.text) {
            Ok(parsed) => parsed,
            Err(e) => {
                let reason = format!("the Terraform file was not parsed as HCL: {e}");
                return Outcome::Manual(ManualFix::each(file.matches, &reason, ADVICE));
            }
        };
        if let Some(host) = local_endpoint(&parsed) {
            return Outcome::Manual(ManualFix::each(
                file.matches,
                &format!("the AWS provider talks to a non-AWS endpoint ({host}); these keys are not AWS IAM keys"),
                "leave them: LocalStack and other emulators take any key; rolecall does not rewrite them",
            ));
        }
        let lines = split_lines(file.text);
        let mut plan = TfPlan {
            file,
            parsed: &parsed,
            lines: &lines,
            broken: hcl::broken(&parsed),
            edits: Vec::new(),
            notes: Vec::new(),
        };
        let items: Vec<Node<'_>> = hcl::items(parsed.root())
            .into_iter()
            .filter(|n| !n.has_error())
            .collect();
        if file.path.ends_with(".tfvars") {
            plan.tfvars(&items);
        } else {
            plan.configuration(&items);
        }
        plan.comments();
        plan.user_data_scripts();
        plan.finish()
    }
}

/// The non-AWS host (LocalStack, MinIO, localhost) an `endpoints { … }` block of a
/// `provider "aws"` points at, if any.
fn local_endpoint(parsed: &Parsed<'_>) -> Option<String> {
    hcl::items(parsed.root())
        .into_iter()
        .filter(|&it| hcl::is_block(parsed, it, &["provider", "aws"]))
        .flat_map(hcl::items)
        .filter(|&it| hcl::is_block(parsed, it, &["endpoints"]))
        .find_map(|it| {
            let one_line = parsed.text_of(it).replace(['\n', '\r'], " ");
            crate::fix::non_aws_endpoint(&one_line)
        })
}

/// One file's plan: the tree, and the edits and notes gathered so far.
struct TfPlan<'a> {
    /// The file and its keys.
    file: &'a FileToFix<'a>,
    /// Its HCL tree.
    parsed: &'a Parsed<'a>,
    /// Its lines.
    lines: &'a [Line],
    /// The parts of the file the tree could not read (never edited), with their error's line.
    broken: Vec<(Range<usize>, u32)>,
    /// Edits on the original text.
    edits: Vec<Edit>,
    /// Notes for the user.
    notes: Vec<String>,
}

impl<'a> TfPlan<'a> {
    /// The outcome: the edited text with every key not covered by an edit left for a human (a
    /// key in a part of the file that does not parse says so).
    fn finish(self) -> Outcome {
        let covered: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        let manual: Vec<ManualFix> = uncovered(self.file.matches, &covered)
            .into_iter()
            .map(|m| ManualFix {
                line: m.line,
                reason: match self.broken_at(m.span.start) {
                    Some(line) => format!(
                        "the HCL around this key does not parse (a syntax error on line {line}); rolecall edits no block it cannot read"
                    ),
                    None => format!(
                        "a {} sits where the Terraform rewriter cannot remove it safely",
                        m.kind.label()
                    ),
                },
                advice: ADVICE.to_string(),
            })
            .collect();
        if let Some(outcome) = without_edits(&self.edits, &manual) {
            return outcome;
        }
        // (The framework adds the "fixed in part" note when `manual` is not empty.)
        Outcome::Rewritten {
            text: apply_edits(self.file.text, self.edits),
            notes: self.notes,
            manual,
        }
    }

    /// The line of the syntax error of the broken part holding `offset`, if it is in one.
    fn broken_at(&self, offset: usize) -> Option<u32> {
        self.broken
            .iter()
            .find(|(range, _)| range.contains(&offset))
            .map(|(_, line)| *line)
    }

    /// The 0-based line of `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|l| l.next <= offset)
            .min(self.lines.len().saturating_sub(1))
    }

    /// The whole lines an item occupies, when nothing but blanks (and a trailing comment) share
    /// them.
    fn own_lines(&self, item: Node<'_>) -> Option<Range<usize>> {
        let text = self.file.text;
        let bytes = item.byte_range();
        let first = self.lines[self.line_of(bytes.start)];
        let last = self.lines[self.line_of(bytes.end.saturating_sub(1))];
        let before = text[first.start..bytes.start].trim().is_empty();
        let after = text.get(bytes.end..last.end).unwrap_or("").trim_start();
        let after_ok = after.is_empty() || after.starts_with('#') || after.starts_with("//");
        (before && after_ok).then_some(first.start..last.next)
    }

    /// Removes an item with its lines; whether it could.
    fn remove(&mut self, item: Node<'_>) -> bool {
        match self.own_lines(item) {
            Some(range) => {
                self.edits.push(Edit::delete(range));
                true
            }
            None => false,
        }
    }

    /// Removes a top-level block, and one blank line after it when a blank line precedes it, so
    /// that no run of blank lines is left behind.
    fn remove_block(&mut self, block: Node<'_>) {
        let Some(range) = self.own_lines(block) else {
            return;
        };
        let text = self.file.text;
        let blank = |l: &Line| text[l.start..l.end].trim().is_empty();
        let first = self.line_of(range.start);
        let after = self
            .lines
            .get(self.line_of(range.end.saturating_sub(1)) + 1)
            .filter(|l| blank(l));
        let before_blank = first == 0 || blank(&self.lines[first - 1]);
        let end = match after {
            Some(next) if before_blank && next.start == range.end => next.next,
            _ => range.end,
        };
        self.edits.push(Edit::delete(range.start..end));
    }

    /// Whether an edit already covers `offset`.
    fn removed(&self, offset: usize) -> bool {
        self.edits.iter().any(|e| e.range.contains(&offset))
    }

    /// The uses of `kind.name` (`var.x`, `local.y`) that stay: references in the tree outside
    /// removed parts, plus every mention in the text of a part that does not parse.
    fn uses(&self, kind: &str, name: &str) -> usize {
        let text = self.file.text;
        let in_tree = hcl::references(self.parsed, self.parsed.root())
            .into_iter()
            .filter(|r| r.kind == kind && r.name == name)
            .filter(|r| !self.removed(r.at) && self.broken_at(r.at).is_none())
            .count();
        let in_broken: usize = self
            .broken
            .iter()
            .map(|(range, _)| mentions(&text[range.clone()], kind, name))
            .sum();
        in_tree + in_broken
    }

    /// Plans a configuration (`*.tf`): backends, providers, then the variables and locals that
    /// held keys.
    fn configuration(&mut self, items: &[Node<'a>]) {
        let parsed = self.parsed;
        let matches = self.file.matches;
        let keyed_vars: Vec<(&str, Node<'a>, Node<'a>)> = items
            .iter()
            .filter_map(|&it| {
                let words = hcl::words(parsed, it);
                if it.kind() != "block" || words.len() != 2 || words[0] != "variable" {
                    return None;
                }
                let default = hcl::items(it)
                    .into_iter()
                    .find(|&a| hcl::is_attribute(parsed, a, "default"))?;
                has_match(matches, &default.byte_range()).then_some((words[1], it, default))
            })
            .collect();
        let keyed_locals: Vec<(&str, Node<'a>)> = items
            .iter()
            .filter(|&&it| hcl::is_block(parsed, it, &["locals"]))
            .flat_map(|&it| hcl::items(it))
            .filter_map(|a| {
                let name = hcl::attribute_name(parsed, a)?;
                // a heredoc (a script, a policy) is more than a key: it is fixed inside
                (has_match(matches, &a.byte_range()) && !hcl::holds_heredoc(a)).then_some((name, a))
            })
            .collect();
        let holds_key = |node: Node<'_>| {
            hcl::references(parsed, node).iter().any(|r| match r.kind {
                "var" => keyed_vars.iter().any(|(n, _, _)| *n == r.name),
                _ => keyed_locals.iter().any(|(n, _)| *n == r.name),
            })
        };
        let backends: Vec<Node<'a>> = items
            .iter()
            .filter(|&&it| hcl::is_block(parsed, it, &["terraform"]))
            .flat_map(|&it| hcl::items(it))
            .filter(|&it| hcl::is_block(parsed, it, &["backend", "s3"]))
            .collect();
        for backend in backends {
            if self.strip_credentials(&hcl::items(backend), &holds_key) {
                self.notes.push(
                    "backend \"s3\" now reads the state with the default credential chain: give the role that runs Terraform access to the state bucket (and its lock table), or set `assume_role` in the backend; deactivate the old key".into(),
                );
            }
        }
        for &provider in items
            .iter()
            .filter(|&&it| hcl::is_block(parsed, it, &["provider", "aws"]))
        {
            if self.strip_credentials(&hcl::items(provider), &holds_key) {
                self.notes.push(
                    "provider \"aws\" now uses the default credential chain: run Terraform where a role is available (instance profile, ECS task role, GitHub OIDC) or use `assume_role`; deactivate the old key".into(),
                );
            }
        }
        for (name, block, default) in keyed_vars.iter().copied() {
            if self.uses("var", name) == 0 {
                self.remove_block(block);
            } else if self.remove(default) {
                let body = hcl::items(block);
                let k = body.iter().position(|&a| a == default).unwrap_or(0);
                self.realign(&body, &[k]);
                self.notes.push(format!(
                    "variable \"{name}\" lost its default (a key) but is still used: give it a value from a secret store, or better, drop those uses"
                ));
            }
        }
        for &block in items
            .iter()
            .filter(|&&it| hcl::is_block(parsed, it, &["locals"]))
        {
            let body = hcl::items(block);
            let gone: Vec<usize> = (0..body.len())
                .filter(|&k| {
                    let keyed = keyed_locals.iter().find(|(_, a)| *a == body[k]);
                    keyed.is_some_and(|&(name, attr)| {
                        self.uses("local", name) == 0 && self.remove(attr)
                    })
                })
                .collect();
            self.realign(&body, &gone);
        }
    }

    /// Plans a variable file (`*.tfvars`): assignments holding a key go.
    fn tfvars(&mut self, items: &[Node<'a>]) {
        for &attr in items {
            let Some(name) = hcl::attribute_name(self.parsed, attr) else {
                continue;
            };
            if has_match(self.file.matches, &attr.byte_range()) && self.remove(attr) {
                self.notes.push(format!(
                    "`{name}` is no longer set here: remove the provider arguments (and variable) that used it, or Terraform will ask for it"
                ));
            }
        }
    }

    /// Removes the credential arguments of a `provider "aws"` or `backend "s3"` body that hold a
    /// key (or refer to a keyed variable or local); whether any went.
    fn strip_credentials(
        &mut self,
        body: &[Node<'a>],
        holds_key: &dyn Fn(Node<'_>) -> bool,
    ) -> bool {
        let mut gone = Vec::new();
        for (k, &attr) in body.iter().enumerate() {
            let Some(name) = hcl::attribute_name(self.parsed, attr) else {
                continue;
            };
            let keyed = has_match(self.file.matches, &attr.byte_range()) || holds_key(attr);
            if CREDENTIAL_ARGS.contains(&name) && keyed && self.remove(attr) {
                gone.push(k);
            }
        }
        if !gone.is_empty() {
            self.realign(body, &gone);
        }
        !gone.is_empty()
    }
}

/// How often `text` mentions `kind.name` (`var.x`, `local.y`) as a whole name.
fn mentions(text: &str, kind: &str, name: &str) -> usize {
    let needle = format!("{kind}.{name}");
    text.match_indices(&needle)
        .filter(|(at, _)| {
            let end = at + needle.len();
            ends_name(at.checked_sub(1).and_then(|p| text.as_bytes().get(p)))
                && ends_name(text.as_bytes().get(end))
        })
        .count()
}

/// Whether the byte next to a name (or the lack of one) ends it.
fn ends_name(b: Option<&u8>) -> bool {
    b.map_or(true, |b| {
        !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    })
}
