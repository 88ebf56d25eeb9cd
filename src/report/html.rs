//! The `html` format: one self-contained page for the security team that has to act on a
//! fleet's findings: the credentials to rotate (one row per credential, however many
//! repositories hold it), the accounts and repositories concerned, a timeline of when the
//! credentials entered history, every finding, and what could not be scanned.
//!
//! The page loads nothing: its CSS and its small script are inline, and a Content Security
//! Policy forbids every network request. Everything that comes from a repository (paths,
//! authors, commit subjects, repository names) is attacker-controlled and is escaped; the
//! script only sorts and filters the tables it finds in the page, and never builds markup from
//! their text. Values are the redacted forms findings hold, never whole secrets.

use super::summary::{is_fleet, repo_name, KeySummary, Summary};
use super::{short_id, ReportOptions};
use crate::error::Result;
use crate::finding::{Finding, Severity};
use crate::model::display;
use crate::model::report::ScanReport;
use std::fmt::Write as _;
use std::io::Write;

/// Escapes text for HTML element content and quoted attribute values, after making control
/// characters and bidirectional overrides visible.
pub fn escape(text: &str) -> String {
    let cleaned = display::clean(text);
    let mut out = String::with_capacity(cleaned.len() + 8);
    for c in cleaned.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn opt(text: &Option<String>) -> String {
    text.as_deref().map(escape).unwrap_or_default()
}

/// The date part (`YYYY-MM-DD`) of an ISO 8601 date.
fn day(date: &Option<String>) -> String {
    date.as_deref()
        .map(|d| escape(d.get(..10).unwrap_or(d)))
        .unwrap_or_default()
}

fn severity_cell(sev: Severity) -> String {
    let rank = match sev {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
    };
    format!(
        "<td data-sort=\"{rank}\"><span class=\"sev {s}\">{s}</span></td>",
        s = sev.as_str()
    )
}

const STYLE: &str = r#"
:root { --fg:#1d2430; --muted:#5b6576; --line:#d9dee7; --bg:#f6f7f9; --crit:#b3261e; --high:#d9480f; --med:#b7791f; --low:#2b6cb0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, section { max-width: 1280px; margin: 0 auto; padding: 16px 24px; }
header { padding-top: 28px; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 8px 0 10px; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 22px; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; cursor: pointer; user-select: none; white-space: nowrap; }
th.sorted-asc::after { content: " \25B2"; } th.sorted-desc::after { content: " \25BC"; }
td.num, th.num { text-align: right; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.sev { display: inline-block; padding: 1px 6px; border-radius: 4px; color: #fff; font-size: 12px; text-transform: uppercase; }
.sev.critical { background: var(--crit); } .sev.high { background: var(--high); } .sev.medium { background: var(--med); } .sev.low { background: var(--low); }
.tag { display: inline-block; padding: 0 5px; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; }
.tag.new { border-color: var(--crit); color: var(--crit); }
details summary { cursor: pointer; }
input[type=search] { width: 100%; max-width: 420px; padding: 6px 8px; margin-bottom: 8px; border: 1px solid var(--line); border-radius: 6px; }
svg text { font-size: 10px; fill: var(--muted); }
svg rect.bar { fill: var(--crit); } svg rect.bar.other { fill: var(--med); }
"#;

const SCRIPT: &str = r#"
(function () {
  function cellValue(row, i) {
    var cell = row.cells[i];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return key !== null ? key : cell.textContent;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, i) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("sorted-asc");
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
        th.classList.add(asc ? "sorted-asc" : "sorted-desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.classList.contains("num") || th.hasAttribute("data-numeric");
        rows.sort(function (a, b) {
          var x = cellValue(a, i), y = cellValue(b, i);
          var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.style.display = r.textContent.toLowerCase().indexOf(q) === -1 ? "none" : "";
      });
    });
  });
})();
"#;

/// Writes the page.
pub(super) fn write(report: &ScanReport, out: &mut dyn Write, opts: &ReportOptions) -> Result<()> {
    let summary = Summary::of(&report.findings);
    let mut page = String::with_capacity(64 * 1024 + report.findings.len() * 600);
    head(&mut page);
    overview(&mut page, report, &summary, opts);
    keys_table(&mut page, &summary);
    accounts_table(&mut page, &summary);
    repos_table(&mut page, &summary, is_fleet(report));
    timeline(&mut page, &summary);
    findings_table(&mut page, report);
    skipped_list(&mut page, report);
    let _ = write!(page, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())?;
    Ok(())
}

fn head(page: &mut String) {
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; \
         base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>rolecall: AWS credentials in git history</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n"
    );
}

