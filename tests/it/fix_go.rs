//! Go: SDK v1 `credentials.NewStaticCredentials` fields, SDK v2 `WithCredentialsProvider` load
//! options, and hand-built v2 `aws.Config{}` literals (which become `config.LoadDefaultConfig`).
//! The result must pass `gofmt -e` (syntax) and an import check built on Go's own `go/parser`:
//! every import used, every package qualifier imported (the compiler refuses both mistakes, and
//! the SDK modules are not available offline to compile against).

use crate::fixutil::{prepare, round_trip, FixCase};

/// A Go program (standard library only) that parses a file and reports unused imports and
/// qualifiers without an import.
#[cfg(feature = "conformance")]
const IMPORT_CHECK: &str = r#"package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"strconv"
	"strings"
)

func main() {
	file, err := parser.ParseFile(token.NewFileSet(), os.Args[1], nil, 0)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	used := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	imported := map[string]bool{}
	bad := false
	for _, spec := range file.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		name := path.Base(p)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		imported[name] = true
		if name != "_" && !used[name] {
			fmt.Println("unused import", p)
			bad = true
		}
	}
	for name := range used {
		if !imported[name] && strings.ToLower(name[:1]) == name[:1] && file.Scope.Lookup(name) == nil {
			fmt.Println("no import for", name)
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}
"#;

/// The patched file parses (in-process; `gofmt -e` in the conformance tier), and in the
/// conformance tier a small Go program checks its imports are all used and present.
fn assert_go_parses(case: &FixCase) {
    case.assert_parses("gofmt", &["-e", "-l", "{}"]);
    #[cfg(feature = "conformance")]
    go_import_check(case);
}

#[cfg(feature = "conformance")]
fn go_import_check(case: &FixCase) {
    use crate::util::{require_tool, run};
    use std::process::Command;
    require_tool("go");
    let checker = case.repo.path().join(".git").join("importcheck.go");
    std::fs::write(&checker, IMPORT_CHECK).unwrap();
    let file = case.repo.path().join(&case.path);
    let binary = case.repo.path().join(".git").join("importcheck");
    let (code, out, err) = run(Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&binary)
        .arg(&checker)
        .env("GO111MODULE", "off")
        .env("GOCACHE", std::env::temp_dir().join("rolecall-gocache")));
    assert_eq!(code, 0, "the Go import check does not build:\n{out}{err}");
    let (code, out, err) = run(Command::new(&binary).arg(&file));
    assert_eq!(
        code,
        0,
        "the Go import check fails:\n{out}{err}\n---\n{}",
        case.safe_patched()
    );
}

const V1_SESSION: &str = r#"package main

import (
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3"
)

// Deploy user's key: {AKIA2}
const (
	accessKey = "{AKIA}"
	secretKey = "{SECRET}"
	bucket    = "acme-artifacts"
)

func main() {
	sess, err := session.NewSession(&aws.Config{
		Region:      aws.String("us-east-1"),
		Credentials: credentials.NewStaticCredentials(accessKey, secretKey, ""),
		MaxRetries:  aws.Int(5),
	})
	if err != nil {
		log.Fatal(err)
	}
	out, err := s3.New(sess).ListObjectsV2(&s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(out.Contents))
}
"#;

#[test]
fn sdk_v1_static_credentials_field_and_constants() {
    let case = round_trip("cmd/lister/main.go", V1_SESSION, 701);
    assert_go_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(!case.patched.contains("aws/credentials\""));
    assert!(case.patched.contains("\tbucket = \"acme-artifacts\"\n"));
    // gofmt re-aligns the fields that stay.
    assert!(case
        .patched
        .contains("\t\tRegion:     aws.String(\"us-east-1\"),\n\t\tMaxRetries: aws.Int(5),\n"));
}

const V2_LOAD_OPTION: &str = r#"package storage

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// NewClient builds the archive's S3 client.
func NewClient(ctx context.Context, region string) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			"{AKIA}",
			"{SECRET}",
			"",
		)),
		config.WithRetryMaxAttempts(5),
	)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
	}
	return s3.NewFromConfig(cfg), nil
}

// Key is where an object lives.
func Key(prefix, name string) *string {
	return aws.String(prefix + "/" + name)
}
"#;

#[test]
fn sdk_v2_credentials_provider_option_is_dropped() {
    let case = round_trip("internal/storage/client.go", V2_LOAD_OPTION, 702);
    assert_go_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case
        .patched
        .contains("\t\tconfig.WithRegion(region),\n\t\tconfig.WithRetryMaxAttempts(5),\n\t)"));
}

const V2_CONFIG_LITERAL: &str = r#"package worker

import (
	"context"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Worker drains a queue.
type Worker struct {
	queue *sqs.Client
	url   string
}

// New connects to the queue.
func New(url string) (*Worker, error) {
	provider := credentials.NewStaticCredentialsProvider("{AKIA}", "{SECRET}", "")
	cfg := aws.Config{
		Region:      "eu-central-1",
		Credentials: aws.NewCredentialsCache(provider),
	}
	return &Worker{queue: sqs.NewFromConfig(cfg), url: url}, nil
}

// Poll receives one batch.
func (w *Worker) Poll(ctx context.Context) error {
	out, err := w.queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &w.url})
	if err != nil {
		return err
	}
	log.Printf("got %d messages", len(out.Messages))
	return nil
}
"#;

#[test]
fn sdk_v2_config_literal_becomes_load_default_config() {
    let case = round_trip("worker/worker.go", V2_CONFIG_LITERAL, 703);
    assert_go_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case.patched.contains(
        "\tcfg, err := config.LoadDefaultConfig(context.TODO(), config.WithRegion(\"eu-central-1\"))\n\tif err != nil {\n\t\treturn nil, err\n\t}\n"
    ));
    assert!(case
        .patched
        .contains("\t\"github.com/aws/aws-sdk-go-v2/config\"\n"));
    assert!(!case.patched.contains("aws-sdk-go-v2/aws\""));
}

const V2_LITERAL_IN_MAIN: &str = r#"package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	var cfg = aws.Config{Region: aws.String("us-west-2"), Credentials: credentials.NewStaticCredentialsProvider("{AKIA}", "{SECRET}", ""), RetryMaxAttempts: 3}
	client := s3.NewFromConfig(cfg)
	out, _ := client.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	fmt.Println(len(out.Buckets))
}
"#;

#[test]
fn sdk_v2_config_literal_in_main_exits_on_error() {
    let case = round_trip("main.go", V2_LITERAL_IN_MAIN, 704);
    assert_go_parses(&case);
    insta::assert_snapshot!(case.safe_patch());
    assert!(case.patched.contains("log.Fatalf("));
    assert!(case
        .patched
        .contains("config.WithRegion(\"us-west-2\"), config.WithRetryMaxAttempts(3))"));
}

#[test]
fn unknown_config_field_is_manual() {
    let template = r#"package x

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func Cfg() (aws.Config, error) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("{AKIA}", "{SECRET}", ""), APIOptions: nil}
	return cfg, nil
}
"#;
    let case = prepare("x/cfg.go", template, 705);
    assert!(case.fix.new.is_none());
    assert!(
        case.fix
            .manual
            .iter()
            .any(|m| m.reason.contains("LoadDefaultConfig")),
        "{:?}",
        case.fix.manual
    );
}
