//! The parse guard: a patched text must parse with no more syntax errors than the original, or it
//! is not emitted. [`settle`] keeps as many spots of an [`EditSet`] as pass the guard together.

use super::edit::{Applied, EditSet};
use super::{parse, Language};
use std::ops::Range;

/// Why a patched text failed the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardError {
    /// Syntax errors in the original.
    pub before: usize,
    /// Syntax errors in the patched text.
    pub after: usize,
    /// 1-based line of the first error in the patched text.
    pub line: u32,
    /// Set when a text could not be parsed at all (size or time limit).
    pub unparsed: Option<String>,
}

impl std::fmt::Display for GuardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.unparsed {
            Some(why) => write!(f, "the patched file could not be checked: {why}"),
            None => write!(
                f,
                "the patched file would not parse: {} syntax error(s) where the original has {} (first at line {})",
                self.after, self.before, self.line
            ),
        }
    }
}

/// Checks that `after` parses as `lang` with no more syntax errors than `before`.
pub fn check(lang: Language, before: &str, after: &str) -> Result<(), GuardError> {
    let unparsed = |e: super::ParseError| GuardError {
        before: 0,
        after: 0,
        line: 1,
        unparsed: Some(e.to_string()),
    };
    let old = parse(lang, before).map_err(unparsed)?;
    let new = parse(lang, after).map_err(unparsed)?;
    let (b, a) = (errors(&old), errors(&new));
    if a <= b {
        return Ok(());
    }
    let line = new.first_error().map_or(1, |n| new.line_of(n.start_byte()));
    Err(GuardError {
        before: b,
        after: a,
        line,
        unparsed: None,
    })
}

/// The syntax errors of a parse. The PowerShell grammar needs one statement, so a script of
/// nothing but comments and blanks (all its statements fixed away) parses as an `ERROR` node; that
/// is not a syntax error.
pub fn errors(parsed: &super::Parsed<'_>) -> usize {
    if parsed.language() == Language::PowerShell && only_comments(parsed) {
        return 0;
    }
    parsed.errors()
}

/// Whether the parsed text outside its comments is blank.
fn only_comments(parsed: &super::Parsed<'_>) -> bool {
    let text = parsed.text();
    let mut at = 0;
    for c in super::parse::descendants(parsed.root()).filter(|n| n.kind() == "comment") {
        if c.start_byte() < at || !text[at..c.start_byte()].trim().is_empty() {
            return false;
        }
        at = c.end_byte();
    }
    text[at..].trim().is_empty()
}

/// Most spots a file may have for [`settle`] to look for the ones that break the parse one by
/// one; past this the whole file's edits stand or fall together.
const MAX_BISECT_SPOTS: usize = 24;

/// Applies `edits` and runs `check` on the result. When the whole set fails, keeps the spots that
/// pass together (trying them in text order, one at a time) and drops the others with the guard's
/// reason, so one spot that breaks the syntax does not cost the file its other fixes.
pub fn settle(edits: &mut EditSet, check: &dyn Fn(&str) -> Result<(), String>) -> Applied {
    let applied = edits.apply();
    let Err(first) = check(&applied.text) else {
        return applied;
    };
    let keys = edits.keys();
    if keys.len() > MAX_BISECT_SPOTS || keys.len() <= 1 {
        for k in &keys {
            edits.drop_spot(k, &first);
        }
        return edits.apply();
    }
    let mut kept: Vec<Range<usize>> = Vec::new();
    let mut failed: Vec<(Range<usize>, String)> = Vec::new();
    for key in &keys {
        let mut trial = edits.clone();
        for other in &keys {
            if other != key && !kept.contains(other) {
                trial.drop_spot(other, "");
            }
        }
        match check(&trial.apply().text) {
            Ok(()) => kept.push(key.clone()),
            Err(why) => failed.push((key.clone(), why)),
        }
    }
    for (key, why) in failed {
        edits.drop_spot(&key, &why);
    }
    edits.apply()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::edit::SpotEdits;

    #[test]
    fn more_errors_fail_the_guard() {
        assert!(check(Language::Python, "f(a, b)\n", "f(a)\n").is_ok());
        let err = check(Language::Python, "f(a, b)\n", "f(a, \n").unwrap_err();
        assert!(err.after > err.before);
        assert!(err.to_string().contains("would not parse"), "{err}");
        // An original that already has errors may keep them.
        assert!(check(Language::Python, "f(a, \n", "f(a, \n").is_ok());
        // A PowerShell script left with nothing but comments parses.
        let ps = "# fetch\nSet-AWSCredential -ProfileName x\n";
        assert!(check(Language::PowerShell, ps, "# fetch\n").is_ok());
        assert!(check(Language::PowerShell, ps, "<# a\n #>\n\n").is_ok());
        assert!(check(Language::PowerShell, ps, "# fetch\nf(\n").is_err());
    }

    #[test]
    fn settle_keeps_the_spots_that_parse() {
        let text = "a = f(1)\nb = g(2)\n";
        let mut set = EditSet::new(text);
        let mut good = SpotEdits::new(6..7);
        good.replace(6..7, "0", "one");
        set.add(good);
        let mut bad = SpotEdits::new(15..16);
        bad.delete(15..17, "breaks the call");
        set.add(bad);
        let guard = |t: &str| check(Language::Python, text, t).map_err(|e| e.to_string());
        let applied = settle(&mut set, &guard);
        assert_eq!(applied.text, "a = f(0)\nb = g(2)\n");
        assert_eq!(applied.rejected.len(), 1);
        assert!(applied.rejected[0].reason.contains("would not parse"));
    }
}
