#!/usr/bin/env bash
# Two rolecall builds on the same full-history scan, alternating (A, B, A, B, …) so that machine
# load hits both alike: median wall time and median CPU time (user + system, steadier than wall
# time on a loaded machine) of each, the ratios B/A, peak memory, and the number of findings each
# reported (to check that B still finds what it should).
#
# usage: benches/compare-builds.sh BIN_A BIN_B REPO [RUNS]
#   BIN_A, BIN_B: rolecall binaries (e.g. the release build of main and of a branch)
#   REPO: a git repository, e.g. one built by ../shared/bench/make-corpus (seed 7, 1 GiB)
set -euo pipefail
a=${1:?usage: $0 BIN_A BIN_B REPO [RUNS]}
b=${2:?usage: $0 BIN_A BIN_B REPO [RUNS]}
repo=${3:?usage: $0 BIN_A BIN_B REPO [RUNS]}
runs=${4:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

measure() { # bin label -> appends "seconds rss_kib" to $out/label.times, keeps the last report
  /usr/bin/time -f '%e %M %U %S' -o "$out/time" "$1" scan --no-progress --format json "$repo" \
    >"$out/$2.json" 2>/dev/null || true
  tail -n 1 "$out/time" >>"$out/$2.times"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
for i in $(seq "$runs"); do
  measure "$a" A
  measure "$b" B
done
for label in A B; do
  bin=$a; [[ $label == B ]] && bin=$b
  t=$(cut -d' ' -f1 "$out/$label.times" | median)
  m=$(cut -d' ' -f2 "$out/$label.times" | sort -n | tail -1)
  c=$(awk '{print $3 + $4}' "$out/$label.times" | median)
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$out/$label.json")
  printf '%s %s: median %s s wall (%s), %s s CPU, peak %d MiB, %s findings\n' "$label" "$bin" \
    "$t" "$(cut -d' ' -f1 "$out/$label.times" | tr '\n' ' ')" "$c" $((m / 1024)) "$n"
  echo "$t" >"$out/$label.median"
  echo "$c" >"$out/$label.cpu"
done
awk -v a="$(cat "$out/A.median")" -v b="$(cat "$out/B.median")" \
  -v ca="$(cat "$out/A.cpu")" -v cb="$(cat "$out/B.cpu")" \
  'BEGIN {printf "ratio B/A: %.3f wall, %.3f CPU\n", b / a, cb / ca}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
