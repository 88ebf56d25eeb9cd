//! One view of a fleet: the findings summed up per credential (the same key ID in 12
//! repositories is one rotation, with its AWS account), per repository and per account. Written
//! as the `summary` section of fleet JSON, as tables after human output, and as the tables of
//! the HTML page. Built from findings alone (after policy, or after `rolecall merge`), so it
//! always agrees with the findings beside it. It holds only what findings hold: redacted values
//! and fingerprints.

use super::clean;
use crate::finding::{Finding, Kind, Severity};
use crate::model::report::ScanReport;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;

/// The summary of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// One entry per credential to rotate, most urgent first.
    pub keys: Vec<KeySummary>,
    /// One entry per repository with findings, most severe first.
    pub repos: Vec<RepoSummary>,
    /// One entry per AWS account (`account_id: null` for keys whose account is unknown).
    pub accounts: Vec<AccountSummary>,
}

/// A credential: an access key ID with the secrets paired with it, or a secret, token or API
/// key found without a key ID. Rotating it once fixes every finding listed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// The fingerprint of the key ID (or of the value, for a credential without one).
    pub fingerprint: String,
    /// What it is.
    pub kind: Kind,
    /// The value, redacted.
    pub redacted: String,
    /// The most severe of its findings.
    pub severity: Severity,
    /// The AWS account, decoded offline from the key ID.
    pub account_id: Option<String>,
    /// What the key ID's prefix says (`long-term`, …).
    pub key_type: Option<String>,
    /// Whether its secret was found too (a usable credential).
    pub with_secret: bool,
    /// The repositories it is in, sorted.
    pub repos: Vec<String>,
    /// How many findings it accounts for.
    pub findings: u64,
    /// How many of them no earlier run reported.
    pub new: u64,
    /// When it first entered history (the earliest introducing commit's date).
    pub first_seen: Option<String>,
    /// When it last entered history.
    pub last_seen: Option<String>,
    /// Where it first entered history.
    pub first: Option<FirstSeen>,
}

/// The earliest place a credential entered history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstSeen {
    /// The repository.
    pub repo: Option<String>,
    /// The commit.
    pub commit: Option<String>,
    /// Its author.
    pub author: Option<String>,
    /// Its subject line.
    pub summary: Option<String>,
    /// `path:line:column` or the message it is in.
    pub location: String,
}

/// The findings of one repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoSummary {
    /// The repository (`null` outside fleet scans).
    pub repo: Option<String>,
    /// How many findings.
    pub findings: u64,
    /// How many of them no earlier run reported.
    pub new: u64,
    /// Findings per severity.
    pub critical: u64,
    /// Findings per severity.
    pub high: u64,
    /// Findings per severity.
    pub medium: u64,
    /// Findings per severity.
    pub low: u64,
    /// How many distinct credentials.
    pub keys: u64,
    /// The AWS accounts of its keys.
    pub accounts: Vec<String>,
    /// The earliest introduction date.
    pub first_seen: Option<String>,
    /// The latest introduction date.
    pub last_seen: Option<String>,
}

/// The credentials of one AWS account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The account (`null`: keys whose account cannot be decoded, and credentials without a
    /// key ID).
    pub account_id: Option<String>,
    /// How many distinct credentials.
    pub keys: u64,
    /// How many of them are usable (their secret was found too).
    pub usable: u64,
    /// The most severe finding.
    pub severity: Severity,
    /// How many repositories hold them.
    pub repos: u64,
    /// How many findings.
    pub findings: u64,
}

