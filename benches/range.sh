#!/usr/bin/env bash
# Range-scan benchmark (issue 5, Speed): `rolecall scan --range BASE..HEAD` on a large repository
# against `git rev-list --objects BASE..HEAD` on the same range, in the same run.
#
#   benches/range.sh [REPO] [COMMITS] [RUNS]
#
# REPO defaults to /work/bench/corpus (build one with `../shared/bench/make-corpus DIR --mib 1024`),
# COMMITS (default 20) is the range length (BASE = HEAD~COMMITS), RUNS (default 7) the number of
# timed runs of each command; the median wall time of each is printed, then the ratio.
# Target: rolecall under 100 ms wall.
set -euo pipefail
repo=${1:-/work/bench/corpus}
commits=${2:-20}
runs=${3:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ROLECALL:-$here/target/release/rolecall}
if [ -z "${ROLECALL:-}" ]; then
	(cd "$here" && cargo build --release --quiet --bin rolecall)
fi
base=$(git -C "$repo" rev-parse "HEAD~$commits")
head=$(git -C "$repo" rev-parse HEAD)
range="$base..$head"

now_ns() { date +%s%N; }

# Prints the median wall time in milliseconds of running "$@" $runs times (after one warm-up).
median_ms() {
	"$@" >/dev/null 2>&1 || [ $? -le 1 ]
	local times=() start end
	for _ in $(seq "$runs"); do
		start=$(now_ns)
		"$@" >/dev/null 2>&1 || [ $? -le 1 ]
		end=$(now_ns)
		times+=($(((end - start) / 1000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

size=$(git -C "$repo" count-objects -v | awk '/size-pack/ {print $2}')
echo "repository: $repo ($(git -C "$repo" rev-list --count HEAD) commits, pack ${size} KiB)"
echo "range: HEAD~$commits..HEAD ($(git -C "$repo" rev-list --count "$range") commits," \
	"$(git -C "$repo" rev-list --objects "$range" | wc -l) objects new in the range)"
stats=$("$bin" scan --range "$range" --format json --no-progress "$repo" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["stats"]
print("%d blobs, %d messages, %d bytes scanned, %d findings, %.1f ms inside"
      % (s["blobs"], s["messages"], s["bytes"], len(d["findings"]), s["seconds"] * 1000))
' || true)
echo "rolecall scanned: $stats"
git_ms=$(median_ms git -C "$repo" rev-list --objects "$range")
rc_ms=$(median_ms "$bin" scan --range "$range" --format json --no-progress "$repo")
echo "git rev-list --objects: ${git_ms} ms (median of $runs)"
echo "rolecall scan --range:  ${rc_ms} ms (median of $runs)"
awk -v a="$rc_ms" -v b="$git_ms" 'BEGIN {printf "ratio rolecall / git rev-list: %.2fx\n", a / b}'
awk -v a="$rc_ms" 'BEGIN {if (a < 100) print "target (< 100 ms): met"; else print "target (< 100 ms): NOT met"}'
