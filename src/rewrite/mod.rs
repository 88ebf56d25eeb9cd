//! Rewriting unpushed history so that a key never reaches the server (`rolecall fix --rewrite`).
//!
//! The loop: [`plan`] lists the commits of the range (default `@{upstream}..HEAD`, without an upstream `HEAD --not --remotes`) parents
//! first; [`tree`] gives each commit a new tree in which every file with a credential carries
//! `rolecall fix`'s role-based rewrite (or a marker where no code fix applies); [`commit`] writes
//! the commit again with everything but its tree, parents and any credential in its message kept
//! byte for byte (so the same input gives the same ids on any clone); [`refs`] moves the branch
//! with a compare-and-swap, keeps a backup ref and brings a checked-out work tree along; the range
//! is scanned again; [`rotate`] says how to retire each key. [`filter_repo`] writes the
//! `git filter-repo` expressions for histories that are already published.

pub mod commit;
pub mod filter_repo;
pub mod plan;
pub mod refs;
pub mod rotate;
pub mod tree;

use crate::detect::Detector;
use crate::error::Result;
use crate::finding::Kind;
use crate::git::open_repo;
use crate::scan::range::{scan_range, RangeSpec, ResolvedRange};
use crate::scan::{ScanOptions, ScanReport};
use crate::ExitCode;
use commit::MessageRedaction;
use git2::{Oid, Repository};
use plan::Plan;
use refs::RefUpdate;
use rotate::{Credential, Rotation};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use tree::{PathChange, TreeRewriter};

/// How to rewrite.
#[derive(Debug, Clone, Default)]
pub struct RewriteOptions {
    /// Compute everything (new ids included) without writing objects or moving refs.
    pub dry_run: bool,
    /// Skip the rescan of the rewritten range (benchmarks of the rewrite alone).
    pub skip_rescan: bool,
}

/// What happened to one commit.
#[derive(Debug, Clone)]
pub struct CommitChange {
    /// The original commit.
    pub old: Oid,
    /// Its rewrite (equal to `old` when nothing in or below it changed).
    pub new: Oid,
    /// Its subject line (a credential in it is shown as its marker).
    pub summary: String,
    /// Paths whose content changed, sorted (introduced here, or inherited from a parent).
    pub paths: Vec<PathChange>,
    /// Credentials removed from the message.
    pub message: Vec<MessageRedaction>,
    /// Whether its signature was dropped.
    pub dropped_signature: bool,
    /// Whether the commit was left out because the rewrite leaves it empty (it only removed a
    /// credential the rewrite already removed, as when the patch `rolecall fix` printed was
    /// committed); `new` is then its parent's rewrite.
    pub emptied: bool,
}

/// The outcome of a rewrite.
#[derive(Debug)]
pub struct RewriteReport {
    /// The range as resolved.
    pub spec: String,
    /// The range's base.
    pub base: Option<Oid>,
    /// The branch that moves (full name), if the range's head names one.
    pub branch: Option<String>,
    /// The old tip.
    pub old_tip: Oid,
    /// The new tip.
    pub new_tip: Oid,
    /// Every commit of the range, parents first.
    pub commits: Vec<CommitChange>,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Credentials the detector still finds in rewritten blobs (should be 0).
    pub left: usize,
    /// The branch update (none for a dry run, an unchanged range or a head that is no branch).
    pub update: Option<RefUpdate>,
    /// The range scanned again after the rewrite.
    pub rescan: Option<ScanReport>,
    /// Every credential removed.
    pub credentials: Vec<Credential>,
    /// How to retire each key.
    pub rotations: Vec<Rotation>,
}

impl RewriteReport {
    /// Whether anything changes.
    pub fn changed(&self) -> bool {
        self.new_tip != self.old_tip
    }
}

/// Rewrites `range` (`None`: `@{upstream}..HEAD`) of `repo`.
pub fn rewrite_range(
    repo: &Repository,
    range: Option<&str>,
    opts: &RewriteOptions,
) -> Result<RewriteReport> {
    rewrite_range_with(repo, range, opts, &mut |_| Ok(()))
}

