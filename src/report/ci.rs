//! CI formats: GitHub Actions workflow commands and JUnit XML.

use super::{clean, severity_counts, short_id, ReportOptions};
use crate::error::Result;
use crate::finding::{Finding, Severity, Source};
use crate::model::report::ScanReport;
use std::io::Write;

/// Escapes the message part of a workflow command (`%`, CR, LF), as GitHub's toolkit does, and
/// neutralises every other control character (a runner's log is a terminal).
fn escape_data(text: &str) -> String {
    let text = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    crate::model::display::clean(&text).into_owned()
}

/// Escapes a workflow command property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command_for(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
    }
}

fn describe(f: &Finding) -> String {
    let mut text = format!("{} {} ({})", f.kind.label(), f.redacted, f.severity);
    if let Some(acct) = &f.account_id {
        text.push_str(&format!(", AWS account {acct}"));
    }
    match f.source {
        Source::CommitMessage => text.push_str(", in a commit message"),
        Source::TagMessage => text.push_str(", in a tag message"),
        _ => {}
    }
    if let Some(commit) = &f.commit {
        text.push_str(&format!(", commit {}", short_id(commit)));
    }
    if let Some(author) = &f.author {
        text.push_str(&format!(" by {}", clean(author)));
    }
    if let Some(date) = &f.date {
        text.push_str(&format!(" on {}", clean(date)));
    }
    text.push_str(&format!(", rule {}", clean(&f.rule)));
    if f.pair.is_some() {
        text.push_str(", paired with its partner (a usable credential)");
    }
    text.push_str(". Rotate this key.");
    text
}

/// Writes one `::error`/`::warning` workflow command per finding (no `file=` for messages), one
/// `::warning` per skipped object, then a plain summary line.
pub(super) fn write_github(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    for f in &report.findings {
        let mut props = Vec::new();
        if let Some(path) = &f.path {
            props.push(format!("file={}", escape_property(path)));
            props.push(format!("line={}", f.line));
            props.push(format!("col={}", f.column));
        }
        let title = format!("rolecall: {} ({})", f.kind.label(), f.severity);
        props.push(format!("title={}", escape_property(&title)));
        writeln!(
            out,
            "::{} {}::{}",
            command_for(f.severity),
            props.join(","),
            escape_data(&describe(f))
        )?;
    }
    for s in &report.skipped {
        writeln!(
            out,
            "::warning title={}::{}",
            escape_property("rolecall: incomplete scan"),
            escape_data(&format!("not scanned: {}: {}", s.what, s.reason))
        )?;
    }
    let n = report.findings.len();
    if n == 0 {
        writeln!(out, "rolecall: no AWS credentials found.")?;
    } else {
        writeln!(
            out,
            "rolecall: {n} finding(s): {}.",
            severity_counts(&report.findings)
        )?;
    }
    Ok(())
}

/// Escapes text for XML attribute values and content, replacing characters XML 1.0 forbids.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn testcase_name(f: &Finding) -> String {
    let place = match (&f.path, f.source) {
        (Some(_), _) => f.location(),
        (None, Source::CommitMessage) => format!(
            "commit message {}:{}:{}",
            f.commit.as_deref().map(short_id).unwrap_or("?"),
            f.line,
            f.column
        ),
        (None, Source::TagMessage) => format!(
            "tag message on {}:{}:{}",
            f.commit.as_deref().map(short_id).unwrap_or("?"),
            f.line,
            f.column
        ),
        (None, _) => f.location(),
    };
    format!("{place} {} {}", f.kind.label(), f.redacted)
}

