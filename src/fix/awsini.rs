//! AWS shared config and credentials files (`~/.aws/credentials`, `~/.aws/config`, and copies
//! of them anywhere in a repository: `credentials`, `aws_config`, `*.ini`, …).
//!
//! A profile that carries `aws_access_key_id` / `aws_secret_access_key` / `aws_session_token`
//! loses those lines; a profile that held nothing else goes whole. A profile without static
//! keys gets its credentials from the rest of the default chain (the ECS task role, the EC2
//! instance profile, IRSA), so nothing has to be filled in by hand. A profile that chained from
//! a removed one (`source_profile = default`) now takes `credential_source` instead (def-use):
//! `EcsContainer` when the file's path names a container setting (a path segment containing
//! `ecs`, `fargate`, `docker` or `container`), otherwise `Ec2InstanceMetadata`. `Environment` is
//! never chosen: it would just move static keys into environment variables.
//!
//! INI has no grammar in the syntax layer: a small line parser finds sections and entries, and
//! the edits go through the same [`EditSet`] (one overlap rule) as every other rewriter.
//!
//! This module also holds the small text-editing helpers that the other infrastructure
//! rewriters (Kubernetes YAML, Terraform, ECS JSON, GitHub Actions) share.

use crate::detect::Match;
use crate::finding::Kind;
use crate::fix::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{lines::tidy_blank_lines, EditSet, SpotEdits};
use std::ops::Range;

/// Profile keys that hold static credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// The rewriter for AWS INI files.
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsIniRewriter;

impl Rewriter for AwsIniRewriter {
    fn name(&self) -> &'static str {
        "aws-ini"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e);
        let ini_name = matches!(
            ext,
            None | Some("ini" | "cfg" | "conf" | "config" | "credentials")
        ) || name.starts_with("credentials")
            || name.starts_with("config");
        let has_section = text
            .lines()
            .any(|l| l.trim_start().starts_with('[') && l.trim_end().ends_with(']'));
        let lower = text.to_ascii_lowercase();
        ini_name && has_section && CREDENTIAL_KEYS.iter().any(|k| lower.contains(k))
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let ini = IniFile::parse(file.text);
        let source = credential_source(file.path);
        let mut edits = EditSet::new(file.text);
        let mut notes: Vec<String> = Vec::new();
        let mut manual = Vec::new();
        for m in file.matches {
            let mut spot = SpotEdits::new(m.span.clone());
            match ini.plan(file.text, &m.span, source, &mut spot, &mut notes) {
                Ok(()) => edits.add(spot),
                Err(reason) => manual.push(ManualFix {
                    line: m.line,
                    reason,
                    advice: "remove the key by hand; a profile without static keys takes its credentials from the default chain (instance profile, task role)".into(),
                }),
            }
        }
        if edits.is_empty() && manual.is_empty() {
            return Outcome::NotHandled;
        }
        if !edits.is_empty() {
            notes.push(format!(
                "deactivate the old key; where the profile is used, give the {} a role with the permissions the key had",
                if source == "EcsContainer" { "ECS task" } else { "EC2 instance profile" }
            ));
        }
        Outcome::Edits {
            edits,
            notes,
            manual,
        }
    }
}

/// `EcsContainer` for paths that name a container setting, else `Ec2InstanceMetadata`.
fn credential_source(path: &str) -> &'static str {
    let lower = path.to_ascii_lowercase();
    let container = lower.split('/').any(|seg| {
        ["ecs", "fargate", "docker", "container"]
            .iter()
            .any(|w| seg.contains(w))
    });
    if container {
        "EcsContainer"
    } else {
        "Ec2InstanceMetadata"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IniKind {
    Blank,
    Comment,
    Header,
    Key,
    Continuation,
}

#[derive(Debug, Clone, Copy)]
struct IniLine {
    line: Line,
    kind: IniKind,
}

/// A `key = value` entry with its continuation lines.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    /// Line indices of the entry (key line plus continuations).
    lines: Range<usize>,
    /// What stood between key and value (` = `, `=`, `: `).
    separator: String,
}

