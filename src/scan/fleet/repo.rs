//! One repository of a fleet scan: deciding what to read (nothing, the new objects, or all of
//! them), and turning the engine's report into the repository's findings and its next state.

use super::discover::FleetRepo;
use super::inventory::{objects_dir, Inventory};
use super::state::{contains, encode_ids, RepoState, StateStore, STATE_FORMAT};
use crate::error::{Error, Result};
use crate::finding::{Finding, Source};
use crate::model::report::{ScanReport, Skipped, Stats};
use crate::rules::rules_version;
use git2::Oid;
use std::collections::HashSet;

/// What a repository needs, decided before any object is read.
pub(super) enum Plan {
    /// Nothing was added since the recorded state: its findings are reported again (as known).
    Unchanged {
        findings: Vec<Finding>,
        notes: Vec<Skipped>,
        known_objects: u64,
    },
    /// Objects must be read.
    Work(Box<Work>),
    /// The repository could not be read at all.
    Unreadable {
        reason: String,
        findings: Vec<Finding>,
    },
}

/// A repository with objects to read.
pub(super) struct Work {
    /// Its object store before reading.
    pub inventory: Inventory,
    /// The recorded state, when it was made with the same rules (an incremental scan).
    pub previous: Option<RepoState>,
    /// Findings of any earlier run (also with other rules), to mark findings as known.
    pub earlier: Vec<Finding>,
    /// An upper bound of the objects to read, to schedule big repositories first.
    pub estimate: u64,
}

impl Work {
    /// Whether this is an incremental scan (otherwise the whole history is read).
    pub fn incremental(&self) -> bool {
        self.previous.is_some()
    }
}

/// Decides what `repo` needs, from its object store and its recorded state.
pub(super) fn plan(repo: &FleetRepo, store: Option<&StateStore>) -> Plan {
    let recorded = store.and_then(|s| s.load(&repo.name));
    let inventory = match objects_dir(&repo.path).and_then(|dir| Inventory::take(&dir)) {
        Ok(inventory) => inventory,
        Err(e) => {
            return Plan::Unreadable {
                reason: unreadable_reason(&e),
                findings: recorded.map(|r| r.findings).unwrap_or_default(),
            }
        }
    };
    let Some(previous) = recorded else {
        let estimate = inventory.estimate();
        return Plan::Work(Box::new(Work {
            inventory,
            previous: None,
            earlier: Vec::new(),
            estimate,
        }));
    };
    if previous.rules != rules_version() {
        let estimate = inventory.estimate();
        return Plan::Work(Box::new(Work {
            inventory,
            previous: None,
            earlier: previous.findings,
            estimate,
        }));
    }
    let marks = inventory.marks();
    let unchanged = marks == previous.packs
        && inventory.loose_digest() == previous.loose
        && previous.retry.is_empty();
    if unchanged {
        return Plan::Unchanged {
            findings: previous.findings,
            notes: previous.notes,
            known_objects: inventory.estimate(),
        };
    }
    let known: HashSet<&str> = previous.packs.iter().map(|p| p.checksum.as_str()).collect();
    let estimate = marks
        .iter()
        .filter(|m| !known.contains(m.checksum.as_str()))
        .map(|m| m.objects)
        .sum::<u64>()
        + inventory.loose.iter().map(|l| l.len() as u64).sum::<u64>();
    Plan::Work(Box::new(Work {
        earlier: previous.findings.clone(),
        inventory,
        previous: Some(previous),
        estimate,
    }))
}

/// A repository that cannot be read, said plainly.
pub(super) fn unreadable_reason(e: &Error) -> String {
    format!("cannot read this repository: {e}")
}

/// The ids a repository's scan reads.
pub(super) struct Selection {
    /// Every id in the object store now.
    pub current: Vec<Oid>,
    /// The ids to read: all of them, or those not scanned before (and those to retry).
    pub to_read: Vec<Oid>,
}

impl Selection {
    /// Ids in the store that were not read because they were scanned before.
    pub fn known(&self) -> u64 {
        (self.current.len() - self.to_read.len().min(self.current.len())) as u64
    }
}

/// Lists the ids `work` reads.
pub(super) fn select(work: &Work) -> Result<Selection> {
    let current = work.inventory.all_ids()?;
    let Some(previous) = &work.previous else {
        return Ok(Selection {
            to_read: current.clone(),
            current,
        });
    };
    let scanned = previous.scanned_ids();
    let retry: HashSet<Oid> = previous.retry_ids().into_iter().collect();
    let to_read = current
        .iter()
        .copied()
        .filter(|id| retry.contains(id) || !contains(&scanned, id))
        .collect();
    Ok(Selection { current, to_read })
}

/// What a repository contributes to the fleet report.
#[derive(Debug, Default)]
pub(super) struct RepoOutcome {
    /// Findings (tagged with the repository, `known` set).
    pub findings: Vec<Finding>,
    /// What was not scanned (prefixed with the repository's name).
    pub skipped: Vec<Skipped>,
    /// Engine counters.
    pub stats: Stats,
    /// How the repository was handled.
    pub status: RepoStatus,
    /// Objects not read thanks to the recorded state.
    pub known_objects: u64,
}

/// How a repository was handled.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum RepoStatus {
    /// Its new objects (or all of them) were read.
    #[default]
    Scanned,
    /// Nothing new since the recorded state.
    Unchanged,
    /// It could not be read.
    Unreadable,
}