/// Writes JUnit XML: one failing testcase per finding, one erroring testcase when the scan is
/// incomplete, and one passing testcase when nothing was found.
pub(super) fn write_junit(
    report: &ScanReport,
    out: &mut dyn Write,
    opts: &ReportOptions,
) -> Result<()> {
    let failures = report.findings.len();
    let errors = usize::from(report.incomplete());
    let tests = failures.max(1) + errors;
    let time = format!("{:.3}", report.stats.seconds);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="rolecall" tests="{tests}" failures="{failures}" errors="{errors}" time="{time}">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="rolecall scan" tests="{tests}" failures="{failures}" errors="{errors}" skipped="0" time="{time}">"#
    )?;
    writeln!(out, "    <properties>")?;
    writeln!(
        out,
        r#"      <property name="rolecall.version" value="{}"/>"#,
        xml(&opts.tool_version)
    )?;
    writeln!(out, "    </properties>")?;
    for f in &report.findings {
        let file = f
            .path
            .as_deref()
            .map(|p| format!(r#" file="{}" line="{}""#, xml(p), f.line))
            .unwrap_or_default();
        writeln!(
            out,
            r#"    <testcase classname="rolecall.{}" name="{}"{file} time="0">"#,
            xml(&f.rule),
            xml(&testcase_name(f))
        )?;
        writeln!(
            out,
            r#"      <failure type="{}" message="{}">{}&#10;fingerprint {}</failure>"#,
            f.severity,
            xml(&format!(
                "{} {} ({})",
                f.kind.label(),
                f.redacted,
                f.severity
            )),
            xml(&describe(f)),
            f.fingerprint
        )?;
        writeln!(out, "    </testcase>")?;
    }
    if failures == 0 {
        writeln!(
            out,
            r#"    <testcase classname="rolecall" name="no AWS credentials in the scanned history" time="{time}"/>"#
        )?;
    }
    if report.incomplete() {
        let detail: Vec<String> = report
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.what, s.reason))
            .collect();
        writeln!(
            out,
            r#"    <testcase classname="rolecall" name="scan completeness" time="0">"#
        )?;
        writeln!(
            out,
            r#"      <error type="incomplete" message="{} item(s) were not scanned">{}</error>"#,
            report.skipped.len(),
            xml(&detail.join("\n"))
        )?;
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::sample_report;
    use super::super::{write_report, Format};
    use super::*;

    fn render(format: Format, report: &ScanReport) -> String {
        let mut out = Vec::new();
        let opts = ReportOptions {
            color: false,
            tool_version: "0.1.0-test".into(),
        };
        write_report(format, report, &mut out, &opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot_github() {
        let sample = sample_report();
        let text = render(Format::Github, &sample.report);
        let lines: Vec<&str> = text.lines().collect();
        // critical → error, with file/line/col; the comma in the path is escaped.
        assert!(lines[0].starts_with("::error file=deploy/user-data.ps1,line=4,col=34,title="));
        assert!(lines[2].starts_with("::error file=k8s/app secret%2Cprod.yaml,line=7,col=14,"));
        // a commit-message finding: warning, no file.
        assert!(lines[3].starts_with("::warning title="), "{}", lines[3]);
        assert!(!lines[3].contains("file="));
        insta::assert_snapshot!("github", text);
    }

    #[test]
    fn github_escapes_newlines_and_percent() {
        assert_eq!(escape_data("a%b\nc\r"), "a%25b%0Ac%0D");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn snapshot_junit() {
        let sample = sample_report();
        let text = render(Format::Junit, &sample.report);
        assert!(
            text.contains(r#"tests="7" failures="6" errors="1""#),
            "{text}"
        );
        assert!(text.contains("notes/&lt;roles&gt; &amp; &quot;ids&quot;.txt"));
        insta::assert_snapshot!("junit", text);
    }

    #[test]
    fn junit_clean_has_one_passing_testcase() {
        let mut report = sample_report().report;
        report.findings.clear();
        report.skipped.clear();
        let text = render(Format::Junit, &report);
        assert!(
            text.contains(r#"tests="1" failures="0" errors="0""#),
            "{text}"
        );
        assert_eq!(text.matches("<testcase ").count(), 1);
        assert!(!text.contains("<failure"));
    }

    /// Needs python3: runs in the conformance tier.
    #[cfg(feature = "conformance")]
    #[test]
    fn junit_is_well_formed_xml() {
        let sample = sample_report();
        let text = render(Format::Junit, &sample.report);
        let script = "import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); \
                      print(len(d.getElementsByTagName('testcase')), len(d.getElementsByTagName('failure')))";
        let out = super::super::fixture::python(&["-c", script], text.as_bytes());
        assert_eq!(out.trim(), "7 6");
    }

    #[test]
    fn xml_escapes_and_drops_illegal_characters() {
        assert_eq!(xml("a<b>&\"'\u{1b}"), "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}");
    }
}