#[derive(Debug, Clone)]
struct Section {
    name: String,
    /// Line index of the `[header]`.
    header: usize,
    entries: Vec<Entry>,
}

struct IniFile {
    lines: Vec<IniLine>,
    sections: Vec<Section>,
}

impl IniFile {
    fn parse(text: &str) -> IniFile {
        let mut lines = Vec::new();
        let mut sections: Vec<Section> = Vec::new();
        for (i, line) in split_lines(text).into_iter().enumerate() {
            let content = &text[line.start..line.end];
            let trimmed = content.trim();
            let indented = content.starts_with([' ', '\t']);
            let after_key = lines
                .last()
                .is_some_and(|l: &IniLine| matches!(l.kind, IniKind::Key | IniKind::Continuation));
            let kind = if trimmed.is_empty() {
                IniKind::Blank
            } else if trimmed.starts_with('#') || trimmed.starts_with(';') {
                IniKind::Comment
            } else if indented && after_key {
                IniKind::Continuation
            } else if trimmed.starts_with('[') && trimmed.ends_with(']') {
                let name = trimmed[1..trimmed.len() - 1].trim();
                let name = name.strip_prefix("profile ").unwrap_or(name).trim();
                sections.push(Section {
                    name: name.to_string(),
                    header: i,
                    entries: Vec::new(),
                });
                IniKind::Header
            } else {
                if let (Some(section), Some((key, separator))) =
                    (sections.last_mut(), split_entry(content))
                {
                    section.entries.push(Entry {
                        key,
                        lines: i..i + 1,
                        separator,
                    });
                }
                IniKind::Key
            };
            if kind == IniKind::Continuation {
                if let Some(entry) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
                    if entry.lines.end == i {
                        entry.lines.end = i + 1;
                    }
                }
            }
            lines.push(IniLine { line, kind });
        }
        IniFile { lines, sections }
    }

    fn span(&self, lines: &Range<usize>) -> Range<usize> {
        self.lines[lines.start].line.start..self.lines[lines.end - 1].line.next
    }

    /// The byte span of a whole profile: its header through its last entry.
    fn section_span(&self, section: &Section) -> Range<usize> {
        let last = section
            .entries
            .last()
            .map_or(section.header + 1, |e| e.lines.end);
        self.span(&(section.header..last))
    }

    /// The section whose lines hold `at`, if any.
    fn section_at(&self, at: usize) -> Option<&Section> {
        let line = self.lines.iter().position(|l| at < l.line.next)?;
        self.sections
            .iter()
            .rev()
            .find(|s| s.header <= line)
            .filter(|s| s.header < line)
    }

    /// Plans the removal of the key at `key`.
    fn plan(
        &self,
        text: &str,
        key: &Range<usize>,
        source: &str,
        spot: &mut SpotEdits,
        notes: &mut Vec<String>,
    ) -> Result<(), String> {
        let line = self
            .lines
            .iter()
            .find(|l| key.start < l.line.next)
            .ok_or("the key is past the end of the file")?;
        if line.kind == IniKind::Comment {
            spot.delete(line.line.whole(), "a comment line that shows a key");
            return Ok(());
        }
        let section = self
            .section_at(key.start)
            .ok_or("the key stands outside any profile")?;
        let entry = section
            .entries
            .iter()
            .find(|e| self.span(&e.lines).contains(&key.start))
            .ok_or("the key is not a `key = value` entry of its profile")?;
        if !CREDENTIAL_KEYS.contains(&entry.key.as_str()) {
            return Err(format!(
                "the key is the value of `{}`, not of a credential setting",
                entry.key
            ));
        }
        let keys_only = section
            .entries
            .iter()
            .all(|e| CREDENTIAL_KEYS.contains(&e.key.as_str()));
        let note = if keys_only {
            let span = tidy_blank_lines(text, self.section_span(section));
            spot.delete(span, "a profile that held nothing but static keys");
            format!(
                "profile `{}` held nothing but static keys and is gone: the default chain finds the role of the place the code runs",
                section.name
            )
        } else {
            for e in &section.entries {
                if CREDENTIAL_KEYS.contains(&e.key.as_str()) {
                    spot.delete(self.span(&e.lines), "a static credential of the profile");
                }
            }
            format!(
                "profile `{}` lost its static keys and keeps its other settings: the default chain finds the role of the place the code runs",
                section.name
            )
        };
        push_once(notes, note);
        self.rechain(text, section, source, spot, notes);
        Ok(())
    }

    /// Profiles that chained from `from` (`source_profile = from`) take `credential_source`.
    fn rechain(
        &self,
        text: &str,
        from: &Section,
        source: &str,
        spot: &mut SpotEdits,
        notes: &mut Vec<String>,
    ) {
        for s in &self.sections {
            for e in s.entries.iter().filter(|e| e.key == "source_profile") {
                let line = self.lines[e.lines.start].line;
                let content = &text[line.start..line.end];
                let value = content[content.find(['=', ':']).map_or(0, |i| i + 1)..].trim();
                if value != from.name || e.lines.len() != 1 {
                    continue;
                }
                let indent = &content[..content.len() - content.trim_start().len()];
                let with = format!("{indent}credential_source{}{source}", e.separator);
                spot.replace(
                    line.start..line.end,
                    &with,
                    "a profile that chained from a removed one",
                );
                push_once(
                    notes,
                    format!(
                        "profile `{}` chained from `{}` and now assumes its role with `credential_source = {source}`",
                        s.name, from.name
                    ),
                );
            }
        }
    }
}

