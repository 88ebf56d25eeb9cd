//! The names a push adds that are not in its objects: the names of the refs it creates or
//! updates. The entry names of the trees it adds (a file or folder named after a key) are read
//! with the objects (`ScanOptions::tree_names`), and commit and tag headers, the tag's name and
//! tagger included, with the raw objects (`scan::objects::scan_raw`).

use super::input::RefUpdate;
use crate::detect::Detector;
use crate::finding::{Finding, Source};
use crate::scan::assemble::{findings_honouring, Place};

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
