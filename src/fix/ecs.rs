//! ECS task definitions (JSON): `containerDefinitions[].environment[]` entries that carry AWS
//! keys are removed, and the task definition gets a `taskRoleArn` (a clearly marked placeholder
//! ARN) when it has none. The task role, never `executionRoleArn`, is what the containers' SDKs
//! see: the execution role only pulls images and writes logs.
//!
//! Editing goes through a small span-keeping JSON parser, so the file keeps its indentation,
//! key order and every byte that is not part of a removed entry.

use crate::fix::awsini::{
    apply_edits, has_match, is_credential_name, manual_for, role_arn_placeholder, uncovered, Edit,
};
use crate::fix::{FileToFix, Outcome, Rewriter};
use std::ops::Range;

/// Nesting deeper than this is not a task definition; the parser gives up.
const MAX_DEPTH: usize = 64;

/// The rewriter for ECS task definition JSON files.
#[derive(Debug, Default, Clone, Copy)]
pub struct EcsTaskDefinitionRewriter;

impl Rewriter for EcsTaskDefinitionRewriter {
    fn name(&self) -> &'static str {
        "ecs-task-definition"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        path.ends_with(".json") && text.contains("\"containerDefinitions\"")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let Some(root) = parse_json(file.text) else {
            return Outcome::NotHandled;
        };
        let arn = role_arn_placeholder(file.matches);
        let mut edits = Vec::new();
        let mut notes = Vec::new();
        for task in task_definitions(file.text, &root) {
            let removed = environment_edits(file, task);
            if removed.is_empty() {
                continue;
            }
            edits.extend(removed);
            let family = task
                .member(file.text, "family")
                .map(|m| file.text[m.value.span.clone()].to_string());
            let family = family.unwrap_or_else(|| "\"(no family)\"".into());
            match task_role_edit(file.text, task, &arn) {
                Some(edit) => {
                    edits.push(edit);
                    notes.push(format!(
                        "task definition {family}: the containers now use the task role {arn}; create it with the trust principal `ecs-tasks.amazonaws.com` (not the execution role) and deactivate the old key"
                    ));
                }
                None => notes.push(format!(
                    "task definition {family}: the containers now use its existing taskRoleArn; make sure that role allows what the removed key allowed"
                )),
            }
        }
        let covered: Vec<Range<usize>> = edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(file.matches, &covered);
        if !left.is_empty() {
            return manual_for(&left, "ECS task definition", "remove the key by hand and set `taskRoleArn` to a role trusted by `ecs-tasks.amazonaws.com`");
        }
        if edits.is_empty() {
            return Outcome::NotHandled;
        }
        Outcome::Rewritten {
            text: apply_edits(file.text, edits),
            notes,
            manual: Vec::new(),
        }
    }
}

/// Edits removing the AWS key entries of every container's `environment`.
fn environment_edits(file: &FileToFix<'_>, task: &JValue) -> Vec<Edit> {
    let mut edits = Vec::new();
    let Some(containers) = task.member(file.text, "containerDefinitions") else {
        return edits;
    };
    for container in containers.value.items() {
        let Some(env) = container.member(file.text, "environment") else {
            continue;
        };
        let items = env.value.items();
        let found = items.iter().any(|i| has_match(file.matches, &i.span));
        let drop: Vec<bool> = items
            .iter()
            .map(|item| {
                let name = item
                    .member(file.text, "name")
                    .and_then(|n| n.value.string(file.text));
                has_match(file.matches, &item.span) || (found && is_credential_name(name))
            })
            .collect();
        if drop.iter().any(|d| *d) {
            let spans: Vec<Range<usize>> = items.iter().map(|i| i.span.clone()).collect();
            edits.extend(remove_items(&env.value.span, &spans, &drop));
        }
    }
    edits
}