fn push_once(notes: &mut Vec<String>, note: String) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

/// Splits `key = value` / `key: value`: the lower-cased key and the separator as written.
fn split_entry(content: &str) -> Option<(String, String)> {
    let at = content.find(['=', ':'])?;
    let key = content[..at].trim_end();
    if key.is_empty() {
        return None;
    }
    let after = &content[at + 1..];
    let value_at = at + 1 + (after.len() - after.trim_start().len());
    Some((
        key.trim().to_ascii_lowercase(),
        content[key.len()..value_at].to_string(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Shared text-editing helpers
// ---------------------------------------------------------------------------------------------

/// One edit of the original text: the bytes in `range` become `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    /// Byte range in the original text.
    pub range: Range<usize>,
    /// Replacement text.
    pub with: String,
}

impl Edit {
    /// Deletes `range`.
    pub fn delete(range: Range<usize>) -> Edit {
        Edit {
            range,
            with: String::new(),
        }
    }

    /// Inserts `with` at `at`.
    pub fn insert(at: usize, with: String) -> Edit {
        Edit {
            range: at..at,
            with,
        }
    }
}

/// Applies edits to `text`. Edits are sorted by position (insertions before a deletion at the
/// same point, larger deletions first); an edit inside one already applied is dropped (a line
/// inside a block that is removed as a whole), and insertions at one point keep their order.
pub(crate) fn apply_edits(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| {
        (
            e.range.start,
            !e.range.is_empty(),
            std::cmp::Reverse(e.range.end),
        )
    });
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        if edit.range.start < at {
            // Covered by an earlier, larger deletion.
            continue;
        }
        out.push_str(&text[at..edit.range.start]);
        out.push_str(&edit.with);
        at = edit.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A line of a text: `start..end` is its content (without the line ending), `next` is where the
/// following line starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the content (before `\r\n` or `\n`).
    pub end: usize,
    /// Byte offset of the next line (past the line ending).
    pub next: usize,
}

impl Line {
    /// The whole line including its ending.
    pub fn whole(&self) -> Range<usize> {
        self.start..self.next
    }
}

/// Splits `text` into lines (a final line without a newline counts; an empty text has none).
pub(crate) fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    while start < bytes.len() {
        let nl = memchr::memchr(b'\n', &bytes[start..]).map(|i| start + i);
        let next = nl.map(|i| i + 1).unwrap_or(bytes.len());
        let mut end = nl.unwrap_or(bytes.len());
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        lines.push(Line { start, end, next });
        start = next;
    }
    lines
}

/// The line ending a file uses (`\r\n` when its first line ends so).
pub(crate) fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Whether any match lies (at least partly) in `range`.
pub(crate) fn has_match(matches: &[Match], range: &Range<usize>) -> bool {
    matches
        .iter()
        .any(|m| m.span.start < range.end && range.start < m.span.end)
}

/// The matches that no removed range covers.
pub(crate) fn uncovered<'m>(matches: &'m [Match], removed: &[Range<usize>]) -> Vec<&'m Match> {
    matches
        .iter()
        .filter(|m| {
            !removed
                .iter()
                .any(|r| r.start <= m.span.start && m.span.end <= r.end)
        })
        .collect()
}

