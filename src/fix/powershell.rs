//! The PowerShell rewriter: AWS Tools for PowerShell scripts and EC2 `<powershell>` user data.
//!
//! Built on the tokenizer in [`super::powershell_lex`], it removes, statement by statement:
//! - credential setters (`Set-AWSCredential(s)`, `New-AWSCredential`): the whole statement;
//!   `Initialize-AWSDefaultConfiguration`/`Initialize-AWSDefaults` become
//!   `Set-DefaultAWSRegion -Region …` when they set a region, and go otherwise;
//! - `-AccessKey`/`-SecretKey`/`-SessionToken` (and a `-Credential` built from keys) on any other
//!   cmdlet, with the whitespace or backtick continuation before them;
//! - hashtable entries holding keys (splatting), and the whole hashtable with its `@name` splats
//!   when nothing else is left in it;
//! - assignments of keys to variables and environment variables, then, following the variables,
//!   the parameters, splats and statements that used them (`-AccessKey $accessKey`);
//! - stored profiles created with `-StoreAs`/`-ProfileName` and the `-ProfileName` uses of them;
//! - `aws configure set aws_*` calls, `setx` and `[Environment]::SetEnvironmentVariable` of keys;
//! - comments that hold keys.
//!
//! Every removed statement takes its whole lines with it when it stands alone on them, so the rest
//! of the script stays byte-identical. A match that no rule covers makes the whole file manual.

use super::powershell_lex::{self as lex, apply_edits, unquote, Container, Script, Tok};
use super::{FileToFix, ManualFix, Outcome, Rewriter};
use crate::detect::Match;
use std::collections::BTreeSet;
use std::ops::Range;

/// Rewrites PowerShell scripts and EC2 `<powershell>` user data.
#[derive(Debug, Default, Clone, Copy)]
pub struct PowerShellRewriter;

/// Cmdlets whose whole purpose is to set or build credentials.
const CREDENTIAL_SETTERS: &[&str] = &[
    "set-awscredential",
    "set-awscredentials",
    "new-awscredential",
    "new-awscredentials",
    "initialize-awsdefaultconfiguration",
    "initialize-awsdefaults",
];
/// Parameters that carry key material.
const KEY_PARAMETERS: &[&str] = &["-accesskey", "-secretkey", "-sessiontoken"];
/// Hashtable keys (for splatting) that carry key material or name a stored profile.
const KEY_ENTRIES: &[&str] = &[
    "accesskey",
    "secretkey",
    "sessiontoken",
    "storeas",
    "credential",
];

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
        let script = Script::new(file.text);
        if let Some(error) = script.lex_errors.first() {
            return Outcome::Manual(vec![ManualFix {
                line: file.matches.first().map_or(1, |m| m.line),
                reason: format!("the script does not tokenize cleanly ({error})"),
                advice: "remove the credential parameters by hand and attach an instance profile"
                    .into(),
            }]);
        }
        let mut plan = Plan::default();
        for m in file.matches {
            plan_match(&script, &mut plan, m);
        }
        follow_taint(&script, &mut plan);
        finish(&script, plan, file.matches)
    }
}

/// What the rewrite will do.
#[derive(Default)]
struct Plan {
    edits: Vec<(Range<usize>, String)>,
    handled: BTreeSet<usize>,
    /// Variables (normalised names) that held key material and are removed.
    tainted: BTreeSet<String>,
    /// Hashtable variables that lost their key entries but keep others (splats stay, except into
    /// credential setters).
    cleaned_splats: BTreeSet<String>,
    /// Stored profile names that the removed statements created.
    profiles: BTreeSet<String>,
    notes: Vec<String>,
    manual: Vec<ManualFix>,
}

impl Plan {
    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    fn covers(&self, range: &Range<usize>) -> bool {
        self.edits
            .iter()
            .any(|(r, _)| r.start <= range.start && range.end <= r.end)
    }
}

