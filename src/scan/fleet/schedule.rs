//! One pool of workers for a whole fleet.
//!
//! Each worker runs the scan engine single-threaded, one task at a time, from one shared queue:
//! the machine's cores are shared by every repository instead of each repository starting its
//! own pool. Repositories are queued largest first (longest-processing-time order), and a
//! repository with more than `chunk` objects to read is split into chunks that go to the
//! front of the queue, so that every worker helps with it while the small repositories fill
//! the gaps at the end: a small repository never leaves cores idle while a big one runs alone.
//!
//! Small repositories go through the engine's whole-history entry point
//! ([`history::scan_history`]) or its explicit-ids entry point ([`history::scan_object_set`]);
//! chunks of big ones through [`scan_objects`] and then [`history::report_outcome`] for
//! attribution, once their last chunk is done. A faster engine underneath makes fleet scans
//! faster with no change here.

use super::discover::FleetRepo;
use super::inventory::objects_dir;
use super::repo::{self, Plan, RepoOutcome, Selection, Work};
use super::state::StateStore;
use crate::detect::Detector;
use crate::error::{ErrorKind, Result};
use crate::git::store::{ObjectStore, Selection as Pick};
use crate::git::RepoOpener;
use crate::scan::history;
use crate::scan::objects::{scan_objects, ReadOutcome};
use crate::scan::ScanOptions;
use git2::Oid;
use gix_hash::ObjectId;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::VecDeque;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Everything the workers share.
pub(super) struct Fleet<'a> {
    pub repos: &'a [FleetRepo],
    pub detector: &'a Detector,
    pub opts: &'a ScanOptions,
    pub store: Option<&'a StateStore>,
    pub chunk: usize,
    pub progress: FleetProgress,
}

/// A unit of work.
enum Task {
    /// Plan and read a repository (small ones whole; big ones split into chunks).
    Repo(usize, Box<Work>),
    /// Read one chunk of a big repository.
    Chunk(Arc<BigRepo>, Range<usize>),
}

/// A big repository being read in chunks.
struct BigRepo {
    index: usize,
    work: Box<Work>,
    selection: Selection,
    parts: Mutex<Vec<ReadOutcome>>,
    remaining: AtomicUsize,
    failed: Mutex<Option<crate::error::Error>>,
}

