//! The names a push adds: the names of the refs it creates or updates, and the entry names of
//! the trees it adds (a file or folder named after a key). Commit and tag headers, the tag's
//! name and tagger included, are read with the raw objects (`scan::objects::scan_raw`).

use super::input::RefUpdate;
use crate::detect::Detector;
use crate::finding::{Finding, Source};
use crate::scan::assemble::{findings_honouring, Place};
use git2::{ObjectType, Oid, Repository};

/// Findings in the names of the refs the push creates or updates (`Source::RefName`). The
/// names are read as one text, one name a line (one detector pass, linear in the push).
pub fn ref_name_findings(detector: &Detector, updates: &[RefUpdate]) -> (Vec<Finding>, u64) {
    let names: Vec<&str> = updates
        .iter()
        .filter(|u| !u.is_delete())
        .map(|u| u.name.as_str())
        .collect();
    let text = names.join("\n");
    let matches = detector.scan(text.as_bytes()).matches;
    if matches.is_empty() {
        return (Vec::new(), 0);
    }
    let place = Place {
        commit: None,
        source: Some(Source::RefName),
        path: None,
        blob: None,
    };
    let (mut f, s) = findings_honouring(&matches, &place, false);
    for one in &mut f {
        one.line = 1;
    }
    (f, s)
}

/// Findings in the entry names of the pushed trees among `ids` (`Source::TreeEntry`, the
/// finding's path is the entry's name with the value redacted, its blob the tree's id). The names of one tree are
/// read as one text, one name a line, so a key ID and its secret in two names pair.
pub fn tree_entry_findings(
    repo: &Repository,
    detector: &Detector,
    ids: &[Oid],
) -> (Vec<Finding>, u64) {
    let mut findings = Vec::new();
    let mut suppressed = 0;
    let Ok(odb) = repo.odb() else {
        return (findings, 0);
    };
    for id in ids {
        let is_tree = odb
            .read_header(*id)
            .is_ok_and(|(_, kind)| kind == ObjectType::Tree);
        if !is_tree {
            continue;
        }
        let Ok(tree) = repo.find_tree(*id) else {
            continue;
        };
        let names: Vec<Vec<u8>> = tree.iter().map(|e| e.name_bytes().to_vec()).collect();
        let text = names.join(&b'\n');
        let matches = detector.scan(&text).matches;
        let place = Place {
            commit: None,
            source: Some(Source::TreeEntry),
            path: None,
            blob: Some(id.to_string()),
        };
        let (mut f, s) = findings_honouring(&matches, &place, false);
        for (one, m) in f.iter_mut().zip(&matches) {
            one.path = names
                .get(m.line.saturating_sub(1) as usize)
                .map(|n| super::message::safe(&String::from_utf8_lossy(n)));
            one.line = 1;
        }
        findings.extend(f);
        suppressed += s;
    }
    (findings, suppressed)
}
