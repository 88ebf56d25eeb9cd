//! The server-side pre-receive hook: reads every ref update of a push, scans exactly the objects
//! the push would add to history (the quarantine minus what the server already has), applies the
//! administrator's `[hook]` policy and decides: accept (exit 0) or reject (exit 1).
//!
//! [`run_pre_receive`] never panics on bad input and never hangs: stdin is read with a size and
//! time bound, the scan gets the time budget as its deadline, and the whole judgement runs on a
//! worker thread that is abandoned when the budget runs out. Timeouts and internal errors follow
//! `on_timeout` / `on_error`, are said to the pusher and written to the audit log.

pub mod audit;
pub mod input;
pub mod install;
pub mod message;
pub mod names;
pub mod objects;

use crate::detect::Detector;
use crate::error::{ErrorKind, Result};
use crate::finding::{Finding, Source};
use crate::git::open_repo;
use crate::policy::{Config, HookAction, OnFailure, Policy};
use crate::scan::{history::scan_object_set, ScanOptions, Stats};
use audit::{AuditFinding, AuditRecord, AuditRef};
use input::{HookEnv, RefUpdate};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the hook decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing found (or only ignored severities).
    Clean,
    /// Only warning-level findings: reported, accepted.
    Warned,
    /// Blocking findings: rejected.
    Blocked,
    /// Blocking findings let through by `rolecall.bypass` (allowed by the server).
    Bypassed,
    /// A bypass was asked for but the server does not allow it (or no reason was given).
    BypassRefused,
    /// The time budget ran out.
    Timeout,
    /// rolecall itself failed (bad input, unreadable repository, bad config).
    Error,
}

impl Outcome {
    /// The name used in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::Warned => "warned",
            Outcome::Blocked => "blocked",
            Outcome::Bypassed => "bypassed",
            Outcome::BypassRefused => "bypass-refused",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
        }
    }
}

/// The hook's decision and everything it tells the pusher.
#[derive(Debug, Clone)]
pub struct HookVerdict {
    /// Whether the push is accepted (exit 0) or rejected (exit 1).
    pub accepted: bool,
    /// Why.
    pub outcome: Outcome,
    /// The ref updates read from stdin (empty when stdin was malformed).
    pub updates: Vec<RefUpdate>,
    /// Findings that block (before any bypass).
    pub blocking: Vec<Finding>,
    /// Findings that only warn.
    pub warnings: Vec<Finding>,
    /// Findings an inline `rolecall:allow` marker suppressed (only with `hook.inline_allow`;
    /// shown to the pusher and audited).
    pub allowed: Vec<Finding>,
    /// Scan counters of the new objects.
    pub stats: Stats,
    /// Objects found in the quarantine, and how many of them the server already had.
    pub listed: usize,
    /// Quarantined objects already in the main store (not scanned).
    pub already_present: usize,
    /// The text for the pusher (stderr; git shows it after `remote: `).
    pub message: String,
    /// Wall time of the whole hook.
    pub elapsed: Duration,
}

impl HookVerdict {
    /// The process exit status: 0 accept, 1 reject.
    pub fn exit_code(&self) -> crate::ExitCode {
        if self.accepted {
            crate::ExitCode::Clean
        } else {
            crate::ExitCode::Found
        }
    }
}

/// What the worker thread sends: the verdict's facts first, then (when the push is blocked)
/// the predicted rewrite tips.
enum Step {
    Judged(Box<Result<Judgement>>),
    Tips(Vec<(String, git2::Oid)>),
}

/// What the worker thread found.
struct Judgement {
    /// Whether a finding blocks the push (the tips are predicted only then).
    blocks: bool,
    /// How to open the repository with the push's objects (for the tip prediction).
    opener: crate::git::RepoOpener,
    updates: Vec<RefUpdate>,
    /// Per rejected ref, the tip `rolecall fix --rewrite` will produce.
    tips: Vec<(String, git2::Oid)>,
    findings: Vec<Finding>,
    /// Findings suppressed by inline markers (`hook.inline_allow`).
    allowed: Vec<Finding>,
    stats: Stats,
    skipped: usize,
    listed: usize,
    already_present: usize,
}

