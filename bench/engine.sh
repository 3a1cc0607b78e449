#!/usr/bin/env bash
# bench/engine.sh: time 'golden ci' against the yardstick (bench/yardstick, a
# hand-written minimal pipeline doing golangci-lint, go test -race -cover,
# trivy fs and a go build onto distroless, with cache volumes) on the same
# Dagger engine, on a copy of a Go service, and print golden's time over the
# yardstick's:
#
#   cold             both run first on an engine whose cache was pruned
#   warm, no change  the same source again
#   warm, one line   after a one-line change of a Go file
#
# The targets (issue 7): one line <= 1.3x, no change <= 0.5 s for golden,
# cold <= 1.2x. The script prints the numbers and exits 1 when a target is
# missed, 0 otherwise; it needs an engine: without DAGGER_SESSION_PORT,
# _EXPERIMENTAL_DAGGER_RUNNER_HOST or a docker that answers, it says so and
# exits 0 ('make bench' runs it on machines without one).
#
# Usage: bench/engine.sh [SERVICE_DIR] [RUNS]   (default examples/go-service, 3)
# Env:   PRUNE=0 skips the cache prune before the cold runs (it needs the
#        dagger CLI: dagger core engine local-cache prune).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
service=${1:-examples/go-service}
runs=${2:-3}

if [ -z "${DAGGER_SESSION_PORT:-}${_EXPERIMENTAL_DAGGER_RUNNER_HOST:-}" ] && ! docker info >/dev/null 2>&1; then
	echo "bench/engine.sh: skipped: no Dagger engine here (set _EXPERIMENTAL_DAGGER_RUNNER_HOST or run Docker)"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOTOOLCHAIN=local
go build -o "$work/golden" ./cmd/golden
go build -o "$work/yardstick" ./bench/yardstick
cp -r "$service" "$work/svc"

now() { date +%s.%N; }
# time_of CMD...: seconds the command took (its output goes to the log).
time_of() {
	local t0 t1
	t0=$(now)
	"$@" >>"$work/log" 2>&1 || true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}
# The same work on both sides: golden's image scan has no counterpart in the
# yardstick.
golden() { time_of "$work/golden" ci --source "$work/svc" --result "$work/result.json" --platform local --skip scan-image; }
yard() { time_of "$work/yardstick" "$work/svc"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
touch_go() {
	f=$(ls "$work"/svc/*.go | grep -v _test | head -n 1)
	printf '\n// bench: %s\n' "$(now)" >>"$f"
}

if [ "${PRUNE:-1}" = 1 ] && command -v dagger >/dev/null; then
	dagger core engine local-cache prune >/dev/null 2>&1 || echo "bench/engine.sh: could not prune the engine's cache: 'cold' is warm-ish"
fi
cold_g=$(golden)
cold_y=$(yard)

warm_g=(); warm_y=(); line_g=(); line_y=()
for _ in $(seq "$runs"); do
	warm_g+=("$(golden)"); warm_y+=("$(yard)")
	touch_go; line_g+=("$(golden)")
	touch_go; line_y+=("$(yard)")
done
mg=$(printf '%s\n' "${warm_g[@]}" | median); my=$(printf '%s\n' "${warm_y[@]}" | median)
lg=$(printf '%s\n' "${line_g[@]}" | median); ly=$(printf '%s\n' "${line_y[@]}" | median)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }
fail=0
check() { # name value limit
	if awk -v v="$2" -v l="$3" 'BEGIN {exit !(v > l)}'; then echo "  MISSED: $1 $2 > $3"; fail=1; fi
}
printf 'golden ci vs yardstick on %s (%s runs, medians; seconds)\n' "$service" "$runs"
printf '  cold             golden %6.1f  yardstick %6.1f  ratio %s\n' "$cold_g" "$cold_y" "$(ratio "$cold_g" "$cold_y")"
printf '  warm, no change  golden %6.1f  yardstick %6.1f  ratio %s\n' "$mg" "$my" "$(ratio "$mg" "$my")"
printf '  warm, one line   golden %6.1f  yardstick %6.1f  ratio %s\n' "$lg" "$ly" "$(ratio "$lg" "$ly")"
check "cold ratio" "$(ratio "$cold_g" "$cold_y")" 1.2
check "warm no-change seconds" "$mg" 0.5
check "warm one-line ratio" "$(ratio "$lg" "$ly")" 1.3
exit "$fail"
