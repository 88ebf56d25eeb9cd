#!/usr/bin/env bash
# A light generator of a fleet of bare repositories for fleet-scan benchmarks (make-corpus builds
# one big repository; this builds many small ones, the way a git server holds them).
#
#   benches/fleet-corpus.sh DIR [REPOS] [SEED]
#
# Writes REPOS (default 500) bare repositories under DIR, laid out like a GitLab server
# (`@hashed/ab/cd/<sha256>.git`, half of them) and a Gitea one (`org-N/repo-M.git`). Sizes are
# skewed as on real servers: most repositories hold 10-80 commits, every 50th one 1,500. Each
# commit rewrites one or two source files (so packs hold deltas, as real ones do); about one
# repository in eight has a generated key pair committed somewhere in its history, and one in
# four of those the same shared pair. Every repository is one pack (git fast-import), plus a
# few loose objects from a last small commit in every tenth one. Keys are random, generated at
# run time; none is written in this file.
set -euo pipefail
dir=${1:?usage: fleet-corpus.sh DIR [REPOS] [SEED]}
repos=${2:-500}
seed=${3:-7}
mkdir -p "$dir"

rand_str() { # alphabet length
	LC_ALL=C tr -dc "$1" </dev/urandom | head -c "$2" || true
}
shared_key="AKIA$(rand_str 'A-Z2-7' 16)"
shared_secret="$(rand_str 'A-Za-z0-9/+' 40)"

# The fast-import stream of one repository: $1 commits, $2 leak ("" none, "own" or "shared"),
# $3 seed.
stream() {
	local key secret
	case "$2" in
	own) key="AKIA$(rand_str 'A-Z2-7' 16)" secret="$(rand_str 'A-Za-z0-9/+' 40)" ;;
	shared) key=$shared_key secret=$shared_secret ;;
	*) key="" secret="" ;;
	esac
	awk -v commits="$1" -v seed="$3" -v key="$key" -v secret="$secret" '
	function word() { return words[int(rand() * nwords) + 1] }
	function file_text(f, c,   t, i) {
		t = "# module " f "\nimport os\n\n"
		for (i = 1; i <= 40; i++) t = t "def f" i "(x):\n    return x + " (i * 7 + f) "  # " lines[f, i] "\n"
		return t
	}
	function data(s) { printf "data %d\n%s\n", length(s), s }
	BEGIN {
		srand(seed)
		nwords = split("alpha beta gamma delta deploy bucket region config retry cache queue worker token session client server build release", words, " ")
		nfiles = 12
		for (f = 1; f <= nfiles; f++) for (i = 1; i <= 40; i++) lines[f, i] = word() " " word()
		leak_at = (key != "") ? int(rand() * commits) + 1 : -1
		t = 1500000000 + int(rand() * 100000000)
		for (c = 1; c <= commits; c++) {
			t += 3600 + int(rand() * 86400)
			printf "commit refs/heads/main\nmark :%d\n", c
			printf "author Dev %d <dev%d@example.com> %d +0000\n", c % 7, c % 7, t
			printf "committer Dev %d <dev%d@example.com> %d +0000\n", c % 7, c % 7, t
			data("change " c ": " word() " " word())
			n = (c == 1) ? nfiles : 1 + int(rand() * 2)
			for (k = 1; k <= n; k++) {
				f = (c == 1) ? k : int(rand() * nfiles) + 1
				lines[f, int(rand() * 40) + 1] = word() " " word() " " c
				printf "M 100644 inline src/mod_%d.py\n", f
				data(file_text(f, c))
			}
			if (c == leak_at) {
				printf "M 100644 inline config/aws.ini\n"
				data("[default]\naws_access_key_id = " key "\naws_secret_access_key = " secret "\n")
			}
			print ""
		}
	}'
}

for i in $(seq 1 "$repos"); do
	hash=$(printf 'repo-%s-%s' "$seed" "$i" | sha256sum | cut -c1-64)
	if [ $((i % 2)) -eq 0 ]; then
		path="$dir/@hashed/${hash:0:2}/${hash:2:2}/$hash.git"
	else
		path="$dir/org-$((i % 17))/repo-$i.git"
	fi
	commits=$((10 + (i * 7919 + seed) % 71))
	[ $((i % 50)) -eq 0 ] && commits=1500
	leak=""
	[ $((i % 8)) -eq 3 ] && leak=own
	[ $((i % 32)) -eq 11 ] && leak=shared
	git init -q --bare -b main "$path"
	stream "$commits" "$leak" "$((seed * 100003 + i))" | git -C "$path" fast-import --quiet
	if [ $((i % 10)) -eq 5 ]; then
		# A last small push: loose objects beside the pack.
		blob=$(printf 'notes %s\n' "$i" | git -C "$path" hash-object -w --stdin)
		tree=$(printf '100644 blob %s\tNOTES.md\n' "$blob" | git -C "$path" mktree)
		commit=$(GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev \
			GIT_COMMITTER_EMAIL=dev@example.com git -C "$path" commit-tree "$tree" -p main -m notes)
		git -C "$path" update-ref refs/heads/main "$commit"
	fi
done
echo "$repos repositories under $dir"