/// Runs the pre-receive hook: reads ref updates from `stdin`, scans the push described by `env`
/// and judges it with `config`'s policy. Never panics on bad input; returns within the time
/// budget (plus a few milliseconds) even when the scan does not.
pub fn run_pre_receive<R: Read + Send + 'static>(
    stdin: R,
    env: &HookEnv,
    config: &Config,
) -> HookVerdict {
    let started = Instant::now();
    let deadline = started + config.hook.time_budget();
    let opts = ScanOptions {
        deadline: Some(deadline),
        ..ScanOptions::default()
    };
    let cancel = opts.cancel.clone();
    let (tx, rx) = mpsc::channel();
    let worker_env = env.clone();
    let worker_config = config.clone();
    let spawned = std::thread::Builder::new()
        .name("rolecall-hook".into())
        .spawn(move || {
            let result = judge(stdin, deadline, &worker_env, &worker_config, &opts);
            // The verdict goes first: what the tip prediction does later cannot change it.
            let predict = match &result {
                Ok(j) if j.blocks => Some((j.opener.clone(), j.updates.clone())),
                _ => None,
            };
            let _ = tx.send(Step::Judged(Box::new(result)));
            if let Some((opener, updates)) = predict {
                let tips = rewrite_tips(&opener, &updates, deadline, &opts.cancel);
                let _ = tx.send(Step::Tips(tips));
            }
        });
    let result = match spawned {
        Err(e) => Err(crate::error::Error::input(format!(
            "cannot start the hook's worker thread: {e}"
        ))),
        Ok(_) => match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Step::Judged(judged)) => match *judged {
                Ok(mut j) => {
                    if j.blocks {
                        // Best effort: a prediction still running at the deadline is abandoned
                        // (and told to stop); the verdict stands.
                        let left = deadline.saturating_duration_since(Instant::now());
                        if let Ok(Step::Tips(tips)) = rx.recv_timeout(left) {
                            j.tips = tips;
                        }
                        cancel.store(true, Ordering::Relaxed);
                    }
                    Ok(j)
                }
                Err(e) => Err(e),
            },
            Ok(Step::Tips(_)) => Err(crate::error::Error::input(
                "internal error: tips before the verdict",
            )),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                cancel.store(true, Ordering::Relaxed);
                Err(crate::error::Error::new(ErrorKind::Timeout))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(crate::error::Error::input(
                "internal error: the scan stopped without a result",
            )),
        },
    };
    let mut verdict = decide(result, env, config);
    verdict.elapsed = started.elapsed();
    verdict.message.push_str(&stats_line(&verdict));
    if config.hook.gitlab && !verdict.accepted {
        verdict.message = message::gitlab(&verdict.message);
    }
    verdict
}