/// Like [`rewrite_range`], calling `before_update` once the new commits exist and before the
/// branch moves (a hook point: an `Err` stops the rewrite there, and tests use it to move the
/// branch behind rolecall's back).
pub fn rewrite_range_with(
    repo: &Repository,
    range: Option<&str>,
    opts: &RewriteOptions,
    before_update: &mut dyn FnMut(&RewriteReport) -> Result<()>,
) -> Result<RewriteReport> {
    let detector = Detector::shared();
    let plan = plan::plan(repo, range)?;
    let mut report = if opts.dry_run {
        // New objects go to an in-memory object store that dies with this handle.
        let scratch = Repository::open(repo.path())?;
        scratch.odb()?.add_new_mempack_backend(1000)?;
        build(&scratch, detector, &plan, true)?
    } else {
        build(repo, detector, &plan, false)?
    };
    before_update(&report)?;
    if opts.dry_run || !report.changed() {
        return Ok(report);
    }
    if let Some(branch) = &plan.branch {
        report.update = Some(refs::move_branch(repo, branch, plan.head, report.new_tip)?);
    }
    if !opts.skip_rescan {
        let spec = RangeSpec {
            base: plan.base.map(|b| b.to_string()),
            head: report.new_tip.to_string(),
        };
        report.rescan = Some(scan_range(repo, &spec, detector, &ScanOptions::default())?);
    }
    Ok(report)
}

/// The tip that rewriting `range` would produce, computed without writing anything: new objects
/// go to an in-memory object store added to `scratch`, so pass a handle of its own that is dropped
/// afterwards. The rewrite is deterministic, so the pre-receive hook can tell a pusher which tip
/// `rolecall fix --rewrite` will give them.
pub fn predict_tip(scratch: &Repository, range: &str) -> Result<Oid> {
    let detector = Detector::shared();
    let plan = plan::plan(scratch, Some(range))?;
    scratch.odb()?.add_new_mempack_backend(1000)?;
    Ok(build(scratch, detector, &plan, true)?.new_tip)
}

/// Writes the new blobs, trees and commits for every commit of the plan.
fn build(
    repo: &Repository,
    detector: &Detector,
    plan: &Plan,
    dry_run: bool,
) -> Result<RewriteReport> {
    let mut trees = TreeRewriter::new(repo, detector);
    let mut map: HashMap<Oid, Oid> = HashMap::new();
    let mut commits = Vec::with_capacity(plan.commits.len());
    let mut creds: BTreeMap<(Kind, String), Credential> = BTreeMap::new();
    for &old in &plan.commits {
        let c = repo.find_commit(old)?;
        let in_range: Vec<Oid> = c
            .parent_ids()
            .filter(|p| plan.in_range.contains(p))
            .collect();
        let parents: Vec<Oid> = c
            .parent_ids()
            .map(|p| map.get(&p).copied().unwrap_or(p))
            .collect();
        let (tree, paths) = trees.rewrite_commit_tree(old, &in_range)?;
        let summary = {
            let msg = commit::redact_message(detector, c.summary_bytes().unwrap_or_default()).0;
            String::from_utf8_lossy(&msg).into_owned()
        };
        if let Some(parent) = emptied(repo, &c, tree, &parents)? {
            for r in commit::redact_message(detector, c.message_raw_bytes()).1 {
                creds
                    .entry((r.kind, r.value.expose().to_string()))
                    .or_insert_with(|| new_credential(r.kind, &r.value))
                    .commits
                    .insert(old);
            }
            map.insert(old, parent);
            commits.push(CommitChange {
                old,
                new: parent,
                summary,
                paths,
                message: Vec::new(),
                dropped_signature: false,
                emptied: true,
            });
            continue;
        }
        let rewritten = commit::rewrite_commit(repo, detector, old, tree, &parents)?;
        for change in paths.iter().filter(|p| p.introduced) {
            for r in &change.fix.removed {
                let cred = creds
                    .entry((r.kind, r.value.expose().to_string()))
                    .or_insert_with(|| new_credential(r.kind, &r.value));
                cred.blobs.insert(change.fix.old);
                cred.commits.insert(old);
            }
        }
        for r in &rewritten.message {
            creds
                .entry((r.kind, r.value.expose().to_string()))
                .or_insert_with(|| new_credential(r.kind, &r.value))
                .commits
                .insert(old);
        }
        map.insert(old, rewritten.id);
        commits.push(CommitChange {
            old,
            new: rewritten.id,
            summary,
            paths,
            message: rewritten.message,
            dropped_signature: rewritten.dropped_signature,
            emptied: false,
        });
    }
    let left = trees.fixes().map(|f| f.left).sum();
    let credentials: Vec<Credential> = creds.into_values().collect();
    let rotations = rotate::rotations(repo, plan.base, &credentials)?;
    Ok(RewriteReport {
        spec: plan.spec.clone(),
        base: plan.base,
        branch: plan.branch.clone(),
        old_tip: plan.head,
        new_tip: map.get(&plan.head).copied().unwrap_or(plan.head),
        commits,
        dry_run,
        left,
        update: None,
        rescan: None,
        credentials,
        rotations,
    })
}

