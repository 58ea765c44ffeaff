#!/usr/bin/env bash
# make bench: runs nsbench on nsCore and on Debian's Linux kernel, both in
# the same QEMU with the same rootfs, and prints them side by side.
# "boot-to-shell" is the host's wall time from starting QEMU until the
# init shell runs the command. Figures, not pass/fail.
#
#   scripts/bench.sh [ARCH]      (environment: BENCH_SCALE, default 1;
#                                 BENCH_RUNS, default 2)
set -uo pipefail
ARCH=${1:-riscv64}
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/$ARCH/bench-logs
mkdir -p "$OUT"
CMD="echo NSBENCH-BOOTED; nsbench ${BENCH_SCALE:-1}"

# run_one KIND LOG: runs the benchmark, appends "bench boot-to-shell 1 NS".
run_one() {
  local kind=$1 log=$2 start
  start=$(date +%s%N)
  local flag=()
  [ "$kind" = linux ] && flag=(--linux)
  NSCORE_CMD="$CMD" LOG=warn TIMEOUT=900 "$TOP/scripts/run.sh" "${flag[@]}" "$ARCH" 2>&1 |
    while IFS= read -r line; do
      line=${line%$'\r'}
      # The marker may follow the firmware's screen escapes on its line.
      if [[ "$line" == *NSBENCH-BOOTED ]]; then
        echo "bench boot-to-shell 1 $(( $(date +%s%N) - start ))"
      fi
      echo "$line"
    done > "$log"
  grep -q '^bench scale-1000-kib-kept' "$log" || { echo "bench: the $kind run did not finish; see $log" >&2; return 1; }
}

# The kernels take turns, BENCH_RUNS times each (default 2), and each
# figure is the best of its runs: a busy host slows a run, never speeds
# one up, so the minimum is the figure least disturbed by it.
RUNS=${BENCH_RUNS:-2}
for run in $(seq 1 "$RUNS"); do
  echo "bench: run $run of $RUNS on nsCore…" >&2
  run_one nscore "$OUT/nscore-$run.log" || exit 1
  echo "bench: run $run of $RUNS on Linux $(cat "$TOP/.cache/$ARCH/linux-kernel.version" 2>/dev/null)…" >&2
  run_one linux "$OUT/linux-$run.log" || exit 1
done

# best KIND NAME: the lowest figure of benchmark NAME over KIND's runs.
best() {
  cat "$OUT/$1"-*.log | awk -v n="$2" '$1 == "bench" && $2 == n && (min == "" || $4 + 0 < min + 0) { min = $4 } END { print min }'
}

printf '\n%-22s %14s %14s %9s\n' benchmark "nsCore ns/op" "Linux ns/op" ratio
printf '%-22s %14s %14s %9s\n' ---------------------- -------------- -------------- ---------
grep '^bench ' "$OUT/nscore-1.log" | while read -r _ name _ _; do
  ns=$(best nscore "$name")
  linux=$(best linux "$name")
  ratio=$(awk -v a="$ns" -v b="${linux:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  printf '%-22s %14s %14s %9s\n' "$name" "$ns" "${linux:--}" "$ratio"
done
echo
echo "ratio = nsCore / Linux (lower is better for nsCore), each the best of $RUNS runs; scale-*-kib-* lines are KiB, not ns."
echo "Logs: $OUT"
