//! Kubernetes manifests: Secrets holding AWS keys and workload `env:` entries are removed, the
//! result still parses as YAML (`yaml.safe_load_all`), and every other byte stays.

use crate::fixutil::{expand_numbered, round_trip, FixCase};
use base64::Engine;

/// Checks that python3's PyYAML loads every document of the patched file.
fn assert_yaml_loads(case: &FixCase) {
    case.assert_parses(
        "python3",
        &[
            "-c",
            "import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1], newline='')))",
            "{}",
        ],
    );
}

/// Round trip for a template that may also hold `{B64:NAME}`: the base64 of a value generated
/// like `{NAME}` (from its own seed). The base64 forms are redacted to their placeholders in
/// snapshots.
fn round_trip_b64(path: &str, template: &str, seed: u64) -> FixCase {
    let mut encoded = Vec::new();
    let mut with_b64 = template.to_string();
    while let Some(open) = with_b64.find("{B64:") {
        let close = open + with_b64[open..].find('}').expect("closed placeholder");
        let placeholder = with_b64[open..=close].to_string();
        let plain = format!("{{{}}}", &placeholder[5..placeholder.len() - 1]);
        let (value, _) = expand_numbered(&plain, seed ^ 0xb64 ^ encoded.len() as u64);
        let b64 = base64::engine::general_purpose::STANDARD.encode(value);
        with_b64 = with_b64.replace(&placeholder, &b64);
        encoded.push((placeholder, b64));
    }
    let mut case = round_trip(path, &with_b64, seed);
    case.values.extend(encoded);
    case
}

const STACK: &str = r#"# Uploader: deployed by Argo CD.
apiVersion: v1
kind: Secret
metadata:
  name: uploader-aws
  namespace: media
type: Opaque
stringData:
  AWS_ACCESS_KEY_ID: "{AKIA}"
  AWS_SECRET_ACCESS_KEY: '{SECRET}'
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: uploader
  namespace: media
  labels: {app: uploader, tier: "backend"}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: uploader
  template:
    metadata:
      labels:
        app: uploader
    spec:
      serviceAccountName: uploader
      containers:
      - name: app
        image: registry.example.com/uploader:1.4.2
        args: ["--bucket", "media-uploads"]  # keep
        env:
        - name: AWS_REGION
          value: eu-west-1
        - name: AWS_ACCESS_KEY_ID
          valueFrom:
            secretKeyRef:
              name: uploader-aws
              key: AWS_ACCESS_KEY_ID
        - name: AWS_SECRET_ACCESS_KEY
          valueFrom:
            secretKeyRef: {name: uploader-aws, key: AWS_SECRET_ACCESS_KEY}
        - name: LOG_LEVEL
          value: "info"
        resources:
          limits:
            memory: 256Mi
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: uploader-config
data:
  settings.yaml: |
    bucket: media-uploads
    retries: 5
"#;

#[test]
fn secret_and_secret_key_refs_are_removed() {
    let case = round_trip("deploy/uploader.yaml", STACK, 11);
    assert_yaml_loads(&case);
    assert!(
        !case.patched.contains("kind: Secret"),
        "the emptied Secret document goes"
    );
    assert!(case
        .patched
        .starts_with("# Uploader: deployed by Argo CD.\napiVersion: apps/v1\n"));
    assert!(case
        .patched
        .contains("- name: LOG_LEVEL\n          value: \"info\"\n        resources:"));
    assert!(case
        .fix
        .notes
        .iter()
        .any(|n| n.contains("eks.amazonaws.com/role-arn") && n.contains("uploader")));
    insta::assert_snapshot!(case.safe_patch());
}

#[test]
fn crlf_manifests_keep_their_line_endings() {
    let case = round_trip("k8s/uploader.yml", &STACK.replace('\n', "\r\n"), 12);
    assert_yaml_loads(&case);
    assert!(
        case.patched
            .split_inclusive('\n')
            .all(|l| l.ends_with("\r\n")),
        "every line keeps CRLF"
    );
    assert_eq!(
        case.patched,
        round_trip("k8s/uploader.yml", STACK, 12)
            .patched
            .replace('\n', "\r\n")
    );
}

const BASE64_SECRET: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: backup-creds
  annotations:
    owner: platform # team
type: Opaque
data:
  # restic repository password stays
  RESTIC_PASSWORD: c3VwZXItc2VjcmV0LXJlc3RpYw==
  AWS_ACCESS_KEY_ID: {B64:AKIA}
  AWS_SECRET_ACCESS_KEY: >-
    {B64:SECRET}
---
apiVersion: v1
kind: Pod
metadata:
  name: backup
spec:
  volumes:
    - name: creds
      secret:
        secretName: backup-creds
  containers:
    - name: restic
      image: restic/restic:0.16.4
      env:
        - name: AWS_SESSION_TOKEN
          value: {TOKEN}
        - name: RESTIC_PASSWORD
          valueFrom:
            secretKeyRef:
              name: backup-creds
              key: RESTIC_PASSWORD
...
"#;

