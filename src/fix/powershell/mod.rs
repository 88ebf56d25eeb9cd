//! The PowerShell rewriter (AWS Tools for PowerShell scripts and EC2 `<powershell>` user data),
//! on the tree-sitter PowerShell grammar.
//!
//! Each key the detector found is one spot, traced outward through the tree until something can
//! go whole (see [`commands`] for the cmdlet rules and [`script`] for statements and bindings):
//! - credential setters (`Set-AWSCredential(s)`, `New-AWSCredential`): the whole statement;
//!   `Initialize-AWSDefaultConfiguration`/`Initialize-AWSDefaults` become
//!   `Set-DefaultAWSRegion -Region …` when they set a region, and go otherwise;
//! - `-AccessKey`/`-SecretKey`/`-SessionToken` (and a `-Credential` built from keys) on any other
//!   cmdlet, with the whitespace or backtick continuation before them;
//! - hashtable entries holding keys (splatting), and the whole hashtable with its `@name` splats
//!   when nothing else is left in it;
//! - `New-Object Amazon.Runtime.BasicAWSCredentials(…)` and `[…BasicAWSCredentials]::new(…)`
//!   are seen through to where the credential object goes;
//! - assignments of keys to variables (def-use within the file: every read of the variable must
//!   only pass the credential on, or the spot is left to a human and the binding stays) and to
//!   environment variables (`$env:AWS_ACCESS_KEY_ID = …`);
//! - stored profiles created with `-StoreAs`/`-ProfileName` and the `-ProfileName` uses of them;
//! - `aws configure set aws_*` calls, `setx` and `[Environment]::SetEnvironmentVariable` of keys;
//! - comments that hold keys, and `aws_*` lines of credentials text in here-strings.
//!
//! Every removed statement takes its whole lines with it when it stands alone on them, so the rest
//! of the script stays byte-identical. A spot no rule covers is left to a human with the reason;
//! every other spot of the script is still fixed.

mod commands;
mod script;
#[cfg(test)]
mod tests;

use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::detect::Match;
use crate::syntax::edit::{EditSet, SpotEdits};
use crate::syntax::parse::{ancestor_or_self, named_children};
use crate::syntax::{fold, nodes, parse_ranges, strings, Language, Limits, Parsed};
use std::ops::Range;
use tree_sitter::Node;

/// Rewrites PowerShell scripts and EC2 `<powershell>` user data.
#[derive(Debug, Default, Clone, Copy)]
pub struct PowerShellRewriter;

/// The advice for every PowerShell spot left to a human.
const ADVICE: &str = "remove it by hand and attach an instance profile (IAM role); AWS Tools for PowerShell find role credentials by themselves";

/// Deepest chain of bindings and constructions followed for one key.
const MAX_DEPTH: usize = 12;

impl Rewriter for PowerShellRewriter {
    fn name(&self) -> &'static str {
        "powershell"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if matches!(ext, "ps1" | "psm1" | "psd1") {
            return true;
        }
        let plain = matches!(
            ext,
            "" | "txt" | "userdata" | "user-data" | "user_data" | "xml"
        );
        plain && text.to_ascii_lowercase().contains("<powershell>")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        if file.text.contains('\0') {
            return Outcome::Manual(vec![ManualFix {
                line: file.matches.first().map_or(1, |m| m.line),
                reason: "the script reached the rewriter as UTF-16 text (NUL bytes in it)".into(),
                advice: "decode the file to UTF-8 before fixing it (rolecall fix does this for UTF-16 files with a BOM), or save it as UTF-8".into(),
            }]);
        }
        let ranges = script_ranges(file.text);
        let parsed =
            match parse_ranges(Language::PowerShell, file.text, &ranges, &Limits::default()) {
                Ok(p) => p,
                Err(e) => {
                    return Outcome::all_manual(
                        file,
                        &format!("the script was not parsed: {e}"),
                        ADVICE,
                    )
                }
            };
        let planner = Planner::new(&parsed);
        let mut edits = EditSet::new(file.text);
        let mut notes: Vec<String> = Vec::new();
        let mut manual = Vec::new();
        for m in file.matches {
            let mut spot = Spot::new(m.span.clone());
            match planner.place(&mut spot, m) {
                Ok(()) => {
                    for n in spot.notes {
                        if !notes.contains(&n) {
                            notes.push(n);
                        }
                    }
                    edits.add(spot.edits);
                }
                Err(reason) => manual.push(ManualFix {
                    line: m.line,
                    reason,
                    advice: ADVICE.into(),
                }),
            }
        }
        Outcome::Edits {
            edits,
            notes,
            manual,
        }
    }
}