impl Summary {
    /// Sums up `findings`.
    pub fn of(findings: &[Finding]) -> Summary {
        let groups = credential_groups(findings);
        let keys: Vec<KeySummary> = groups
            .iter()
            .map(|members| key_summary(findings, members))
            .collect();
        let mut keys = keys;
        keys.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.with_secret.cmp(&a.with_secret))
                .then(b.repos.len().cmp(&a.repos.len()))
                .then_with(|| by_date(&a.first_seen, &b.first_seen))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        let repos = repo_summaries(findings, &groups);
        let accounts = account_summaries(&keys);
        Summary {
            keys,
            repos,
            accounts,
        }
    }

    /// Credentials entering history per month (`YYYY-MM` of their first introduction), oldest
    /// first; credentials with no date are left out.
    pub fn timeline(&self) -> Vec<(String, Vec<&KeySummary>)> {
        let mut months: BTreeMap<String, Vec<&KeySummary>> = BTreeMap::new();
        for key in &self.keys {
            if let Some(month) = key.first_seen.as_deref().and_then(|d| d.get(..7)) {
                months.entry(month.to_string()).or_default().push(key);
            }
        }
        for keys in months.values_mut() {
            keys.sort_by(|a, b| by_date(&a.first_seen, &b.first_seen));
        }
        months.into_iter().collect()
    }
}

/// Whether a report comes from a fleet scan (or a merge of them) and so gets a summary.
pub fn is_fleet(report: &ScanReport) -> bool {
    report.stats.repos.is_some() || report.findings.iter().any(|f| f.repo.is_some())
}

/// Groups findings (indices) into credentials: a key ID's findings with the findings of the
/// secrets paired with it; every other value by its own fingerprint. Groups are in order of
/// their first finding.
fn credential_groups(findings: &[Finding]) -> Vec<Vec<usize>> {
    let key_ids: HashSet<&str> = findings
        .iter()
        .filter(|f| f.kind == Kind::AccessKeyId)
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let group = match f.pair.as_deref() {
            Some(p) if f.kind != Kind::AccessKeyId && key_ids.contains(p) => p,
            _ => f.fingerprint.as_str(),
        };
        let members = groups.entry(group).or_insert_with(|| {
            order.push(group);
            Vec::new()
        });
        members.push(i);
    }
    order
        .into_iter()
        .map(|g| groups.remove(g).unwrap_or_default())
        .collect()
}

fn key_summary(findings: &[Finding], members: &[usize]) -> KeySummary {
    let all: Vec<&Finding> = members.iter().map(|&i| &findings[i]).collect();
    let rep = all
        .iter()
        .find(|f| f.kind == Kind::AccessKeyId)
        .copied()
        .unwrap_or(all[0]);
    let repos: BTreeSet<String> = all.iter().map(|f| repo_name(f)).collect();
    let first = all
        .iter()
        .copied()
        .min_by(|a, b| by_date(&a.date, &b.date).then_with(|| a.repo.cmp(&b.repo)));
    let last = all.iter().copied().max_by(|a, b| by_date(&a.date, &b.date));
    KeySummary {
        fingerprint: rep.fingerprint.clone(),
        kind: rep.kind,
        redacted: rep.redacted.clone(),
        severity: all
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Low),
        account_id: all.iter().find_map(|f| f.account_id.clone()),
        key_type: rep.key_type.clone(),
        with_secret: rep.kind == Kind::AccessKeyId
            && all.iter().any(|f| f.kind == Kind::SecretAccessKey),
        repos: repos.into_iter().collect(),
        findings: all.len() as u64,
        new: all.iter().filter(|f| !f.known).count() as u64,
        first_seen: first.and_then(|f| f.date.clone()),
        last_seen: last.and_then(|f| f.date.clone()),
        first: first.map(|f| FirstSeen {
            repo: f.repo.clone(),
            commit: f.commit.clone(),
            author: f.author.clone(),
            summary: f.summary.clone(),
            location: f.location(),
        }),
    }
}

