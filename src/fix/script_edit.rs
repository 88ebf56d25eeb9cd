//! Property-test helpers for rewriters (the noise-survival check the Python, shell, Ruby and PHP
//! rewriters' unit tests use). The token engine that lived here served Ruby and PHP until they moved onto
//! `crate::syntax`; it is gone.

#[cfg(test)]
pub(crate) mod testkit {
    use crate::detect::Detector;
    use crate::fake::FakeKeys;
    use crate::fix::{FileToFix, Outcome, Rewriter};

    /// Runs `rewriter` on `template` (placeholders expanded with keys from `seed`) with the
    /// detector's real matches; returns the expanded text and the outcome.
    pub(crate) fn run(
        rewriter: &dyn Rewriter,
        path: &str,
        template: &str,
        seed: u64,
    ) -> (String, Outcome) {
        let text = FakeKeys::new(seed).expand(template);
        let detector = Detector::builtin();
        let matches: Vec<_> = detector
            .scan(text.as_bytes())
            .matches
            .into_iter()
            .filter(|m| !m.inline_allowed)
            .collect();
        let file = FileToFix {
            path,
            text: &text,
            matches: &matches,
        };
        let outcome = rewriter.rewrite(&file);
        (text, outcome)
    }

    /// A file interleaving `noise` statements (no credentials) and credential `snippets`: after a
    /// rewrite every noise line must still be there, whole and in order, and no key may be left.
    /// Returns the outcome when the file was not rewritten.
    pub(crate) fn check_noise_survives(
        rewriter: &dyn Rewriter,
        path: &str,
        header: &str,
        noise: &[&str],
        snippets: &[&str],
        picks: &[(bool, usize)],
        seed: u64,
    ) -> Result<(), Outcome> {
        let mut template = header.to_string();
        let mut kept = Vec::new();
        for (n, &(is_noise, p)) in picks.iter().enumerate() {
            if is_noise {
                let line = noise[p % noise.len()].replace("{N}", &n.to_string());
                kept.push(line.clone());
                template.push_str(&line);
                template.push('\n');
            } else {
                template.push_str(snippets[p % snippets.len()]);
            }
        }
        let (text, outcome) = run(rewriter, path, &template, seed);
        let new = match outcome {
            Outcome::Rewritten { text: new, .. } => new,
            Outcome::Edits { edits, manual, .. } if manual.is_empty() => {
                let applied = edits.apply();
                if !applied.rejected.is_empty() {
                    return Err(Outcome::Edits {
                        edits,
                        notes: Vec::new(),
                        manual,
                    });
                }
                applied.text
            }
            other => return Err(other),
        };
        let mut rest = new.lines();
        for line in &kept {
            assert!(
                rest.any(|l| l == line),
                "noise line {line:?} was changed or reordered:\n{new}\n--- from\n{text}"
            );
        }
        let left = Detector::builtin().scan(new.as_bytes()).matches;
        assert!(left.is_empty(), "a key survived the rewrite:\n{new}");
        Ok(())
    }
}
