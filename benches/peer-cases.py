#!/usr/bin/env python3
"""rolecall on the peers' own AWS test cases: recall, false positives, filtered recall.

The cases are extracted AT RUN TIME from bare git mirrors of seven scanners' repositories; none
of their key material is ever written into rolecall's tree. Generated cases (gitleaks and
betterleaks build theirs from regexes at test time) are generated here the same way, seeded.

Sources (one repository each; the newest commit of the mirror's HEAD is read):
  gitleaks/gitleaks             cmd/generate/config/rules/aws.go: tps / fps of each AWS rule,
                                expanded through utils.GenerateSampleSecrets' templates
  betterleaks/betterleaks       the same layout as gitleaks
  trufflesecurity/trufflehog    pkg/detectors/aws/**/*_test.go: the `Test*_Pattern` tables
                                (positive when `want` is not nil)
  praetorian-inc/noseyparker    builtin rules/aws.yml: examples / negative_examples of the
                                credential rules (key IDs, secrets, session tokens, AppSync)
  mongodb/kingfisher            data/rules/aws.yml: examples
  Samsung/CredSweeper           tests/data/output.json (the expected findings) over
                                tests/samples: each expected line of an AWS credential rule is a
                                positive; every other line of those samples holding an
                                AWS-shaped token, and the aws_multi_fp sample, are negatives;
                                plus tests/rules/test_aws_*.py fixture lines (positives)
  Yelp/detect-secrets           tests/plugins/aws_key_test.py: the (line, should_flag) table

Non-credential rules (S3 bucket names, ARNs, account IDs, Amazon MWS tokens) are left out.

A positive counts as found when rolecall reports any finding in the case (for CredSweeper's
line cases: on that line); a negative is a false positive when rolecall reports anything there.
"Filtered" recall is over the positives holding a value every peer's key ID pattern matches and
every peer's filter keeps: \\b(AKIA|ASIA)[A-Z2-7]{16}\\b, entropy >= 3 (gitleaks), not ending in
EXAMPLE — the cases every tool agrees are IAM keys.

Usage:
  benches/peer-cases.py [--mirrors DIR] [--verbose] ROLECALL [ROLECALL ...]
Each ROLECALL binary is measured on the same cases (e.g. the build of main and of a branch).
Mirrors are looked up as DIR/<owner>+<name>/repo, DIR/<owner>+<name>, DIR/<name>.git or DIR/<name>
(default DIR: /work/.mirror, or $PEER_MIRRORS). Needs python3 with PyYAML and git.
"""

import argparse
import ast
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

# (owner, name, in the issue's measurement). The issue measured six scanners' cases plus
# secrets-patterns-db, which ships patterns but no test cases; betterleaks (a gitleaks fork whose
# generated cases are mostly gitleaks' own) is reported beside them, not in the headline totals.
PEERS = [
    ("gitleaks", "gitleaks", True),
    ("trufflesecurity", "trufflehog", True),
    ("praetorian-inc", "noseyparker", True),
    ("mongodb", "kingfisher", True),
    ("Samsung", "CredSweeper", True),
    ("Yelp", "detect-secrets", True),
    ("betterleaks", "betterleaks", False),
]

RNG = random.Random(7)


class Case:
    """One test case: text, whether the peer expects a finding, and how to judge rolecall."""

    def __init__(self, peer, name, text, positive, lines=None, file_name=None):
        self.peer = peer
        self.name = name
        self.text = text
        self.positive = positive
        # 1-based lines a finding must be on (None: anywhere in the case).
        self.lines = lines
        # Cases that share one file (CredSweeper samples) name it.
        self.file_name = file_name


# ------------------------------------------------------------------------------- git access


def find_mirror(root, owner, name):
    for cand in (
        f"{owner}+{name}/repo",
        f"{owner}+{name}",
        f"{name}.git",
        name,
    ):
        path = os.path.join(root, cand)
        if os.path.isdir(path):
            return path
    return None


def git_show(repo, path):
    out = subprocess.run(
        ["git", "--git-dir", repo, "show", f"HEAD:{path}"],
        capture_output=True,
    )
    if out.returncode != 0:
        raise FileNotFoundError(f"{repo}: {path}")
    return out.stdout.decode("utf-8", "replace")