#[test]
fn base64_data_entries_go_and_the_secret_stays_when_other_data_remains() {
    let case = round_trip_b64("ops/backup.yaml", BASE64_SECRET, 13);
    assert_yaml_loads(&case);
    assert!(
        case.patched
            .contains("  RESTIC_PASSWORD: c3VwZXItc2VjcmV0LXJlc3RpYw==\n---\n"),
        "{}",
        case.safe_patched()
    );
    assert!(!case.patched.contains("AWS_SESSION_TOKEN"));
    insta::assert_snapshot!(case.safe_patch());
}

const FLOW_SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: s3-sync}\nstringData: {AWS_ACCESS_KEY_ID: {AKIA}, BUCKET: logs, AWS_SECRET_ACCESS_KEY: \"{SECRET}\"}\n";

#[test]
fn flow_mapping_entries_are_removed_in_place() {
    let case = round_trip("k8s/s3-sync.yaml", FLOW_SECRET, 14);
    assert_yaml_loads(&case);
    assert_eq!(
        case.patched,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s3-sync}\nstringData: {BUCKET: logs}\n"
    );
}

#[test]
fn a_key_in_an_unknown_place_stays_manual() {
    let template = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: sync\nspec:\n  template:\n    spec:\n      containers:\n        - name: sync\n          args: [\"--key\", \"{AKIA}\", \"--secret\", \"{SECRET}\"]\n";
    let case = crate::fixutil::prepare("jobs/sync.yaml", template, 15);
    assert!(case.fix.new.is_none());
    assert_eq!(case.fix.rewriter, Some("kubernetes"));
    assert!(
        case.fix.manual.iter().any(|m| m.line == 10),
        "{:?}",
        case.fix.manual
    );
}

const MIDDLE_SECRET: &str = "---\n\
apiVersion: v1\n\
kind: ConfigMap\n\
metadata:\n\
\x20 name: worker-config\n\
data:\n\
\x20 QUEUE: jobs\n\
---\n\
# credentials for the worker\n\
apiVersion: v1\n\
kind: Secret\n\
metadata:\n\
\x20 name: worker-aws\n\
stringData:\n\
\x20 aws_access_key_id: {AKIA}\n\
\x20 aws_secret_access_key: {SECRET}\n\
---\n\
apiVersion: apps/v1\n\
kind: StatefulSet\n\
metadata:\n\
\x20 name: worker\n\
spec:\n\
\x20 template:\n\
\x20   spec:\n\
\x20     containers:\n\
\x20       - name: worker\n\
\x20         envFrom:\n\
\x20           - secretRef:\n\
\x20               name: worker-aws\n\
\x20           - configMapRef:\n\
\x20               name: worker-config\n";

#[test]
fn a_middle_secret_document_and_its_env_from_go_with_separators_intact() {
    let case = round_trip("k8s/worker.yaml", MIDDLE_SECRET, 16);
    assert_yaml_loads(&case);
    assert!(case
        .patched
        .contains("  QUEUE: jobs\n---\napiVersion: apps/v1\nkind: StatefulSet\n"));
    assert!(case.patched.contains("          envFrom:\n            - configMapRef:\n                name: worker-config\n"), "{}", case.safe_patched());
    assert!(case
        .fix
        .notes
        .iter()
        .any(|n| n.contains("StatefulSet/worker")));
    insta::assert_snapshot!(case.safe_patch());
}

/// A flow mapping written over several lines, and a workload `env:` whose value sits on the line
/// after its key: the line-based parser saw only the first line of the flow mapping (so the Secret
/// stayed manual); the tree-sitter model has all its entries.
const MULTI_LINE_FLOW: &str = r#"apiVersion: v1
kind: Secret
metadata: {name: s3-sync}
stringData: {
  AWS_ACCESS_KEY_ID: {AKIA},
  BUCKET: logs,
  AWS_SECRET_ACCESS_KEY: "{SECRET}"
}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: s3-sync
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: sync
              image: amazon/aws-cli:2.15.0
              env:
                - {name: BUCKET, valueFrom: {secretKeyRef: {name: s3-sync, key: BUCKET}}}
                - name: AWS_ACCESS_KEY_ID
                  valueFrom:
                    secretKeyRef: {name: s3-sync, key: AWS_ACCESS_KEY_ID}
"#;

#[test]
fn issue_11_multi_line_flow_secret_entries_are_removed_from_the_tree() {
    let case = round_trip("k8s/s3-sync.yaml", MULTI_LINE_FLOW, 17);
    assert_yaml_loads(&case);
    let expected = MULTI_LINE_FLOW
        .replace(
            "stringData: {\n  AWS_ACCESS_KEY_ID: {AKIA},\n  BUCKET: logs,\n  AWS_SECRET_ACCESS_KEY: \"{SECRET}\"\n}",
            "stringData: {\n  BUCKET: logs\n}",
        )
        .replace(
            "                - name: AWS_ACCESS_KEY_ID\n                  valueFrom:\n                    secretKeyRef: {name: s3-sync, key: AWS_ACCESS_KEY_ID}\n",
            "",
        );
    assert_eq!(case.safe_patched(), expected);
}