fn judge<R: Read + Send + 'static>(
    stdin: R,
    deadline: Instant,
    env: &HookEnv,
    config: &Config,
    opts: &ScanOptions,
) -> Result<Judgement> {
    let raw = input::read_bounded(stdin, deadline)?;
    let updates = input::parse_updates(&raw)?;
    let push = objects::push_objects(env, &updates)?;
    let mut judgement = Judgement {
        blocks: false,
        opener: push.opener.clone(),
        updates,
        tips: Vec::new(),
        findings: Vec::new(),
        allowed: Vec::new(),
        stats: Stats::default(),
        skipped: 0,
        listed: push.listed,
        already_present: push.already_present,
    };
    let detector = Detector::shared();
    let (mut found, mut suppressed) = names::ref_name_findings(detector, &judgement.updates);
    if !push.ids.is_empty() {
        let repo = push.opener.open()?;
        // Pushed text does not decide what the gate lets through: markers count only when the
        // server's policy says so, and then what they hide is shown and audited.
        let every = ScanOptions {
            inline_allow: false,
            tree_names: true,
            ..opts.clone()
        };
        let mut report = scan_object_set(&repo, &push.opener, &push.ids, None, detector, &every)?;
        if config.hook.inline_allow {
            let honoured = ScanOptions {
                tree_names: true,
                ..opts.clone()
            };
            let honoured =
                scan_object_set(&repo, &push.opener, &push.ids, None, detector, &honoured)?;
            let key = |f: &Finding| {
                (
                    f.fingerprint.clone(),
                    f.commit.clone(),
                    f.path.clone(),
                    f.line,
                    f.column,
                )
            };
            let kept: std::collections::HashSet<_> = honoured.findings.iter().map(key).collect();
            let (stay, allowed): (Vec<Finding>, Vec<Finding>) = report
                .findings
                .into_iter()
                .partition(|f| kept.contains(&key(f)));
            report.findings = stay;
            judgement.allowed = allowed;
        }
        // A name reaches the pusher's terminal, the audit log and every report: never raw.
        for f in report.findings.iter_mut() {
            if f.source == Source::TreeEntry {
                f.path = f.path.as_deref().map(message::safe);
            }
        }
        found.extend(report.findings);
        suppressed += report.stats.suppressed;
        judgement.stats = report.stats;
        judgement.skipped = report.skipped.len();
    }
    // Pairing follows the push: a key ID and its secret added in two commits (or two files, or
    // a ref name and a file) of one push are one credential.
    let all: Vec<usize> = (0..found.len()).collect();
    crate::scan::assemble::pair_group(&mut found, &all);
    let policy = Policy::new(config, None)?;
    let (kept, dropped) = policy.apply(found);
    judgement.findings = kept;
    judgement.stats.suppressed = suppressed + dropped;
    judgement.blocks = judgement
        .findings
        .iter()
        .any(|f| matches!(config.hook.action(f.severity), HookAction::Block));
    Ok(judgement)
}

/// For each updated ref whose old value the server has, the tip `rolecall fix --rewrite` will
/// produce for `old..new` (the pusher's `@{upstream}..HEAD`). Best effort within the deadline:
/// a ref whose prediction fails or runs late is simply left out of the message. Runs after the
/// verdict is sent; stops between refs once `cancel` is set or the deadline is near, and the
/// hook stops waiting for it at the deadline (the verdict never depends on it).
fn rewrite_tips(
    opener: &crate::git::RepoOpener,
    updates: &[input::RefUpdate],
    deadline: Instant,
    cancel: &std::sync::atomic::AtomicBool,
) -> Vec<(String, git2::Oid)> {
    let mut tips = Vec::new();
    for u in updates.iter().filter(|u| !u.is_create() && !u.is_delete()) {
        if cancel.load(Ordering::Relaxed) || Instant::now() + Duration::from_millis(200) > deadline
        {
            break;
        }
        let Ok(scratch) = opener.open() else { break };
        let range = format!("{}..{}", u.old, u.new);
        if let Ok(tip) = crate::rewrite::predict_tip(&scratch, &range) {
            if tip != u.new {
                tips.push((u.name.clone(), tip));
            }
        }
    }
    tips
}

