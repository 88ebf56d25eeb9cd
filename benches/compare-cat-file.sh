#!/usr/bin/env bash
# Full-history scan speed and memory against git's own floor, on the same repository in one run:
#   floor    = git cat-file --batch-all-objects --unordered --batch > /dev/null  (reads every object once)
#   rolecall = rolecall scan --format json REPO > /dev/null                       (reads and scans every blob)
# Runs are interleaved (floor, rolecall, floor, …) so machine load hits both alike; prints the
# median wall times, their ratio, and rolecall's peak resident memory.
#
# usage: benches/compare-cat-file.sh REPO [RUNS]
#   REPO: a git repository with >= 1 GiB of blobs, e.g. one built by
#         ../shared/bench/make-corpus /tmp/corpus --mib 1024
set -euo pipefail
repo=${1:?usage: $0 REPO [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release --quiet)
bin="$here/target/release/rolecall"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

measure() { # prints "seconds max_rss_kib"
  /usr/bin/time -f '%e %M' -o /tmp/rolecall-bench.$$ "$@" >/dev/null 2>/dev/null || true
  # time's first line is "Command exited with non-zero status 1" when rolecall finds keys
  tail -n 1 /tmp/rolecall-bench.$$
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

floor_t=(); scan_t=(); scan_m=()
for i in $(seq "$runs"); do
  read -r t _ < <(measure git -C "$repo" cat-file --batch-all-objects --unordered --batch)
  floor_t+=("$t")
  read -r t m < <(measure "$bin" scan --no-progress --format json "$repo")
  scan_t+=("$t"); scan_m+=("$m")
done
blobs=$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
  | awk '$1=="blob"{n++; s+=$2} END {printf "%d blobs, %.2f GiB", n, s/1073741824}')
f=$(printf '%s\n' "${floor_t[@]}" | median)
s=$(printf '%s\n' "${scan_t[@]}" | median)
m=$(printf '%s\n' "${scan_m[@]}" | sort -n | tail -1)
echo "repository:        $repo ($blobs)"
echo "cores:             $(nproc)"
echo "git cat-file floor: ${f} s (median of $runs: ${floor_t[*]})"
echo "rolecall scan:      ${s} s (median of $runs: ${scan_t[*]})"
awk -v s="$s" -v f="$f" 'BEGIN {printf "ratio:              %.2fx the floor\n", s/f}'
awk -v m="$m" 'BEGIN {printf "peak memory:        %.0f MiB (max RSS over the runs)\n", m/1024}'
