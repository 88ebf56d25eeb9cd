//! Remediation: rewrite files so that embedded AWS credentials give way to the SDK's default
//! credential chain (an IAM role), and emit the change as a `git apply`-able unified diff.
//!
//! Each language has a [`Rewriter`]. The framework ([`fix_text`]) picks the rewriter for a file,
//! runs it, and checks its work: the result must rescan clean of every credential the original
//! had, or the file is left untouched and reported as needing a manual fix.

pub mod php;
pub mod powershell;
pub mod python;
pub mod ruby;
pub mod script_edit;
pub mod shell;

pub mod awsini;
pub mod compose;
pub mod csharp;
pub mod dockerfile;
pub mod ecs;
pub mod gha;
pub mod go;
pub mod java;
pub mod javascript;
pub mod jvm;
pub mod notebook;
pub mod paths;
pub mod serverless;
pub mod terraform;
pub mod yamlcfg;

use crate::detect::{Detector, Match};
use crate::syntax::edit::EditSet;
use crate::syntax::Language;
use serde::Serialize;

/// A file handed to a rewriter.
#[derive(Debug)]
pub struct FileToFix<'a> {
    /// Repository-relative path (forward slashes).
    pub path: &'a str,
    /// The file's text (UTF-8).
    pub text: &'a str,
    /// What the detector found in `text` (spans are byte offsets into `text`).
    pub matches: &'a [Match],
}

/// A spot that rolecall will not change by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualFix {
    /// 1-based line.
    pub line: u32,
    /// Why rolecall did not fix it.
    pub reason: String,
    /// What to do by hand.
    pub advice: String,
}

impl ManualFix {
    /// One spot per match, all with the same `reason` and `advice`.
    pub(crate) fn each(matches: &[Match], reason: &str, advice: &str) -> Vec<ManualFix> {
        matches
            .iter()
            .map(|m| ManualFix {
                line: m.line,
                reason: reason.to_string(),
                advice: advice.to_string(),
            })
            .collect()
    }
}

/// What a rewriter did with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Edits on the file's text, one [`SpotEdits`](crate::syntax::edit::SpotEdits) per credential,
    /// for the framework to apply, check with the parse guard and rescan (see [`fix_text`]).
    /// Rewriters built on the syntax layer return this.
    Edits {
        /// The planned edits.
        edits: EditSet,
        /// Notes to show next to the patch.
        notes: Vec<String>,
        /// Spots that need a hand (their credentials stay; every other spot is still fixed).
        manual: Vec<ManualFix>,
    },
    /// The new text of the file, plus notes for the user (for example "hosts that already ran this
    /// script still hold the key in their credential store").
    Rewritten {
        /// The whole new file text.
        text: String,
        /// Notes to show next to the patch.
        notes: Vec<String>,
        /// Spots in the same file that still need a hand (may be empty).
        manual: Vec<ManualFix>,
    },
    /// Nothing could be fixed safely; the file stays as it is.
    Manual(Vec<ManualFix>),
    /// This rewriter does not handle this file after all.
    NotHandled,
}

impl Outcome {
    /// Every key of `file` left to a human with `reason` and `advice`, and no edit: what a
    /// rewriter answers when it cannot read the file at all.
    pub(crate) fn all_manual(file: &FileToFix<'_>, reason: &str, advice: &str) -> Outcome {
        Outcome::Edits {
            edits: EditSet::new(file.text),
            notes: Vec::new(),
            manual: ManualFix::each(file.matches, reason, advice),
        }
    }
}

/// A language-specific rewriter.
pub trait Rewriter: Sync + Send {
    /// Short name (`python`, `powershell`, …).
    fn name(&self) -> &'static str;
    /// Whether this rewriter handles the file (by path and, where needed, content).
    fn handles(&self, path: &str, text: &str) -> bool;
    /// Rewrites the file. Must only touch the statements that hold a match.
    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome;
}

/// The rewriters, most specific first.
pub fn rewriters() -> Vec<Box<dyn Rewriter>> {
    // Each language module registers itself here.
    vec![
        Box::new(notebook::Notebook),
        Box::new(javascript::JavaScript),
        Box::new(java::Java),
        Box::new(go::Go),
        Box::new(csharp::CSharp),
        Box::new(jvm::Kotlin),
        Box::new(jvm::Scala),
        Box::new(gha::GithubActionsRewriter),
        Box::new(compose::ComposeRewriter),
        Box::new(yamlcfg::KubernetesRewriter),
        Box::new(serverless::ServerlessRewriter),
        Box::new(awsini::AwsIniRewriter),
        Box::new(terraform::TerraformRewriter),
        Box::new(ecs::EcsTaskDefinitionRewriter),
        Box::new(powershell::PowerShellRewriter),
        Box::new(shell::ShellRewriter),
        Box::new(python::Python),
        Box::new(ruby::Ruby),
        Box::new(php::Php),
    ]
}

