//! The shell-family rewriter, on the tree-sitter Bash grammar: shell scripts (and bash user
//! data), dotenv files, and Dockerfiles (their `ENV`/`ARG` instructions and the shell of their
//! `RUN` instructions, see [`super::dockerfile`]). docker-compose files have their own rewriter.
//!
//! What goes, per key:
//! - an assignment that holds it (`NAME=…`, `export`/`local`/`declare`/`readonly NAME=…`, an
//!   inline prefix `NAME=… aws s3 cp …` keeps the command): the assignment word, the statement
//!   only when nothing is left of it; then every use of `$NAME` must only pass the key on (to
//!   `aws configure set aws_*`, another such assignment, a write into `~/.aws/credentials`), or
//!   the assignment stays and the spot is manual (`LINES=("$X" "$A")` keeps `A=`);
//! - `aws configure set aws_access_key_id|aws_secret_access_key|aws_session_token …`, with the
//!   `&&` that chained it;
//! - `echo … >> ~/.aws/credentials` and here-documents written into `~/.aws/…` (the whole
//!   statement); in other here-documents the `key = value` line;
//! - a comment holding the key.
//!
//! A body left empty gets the no-op `:`; a command in a pipeline, or a key passed to any other
//! command, is manual.

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::syntax::edit::{lines, EditSet, ListShape, SpotEdits};
use crate::syntax::parse::ancestor_or_self;
use crate::syntax::{defuse, nodes, parse, parse::line_of, Language, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// Rewrites shell scripts, dotenv files and Dockerfiles.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShellRewriter;

/// `aws configure set` settings that hold credentials.
const KEY_SETTINGS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

const ADVICE: &str =
    "remove it by hand; the AWS CLI and SDKs find the role's credentials by themselves";

const CONFIGURE_NOTE: &str = "`aws configure set` wrote the key into ~/.aws/credentials on every host that ran this: delete it there, deactivate the key in IAM, and attach an IAM role (instance profile, task role).";
const CREDENTIALS_NOTE: &str = "The script wrote keys into ~/.aws/credentials on every host that ran it: delete that file there, deactivate the key, and attach an instance profile (IAM role).";
const ROLE_NOTE: &str = "Attach an IAM role where this runs (instance profile, ECS task role, IRSA/Pod Identity); the AWS CLI and SDKs find its credentials through the default chain.";

/// Deepest chain of variables followed.
const MAX_DEPTH: usize = 16;

impl Rewriter for ShellRewriter {
    fn name(&self) -> &'static str {
        "shell"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        matches!(
            Language::detect(path, text),
            Some(Language::Bash | Language::Dockerfile)
        )
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        if Language::detect(file.path, file.text) == Some(Language::Dockerfile) {
            return super::dockerfile::rewrite(file);
        }
        let parsed = match parse(Language::Bash, file.text) {
            Ok(p) => p,
            Err(e) => return manual_all(file, &e.to_string()),
        };
        let keys: Vec<Range<usize>> = file.matches.iter().map(|m| m.span.clone()).collect();
        let plan = plan(&parsed, &keys, None);
        let mut edits = EditSet::new(file.text);
        let mut notes = plan.notes;
        if !plan.spots.is_empty() {
            notes.push(ROLE_NOTE.into());
        }
        for s in plan.spots {
            edits.add(s);
        }
        Outcome::Edits {
            edits,
            notes,
            manual: manual_fixes(file.text, plan.manual),
        }
    }
}

/// Every key of a file that cannot be parsed is manual.
pub(crate) fn manual_all(file: &FileToFix<'_>, reason: &str) -> Outcome {
    Outcome::Manual(ManualFix::each(file.matches, reason, ADVICE))
}

/// Manual spots as [`ManualFix`]es.
pub(crate) fn manual_fixes(text: &str, manual: Vec<(Range<usize>, String)>) -> Vec<ManualFix> {
    manual
        .into_iter()
        .map(|(key, reason)| ManualFix {
            line: line_of(text, key.start),
            reason,
            advice: ADVICE.into(),
        })
        .collect()
}

