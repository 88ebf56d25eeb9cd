//! Scripts in heredocs (`user_data = <<EOF`, or a heredoc that opens with a shell shebang or
//! `<powershell>`): fixed in the script's own language on the heredoc body's byte range.

use super::{hcl, TfPlan};
use crate::fix::awsini::Edit;
use crate::fix::powershell::PowerShellRewriter;
use crate::fix::shell;
use crate::fix::{FileToFix, Outcome, Rewriter};
use crate::syntax::edit::EditSet;
use crate::syntax::parse::descendants;
use crate::syntax::{guard, parse_ranges, Language, Limits};
use std::ops::Range;

impl TfPlan<'_> {
    /// Fixes the shell scripts in `user_data` heredocs (and heredocs that open with a shell
    /// shebang or `<powershell>`, such as a `locals` entry later passed as user_data) in their own
    /// language: the heredoc's body (from the tree's heredoc template) is parsed in place with the
    /// Bash grammar and planned by the shell rewriter; the patched script must parse as well as
    /// before. `<powershell>` bodies go to the PowerShell rewriter. A heredoc in a part of the
    /// file that does not parse is left alone.
    pub(super) fn user_data_scripts(&mut self) {
        let text = self.file.text;
        let parsed = self.parsed;
        for heredoc in descendants(parsed.root()).filter(|n| n.kind() == "heredoc_template") {
            if self.broken_at(heredoc.start_byte()).is_some() {
                continue;
            }
            let Some(body) = hcl::heredoc_body(text, heredoc) else {
                continue;
            };
            let script = text[body.clone()].trim_start();
            let shebang =
                script.starts_with("#!") && script.lines().next().is_some_and(|l| l.contains("sh"));
            let user_data = hcl::owner_name(parsed, heredoc) == Some("user_data");
            if !user_data && !shebang && !script.starts_with("<powershell>") {
                continue;
            }
            let keys: Vec<Range<usize>> = self
                .file
                .matches
                .iter()
                .filter(|m| body.contains(&m.span.start) && !self.removed(m.span.start))
                .map(|m| m.span.clone())
                .collect();
            if keys.is_empty() {
                continue;
            }
            if text[body.clone()].contains("<powershell>") {
                self.user_data_powershell(body);
                continue;
            }
            let Ok(parsed) = parse_ranges(
                Language::Bash,
                text,
                std::slice::from_ref(&body),
                &Limits::default(),
            ) else {
                continue;
            };
            let out = shell::plan(&parsed, &keys, None);
            let mut set = EditSet::new(text);
            for spot in out.spots {
                set.add(spot);
            }
            let before = &text[body.clone()];
            let check = |after: &str| {
                let grown = after.len() as isize - text.len() as isize;
                let end = (body.end as isize + grown).max(body.start as isize) as usize;
                guard::check(Language::Bash, before, &after[body.start..end])
                    .map_err(|e| e.to_string())
            };
            let applied = guard::settle(&mut set, &check);
            if applied.edits.is_empty() {
                continue;
            }
            for (range, with) in applied.edits {
                self.edits.push(Edit { range, with });
            }
            self.notes.extend(out.notes);
            self.notes.push(
                "the user_data script no longer sets the key: give the instance an instance profile with the role (the AWS CLI and SDKs find it through IMDS); changing user_data replaces the instance (or takes effect on its next launch); deactivate the old key".into(),
            );
        }
    }

    /// A `<powershell>` user_data body goes to the PowerShell rewriter on the body's own text
    /// (matches rebased); its result replaces the body when it fixes every key there and the
    /// new body parses as well as the old one.
    fn user_data_powershell(&mut self, body: Range<usize>) {
        let text = self.file.text;
        let inner = &text[body.clone()];
        let first_line = crate::syntax::parse::line_of(text, body.start).saturating_sub(1);
        let inside: Vec<usize> = (0..self.file.matches.len())
            .filter(|&i| body.contains(&self.file.matches[i].span.start))
            .collect();
        let rebased: Vec<crate::detect::Match> = inside
            .iter()
            .map(|&i| {
                let mut m = self.file.matches[i].clone();
                m.span = m.span.start - body.start..(m.span.end - body.start).min(inner.len());
                m.line = m.line.saturating_sub(first_line);
                m.pair = m.pair.and_then(|p| inside.iter().position(|&j| j == p));
                m
            })
            .collect();
        let file = FileToFix {
            path: "user_data.ps1",
            text: inner,
            matches: &rebased,
        };
        let (new, notes) = match PowerShellRewriter.rewrite(&file) {
            Outcome::Rewritten {
                text,
                notes,
                manual,
            } if manual.is_empty() => (text, notes),
            Outcome::Edits {
                mut edits,
                notes,
                manual,
            } if manual.is_empty() => {
                let check = |after: &str| {
                    guard::check(Language::PowerShell, inner, after).map_err(|e| e.to_string())
                };
                let applied = guard::settle(&mut edits, &check);
                if !applied.rejected.is_empty() {
                    return;
                }
                (applied.text, notes)
            }
            _ => return,
        };
        if new == inner || guard::check(Language::PowerShell, inner, &new).is_err() {
            return;
        }
        self.edits.push(Edit {
            range: body,
            with: new,
        });
        self.notes.extend(notes);
        self.notes.push(
            "the <powershell> user_data script no longer sets the key: give the instance an instance profile with the role (AWS Tools for PowerShell find it through IMDS); changing user_data replaces the instance (or takes effect on its next launch); deactivate the old key".into(),
        );
    }
}
