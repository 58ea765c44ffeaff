#!/usr/bin/env bash
# Runs the guest stages of `make test` (boot tests, user tests on nsCore,
# scenarios, the comparison with Linux) N times and reports every check
# that failed in any run, with how often: the way to find a flaky test.
# Each run's log is kept in build/ARCH/test-repeat/run-I.log.
#
#   scripts/test-repeat.sh ARCH N      (make test-repeat [ARCH=..] N=..)
set -uo pipefail
ARCH=${1:-riscv64} N=${2:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
OUT=build/$ARCH/test-repeat
rm -rf "$OUT"
mkdir -p "$OUT"
green=0
for i in $(seq 1 "$N"); do
  start=$(date +%s)
  NSCORE_GUEST_ONLY=1 scripts/test.sh "$ARCH" > "$OUT/run-$i.log" 2>&1
  rc=$?
  [ $rc = 0 ] && green=$((green + 1))
  echo "run $i/$N: $(tail -n 1 "$OUT/run-$i.log") ($(( $(date +%s) - start )) s)"
done
echo
# Every FAIL line (stages print "FAIL name: why"; test programs' failed
# checks appear as "  [program] FAIL ..."), counted over the runs.
grep -h -E '^(FAIL |  \[[^]]*\] FAIL )' "$OUT"/run-*.log | sed -E 's/^  //' | sort | uniq -c | sort -rn > "$OUT/failures.txt"
if [ -s "$OUT/failures.txt" ]; then
  echo "checks that failed (count out of $N runs):"
  cat "$OUT/failures.txt"
else
  echo "no check failed in $N runs"
fi
echo "$green of $N runs green; logs in $OUT/"
[ "$green" = "$N" ]
