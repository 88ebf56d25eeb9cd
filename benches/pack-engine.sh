#!/usr/bin/env bash
# The pack engine's benchmark: everything side by side in one run, alternating, with ratios.
#
#   1. Full history of CORPUS: `git cat-file --batch-all-objects --unordered --batch` (the floor),
#      `rolecall scan` (deltas scanned by what they add), `rolecall scan --whole-blobs` (the
#      oracle path) and, with BASELINE, the baseline binary's scan; RUNS alternating rounds;
#      medians, ratios to the floor, peak RSS (/usr/bin/time).
#   2. The oracle check (benches/check-whole-blobs.sh): identical findings, every planted pair.
#   3. The hook: a 1,000-commit push into a server holding 2,000 commits of CORPUS; the measuring
#      pre-receive hook runs this build's and BASELINE's `rolecall hook pre-receive` on the same
#      quarantine (order alternating), 3 pushes.
#   4. A 300 MB blob with a key near its end (loose, then packed): found, peak RSS.
#
# usage: benches/pack-engine.sh CORPUS [TRUTH.json] [RUNS] [BASELINE]
#   BASELINE: another rolecall binary (e.g. one built from main in a separate directory:
#             git worktree add /tmp/main-src main && cargo build --release --manifest-path ...).
# Needs /usr/bin/time and jq. Numbers from a shared machine: read the ratios, and the load.
set -euo pipefail
corpus=$(cd "${1:?usage: $0 CORPUS [TRUTH.json] [RUNS] [BASELINE]}" && pwd)
truth=${2:-}
runs=${3:-5}
baseline=${4:-}
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release --quiet)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "${CARGO_TARGET_DIR:-$here/target}/release/rolecall" "$work/rolecall"
bin=$work/rolecall

measure() { # prints "seconds max_rss_kib"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>/dev/null || true
  tail -n 1 "$work/time"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
peak() { tr ' ' '\n' | grep . | sort -n | tail -1; }

echo "== 1. full history of $corpus ($runs alternating rounds)"
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A t m
names=(floor rolecall whole-blobs)
[ -n "$baseline" ] && names+=(baseline)
for i in $(seq "$runs"); do
  for n in "${names[@]}"; do
    case $n in
      floor) r=$(measure git -C "$corpus" cat-file --batch-all-objects --unordered --batch) ;;
      rolecall) r=$(measure "$bin" scan --no-progress --format json "$corpus") ;;
      whole-blobs) r=$(measure "$bin" scan --no-progress --whole-blobs --format json "$corpus") ;;
      baseline) r=$(measure "$baseline" scan --no-progress --format json "$corpus") ;;
    esac
    t[$n]+="${r% *} "; m[$n]+="${r#* } "
  done
done
floor=$(median <<<"${t[floor]}")
printf '%-12s %9s %8s %10s   %s\n' what median ratio "peak MiB" "runs (s)"
for n in "${names[@]}"; do
  s=$(median <<<"${t[$n]}")
  p=$(peak <<<"${m[$n]}")
  awk -v n="$n" -v s="$s" -v f="$floor" -v p="$p" -v r="${t[$n]}" \
    'BEGIN {printf "%-12s %8.2fs %7.3fx %10.0f   %s\n", n, s, s/f, p/1024, r}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== 2. oracle check"
"$here/benches/check-whole-blobs.sh" "$corpus" "$truth" "$bin"

echo
echo "== 3. hook: 1,000-commit push into a server with 2,000 commits"
if [ -z "$baseline" ]; then
  echo "(skipped: no BASELINE binary to compare with)"
