//! docker-compose remediation: `environment:` entries holding AWS keys (list and map forms,
//! quoted or not) go through the full round trip (generated keys → fix → real `git apply` →
//! rescan), with an insta snapshot of the placeholder-only patch and a PyYAML load of the result.
//! Stacks built on MinIO or LocalStack keep their keys and are reported for a manual fix.

use crate::fixutil::{prepare, round_trip, FixCase};

/// Checks that python3's PyYAML loads the patched file.
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

/// The role-credentials note every rewrite carries.
fn assert_role_note(case: &FixCase) {
    assert!(
        case.fix.notes.iter().any(|n| n.contains("taskRoleArn")
            && n.contains("instance profile")
            && n.contains("hop limit must be 2")),
        "{:?}",
        case.fix.notes
    );
    assert_eq!(case.fix.rewriter, Some("docker-compose"));
}

const THUMBNAILER: &str = r#"# Local stack for the thumbnailer. `docker compose up` from the repository root.
version: "3.9"

x-logging: &default-logging
  driver: json-file
  options:
    max-size: "10m"

services:
  api:
    build:
      context: .
      dockerfile: docker/api.Dockerfile
    image: registry.example.com/thumbs/api:2.3.1
    ports:
      - "8080:8080"
    environment:
      AWS_REGION: eu-west-1
      AWS_ACCESS_KEY_ID: {AKIA}
      AWS_SECRET_ACCESS_KEY: "{SECRET}"
      THUMBS_BUCKET: thumbs-prod-eu
      LOG_LEVEL: info   # debug when needed
    logging: *default-logging
    depends_on:
      - redis

  worker:
    image: registry.example.com/thumbs/worker:2.3.1
    command: ["worker", "--concurrency", "4"]
    environment:
      - AWS_ACCESS_KEY_ID={AKIA}
      - 'AWS_SECRET_ACCESS_KEY={SECRET}'
      - AWS_SESSION_TOKEN
    logging: *default-logging
    restart: unless-stopped

  redis:
    image: redis:7-alpine
    volumes:
      - redis-data:/data

volumes:
  redis-data: {}
"#;

#[test]
fn map_and_list_environments_lose_their_keys_and_an_emptied_one_goes() {
    let case = round_trip("docker-compose.yml", THUMBNAILER, 601);
    assert_yaml_loads(&case);
    assert_role_note(&case);
    assert!(case.patched.contains(
        "    environment:\n      AWS_REGION: eu-west-1\n      THUMBS_BUCKET: thumbs-prod-eu\n      LOG_LEVEL: info   # debug when needed\n    logging: *default-logging\n"
    ));
    assert!(
        case.patched.contains(
            "    command: [\"worker\", \"--concurrency\", \"4\"]\n    logging: *default-logging\n"
        ),
        "the worker's emptied `environment:` goes, pass-through token included"
    );
    assert!(case.fix.notes[0].contains("`api`, `worker`"));
    // Everything outside the removed lines is byte-identical.
    let lines: Vec<&str> = case.original.lines().collect();
    let credential = |l: &str| {
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
        ]
        .iter()
        .any(|n| l.contains(n))
    };
    let kept: Vec<&str> = (0..lines.len())
        .filter(|&i| !credential(lines[i]))
        .filter(|&i| !(lines[i] == "    environment:" && lines[i + 1].starts_with("      - AWS_")))
        .map(|i| lines[i])
        .collect();
    assert_eq!(case.patched.lines().collect::<Vec<_>>(), kept);
    insta::assert_snapshot!(case.safe_patch());
}