fn overview(page: &mut String, report: &ScanReport, summary: &Summary, opts: &ReportOptions) {
    let s = &report.stats;
    let usable = summary.keys.iter().filter(|k| k.with_secret).count();
    let new = report.findings.iter().filter(|f| !f.known).count();
    let accounts = summary
        .accounts
        .iter()
        .filter(|a| a.account_id.is_some())
        .count();
    let _ = write!(
        page,
        "<header>\n<h1>AWS credentials in git history</h1>\n<p class=\"muted\">Written by \
         rolecall {} · values are redacted; rotate each credential below, then remove it from \
         the code (<code>rolecall fix</code>).</p>\n</header>\n<section id=\"overview\">\n\
         <div class=\"cards\">\n",
        escape(&opts.tool_version)
    );
    let mut card = |label: &str, value: String| {
        let _ = writeln!(
            page,
            "<div class=\"card\"><b>{}</b>{}</div>",
            escape(&value),
            escape(label)
        );
    };
    if let Some(repos) = s.repos {
        card("repositories", repos.to_string());
    }
    card(
        "repositories with findings",
        summary.repos.len().to_string(),
    );
    card("credentials to rotate", summary.keys.len().to_string());
    card("usable (key ID and secret)", usable.to_string());
    card("AWS accounts", accounts.to_string());
    card("findings", report.findings.len().to_string());
    card("new since the last run", new.to_string());
    card(
        "blobs scanned",
        s.blobs_scanned.unwrap_or(s.blobs).to_string(),
    );
    card("not scanned", report.skipped.len().to_string());
    page.push_str("</div>\n</section>\n");
}

