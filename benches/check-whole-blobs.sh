#!/usr/bin/env bash
# The oracle check: a full-history scan that reads each delta by what it adds must find exactly
# what the whole-blob path (`rolecall scan --whole-blobs`) finds, field by field (commit, path,
# line, column, kind, fingerprint, severity, pair, blob). With a truth file written by
# ../shared/bench/make-corpus, it also checks that every planted credential is found at its
# commit, path and line.
#
# usage: benches/check-whole-blobs.sh REPO [TRUTH.json] [ROLECALL]
#   ROLECALL defaults to target/release/rolecall (built first).
# Exits non-zero on any difference. Needs jq.
set -euo pipefail
repo=${1:?usage: $0 REPO [TRUTH.json] [ROLECALL]}
truth=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${3:-}
if [ -z "$bin" ]; then
  (cd "$here" && cargo build --release --quiet)
  bin=${CARGO_TARGET_DIR:-$here/target}/release/rolecall
fi
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fields='.findings[] | [.commit, .path, .line, .column, .kind, .fingerprint, .severity, (.pair // ""), (.blob // "")] | @tsv'
"$bin" scan --no-progress --format json "$repo" >"$work/deltas.json" || [ $? -le 1 ]
"$bin" scan --no-progress --whole-blobs --format json "$repo" >"$work/whole.json" || [ $? -le 1 ]
jq -r "$fields" "$work/deltas.json" | sort >"$work/deltas.tsv"
jq -r "$fields" "$work/whole.json" | sort >"$work/whole.tsv"
n=$(wc -l <"$work/whole.tsv")
if ! diff -u "$work/whole.tsv" "$work/deltas.tsv" >"$work/diff"; then
  echo "DIFFERENT: the delta path and --whole-blobs disagree:" >&2
  head -40 "$work/diff" >&2
  exit 1
fi
echo "identical: $n findings, field by field (commit, path, line, column, kind, fingerprint, severity, pair, blob)"
jq -r '.skipped | length | "skipped objects: \(.)"' "$work/deltas.json"

if [ -n "$truth" ]; then
  missing=0
  planted=0
  while IFS=$'\t' read -r commit path line kind value; do
    planted=$((planted + 1))
    fp=$(printf 'rolecall-fingerprint-v1\0%s\0%s' "$kind" "$value" | git hash-object --stdin | cut -c1-32)
    if ! awk -F'\t' -v c="$commit" -v p="$path" -v l="$line" -v k="$kind" -v f="$fp" \
        '$1==c && $2==p && $3==l && $5==k && $6==f {found=1} END {exit !found}' "$work/deltas.tsv"; then
      echo "MISSING planted $kind at $commit:$path:$line" >&2
      missing=$((missing + 1))
    fi
  done < <(jq -r '.planted[] | [.commit, .path, .line, .kind, .value] | @tsv' "$truth")
  echo "planted credentials found: $((planted - missing)) of $planted"
  [ "$missing" -eq 0 ] || exit 1
fi
