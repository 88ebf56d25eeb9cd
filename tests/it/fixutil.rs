//! Shared helper for remediation tests: expand a fixture template with generated keys, run the
//! fixer, apply its patch with the real `git apply` in a real repository, rescan the result, and
//! produce a snapshot-safe form of the patch (generated values replaced by their placeholders).
#![allow(dead_code)]

#[cfg(feature = "conformance")]
use crate::util::run;
use crate::util::TestRepo;
use rolecall::detect::Detector;
use rolecall::fake::FakeKeys;
use rolecall::fix::{fix_text, unified_diff, FileFix};
use rolecall::syntax::{parse, Language};
#[cfg(feature = "conformance")]
use std::process::Command;

/// A fixture after the full round trip.
pub struct FixCase {
    /// The repository the fixture was committed to and the patch applied in.
    pub repo: TestRepo,
    /// The fixture's repository-relative path.
    pub path: String,
    /// The expanded original text.
    pub original: String,
    /// What the fixer returned.
    pub fix: FileFix,
    /// The unified diff rolecall emitted.
    pub patch: String,
    /// The file's text after `git apply`.
    pub patched: String,
    /// Placeholder → generated value, for making snapshots safe.
    pub values: Vec<(String, String)>,
}

impl FixCase {
    /// The patch with every generated value replaced by its placeholder (safe to snapshot).
    pub fn safe_patch(&self) -> String {
        self.redact(&self.patch)
    }

    /// The patched text with generated values replaced by placeholders.
    pub fn safe_patched(&self) -> String {
        self.redact(&self.patched)
    }

    /// Replaces generated values by their placeholder names.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (name, value) in &self.values {
            out = out.replace(value.as_str(), name);
        }
        out
    }

    /// Asserts the fixer left the file untouched and said why, with a reason containing `needle`.
    pub fn assert_manual_because(&self, needle: &str) {
        assert!(
            self.fix.new.is_none(),
            "{} must not be rewritten",
            self.path
        );
        assert!(
            self.fix.manual.iter().any(|m| m.reason.contains(needle)),
            "no manual reason mentions {needle:?}: {:?}",
            self.fix.manual
        );
    }

    /// Asserts the patched file parses: always in-process with rolecall's own grammar (no more
    /// syntax errors than the original), and, in the conformance tier (`--features
    /// conformance`), with the real tool too: `program` with `args` (`{}` is replaced by the
    /// file's absolute path) must succeed, and a missing tool fails the test.
    pub fn assert_parses(&self, program: &str, args: &[&str]) {
        self.assert_parses_in_process();
        #[cfg(feature = "conformance")]
        self.assert_tool_accepts(program, args);
        #[cfg(not(feature = "conformance"))]
        let _ = (program, args);
    }

    /// Asserts the patched file parses with the grammar of its language with no more syntax
    /// errors than the original (the same parse guard `fix` runs, checked independently here).
    pub fn assert_parses_in_process(&self) {
        let lang = Language::detect(&self.path, &self.original)
            .unwrap_or_else(|| panic!("no grammar knows {}", self.path));
        let original = parse(lang, &self.original).expect("the original parses");
        let patched = parse(lang, &self.patched).expect("the patched file parses");
        assert!(
            patched.errors() <= original.errors(),
            "the patched {} has {} syntax errors (the original {}):\n{}",
            self.path,
            patched.errors(),
            original.errors(),
            self.safe_patched()
        );
    }

    /// Runs a real parser or compiler on the patched file (conformance tier).
    #[cfg(feature = "conformance")]
    pub fn assert_tool_accepts(&self, program: &str, args: &[&str]) {
        crate::util::require_tool(program);
        let file = self.repo.path().join(&self.path);
        let file = file.to_str().unwrap();
        let args: Vec<String> = args.iter().map(|a| a.replace("{}", file)).collect();
        let (code, out, err) = run(Command::new(program)
            .args(&args)
            .current_dir(self.repo.path()));
        assert_eq!(
            code,
            0,
            "{program} rejects the patched {}:\n{out}{err}\n---\n{}",
            self.path,
            self.safe_patched()
        );
    }
}

