#!/usr/bin/env bash
# The cost of folding keys assembled in code (issue 10) on a full-history scan: `rolecall scan`
# of CORPUS with folding on (the default) and off (`ROLECALL_FOLD=0`), RUNS alternating rounds,
# medians and the ratio; then each variant's recall on the corpus truth file (every planted
# credential found at its commit, path, line and fingerprint) and its number of findings.
#
# usage: benches/folding.sh CORPUS [TRUTH.json] [RUNS]
#   CORPUS: e.g. built by /work/shared/bench/make-corpus CORPUS --mib 1024 (TRUTH defaults to
#   CORPUS.truth.json, which it writes). Needs /usr/bin/time and jq. Release build.
set -euo pipefail
corpus=$(cd "${1:?usage: $0 CORPUS [TRUTH.json] [RUNS]}" && pwd)
truth=${2:-$corpus.truth.json}
runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release --quiet)
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "${CARGO_TARGET_DIR:-$here/target}/release/rolecall" "$work/rolecall"
bin=$work/rolecall

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== full history of $corpus: folding on and off, $runs alternating rounds"
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A t m
for i in $(seq "$runs"); do
  for n in fold-on fold-off; do
    [ $n = fold-on ] && fold=1 || fold=0
    ROLECALL_FOLD=$fold /usr/bin/time -f '%e %M' -o "$work/time" \
      "$bin" scan --no-progress --format json "$corpus" >"$work/$n.json" 2>/dev/null || true
    r=$(tail -n 1 "$work/time")
    t[$n]+="${r% *} "; m[$n]+="${r#* } "
    echo "round $i $n: ${r% *} s, max RSS ${r#* } KiB"
  done
done
on=$(echo "${t[fold-on]}" | median); off=$(echo "${t[fold-off]}" | median)
echo "median fold-on:  $on s (runs: ${t[fold-on]})"
echo "median fold-off: $off s (runs: ${t[fold-off]})"
awk -v a="$on" -v b="$off" 'BEGIN {printf "cost of folding: %+.1f%% (fold-on / fold-off = %.3f)\n", (a/b-1)*100, a/b}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

fields='.findings[] | [.commit, .path, .line, .column, .kind, .fingerprint, .severity, (.pair // ""), (.blob // "")] | @tsv'
for n in fold-on fold-off; do
  jq -r "$fields" "$work/$n.json" | sort >"$work/$n.tsv"
  echo "$n: $(wc -l <"$work/$n.tsv") findings, $(jq '[.findings[] | select(.assembled)] | length' "$work/$n.json") assembled"
  [ -f "$truth" ] || continue
  planted=0; found=0
  while IFS=$'\t' read -r commit path line kind value; do
    planted=$((planted + 1))
    fp=$(printf 'rolecall-fingerprint-v1\0%s\0%s' "$kind" "$value" | git hash-object --stdin | cut -c1-32)
    if awk -F'\t' -v c="$commit" -v p="$path" -v l="$line" -v k="$kind" -v f="$fp" \
        '$1==c && $2==p && $3==l && $5==k && $6==f {ok=1} END {exit !ok}' "$work/$n.tsv"; then
      found=$((found + 1))
    fi
  done < <(jq -r '.planted[] | [.commit, .path, .line, .kind, .value] | @tsv' "$truth")
  echo "$n recall on the truth file: $found of $planted"
done
if diff -q "$work/fold-on.tsv" "$work/fold-off.tsv" >/dev/null; then
  echo "fold-on and fold-off findings identical (the corpus has no assembled keys)"
else
  echo "fold-on and fold-off findings differ:"; diff "$work/fold-off.tsv" "$work/fold-on.tsv" | head -20
fi