/// The edit adding `"taskRoleArn"` when the task definition has none (or an empty one): after
/// `"family"` when it has followers, otherwise before the first member.
fn task_role_edit(text: &str, task: &JValue, arn: &str) -> Option<Edit> {
    let JKind::Object(members) = &task.kind else {
        return None;
    };
    if let Some(role) = task.member(text, "taskRoleArn") {
        let empty =
            matches!(role.value.string(text), Some("")) || &text[role.value.span.clone()] == "null";
        return empty.then(|| Edit {
            range: role.value.span.clone(),
            with: format!("\"{arn}\""),
        });
    }
    let first = members.first()?;
    let colon = &text[first.key.end..first.value.span.start];
    let family = members
        .iter()
        .position(|m| &text[m.key.clone()] == "\"family\"");
    if let Some(next) = family.and_then(|f| members.get(f + 1).map(|n| (f, n))) {
        let (f, next) = next;
        let between = &text[members[f].value.span.end..next.key.start];
        let gap = between.replacen(',', "", 1);
        return Some(Edit::insert(
            members[f].value.span.end,
            format!(",{gap}\"taskRoleArn\"{colon}\"{arn}\""),
        ));
    }
    let gap = &text[task.span.start + 1..first.key.start];
    Some(Edit::insert(
        first.key.start,
        format!("\"taskRoleArn\"{colon}\"{arn}\",{gap}"),
    ))
}

/// The objects that directly hold `containerDefinitions` (the file's root, or a wrapper such as
/// `describe-task-definition`'s `taskDefinition`).
fn task_definitions<'v>(text: &str, root: &'v JValue) -> Vec<&'v JValue> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        match &v.kind {
            JKind::Object(members) => {
                if v.member(text, "containerDefinitions").is_some() {
                    out.push(v);
                } else {
                    stack.extend(members.iter().map(|m| &m.value));
                }
            }
            JKind::Array(items) => stack.extend(items.iter()),
            JKind::Scalar => {}
        }
    }
    out
}

/// Edits that remove the items marked in `drop` from an array or object whose brackets span
/// `container`, keeping the separators and line layout of the others: a removed run before a
/// kept item is cut up to that item; a run at the end is cut from the previous item's end (which
/// takes its comma). When everything goes, the brackets are left empty.
pub(crate) fn remove_items(
    container: &Range<usize>,
    items: &[Range<usize>],
    drop: &[bool],
) -> Vec<Edit> {
    if drop.iter().all(|d| *d) {
        return vec![Edit::delete(container.start + 1..container.end - 1)];
    }
    let mut edits = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if !drop[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < items.len() && drop[j] {
            j += 1;
        }
        if j < items.len() {
            edits.push(Edit::delete(items[i].start..items[j].start));
        } else {
            edits.push(Edit::delete(items[i - 1].end..items[j - 1].end));
        }
        i = j;
    }
    edits
}

/// A JSON value with its byte span.
#[derive(Debug, Clone)]
pub(crate) struct JValue {
    /// The value's bytes (a string's span includes its quotes).
    pub span: Range<usize>,
    /// What it is.
    pub kind: JKind,
}

/// What a JSON value is.
#[derive(Debug, Clone)]
pub(crate) enum JKind {
    /// An object's members.
    Object(Vec<Member>),
    /// An array's items.
    Array(Vec<JValue>),
    /// A string, number, boolean or null.
    Scalar,
}

/// An object member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The key's bytes, with quotes.
    pub key: Range<usize>,
    /// The value.
    pub value: JValue,
}

impl JValue {
    /// The member `key` of an object (compared on the raw key without escapes).
    pub fn member(&self, text: &str, key: &str) -> Option<&Member> {
        match &self.kind {
            JKind::Object(members) => members
                .iter()
                .find(|m| &text[m.key.start + 1..m.key.end - 1] == key),
            _ => None,
        }
    }

    /// An array's items (empty for anything else).
    pub fn items(&self) -> &[JValue] {
        match &self.kind {
            JKind::Array(items) => items,
            _ => &[],
        }
    }

    /// A string's raw contents (without quotes, escapes left as written).
    pub fn string<'t>(&self, text: &'t str) -> Option<&'t str> {
        let raw = &text[self.span.clone()];
        (raw.len() >= 2 && raw.starts_with('"')).then(|| &raw[1..raw.len() - 1])
    }
}

