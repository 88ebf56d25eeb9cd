//! The human format: one block per finding, then a summary. Plain ASCII layout (the redacted
//! value holds one `…`), one fact per line, so that it still reads well with git's `remote: `
//! prefix in front of every line. ANSI colours only when [`ReportOptions::color`] is set.

use super::{clean, human_bytes, partner, severity_counts, short_id, ReportOptions};
use crate::error::Result;
use crate::finding::{Encoding, Finding, Severity, Source};
use crate::model::report::ScanReport;
use std::io::Write;

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const WARN: &str = "\x1b[1;33m";

/// Writes text in a colour when colours are on.
struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, sev: Severity) -> String {
        let code = match sev {
            Severity::Critical => "\x1b[1;31m",
            Severity::High => "\x1b[31m",
            Severity::Medium => "\x1b[33m",
            Severity::Low => "\x1b[36m",
        };
        self.paint(code, &sev.as_str().to_ascii_uppercase())
    }

    fn label(&self, label: &str) -> String {
        self.paint(DIM, &format!("{label:<8}"))
    }
}

fn encoding_note(encoding: Encoding) -> Option<&'static str> {
    match encoding {
        Encoding::Plain => None,
        Encoding::Utf16 => Some("UTF-16 text"),
        Encoding::Base64 => Some("base64-encoded"),
        Encoding::JsonEscaped => Some("JSON-escaped"),
        Encoding::UrlEncoded => Some("URL-encoded"),
        Encoding::Hex => Some("hex-encoded"),
        Encoding::Utf32 => Some("UTF-32 text"),
        Encoding::Gzip => Some("gzip-compressed"),
        Encoding::ArchiveMember => Some("in an archive member"),
    }
}

/// Where a finding is, for people: `path:line:column`, or which message it is in.
fn place(f: &Finding) -> String {
    let here = place_in_repo(f);
    match &f.repo {
        Some(repo) => format!("{}: {here}", clean(repo)),
        None => here,
    }
}

fn place_in_repo(f: &Finding) -> String {
    match (&f.path, f.source) {
        (Some(_), _) => clean(&f.location()),
        (None, Source::CommitMessage) => {
            format!("commit message, line {}, column {}", f.line, f.column)
        }
        (None, Source::TagMessage) => format!("tag message, line {}, column {}", f.line, f.column),
        (None, Source::CommitHeader) => {
            format!("commit header, line {}, column {}", f.line, f.column)
        }
        (None, Source::TagHeader) => format!("tag header, line {}, column {}", f.line, f.column),
        (None, Source::RefName) => format!("ref name, column {}", f.column),
        (None, _) => format!("input, line {}, column {}", f.line, f.column),
    }
}

fn write_finding(
    out: &mut dyn Write,
    p: &Paint,
    report: &ScanReport,
    f: &Finding,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {} {}",
        p.severity(f.severity),
        p.paint(BOLD, f.kind.label()),
        f.redacted
    )?;
    match (&f.account_id, &f.key_type) {
        (Some(acct), Some(kt)) => {
            writeln!(out, "    {} {acct} ({})", p.label("account"), clean(kt))?
        }
        (Some(acct), None) => writeln!(out, "    {} {acct}", p.label("account"))?,
        (None, Some(kt)) => writeln!(out, "    {} {}", p.label("key type"), clean(kt))?,
        (None, None) => {}
    }
    let assembled = f.assembled.map(|n| format!("assembled from {n} pieces"));
    match (encoding_note(f.encoding), assembled) {
        (Some(note), Some(a)) => writeln!(out, "    {} {} ({note}, {a})", p.label("at"), place(f))?,
        (Some(note), None) => writeln!(out, "    {} {} ({note})", p.label("at"), place(f))?,
        (None, Some(a)) => writeln!(out, "    {} {} ({a})", p.label("at"), place(f))?,
        (None, None) => writeln!(out, "    {} {}", p.label("at"), place(f))?,
    }
    if !f.reachable {
        writeln!(
            out,
            "    {} no ref reaches this object any more; it stays in .git until it is pruned",
            p.label("note")
        )?;
    }
    if let Some(commit) = &f.commit {
        let mut line = format!("{} {}", p.label("commit"), short_id(commit));
        if let Some(date) = &f.date {
            line.push_str(&format!(" {}", clean(date)));
        }
        if let Some(author) = &f.author {
            line.push_str(&format!(" {}", clean(author)));
        }
        writeln!(out, "    {line}")?;
        if let Some(summary) = &f.summary {
            writeln!(out, "    {} {}", p.label(""), clean(summary))?;
        }
    }
    writeln!(
        out,
        "    {} {} (fingerprint {})",
        p.label("rule"),
        clean(&f.rule),
        f.fingerprint
    )?;
    if let Some(pair) = &f.pair {
        match partner(report, f) {
            Some(other) => writeln!(
                out,
                "    {} its {} {} at {}: together a usable credential",
                p.label("paired"),
                other.kind.label(),
                other.redacted,
                place(other)
            )?,
            None => writeln!(
                out,
                "    {} with the finding of fingerprint {pair}",
                p.label("paired")
            )?,
        }
    }
    Ok(())
}

