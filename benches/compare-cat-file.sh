#!/usr/bin/env bash
# Full-history scan speed and memory against git's own floor, on the same repository in one run:
#   floor    = git cat-file --batch-all-objects --unordered --batch > /dev/null  (reads every object once)
#   rolecall = rolecall scan --format json REPO > /dev/null                       (reads and scans every blob)
# Two rolecall builds are measured when cmake is available: the default one (system zlib) and
# `--features zlib-ng`. Runs are interleaved (floor, default, zlib-ng, floor, …) so machine load
# hits all alike; prints median wall times, the ratios, and peak resident memory.
#
# usage: benches/compare-cat-file.sh REPO [RUNS]
#   REPO: a git repository with >= 1 GiB of blobs, e.g. one built by
#         ../shared/bench/make-corpus /tmp/corpus --mib 1024
set -euo pipefail
repo=${1:?usage: $0 REPO [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$here/target}
bins=$(mktemp -d)
trap 'rm -rf "$bins" /tmp/rolecall-bench.$$' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

(cd "$here" && cargo build --release --quiet) && cp "$target/release/rolecall" "$bins/default"
builds=(default)
if command -v cmake >/dev/null; then
  (cd "$here" && cargo build --release --quiet --features zlib-ng) && cp "$target/release/rolecall" "$bins/zlib-ng"
  builds+=(zlib-ng)
fi

measure() { # prints "seconds max_rss_kib"
  /usr/bin/time -f '%e %M' -o /tmp/rolecall-bench.$$ "$@" >/dev/null 2>/dev/null || true
  # time's first line is "Command exited with non-zero status 1" when rolecall finds keys
  tail -n 1 /tmp/rolecall-bench.$$
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A times mem
floor=()
for i in $(seq "$runs"); do
  read -r t _ < <(measure git -C "$repo" cat-file --batch-all-objects --unordered --batch)
  floor+=("$t")
  for b in "${builds[@]}"; do
    read -r t m < <(measure "$bins/$b" scan --no-progress --format json "$repo")
    times[$b]+="$t "; mem[$b]+="$m "
  done
done
blobs=$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
  | awk '$1=="blob"{n++; s+=$2} END {printf "%d blobs, %.2f GiB", n, s/1073741824}')
f=$(printf '%s\n' "${floor[@]}" | median)
echo "repository:          $repo ($blobs)"
echo "cores:               $(nproc), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git cat-file floor:  ${f} s (median of $runs: ${floor[*]})"
for b in "${builds[@]}"; do
  s=$(tr ' ' '\n' <<<"${times[$b]}" | grep . | median)
  m=$(tr ' ' '\n' <<<"${mem[$b]}" | grep . | sort -n | tail -1)
  printf 'rolecall (%s): %s s (median of %s: %s)\n' "$b" "$s" "$runs" "${times[$b]}"
  awk -v s="$s" -v f="$f" -v m="$m" -v b="$b" \
    'BEGIN {printf "  ratio %.2fx the floor, peak memory %.0f MiB\n", s/f, m/1024}'
done