fn decide(result: Result<Judgement>, env: &HookEnv, config: &Config) -> HookVerdict {
    let hook = &config.hook;
    let mut verdict = HookVerdict {
        accepted: true,
        outcome: Outcome::Clean,
        updates: Vec::new(),
        blocking: Vec::new(),
        warnings: Vec::new(),
        allowed: Vec::new(),
        stats: Stats::default(),
        listed: 0,
        already_present: 0,
        message: String::new(),
        elapsed: Duration::ZERO,
    };
    let mut reason = None;
    match result {
        Err(e) => {
            let timeout = matches!(e.kind(), ErrorKind::Timeout);
            let (policy, what) = if timeout {
                verdict.outcome = Outcome::Timeout;
                (
                    hook.on_timeout,
                    format!(
                        "the check did not finish within the server's time budget of {} ms",
                        hook.time_budget_ms
                    ),
                )
            } else {
                verdict.outcome = Outcome::Error;
                (hook.on_error, format!("the check failed: {e}"))
            };
            verdict.accepted = policy == OnFailure::Allow;
            let setting = if timeout { "on_timeout" } else { "on_error" };
            verdict.message = if verdict.accepted {
                format!(
                    "rolecall: warning: {what}.\nrolecall: the push is ACCEPTED UNCHECKED by server \
                     policy ({setting} = \"allow\"); this is logged.\n"
                )
            } else {
                format!(
                    "rolecall: push rejected: {what}.\nrolecall: server policy ({setting} = \
                     \"reject\") rejects pushes that could not be checked; this is logged.\n\
                     rolecall: try again; if it keeps failing, push fewer commits at a time or \
                     ask the server administrator.\n"
                )
            };
            reason = Some(what);
        }
        Ok(j) => {
            let tips = message::rewrite_tips(&j.tips);
            verdict.updates = j.updates;
            if !j.allowed.is_empty() {
                verdict.message.push_str(&format!(
                    "rolecall: note: {} finding(s) let through by inline rolecall:allow markers \
                     (server policy hook.inline_allow = true); they are recorded in the audit \
                     log:\n",
                    j.allowed.len()
                ));
                verdict.message.push_str(&message::finding_list(&j.allowed));
            }
            verdict.allowed = j.allowed;
            verdict.stats = j.stats;
            verdict.listed = j.listed;
            verdict.already_present = j.already_present;
            for f in j.findings {
                match hook.action(f.severity) {
                    HookAction::Block => verdict.blocking.push(f),
                    HookAction::Warn => verdict.warnings.push(f),
                    HookAction::Ignore => {}
                }
            }
            if !verdict.warnings.is_empty() {
                verdict.outcome = Outcome::Warned;
                verdict
                    .message
                    .push_str(&message::warning(&verdict.warnings));
            }
            let unread = j.skipped;
            let bypass = env.bypass_reason();
            if !verdict.blocking.is_empty() {
                match bypass {
                    Some(why) if hook.allow_bypass && !why.is_empty() => {
                        verdict.outcome = Outcome::Bypassed;
                        verdict.message.push_str(&format!(
                            "rolecall: warning: {} AWS credential(s) found, but the push is \
                             ACCEPTED by bypass (reason: {why:?}).\nrolecall: the bypass is \
                             recorded in the audit log with your user name. Rotate the key.\n",
                            verdict.blocking.len()
                        ));
                        verdict
                            .message
                            .push_str(&message::finding_list(&verdict.blocking));
                        reason = Some(why);
                    }
                    Some(why) => {
                        verdict.outcome = Outcome::BypassRefused;
                        verdict.accepted = false;
                        verdict
                            .message
                            .push_str(&message::rejection(&verdict.blocking));
                        verdict.message.push_str(if hook.allow_bypass {
                            "rolecall: bypass refused: give a reason, -o rolecall.bypass=\"why\".\n"
                        } else {
                            "rolecall: bypass refused: this server does not allow \
                             rolecall.bypass (hook.allow_bypass = false).\n"
                        });
                        reason = Some(why);
                    }
                    None => {
                        verdict.outcome = Outcome::Blocked;
                        verdict.accepted = false;
                        verdict
                            .message
                            .push_str(&message::rejection(&verdict.blocking));
                        verdict.message.push_str(&tips);
                    }
                }
            } else if unread > 0 {
                let what = format!(
                    "{unread} object{} of this push could not be read",
                    if unread == 1 { "" } else { "s" }
                );
                verdict.outcome = Outcome::Error;
                verdict.accepted = hook.on_error == OnFailure::Allow;
                verdict.message.push_str(&if verdict.accepted {
                    format!(
                        "rolecall: warning: {what}; they are ACCEPTED UNCHECKED by server policy \
                         (on_error = \"allow\"); this is logged.\n"
                    )
                } else {
                    format!(
                        "rolecall: push rejected: {what}, and a gate does not accept what it did \
                         not read (on_error = \"reject\"); this is logged.\n"
                    )
                });
                reason = Some(what);
            } else if let Some(why) = bypass {
                reason = Some(format!("bypass requested but not needed: {why}"));
            }
        }
    }
    let audit_wanted =
        verdict.outcome != Outcome::Clean || reason.is_some() || !verdict.allowed.is_empty();
    if let (Some(path), true) = (&hook.audit_log, audit_wanted) {
        if let Err(e) = write_audit(path, &verdict, env, reason) {
            verdict.message.push_str(&format!(
                "rolecall: warning: cannot write the audit log: {e}\n"
            ));
            if verdict.outcome == Outcome::Bypassed {
                verdict.accepted = false;
                verdict.outcome = Outcome::BypassRefused;
                verdict.message.push_str(
                    "rolecall: push rejected: a bypass that cannot be audited is refused.\n",
                );
            }
        }
    }
    verdict
}

