#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/<target>/ from rolecall's test fixtures.

The seeds hold templates ({AKIA}, {SECRET}, ...), never keys: the targets expand them into fake
keys at run time (rolecall::fuzzing). Run from anywhere; it rewrites the corpus folders.
"""
import hashlib
import json
import pathlib
import re
import shutil
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
MAX_SEED = 4096

# Same order as rolecall::fuzzing::FAMILIES: (family, {source module stem: path variant}).
FAMILIES = [
    ("python", ["python"]),
    ("shell", ["shell", "script_edit"]),
    ("dockerfile", ["dockerfile"]),
    ("notebook", ["notebook"]),
    ("terraform", ["terraform"]),
    ("yaml", ["gha", "compose", "yamlcfg", "ecs"]),
    ("ini", ["awsini"]),
    ("powershell", ["powershell"]),
    ("ruby", ["ruby"]),
    ("php", ["php"]),
    ("javascript", ["javascript"]),
    ("go", ["go"]),
    ("java", ["java"]),
    ("csharp", ["csharp"]),
]
# Which path variant a yaml-family module's seeds use (see FAMILIES in src/fuzzing.rs).
YAML_VARIANT = {"gha": 0, "compose": 1, "yamlcfg": 2, "ecs": 3}
CLIKE_SHELLS = {
    "javascript": ("const AWS = require('aws-sdk');\n", "\n"),
    "java": ("import com.amazonaws.auth.*;\n\nclass App {\n  void run() {\n", "\n  }\n}\n"),
    "go": ("package main\n\nfunc main() {\n", "\n}\n"),
    "csharp": ("using Amazon.S3;\n\nclass Program {\n  void Run() {\n", "\n  }\n}\n"),
}
CLIKE_MARKS = {
    "javascript": ["accessKeyId"],
    "java": ["AmazonS3 ", "S3Client s3", "AwsBasicCredentials"],
    "go": [":=", "credentials.New"],
    "csharp": ["var client", "options.Credentials", "RegionEndpoint"],
}

STRING = re.compile(r'(?<![A-Za-z0-9_])(r#*)?"((?:[^"\\]|\\.)*)"', re.S)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1] if i + 1 < len(body) else ""
        if n == "\n":  # line continuation: skip the newline and leading blanks
            i += 2
            while i < len(body) and body[i] in " \t":
                i += 1
        elif n == "u" and body[i + 2 : i + 3] == "{":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        elif n == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", body[i + 2 : i + 4]):
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        else:
            out.append(ESCAPES.get(n, n))
            i += 2
    return "".join(out)


def literals(path: pathlib.Path):
    """Rust string literals in a file that hold a template placeholder."""
    src = path.read_text()
    for m in STRING.finditer(src):
        if m.group(1):  # raw strings: keep as written
            text = m.group(2)
        else:
            text = unescape(m.group(2))
        if re.search(r"\{[A-Z0-9_]{4,}\}", text) and len(text) <= MAX_SEED:
            yield text


def literals_with(path: pathlib.Path, needle: str):
    """Rust string literals in a file that contain `needle`."""
    for m in STRING.finditer(path.read_text()):
        text = m.group(2) if m.group(1) else unescape(m.group(2))
        if needle in text and len(text) <= MAX_SEED:
            yield text


def write(target: str, data: bytes):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def rewrite_seeds():
    fix = ROOT / "src" / "fix"
    for index, (family, modules) in enumerate(FAMILIES):
        for module in modules:
            source = fix / f"{module}.rs"
            if not source.exists():
                continue
            variant = YAML_VARIANT.get(module, 0)
            for text in literals(source):
                write("rewrite", bytes([index, variant, 0]) + text.encode())
    names = [f for f, _ in FAMILIES]
    # The C-family tests write KEY and SECRET for the pair; their snippets go into a file shell.
    for text in literals_with(fix / "clike" / "tests.rs", "KEY"):
        if "SECRET" not in text:
            continue
        text = text.replace("KEY", "{AKIA}").replace("SECRET", "{SECRET}")
        for family, (head, tail) in CLIKE_SHELLS.items():
            if any(mark in text for mark in CLIKE_MARKS[family]):
                write("rewrite", bytes([names.index(family), 0, 0]) + (head + text + tail).encode())
    # Notebooks: the Python seeds as code cells.
    for seed in list((CORPUS / "rewrite").iterdir()):
        data = seed.read_bytes()
        if data[0] == names.index("python"):
            lines = data[3:].decode(errors="replace").splitlines(keepends=True)
            cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": lines}
            nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            write("rewrite", bytes([names.index("notebook"), 0, 0]) + json.dumps(nb, indent=1).encode())
    for source in (ROOT / "tests" / "data" / "realworld").glob("*/source/**/*"):
        if source.is_file() and source.suffix == ".py":
            write("rewrite", bytes([0, 0, 0]) + source.read_bytes()[:MAX_SEED])


def detector_seeds():
    rules = tomllib.loads((ROOT / "rules" / "aws.toml").read_text())
    tables = [rules.get("detector", {}), *rules.get("key_prefix", []), *rules.get("rule", [])]
    for rule in tables:
        for example in rule.get("examples", []) + rule.get("negative_examples", []):
            write("detector", b"\x01" + example.encode())
    for source in (ROOT / "src" / "detect").glob("*.rs"):
        for text in literals(source):
            write("detector", b"\x01" + text.encode())
    write("detector", b"\x00" + "AKIAIOSFODNN7EXAMPLE".encode("utf-16-le"))


def hook_seeds():
    zero, a, b = "0" * 40, "1" * 40, "ab" * 20
    for text in [
        f"{a} {b} refs/heads/main\n",
        f"{zero} {b} refs/heads/new\n{a} {zero} refs/tags/v1\n",
        f"{a} {b} refs/heads/main",
        f"{a} {b} refs/heads/main\n{a} {b} refs/heads/main\n",
        f"{'0' * 64} {'f' * 64} refs/heads/sha256\n",
        f"{a}  {b} refs/heads/x\n",
        "\n",
    ]:
        write("hook_input", text.encode())


def config_seeds():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    block = re.compile(r"```toml\n(.*?)```", re.S)
    for doc in docs:
        for m in block.finditer(doc.read_text()):
            write("config", m.group(1).encode())
    for source in [ROOT / "src" / "policy" / "config.rs", *(ROOT / "tests" / "it").glob("*.rs")]:
        for m in STRING.finditer(source.read_text()):
            text = m.group(2) if m.group(1) else unescape(m.group(2))
            if re.search(r"^\s*\[(hook|allow|scan|fix|report)", text, re.M):
                write("config", text.encode())


def main():
    for target in ["detector", "hook_input", "config", "rewrite"]:
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    rewrite_seeds()
    detector_seeds()
    hook_seeds()
    config_seeds()
    for target in sorted(p.name for p in CORPUS.iterdir()):
        print(target, len(list((CORPUS / target).iterdir())))


if __name__ == "__main__":
    main()
