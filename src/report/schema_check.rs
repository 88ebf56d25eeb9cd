//! Test helper: validates a report against a JSON Schema vendored under `tests/data/` with the
//! `jsonschema` crate, formats included (GitHub rejects a SARIF `uri` that is not a valid
//! `uri-reference`). Runs in plain `cargo test`: no python, no network.

use serde_json::Value;

/// The SARIF 2.1.0 schema (OASIS).
pub(crate) const SARIF: &str = "sarif-2.1.0.schema.json";
/// GitLab's secret-detection report schema, the newest version GitLab validates (15.2.1).
pub(crate) const GITLAB_SECRET_DETECTION: &str =
    "gitlab-secret-detection-report-format-15.2.1.json";

/// Every validation error of `doc` against the schema file `name`, as `path: message` lines.
pub(crate) fn errors(name: &str, doc: &Value) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a usable schema: {e}"));
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