fn write_audit(
    path: &std::path::Path,
    verdict: &HookVerdict,
    env: &HookEnv,
    reason: Option<String>,
) -> Result<()> {
    let record = AuditRecord {
        time: audit::now_utc(),
        user: env.user.clone(),
        repo: env.repo_name.clone(),
        refs: verdict.updates.iter().map(AuditRef::from_update).collect(),
        findings: verdict
            .blocking
            .iter()
            .chain(&verdict.warnings)
            .map(AuditFinding::from_finding)
            .collect(),
        allowed_inline: verdict
            .allowed
            .iter()
            .map(AuditFinding::from_finding)
            .collect(),
        reason,
        outcome: verdict.outcome.as_str().to_string(),
        accepted: verdict.accepted,
    };
    audit::append(path, &record)
}

fn stats_line(v: &HookVerdict) -> String {
    format!(
        "rolecall: {} {} ref update(s): {} new object(s), {} already on the server.\n\
         rolecall: scanned {} blob(s), {} message(s), {} bytes in {} ms.\n",
        if v.accepted { "accepted" } else { "rejected" },
        v.updates.len(),
        v.listed.saturating_sub(v.already_present),
        v.already_present,
        v.stats.blobs,
        v.stats.messages,
        v.stats.bytes,
        v.elapsed.as_millis()
    )
}

/// Finds the server-side configuration: `explicit`, else `ROLECALL_CONFIG` (`env_config`), else
/// `rolecall.toml` or `.rolecall.toml` in the repository's git directory, else the defaults.
pub fn load_config(
    explicit: Option<&std::path::Path>,
    env_config: Option<&std::path::Path>,
    git_dir: &std::path::Path,
) -> Result<Config> {
    if let Some(path) = explicit.or(env_config) {
        return Config::load(path);
    }
    for name in ["rolecall.toml", crate::policy::config::CONFIG_FILE] {
        let path = git_dir.join(name);
        if path.is_file() {
            return Config::load(&path);
        }
    }
    Ok(Config::default())
}

/// The git directory of the repository at `path` (for `hook install` and config discovery).
pub fn git_dir_of(path: &std::path::Path) -> Result<PathBuf> {
    Ok(open_repo(path)?.path().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hanging;
    impl Read for Hanging {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(0)
        }
    }

    #[test]
    fn a_stdin_that_never_closes_gets_a_verdict_within_the_budget() {
        let env = HookEnv::default();
        let mut config = Config::default();
        config.hook.time_budget_ms = 200;
        let started = Instant::now();
        let v = run_pre_receive(Hanging, &env, &config);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(v.outcome, Outcome::Timeout);
        assert!(!v.accepted);
        assert!(v.message.contains("time budget of 200 ms"), "{}", v.message);
        config.hook.on_timeout = OnFailure::Allow;
        let v = run_pre_receive(Hanging, &env, &config);
        assert!(
            v.accepted && v.message.contains("ACCEPTED UNCHECKED"),
            "{}",
            v.message
        );
    }

    #[test]
    fn malformed_input_follows_on_error_and_gitlab_prefixes_rejections() {
        let env = HookEnv::default();
        let mut config = Config::default();
        config.hook.gitlab = true;
        let v = run_pre_receive(&b"not a ref line\n"[..], &env, &config);
        assert_eq!((v.outcome, v.accepted), (Outcome::Error, false));
        assert_eq!(v.exit_code(), crate::ExitCode::Found);
        assert!(v.message.contains("line 1"), "{}", v.message);
        assert!(v
            .message
            .lines()
            .all(|l| l.starts_with(message::GITLAB_PREFIX)));
    }
}