/// The result of fixing one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFix {
    /// Repository-relative path.
    pub path: String,
    /// The original text.
    pub old: String,
    /// The new text, when the file was rewritten.
    pub new: Option<String>,
    /// The rewriter that handled it.
    pub rewriter: Option<&'static str>,
    /// Notes for the user.
    pub notes: Vec<String>,
    /// Spots that need a hand.
    pub manual: Vec<ManualFix>,
}

/// Fixes one file's text: finds credentials, runs the matching rewriter, and checks its work.
///
/// For a rewriter's [`Outcome::Edits`] the framework applies the edit set (overlapping spots
/// become manual), runs the parse guard (the patched file must parse with no more syntax errors
/// than the original; spots that break it are dropped one by one, see
/// [`syntax::guard::settle`](crate::syntax::guard::settle)), then rescans: a credential that was
/// not handed to a human must be gone. Spots that need a hand never stop the file's other spots
/// from being fixed; the notes say so. A legacy [`Outcome::Rewritten`] text passes the same parse
/// guard and rescan as a whole.
pub fn fix_text(detector: &Detector, path: &str, text: &str) -> FileFix {
    let matches: Vec<Match> = detector
        .scan(text.as_bytes())
        .matches
        .into_iter()
        .filter(|m| !m.inline_allowed)
        .collect();
    let mut fix = FileFix {
        path: path.to_string(),
        old: text.to_string(),
        new: None,
        rewriter: None,
        notes: Vec::new(),
        manual: Vec::new(),
    };
    if matches.is_empty() {
        return fix;
    }
    if let Some(endpoint) = non_aws_endpoint(text) {
        fix.manual = vec![ManualFix {
            line: matches[0].line,
            reason: format!("the file talks to a non-AWS endpoint ({endpoint}); these keys are not AWS IAM keys"),
            advice: "leave them to that service's own secret handling; rolecall does not rewrite them".into(),
        }];
        return fix;
    }
    let file = FileToFix {
        path,
        text,
        matches: &matches,
    };
    for rewriter in rewriters() {
        if !rewriter.handles(path, text) {
            continue;
        }
        let name = rewriter.name();
        match rewriter.rewrite(&file) {
            Outcome::NotHandled => continue,
            Outcome::Manual(manual) => {
                fix.rewriter = Some(name);
                fix.manual = manual;
            }
            Outcome::Edits {
                edits,
                notes,
                manual,
            } => {
                fix.rewriter = Some(name);
                finish_edits(detector, &file, name, edits, notes, manual, &mut fix);
            }
            Outcome::Rewritten {
                text: new,
                notes,
                manual,
            } => {
                fix.rewriter = Some(name);
                finish_text(detector, &file, name, new, notes, manual, &mut fix);
            }
        }
        return fix;
    }
    fix.manual = ManualFix::each(
        &matches,
        &format!("no rewriter knows this kind of file ({path})"),
        "delete the credential, attach an IAM role where the code runs, and let the SDK's default credential chain pick it up",
    );
    fix
}

/// The advice for a spot the framework had to leave alone.
const HAND_ADVICE: &str =
    "remove it by hand and let the SDK's default credential chain find the role";

/// The parse guard for a file: the patched text must parse with no more errors than `original`.
fn parse_guard<'a>(path: &str, original: &'a str) -> impl Fn(&str) -> Result<(), String> + 'a {
    let lang = Language::detect(path, original);
    move |patched: &str| match lang {
        Some(lang) => {
            crate::syntax::guard::check(lang, original, patched).map_err(|e| e.to_string())
        }
        None => Ok(()),
    }
}

