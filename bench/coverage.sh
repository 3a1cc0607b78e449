#!/usr/bin/env bash
# bench/coverage.sh: time 'golden coverage' against 'go tool cover -func' on
# the same 1,000,000-line merged coverprofile of a generated Go module, and
# print the speed-up. The requirement is at least 2x.
#
# Usage: bench/coverage.sh [LINES] [RUNS]     (defaults 1000000 and 5)
# Env:   MIN_RATIO (default 2): exit 1 when the speed-up is below it.
set -euo pipefail

lines=${1:-1000000}
runs=${2:-5}
min_ratio=${MIN_RATIO:-2}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local

cd "$root"
go build -o "$work/golden" ./cmd/golden
go run ./coverage/internal/benchgen/cmd/benchgen -dir "$work/mod" -lines "$lines" >/dev/null
profile="$work/mod/cover.out"
echo "profile: $(wc -l <"$profile") lines, $(du -h "$profile" | cut -f1), $(find "$work/mod" -name '*.go' | wc -l) source files"

cd "$work/mod"
# Both must agree on the total before their speed is compared.
want=$(go tool cover -func="$profile" | awk '/^total:/ {print $NF}')
got=$("$work/golden" coverage --profile "$profile" --source . | awk '$1 == "total" {print $NF}')
if [[ "$want" != "$got" ]]; then
	echo "totals differ: go tool cover -func says $want, golden coverage says $got" >&2
	exit 1
fi
echo "total: $got (both)"

# time_ms CMD...: wall-clock milliseconds of the fastest of $runs runs.
time_ms() {
	local best=
	for ((i = 0; i < runs; i++)); do
		local start end ms
		start=$(date +%s%N)
		"$@" >/dev/null
		end=$(date +%s%N)
		ms=$(((end - start) / 1000000))
		if [[ -z "$best" || $ms -lt $best ]]; then best=$ms; fi
	done
	echo "$best"
}

golden_ms=$(time_ms "$work/golden" coverage --profile "$profile" --source .)
cover_ms=$(time_ms go tool cover -func="$profile")
ratio=$(awk -v a="$cover_ms" -v b="$golden_ms" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }')
echo "golden coverage:      ${golden_ms} ms (best of $runs)"
echo "go tool cover -func:  ${cover_ms} ms (best of $runs)"
echo "speed-up: ${ratio}x (required: ${min_ratio}x)"
awk -v r="$ratio" -v m="$min_ratio" 'BEGIN { exit !(r >= m) }' || {
	echo "golden coverage is less than ${min_ratio}x faster" >&2
	exit 1
}
