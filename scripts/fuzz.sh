#!/usr/bin/env bash
# Runs nsfuzz (user-tests/fuzz/nsfuzz.c) on nsCore in QEMU and fails on a
# kernel panic, a soft lockup, a hang (the run's own timeout) or a failed
# health check. Each run prints its seeds; the same seed replays a run.
#
#   scripts/fuzz.sh ARCH SECONDS [SEED] [MODE]   (make fuzz ARCH=.. SECONDS=.. SEED=.. MODE=..)
#   scripts/fuzz.sh --test ARCH                  (make test's stage: fixed seeds + one fresh)
#
# A run fuzzes as root and then as uid 65534 (half the time each), in one
# boot. Logs: build/ARCH/fuzz-logs/.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

# run_fuzz ARCH LOG SECONDS SEED MODE: one boot; returns 0 when healthy.
run_fuzz() {
  local arch=$1 log=$2 seconds=$3 seed=$4 mode=$5
  local half=$(( seconds / 2 > 0 ? seconds / 2 : 1 ))
  local cmd="nsfuzz -m $mode -s $seed -t $half; echo nsfuzz-root-status=\$?; nsfuzz -m $mode -s $((seed + 1)) -t $half -u 65534; echo nsfuzz-user-status=\$?"
  NSCORE_APPEND=stackcheck NSCORE_CMD="$cmd" TIMEOUT=$(( seconds * 3 + 120 )) scripts/run.sh "$arch" > "$log" 2>&1
  local rc=$? why=""
  tr -d '\r' < "$log" | grep -q 'kernel panic' && why="kernel panic"
  tr -d '\r' < "$log" | grep -q 'watchdog: BUG: soft lockup' && why="${why:+$why, }soft lockup"
  grep -q 'run: timed out' "$log" && why="${why:+$why, }hang (timed out)"
  [ "$(tr -d '\r' < "$log" | grep -c '^nsfuzz: health ok')" = 2 ] || why="${why:+$why, }health check: $(tr -d '\r' < "$log" | grep '^nsfuzz: health' | tr '\n' ' ')"
  local kline used size
  kline=$(tr -d '\r' < "$log" | grep -a '^kstack: deepest use' | tail -n 1)
  if [ -n "$kline" ]; then
    used=$(echo "$kline" | awk '{print $4}') size=$(echo "$kline" | awk '{print $6}')
    [ $((used * 4)) -ge $((size * 3)) ] && why="${why:+$why, }kernel stack used $used of $size bytes"
  fi
  [ -z "$why" ] && [ "$rc" = 0 ] && return 0
  echo "fuzz $arch seed $seed mode $mode: ${why:-exit status $rc}; see $log"
  return 1
}

summary() {
  tr -d '\r' < "$1" | grep -aE '^nsfuzz: [0-9]+ calls|^kstack: ' | sed 's/^nsfuzz: //' | tr '\n' ';'
}

if [ "${1:-}" = --test ]; then
  ARCH=${2:-riscv64}
  LOGDIR=build/$ARCH/fuzz-logs
  mkdir -p "$LOGDIR"
  fresh=$(( $(date +%s%N) % 1000000007 ))
  echo "fuzz ($ARCH): fixed seeds 1 and 2, fresh seed $fresh"
  failed=0
  for spec in "1 all 20" "2 ns 20" "$fresh all 20"; do
    set -- $spec
    log=$LOGDIR/fuzz-$1-$2.log
    if run_fuzz "$ARCH" "$log" "$3" "$1" "$2"; then
      echo "ok   fuzz $ARCH seed $1 mode $2 ($3 s): $(summary "$log")"
    else
      echo "FAIL fuzz $ARCH seed $1 mode $2"
      failed=$((failed + 1))
    fi
  done
  [ $failed = 0 ]
  exit
fi

ARCH=${1:-riscv64} SECONDS_=${2:-60} SEED=${3:-$(( $(date +%s%N) % 1000000007 ))} MODE=${4:-all}
LOGDIR=build/$ARCH/fuzz-logs
mkdir -p "$LOGDIR"
log=$LOGDIR/fuzz-$SEED-$MODE.log
echo "fuzz: $ARCH, $SECONDS_ s, seed $SEED, mode $MODE (log: $log)"
if run_fuzz "$ARCH" "$log" "$SECONDS_" "$SEED" "$MODE"; then
  tr -d '\r' < "$log" | grep '^nsfuzz:'
  echo "fuzz: no panic, no hang, health ok"
else
  tr -d '\r' < "$log" | grep -E '^nsfuzz:|kernel panic|soft lockup' | head -20
  exit 1
fi
