//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer), compiled only with the
//! `fuzzing` cargo feature. Each function takes the fuzzer's bytes, runs one part of rolecall on
//! them and panics when an invariant breaks, so that libFuzzer records the input as a crash.
//! Nothing here is needed to use rolecall as a library; `docs/fuzzing.md` says how to run them.
//!
//! Inputs that need credentials carry templates (`{AKIA}`, `{SECRET}`, `{TOKEN}`, … see
//! [`FakeKeys::expand`]) that are turned into fake keys at run time, so the seed corpus holds no
//! key.

use crate::detect::Detector;
use crate::fake::FakeKeys;
use crate::fix::{fix_text, rewriters, FileToFix, Outcome};
use crate::syntax::Language;

/// The rewriter families, each with the paths the rewrite target tries (the second input byte
/// picks one).
pub const FAMILIES: &[(&str, &[&str])] = &[
    ("python", &["app.py", "bin/tool"]),
    ("shell", &["run.sh", ".env", "deploy.bash"]),
    ("dockerfile", &["Dockerfile", "build/Containerfile"]),
    ("notebook", &["analysis.ipynb"]),
    ("terraform", &["main.tf", "prod.tfvars"]),
    (
        "yaml",
        &[
            ".github/workflows/ci.yml",
            "docker-compose.yml",
            "k8s/deployment.yaml",
            "task-definition.json",
        ],
    ),
    ("ini", &["config.ini", "credentials", "app.cfg"]),
    ("powershell", &["setup.ps1", "Module.psm1"]),
    ("ruby", &["app.rb", "Rakefile"]),
    ("php", &["index.php"]),
    ("javascript", &["app.js", "handler.ts", "App.tsx"]),
    ("go", &["main.go"]),
    ("java", &["App.java"]),
    ("csharp", &["Program.cs"]),
];

/// The detector on arbitrary bytes. The first byte picks the mode: odd means the rest is a
/// template (lossy UTF-8) whose placeholders become fake keys before scanning; even scans the
/// rest as it is. Invariants: no panic; spans and evidence lie inside the buffer (for
/// transcoded UTF-16 text: inside the decoded text, which is at most as long); no redacted form
/// holds its whole secret; [`Detector::redact_in`] leaves no whole secret of what it redacted.
pub fn detector(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let expanded;
    let bytes: &[u8] = if mode & 1 == 1 {
        expanded = FakeKeys::new(u64::from(mode)).expand(&String::from_utf8_lossy(rest));
        expanded.as_bytes()
    } else {
        rest
    };
    let detector = Detector::shared();
    let scan = detector.scan(bytes);
    for m in &scan.matches {
        let secret = m.value.expose();
        let shown = m.value.redacted();
        assert!(
            secret.len() < 8 || !shown.contains(secret),
            "redacted form {shown:?} holds the whole secret (rule {})",
            m.rule
        );
        assert!(m.span.start <= m.span.end, "span {:?} is reversed", m.span);
        if m.member.is_none() && !scan.utf16 {
            assert!(m.span.end <= bytes.len(), "span {:?} past the end", m.span);
        }
        assert!(
            m.line >= 1 && m.column >= 1,
            "lines and columns are 1-based"
        );
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let redacted = detector.redact_in(text);
        for m in detector.scan(text.as_bytes()).matches {
            let secret = m.value.expose();
            // Only values written out as they are, at their span, are the redactor's to hide.
            if secret.len() >= 16 && text.get(m.span.clone()) == Some(secret) {
                let before = text.matches(secret).count();
                let after = redacted.matches(secret).count();
                assert!(
                    after < before || before == 0,
                    "redact_in left {} whole copies of a {} (rule {})",
                    after,
                    m.kind.label(),
                    m.rule
                );
            }
        }
    }
}

