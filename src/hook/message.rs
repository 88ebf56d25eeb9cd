//! What the pusher reads after git's `remote: ` prefix: plain text, short lines, redacted values
//! only, and what to do next.

use crate::finding::{Finding, Kind, Source};
use std::fmt::Write;

/// GitLab shows lines starting with this prefix in its web UI.
pub const GITLAB_PREFIX: &str = "GL-HOOK-ERR: ";

/// The text explaining why a push is rejected: every blocking finding grouped by commit, then
/// the manual steps to take the key out of unpushed history, then the rotation hint.
pub fn rejection(blocking: &[Finding]) -> String {
    let mut out = String::new();
    let n = blocking.len();
    let _ = writeln!(
        out,
        "rolecall: push rejected: {n} AWS credential{} would enter this repository's history.",
        plural(n)
    );
    out.push_str(&finding_list(blocking));
    out.push('\n');
    out.push_str(&next_steps(blocking));
    out
}

/// The text for findings that are reported but do not block the push.
pub fn warning(warned: &[Finding]) -> String {
    let mut out = String::new();
    let n = warned.len();
    let _ = writeln!(
        out,
        "rolecall: warning: {n} possible AWS credential{} in this push (accepted by server \
         policy; please check):",
        plural(n)
    );
    out.push_str(&finding_list(warned));
    out
}

