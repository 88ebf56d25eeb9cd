//! Issue 10, keys assembled in code: a key ID and its secret split into fragments in each
//! language's constant string forms are found by `rolecall scan` (a real repository's history)
//! at the first fragment, marked as assembled, and paired; the pre-receive hook rejects them with
//! the default policy (a real `git push`); the pack/delta path finds what `--whole-blobs` finds.
//! Every key is generated and split at run time; no whole key is written in this tree.

use crate::hook::support::{client_with_base, push, Server};
use crate::util::{assert_no_secret, rolecall_cmd, run, TestRepo};
use rolecall::fake::{FakeKeys, FakePair};
use serde_json::Value;

/// `value` cut at `at` (byte offsets), in order.
fn pieces(value: &str, at: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    for &i in at {
        out.push(value[from..i].to_string());
        from = i;
    }
    out.push(value[from..].to_string());
    out
}

/// A key pair and its pieces: the ID in three (`AKIA`, 8, 8), the secret in two.
fn split_pair(seed: u64) -> (FakePair, Vec<String>, Vec<String>) {
    let p = FakeKeys::new(seed).pair();
    let id = pieces(&p.key_id, &[4, 12]);
    let secret = pieces(&p.secret, &[17]);
    (p, id, secret)
}

/// `rolecall scan --format json` (with `env`) of a repository whose second commit adds `path`.
fn scan(path: &str, text: &str, env: &[(&str, &str)]) -> (i32, Vec<Value>, String) {
    let repo = TestRepo::new();
    repo.write("README.md", "# service\n");
    repo.commit("init");
    repo.write(path, text);
    repo.commit("add a file");
    let mut cmd = rolecall_cmd();
    cmd.current_dir(repo.path())
        .args(["scan", "--format", "json", "--no-progress"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (code, out, err) = run(&mut cmd);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    (code, findings, out)
}

/// 1-based (line, column) of the first occurrence of `needle` in `text`.
fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("the fragment is in the text");
    let line = text[..at].matches('\n').count() as u64 + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..at].chars().count() as u64 + 1)
}

