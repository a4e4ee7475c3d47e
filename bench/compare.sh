#!/bin/sh
# compare.sh compares the benchmarks of two commits with benchstat.
#
#   bench/compare.sh OLD NEW [PATTERN [COUNT]]
#
# OLD and NEW are anything git names a commit by (main, HEAD, a hash).
# PATTERN is a go test -bench pattern (default: calls and the server path on
# the embedded bus, which need no broker); COUNT the runs of each (default
# 8). Each commit is checked out into a temporary git worktree and the two
# are run in turns, one run each at a time, so that a machine whose load
# drifts (the broker, other work) weighs on both alike. Needs benchstat:
#   go install golang.org/x/perf/cmd/benchstat@latest
set -eu
old=$1
new=$2
pattern=${3:-'^Benchmark(Call|CallServer|ServerPath)$/memory/'}
count=${4:-8}
benchstat=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
dir=$(mktemp -d)
cleanup() {
	git worktree remove --force "$dir/old" 2>/dev/null || true
	git worktree remove --force "$dir/new" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
git worktree add --detach -q "$dir/old" "$old"
git worktree add --detach -q "$dir/new" "$new"
i=0
while [ "$i" -lt "$count" ]; do
	for side in old new; do
		(cd "$dir/$side" && go test -run '^$' -bench "$pattern" -count 1 ./bench) >>"$dir/$side.txt"
	done
	i=$((i + 1))
done
"$benchstat" "old=$dir/old.txt" "new=$dir/new.txt"
