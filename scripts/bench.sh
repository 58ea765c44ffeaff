#!/usr/bin/env bash
# make bench: runs nsbench on nsCore and on Debian's Linux kernel, both in
# the same QEMU with the same rootfs, and prints them side by side.
# "boot-to-shell" is the host's wall time from starting QEMU until the
# init shell runs the command. Figures, not pass/fail.
#
#   scripts/bench.sh [ARCH]      (environment: BENCH_SCALE, default 1)
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

echo "bench: running on nsCore…" >&2
run_one nscore "$OUT/nscore.log" || exit 1
echo "bench: running on Linux $(cat "$TOP/.cache/$ARCH/linux-kernel.version" 2>/dev/null)…" >&2
run_one linux "$OUT/linux.log" || exit 1

printf '\n%-22s %14s %14s %9s\n' benchmark "nsCore ns/op" "Linux ns/op" ratio
printf '%-22s %14s %14s %9s\n' ---------------------- -------------- -------------- ---------
grep '^bench ' "$OUT/nscore.log" | while read -r _ name _ ns; do
  linux=$(awk -v n="$name" '$1 == "bench" && $2 == n { print $4 }' "$OUT/linux.log")
  ratio=$(awk -v a="$ns" -v b="${linux:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  printf '%-22s %14s %14s %9s\n' "$name" "$ns" "${linux:--}" "$ratio"
done
echo
echo "ratio = nsCore / Linux (lower is better for nsCore); scale-*-kib-* lines are KiB, not ns."
echo "Logs: $OUT"