/// The IAM role ARN written where a role must be named: the account comes from the removed key
/// ID when it decodes to one (current key format), the role name is always a placeholder.
pub(crate) fn role_arn_placeholder(matches: &[Match]) -> String {
    let account = matches
        .iter()
        .filter(|m| m.kind == Kind::AccessKeyId)
        .find_map(|m| m.key.as_ref().and_then(|k| k.account_id.clone()))
        .unwrap_or_else(|| "<ACCOUNT_ID>".to_string());
    format!("arn:aws:iam::{account}:role/<ROLE_NAME>")
}

/// The spots of `left` (keys no edit of the `what` rewriter covers) for a human.
pub(crate) fn manual_list(left: &[&Match], what: &str, advice: &str) -> Vec<ManualFix> {
    left.iter()
        .map(|m| ManualFix {
            line: m.line,
            reason: format!(
                "a {} sits where the {what} rewriter cannot remove it safely",
                m.kind.label()
            ),
            advice: advice.to_string(),
        })
        .collect()
}

/// What a plan of whole-line edits leaves when it has none: nothing to do, or only spots for a
/// human. `None` when there are edits (the file is rewritten, fixed in part when `manual` is
/// not empty).
pub(crate) fn without_edits(edits: &[Edit], manual: &[ManualFix]) -> Option<Outcome> {
    match (edits.is_empty(), manual.is_empty()) {
        (false, _) => None,
        (true, true) => Some(Outcome::NotHandled),
        (true, false) => Some(Outcome::Manual(manual.to_vec())),
    }
}

/// Environment variable names that hold AWS credentials.
pub(crate) const AWS_CREDENTIAL_ENV: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// Whether a key or variable name is one of the AWS credential variables (any case, `-` or `_`).
pub(crate) fn is_credential_name(name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    let folded = name.trim().to_ascii_uppercase().replace('-', "_");
    AWS_CREDENTIAL_ENV.contains(&folded.as_str())
}

/// Edits that remove the flow-mapping entries `drop` (indices into `entries`) from the mapping
/// `{…}` at `range`, keeping the separators of the others as they were.
pub(crate) fn drop_flow_entries(
    range: &Range<usize>,
    entries: &[Range<usize>],
    drop: &[usize],
) -> Vec<Edit> {
    if drop.len() == entries.len() {
        return vec![Edit {
            range: range.clone(),
            with: "{}".into(),
        }];
    }
    let kept_after = |i: usize| (i + 1..entries.len()).find(|j| !drop.contains(j));
    drop.iter()
        .map(|&i| match kept_after(i) {
            // Up to the next kept entry: removes this entry and its comma.
            Some(next) => Edit::delete(entries[i].start..entries[next].start),
            // The last kept entries come before: remove from the previous entry's end.
            None => Edit::delete(entries[i - 1].end..entries[i].end),
        })
        .collect()
}