/// `1 object`, `2 objects`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the human report.
pub(super) fn write(report: &ScanReport, out: &mut dyn Write, opts: &ReportOptions) -> Result<()> {
    let p = Paint { on: opts.color };
    for f in &report.findings {
        write_finding(out, &p, report, f)?;
        writeln!(out)?;
    }
    let s = &report.stats;
    let n = report.findings.len();
    if n == 0 {
        writeln!(out, "No AWS credentials found.")?;
    } else {
        let noun = if n == 1 { "finding" } else { "findings" };
        writeln!(
            out,
            "{} ({}).",
            p.paint(BOLD, &format!("{n} {noun}")),
            severity_counts(&report.findings)
        )?;
    }
    writeln!(
        out,
        "Scanned {}, {}, {}, {} in {:.2} s; {} suppressed.",
        count(s.objects, "object", "objects"),
        count(s.blobs, "unique blob", "unique blobs"),
        count(s.messages, "message", "messages"),
        human_bytes(s.bytes),
        s.seconds,
        s.suppressed
    )?;
    if report.incomplete() {
        let k = report.skipped.len();
        let items = if k == 1 { "item was" } else { "items were" };
        writeln!(
            out,
            "{} the scan is incomplete: {k} {items} not scanned:",
            p.paint(WARN, "warning:")
        )?;
        for skipped in &report.skipped {
            writeln!(
                out,
                "  {}: {}",
                clean(&skipped.what),
                clean(&skipped.reason)
            )?;
        }
    }
    if super::summary::is_fleet(report) {
        super::summary::write_human(report, out)?;
    }
    if report.findings.iter().any(|f| !f.reachable) {
        writeln!(
            out,
            "Findings marked unreachable are in objects no ref reaches (old commits of a rewrite, \
             a blob staged and then reset); to drop them from this repository: \
             git reflog expire --expire-unreachable=now --all && git gc --prune=now"
        )?;
    }
    if report.findings.iter().any(|f| f.commit.is_some()) {
        writeln!(
            out,
            "Rotate every key listed above: it stays in git history even after the file is fixed."
        )?;
    } else if n > 0 {
        // Staged changes, files, stdin: nothing is committed yet.
        writeln!(
            out,
            "Nothing listed above is committed: take the keys out of the files before committing, \
             and rotate any key that was ever used."
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::Stats;

    #[test]
    fn issue_9_scanned_one_object_is_singular() {
        let report = ScanReport {
            stats: Stats {
                objects: 1,
                blobs: 1,
                messages: 1,
                ..Stats::default()
            },
            ..ScanReport::default()
        };
        let mut out = Vec::new();
        write(&report, &mut out, &ReportOptions::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("Scanned 1 object, 1 unique blob, 1 message, 0 B in"),
            "{text}"
        );
    }
}