/// The plan for the keys of a shell text.
#[derive(Debug, Default)]
pub(crate) struct ShellPlan {
    /// One plan per key that can go.
    pub spots: Vec<SpotEdits>,
    /// Keys that stay, with the reason.
    pub manual: Vec<(Range<usize>, String)>,
    /// Notes for the user.
    pub notes: Vec<String>,
}

/// Plans the removal of `keys` from a parsed shell text. `whole` is, for the shell of a
/// Dockerfile `RUN`, the bytes that remove the instruction when its last command goes.
pub(crate) fn plan(
    parsed: &Parsed<'_>,
    keys: &[Range<usize>],
    whole: Option<Range<usize>>,
) -> ShellPlan {
    let mut planner = Planner {
        parsed,
        removed: Vec::new(),
        whole,
    };
    let mut out = ShellPlan::default();
    for key in keys {
        planner.plan_key(key, &mut out);
    }
    out
}

/// One key's plan while it is being built.
#[derive(Debug, Clone)]
pub(crate) struct Spot {
    /// The edits.
    pub edits: SpotEdits,
    /// Nodes (statements, assignment words) this spot removes.
    removed: Vec<Range<usize>>,
    notes: Vec<&'static str>,
}

impl Spot {
    /// What this spot removes (statements, assignment words).
    pub fn removed(&self) -> &[Range<usize>] {
        &self.removed
    }