/// Checks that `text` is well-formed PowerShell: it parses (EC2's `<powershell>`/`<persist>`
/// wrapper lines left out, as EC2 does) without a syntax error. A script of nothing but comments
/// is well-formed. For tests of patched scripts.
pub fn check_structure(text: &str) -> Result<(), String> {
    let mut script = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if is_wrapper_line(line) {
            script.extend(line.chars().map(|c| if c == '\n' { c } else { ' ' }));
        } else {
            script.push_str(line);
        }
    }
    let parsed = crate::syntax::parse(Language::PowerShell, &script).map_err(|e| e.to_string())?;
    if crate::syntax::guard::errors(&parsed) == 0 {
        return Ok(());
    }
    let line = parsed
        .first_error()
        .map_or(1, |n| parsed.line_of(n.start_byte()));
    Err(format!("syntax error at line {line}"))
}

/// The byte ranges of `text` that are PowerShell: everything but EC2's `<powershell>`,
/// `</powershell>` and `<persist>…</persist>` wrapper lines. Empty (the whole text) when there are
/// none.
pub(crate) fn script_ranges(text: &str) -> Vec<Range<usize>> {
    if !text.to_ascii_lowercase().contains("<powershell>") {
        return Vec::new();
    }
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let end = at + line.len();
        if !is_wrapper_line(line) {
            match out.last_mut() {
                Some(last) if last.end == at => last.end = end,
                _ => out.push(at..end),
            }
        }
        at = end;
    }
    if out.is_empty() {
        // Nothing but wrapper lines: an empty range list would parse everything.
        out.push(0..0);
    }
    out
}

/// Whether a line is an EC2 wrapper tag line (`<powershell>`, `</powershell>`,
/// `<persist>true</persist>`).
fn is_wrapper_line(line: &str) -> bool {
    let l = line.trim().to_ascii_lowercase();
    matches!(l.as_str(), "<powershell>" | "</powershell>")
        || (l.starts_with("<persist>") && l.ends_with("</persist>"))
}

/// One key's plan: its edits and the notes they need.
#[derive(Debug, Clone)]
pub(super) struct Spot {
    edits: SpotEdits,
    notes: Vec<String>,
}

impl Spot {
    fn new(key: Range<usize>) -> Spot {
        Spot {
            edits: SpotEdits::new(key),
            notes: Vec::new(),
        }
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    fn covers(&self, node: Node<'_>) -> bool {
        self.edits.covers(&node.byte_range())
    }
}

/// The result of planning: `Err` carries the reason the spot needs a hand.
type Plan = Result<(), String>;

/// Plans spots on one parsed script.
pub(super) struct Planner<'p, 's> {
    parsed: &'p Parsed<'s>,
    /// Every variable and splat (`$x`, `@x`), in text order: the uses def-use looks through.
    variables: Vec<Node<'p>>,
    /// Every `-ProfileName` parameter, in text order: the uses of stored profiles.
    profile_params: Vec<Node<'p>>,
}

impl<'p, 's> Planner<'p, 's> {
    /// Indexes the script's variables and profile parameters (one walk of the tree, not one per
    /// binding).
    fn new(parsed: &'p Parsed<'s>) -> Planner<'p, 's> {
        let mut variables = Vec::new();
        let mut profile_params = Vec::new();
        for n in crate::syntax::parse::descendants(parsed.root()) {
            match n.kind() {
                "variable" => variables.push(n),
                "command_parameter"
                    if parsed
                        .text_of(n)
                        .trim_end_matches(':')
                        .eq_ignore_ascii_case("-profilename") =>
                {
                    profile_params.push(n)
                }
                _ => {}
            }
        }
        Planner {
            parsed,
            variables,
            profile_params,
        }
    }

    fn text(&self, node: Node<'_>) -> &'s str {
        self.parsed.text_of(node)
    }

    fn src(&self) -> &'s str {
        self.parsed.text()
    }

    fn line(&self, node: Node<'_>) -> u32 {
        self.parsed.line_of(node.start_byte())
    }

    /// Plans the removal of the key of `m`.
    fn place(&self, spot: &mut Spot, m: &Match) -> Plan {
        let key = m.span.clone();
        let root = self.parsed.root();
        let Some(leaf) = root.descendant_for_byte_range(key.start, key.end) else {
            return Err("the key is not inside code rolecall can read".into());
        };
        if let Some(comment) = ancestor_or_self(leaf, &["comment"]) {
            return self.comment(spot, comment, &key);
        }
        if leaf.is_error() || ancestor_or_self(leaf, &["ERROR"]).is_some() {
            return Err(format!(
                "the script does not parse around the key (line {}); rolecall does not guess at broken code",
                self.line(leaf)
            ));
        }
        let value = self.value_node(spot, leaf, m)?;
        match value {
            Some(value) => self.vanish(spot, value, 0),
            None => Ok(()),
        }
    }

    /// A key in a comment: a line comment goes (with its line when alone on it); in a block
    /// comment the lines holding the key go, or the key itself when it shares a line with the
    /// delimiters.
    fn comment(&self, spot: &mut Spot, comment: Node<'_>, key: &Range<usize>) -> Plan {
        let body = self.text(comment);
        if !body.starts_with("<#") {
            let range = nodes::comment_removal(self.parsed, comment, key.start)?;
            spot.edits.delete(range, "the comment holding the key");
            return Ok(());
        }
        match nodes::comment_removal(self.parsed, comment, key.start) {
            Ok(range) if body.trim_end().contains('\n') => spot
                .edits
                .delete(range, "the line of the block comment holding the key"),
            _ => spot.edits.replace(
                key.clone(),
                "<removed: use the instance role>",
                "the key in a block comment",
            ),
        }
        Ok(())
    }