/// Applies a rewriter's edit set: overlap rule, parse guard spot by spot, rescan.
fn finish_edits(
    detector: &Detector,
    file: &FileToFix<'_>,
    name: &str,
    mut edits: EditSet,
    mut notes: Vec<String>,
    mut manual: Vec<ManualFix>,
    fix: &mut FileFix,
) {
    let guard = parse_guard(file.path, file.text);
    let applied = crate::syntax::guard::settle(&mut edits, &guard);
    for r in &applied.rejected {
        manual.push(ManualFix {
            line: crate::syntax::parse::line_of(file.text, r.key.start),
            reason: format!("rolecall left this credential in place: {}", r.reason),
            advice: HAND_ADVICE.into(),
        });
    }
    if applied.text != file.text {
        let handed: Vec<u32> = manual.iter().map(|m| m.line).collect();
        for m in still_present(detector, file.matches, &applied.text) {
            if !handed.contains(&m.line) {
                manual.push(ManualFix {
                    line: m.line,
                    reason: format!("the {name} rewrite left a {} in place", m.kind.label()),
                    advice: HAND_ADVICE.into(),
                });
            }
        }
        if !manual.is_empty() {
            notes.push(format!(
                "this file is fixed in part: {} spot(s) still need a hand (listed with the file)",
                manual.len()
            ));
        }
        fix.new = Some(applied.text);
        fix.notes = notes;
    }
    manual.sort_by_key(|m| m.line);
    manual.dedup();
    fix.manual = manual;
}

/// Checks a legacy rewriter's whole new text: the parse guard and the rescan, all or nothing.
fn finish_text(
    detector: &Detector,
    file: &FileToFix<'_>,
    name: &str,
    new: String,
    notes: Vec<String>,
    manual: Vec<ManualFix>,
    fix: &mut FileFix,
) {
    if let Err(why) = parse_guard(file.path, file.text)(&new) {
        fix.manual = vec![ManualFix {
            line: file.matches.first().map_or(1, |m| m.line),
            reason: format!("the {name} rewrite was not emitted: {why}"),
            advice: HAND_ADVICE.into(),
        }];
        return;
    }
    let handed: Vec<u32> = manual.iter().map(|m| m.line).collect();
    let left: Vec<&Match> = still_present(detector, file.matches, &new)
        .into_iter()
        .filter(|m| !handed.contains(&m.line))
        .collect();
    if left.is_empty() {
        let mut notes = notes;
        if !manual.is_empty() {
            notes.push(format!(
                "this file is fixed in part: {} spot(s) still need a hand (listed with the file)",
                manual.len()
            ));
        }
        fix.new = Some(new);
        fix.notes = notes;
        fix.manual = manual;
    } else {
        fix.manual = left
            .into_iter()
            .map(|m| ManualFix {
                line: m.line,
                reason: format!("the {} rewrite left a {} in place", name, m.kind.label()),
                advice:
                    "remove it by hand and let the SDK's default credential chain find the role"
                        .into(),
            })
            .collect();
    }
}

/// The credentials of `before` that are still in `after`.
fn still_present<'m>(detector: &Detector, before: &'m [Match], after: &str) -> Vec<&'m Match> {
    let now = detector.scan(after.as_bytes()).matches;
    before
        .iter()
        .filter(|b| now.iter().any(|n| n.value == b.value && !n.inline_allowed))
        .collect()
}

/// Hosts that mean "this is an S3-compatible service, not AWS".
const NON_AWS_ENDPOINTS: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "localstack",
    "minio",
    "r2.cloudflarestorage.com",
    "wasabisys.com",
    "digitaloceanspaces.com",
    "backblazeb2.com",
    "storage.googleapis.com",
];

/// The non-AWS endpoint a file points at, if any (an `endpoint`/`endpoint_url` setting whose value
/// names a non-AWS host).
pub fn non_aws_endpoint(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for (i, _) in lower.match_indices("endpoint") {
        let line_end = lower[i..].find('\n').map(|e| i + e).unwrap_or(lower.len());
        let line = &lower[i..line_end];
        if let Some(host) = NON_AWS_ENDPOINTS.iter().find(|h| line.contains(*h)) {
            return Some((*host).to_string());
        }
    }
    None
}

/// A unified diff from `old` to `new` for `path`, in the form `git apply` takes from the
/// repository root (`a/` and `b/` prefixes).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(3);
    let patch = git2::Patch::from_buffers(
        old.as_bytes(),
        Some(std::path::Path::new(path)),
        new.as_bytes(),
        Some(std::path::Path::new(path)),
        Some(&mut opts),
    );
    match patch.and_then(|mut p| p.to_buf()) {
        Ok(buf) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => String::new(),
    }
}