/// Shared support for the property tests of the infrastructure rewriters.
#[cfg(test)]
pub(crate) mod props {
    use crate::detect::{Detector, Match};
    use crate::fix::{unified_diff, FileToFix, Outcome, Rewriter};
    use std::sync::OnceLock;

    fn detector() -> &'static Detector {
        static DETECTOR: OnceLock<Detector> = OnceLock::new();
        DETECTOR.get_or_init(Detector::builtin)
    }

    /// Builds a text from line templates (`{AKIA}`, `{SECRET}`, `{TOKEN}` become generated keys)
    /// joined by `eol`.
    pub fn build(lines: &[String], seed: u64, eol: &str) -> String {
        let mut keys = crate::fake::FakeKeys::new(seed);
        lines.iter().map(|l| keys.expand(l) + eol).collect()
    }

    /// Runs `rewriter` on `text` the way `fix_text` does; returns the matches and the outcome.
    pub fn run(rewriter: &dyn Rewriter, path: &str, text: &str) -> (Vec<Match>, Outcome) {
        let matches: Vec<Match> = detector()
            .scan(text.as_bytes())
            .matches
            .into_iter()
            .filter(|m| !m.inline_allowed)
            .collect();
        if matches.is_empty() || !rewriter.handles(path, text) {
            return (matches, Outcome::NotHandled);
        }
        let outcome = rewriter.rewrite(&FileToFix {
            path,
            text,
            matches: &matches,
        });
        (matches, outcome)
    }

    /// 0-based indices of the original lines that the rewrite changed or removed (from the
    /// unified diff rolecall emits).
    pub fn changed_lines(path: &str, old: &str, new: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut line = 0usize;
        for l in unified_diff(path, old, new).lines() {
            if let Some(hunk) = l.strip_prefix("@@ -") {
                let start: usize = hunk
                    .split([',', ' '])
                    .next()
                    .unwrap_or("1")
                    .parse()
                    .unwrap_or(1);
                line = start.saturating_sub(1);
            } else if l.starts_with("---")
                || l.starts_with("+++")
                || l.starts_with('+')
                || l.starts_with('\\')
            {
                continue;
            } else if l.starts_with('-') {
                out.push(line);
                line += 1;
            } else if l.starts_with(' ') {
                line += 1;
            }
        }
        out
    }

    /// 0-based line of a byte offset.
    pub fn line_of(text: &str, offset: usize) -> usize {
        text[..offset.min(text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
    }

    /// Asserts that every changed line lies in one of the `allowed` line ranges.
    pub fn assert_within(path: &str, text: &str, new: &str, allowed: &[std::ops::Range<usize>]) {
        for changed in changed_lines(path, text, new) {
            assert!(
                allowed.iter().any(|r| r.contains(&changed)),
                "line {changed} changed outside the statements and blocks with a finding:\n{text}\n=>\n{new}"
            );
        }
    }

    /// Joins chunks of lines (templates expanded) and returns the text with each chunk's line
    /// range.
    pub fn chunks(parts: &[String], seed: u64, eol: &str) -> (String, Vec<std::ops::Range<usize>>) {
        let mut keys = crate::fake::FakeKeys::new(seed);
        let (mut text, mut ranges, mut line) = (String::new(), Vec::new(), 0);
        for part in parts {
            let expanded = keys.expand(part);
            let n = expanded.split('\n').count();
            for l in expanded.split('\n') {
                text.push_str(l);
                text.push_str(eol);
            }
            ranges.push(line..line + n);
            line += n;
        }
        (text, ranges)
    }

    /// Asserts that every changed line lies in a scope (0-based line range) that holds a match.
    pub fn assert_scoped(
        path: &str,
        text: &str,
        new: &str,
        matches: &[Match],
        scopes: &[std::ops::Range<usize>],
    ) {
        let hit: Vec<usize> = matches
            .iter()
            .map(|m| line_of(text, m.span.start))
            .collect();
        for changed in changed_lines(path, text, new) {
            let ok = scopes
                .iter()
                .any(|s| s.contains(&changed) && hit.iter().any(|h| s.contains(h)));
            assert!(
                ok || hit.contains(&changed),
                "line {changed} changed outside any scope with a finding:\n{text}\n=>\n{new}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::props::{assert_scoped, build, run};
    use super::*;
    use proptest::prelude::*;

    fn ini_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("[default]".to_string()),
            Just("[profile ci]".to_string()),
            Just("region = eu-west-1".to_string()),
            Just("aws_access_key_id = {AKIA}".to_string()),
            Just("aws_secret_access_key={SECRET}".to_string()),
            Just("aws_session_token = {TOKEN}".to_string()),
            Just("role_arn = arn:aws:iam::210987654321:role/x".to_string()),
            Just("source_profile = default".to_string()),
            Just("s3 =".to_string()),
            Just("  max_concurrent_requests = 4".to_string()),
            Just("# old key {AKIA}".to_string()),
            Just(String::new()),
            "[ -~]{0,30}",
        ]
    }

    /// Sections of an INI text as line ranges (the lines before the first header are one too).
    fn sections(text: &str) -> Vec<Range<usize>> {
        let headers: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with('['))
            .map(|(i, _)| i)
            .collect();
        let mut bounds = vec![0];
        bounds.extend(headers);
        bounds.push(text.lines().count() + 1);
        bounds.windows(2).map(|w| w[0]..w[1]).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn ini_rewrites_stay_in_sections_with_a_finding(lines in prop::collection::vec(ini_line(), 0..16), seed: u64, crlf: bool) {
            // A line diff cannot tell which of two identical headers a removed profile had, so
            // a repeated header would blame the wrong section; profiles are named once here.
            let headers: Vec<&String> = lines.iter().filter(|l| l.starts_with('[')).collect();
            let distinct: std::collections::HashSet<&&String> = headers.iter().collect();
            prop_assume!(distinct.len() == headers.len());
            let text = build(&lines, seed, if crlf { "\r\n" } else { "\n" });
            let (matches, outcome) = run(&AwsIniRewriter, ".aws/credentials", &text);
            if let Outcome::Edits { edits, manual, .. } = outcome {
                let new = edits.apply().text;
                // a profile may rechain: `source_profile` lines change in other sections
                let scopes: Vec<Range<usize>> = if new.contains("credential_source") { std::iter::once(0..usize::MAX).collect() } else { sections(&text) };
                assert_scoped(".aws/credentials", &text, &new, &matches, &scopes);
                if manual.is_empty() {
                    prop_assert!(!new.contains("aws_access_key_id"), "{}", new);
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_ini_rewriter(text in "(?s).{0,400}", seed: u64) {
            let text = text + &build(&["aws_access_key_id = {AKIA}".into()], seed, "\n");
            let _ = run(&AwsIniRewriter, "credentials", &text);
        }
    }

    #[test]
    fn credential_source_follows_the_path() {
        assert_eq!(credential_source("deploy/ecs/aws/config"), "EcsContainer");
        assert_eq!(credential_source("docker/credentials"), "EcsContainer");
        assert_eq!(
            credential_source("ops/aws/credentials"),
            "Ec2InstanceMetadata"
        );
    }

    #[test]
    fn edits_apply_in_order_and_nested_deletions_fold() {
        let text = "abcdef";
        let edits = vec![
            Edit::delete(1..3),
            Edit::insert(0, "X".into()),
            Edit::delete(0..4),
            Edit::delete(5..6),
        ];
        assert_eq!(apply_edits(text, edits), "Xe");
        let inside = vec![
            Edit::delete(0..4),
            Edit::insert(2, "lost".into()),
            Edit::insert(4, "Y".into()),
        ];
        assert_eq!(apply_edits(text, inside), "Yef");
    }
}
