#!/usr/bin/env bash
# Benchmark of the pre-receive hook on a real server repository, with real `git push`es.
#
# usage: benches/hook.sh CORPUS [WORKDIR]
#   CORPUS   a repository with a long linear history on `main` (for example the 1 GiB corpus built
#            by `make-corpus /work/bench/corpus --mib 1024`: 3,319 commits)
#   WORKDIR  scratch directory (default: a new temporary directory, removed at the end)
#
# It builds `target/release/rolecall`, makes a bare server from CORPUS whose `main` stops 1,000
# commits short of the corpus's, adds 300 more refs (branches and tags across history), installs
# a measuring pre-receive hook, and pushes from a clone of CORPUS:
#   1. typical push:       3 new commits (under 1 MB)      (5 runs)
#   2. ~100 MB push:       300 new commits                 (3 runs)
#   3. large push:         1,000 new commits (~350 MB)     (3 runs)
#   4. initial push:       the whole repository into an empty server (3 runs)
# The measuring hook times, for the same stdin and the same quarantine, `git rev-list <new>…
# --not --all` and then rolecall's whole hook (`rolecall hook pre-receive`, process start to
# exit). Each push creates a new branch that is deleted afterwards, so every run sees the same
# server. Prints one line per run and the medians.
set -euo pipefail

corpus=$(cd "${1:?usage: benches/hook.sh CORPUS [WORKDIR]}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${2:-}" ]; then
    work=$2
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)

(cd "$root" && cargo build --release --quiet)
bin="$root/target/release/rolecall"
export GIT_CONFIG_NOSYSTEM=1 HOME="$work"
git config --global user.name bench
git config --global user.email bench@example.com
git config --global advice.detachedHead false

log="$work/timings.log"
: >"$log"

# The measuring hook: same stdin to rev-list and to rolecall, inside the same quarantine.
install_hook() {
    local server=$1
    cat >"$server/hooks/pre-receive" <<EOF
#!/usr/bin/env bash
input=\$(cat)
news=\$(printf '%s\n' "\$input" | awk '\$2 !~ /^0+\$/ { print \$2 }')
t0=\$(date +%s%N)
git rev-list \$news --not --all >/dev/null
t1=\$(date +%s%N)
set +e
printf '%s\n' "\$input" | /usr/bin/time -f '%U %S' -o "$work/cpu.txt" \\
    '$bin' hook pre-receive 2>"$work/last-hook.txt"
rc=\$?
t2=\$(date +%s%N)
commits=\$(git rev-list --count \$news --not --all)
ms() { awk -v a="\$1" -v b="\$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
cpu=\$(awk 'END { printf "%.0f", (\$1 + \$2) * 1000 }' "$work/cpu.txt")
echo "revlist_ms=\$(ms \$t0 \$t1) hook_ms=\$(ms \$t1 \$t2) hook_cpu_ms=\$cpu rc=\$rc commits=\$commits" >>"$log"
cat "$work/last-hook.txt" >&2
exit \$rc
EOF
    chmod +x "$server/hooks/pre-receive"
    # Measure the whole scan, not the production time budget.
    printf '[hook]\ntime_budget_ms = 600000\n' >"$server/rolecall.toml"
}

new_server() {
    local server=$1
    rm -rf "$server"
    git init -q --bare -b main "$server"
    install_hook "$server"
}

echo "== setup in $work"
client="$work/client"
[ -d "$client" ] || git clone -q --no-local "$corpus" "$client"
server="$work/server.git"
rm -rf "$server"
git clone -q --bare --no-local "$corpus" "$server"
git -C "$server" update-ref refs/heads/main "$(git -C "$client" rev-parse main~1000)"
# 300 more refs spread over the server's history: 200 branches, 100 tags.
git -C "$server" rev-list main | awk 'NR % 7 == 0' | head -300 | awk '
    NR <= 200 { print "create refs/heads/feature/f" NR " " $1; next }
    { print "create refs/tags/v" NR " " $1 }' | git -C "$server" update-ref --stdin
git -C "$server" gc -q --prune=now
install_hook "$server"
echo "server: $(git -C "$server" for-each-ref | wc -l) refs, $(git -C "$server" rev-list --all --count) commits"

# Every run must see the same server: after each push, the pushed branch and every object file
# the push added are removed again (otherwise later runs would find their objects already there).
run_push() { # label, repo, commit, runs
    local label=$1 target=$2 commit=$3 runs=$4 i out rc line
    for i in $(seq 1 "$runs"); do
        [ "$label" = initial ] && new_server "$target"
        find "$target/objects" -type f | sort >"$work/objects.before"
        set +e
        out=$(git -C "$client" push "$target" "$commit:refs/heads/bench-$label-$i" 2>&1)
        rc=$?
        set -e
        line=$(tail -1 "$log")
        echo "$label run $i: $line push_rc=$rc"
        grep -E '^remote: rolecall: (scanned|accepted|rejected)' <<<"$out" | sed 's/^/    /' || true
        if [ $rc -eq 0 ]; then
            git -C "$target" update-ref -d "refs/heads/bench-$label-$i"
        fi
        find "$target/objects" -type f | sort | comm -13 "$work/objects.before" - | xargs -r rm -f
        echo "$label $line" >>"$work/results.log"
    done
}

: >"$work/results.log"
# Typical: 5 commits past the server's main; large: 1,000 commits; initial: everything.
run_push typical "$server" "$(git -C "$client" rev-parse main~997)" 5
run_push mb100 "$server" "$(git -C "$client" rev-parse main~700)" 3
run_push large "$server" "$(git -C "$client" rev-parse main)" 3
run_push initial "$work/empty.git" "$(git -C "$client" rev-parse main)" 3

echo
echo "== medians (ms)        rev-list   rolecall hook   ratio   hook CPU (user+sys)"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for label in typical mb100 large initial; do
    r=$(awk -v l="$label" '$1 == l { split($2, a, "="); print a[2] }' "$work/results.log" | median)
    h=$(awk -v l="$label" '$1 == l { split($3, a, "="); print a[2] }' "$work/results.log" | median)
    c=$(awk -v l="$label" '$1 == l { split($4, a, "="); print a[2] }' "$work/results.log" | median)
    awk -v l="$label" -v r="$r" -v h="$h" -v c="$c" \
        'BEGIN { printf "%-20s %10.1f %15.1f %7.1fx %12.0f\n", l, r, h, (r > 0 ? h / r : 0), c }'
done