    /// The expression whose value is the key (a string, a folded concatenation, a bare word), or
    /// `None` when the key was handled in place (a line of credentials text in a here-string).
    fn value_node(
        &self,
        spot: &mut Spot,
        leaf: Node<'p>,
        m: &Match,
    ) -> Result<Option<Node<'p>>, String> {
        let value = m.value.expose();
        if let Some(word) = ancestor_or_self(leaf, &["generic_token"]) {
            if self.text(word) == value {
                return Ok(Some(word));
            }
            return Err(format!(
                "the key is part of the word `{}…` on line {}; rolecall cannot tell what else it carries",
                self.text(word).chars().take(12).collect::<String>(),
                self.line(word)
            ));
        }
        let Some(literal) = strings::string_at(self.parsed, m.span.start) else {
            return Err(
                "the key is not in a string rolecall can read (it is built at run time)".into(),
            );
        };
        if let Some(folded) = fold::fold_at(self.parsed, m.span.start) {
            if folded.value.trim() == value {
                let mut expr = literal;
                while expr.byte_range() != folded.range {
                    match expr.parent() {
                        Some(p)
                            if p.start_byte() <= folded.range.start
                                && folded.range.end <= p.end_byte() =>
                        {
                            expr = p
                        }
                        _ => {
                            return Err(
                                "the key is part of an expression rolecall cannot follow".into()
                            )
                        }
                    }
                }
                return Ok(Some(expr));
            }
        }
        script::text_line(self, spot, literal, m).map(|()| None)
    }

    /// The outermost node with `node`'s bytes that is still an expression (wrappers the grammar
    /// nests around every value are seen through).
    fn outer<'t>(&self, node: Node<'t>) -> Node<'t> {
        let mut at = node;
        while let Some(p) = at.parent() {
            if p.byte_range() != at.byte_range() || STOPS.contains(&p.kind()) {
                break;
            }
            at = p;
        }
        at
    }

    /// Plans edits after which the value of `expr` (a credential, or an object or hashtable built
    /// from one) is no longer in the script.
    fn vanish(&self, spot: &mut Spot, expr: Node<'_>, depth: usize) -> Plan {
        if depth > MAX_DEPTH {
            return Err("the credential passes through too many bindings".into());
        }
        let expr = self.outer(expr);
        let Some(parent) = expr.parent() else {
            return Err("the key is not inside a statement".into());
        };
        if expr.kind() == "left_assignment_expression" {
            return Err(format!(
                "the credential is assigned to on line {}",
                self.line(parent)
            ));
        }
        match parent.kind() {
            "assignment_expression" if is_value_of(parent, expr) => {
                script::assignment(self, spot, parent, depth)
            }
            "hash_entry" => script::hash_entry(self, spot, parent, depth),
            "command_elements" => commands::argument(self, spot, parent, expr, depth),
            "array_literal_expression" | "parenthesized_expression" => {
                self.vanish(spot, parent, depth + 1)
            }
            "argument_expression_list" => commands::constructor_argument(self, spot, parent, depth),
            "statement_list" if commands::produces_credentials(self, expr) => {
                script::remove_statement(self, spot, expr, "the statement that built credentials")
            }
            "script_parameter_default" => {
                let name = parent
                    .parent()
                    .and_then(|p| named_children(p).into_iter().find(|n| n.kind() == "variable"))
                    .map(|v| self.text(v))
                    .unwrap_or("the parameter");
                Err(format!(
                    "the key is the default value of parameter {name} (line {}): remove the default by hand (callers that pass {} keep working) and let the cmdlets use the instance role",
                    self.line(parent),
                    name.replacen('$', "-", 1)
                ))
            }
            "expandable_string_literal" | "expandable_here_string_literal" | "sub_expression" => {
                Err(format!(
                    "the credential is interpolated into a string on line {}",
                    self.line(parent)
                ))
            }
            kind => Err(format!(
                "the credential is used in a `{kind}` on line {}; rolecall cannot tell it only passes the credential on",
                self.line(parent)
            )),
        }
    }
}

/// Kinds the grammar wraps values in that [`Planner::outer`] must not climb into: they hold
/// statements or lists, not one value.
const STOPS: &[&str] = &[
    "statement_list",
    "script_block_body",
    "script_block",
    "statement_block",
    "program",
    "command_elements",
    "hash_literal_body",
    "argument_expression_list",
    "argument_list",
    "hash_entry",
];

/// Whether `expr` is the value of `assignment`.
fn is_value_of(assignment: Node<'_>, expr: Node<'_>) -> bool {
    assignment.child_by_field_name("value") == Some(expr)
}

/// A word without its quotes, lowercased.
fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '\'' || c == '"')
        .to_ascii_lowercase()
}