/// The whole check of one form: the key ID found critical at its first fragment, assembled,
/// paired with the (assembled) secret; no secret printed; off with `ROLECALL_FOLD=0`.
fn assert_assembled(path: &str, text: &str, p: &FakePair, first: &str, secret_pieces: u64) {
    assert!(!text.contains(&p.key_id) && !text.contains(&p.secret));
    let (code, findings, out) = scan(path, text, &[]);
    assert_eq!(code, 1, "{out}");
    assert_no_secret(&out, &[&p.key_id, &p.secret]);
    let key = findings
        .iter()
        .find(|f| f["kind"] == "access_key_id")
        .unwrap_or_else(|| panic!("no key ID in {path}: {out}"));
    assert_eq!(key["severity"], "critical", "{out}");
    assert_eq!(key["path"], path);
    let (line, column) = position(text, first);
    assert_eq!(
        (key["line"].as_u64(), key["column"].as_u64()),
        (Some(line), Some(column)),
        "{out}"
    );
    assert_eq!(key["assembled"], 3, "{out}");
    let secret = findings
        .iter()
        .find(|f| f["kind"] == "secret_access_key")
        .unwrap_or_else(|| panic!("no secret in {path}: {out}"));
    assert_eq!(key["pair"], secret["fingerprint"], "{out}");
    assert_eq!(secret["assembled"], secret_pieces, "{out}");
    let (code, findings, out) = scan(path, text, &[("ROLECALL_FOLD", "0")]);
    assert!(
        findings.iter().all(|f| f["kind"] != "access_key_id"),
        "{out}"
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn issue_10_python_adjacent_literals() {
    let (p, id, s) = split_pair(2001);
    let text = format!(
        "import boto3\n\nKEY = (\"{}\"\n       \"{}\"\n       \"{}\")\nSECRET = (\"{}\" \"{}\")\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("app/settings.py", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_python_join_of_a_list() {
    let (p, id, s) = split_pair(2002);
    let text = format!(
        "import boto3\nKEY = \"\".join([\"{}\", \"{}\", \"{}\"])\nSECRET = \"\".join([\"{}\", \"{}\"])\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("app/keys.py", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_javascript_plus_and_template_pieces() {
    let (p, id, s) = split_pair(2003);
    let text = format!(
        "const AWS = require('aws-sdk');\nconst key = \"{}\" + '{}' + \"{}\";\nconst secret = `{}${{\"{}\"}}`;\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("src/client.js", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_javascript_array_join() {
    let (p, id, s) = split_pair(2004);
    let text = format!(
        "const key = [\"{}\", \"{}\", \"{}\"].join(\"\");\nconst secret = [\"{}\", \"{}\"].join(\"\");\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("src/keys.js", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_shell_backslash_continuation() {
    let (p, id, s) = split_pair(2005);
    let text = format!(
        "#!/bin/sh\nexport AWS_ACCESS_KEY_ID=\"{}\"\\\n\"{}\"\\\n\"{}\"\nexport AWS_SECRET_ACCESS_KEY=\"{}\"\\\n\"{}\"\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("deploy.sh", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_java_plus() {
    let (p, id, s) = split_pair(2006);
    let text = format!(
        "public class Keys {{\n    static final String KEY = \"{}\" + \"{}\"\n        + \"{}\";\n    static final String SECRET = \"{}\" + \"{}\";\n}}\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("src/main/java/Keys.java", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_csharp_plus() {
    let (p, id, s) = split_pair(2007);
    let text = format!(
        "using System;\nnamespace App {{\n  class Keys {{\n    const string Key = \"{}\" + \"{}\" + \"{}\";\n    const string Secret = \"{}\" + \"{}\";\n  }}\n}}\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("App/Keys.cs", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_go_plus() {
    let (p, id, s) = split_pair(2008);
    let text = format!(
        "package main\n\nconst key = \"{}\" + \"{}\" +\n\t\"{}\"\nconst secret = \"{}\" + `{}`\n\nfunc main() {{}}\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("main.go", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_ruby_plus() {
    let (p, id, s) = split_pair(2009);
    let text = format!(
        "require 'aws-sdk-s3'\nKEY = \"{}\" + '{}' + \"{}\"\nSECRET = \"{}\" + \"{}\"\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("lib/keys.rb", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_php_dot() {
    let (p, id, s) = split_pair(2010);
    let text = format!(
        "<?php\n$key = '{}' . \"{}\" . '{}';\n$secret = '{}' . '{}';\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    assert_assembled("config/aws.php", &text, &p, &id[0], 2);
}

#[test]
fn issue_10_human_output_says_assembled() {
    let (p, id, s) = split_pair(2011);
    let text = format!(
        "import boto3\nKEY = \"{}\" + \"{}\" + \"{}\"\nSECRET = \"{}\" + \"{}\"\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    let repo = TestRepo::new();
    repo.write("keys.py", &text);
    repo.commit("add keys");
    let (code, out, err) = run(rolecall_cmd().current_dir(repo.path()).args([
        "scan",
        "--no-progress",
        "--color",
        "never",
    ]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("keys.py:2:8 (assembled from 3 pieces)"),
        "{out}"
    );
    assert_no_secret(&out, &[&p.key_id, &p.secret]);
}

#[test]
fn issue_10_concatenations_that_form_no_key_and_example_keys_pass() {
    let example = pieces("AKIAIOSFODNN7EXAMPLE", &[4, 12]);
    let example_secret = pieces(
        concat!("wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYEXAMPLEKEY"),
        &[20],
    );
    let text = format!(
        "import os\nPREFIX = \"AKIA\" + \"not-a-key\" + \"-at-all\"\nNAME = \"aws_secret\" \"_access_key\"\nURL = \"https://\" + \"example.com/\" + \"AKIA\"\nKEY = \"{}\" + \"{}\" + \"{}\"\nSECRET = \"{}\" \"{}\"\n",
        example[0], example[1], example[2], example_secret[0], example_secret[1]
    );
    let (code, findings, out) = scan("app/names.py", &text, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(findings.is_empty(), "{out}");
    let p = push_file("app/names.py", &text);
    assert!(p.accepted(), "{}", p.text);
}

/// Pushes a commit adding `path` to a server with the hook and the default policy.
fn push_file(path: &str, text: &str) -> crate::hook::support::Pushed {
    let server = Server::new();
    let client = client_with_base(&server);
    client.write(path, text);
    client.commit("add a file");
    push(client.path(), &server.url(), &["main"])
}

#[test]
fn issue_10_hook_rejects_an_assembled_pair() {
    let (p, id, s) = split_pair(2012);
    let text = format!(
        "const AWS = require('aws-sdk');\nconst key = \"{}\" + \"{}\" + \"{}\";\nconst secret = \"{}\" + \"{}\";\n",
        id[0], id[1], id[2], s[0], s[1]
    );
    let pushed = push_file("src/aws.js", &text);
    assert!(!pushed.accepted(), "{}", pushed.text);
    assert!(pushed.text.contains("push rejected"), "{}", pushed.text);
    assert!(pushed.text.contains("src/aws.js"), "{}", pushed.text);
    assert_no_secret(&pushed.text, &[&p.key_id, &p.secret]);
}