/// Expands `template` (placeholders `{AKIA}`, `{SECRET}`, `{TOKEN}`, `{HEX40}`; the same name is
/// the same value wherever it appears, `{AKIA2}`/`{SECRET2}` give a second one), commits it at
/// `path` in a new repository, runs the fixer, applies the emitted patch with `git apply`, and rescans.
///
/// Panics when the fixer did not rewrite the file, when `git apply` rejects the patch, or when a
/// credential survives in the patched file.
pub fn round_trip(path: &str, template: &str, seed: u64) -> FixCase {
    let case = prepare(path, template, seed);
    assert!(
        case.fix.new.is_some(),
        "the fixer did not rewrite {path}: {:?}",
        case.fix.manual
    );
    case
}

/// Like [`round_trip`] but without requiring a rewrite (for cases that must stay manual).
pub fn prepare(path: &str, template: &str, seed: u64) -> FixCase {
    let (original, values) = expand_numbered(template, seed);
    let repo = TestRepo::new();
    repo.write(path, &original);
    repo.commit("add fixture");
    let detector = Detector::builtin();
    let fix = fix_text(&detector, path, &original);
    let mut patch = String::new();
    let mut patched = original.clone();
    if let Some(new) = &fix.new {
        patch = unified_diff(path, &original, new);
        let patch_file = repo.path().join(".git").join("rolecall.patch");
        std::fs::write(&patch_file, &patch).unwrap();
        let out = repo.git_env(&["apply", "--check", patch_file.to_str().unwrap()], &[]);
        assert!(
            out.status.success(),
            "git apply --check rejects the patch:\n{}\n{patch}",
            String::from_utf8_lossy(&out.stderr)
        );
        repo.git(&["apply", patch_file.to_str().unwrap()]);
        patched = repo.read(path);
        assert_eq!(
            &patched, new,
            "git apply produced something other than the fixer's text"
        );
        // A partial fix keeps the credentials it hands to a human, and no other.
        let handed: Vec<&str> = fix
            .manual
            .iter()
            .filter_map(|m| original.lines().nth(m.line as usize - 1))
            .collect();
        let left: Vec<_> = detector
            .scan(patched.as_bytes())
            .matches
            .into_iter()
            .filter(|m| !m.inline_allowed && !handed.iter().any(|l| l.contains(m.value.expose())))
            .collect();
        assert!(
            left.is_empty(),
            "credentials survive the fix of {path} without a manual note: {:?}",
            left.iter().map(|m| (&m.rule, m.line)).collect::<Vec<_>>()
        );
    }
    FixCase {
        repo,
        path: path.to_string(),
        original,
        fix,
        patch,
        patched,
        values,
    }
}

/// Expands placeholders; one name is one value wherever it appears; a trailing digit (`{AKIA2}`)
/// names another value of the same kind.
pub fn expand_numbered(template: &str, seed: u64) -> (String, Vec<(String, String)>) {
    let mut keys = FakeKeys::new(seed);
    let mut values: Vec<(String, String)> = Vec::new();
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]).unwrap_or("");
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
        let known = matches!(base, "SECRET" | "TOKEN" | "HEX40")
            || (base.len() == 4 && base.bytes().all(|b| b.is_ascii_uppercase()));
        if close.is_none() || name.is_empty() || !known {
            out.push('{');
            rest = after;
            continue;
        }
        let placeholder = format!("{{{name}}}");
        let value = match values.iter().find(|(n, _)| *n == placeholder) {
            Some((_, v)) => v.clone(),
            None => {
                let v = keys.expand(&format!("{{{base}}}"));
                values.push((placeholder.clone(), v.clone()));
                v
            }
        };
        out.push_str(&value);
        rest = &after[close.unwrap() + 1..];
    }
    out.push_str(rest);
    (out, values)
}