    /// An empty plan for `key`.
    pub fn new(key: Range<usize>) -> Spot {
        Spot {
            edits: SpotEdits::new(key),
            removed: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Plans spots on one parsed shell text.
pub(crate) struct Planner<'p, 's> {
    parsed: &'p Parsed<'s>,
    /// Nodes removed by the spots planned so far.
    removed: Vec<Range<usize>>,
    /// What removes the whole `RUN` instruction (embedded shells only).
    whole: Option<Range<usize>>,
}

type Plan = Result<(), String>;

impl<'p, 's> Planner<'p, 's> {
    /// A planner for a parsed shell (see [`plan`] for `whole`).
    pub fn new(parsed: &'p Parsed<'s>, whole: Option<Range<usize>>) -> Planner<'p, 's> {
        Planner {
            parsed,
            removed: Vec::new(),
            whole,
        }
    }

    /// Plans one key into `out`; returns what the spot removed (empty when it is manual).
    pub fn plan_key(&mut self, key: &Range<usize>, out: &mut ShellPlan) -> Vec<Range<usize>> {
        if out.spots.iter().any(|s| s.covers(key)) {
            return Vec::new();
        }
        let mut spot = Spot::new(key.clone());
        match self.place(&mut spot, key) {
            Ok(()) => {
                let removed = spot.removed.clone();
                self.commit(spot, out);
                removed
            }
            Err(reason) => {
                out.manual.push((key.clone(), reason));
                Vec::new()
            }
        }
    }

    /// Marks nodes removed by a spot planned elsewhere (another `RUN`, an `ENV`).
    pub fn mark_removed(&mut self, ranges: &[Range<usize>]) {
        self.removed.extend(ranges.iter().cloned());
    }

    /// Records a finished spot.
    pub fn commit(&mut self, spot: Spot, out: &mut ShellPlan) {
        self.removed.extend(spot.removed);
        for n in spot.notes {
            if !out.notes.iter().any(|x| x == n) {
                out.notes.push(n.to_string());
            }
        }
        out.spots.push(spot.edits);
    }

    fn text(&self, node: Node<'_>) -> &'s str {
        self.parsed.text_of(node)
    }

    fn line(&self, node: Node<'_>) -> u32 {
        self.parsed.line_of(node.start_byte())
    }

    fn gone(&self, spot: &Spot, node: Node<'_>) -> bool {
        let r = node.byte_range();
        self.removed
            .iter()
            .chain(&spot.removed)
            .any(|g| g.start <= r.start && r.end <= g.end)
    }

    /// Plans the removal of the key at `key`.
    fn place(&self, spot: &mut Spot, key: &Range<usize>) -> Plan {
        let Some(leaf) = self
            .parsed
            .root()
            .descendant_for_byte_range(key.start, key.end)
        else {
            return Err("the key is not inside shell code rolecall can read".into());
        };
        if let Some(comment) = ancestor_or_self(leaf, &["comment"]) {
            let range = nodes::comment_removal(self.parsed, comment, key.start)?;
            spot.edits.delete(range, "the comment holding the key");
            return Ok(());
        }
        if let Some(body) = ancestor_or_self(leaf, &["heredoc_body"]) {
            return self.heredoc(spot, body, key.start);
        }
        let word = word_of(leaf);
        let Some(parent) = word.parent() else {
            return Err("the key is not inside shell code rolecall can read".into());
        };
        match parent.kind() {
            "variable_assignment" => self.vanish_assignment(spot, parent, 0),
            "command" => self.command_argument(spot, parent),
            "array" => Err("the key sits in an array rolecall cannot trace".into()),
            _ => Err("the key sits in shell code rolecall does not edit".into()),
        }
    }

    /// Removes an assignment that holds the key, then follows `$NAME`.
    pub fn vanish_assignment(&self, spot: &mut Spot, assignment: Node<'p>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the key flows through too many variables".into());
        }
        let Some(binding) = assignment
            .child_by_field_name("value")
            .and_then(|v| defuse::binding_of(self.parsed, v))
        else {
            return Err("the key is assigned in a way rolecall cannot trace".into());
        };
        let name = binding.name(self.parsed).to_string();
        let uses = defuse::uses(self.parsed, &binding);
        self.remove_assignment(spot, assignment)?;
        let reads: Vec<Node<'p>> = uses
            .reads
            .iter()
            .copied()
            .filter(|r| !self.gone(spot, *r))
            .collect();
        self.vanish_reads(spot, &name, &reads, depth)?;
        let _ = uses.writes;
        Ok(())
    }

    /// Every read of `$name` must only pass the key on; then they go too.
    pub fn vanish_reads(
        &self,
        spot: &mut Spot,
        name: &str,
        reads: &[Node<'p>],
        depth: usize,
    ) -> Plan {
        for &read in reads {
            let mut trial = spot.clone();
            if let Err(why) = self.vanish_read(&mut trial, read, depth + 1) {
                return Err(format!(
                    "`{name}` holds the key and is also used on line {} ({why}); it stays",
                    self.line(read)
                ));
            }
        }
        for &read in reads {
            if !self.gone(spot, read) {
                self.vanish_read(spot, read, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Removes what a read of the variable feeds, when that only passes the key on.
    fn vanish_read(&self, spot: &mut Spot, read: Node<'p>, depth: usize) -> Plan {
        if self.gone(spot, read) {
            return Ok(());
        }
        // `export NAME` / `readonly NAME` / `unset NAME`: the name goes from the declaration.
        if let Some(decl) = read
            .parent()
            .filter(|p| matches!(p.kind(), "declaration_command" | "unset_command"))
        {
            return self.remove_word(spot, read, decl);
        }
        let Some(expansion) = read
            .parent()
            .filter(|p| matches!(p.kind(), "simple_expansion" | "expansion"))
        else {
            return Err("the variable is used in arithmetic or a test".into());
        };
        let mut word = expansion;
        if let Some(s) = word
            .parent()
            .filter(|p| p.kind() == "string" && p.named_child_count() == 1)
        {
            word = s;
        }
        let Some(parent) = word.parent() else {
            return Err("the variable is used in code rolecall cannot read".into());
        };
        match parent.kind() {
            "variable_assignment" => self.vanish_assignment(spot, parent, depth + 1),
            "command" => self.command_argument(spot, parent),
            "heredoc_body" => self.heredoc(spot, parent, read.start_byte()),
            "concatenation" | "string" => Err("the variable is part of a longer word".into()),
            other => Err(format!(
                "the variable is used in a {}",
                other.replace('_', " ")
            )),
        }
    }

    /// The key (or a variable holding it) is an argument of `command`.
    fn command_argument(&self, spot: &mut Spot, command: Node<'p>) -> Plan {
        let name = command
            .child_by_field_name("name")
            .map(|n| self.text(n))
            .unwrap_or("");
        let mut cursor = command.walk();
        let args: Vec<String> = command
            .children_by_field_name("argument", &mut cursor)
            .map(|a| self.text(a).trim_matches(['"', '\'']).to_ascii_lowercase())
            .collect();
        let setting = args
            .get(2)
            .map(|s| s.rsplit('.').next().unwrap_or("").to_string());
        let configure = name == "aws"
            && args.first().map(String::as_str) == Some("configure")
            && args.get(1).map(String::as_str) == Some("set")
            && setting.is_some_and(|s| KEY_SETTINGS.contains(&s.as_str()));
        if configure {
            spot.notes.push(CONFIGURE_NOTE);
            return self.remove_statement(spot, command);
        }
        let statement = self.statement_of(command);
        if matches!(name, "echo" | "printf") && self.writes_aws_files(statement) {
            spot.notes.push(CREDENTIALS_NOTE);
            return self.remove_statement(spot, statement);
        }
        Err(format!(
            "the key is an argument of `{name}`, which is not an AWS credential setting"
        ))
    }

    /// A key (or `$VAR`) inside a here-document.
    fn heredoc(&self, spot: &mut Spot, body: Node<'p>, at: usize) -> Plan {
        let statement = ancestor_or_self(body, &["redirected_statement"])
            .ok_or("a here-document rolecall cannot place")?;
        if self.writes_aws_files(statement) {
            spot.notes.push(CREDENTIALS_NOTE);
            return self.remove_statement(spot, statement);
        }
        let text = self.parsed.text();
        let start = lines::line_start(text, at);
        let end = lines::after_line(text, at);
        let line = &text[start..end];
        if line.contains('=') || line.contains(':') {
            spot.edits
                .delete(start..end, "the here-document line holding the key");
            spot.removed.push(start..end);
            return Ok(());
        }
        Err("the key sits in a here-document line rolecall cannot read".into())
    }

    /// The statement that holds a command: its redirected statement or pipeline, if any.
    fn statement_of(&self, command: Node<'p>) -> Node<'p> {
        let mut at = command;
        while let Some(p) = at
            .parent()
            .filter(|p| matches!(p.kind(), "redirected_statement" | "pipeline"))
        {
            at = p;
        }
        at
    }

    /// Whether a statement writes into `~/.aws/` (a redirect, or `tee`).
    fn writes_aws_files(&self, statement: Node<'_>) -> bool {
        crate::syntax::parse::descendants(statement).any(|n| match n.kind() {
            "file_redirect" => n
                .child_by_field_name("destination")
                .is_some_and(|d| self.text(d).contains(".aws/")),
            "command" => {
                n.child_by_field_name("name")
                    .is_some_and(|c| self.text(c) == "tee")
                    && self.text(n).contains(".aws/")
            }
            _ => false,
        })
    }

    /// Removes one assignment word: from a declaration or a command prefix, or as a statement.
    fn remove_assignment(&self, spot: &mut Spot, assignment: Node<'p>) -> Plan {
        let Some(parent) = assignment.parent() else {
            return Err("an assignment outside a statement".into());
        };
        match parent.kind() {
            "declaration_command" | "variable_assignments" | "command" => {
                self.remove_word(spot, assignment, parent)
            }
            _ => self.remove_statement(spot, assignment),
        }
    }

    /// Removes one word of a declaration or command (with the blanks that separated it); the
    /// whole statement when no other word is left.
    fn remove_word(&self, spot: &mut Spot, word: Node<'p>, parent: Node<'p>) -> Plan {
        // Words the grammar split off at a backslash-newline belong to this one.
        let continued = nodes::continued_word_parts(self.parsed, word);
        let mut shape = ListShape::words(parent);
        let mut cursor = parent.walk();
        let kept = parent
            .named_children(&mut cursor)
            .filter(|c| !c.kind().contains("comment") && c.kind() != "line_continuation")
            .filter(|c| *c != word && !continued.contains(c) && !self.gone(spot, *c))
            .count();
        if kept == 0 {
            return self.remove_statement(spot, parent);
        }
        let index = shape
            .index_of(&word.byte_range())
            .ok_or("a word rolecall cannot place")?;
        if let Some(last) = continued.last() {
            shape.items[index].range.end = last.end_byte();
            shape.items.drain(index + 1..index + 1 + continued.len());
        }
        spot.edits
            .remove_item(&shape, index, "the word that held the key");
        spot.removed.push(word.byte_range());
        Ok(())
    }

    /// Removes a statement: from a `&&`/`||` list with its operator, from a body (the no-op `:`
    /// stays when it was the body's last statement), or whole lines.
    pub fn remove_statement(&self, spot: &mut Spot, node: Node<'p>) -> Plan {
        let Some(parent) = node.parent() else {
            return Err("a statement outside a script".into());
        };
        match parent.kind() {
            "redirected_statement" => return self.remove_statement(spot, parent),
            "list" => return self.remove_from_list(spot, node, parent),
            "pipeline" => return Err("the command is part of a pipeline; edit it by hand".into()),
            _ => {}
        }
        let body = body_statements(parent);
        if !body.contains(&node) {
            return Err("the command sits in a construct rolecall does not edit".into());
        }
        let last = body.iter().all(|s| *s == node || self.gone(spot, *s));
        spot.removed.push(node.byte_range());
        if last && parent.kind() == "program" {
            if let Some(whole) = &self.whole {
                spot.edits
                    .delete(whole.clone(), "the instruction whose commands all went");
                return Ok(());
            }
        }
        if last && parent.kind() != "program" {
            spot.edits.replace(
                node.byte_range(),
                ":",
                "the no-op that keeps the body valid",
            );
            return Ok(());
        }
        if let Some(range) = nodes::statement_lines(self.parsed, node) {
            spot.edits.delete(range, "the statement that held the key");
            return Ok(());
        }
        // The statement shares its line: take it with the separator after (or before) it.
        if let Some(sep) = node.next_sibling().filter(|n| n.kind() == ";") {
            let text = self.parsed.text();
            let mut end = sep.end_byte();
            end += text[end..].len() - text[end..].trim_start_matches([' ', '\t']).len();
            spot.edits
                .delete(node.start_byte()..end, "the statement that held the key");
            return Ok(());
        }
        if let Some(prev) = node.prev_sibling().filter(|n| n.kind() == ";") {
            let text = self.parsed.text();
            let start = text[..prev.start_byte()]
                .trim_end_matches([' ', '\t'])
                .len();
            spot.edits
                .delete(start..node.end_byte(), "the statement that held the key");
            return Ok(());
        }
        spot.edits.replace(
            node.byte_range(),
            ":",
            "the no-op in place of the statement",
        );
        Ok(())
    }

    /// Removes one side of `a && b` / `a || b` with its operator.
    fn remove_from_list(&self, spot: &mut Spot, node: Node<'p>, list: Node<'p>) -> Plan {
        let parts: Vec<Node<'p>> = {
            let mut cursor = list.walk();
            let v = list
                .named_children(&mut cursor)
                .filter(|c| !c.kind().contains("comment"))
                .collect();
            v
        };
        let [first, second] = parts.as_slice() else {
            return Err("a command list rolecall cannot read".into());
        };
        let other = if node == *first { *second } else { *first };
        if self.gone(spot, other) {
            return self.remove_statement(spot, list);
        }
        let op = list
            .children(&mut list.walk())
            .find(|c| !c.is_named())
            .map(|c| self.text(c))
            .unwrap_or("&&");
        spot.removed.push(node.byte_range());
        if op == "||" && node == *first {
            spot.edits
                .replace(node.byte_range(), ":", "the no-op before `||`");
        } else if node == *first {
            spot.edits.delete(
                first.start_byte()..second.start_byte(),
                "the command and its `&&`",
            );
        } else {
            spot.edits.delete(
                first.end_byte()..second.end_byte(),
                "the command and its `&&`",
            );
        }
        Ok(())
    }
}

/// The statements of a body: a script, `{ … }`, `do … done`, or a branch of `if`/`case`.
fn body_statements(parent: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = parent.walk();
    if !cursor.goto_first_child() {
        return out;
    }
    loop {
        let n = cursor.node();
        let field = cursor.field_name();
        let skip = !n.is_named()
            || n.kind().contains("comment")
            || matches!(
                field,
                Some("condition" | "value" | "variable" | "name" | "body")
            )
            || matches!(n.kind(), "elif_clause" | "else_clause" | "heredoc_body");
        if !skip {
            out.push(n);
        }
        if !cursor.goto_next_sibling() {
            break;
        }
    }
    if !matches!(
        parent.kind(),
        "program"
            | "compound_statement"
            | "do_group"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "case_item"
            | "subshell"
    ) {
        out.clear();
    }
    out
}

/// The whole word a leaf belongs to (its string, concatenation or expansion).
fn word_of(leaf: Node<'_>) -> Node<'_> {
    let mut at = leaf;
    while let Some(p) = at.parent() {
        let part_of_word = matches!(
            p.kind(),
            "string"
                | "raw_string"
                | "ansi_c_string"
                | "concatenation"
                | "string_content"
                | "word"
                | "simple_expansion"
                | "expansion"
                | "number"
        );
        if !part_of_word {
            break;
        }
        at = p;
    }
    at
}

#[cfg(test)]
mod tests {
    use crate::detect::Detector;
    use crate::fake::FakeKeys;
    use proptest::prelude::*;

    fn fixed(path: &str, template: &str) -> crate::fix::FileFix {
        let text = FakeKeys::new(5).expand(template);
        crate::fix::fix_text(&Detector::builtin(), path, &text)
    }

    fn rewritten(path: &str, template: &str) -> String {
        let fix = fixed(path, template);
        assert!(fix.manual.is_empty(), "{:?}", fix.manual);
        fix.new.expect("rewritten")
    }

    #[test]
    fn exports_prefixes_and_configure_set_go() {
        let out = rewritten(
            "deploy.sh",
            "#!/bin/bash\nset -euo pipefail\nexport AWS_ACCESS_KEY_ID={AKIA}\nexport AWS_SECRET_ACCESS_KEY=\"{SECRET}\" AWS_DEFAULT_REGION=us-east-1\nAWS_ACCESS_KEY_ID={AKIA} AWS_SECRET_ACCESS_KEY={SECRET} aws s3 cp s3://b/k /tmp/k\naws configure set aws_access_key_id {AKIA} && aws s3 ls\n",
        );
        assert_eq!(out, "#!/bin/bash\nset -euo pipefail\nexport AWS_DEFAULT_REGION=us-east-1\naws s3 cp s3://b/k /tmp/k\naws s3 ls\n");
    }

    #[test]
    fn variables_are_followed_and_heredocs_cleaned() {
        let out = rewritten(
            "setup.sh",
            "#!/bin/sh\nKEY={AKIA}\nSECRET_KEY='{SECRET}'\naws configure set aws_access_key_id \"$KEY\"\naws configure set aws_secret_access_key \"$SECRET_KEY\" --profile ci\ncat > /etc/app.conf <<EOF\nregion = us-east-1\naws_secret = {SECRET}\nEOF\n",
        );
        assert_eq!(
            out,
            "#!/bin/sh\ncat > /etc/app.conf <<EOF\nregion = us-east-1\nEOF\n"
        );
    }

    #[test]
    fn dotenv_lines_go() {
        let out = rewritten(".env", "DATABASE_URL=postgres://db/app\nAWS_ACCESS_KEY_ID={AKIA}\nAWS_SECRET_ACCESS_KEY={SECRET}\n# {AKIA}\nAWS_REGION=eu-central-1\n");
        assert_eq!(
            out,
            "DATABASE_URL=postgres://db/app\nAWS_REGION=eu-central-1\n"
        );
    }

    #[test]
    fn a_value_continued_across_lines_goes_whole() {
        let fix = fixed(
            "split.sh",
            "PART=\"x\"\\\n\"y\"\nexport AWS_SECRET_ACCESS_KEY={SECRET} REGION=\"eu\"\\\n\"-west-1\"\necho \"$PART $REGION\"\n",
        );
        assert!(fix.manual.is_empty(), "{:?}", fix.manual);
        let out = fix.new.unwrap();
        assert!(
            out.contains("export REGION=\"eu\"\\\n\"-west-1\"\n"),
            "{out}"
        );
        let text = FakeKeys::new(5).expand(
            "KEY=\"{AKIA}\"\\\n\"\"\naws configure set aws_access_key_id \"$KEY\"\necho done\n",
        );
        let fix = crate::fix::fix_text(&Detector::builtin(), "k.sh", &text);
        assert_eq!(fix.new.as_deref(), Some("echo done\n"), "{:?}", fix.manual);
    }

    #[test]
    fn a_later_export_of_the_name_goes_with_it() {
        let out = rewritten(
            "env.sh",
            "AWS_ACCESS_KEY_ID={AKIA}\nAWS_SECRET_ACCESS_KEY={SECRET}\nREGION=eu-west-1\nexport AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY REGION\nexport AWS_SECRET_ACCESS_KEY\n",
        );
        assert_eq!(out, "REGION=eu-west-1\nexport REGION\n");
    }

    #[test]
    fn a_variable_that_feeds_an_array_stays_and_is_manual() {
        let fix = fixed("lines.sh", "A={AKIA}\nS={SECRET}\nLINES=(\"$X\" \"$A\")\naws configure set aws_secret_access_key \"$S\"\n");
        let new = fix.new.expect("the secret still goes");
        assert!(new.starts_with("A="), "{new}");
        assert!(!new.contains("\nS="), "{new}");
        assert!(
            fix.manual.iter().any(|m| m.line == 1
                && m.reason
                    .contains("`A` holds the key and is also used on line 3")),
            "{:?}",
            fix.manual
        );
    }

    #[test]
    fn emptied_bodies_get_the_no_op() {
        let out = rewritten(
            "ci.sh",
            "if [ -z \"$CI\" ]; then\n  export AWS_ACCESS_KEY_ID={AKIA}\nfi\nfor f in a b; do\n  aws configure set aws_secret_access_key {SECRET}\ndone\nif x; then export AWS_SESSION_TOKEN={TOKEN}; fi\n",
        );
        assert_eq!(
            out,
            "if [ -z \"$CI\" ]; then\n  :\nfi\nfor f in a b; do\n  :\ndone\nif x; then :; fi\n"
        );
    }

    const NOISE: &[&str] = &[
        "echo \"step {N}\"",
        "N_{N}=$(({N}<<2))",
        "# note {N}",
        "aws s3 cp s3://bucket-{N}/k /tmp/k{N}",
        "if [ -f /tmp/k{N} ]; then rm /tmp/k{N}; fi",
        "MSG_{N}=$'it\\'s {N}'",
        "echo \"café ☕ 日本語 {N} 🚀\"  # naïve — e\u{301}",
    ];

    const SNIPPETS: &[&str] = &[
        "export AWS_ACCESS_KEY_ID={AKIA}\n",
        "export AWS_SECRET_ACCESS_KEY=\"{SECRET}\" AWS_DEFAULT_REGION=us-east-1\n",
        "AWS_ACCESS_KEY_ID={AKIA} aws s3 ls\n",
        "aws configure set aws_secret_access_key {SECRET} && aws s3 ls\n",
        "# old key {AKIA}\n",
        "echo \"aws_access_key_id = {AKIA}\" >> ~/.aws/credentials\n",
        "cat > ~/.aws/credentials <<EOF\n[default]\naws_secret_access_key = {SECRET}\nEOF\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn lines_without_findings_are_never_touched(picks in prop::collection::vec((any::<bool>(), 0usize..16), 1..20), seed in 0u64..1000) {
            use crate::fix::script_edit::testkit::check_noise_survives;
            let outcome = check_noise_survives(&super::ShellRewriter, "run.sh", "#!/bin/bash\nset -e\n", NOISE, SNIPPETS, &picks, seed);
            prop_assert!(outcome.is_ok() || picks.iter().all(|p| p.0), "{outcome:?}");
        }

        #[test]
        fn arbitrary_text_never_panics(text in "([ -~\\n\\t]|\\PC){0,300}", seed in 0u64..1000) {
            let mut keys = FakeKeys::new(seed);
            let text = format!("{text}\nAWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} {text}", keys.key_id("AKIA"), keys.secret());
            for path in ["a.sh", "Dockerfile", ".env"] {
                let _ = crate::fix::fix_text(&Detector::builtin(), path, &text);
            }
        }
    }
}