def git_ls(repo, prefix=""):
    out = subprocess.run(
        ["git", "--git-dir", repo, "ls-tree", "-r", "--name-only", "HEAD", "--", prefix],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().splitlines()


def git_head(repo):
    out = subprocess.run(
        ["git", "--git-dir", repo, "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().strip()


# ------------------------------------------------------------------------------- regex → text


def generate(regex):
    """A random string matching the simple regexes the peers generate secrets from: literals,
    character classes and {n} / {n,m} quantifiers."""
    out = []
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "[":
            j = i + 1
            chars = []
            while regex[j] != "]":
                if regex[j] == "\\":
                    chars.append(regex[j + 1])
                    j += 2
                elif j + 2 < len(regex) and regex[j + 1] == "-" and regex[j + 2] != "]":
                    chars.extend(chr(x) for x in range(ord(regex[j]), ord(regex[j + 2]) + 1))
                    j += 3
                else:
                    chars.append(regex[j])
                    j += 1
            i = j + 1
            atom = chars
        elif c == "\\":
            atom = [regex[i + 1]]
            i += 2
        elif c in "()|*+?.^$":
            raise ValueError(f"unsupported regex {regex!r}")
        else:
            atom = [c]
            i += 1
        count = 1
        if i < len(regex) and regex[i] == "{":
            j = regex.index("}", i)
            parts = regex[i + 1 : j].split(",")
            lo = int(parts[0])
            hi = int(parts[1]) if len(parts) > 1 and parts[1] else lo
            count = RNG.randint(lo, hi)
            i = j + 1
        out.extend(RNG.choice(atom) for _ in range(count))
    return "".join(out)


def generate_with_entropy(regex, minimum):
    for _ in range(1000):
        s = generate(regex)
        if entropy(s) > minimum:
            return s
    return s


def entropy(s):
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


# ------------------------------------------------------------------------------- a small Go reader

TOKEN = re.compile(
    r"""\s*(?:
      (?P<comment>//[^\n]*)
    | (?P<raw>`[^`]*`)
    | (?P<str>"(?:\\.|[^"\\])*")
    | (?P<ellipsis>\.\.\.)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<num>[0-9]+)
    | (?P<op>:=|[-+(){}\[\],:=*&])
    )""",
    re.X,
)


def go_tokens(src):
    pos = 0
    toks = []
    while pos < len(src):
        m = TOKEN.match(src, pos)
        if not m or m.end() == pos:
            if src[pos:].strip() == "":
                break
            pos += 1
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind == "comment":
            continue
        text = m.group(kind)
        if kind == "raw":
            toks.append(("str", text[1:-1]))
        elif kind == "str":
            toks.append(("str", ast.literal_eval(text)))
        else:
            toks.append((kind, text))
    return toks


class GoEval:
    """Evaluates the expressions gitleaks-style rule files build test cases from."""

    def __init__(self, toks, templates, env):
        self.toks = toks
        self.i = 0
        self.templates = templates
        self.env = env

    def peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None)

    def take(self, text=None):
        tok = self.toks[self.i]
        if text is not None and tok[1] != text:
            raise ValueError(f"expected {text!r}, got {tok!r}")
        self.i += 1
        return tok

    def expr(self):
        value = self.term()
        while self.peek()[1] == "+":
            self.take("+")
            value = value + self.term()
        return value

    def term(self):
        kind, text = self.peek()
        if kind == "str":
            self.take()
            return text
        if kind == "num":
            self.take()
            return int(text)
        if text == "[":
            self.take("[")
            self.take("]")
            self.take()  # element type
            self.take("{")
            items = []
            while self.peek()[1] != "}":
                items.append(self.expr())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
            return items
        if kind == "ident":
            self.take()
            if self.peek()[1] == "(":
                self.take("(")
                args = []
                while self.peek()[1] != ")":
                    args.append(self.expr())
                    if self.peek()[1] == "...":
                        self.take("...")
                    if self.peek()[1] == ",":
                        self.take(",")
                self.take(")")
                return self.call(text, args)
            return self.env[text]
        raise ValueError(f"unexpected token {kind} {text!r}")

    def call(self, name, args):
        short = name.split(".")[-1]
        if short == "GenerateSampleSecrets":
            ident, secret = args
            return [
                t.replace("{i}", ident).replace("{I}", ident.upper()).replace("{s}", secret)
                for t in self.templates
            ]
        if short == "GenerateSampleSecret":
            return f'{args[0]}_api_token = "{args[1]}"'
        if short == "NewSecret":
            return generate(args[0])
        if short == "NewSecretWithEntropy":
            return generate_with_entropy(args[0], args[1])
        if short == "append":
            out = list(args[0])
            for a in args[1:]:
                out.extend(a if isinstance(a, list) else [a])
            return out
        helpers = {
            "Numeric": "[0-9]{%s}",
            "Hex": "[a-f0-9]{%s}",
            "AlphaNumeric": "[a-z0-9]{%s}",
            "AlphaNumericExtendedShort": "[a-z0-9_-]{%s}",
            "AlphaNumericExtended": "[a-z0-9=_\\-]{%s}",
            "AlphaNumericExtendedLong": "[a-z0-9\\/=_\\+\\-]{%s}",
        }
        if short in helpers:
            return helpers[short] % args[0]
        raise ValueError(f"unknown call {name}")


def go_sample_templates(src):
    """The uncommented templates of utils.GenerateSampleSecrets (`"name": "template",`)."""
    start = src.index("samples := map[string]string{")
    end = src.index("replacer :=", start)
    templates = []
    for line in src[start:end].splitlines():
        if line.strip().startswith("//"):
            continue
        toks = go_tokens(line)
        if len(toks) >= 3 and toks[0][0] == "str" and toks[1][1] == ":" and toks[2][0] == "str":
            templates.append(toks[2][1])
    return templates


def go_rule_cases(peer, src, templates):
    """tps / fps of every `func X() *config.Rule` in a gitleaks-style rule file."""
    cases = []
    funcs = re.split(r"\nfunc ", src)
    for body in funcs[1:]:
        name = body.split("(", 1)[0]
        env = {}
        toks = go_tokens(body)
        i = 0
        while i < len(toks):
            kind, text = toks[i]
            if kind == "ident" and text in ("tps", "fps") and i + 1 < len(toks) and toks[i + 1][1] in (":=", "="):
                ev = GoEval(toks, templates, env)
                ev.i = i + 2
                try:
                    value = ev.expr()
                except (ValueError, KeyError, IndexError) as e:
                    raise SystemExit(f"{peer}: cannot read {name}.{text}: {e}")
                env[text] = value if isinstance(value, list) else [value]
                i = ev.i
                continue
            i += 1
        for label, positive in (("tps", True), ("fps", False)):
            for n, text in enumerate(env.get(label, [])):
                cases.append(Case(peer, f"{name}.{label}[{n}]", text, positive))
    return cases


# ------------------------------------------------------------------------------- extractors


def gitleaks_like(peer, repo):
    templates = go_sample_templates(git_show(repo, "cmd/generate/config/utils/generate.go"))
    return go_rule_cases(peer, git_show(repo, "cmd/generate/config/rules/aws.go"), templates)


TRUFFLEHOG_CASE = re.compile(
    r'name:\s*"(?P<name>(?:\\.|[^"\\])*)",\s*input:\s*`(?P<input>[^`]*)`,\s*want:\s*(?P<want>nil|\[\]string)',
    re.S,
)


def trufflehog(peer, repo):
    cases = []
    for path in git_ls(repo, "pkg/detectors/aws"):
        if not path.endswith("_test.go") or "integration" in path:
            continue
        src = git_show(repo, path)
        for m in TRUFFLEHOG_CASE.finditer(src):
            cases.append(
                Case(
                    peer,
                    f"{path.split('/')[-2]}: {m.group('name')}",
                    m.group("input"),
                    m.group("want") != "nil",
                )
            )
    return cases


CREDENTIAL_RULE = re.compile(r"API Key|Access Key|Secret|Session Token|API Credentials|AppSync|Bedrock", re.I)
NOT_CREDENTIAL = re.compile(r"MWS|S3 Bucket|Resource Name|Account ID", re.I)


def yaml_rules(peer, repo, path):
    import yaml

    cases = []
    for rule in yaml.safe_load(git_show(repo, path))["rules"]:
        name = rule["name"]
        if not CREDENTIAL_RULE.search(name) or NOT_CREDENTIAL.search(name):
            continue
        for label, positive in (("examples", True), ("negative_examples", False)):
            for n, text in enumerate(rule.get(label) or []):
                cases.append(Case(peer, f"{rule['id']}.{label}[{n}]", text, positive))
    return cases


def noseyparker(peer, repo):
    return yaml_rules(peer, repo, "crates/noseyparker/data/default/builtin/rules/aws.yml")


def kingfisher(peer, repo):
    return yaml_rules(peer, repo, "data/rules/aws.yml")


CREDSWEEPER_RULES = {"AWS Client ID", "AWS Multi", "Amazon Bedrock API Key", "AWS AppSync GraphQL API Key"}
AWS_SHAPED = re.compile(r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{12}|ABSK|bedrock-api-key-|da2-")


def credsweeper(peer, repo):
    cases = []
    expected = defaultdict(set)
    for finding in json.loads(git_show(repo, "tests/data/output.json")):
        if finding["rule"] not in CREDSWEEPER_RULES:
            continue
        lines = [ld["line_num"] for ld in finding["line_data_list"]]
        path = finding["line_data_list"][0]["path"].lstrip("./")
        expected[path].add(tuple(lines))
    for path, groups in sorted(expected.items()):
        text = git_show(repo, path)
        name = path.replace("/", "_")
        covered = set()
        # One case per expected line; a multi-line finding (AWS Multi) is found on any of its lines.
        by_first = {}
        for lines in sorted(groups):
            by_first.setdefault(lines[0], set()).update(lines)
        for first, lines in sorted(by_first.items()):
            if first in covered:
                continue
            covered.update(lines)
            cases.append(Case(peer, f"{path}:{first}", text, True, lines=sorted(lines), file_name=name))
        for n, line in enumerate(text.splitlines(), 1):
            if n not in covered and AWS_SHAPED.search(line):
                cases.append(Case(peer, f"{path}:{n}", text, False, lines=[n], file_name=name))
    cases.append(Case(peer, "tests/samples/aws_multi_fp", git_show(repo, "tests/samples/aws_multi_fp"), False))
    for path in git_ls(repo, "tests/rules"):
        if not re.search(r"test_aws_(key|multi)\.py$", path):
            continue
        tree = ast.parse(git_show(repo, path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "fixture":
                for kw in node.keywords:
                    if kw.arg == "params":
                        for n, lines in enumerate(ast.literal_eval(kw.value)):
                            cases.append(Case(peer, f"{path}[{n}]", "\n".join(lines) + "\n", True))
    return cases


def detect_secrets(peer, repo):
    src = git_show(repo, "tests/plugins/aws_key_test.py")
    tree = ast.parse(src)
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            consts[node.targets[0].id] = node.value.value
    cases = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or node.name != "test_analyze":
            continue
        for dec in node.decorator_list:
            if not (isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize"):
                continue
            for n, elt in enumerate(dec.args[1].elts):
                line = eval(compile(ast.Expression(elt.elts[0]), path_of(peer), "eval"), {}, dict(consts))
                flag = ast.literal_eval(elt.elts[1])
                cases.append(Case(peer, f"test_analyze[{n}]", line + "\n", flag))
    return cases


def path_of(peer):
    return f"<{peer}>"


EXTRACT = {
    "gitleaks": gitleaks_like,
    "betterleaks": gitleaks_like,
    "trufflehog": trufflehog,
    "noseyparker": noseyparker,
    "kingfisher": kingfisher,
    "CredSweeper": credsweeper,
    "detect-secrets": detect_secrets,
}

# ------------------------------------------------------------------------------- judging

CONSENSUS_KEY = re.compile(r"(?<![A-Za-z0-9])((?:AKIA|ASIA)[A-Z2-7]{16})(?![A-Za-z0-9])")


def consensus_iam_key(case):
    text = case.text
    if case.lines is not None:
        all_lines = text.splitlines()
        text = "\n".join(all_lines[n - 1] for n in case.lines if n <= len(all_lines))
    for m in CONSENSUS_KEY.finditer(text):
        key = m.group(1)
        if entropy(key) >= 3 and not key.endswith("EXAMPLE"):
            return True
    return False


def run_rolecall(binary, cases, workdir):
    """Writes every case into a folder and scans it once; returns {file name: [lines found]}."""
    root = tempfile.mkdtemp(dir=workdir)
    names = {}
    for n, case in enumerate(cases):
        fname = case.file_name or f"case{n:04d}.txt"
        names[n] = f"{case.peer}/{fname}"
        path = os.path.join(root, case.peer, fname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(case.text)
    out = subprocess.run(
        [binary, "scan", root, "--format", "json", "--no-progress", "--color", "never"],
        capture_output=True,
    )
    if out.returncode not in (0, 1):
        raise SystemExit(f"{binary} failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    report = json.loads(out.stdout)
    found = defaultdict(list)
    for f in report["findings"]:
        found[f["path"]].append(f["line"])
    return names, found


def judge(case, lines_found):
    if case.lines is None:
        return bool(lines_found)
    return any(line in case.lines for line in lines_found)


def redact(text):
    one = " ".join(text.split())
    one = re.sub(r"[A-Za-z0-9+/=_\-]{12,}", lambda m: m.group(0)[:4] + "…", one)
    return one[:90]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rolecall", nargs="+", help="rolecall binaries to measure")
    ap.add_argument("--mirrors", default=os.environ.get("PEER_MIRRORS", "/work/.mirror"))
    ap.add_argument("--verbose", "-v", action="store_true", help="list every miss and false positive")
    args = ap.parse_args()

    cases = []
    headline = set()
    print("peer cases (extracted at run time):")
    for owner, name, in_headline in PEERS:
        repo = find_mirror(args.mirrors, owner, name)
        if repo is None:
            raise SystemExit(f"no mirror of {owner}/{name} under {args.mirrors}")
        extracted = EXTRACT[name](name, repo)
        pos = sum(c.positive for c in extracted)
        extra = "" if in_headline else "  (reported beside the headline totals)"
        print(f"  {owner}/{name}@{git_head(repo)}: {pos} positives, {len(extracted) - pos} negatives{extra}")
        if in_headline:
            headline.update(range(len(cases), len(cases) + len(extracted)))
        cases.extend(extracted)
    positives = [i for i, c in enumerate(cases) if c.positive and i in headline]
    negatives = [i for i, c in enumerate(cases) if not c.positive and i in headline]
    filtered = [i for i in positives if consensus_iam_key(cases[i])]
    print(f"  headline: {len(positives)} positives ({len(filtered)} every tool agrees are IAM keys), {len(negatives)} negatives\n")

    with tempfile.TemporaryDirectory() as work:
        for binary in args.rolecall:
            names, found = run_rolecall(binary, cases, work)
            hit = {i: judge(cases[i], found.get(names[i], [])) for i in range(len(cases))}
            tp = sum(hit[i] for i in positives)
            fp = sum(hit[i] for i in negatives)
            ftp = sum(hit[i] for i in filtered)
            print(f"{binary}:")
            print(f"  recall          {tp}/{len(positives)} = {100 * tp / len(positives):.1f}%")
            print(f"  false positives {fp}/{len(negatives)}")
            print(f"  filtered recall {ftp}/{len(filtered)} = {100 * ftp / max(1, len(filtered)):.1f}%")
            per_peer = defaultdict(lambda: [0, 0, 0, 0])
            for i, c in enumerate(cases):
                row = per_peer[c.peer]
                if c.positive:
                    row[0] += hit[i]
                    row[1] += 1
                else:
                    row[2] += hit[i]
                    row[3] += 1
            for peer, (a, b, c_, d) in per_peer.items():
                print(f"    {peer:15} found {a:3}/{b:3}   false positives {c_}/{d}")
            if args.verbose:
                for i in positives:
                    if not hit[i]:
                        print(f"    miss  {cases[i].peer}: {cases[i].name}: {redact(cases[i].text)}")
                for i in negatives:
                    if hit[i]:
                        print(f"    FP    {cases[i].peer}: {cases[i].name}: {redact(cases[i].text)}")
            print()


if __name__ == "__main__":
    sys.exit(main())