/// Findings grouped by the commit (or tag) that introduces them, one line each.
pub fn finding_list(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut last_commit: Option<Option<&str>> = None;
    for f in findings {
        let commit = f.commit.as_deref();
        if last_commit != Some(commit) {
            out.push('\n');
            let _ = writeln!(out, "  {}", commit_heading(f));
            last_commit = Some(commit);
        }
        let place = match (&f.path, f.source) {
            (_, Source::RefName) => "name of a pushed ref".to_string(),
            (Some(p), Source::TreeEntry) => format!("file or folder name \"{}\"", safe(p)),
            (Some(p), _) => format!("{}:{}", safe(p), f.line),
            (None, Source::CommitMessage) => format!("commit message, line {}", f.line),
            (None, Source::TagMessage) => format!("tag message, line {}", f.line),
            (None, Source::CommitHeader) => format!("commit header, line {}", f.line),
            (None, Source::TagHeader) => format!("tag header, line {}", f.line),
            (None, _) => match &f.blob {
                Some(b) => format!("blob {}, line {}", short(b), f.line),
                None => format!("line {}", f.line),
            },
        };
        let mut line = format!(
            "    {place}  {}  {}  {}",
            f.kind.label(),
            f.severity,
            f.redacted
        );
        // Only a 12-digit value is an AWS account (older key formats decode to other numbers).
        if let Some(account) = f.account_id.as_ref().filter(|a| a.len() == 12) {
            let _ = write!(line, "  (account {account})");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn commit_heading(f: &Finding) -> String {
    match &f.commit {
        Some(id) => {
            let mut h = match f.source {
                Source::TagMessage | Source::TagHeader => format!("tag on {}", short(id)),
                _ => format!("commit {}", short(id)),
            };
            if let Some(s) = f.summary.as_deref().filter(|s| !s.is_empty()) {
                let _ = write!(h, " \"{}\"", clip(&safe(s), 60));
            }
            if let Some(a) = &f.author {
                let _ = write!(h, " by {}", safe(a));
            }
            h
        }
        None => "object not reachable from a pushed commit".to_string(),
    }
}

fn next_steps(blocking: &[Finding]) -> String {
    let mut commits: Vec<&str> = Vec::new();
    for f in blocking {
        if let Some(c) = f.commit.as_deref() {
            if !matches!(f.source, Source::TagMessage | Source::TagHeader) && !commits.contains(&c)
            {
                commits.push(c);
            }
        }
    }
    let mut out = String::from("What to do next:\n");
    out.push_str(
        "  1. Take the key out of your unpushed commits (deleting it in a later commit is not \
         enough:\n     the key stays in history).\n",
    );
    match commits.first() {
        Some(first) => {
            out.push_str(
                "     rolecall rewrites them for you (same authors, dates and messages; a backup \
                 ref is kept):\n\
                 \x20      rolecall fix --rewrite      (rewrites @{upstream}..HEAD; try --dry-run first)\n",
            );
            let _ = writeln!(
                out,
                "     Or by hand: git rebase -i {}^   (--root if it is your first commit),",
                short(first)
            );
            let list: Vec<String> = commits.iter().map(|c| short(c)).collect();
            if list.len() <= 3 {
                let _ = writeln!(
                    out,
                    "     mark commit{} {} as \"edit\",",
                    plural(list.len()),
                    list.join(", ")
                );
            } else {
                let _ = writeln!(
                    out,
                    "     mark the {} commits listed above as \"edit\",",
                    list.len()
                );
            }
            out.push_str(
                "     remove the key (\"reword\" for a key in a message), then `git commit --amend`\n\
                 \x20    and `git rebase --continue`.\n",
            );
        }
        None => out.push_str(
            "     Recreate the tag without the key in its message: git tag -d NAME, git tag -a NAME.\n",
        ),
    }
    out.push_str(
        "  2. Use the IAM role / default credential chain instead of a key: delete the credential\n\
         \x20    arguments and variables and keep everything else. `rolecall fix` prints the patch.\n",
    );
    let keys: Vec<&Finding> = blocking
        .iter()
        .filter(|f| f.kind == Kind::AccessKeyId)
        .collect();
    out.push_str("  3. Rotate this key: it has left your machine and may be copied elsewhere.\n");
    if keys.is_empty() {
        out.push_str(
            "       aws iam update-access-key --status Inactive --access-key-id <its key ID>\n",
        );
    } else {
        let mut ids: Vec<&str> = Vec::new();
        for k in &keys {
            if !ids.contains(&k.redacted.as_str()) {
                ids.push(&k.redacted);
            }
        }
        if ids.len() > 3 {
            let _ = writeln!(
                out,
                "       aws iam update-access-key --status Inactive --access-key-id <key ID>\n\
                 \x20      for each of the {} key IDs listed above",
                ids.len()
            );
        } else {
            for id in ids {
                let _ = writeln!(
                    out,
                    "       aws iam update-access-key --status Inactive --access-key-id {id}"
                );
            }
        }
    }
    out.push_str(
        "     (the full key ID is in your commit), then delete the key once nothing uses it.\n",
    );
    out
}

/// Prefixes every line with `GL-HOOK-ERR: ` (GitLab's web UI shows those lines).
pub fn gitlab(text: &str) -> String {
    text.lines()
        .map(|l| format!("{GITLAB_PREFIX}{l}\n"))
        .collect()
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

/// `text` as it may reach the pusher's terminal: every value the detector finds is redacted,
/// and control characters (escape sequences, carriage returns, C1 controls) are shown as
/// `\u{..}` escapes instead of being sent raw.
pub fn safe(text: &str) -> String {
    let matches = crate::detect::Detector::shared()
        .scan(text.as_bytes())
        .matches;
    let mut redacted = String::with_capacity(text.len());
    let mut at = 0;
    let mut spans: Vec<_> = matches
        .iter()
        .map(|m| (m.span.clone(), m.value.redacted()))
        .collect();
    spans.sort_by_key(|(r, _)| r.start);
    for (span, value) in spans {
        if span.start < at || span.end > text.len() {
            continue;
        }
        let (Some(before), true) = (text.get(at..span.start), text.is_char_boundary(span.end))
        else {
            continue;
        };
        redacted.push_str(before);
        redacted.push_str(&value);
        at = span.end;
    }
    redacted.push_str(&text[at..]);
    neutralise(&redacted)
}

/// Control characters of `text` written as `\u{..}` escapes.
pub fn neutralise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The tips `rolecall fix --rewrite` will produce, so the pusher can check they got it right.
pub fn rewrite_tips(tips: &[(String, git2::Oid)]) -> String {
    let mut out = String::new();
    for (name, tip) in tips {
        let short_name = safe(name.strip_prefix("refs/heads/").unwrap_or(name));
        let _ = writeln!(
            out,
            "rolecall: after `rolecall fix --rewrite` (@{{upstream}}..HEAD), {short_name} will be at\n\
             rolecall:   {tip}"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeKeys;
    use crate::finding::{fingerprint, redact, Encoding, Severity};

    fn finding(kind: Kind, value: &str, path: Option<&str>, source: Source) -> Finding {
        Finding {
            kind,
            rule: "r".into(),
            severity: Severity::Critical,
            path: path.map(str::to_string),
            line: 3,
            column: 1,
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            author: Some("Dana <d@x>".into()),
            date: None,
            source,
            encoding: Encoding::Plain,
            redacted: redact(value),
            fingerprint: fingerprint(kind, value),
            account_id: (kind == Kind::AccessKeyId).then(|| "210987654321".into()),
            key_type: None,
            pair: None,
            blob: None,
            summary: Some("add config".into()),
            repo: None,
            reachable: true,
            known: false,
            expires: None,
            principal: None,
            assembled: None,
        }
    }

    #[test]
    fn rejection_names_commit_place_kind_and_steps_without_the_secret() {
        let pair = FakeKeys::new(9).pair();
        let fs = vec![
            finding(
                Kind::AccessKeyId,
                &pair.key_id,
                Some("app/config.py"),
                Source::Blob,
            ),
            finding(
                Kind::SecretAccessKey,
                &pair.secret,
                None,
                Source::CommitMessage,
            ),
        ];
        let text = rejection(&fs);
        for needle in [
            "push rejected: 2 AWS credentials",
            "commit 0123456789ab \"add config\" by Dana <d@x>",
            "app/config.py:3  AWS access key ID  critical",
            "(account 210987654321)",
            "commit message, line 3  AWS secret access key",
            "git rebase -i 0123456789ab^",
            "rolecall fix --rewrite",
            "rolecall fix",
            "Rotate this key",
            "--status Inactive",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        assert!(!text.contains(&pair.key_id) && !text.contains(&pair.secret));
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        let many: Vec<Finding> = (0..20)
            .map(|i| {
                let mut f = finding(
                    Kind::AccessKeyId,
                    &FakeKeys::new(i).key_id("AKIA"),
                    Some("a"),
                    Source::Blob,
                );
                f.commit = Some(format!("{i:040}"));
                f
            })
            .collect();
        let long = rejection(&many);
        assert!(long.contains("mark the 20 commits listed above"), "{long}");
        assert!(long.contains("for each of the 20 key IDs"), "{long}");
        assert!(long.lines().all(|l| l.chars().count() <= 100), "{long}");
        let gl = gitlab(&text);
        assert!(gl.lines().all(|l| l.starts_with(GITLAB_PREFIX)));
    }
}