/// The rewritten parent to use in place of `c` when the rewrite leaves `c` empty: a commit with
/// one parent whose new tree is its rewritten parent's tree, although the original changed
/// something (an empty commit made on purpose is kept). `None`: keep the commit.
fn emptied(
    repo: &Repository,
    c: &git2::Commit<'_>,
    tree: Oid,
    parents: &[Oid],
) -> Result<Option<Oid>> {
    let [parent] = parents else {
        return Ok(None);
    };
    if repo.find_commit(*parent)?.tree_id() != tree {
        return Ok(None);
    }
    let was_empty = c.parent(0)?.tree_id() == c.tree_id();
    Ok((!was_empty).then_some(*parent))
}

fn new_credential(kind: Kind, value: &crate::finding::Secret) -> Credential {
    Credential {
        kind,
        value: value.clone(),
        blobs: Default::default(),
        commits: Default::default(),
    }
}

/// What `rolecall fix --rewrite` / `--filter-repo` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RewriteRequest {
    /// The repository (any path inside it).
    pub path: PathBuf,
    /// The range (`None`: `@{upstream}..HEAD`).
    pub range: Option<String>,
    /// Show what would change; change nothing.
    pub dry_run: bool,
    /// Write `git filter-repo --replace-text` expressions here instead of rewriting.
    pub filter_repo: Option<PathBuf>,
}

/// Runs a request against the repository at `request.path`, writing the report to `out`.
pub fn run(request: &RewriteRequest, out: &mut dyn Write) -> Result<ExitCode> {
    let repo = open_repo(&request.path)?;
    run_with_repo(&repo, request, out)
}

/// Runs a request against an open repository, writing the report to `out`.
pub fn run_with_repo(
    repo: &Repository,
    request: &RewriteRequest,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    if let Some(file) = &request.filter_repo {
        let detector = Detector::shared();
        let range = match &request.range {
            Some(r) => {
                let p = plan::plan(repo, Some(r))?;
                Some(ResolvedRange {
                    base: p.base,
                    head: p.head,
                    commits: p.commits,
                })
            }
            None => None,
        };
        let written = filter_repo::write_expressions(repo, detector, range.as_ref(), file)?;
        filter_repo::render(file, &written, out)?;
        return Ok(if written.credentials > 0 {
            ExitCode::Found
        } else {
            ExitCode::Clean
        });
    }
    let opts = RewriteOptions {
        dry_run: request.dry_run,
        skip_rescan: false,
    };
    let report = rewrite_range(repo, request.range.as_deref(), &opts)?;
    render(&report, out)?;
    let remains = report.left > 0
        || report
            .rescan
            .as_ref()
            .is_some_and(|r| !r.findings.is_empty());
    Ok(if remains || (report.dry_run && report.changed()) {
        ExitCode::Found
    } else {
        ExitCode::Clean
    })
}

fn short(id: Oid) -> String {
    id.to_string()[..12].to_string()
}