/// The key under which two findings are the same finding: the value (fingerprint) at the same
/// place of the same repository.
pub type FindingKey = (
    Option<String>,
    String,
    Source,
    Option<String>,
    u32,
    u32,
    Option<String>,
    Option<String>,
);

/// The [`FindingKey`] of `f`.
pub fn finding_key(f: &Finding) -> FindingKey {
    (
        f.repo.clone(),
        f.fingerprint.clone(),
        f.source,
        f.path.clone(),
        f.line,
        f.column,
        f.commit.clone(),
        f.blob.clone(),
    )
}

/// The outcome of a repository whose objects were not read.
pub(super) fn outcome_without_reading(repo: &FleetRepo, plan: Plan) -> RepoOutcome {
    match plan {
        Plan::Unchanged {
            findings,
            notes,
            known_objects,
        } => RepoOutcome {
            findings: tag(repo, findings, |_| true),
            skipped: notes.into_iter().map(|s| prefixed(repo, s)).collect(),
            status: RepoStatus::Unchanged,
            known_objects,
            ..RepoOutcome::default()
        },
        Plan::Unreadable { reason, findings } => RepoOutcome {
            findings: tag(repo, findings, |_| true),
            skipped: vec![Skipped {
                what: repo.name.clone(),
                reason,
            }],
            status: RepoStatus::Unreadable,
            ..RepoOutcome::default()
        },
        Plan::Work(_) => unreachable!("repositories with work are read"),
    }
}

/// The outcome of a repository that could not be read after all (its recorded findings are
/// still reported, as known, and its state is left as it was).
pub(super) fn outcome_unreadable(repo: &FleetRepo, work: &Work, e: &Error) -> RepoOutcome {
    outcome_without_reading(
        repo,
        Plan::Unreadable {
            reason: unreadable_reason(e),
            findings: work
                .previous
                .as_ref()
                .map(|p| p.findings.clone())
                .unwrap_or_default(),
        },
    )
}

/// Turns the engine's `report` for `selection` into the repository's outcome and records its
/// new state.
pub(super) fn finish(
    repo: &FleetRepo,
    git: &git2::Repository,
    work: &Work,
    selection: &Selection,
    report: ScanReport,
    store: Option<&StateStore>,
) -> RepoOutcome {
    let (retry, notes): (Vec<Skipped>, Vec<Skipped>) = report
        .skipped
        .into_iter()
        .partition(|s| Oid::from_str(&s.what).is_ok());
    let retry_ids: HashSet<Oid> = retry
        .iter()
        .filter_map(|s| Oid::from_str(&s.what).ok())
        .collect();
    let mut open = report.findings;
    let new_keys: HashSet<FindingKey> = open.iter().map(finding_key).collect();
    if let Some(previous) = &work.previous {
        let odb = git.odb().ok();
        let still_there = |f: &Finding| {
            let object = f.blob.as_deref().or(f.commit.as_deref());
            match (object.and_then(|o| Oid::from_str(o).ok()), &odb) {
                (Some(id), Some(odb)) => odb.exists(id),
                // Nothing to check it by: keep it (a finding is closed only when it is gone).
                _ => true,
            }
        };
        open.extend(
            previous
                .findings
                .iter()
                .filter(|f| !new_keys.contains(&finding_key(f)) && still_there(f))
                .cloned(),
        );
    }
    let mut state_error = None;
    if let Some(store) = store {
        let scanned: Vec<Oid> = selection
            .current
            .iter()
            .copied()
            .filter(|id| !retry_ids.contains(id))
            .collect();
        let mut retry_list: Vec<String> = retry_ids.iter().map(Oid::to_string).collect();
        retry_list.sort();
        let state = RepoState {
            format: STATE_FORMAT,
            repo: repo.name.clone(),
            rules: rules_version().to_string(),
            updated: now(),
            packs: work.inventory.marks(),
            loose: work.inventory.loose_digest(),
            objects: encode_ids(&scanned),
            retry: retry_list,
            notes: notes.clone(),
            findings: open.clone(),
        };
        state_error = store.save(&state).err();
    }
    let earlier: HashSet<FindingKey> = work.earlier.iter().map(finding_key).collect();
    let mut skipped: Vec<Skipped> = notes
        .into_iter()
        .chain(retry)
        .map(|s| prefixed(repo, s))
        .collect();
    if let Some(e) = state_error {
        skipped.push(Skipped {
            what: repo.name.clone(),
            reason: format!(
                "scanned, but its state could not be recorded ({e}); the next run scans it again"
            ),
        });
    }
    RepoOutcome {
        findings: tag(repo, open, |f| earlier.contains(&finding_key(f))),
        skipped,
        stats: report.stats,
        status: RepoStatus::Scanned,
        known_objects: selection.known(),
    }
}

/// Sets `repo` on each finding and marks those `is_known` says were reported before.
fn tag(
    repo: &FleetRepo,
    findings: Vec<Finding>,
    is_known: impl Fn(&Finding) -> bool,
) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.repo = None;
            f.known = is_known(&f);
            f.repo = Some(repo.name.clone());
            f
        })
        .collect()
}

fn prefixed(repo: &FleetRepo, s: Skipped) -> Skipped {
    Skipped {
        what: format!("{}: {}", repo.name, s.what),
        reason: s.reason,
    }
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::git::iso8601(secs, 0)
}