/// Plans the fix for one match.
fn plan_match(script: &Script<'_>, plan: &mut Plan, m: &Match) {
    if plan.covers(&m.span) {
        return;
    }
    let tok = script.token_at(m.span.start);
    match script.tokens[tok].kind {
        Tok::Comment => plan
            .edits
            .push((comment_removal(script, tok), String::new())),
        Tok::BlockComment => plan.edits.push(block_comment_edit(script, tok, &m.span)),
        _ => {
            if let Some(s) = script.statement_of(tok) {
                fix_statement(script, plan, s);
            }
        }
    }
}

/// Removes a line comment: its whole line when it stands alone, else the comment and the spaces
/// before it.
fn comment_removal(script: &Script<'_>, tok: usize) -> Range<usize> {
    let span = script.tokens[tok].span.clone();
    let line_start = script.text[..span.start].rfind('\n').map_or(0, |p| p + 1);
    if script.text[line_start..span.start].trim().is_empty() {
        let next = script.text[span.end..]
            .find('\n')
            .map_or(script.text.len(), |p| span.end + p + 1);
        return line_start..next;
    }
    let mut start = span.start;
    while start > line_start && matches!(script.text.as_bytes()[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    start..span.end
}

/// In a block comment, removes the lines that hold the key when they are inner lines, or the key
/// itself otherwise.
fn block_comment_edit(
    script: &Script<'_>,
    tok: usize,
    key: &Range<usize>,
) -> (Range<usize>, String) {
    let span = script.tokens[tok].span.clone();
    let line_start = script.text[..key.start].rfind('\n').map_or(0, |p| p + 1);
    let line_end = script.text[key.end..]
        .find('\n')
        .map_or(script.text.len(), |p| key.end + p + 1);
    if line_start > span.start && line_end <= span.end {
        return (line_start..line_end, String::new());
    }
    (key.clone(), "<removed: use the instance role>".into())
}

/// Applies the credential treatment to statement `s` (once).
fn fix_statement(script: &Script<'_>, plan: &mut Plan, s: usize) {
    if !plan.handled.insert(s) {
        return;
    }
    let elements = script.elements(s);
    if elements.is_empty() {
        return;
    }
    if script.stmts[s].container == Container::Hash {
        fix_hash_entry(script, plan, s);
        return;
    }
    let is_assignment = elements.len() > 2 && script.tok_text(elements[1].start) == "=";
    if !is_assignment {
        fix_command(script, plan, s, &elements, 0);
        return;
    }
    let value = &elements[2..];
    let first = script.element_text(&value[0]);
    let is_command = script.tokens[value[0].start].kind == Tok::Word
        && (first.contains('-') || first.eq_ignore_ascii_case("aws"));
    if is_command && !CREDENTIAL_SETTERS.contains(&first.to_ascii_lowercase().as_str()) {
        fix_command(script, plan, s, &elements, 2);
        return;
    }
    let has_block = script.stmts[s]
        .tokens
        .clone()
        .any(|i| script.tokens[i].kind == Tok::Open(lex::Open::Block));
    if has_block {
        return;
    }
    let target = script.elements(s)[0].clone();
    let var = script.tokens[target.clone()]
        .iter()
        .rev()
        .find(|t| t.kind == Tok::Variable);
    if let Some(var) = var {
        let name = lex::variable_name(&script.text[var.span.clone()]);
        if name.starts_with("env:") {
            plan.note("The script set AWS credentials as environment variables; a process that inherited them keeps using them until it restarts.".into());
        } else {
            plan.tainted.insert(name);
        }
    }
    plan.edits.push((script.removal(s), String::new()));
}

/// A hashtable entry that holds key material (or a key variable): remove it; remove the whole
/// hashtable assignment when only credential entries were in it.
fn fix_hash_entry(script: &Script<'_>, plan: &mut Plan, s: usize) {
    plan.edits.push((script.removal(s), String::new()));
    let Some(parent) = script.stmts[s].parent else {
        return;
    };
    let siblings: Vec<usize> = (0..script.stmts.len())
        .filter(|&e| {
            script.stmts[e].parent == Some(parent) && script.stmts[e].container == Container::Hash
        })
        .collect();
    let only_credentials = siblings.iter().all(|&e| {
        plan.handled.contains(&e)
            || script
                .elements(e)
                .first()
                .is_some_and(|k| KEY_ENTRIES.contains(&unquote(script.element_text(k)).as_str()))
    });
    let parent_elements = script.elements(parent);
    let is_assignment =
        parent_elements.len() > 2 && script.tok_text(parent_elements[1].start) == "=";
    let var = script.tokens[parent_elements[0].clone()]
        .iter()
        .rev()
        .find(|t| t.kind == Tok::Variable)
        .map(|t| lex::variable_name(&script.text[t.span.clone()]));
    let (true, Some(var)) = (is_assignment, var) else {
        return;
    };
    for &e in &siblings {
        let key = script
            .elements(e)
            .first()
            .map(|k| unquote(script.element_text(k)))
            .unwrap_or_default();
        if key == "storeas" || key == "profilename" {
            if let Some(value) = script.elements(e).get(2) {
                let profile = unquote(script.element_text(value));
                note_stored_profile(plan, &profile);
                plan.profiles.insert(profile);
            }
        }
    }
    if only_credentials {
        plan.handled.insert(parent);
        plan.edits.push((script.removal(parent), String::new()));
        plan.tainted.insert(var);
        return;
    }
    plan.cleaned_splats.insert(var);
    for &e in &siblings {
        let key = script
            .elements(e)
            .first()
            .map(|k| unquote(script.element_text(k)))
            .unwrap_or_default();
        if KEY_ENTRIES.contains(&key.as_str()) && plan.handled.insert(e) {
            plan.edits.push((script.removal(e), String::new()));
        }
    }
}

/// A command (from element `at`) that holds key material or uses removed variables.
fn fix_command(
    script: &Script<'_>,
    plan: &mut Plan,
    s: usize,
    elements: &[Range<usize>],
    at: usize,
) {
    let mut name_index = at;
    if matches!(script.element_text(&elements[at]), "&" | ".") && elements.len() > at + 1 {
        name_index += 1;
    }
    let name = unquote(script.element_text(&elements[name_index]));
    let name = name.trim_end_matches(".exe");
    let args = &elements[name_index + 1..];
    if CREDENTIAL_SETTERS.contains(&name) {
        fix_setter(script, plan, s, name, args);
        return;
    }
    if is_environment_setter(name, script.element_text(&elements[name_index])) {
        plan.note("The script stored AWS keys as persistent environment variables (setx / SetEnvironmentVariable): hosts that already ran it still have them; remove them there (for example `[Environment]::SetEnvironmentVariable('AWS_ACCESS_KEY_ID', $null, 'Machine')`).".into());
        plan.edits.push((script.removal(s), String::new()));
        return;
    }
    if name == "aws" && is_configure_set_key(script, args) {
        fix_aws_configure(script, plan, s, args);
        return;
    }
    remove_credential_arguments(script, plan, elements, name_index + 1);
}

fn is_environment_setter(name: &str, raw: &str) -> bool {
    name == "setx"
        || raw
            .to_ascii_lowercase()
            .starts_with("[environment]::setenvironmentvariable")
}

fn is_configure_set_key(script: &Script<'_>, args: &[Range<usize>]) -> bool {
    let words: Vec<String> = args
        .iter()
        .map(|e| unquote(script.element_text(e)))
        .collect();
    words.first().is_some_and(|w| w == "configure")
        && words.get(1).is_some_and(|w| w == "set")
        && words.get(2).is_some_and(|w| {
            let key = w.rsplit('.').next().unwrap_or(w);
            matches!(
                key,
                "aws_access_key_id" | "aws_secret_access_key" | "aws_session_token"
            )
        })
}

fn fix_aws_configure(script: &Script<'_>, plan: &mut Plan, s: usize, args: &[Range<usize>]) {
    let profile = args
        .iter()
        .position(|e| script.element_text(e) == "--profile")
        .and_then(|p| args.get(p + 1))
        .map(|e| unquote(script.element_text(e)))
        .unwrap_or_else(|| "default".into());
    plan.note(format!(
        "`aws configure set` wrote the key into ~/.aws/credentials (profile '{profile}') on every host that ran this script: delete it there, deactivate the key in IAM, and attach an instance profile (IAM role)."
    ));
    plan.edits.push((script.removal(s), String::new()));
}

/// `Set-AWSCredential …` goes; `Initialize-AWSDefaultConfiguration -Region r …` becomes
/// `Set-DefaultAWSRegion -Region r`.
fn fix_setter(script: &Script<'_>, plan: &mut Plan, s: usize, name: &str, args: &[Range<usize>]) {
    let value_of = |param: &str| {
        args.iter().enumerate().find_map(|(i, e)| {
            let text = script.element_text(e);
            let bare = text.trim_end_matches(':').to_ascii_lowercase();
            if bare != param {
                return None;
            }
            if text.ends_with(':') || e.len() > 1 {
                let rest = script.text[script.tokens[e.start].span.end..script.element_span(e).end]
                    .to_string();
                return Some(rest);
            }
            args.get(i + 1).map(|v| script.element_text(v).to_string())
        })
    };
    let stored = value_of("-storeas").or_else(|| value_of("-profilename"));
    let initializes = name.starts_with("initialize-");
    if let Some(profile) = &stored {
        let profile = unquote(profile);
        note_stored_profile(plan, &profile);
        plan.profiles.insert(profile);
    } else if initializes {
        note_stored_profile(plan, "default");
    }
    plan.note("Attach an IAM role to the instance (an instance profile): AWS Tools for PowerShell then find its credentials through the default credential chain.".into());
    match value_of("-region").filter(|_| initializes) {
        Some(region) => {
            let line = format!("Set-DefaultAWSRegion -Region {region}");
            plan.edits.push((script.span(s), line));
        }
        None => plan.edits.push((script.removal(s), String::new())),
    }
}

fn note_stored_profile(plan: &mut Plan, profile: &str) {
    plan.note(format!(
        "Hosts that already ran this script keep the key in their AWS credential store (profile '{profile}'): run `Remove-AWSCredentialProfile -ProfileName {profile} -Force` there, deactivate and delete the key in IAM, and give the instance an instance profile (IAM role)."
    ));
}

/// Removes key parameters (and their values), `-Credential`/`-ProfileName` values built from
/// removed variables or profiles, and splats of removed hashtables, from a command's elements.
fn remove_credential_arguments(
    script: &Script<'_>,
    plan: &mut Plan,
    elements: &[Range<usize>],
    from: usize,
) {
    let mut i = from;
    while i < elements.len() {
        let element = &elements[i];
        let first = script.tokens[element.start].kind;
        let text = script.element_text(element);
        if first == Tok::Splat && plan.tainted.contains(&lex::variable_name(text)) {
            push_removal(script, plan, elements[i - 1].end, element);
            i += 1;
            continue;
        }
        if first != Tok::Parameter {
            i += 1;
            continue;
        }
        let param = script
            .tok_text(element.start)
            .trim_end_matches(':')
            .to_ascii_lowercase();
        let attached = element.len() > 1 || text.ends_with(':');
        let value = if attached {
            Some(element)
        } else {
            elements.get(i + 1)
        };
        let drop = KEY_PARAMETERS.contains(&param.as_str())
            || (param == "-credential" && value.is_some_and(|v| uses_removed(script, plan, v)))
            || (param == "-profilename"
                && value.is_some_and(|v| plan.profiles.contains(&unquote(script.element_text(v)))));
        if drop {
            let last = if attached {
                element
            } else {
                value.unwrap_or(element)
            };
            push_removal(script, plan, elements[i - 1].end, last);
            i += if attached { 1 } else { 2 };
        } else {
            i += 1;
        }
    }
}

/// Removes from the end of the previous element (token index `after`) to the end of `last`.
fn push_removal(script: &Script<'_>, plan: &mut Plan, after: usize, last: &Range<usize>) {
    let start = script.tokens[after - 1].span.end;
    plan.edits
        .push((start..script.element_span(last).end, String::new()));
}

fn uses_removed(script: &Script<'_>, plan: &Plan, element: &Range<usize>) -> bool {
    script.tokens[element.clone()].iter().any(|t| {
        matches!(t.kind, Tok::Variable | Tok::Splat)
            && plan
                .tainted
                .contains(&lex::variable_name(&script.text[t.span.clone()]))
    })
}

/// Follows removed variables, hashtables and profiles to the statements that use them, until
/// nothing new is removed.
fn follow_taint(script: &Script<'_>, plan: &mut Plan) {
    loop {
        let before = (plan.edits.len(), plan.tainted.len(), plan.profiles.len());
        for i in 0..script.tokens.len() {
            let t = &script.tokens[i];
            if plan.covers(&t.span) {
                continue;
            }
            let text = &script.text[t.span.clone()];
            let uses = match t.kind {
                Tok::Variable => plan.tainted.contains(&lex::variable_name(text)),
                Tok::Splat => {
                    let name = lex::variable_name(text);
                    plan.tainted.contains(&name)
                        || (plan.cleaned_splats.contains(&name) && in_setter(script, i))
                }
                Tok::Parameter => uses_profile(script, plan, i),
                _ => false,
            };
            if !uses {
                continue;
            }
            if let Some(s) = script.statement_of(i) {
                if plan.handled.contains(&s) {
                    continue;
                }
                if t.kind == Tok::Splat && plan.cleaned_splats.contains(&lex::variable_name(text)) {
                    plan.handled.insert(s);
                    let elements = script.elements(s);
                    fix_command(script, plan, s, &elements, 0);
                } else {
                    fix_statement(script, plan, s);
                }
            }
        }
        if before == (plan.edits.len(), plan.tainted.len(), plan.profiles.len()) {
            return;
        }
    }
}

fn in_setter(script: &Script<'_>, tok: usize) -> bool {
    script.statement_of(tok).is_some_and(|s| {
        let first = script.stmts[s].tokens.start;
        CREDENTIAL_SETTERS.contains(&script.tok_text(first).to_ascii_lowercase().as_str())
    })
}

fn uses_profile(script: &Script<'_>, plan: &Plan, tok: usize) -> bool {
    if plan.profiles.is_empty() || !script.tok_text(tok).eq_ignore_ascii_case("-profilename") {
        return false;
    }
    let next = script.tokens[tok + 1..]
        .iter()
        .find(|t| !t.kind.is_trivia());
    next.is_some_and(|t| {
        plan.profiles
            .contains(&unquote(&script.text[t.span.clone()]))
    })
}

/// Checks coverage and builds the outcome.
fn finish(script: &Script<'_>, mut plan: Plan, matches: &[Match]) -> Outcome {
    let uncovered: Vec<ManualFix> = matches
        .iter()
        .filter(|m| !plan.covers(&m.span))
        .map(|m| ManualFix {
            line: m.line,
            reason: format!("rolecall does not know how to remove this {} from this PowerShell statement", m.kind.label()),
            advice: "remove it by hand and attach an instance profile (IAM role); AWS Tools for PowerShell find role credentials by themselves".into(),
        })
        .collect();
    if !uncovered.is_empty() {
        return Outcome::Manual(uncovered);
    }
    for t in &script.tokens {
        let name = lex::variable_name(&script.text[t.span.clone()]);
        if matches!(t.kind, Tok::Variable | Tok::Splat)
            && plan.tainted.contains(&name)
            && !plan.covers(&t.span)
        {
            plan.manual.push(ManualFix {
                line: script.line_of(t.span.start),
                reason: format!(
                    "this line still uses ${name}, which held an AWS key and is removed"
                ),
                advice:
                    "drop that use; the cmdlets find the instance role's credentials by themselves"
                        .into(),
            });
        }
    }
    match apply_edits(script.text, &plan.edits) {
        Some(text) => Outcome::Rewritten {
            text,
            notes: plan.notes,
            manual: plan.manual,
        },
        None => Outcome::Manual(vec![ManualFix {
            line: matches.first().map_or(1, |m| m.line),
            reason:
                "the credential edits in this script overlap in a way rolecall does not untangle"
                    .into(),
            advice: "remove the credential parameters by hand and attach an instance profile"
                .into(),
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;
    use crate::fake::FakeKeys;
    use proptest::prelude::*;

    fn rewrite(text: &str) -> Outcome {
        let matches: Vec<Match> = Detector::builtin().scan(text.as_bytes()).matches;
        assert!(!matches.is_empty(), "the fixture holds no key");
        PowerShellRewriter.rewrite(&FileToFix {
            path: "user-data.ps1",
            text,
            matches: &matches,
        })
    }

    fn rewritten(template: &str) -> (String, Vec<String>) {
        let text = FakeKeys::new(11).expand(template);
        match rewrite(&text) {
            Outcome::Rewritten { text, notes, .. } => {
                assert!(
                    Detector::builtin().scan(text.as_bytes()).matches.is_empty(),
                    "a key survives:\n{text}"
                );
                lex::check_structure(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
                (text, notes)
            }
            other => panic!("not rewritten: {other:?}"),
        }
    }

    #[test]
    fn user_data_setter_goes_and_downloads_stay() {
        let (text, notes) = rewritten(
            "<powershell>\nSet-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default\nRead-S3Object -BucketName installers -Key app.msi -File C:\\app.msi\n</powershell>\n",
        );
        assert_eq!(text, "<powershell>\nRead-S3Object -BucketName installers -Key app.msi -File C:\\app.msi\n</powershell>\n");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("Remove-AWSCredentialProfile -ProfileName default")),
            "{notes:?}"
        );
    }

    #[test]
    fn key_parameters_leave_cmdlets_with_their_continuations() {
        let (text, _) = rewritten(
            "Read-S3Object -BucketName b `\n    -AccessKey '{AKIA}' `\n    -SecretKey:'{SECRET}' `\n    -Key k -File f\nCopy-S3Object -BucketName b -Key k -DestinationKey d -AccessKey {AKIA} -SecretKey {SECRET}\n",
        );
        assert_eq!(text, "Read-S3Object -BucketName b `\n    -Key k -File f\nCopy-S3Object -BucketName b -Key k -DestinationKey d\n");
    }

    #[test]
    fn initialize_with_region_becomes_set_default_region() {
        let (text, notes) = rewritten("Initialize-AWSDefaultConfiguration -AccessKey {AKIA} -SecretKey {SECRET} -Region eu-west-1\nGet-S3Bucket\n");
        assert_eq!(
            text,
            "Set-DefaultAWSRegion -Region eu-west-1\nGet-S3Bucket\n"
        );
        assert!(notes.iter().any(|n| n.contains("'default'")));
    }

    #[test]
    fn variables_and_splats_are_followed() {
        let (text, _) = rewritten(
            "$accessKey = '{AKIA}'\n$secretKey = \"{SECRET}\"\n$creds = @{\n    AccessKey = $accessKey\n    SecretKey = $secretKey\n}\n$opts = @{ AccessKey = $accessKey; Region = 'us-east-1' }\nSet-AWSCredential @creds -StoreAs deploy\nRead-S3Object @opts -BucketName b -Key k -File f -ProfileName deploy\nWrite-Host 'done'\n",
        );
        assert_eq!(text, "$opts = @{ Region = 'us-east-1' }\nRead-S3Object @opts -BucketName b -Key k -File f\nWrite-Host 'done'\n");
    }

    #[test]
    fn comments_with_keys_are_removed() {
        let (text, _) = rewritten("# old key: {AKIA}\nGet-S3Object -BucketName b # was {AKIA}\n<#\n secret {SECRET}\n#>\n");
        assert_eq!(text, "Get-S3Object -BucketName b\n<#\n#>\n");
    }

    #[test]
    fn utf16_text_is_left_to_a_human() {
        let text =
            FakeKeys::new(3).expand("Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET}");
        let wide: String = text.chars().flat_map(|c| [c, '\0']).collect();
        let matches = Detector::builtin().scan(wide.as_bytes()).matches;
        let out = PowerShellRewriter.rewrite(&FileToFix {
            path: "a.ps1",
            text: &wide,
            matches: &matches,
        });
        assert!(
            matches!(out, Outcome::Manual(ref m) if m[0].reason.contains("UTF-16")),
            "{out:?}"
        );
    }

    /// Statements that have nothing to do with credentials (each line unique, so a line diff
    /// attributes it unambiguously).
    const BENIGN: &[&str] = &[
        "$region = 'us-east-1'",
        "Read-S3Object -BucketName installers -Key app.msi -File C:\\app.msi",
        "if (-not (Test-Path C:\\tools)) {\n    New-Item -ItemType Directory C:\\tools | Out-Null\n} # tools",
        "$cfg = @{ BucketName = 'logs'; Region = $region }",
        "Write-S3Object @cfg -File C:\\log.txt `\n    -Key log.txt",
        "$msg = @\"\nhello $(Get-Date)\n\"@",
        "# install step",
        "Start-Process msiexec -ArgumentList '/i C:\\app.msi /qn' -Wait",
    ];

    /// Statements that hold key material or use a variable that held it.
    const CREDENTIAL: &[&str] = &[
        "Set-AWSCredential -AccessKey {AKIA} -SecretKey {SECRET} -StoreAs default",
        "$ak = '{AKIA}'",
        "Read-S3Object -BucketName b -Key k.zip -File k.zip -AccessKey $ak",
        "Copy-S3Object -BucketName b -Key x -LocalFile x.bin `\n  -AccessKey {AKIA} `\n  -SecretKey {SECRET}",
        "$sk = @{\n  AccessKey = '{AKIA}'\n  SecretKey = '{SECRET}'\n}",
        "Initialize-AWSDefaultConfiguration -AccessKey {AKIA} -SecretKey {SECRET} -Region us-west-2",
        "aws configure set aws_secret_access_key {SECRET}",
        "# key {AKIA}",
    ];

    fn lcs_kept(a: &[&str], b: &[&str]) -> Vec<bool> {
        let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                dp[i][j] = if a[i] == b[j] {
                    dp[i + 1][j + 1] + 1
                } else {
                    dp[i + 1][j].max(dp[i][j + 1])
                };
            }
        }
        let (mut i, mut j, mut kept) = (0, 0, vec![false; a.len()]);
        while i < a.len() && j < b.len() {
            if a[i] == b[j] {
                kept[i] = true;
                i += 1;
                j += 1;
            } else if dp[i + 1][j] >= dp[i][j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
        kept
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn arbitrary_text_never_panics(text in "([ -~\\n\\t`'\"@${}()\\[\\];|#<>-]|\\PC){0,300}", seed in 0u64..1000) {
            let mut keys = FakeKeys::new(seed);
            let text = format!("{text}\n-AccessKey {} -SecretKey {} {text}", keys.key_id("AKIA"), keys.secret());
            let matches = Detector::builtin().scan(text.as_bytes()).matches;
            let _ = PowerShellRewriter.rewrite(&FileToFix { path: "p.ps1", text: &text, matches: &matches });
        }

        #[test]
        fn only_credential_statements_change(picks in proptest::collection::vec((any::<bool>(), 0usize..8), 1..12), seed in 0u64..1000) {
            let mut keys = FakeKeys::new(seed);
            let mut text = String::new();
            let mut owner: Vec<bool> = Vec::new();
            for (credential, i) in &picks {
                let stmt = if *credential { keys.expand(CREDENTIAL[*i]) } else { BENIGN[*i].to_string() };
                for line in stmt.lines() {
                    text.push_str(line);
                    text.push('\n');
                    owner.push(*credential);
                }
            }
            let matches = Detector::builtin().scan(text.as_bytes()).matches;
            let out = PowerShellRewriter.rewrite(&FileToFix { path: "p.ps1", text: &text, matches: &matches });
            let new = match out {
                Outcome::Rewritten { text, .. } => text,
                Outcome::NotHandled => String::new(),
                Outcome::Manual(m) => { prop_assert!(matches.is_empty(), "manual: {m:?}\n{text}"); text.clone() }
                Outcome::Edits { .. } => { prop_assert!(false, "the PowerShell rewriter returns text"); String::new() }
            };
            prop_assert!(lex::check_structure(&new).is_ok(), "{:?}\n{new}", lex::check_structure(&new));
            let old_lines: Vec<&str> = text.lines().collect();
            let new_lines: Vec<&str> = new.lines().collect();
            for (i, kept) in lcs_kept(&old_lines, &new_lines).into_iter().enumerate() {
                prop_assert!(kept || owner[i], "line {} changed without a credential on it or its statement: {:?}\n{new}", i + 1, old_lines[i]);
            }
        }
    }
}