/// The pre-receive hook's stdin parser ([`crate::hook::input::parse_updates`]). Invariants: no
/// panic; what it accepts prints back to a text it parses to the same updates.
pub fn hook_input(data: &[u8]) {
    let Ok(updates) = crate::hook::input::parse_updates(data) else {
        return;
    };
    assert!(!updates.is_empty(), "accepted input without a ref update");
    let printed: String = updates
        .iter()
        .map(|u| format!("{} {} {}\n", u.old, u.new, u.name))
        .collect();
    let again = crate::hook::input::parse_updates(printed.as_bytes())
        .unwrap_or_else(|e| panic!("printed updates do not parse again: {e}"));
    assert_eq!(again, updates, "the round trip changed the updates");
}

/// The configuration parser ([`crate::policy::config::Config::parse`]) on UTF-8 text, and the
/// hook settings of what it accepts. Invariant: no panic.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new(crate::policy::config::CONFIG_FILE);
    if let Ok(config) = crate::policy::config::Config::parse(text, path) {
        let _ = config.hook.time_budget();
        for sev in [
            crate::finding::Severity::Low,
            crate::finding::Severity::Medium,
            crate::finding::Severity::High,
            crate::finding::Severity::Critical,
        ] {
            let _ = config.hook.action(sev);
        }
    }
}

/// One rewriter family on a template. Byte 0 picks the family in [`FAMILIES`], byte 1 its path,
/// byte 2 the fake-key seed; the rest (lossy UTF-8) is the template. Invariants: no panic; a
/// rewritten file parses no worse than the original (the parse guard agrees); each rewriter's
/// edit set lies inside the input, on character boundaries; manual spots point at lines of the
/// input.
pub fn rewrite(data: &[u8]) {
    let [family, variant, seed, rest @ ..] = data else {
        return;
    };
    let (_, paths) = FAMILIES[usize::from(*family) % FAMILIES.len()];
    let path = paths[usize::from(*variant) % paths.len()];
    let text = FakeKeys::new(u64::from(*seed)).expand(&String::from_utf8_lossy(rest));
    check_rewrite(path, &text);
}

/// The invariants of [`rewrite`] for one path and text (also for regression tests).
pub fn check_rewrite(path: &str, text: &str) {
    let detector = Detector::shared();
    let fix = fix_text(detector, path, text);
    let lines = text.lines().count() as u32 + 1;
    for m in &fix.manual {
        assert!(
            m.line >= 1 && m.line <= lines,
            "manual spot at line {} of {lines}",
            m.line
        );
    }
    if let (Some(new), Some(lang)) = (&fix.new, Language::detect(path, text)) {
        if let Err(e) = crate::syntax::guard::check(lang, text, new) {
            assert!(
                e.unparsed.is_some(),
                "emitted a rewrite the guard rejects: {e}"
            );
        }
    }
    let matches: Vec<_> = detector
        .scan(text.as_bytes())
        .matches
        .into_iter()
        .filter(|m| !m.inline_allowed)
        .collect();
    if matches.is_empty() {
        return;
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
        let Outcome::Edits { edits, .. } = rewriter.rewrite(&file) else {
            continue;
        };
        assert_eq!(
            edits.text(),
            text,
            "{}: an edit set for another text",
            rewriter.name()
        );
        let applied = edits.apply();
        for r in &applied.rejected {
            assert!(
                !r.reason.contains("outside the text"),
                "{}: {}",
                rewriter.name(),
                r.reason
            );
        }
        for (range, _) in &applied.edits {
            assert!(
                range.start <= range.end
                    && text.is_char_boundary(range.start)
                    && text.is_char_boundary(range.end),
                "{}: edit {range:?} outside the text",
                rewriter.name()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// Runs every seed of `fuzz/corpus/<target>/` through its entry point.
    fn replay(target: &str, run: fn(&[u8])) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("fuzz/seed.py wrote the corpus") {
            run(&std::fs::read(entry.unwrap().path()).unwrap());
            seen += 1;
        }
        assert!(seen > 0, "no seeds in {}", dir.display());
    }

    #[test]
    fn the_seed_corpus_holds_the_invariants() {
        replay("detector", super::detector);
        replay("hook_input", super::hook_input);
        replay("config", super::config);
        replay("rewrite", super::rewrite);
    }
}