fn repo_summaries(findings: &[Finding], groups: &[Vec<usize>]) -> Vec<RepoSummary> {
    let mut group_of = vec![0usize; findings.len()];
    for (g, members) in groups.iter().enumerate() {
        for &i in members {
            group_of[i] = g;
        }
    }
    let mut by_repo: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_repo.entry(f.repo.clone()).or_default().push(i);
    }
    let mut out: Vec<RepoSummary> = by_repo
        .into_iter()
        .map(|(repo, members)| {
            let all: Vec<&Finding> = members.iter().map(|&i| &findings[i]).collect();
            let count = |sev: Severity| all.iter().filter(|f| f.severity == sev).count() as u64;
            let keys: BTreeSet<usize> = members.iter().map(|&i| group_of[i]).collect();
            let accounts: BTreeSet<String> =
                all.iter().filter_map(|f| f.account_id.clone()).collect();
            RepoSummary {
                repo,
                findings: all.len() as u64,
                new: all.iter().filter(|f| !f.known).count() as u64,
                critical: count(Severity::Critical),
                high: count(Severity::High),
                medium: count(Severity::Medium),
                low: count(Severity::Low),
                keys: keys.len() as u64,
                accounts: accounts.into_iter().collect(),
                first_seen: all
                    .iter()
                    .min_by(|a, b| by_date(&a.date, &b.date))
                    .and_then(|f| f.date.clone()),
                last_seen: all
                    .iter()
                    .max_by(|a, b| by_date(&a.date, &b.date))
                    .and_then(|f| f.date.clone()),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.critical, b.high, b.medium, b.low)
            .cmp(&(a.critical, a.high, a.medium, a.low))
            .then_with(|| a.repo.cmp(&b.repo))
    });
    out
}