/// Writes the human report (values redacted; key IDs only in the rotation commands).
pub fn render(report: &RewriteReport, out: &mut dyn Write) -> std::io::Result<()> {
    let would = if report.dry_run { "would be " } else { "" };
    writeln!(
        out,
        "rolecall: {} {}: {} commit(s){}{}",
        if report.dry_run {
            "dry run of the rewrite of"
        } else {
            "rewriting"
        },
        report.spec,
        report.commits.len(),
        report
            .branch
            .as_deref()
            .map(|b| format!(" on {}", b.trim_start_matches("refs/heads/")))
            .unwrap_or_default(),
        if report.dry_run {
            " (nothing is changed)"
        } else {
            ""
        }
    )?;
    if !report.changed() {
        writeln!(
            out,
            "rolecall: nothing to rewrite: no credential in the range's files or messages"
        )?;
        return Ok(());
    }
    let n = report.commits.len();
    let mut dropped = 0;
    for (i, c) in report.commits.iter().enumerate() {
        let state = if c.emptied {
            "  (left out: the rewrite leaves it empty)"
        } else if c.new == c.old {
            "  (unchanged)"
        } else {
            ""
        };
        writeln!(
            out,
            "  {}/{n} {} -> {}  {}{state}",
            i + 1,
            short(c.old),
            short(c.new),
            c.summary
        )?;
        for p in c.paths.iter().filter(|p| p.introduced) {
            let what: Vec<String> = p
                .fix
                .removed
                .iter()
                .map(|r| {
                    format!(
                        "{} {} (line {})",
                        r.kind.label(),
                        r.value.redacted(),
                        r.line
                    )
                })
                .collect();
            writeln!(out, "      {}: {}", p.path, what.join(", "))?;
            writeln!(out, "          {}{}", would, p.fix.method.describe())?;
        }
        let carried = c.paths.iter().filter(|p| !p.introduced).count();
        if carried > 0 {
            writeln!(
                out,
                "      carries {carried} fixed file(s) from its parent(s) unchanged"
            )?;
        }
        for m in &c.message {
            writeln!(
                out,
                "      message line {}: {} {} {}replaced by {}",
                m.line,
                m.kind.label(),
                m.value.redacted(),
                would,
                tree::marker(m.kind)
            )?;
        }
        if c.dropped_signature {
            dropped += 1;
            writeln!(out, "      its signature {}dropped", would)?;
        }
    }
    if report.left > 0 {
        writeln!(
            out,
            "rolecall: {} credential(s) could not be removed from the rewritten files",
            report.left
        )?;
    }
    if dropped > 0 {
        writeln!(
            out,
            "note: {dropped} signed commit(s) {would}rewritten unsigned (a signature covers the \
             old content); sign them again if you need to, which changes their ids"
        )?;
    }
    writeln!(out, "new tip: {}", report.new_tip)?;
    match (&report.update, report.dry_run, &report.branch) {
        (_, true, _) => writeln!(
            out,
            "rolecall: dry run: no object written, no ref moved; run without --dry-run to \
             rewrite (the same input gives the same new tip)"
        )?,
        (Some(u), _, _) => {
            writeln!(
                out,
                "moved {} {} -> {}; backup of the old tip at {} (it still holds the keys: \
                 `git update-ref -d {}` once you have checked the result)",
                u.branch.trim_start_matches("refs/heads/"),
                short(u.old),
                short(u.new),
                u.backup,
                u.backup
            )?;
            if u.checked_out {
                writeln!(
                    out,
                    "updated the index and working tree: {} file(s)",
                    u.files.len()
                )?;
            }
        }
        (None, _, _) => writeln!(
            out,
            "the range's head is not a local branch, so nothing was moved: use the new tip with \
             `git reset --keep {}` or `git branch NAME {}`",
            report.new_tip, report.new_tip
        )?,
    }
    if let Some(scan) = &report.rescan {
        let spec = match report.base {
            Some(b) => format!("{}..{}", short(b), short(report.new_tip)),
            None => short(report.new_tip),
        };
        if scan.findings.is_empty() && !scan.incomplete() {
            writeln!(out, "rescan of {spec}: clean")?;
        } else {
            writeln!(
                out,
                "rescan of {spec}: {} finding(s) remain{}",
                scan.findings.len(),
                if scan.incomplete() {
                    " (scan incomplete)"
                } else {
                    ""
                }
            )?;
            for f in &scan.findings {
                writeln!(out, "  {} {} {}", f.location(), f.kind.label(), f.redacted)?;
            }
        }
        if scan.findings.is_empty() && report.update.is_some() {
            writeln!(out, "push again: git push")?;
        }
    }
    rotate::render(&report.rotations, out)?;
    Ok(())
}