else
  export GIT_CONFIG_NOSYSTEM=1 HOME=$work
  git config --global user.name bench; git config --global user.email bench@example.com
  total=$(git -C "$corpus" rev-list --count HEAD)
  keep=$((total - 2000))
  server=$work/server.git
  git clone -q --bare --no-local "$corpus" "$server"
  head=$(git -C "$corpus" rev-parse HEAD)
  git -C "$server" for-each-ref --format='delete %(refname)' | git -C "$server" update-ref --stdin
  git -C "$server" update-ref refs/heads/main "$(git -C "$corpus" rev-parse "HEAD~$keep")"
  git -C "$server" gc -q --prune=now
  printf '[hook]\ntime_budget_ms = 600000\n' >"$server/rolecall.toml"
  cat >"$server/hooks/pre-receive" <<HOOK
#!/usr/bin/env bash
input=\$(cat)
run() { # label binary
  local t0 t1
  t0=\$(date +%s%N)
  printf '%s\n' "\$input" | /usr/bin/time -f '%M' -o "$work/hook-rss" "\$2" hook pre-receive >/dev/null 2>"$work/hook-\$1.err"
  t1=\$(date +%s%N)
  echo "\$1 \$(( (t1 - t0) / 1000000 )) \$(cat "$work/hook-rss")" >>"$work/hook.log"
}
if [ \$(( \$(wc -l <"$work/hook.log" 2>/dev/null || echo 0) / 2 % 2 )) -eq 0 ]; then
  run new "$bin"; run baseline "$baseline"
else
  run baseline "$baseline"; run new "$bin"
fi
exit 0
HOOK
  chmod +x "$server/hooks/pre-receive"
  : >"$work/hook.log"
  client=$work/client
  git clone -q --no-local "$corpus" "$client"
  push=$(git -C "$corpus" rev-parse "HEAD~$((keep - 1000))")
  echo "server: $(git -C "$server" rev-list --count main) commits; push: $(git -C "$client" rev-list --count "$push" --not "$(git -C "$server" rev-parse main)") commits"
  for i in 1 2 3; do
    find "$server/objects" -type f | sort >"$work/before"
    git -C "$client" push -q "$server" "$push:refs/heads/bench-$i" 2>/dev/null
    git -C "$server" update-ref -d "refs/heads/bench-$i"
    find "$server/objects" -type f | sort | comm -13 "$work/before" - | xargs -r rm -f
  done
  cat "$work/hook.log" | sed 's/^/  /'
  nm=$(awk '$1=="new"{print $2}' "$work/hook.log" | median)
  bm=$(awk '$1=="baseline"{print $2}' "$work/hook.log" | median)
  awk -v n="$nm" -v b="$bm" 'BEGIN {printf "hook median: new %d ms, baseline %d ms, ratio %.3fx\n", n, b, n/b}'
  grep -h "scanned\|accepted\|rejected" "$work/hook-new.err" | head -3 | sed 's/^/  new: /' || true
fi

echo
echo "== 4. a 300 MB blob with a key near its end"
big=$work/big
git init -q "$big"
# `tr` dies of SIGPIPE when `head` has enough: not a failure (pipefail would end the script).
random() { LC_ALL=C tr -dc "$1" </dev/urandom | head -c "$2" || true; }
key="AKIA$(random 'A-Z2-7' 16)"
secret=$(random 'A-Za-z0-9' 40)
{ (yes 'an ordinary line of a very large generated file, nothing secret in it' || true) | head -c 300000000
  printf '\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key" "$secret"; } >"$big/huge.txt"
git -C "$big" add huge.txt
git -C "$big" -c user.name=b -c user.email=b@example.com commit -qm huge
for form in loose packed; do
  [ $form = packed ] && git -C "$big" gc -q
  r=$(measure "$bin" scan --no-progress --format json "$big")
  "$bin" scan --no-progress --format json "$big" >"$work/big.json" || true
  found=$(jq '[.findings[] | select(.path == "huge.txt")] | length' "$work/big.json")
  awk -v f="$form" -v r="$r" -v n="$found" 'BEGIN {split(r, a, " "); printf "%s: %s s, peak %.0f MiB, findings in huge.txt: %d\n", f, a[1], a[2]/1024, n}'
done