fn account_summaries(keys: &[KeySummary]) -> Vec<AccountSummary> {
    let mut by_account: BTreeMap<Option<String>, Vec<&KeySummary>> = BTreeMap::new();
    for key in keys {
        by_account
            .entry(key.account_id.clone())
            .or_default()
            .push(key);
    }
    let mut out: Vec<AccountSummary> = by_account
        .into_iter()
        .map(|(account_id, keys)| {
            let repos: BTreeSet<&String> = keys.iter().flat_map(|k| &k.repos).collect();
            AccountSummary {
                account_id,
                keys: keys.len() as u64,
                usable: keys.iter().filter(|k| k.with_secret).count() as u64,
                severity: keys
                    .iter()
                    .map(|k| k.severity)
                    .max()
                    .unwrap_or(Severity::Low),
                repos: repos.len() as u64,
                findings: keys.iter().map(|k| k.findings).sum(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.usable.cmp(&a.usable))
            .then(b.keys.cmp(&a.keys))
            .then_with(|| a.account_id.cmp(&b.account_id))
    });
    out
}

/// The repository's name as shown (`.` when findings carry none).
pub fn repo_name(f: &Finding) -> String {
    f.repo.clone().unwrap_or_else(|| ".".to_string())
}

/// Orders ISO 8601 dates by the instant they name (offsets taken into account); missing or
/// unparsable dates last.
fn by_date(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
    let key = |d: &Option<String>| d.as_deref().and_then(epoch_seconds);
    match (key(a), key(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS±HH:MM`.
pub fn epoch_seconds(date: &str) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| -> Option<i64> { date.get(range)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let sign = match date.get(19..20)? {
        "+" => 1,
        "-" => -1,
        "Z" => 0,
        _ => return None,
    };
    let offset = if sign == 0 {
        0
    } else {
        sign * (num(20..22)? * 3600 + num(23..25)? * 60)
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

/// Writes the fleet's counters and the summary as text tables (after the findings of a fleet's
/// human report).
pub(super) fn write_human(report: &ScanReport, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.stats;
    if let Some(repos) = s.repos {
        writeln!(
            out,
            "Repositories: {repos} ({} read, {} unchanged since the last run, {} unreadable); \
             {} objects already scanned by an earlier run were not read again.",
            s.repos_scanned.unwrap_or(0),
            s.repos_unchanged.unwrap_or(0),
            s.repos_skipped.unwrap_or(0),
            s.objects_known.unwrap_or(0)
        )?;
    }
    let summary = Summary::of(&report.findings);
    if summary.keys.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Credentials to rotate ({}):", summary.keys.len())?;
    for k in &summary.keys {
        let mut line = format!(
            "  {:<8} {} {}",
            k.severity.as_str().to_ascii_uppercase(),
            k.kind.label(),
            k.redacted
        );
        if let Some(acct) = &k.account_id {
            line.push_str(&format!(", account {acct}"));
        }
        if k.with_secret {
            line.push_str(", usable (its secret was found too)");
        }
        writeln!(out, "{line}")?;
        let since = k
            .first_seen
            .as_deref()
            .map(|d| format!(" since {}", clean(d)))
            .unwrap_or_default();
        writeln!(
            out,
            "           in {} {}{since}: {}",
            k.repos.len(),
            plural(k.repos.len() as u64, "repository", "repositories"),
            list(&k.repos, 5)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Accounts ({}):", summary.accounts.len())?;
    for a in &summary.accounts {
        writeln!(
            out,
            "  {:<14} {} {} ({} usable), {} {}, {} {}",
            a.account_id.as_deref().unwrap_or("unknown"),
            a.keys,
            plural(a.keys, "credential", "credentials"),
            a.usable,
            a.repos,
            plural(a.repos, "repository", "repositories"),
            a.findings,
            plural(a.findings, "finding", "findings"),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Repositories with findings ({}):", summary.repos.len())?;
    for r in &summary.repos {
        let counts: Vec<String> = [
            (r.critical, "critical"),
            (r.high, "high"),
            (r.medium, "medium"),
            (r.low, "low"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, s)| format!("{n} {s}"))
        .collect();
        writeln!(
            out,
            "  {}: {} {} ({}), {} {}, {} new",
            clean(r.repo.as_deref().unwrap_or(".")),
            r.findings,
            plural(r.findings, "finding", "findings"),
            counts.join(", "),
            r.keys,
            plural(r.keys, "credential", "credentials"),
            r.new
        )?;
    }
    Ok(())
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn list(items: &[String], max: usize) -> String {
    let shown: Vec<String> = items.iter().take(max).map(|s| clean(s)).collect();
    let mut text = shown.join(", ");
    if items.len() > max {
        text.push_str(&format!(" and {} more", items.len() - max));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    fn in_repo(mut f: Finding, repo: &str, date: &str) -> Finding {
        f.repo = Some(repo.into());
        f.date = Some(date.into());
        f
    }

    #[test]
    fn one_key_in_many_repositories_is_one_rotation() {
        let sample = sample_report();
        let key = sample.report.findings[0].clone();
        let secret = sample.report.findings[1].clone();
        assert_eq!(key.kind, Kind::AccessKeyId);
        assert_eq!(secret.pair.as_deref(), Some(key.fingerprint.as_str()));
        let mut findings = Vec::new();
        for i in 0..12 {
            let date = format!("2024-{:02}-01T10:00:00+02:00", i + 1);
            findings.push(in_repo(key.clone(), &format!("group/r{i:02}.git"), &date));
        }
        findings.push(in_repo(
            secret,
            "group/r03.git",
            "2024-04-01T10:00:00+02:00",
        ));
        let summary = Summary::of(&findings);
        assert_eq!(summary.keys.len(), 1, "{:#?}", summary.keys);
        let k = &summary.keys[0];
        assert_eq!(k.repos.len(), 12);
        assert_eq!(k.findings, 13);
        assert!(k.with_secret);
        assert_eq!(k.first_seen.as_deref(), Some("2024-01-01T10:00:00+02:00"));
        assert_eq!(
            k.first.as_ref().unwrap().repo.as_deref(),
            Some("group/r00.git")
        );
        assert_eq!(summary.accounts.len(), 1);
        assert_eq!(summary.accounts[0].account_id, key.account_id);
        assert_eq!(summary.accounts[0].usable, 1);
        assert_eq!(summary.accounts[0].repos, 12);
        assert_eq!(summary.repos.len(), 12);
        assert_eq!(summary.repos[0].repo.as_deref(), Some("group/r03.git"));
        assert_eq!(summary.timeline().len(), 1);
    }

    #[test]
    fn dates_order_by_instant_not_by_text() {
        let a = Some("2024-01-01T00:30:00+02:00".to_string());
        let b = Some("2023-12-31T23:00:00+00:00".to_string());
        assert_eq!(by_date(&a, &b), std::cmp::Ordering::Less);
        assert_eq!(epoch_seconds("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(
            epoch_seconds("2023-11-14T23:13:20+01:00"),
            Some(1_700_000_000)
        );
        assert_eq!(epoch_seconds("not a date"), None);
    }
}