fn keys_table(page: &mut String, summary: &Summary) {
    page.push_str(
        "<section id=\"keys\">\n<h2>Credentials to rotate</h2>\n<table class=\"sortable\" \
         id=\"keys-table\">\n<thead><tr><th>Severity</th><th>Credential</th><th>Account</th>\
         <th>Usable</th><th class=\"num\">Repositories</th><th class=\"num\">Findings</th>\
         <th>First in history</th><th>Introduced by</th><th>Where</th></tr></thead>\n<tbody>\n",
    );
    for k in &summary.keys {
        key_row(page, k);
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn key_row(page: &mut String, k: &KeySummary) {
    let first = k.first.as_ref();
    let repos: Vec<String> = k.repos.iter().map(|r| escape(r)).collect();
    let new = if k.new > 0 {
        format!(" <span class=\"tag new\">{} new</span>", k.new)
    } else {
        String::new()
    };
    let _ = writeln!(
        page,
        "<tr>{}<td><code>{}</code><br><span class=\"muted\">{}{}</span>{new}<br>\
         <code class=\"muted\">{}</code></td><td>{}</td><td>{}</td><td class=\"num\">\
         <details><summary>{}</summary>{}</details></td><td class=\"num\">{}</td>\
         <td data-sort=\"{}\">{}</td><td>{}<br><span class=\"muted\">{}</span></td>\
         <td>{}<br><code>{}</code></td></tr>",
        severity_cell(k.severity),
        escape(&k.redacted),
        escape(k.kind.label()),
        k.key_type
            .as_deref()
            .map(|t| format!(", {}", escape(t)))
            .unwrap_or_default(),
        escape(&k.fingerprint),
        opt(&k.account_id),
        if k.with_secret { "yes" } else { "" },
        k.repos.len(),
        repos.join("<br>"),
        k.findings,
        opt(&k.first_seen),
        day(&k.first_seen),
        first.map(|f| opt(&f.author)).unwrap_or_default(),
        first.map(|f| opt(&f.summary)).unwrap_or_default(),
        first.map(|f| opt(&f.repo)).unwrap_or_default(),
        first.map(|f| escape(&f.location)).unwrap_or_default(),
    );
}

fn accounts_table(page: &mut String, summary: &Summary) {
    page.push_str(
        "<section id=\"accounts\">\n<h2>Accounts</h2>\n<table class=\"sortable\">\n<thead><tr>\
         <th>Account</th><th>Severity</th><th class=\"num\">Credentials</th><th class=\"num\">\
         Usable</th><th class=\"num\">Repositories</th><th class=\"num\">Findings</th></tr>\
         </thead>\n<tbody>\n",
    );
    for a in &summary.accounts {
        let _ = writeln!(
            page,
            "<tr><td>{}</td>{}<td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            a.account_id
                .as_deref()
                .map(escape)
                .unwrap_or_else(|| "<span class=\"muted\">unknown</span>".into()),
            severity_cell(a.severity),
            a.keys,
            a.usable,
            a.repos,
            a.findings
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn repos_table(page: &mut String, summary: &Summary, fleet: bool) {
    let _ = write!(
        page,
        "<section id=\"repos\">\n<h2>{}</h2>\n<table class=\"sortable\">\n<thead><tr>\
         <th>Repository</th><th class=\"num\">Critical</th><th class=\"num\">High</th>\
         <th class=\"num\">Medium</th><th class=\"num\">Low</th><th class=\"num\">Credentials\
         </th><th class=\"num\">New</th><th>Accounts</th><th>First</th><th>Last</th></tr>\
         </thead>\n<tbody>\n",
        if fleet {
            "Repositories with findings"
        } else {
            "Repository"
        }
    );
    for r in &summary.repos {
        let accounts: Vec<String> = r.accounts.iter().map(|a| escape(a)).collect();
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td data-sort=\"{}\">{}</td>\
             <td data-sort=\"{}\">{}</td></tr>",
            escape(r.repo.as_deref().unwrap_or(".")),
            r.critical,
            r.high,
            r.medium,
            r.low,
            r.keys,
            r.new,
            accounts.join("<br>"),
            opt(&r.first_seen),
            day(&r.first_seen),
            opt(&r.last_seen),
            day(&r.last_seen),
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// A bar per month with credentials entering history (bar height: how many; red part: usable
/// ones), then the list, oldest first.
fn timeline(page: &mut String, summary: &Summary) {
    let months = summary.timeline();
    page.push_str("<section id=\"timeline\">\n<h2>When credentials entered history</h2>\n");
    if months.is_empty() {
        page.push_str("<p class=\"muted\">No dated credentials.</p>\n</section>\n");
        return;
    }
    let max = months
        .iter()
        .map(|(_, k)| k.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let (bar, gap, height) = (18usize, 6usize, 120usize);
    let width = months.len() * (bar + gap) + gap;
    let _ = writeln!(
        page,
        "<svg role=\"img\" aria-label=\"credentials entering history per month\" \
         width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\">",
        height + 40,
        height + 40
    );
    for (i, (month, keys)) in months.iter().enumerate() {
        let x = gap + i * (bar + gap);
        let h_all = keys.len() * height / max;
        let usable = keys.iter().filter(|k| k.with_secret).count();
        let h_usable = usable * height / max;
        let _ = writeln!(
            page,
            "<g><title>{}: {} credentials ({} usable)</title>\
             <rect class=\"bar other\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h_all}\"/>\
             <rect class=\"bar\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h_usable}\"/>\
             <text x=\"{x}\" y=\"{}\" transform=\"rotate(45 {x} {})\">{}</text></g>",
            escape(month),
            keys.len(),
            usable,
            height - h_all,
            height - h_usable,
            height + 12,
            height + 12,
            escape(month)
        );
    }
    page.push_str("</svg>\n<ol class=\"timeline\">\n");
    for (_, keys) in &months {
        for k in keys {
            let first = k.first.as_ref();
            let _ = writeln!(
                page,
                "<li><b>{}</b> <span class=\"sev {s}\">{s}</span> <code>{}</code> {} in {} \
                 {}; first in <b>{}</b> by {}: {}</li>",
                day(&k.first_seen),
                escape(&k.redacted),
                escape(k.kind.label()),
                k.repos.len(),
                if k.repos.len() == 1 {
                    "repository"
                } else {
                    "repositories"
                },
                first.map(|f| opt(&f.repo)).unwrap_or_default(),
                first.map(|f| opt(&f.author)).unwrap_or_default(),
                first.map(|f| opt(&f.summary)).unwrap_or_default(),
                s = k.severity.as_str(),
            );
        }
    }
    page.push_str("</ol>\n</section>\n");
}

fn findings_table(page: &mut String, report: &ScanReport) {
    page.push_str(
        "<section id=\"findings\">\n<h2>All findings</h2>\n<input type=\"search\" \
         placeholder=\"Filter findings\" data-filter=\"findings-table\" aria-label=\"Filter \
         findings\">\n<table class=\"sortable\" id=\"findings-table\">\n<thead><tr>\
         <th>Severity</th><th>Repository</th><th>Where</th><th>What</th><th>Commit</th>\
         <th>Date</th><th>Author</th><th>Subject</th><th>Status</th></tr></thead>\n<tbody>\n",
    );
    for f in &report.findings {
        finding_row(page, f);
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn finding_row(page: &mut String, f: &Finding) {
    let _ = writeln!(
        page,
        "<tr>{}<td>{}</td><td><code>{}</code></td><td>{}<br><code>{}</code></td>\
         <td><code>{}</code></td><td data-sort=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        severity_cell(f.severity),
        escape(&repo_name(f)),
        escape(&f.location()),
        escape(f.kind.label()),
        escape(&f.redacted),
        f.commit.as_deref().map(|c| escape(short_id(c))).unwrap_or_default(),
        opt(&f.date),
        day(&f.date),
        opt(&f.author),
        opt(&f.summary),
        if f.known {
            "<span class=\"tag\">known</span>"
        } else {
            "<span class=\"tag new\">new</span>"
        },
    );
}

fn skipped_list(page: &mut String, report: &ScanReport) {
    if report.skipped.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section id=\"skipped\">\n<h2>Not scanned ({})</h2>\n<p class=\"muted\">The scan is \
         incomplete: these were not read, and may hold credentials.</p>\n<ul>",
        report.skipped.len()
    );
    for s in &report.skipped {
        let _ = writeln!(
            page,
            "<li><code>{}</code>: {}</li>",
            escape(&s.what),
            escape(&s.reason)
        );
    }
    page.push_str("</ul>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::sample_report;

    fn render(report: &ScanReport) -> String {
        let mut out = Vec::new();
        write(report, &mut out, &ReportOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\u{1b}[31m"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\\x1b[31m"
        );
    }

    #[test]
    fn hostile_text_from_repositories_is_escaped_everywhere() {
        let mut report = sample_report().report;
        let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        for f in &mut report.findings {
            f.repo = Some(format!("evil/{hostile}.git"));
            f.author = Some(format!("Mallory {hostile} <m@x>"));
            f.summary = Some(format!("subject {hostile}"));
            f.path = f.path.as_ref().map(|p| format!("{p}{hostile}"));
        }
        report.skipped[0].what = format!("evil/{hostile}.git");
        let page = render(&report);
        assert!(!page.contains("<img"), "unescaped markup in the page");
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "only the page's own script"
        );
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no network"
        );
        assert!(page.contains("Content-Security-Policy"));
    }
}