/// How many workers `threads` means (0: one per core).
pub(super) fn workers(threads: usize) -> usize {
    if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

impl Fleet<'_> {
    /// The engine's options for one single-threaded call.
    fn single(&self) -> ScanOptions {
        ScanOptions {
            threads: 1,
            progress: false,
            ..self.opts.clone()
        }
    }

    /// Plans every repository in parallel. Planning reads small files (state, index trailers,
    /// loose object folders) and waits on the file system more than it computes, so it uses
    /// more threads than there are cores.
    pub fn plan_all(&self) -> Vec<Plan> {
        let next = AtomicUsize::new(0);
        let plans: Mutex<Vec<(usize, Plan)>> = Mutex::new(Vec::new());
        let planners = (workers(self.opts.threads) * 4).clamp(1, 16);
        std::thread::scope(|s| {
            for _ in 0..planners.min(self.repos.len().max(1)) {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(repo) = self.repos.get(i) else { break };
                    let plan = repo::plan(repo, self.store);
                    plans.lock().expect("no worker panics").push((i, plan));
                });
            }
        });
        let mut plans = plans.into_inner().expect("no worker panics");
        plans.sort_by_key(|(i, _)| *i);
        plans.into_iter().map(|(_, p)| p).collect()
    }

    /// Runs every plan on one pool of workers; returns each repository's outcome in order.
    pub fn run(&self, plans: Vec<Plan>) -> Result<Vec<RepoOutcome>> {
        let mut outcomes: Vec<Option<RepoOutcome>> = Vec::new();
        outcomes.resize_with(self.repos.len(), || None);
        let mut work = Vec::new();
        for (i, plan) in plans.into_iter().enumerate() {
            match plan {
                Plan::Work(w) => work.push((i, w)),
                other => {
                    outcomes[i] = Some(repo::outcome_without_reading(&self.repos[i], other));
                    self.progress.repo_done();
                }
            }
        }
        // Largest first; ties by name so that runs are reproducible.
        work.sort_by(|a, b| b.1.estimate.cmp(&a.1.estimate).then(a.0.cmp(&b.0)));
        let queue: Mutex<VecDeque<Task>> =
            Mutex::new(work.into_iter().map(|(i, w)| Task::Repo(i, w)).collect());
        let done: Mutex<Vec<(usize, RepoOutcome)>> = Mutex::new(Vec::new());
        let abort = AtomicBool::new(false);
        let fatal: Mutex<Option<crate::error::Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..workers(self.opts.threads) {
                s.spawn(|| {
                    while !abort.load(Ordering::Relaxed) {
                        let task = queue.lock().expect("no worker panics").pop_front();
                        let Some(task) = task else { break };
                        match self.execute(task, &queue) {
                            Ok(Some((i, outcome))) => {
                                done.lock().expect("no worker panics").push((i, outcome));
                                self.progress.repo_done();
                            }
                            Ok(None) => {}
                            Err(e) => {
                                abort.store(true, Ordering::Relaxed);
                                fatal.lock().expect("no worker panics").get_or_insert(e);
                            }
                        }
                    }
                });
            }
        });
        self.progress.finish();
        if let Some(e) = fatal.into_inner().expect("no worker panics") {
            return Err(e);
        }
        for (i, outcome) in done.into_inner().expect("no worker panics") {
            outcomes[i] = Some(outcome);
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every repository has an outcome"))
            .collect())
    }

    /// Runs one task; returns a repository's outcome when the task finished one. Only a timeout
    /// or cancellation is an error (it stops the whole run); a repository that fails is an
    /// outcome.
    fn execute(
        &self,
        task: Task,
        queue: &Mutex<VecDeque<Task>>,
    ) -> Result<Option<(usize, RepoOutcome)>> {
        match task {
            Task::Repo(i, work) => self.start_repo(i, work, queue),
            Task::Chunk(big, range) => self.run_chunk(&big, range),
        }
    }

    fn start_repo(
        &self,
        i: usize,
        work: Box<Work>,
        queue: &Mutex<VecDeque<Task>>,
    ) -> Result<Option<(usize, RepoOutcome)>> {
        let repo = &self.repos[i];
        let selection = match repo::select(&work) {
            Ok(selection) => selection,
            Err(e) => return Ok(Some((i, repo::outcome_unreadable(repo, &work, &e)))),
        };
        if selection.to_read.len() <= self.chunk {
            return self.scan_small(i, &work, selection).map(Some);
        }
        let chunks: Vec<Range<usize>> = (0..selection.to_read.len())
            .step_by(self.chunk)
            .map(|start| start..(start + self.chunk).min(selection.to_read.len()))
            .collect();
        let big = Arc::new(BigRepo {
            index: i,
            work,
            selection,
            parts: Mutex::new(Vec::new()),
            remaining: AtomicUsize::new(chunks.len()),
            failed: Mutex::new(None),
        });
        let mut rest = chunks.into_iter();
        let first = rest.next().expect("a big repository has chunks");
        {
            let mut queue = queue.lock().expect("no worker panics");
            for range in rest.rev() {
                queue.push_front(Task::Chunk(big.clone(), range));
            }
        }
        self.run_chunk(&big, first)
    }

    /// Reads a repository in one engine call.
    fn scan_small(
        &self,
        i: usize,
        work: &Work,
        selection: Selection,
    ) -> Result<(usize, RepoOutcome)> {
        let repo = &self.repos[i];
        let git = match open(&repo.path) {
            Ok(git) => git,
            Err(e) => return Ok((i, repo::outcome_unreadable(repo, work, &e))),
        };
        let opener = RepoOpener::Path(repo.path.clone());
        let single = self.single();
        let report = if !work.incremental() {
            history::scan_history(&git, &opener, self.detector, &single)
        } else if selection.to_read.is_empty() {
            Ok(Default::default())
        } else {
            history::scan_object_set(
                &git,
                &opener,
                &selection.to_read,
                None,
                self.detector,
                &single,
            )
            .map(|mut r| {
                r.skipped.extend(history::shallow_note(&git));
                r
            })
        };
        self.progress.objects_done(selection.to_read.len() as u64);
        match report {
            Ok(report) => Ok((
                i,
                repo::finish(repo, &git, work, &selection, report, self.store),
            )),
            Err(e) if is_fatal(&e) => Err(e),
            Err(e) => Ok((i, repo::outcome_unreadable(repo, work, &e))),
        }
    }

    /// Reads one chunk; the worker that reads the last one attributes and finishes.
    fn run_chunk(
        &self,
        big: &BigRepo,
        range: Range<usize>,
    ) -> Result<Option<(usize, RepoOutcome)>> {
        let repo = &self.repos[big.index];
        let ids: &[Oid] = &big.selection.to_read[range];
        if big.failed.lock().expect("no worker panics").is_none() {
            let ids: Vec<ObjectId> = ids.iter().map(|id| history::to_object_id(*id)).collect();
            let store = objects_dir(&repo.path).and_then(|objects| {
                ObjectStore::of_repository(objects.parent().unwrap_or(&objects))
            });
            let part = store.and_then(|store| {
                scan_objects(&store, Pick::Ids(&ids), self.detector, &self.single())
            });
            match part {
                Ok(part) => big.parts.lock().expect("no worker panics").push(part),
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    big.failed
                        .lock()
                        .expect("no worker panics")
                        .get_or_insert(e);
                }
            }
        }
        self.progress.objects_done(ids.len() as u64);
        if big.remaining.fetch_sub(1, Ordering::AcqRel) != 1 {
            return Ok(None);
        }
        if let Some(e) = big.failed.lock().expect("no worker panics").take() {
            return Ok(Some((
                big.index,
                repo::outcome_unreadable(repo, &big.work, &e),
            )));
        }
        let parts = std::mem::take(&mut *big.parts.lock().expect("no worker panics"));
        let outcome = self.finish_big(big, parts);
        match outcome {
            Ok(outcome) => Ok(Some((big.index, outcome))),
            Err(e) if is_fatal(&e) => Err(e),
            Err(e) => Ok(Some((
                big.index,
                repo::outcome_unreadable(repo, &big.work, &e),
            ))),
        }
    }

    fn finish_big(&self, big: &BigRepo, parts: Vec<ReadOutcome>) -> Result<RepoOutcome> {
        let repo = &self.repos[big.index];
        let started = Instant::now();
        let git = open(&repo.path)?;
        let opener = RepoOpener::Path(repo.path.clone());
        let merged = merge_parts(parts);
        let mut report = history::report_outcome(&git, &opener, merged, None, &self.single())?;
        report.skipped.extend(history::shallow_note(&git));
        report.stats.seconds = started.elapsed().as_secs_f64();
        Ok(repo::finish(
            repo,
            &git,
            &big.work,
            &big.selection,
            report,
            self.store,
        ))
    }
}