/// Parses a JSON document; `None` when it is not valid JSON (or nests too deep).
pub(crate) fn parse_json(text: &str) -> Option<JValue> {
    let mut p = JsonParser {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = p.value(0)?;
    p.skip_ws();
    (p.at == p.bytes.len()).then_some(value)
}

struct JsonParser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl JsonParser<'_> {
    fn skip_ws(&mut self) {
        while self.at < self.bytes.len()
            && matches!(self.bytes[self.at], b' ' | b'\t' | b'\r' | b'\n')
        {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        let hit = self.bytes.get(self.at) == Some(&b);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn value(&mut self, depth: usize) -> Option<JValue> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let start = self.at;
        let kind = match *self.bytes.get(self.at)? {
            b'{' => JKind::Object(self.object(depth)?),
            b'[' => JKind::Array(self.array(depth)?),
            b'"' => {
                self.string()?;
                JKind::Scalar
            }
            _ => {
                while self.at < self.bytes.len()
                    && !matches!(
                        self.bytes[self.at],
                        b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n'
                    )
                {
                    self.at += 1;
                }
                let word = &self.bytes[start..self.at];
                let number = word
                    .first()
                    .is_some_and(|b| b.is_ascii_digit() || *b == b'-')
                    && word.iter().all(|b| {
                        b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                    });
                if !(number || word == b"true" || word == b"false" || word == b"null") {
                    return None;
                }
                JKind::Scalar
            }
        };
        Some(JValue {
            span: start..self.at,
            kind,
        })
    }

    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.at;
        self.at += 1;
        while self.at < self.bytes.len() {
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(start..self.at);
                }
                b'\\' => self.at += 2,
                b'\n' => return None,
                _ => self.at += 1,
            }
        }
        None
    }

    fn object(&mut self, depth: usize) -> Option<Vec<Member>> {
        self.at += 1;
        let mut members = Vec::new();
        if self.eat(b'}') {
            return Some(members);
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.at) != Some(&b'"') {
                return None;
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            let value = self.value(depth + 1)?;
            members.push(Member { key, value });
            if self.eat(b'}') {
                return Some(members);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Vec<JValue>> {
        self.at += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Some(items);
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.eat(b']') {
                return Some(items);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
    use proptest::prelude::*;

    const ENV: &[&str] = &[
        "        { \"name\": \"AWS_ACCESS_KEY_ID\", \"value\": \"{AKIA}\" }",
        "        { \"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"{SECRET}\" }",
        "        {\n          \"name\": \"AWS_SESSION_TOKEN\",\n          \"value\": \"{TOKEN}\"\n        }",
        "        { \"name\": \"MODE\", \"value\": \"prod\" }",
    ];

    /// A task definition whose containers' environments are drawn from `ENV`, with line ranges
    /// of each environment array.
    fn task(envs: &[Vec<&str>], role: bool) -> Vec<String> {
        let mut parts = vec![format!(
            "{{\n  \"family\": \"app\",{}\n  \"containerDefinitions\": [",
            if role {
                "\n  \"taskRoleArn\": \"\","
            } else {
                ""
            }
        )];
        for (i, env) in envs.iter().enumerate() {
            let comma = if i + 1 < envs.len() { "," } else { "" };
            parts.push(format!("    {{\n      \"name\": \"c{i}\",\n      \"environment\": [\n{}\n      ]\n    }}{comma}", env.join(",\n")));
        }
        parts.push("  ]\n}".into());
        parts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn ecs_rewrites_stay_in_environments_with_a_finding(envs in prop::collection::vec(prop::collection::vec(prop::sample::select(ENV), 1..4), 1..4), role: bool, seed: u64) {
            let parts = task(&envs, role);
            let (text, ranges) = chunks(&parts, seed, "\n");
            prop_assert!(parse_json(&text).is_some(), "{}", text);
            let (matches, outcome) = run(&EcsTaskDefinitionRewriter, "task.json", &text);
            if let Outcome::Rewritten { text: new, .. } = outcome {
                prop_assert!(parse_json(&new).is_some(), "{}", new);
                prop_assert!(new.contains("\"taskRoleArn\": \"arn:aws:iam::"), "{}", new);
                let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
                let mut allowed: Vec<Range<usize>> = ranges[1..ranges.len() - 1]
                    .iter()
                    .filter(|r| hit.iter().any(|h| r.contains(h)))
                    .cloned()
                    .collect();
                allowed.push(2..3); // an empty taskRoleArn gets its value
                assert_within("task.json", &text, &new, &allowed);
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_json_parser(text in "(?s)([ -~\\n{}\\[\\],:\"]|\\PC){0,300}", seed: u64) {
            let (keys, _) = chunks(&["{\"containerDefinitions\":[{\"environment\":[{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"{AKIA}\"}]}]}".into()], seed, "\n");
            let _ = run(&EcsTaskDefinitionRewriter, "t.json", &(keys.clone() + &text));
            let _ = run(&EcsTaskDefinitionRewriter, "t.json", &(text + &keys));
            let _ = parse_json(&"[".repeat(10_000));
        }
    }
}
