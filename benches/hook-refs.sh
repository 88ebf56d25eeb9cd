#!/usr/bin/env bash
# Times `rolecall hook pre-receive` on N ref lines (default 100000) in a bare repository with an
# empty quarantine: what the ref handling costs (stdin parsing, duplicate check, ref-name scan).
# Usage: benches/hook-refs.sh [N] [path/to/rolecall]   (build with `cargo build --release` first)
set -euo pipefail
n=${1:-100000}
bin=${2:-target/release/rolecall}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
git init -q --bare "$dir/server.git"
mkdir -p "$dir/quarantine"
printf '[hook]\ntime_budget_ms = 60000\n' >"$dir/server.git/rolecall.toml"
id=1234567890abcdef1234567890abcdef12345678
zero=0000000000000000000000000000000000000000
awk -v n="$n" -v z="$zero" -v id="$id" 'BEGIN { for (i = 0; i < n; i++) printf "%s %s refs/tags/release-%07d\n", z, id, i }' >"$dir/stdin"
start=$(date +%s.%N)
(cd "$dir/server.git" && GIT_DIR=. GIT_QUARANTINE_PATH="$dir/quarantine" "$OLDPWD/$bin" hook pre-receive <"$dir/stdin" >/dev/null 2>"$dir/err") || true
end=$(date +%s.%N)
tail -2 "$dir/err"
echo "$n ref lines: $(echo "$end - $start" | bc) s"