/// Opens a repository exactly at `path` (never a repository above it).
fn open(path: &Path) -> Result<git2::Repository> {
    Ok(git2::Repository::open_ext(
        path,
        git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&Path>(),
    )?)
}

/// A timeout or cancellation stops the whole run; anything else only its repository.
fn is_fatal(e: &crate::error::Error) -> bool {
    matches!(e.kind(), ErrorKind::Timeout)
}

/// One outcome from a big repository's chunks.
fn merge_parts(parts: Vec<ReadOutcome>) -> ReadOutcome {
    let mut merged = ReadOutcome::default();
    for part in parts {
        merged.hits.extend(part.hits);
        merged.skipped.extend(part.skipped);
        merged.commits.extend(part.commits);
        merged.stats.add(&part.stats);
    }
    merged.hits.sort_by_key(|h| h.id);
    merged
}

/// A progress bar across repositories, on stderr when it is a terminal.
pub(super) struct FleetProgress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
    objects: AtomicU64,
}

impl FleetProgress {
    /// A bar over `repos` repositories; hidden unless `wanted` and stderr is a terminal.
    pub fn new(wanted: bool, repos: u64) -> FleetProgress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(repos), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {pos}/{len} repositories, {msg} [{elapsed}] {wide_bar}",
                )
                .expect("valid template"),
            );
            bar
        });
        FleetProgress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            objects: AtomicU64::new(0),
        }
    }

    fn show(&self) -> Option<&ProgressBar> {
        let bar = self.bar.as_ref()?;
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= Duration::from_millis(400)
        {
            self.shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        Some(bar)
    }

    fn objects_done(&self, n: u64) {
        let total = self.objects.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = self.show() {
            bar.set_message(format!("{total} objects read"));
        }
    }

    fn repo_done(&self) {
        if let Some(bar) = self.show() {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
