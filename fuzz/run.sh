#!/usr/bin/env bash
# Runs one fuzz target for a while on idle CPU only, then prints libFuzzer's final stats.
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
# TARGET: detector, hook_input, config or rewrite. New inputs go to fuzz/work/TARGET (untracked);
# the tracked seeds in fuzz/corpus/TARGET are only read. Crashes land in fuzz/artifacts/TARGET.
# Needs the nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz --locked`).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags]}
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
fuzz=$PWD
mkdir -p "work/$target" "artifacts/$target" "logs/$target"
log="logs/$target.log"
# With -jobs, libFuzzer writes the run's output to fuzz-0.log in the current folder: one per target.
cd "logs/$target"
nice -n 19 cargo +nightly fuzz run --fuzz-dir "$fuzz" --sanitizer none "$target" \
  "$fuzz/work/$target" "$fuzz/corpus/$target" -- \
  -dict="$fuzz/dict/$target.dict" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
  -jobs=1 -workers=1 -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$fuzz/artifacts/$target/" "$@" || status=$?
cd "$fuzz"
if [[ -f "logs/$target/fuzz-0.log" ]]; then mv "logs/$target/fuzz-0.log" "$log"; fi
grep -E '^(stat::|==|SUMMARY|Done|.*(crash|deadly|timeout|leak|panicked))' "$log" | tail -20 || true
exit "${status:-0}"