const BILLING_CRLF: &str = "services:\r\n\
\x20 exporter:\r\n\
\x20   image: ghcr.io/acme/billing-exporter:1.8\r\n\
\x20   environment:\r\n\
\x20     - \"AWS_DEFAULT_REGION=us-east-1\"\r\n\
\x20     - \"AWS_ACCESS_KEY_ID={AKIA}\"\r\n\
\x20     # rotated 2023-04, was {AKIA2}\r\n\
\x20     - \"AWS_SECRET_ACCESS_KEY={SECRET}\"\r\n\
\x20     - EXPORT_BUCKET=acme-billing-exports\r\n\
\x20     - SCHEDULE=0 3 * * *\r\n\
\x20   healthcheck:\r\n\
\x20     test: [\"CMD\", \"wget\", \"-qO-\", \"http://127.0.0.1:9100/health\"]\r\n\
\x20     interval: 30s\r\n\
\x20 uploader:\r\n\
\x20   image: ghcr.io/acme/uploader:0.4\r\n\
\x20   environment:\r\n\
\x20     AWS_SESSION_TOKEN: '{TOKEN}'\r\n\
\x20     AWS_ACCESS_KEY_ID: \"{ASIA}\"\r\n\
\x20     AWS_SECRET_ACCESS_KEY: {SECRET2}\r\n\
\x20   restart: always\r\n";

#[test]
fn crlf_compose_file_keeps_its_line_endings_and_other_variables() {
    let case = round_trip("deploy/compose.yaml", BILLING_CRLF, 602);
    assert_yaml_loads(&case);
    assert_role_note(&case);
    assert!(case
        .patched
        .split_inclusive('\n')
        .all(|l| l.ends_with("\r\n")));
    assert!(case.patched.contains(
        "    environment:\r\n      - \"AWS_DEFAULT_REGION=us-east-1\"\r\n      - EXPORT_BUCKET=acme-billing-exports\r\n      - SCHEDULE=0 3 * * *\r\n    healthcheck:\r\n"
    ));
    assert!(
        case.patched
            .contains("    image: ghcr.io/acme/uploader:0.4\r\n    restart: always\r\n"),
        "the uploader's environment held only keys"
    );
    assert!(
        !case.patched.contains("rotated"),
        "the comment holding an old key goes"
    );
    insta::assert_snapshot!(case.safe_patch());
}

const MINIO_STACK: &str = r#"services:
  minio:
    image: minio/minio:RELEASE.2024-05-10T01-41-38Z
    command: server /data --console-address ":9001"
    environment:
      MINIO_ROOT_USER: {AKIA}
      MINIO_ROOT_PASSWORD: {SECRET}
  app:
    build: .
    environment:
      S3_ENDPOINT: http://minio:9000
      AWS_ACCESS_KEY_ID: {AKIA}
      AWS_SECRET_ACCESS_KEY: {SECRET}
    depends_on: [minio]
"#;

#[test]
fn minio_stack_is_left_untouched() {
    let case = prepare("docker-compose.dev.yml", MINIO_STACK, 603);
    assert!(case.fix.new.is_none(), "a MinIO stack is not rewritten");
    assert_eq!(case.repo.read("docker-compose.dev.yml"), case.original);
    assert!(!case.fix.manual.is_empty());
    assert!(
        case.fix.manual.iter().all(|m| m.reason.contains("non-AWS")),
        "{:?}",
        case.fix.manual
    );
}

const LOCALSTACK_STACK: &str = r#"services:
  aws:
    image: localstack/localstack:3.4
    environment:
      - SERVICES=s3,sqs
  app:
    image: registry.example.com/orders:1.0
    environment:
      - AWS_ENDPOINT_URL=http://aws:4566
      - AWS_ACCESS_KEY_ID={AKIA}
      - AWS_SECRET_ACCESS_KEY={SECRET}
  reports:
    image: registry.example.com/reports:1.0
    links: [aws]
    environment:
      AWS_ACCESS_KEY_ID: {AKIA2}
      AWS_SECRET_ACCESS_KEY: {SECRET2}
"#;

#[test]
fn localstack_services_are_reported_by_the_compose_rewriter_and_left_alone() {
    let case = prepare("compose.yml", LOCALSTACK_STACK, 604);
    assert!(
        case.fix.new.is_none(),
        "a LocalStack stack is not rewritten"
    );
    assert_eq!(case.fix.rewriter, Some("docker-compose"));
    let reasons: Vec<&str> = case.fix.manual.iter().map(|m| m.reason.as_str()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[..2].iter().all(|r| r.contains(
        "service `app` talks to a non-AWS endpoint (AWS_ENDPOINT_URL = http://aws:4566)"
    )));
    assert!(reasons[2..]
        .iter()
        .all(|r| r.contains("service `reports` uses service `aws` (`localstack/localstack:3.4`)")));
}
