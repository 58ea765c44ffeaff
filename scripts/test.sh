#!/usr/bin/env bash
# Runs every nsCore test and prints one summary line, "N passed, N failed".
#
#   scripts/test.sh [ARCH]          (make test calls this after setup)
#
# 1. Host unit tests: `cargo test` of linux-object and linux-syscall.
# 2. User tests on the host's Linux: the C tests in user-tests/, built for
#    x86_64-musl and run natively; this proves the tests themselves right.
# 3. QEMU boot tests: the kernel boots, prints its banner, memory map and the
#    initramfs, and powers off with the right status; bad input (no initrd, a
#    corrupt initrd, a panic) ends the way it should.
# 4. The same user tests on nsCore in QEMU; busybox scenarios.
# 5. Namespace scenarios on nsCore and on Debian's Linux, outputs compared.
# 6. The syscall fuzzer (scripts/fuzz.sh --test): no panic, hang or failed
#    health check.
# 7. On a riscv64 run, the user tests and the fuzzer on nsCore x86_64 too,
#    in the background beside stages 3-6 (2 cores: one QEMU each).
set -uo pipefail
ARCH=${1:-riscv64}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOGDIR=build/$ARCH/test-logs
mkdir -p "$LOGDIR"

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

# check_stack LOG WHERE: a boot with `stackcheck` prints the deepest
# kernel-stack use at power-off; it must stay under three quarters of the
# stack (kernel/src/task/mod.rs explains the size).
check_stack() {
  local line used size
  line=$(tr -d '\r' < "$1" | grep -a '^kstack: deepest use' | tail -n 1)
  if [ -z "$line" ]; then fail "kernel stack depth ($2)" "no kstack line in $1"; return; fi
  used=$(echo "$line" | awk '{print $4}') size=$(echo "$line" | awk '{print $6}')
  if [ $((used * 4)) -lt $((size * 3)) ]; then
    pass "kernel stack depth ($2): $used of $size bytes"
  else
    fail "kernel stack depth ($2)" "$used of $size bytes, over three quarters"
  fi
}

# Adds the counts of a "N passed, N failed" line (or cargo's summary) in $1.
count_summary() {
  local line p f
  while read -r line; do
    p=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p; s/^\([0-9][0-9]*\) passed.*/\1/p' | head -n 1)
    f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p' | head -n 1)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  done < <(grep -E '^(test result: .*|[0-9]+ passed, [0-9]+ failed.*)$' "$1")
}

# NSCORE_GUEST_ONLY=1 (make test-repeat) skips the two host stages.
if [ "${NSCORE_GUEST_ONLY:-0}" != 1 ]; then
echo "== host unit tests (cargo test)"
cargo test --workspace --exclude nscore-kernel > "$LOGDIR/cargo-test.log" 2>&1
rc=$?
grep -E '^(test result|error|failures:|---- )' "$LOGDIR/cargo-test.log"
if [ $rc != 0 ] && ! grep -q '^test result' "$LOGDIR/cargo-test.log"; then
  fail "cargo test" "did not build; see $LOGDIR/cargo-test.log"
  tail -n 20 "$LOGDIR/cargo-test.log"
fi
count_summary "$LOGDIR/cargo-test.log"
fi

# count_programs LOG WHERE: LOG holds "== NAME" … summary … "== exit N"
# blocks (nscore-run-tests' format); adds their counts and flags programs
# that crashed or printed no summary.
count_programs() {
  local log=$1 where=$2 name="" summary="" line
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in
      "== exit "*)
        local rc=${line#== exit }
        if [ -z "$summary" ]; then
          fail "$name ($where)" "no summary line, exit status $rc"
        else
          echo "$name ($where): $summary"
          case "$rc:$summary" in
            0:*) ;;
            *", 0 failed") fail "$name ($where)" "exit status $rc although every check passed" ;;
          esac
        fi
        name="" summary="" ;;
      "== "*) name=${line#== } summary="" ;;
      FAIL*) echo "  [$name] $line" ;;
      *" passed, "*" failed") summary=$line
        local p=${line%% passed*} f=${line#*passed, }
        f=${f%% failed*}
        passed=$((passed + p)); failed=$((failed + f)) ;;
    esac
  done < "$log"
}

echo "== user tests on the host's Linux (reference)"
if [ "${NSCORE_GUEST_ONLY:-0}" = 1 ]; then
  echo "(skipped: NSCORE_GUEST_ONLY=1)"
elif [ "$(uname -m)" != x86_64 ]; then
  fail "host user tests" "the reference run needs an x86_64 host"
elif ! make --no-print-directory build/x86_64/user-tests/.stamp > "$LOGDIR/user-tests-build.log" 2>&1; then
  fail "build user tests (x86_64)" "see $LOGDIR/user-tests-build.log"
else
  # The same runner nsCore uses, here with the host's sh and the x86_64 build.
  (cd build/x86_64/user-tests && for t in $(find . -type f -perm -u+x | sed 's|^\./||' | sort); do
     echo "== $t"
     case "$t" in *.sh) timeout 120 sh "./$t" ;; *) timeout 120 "./$t" ;; esac
     echo "== exit $?"
   done) > "$LOGDIR/host-user-tests.log" 2>&1
  count_programs "$LOGDIR/host-user-tests.log" host
fi

# fuzz_stage ARCH: the syscall fuzzer, fixed seeds plus a fresh one
# (scripts/fuzz.sh --test); its "ok …"/"FAIL …" lines count.
fuzz_stage() {
  local arch=$1 log=build/$1/test-logs/fuzz.log line
  mkdir -p "build/$arch/test-logs"
  scripts/fuzz.sh --test "$arch" > "$log" 2>&1
  while IFS= read -r line; do
    case "$line" in
      "ok   fuzz "*) pass "${line#ok   }" ;;
      "FAIL fuzz "*) fail "${line#FAIL }" ;;
      "fuzz "*) echo "$line" ;;
    esac
  done < "$log"
  grep -q '^ok   fuzz \|^FAIL fuzz ' "$log" || fail "fuzz ($arch)" "no run finished; see $log"
}

# x86_64_stages: a riscv64 run also boots x86_64 and runs the user tests
# and the fuzzer there, so both architectures stay working (`make test
# ARCH=x86_64` runs everything on it). It runs in the background, beside
# the riscv64 stages (one QEMU per core), with its own counts, printed
# last as "x86_64 stages: N passed, N failed".
x86_64_stages() {
  passed=0 failed=0
  echo "== x86_64: the user tests on nsCore"
  if ! scripts/setup.sh x86_64 > "$LOGDIR/x86_64-setup.log" 2>&1; then
    fail "setup for x86_64" "see $LOGDIR/x86_64-setup.log"
  elif ! make --no-print-directory kernel rootfs ARCH=x86_64 > "$LOGDIR/x86_64-build.log" 2>&1; then
    fail "build for x86_64" "see $LOGDIR/x86_64-build.log"
  else
    NSCORE_APPEND=stackcheck NSCORE_CMD='nscore-run-tests' TIMEOUT=1200 scripts/run.sh x86_64 > "$LOGDIR/nscore-x86_64-user-tests.log" 2>&1
    rc=$?
    check_stack "$LOGDIR/nscore-x86_64-user-tests.log" "x86_64 user tests"
    if grep -q '^== exit' "$LOGDIR/nscore-x86_64-user-tests.log"; then
      count_programs "$LOGDIR/nscore-x86_64-user-tests.log" "nsCore x86_64"
    else
      fail "user tests on nsCore x86_64" "no test ran (run.sh status $rc); see $LOGDIR/nscore-x86_64-user-tests.log"
    fi
    grep -q 'kernel panic' "$LOGDIR/nscore-x86_64-user-tests.log" && fail "user tests on nsCore x86_64" "the kernel panicked"
    echo "== x86_64: the syscall fuzzer on nsCore"
    fuzz_stage x86_64
  fi
  echo "x86_64 stages: $passed passed, $failed failed"
}

echo "== QEMU boot tests ($ARCH)"
case "$ARCH" in
  riscv64)
    QEMU_BOOT=(qemu-system-riscv64 -machine virt -bios default)
    KERNEL=target/riscv64gc-unknown-none-elf/release/nscore
    RAM_LINE='^  ram +0x0080000000\.\.0x00a0000000 \(512 MiB\)' ;;
  x86_64)
    QEMU_BOOT=(qemu-system-x86_64 -machine pc -cpu qemu64 -device isa-debug-exit,iobase=0xf4,iosize=0x04)
    KERNEL=target/x86_64-unknown-none/release/nscore
    RAM_LINE='^  ram +0x0000100000\.\.0x001ffe0000 \(510 MiB\)' ;;
esac
if ! make --no-print-directory kernel rootfs ARCH="$ARCH" > "$LOGDIR/build.log" 2>&1; then
  fail "build kernel and rootfs" "see $LOGDIR/build.log"
  tail -n 20 "$LOGDIR/build.log"
else
  if [ "$ARCH" = riscv64 ]; then
    # The user's FP registers stay in the CPU across traps (arch/riscv64/
    # user.rs), which is only right while no other kernel code uses them.
    OBJDUMP=$(command -v llvm-objdump || ls "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-objdump 2>/dev/null | head -n 1)
    fp_users=$("${OBJDUMP:-llvm-objdump}" -d --no-show-raw-insn "$KERNEL" 2>/dev/null |
      awk '/^[0-9a-f]+ <.*>:$/ {fn = $2} /\t(f[a-z]+\.[a-z.]+|fld|fsd|flw|fsw|fsrm|frrm|fscsr|frcsr|fsflags|frflags)\t/ && !/\tfence/ {print fn}' |
      sort -u | grep -v '^<fp_save>:$\|^<fp_restore>:$' | tr '\n' ' ')
    if [ -z "$OBJDUMP" ]; then
      fail "kernel FP use" "llvm-objdump is missing"
    elif [ -n "$fp_users" ]; then
      fail "kernel FP use" "FP instructions outside fp_save/fp_restore: $fp_users"
    else
      pass "kernel FP use: FP instructions only in fp_save and fp_restore"
    fi
    x86_64_stages > "$LOGDIR/x86_64-stages.out" 2>&1 &
    X86_64_PID=$!
  fi
  INITRD=build/$ARCH/initramfs.cpio
  # boot NAME EXPECTED_STATUS APPEND [INITRD|-]: boots once, output in $LOGDIR/boot-NAME.log.
  boot() {
    local name=$1 want=$2 append=$3 initrd=${4:-$INITRD} args=()
    [ "$initrd" = - ] || args=(-initrd "$initrd")
    timeout 120 "${QEMU_BOOT[@]}" -m "${BOOT_MEM:-512M}" -smp 1 -nographic -no-reboot \
      -kernel "$KERNEL" "${args[@]}" -append "$append" < /dev/null > "$LOGDIR/boot-$name.log" 2>&1
    local rc=$?
    # x86_64 leaves through isa-debug-exit: status v is (v << 1) | 1.
    if [ "$ARCH" = x86_64 ] && [ $((rc % 2)) = 1 ] && [ $rc -gt 1 ] && [ $rc -lt 256 ]; then rc=$(((rc - 1) / 2)); fi
    if [ "$rc" = "$want" ]; then pass "boot $name: exit status $rc"; else fail "boot $name" "exit status $rc, expected $want"; fi
  }
  # expect NAME REGEX WHAT: the boot log of NAME must contain REGEX.
  expect() {
    if grep -qE "$2" "$LOGDIR/boot-$1.log"; then pass "boot $1: $3"; else fail "boot $1" "no line matching '$2' ($3)"; fi
  }
  reject() {
    if grep -qE "$2" "$LOGDIR/boot-$1.log"; then fail "boot $1" "unexpected line matching '$2' ($3)"; else pass "boot $1: $3"; fi
  }

  boot normal 0 "LOG=debug"
  expect normal "^nsCore [0-9.]+ \\($ARCH\\)" "banner with version"
  expect normal "$RAM_LINE" "memory map from the firmware"
  expect normal 'memory: kernel page table active' "kernel page table"
  expect normal 'selfcheck: timer interrupts arrive' "timer interrupts"
  expect normal 'selfcheck: heap grew' "heap grows into frames"
  expect normal 'selfcheck: 30000 namespaces created and freed, heap unchanged' "namespaces do not leak"
  expect normal 'initrd: - 755 +[0-9]+ /bin/busybox' "initramfs lists /bin/busybox"
  expect normal 'initrd: l 777 +[0-9]+ /bin/sh' "initramfs lists the /bin/sh link"
  expect normal 'initrd: [0-9]+ members' "initramfs summary"
  reject normal 'panic' "no panic"

  boot quiet 0 "LOG=warn"
  reject quiet 'initrd: [0-9]+ members' "LOG=warn hides info lines"

  boot panic 101 "selftest=panic"
  expect panic '^kernel panic at kernel/src/main.rs:[0-9]+: selftest=panic' "panic prints location and message"

  # The soft-lockup watchdog: a kernel loop that never yields is reported
  # with the task and a backtrace, then panics (exit status 101).
  boot lockup 101 "selftest=lockup watchdog_thresh=2"
  expect lockup 'watchdog: BUG: soft lockup' "the watchdog reports a stuck kernel"
  expect lockup 'backtrace' "with a kernel backtrace"

  # Large memories: the kernel maps all RAM the frame allocator uses.
  for mem in 2G 4G; do
    BOOT_MEM=$mem boot "mem-$mem" 0 "LOG=info"
    expect "mem-$mem" 'memory: kernel page table active' "$mem: kernel page table"
    reject "mem-$mem" 'kernel panic' "$mem: no panic"
  done

  boot no-initrd 0 "LOG=info" -
  expect no-initrd 'initrd: the boot loader passed no initramfs' "missing initramfs is a log line"
  reject no-initrd 'kernel panic' "missing initramfs does not panic"

  head -c 4096 "$INITRD" > "$LOGDIR/truncated.cpio"
  printf 'garbage' >> "$LOGDIR/truncated.cpio"
  boot bad-initrd 0 "LOG=info" "$LOGDIR/truncated.cpio"
  expect bad-initrd 'initrd: malformed archive' "malformed initramfs is a log line"
  reject bad-initrd 'kernel panic' "malformed initramfs does not panic"

  echo "== user tests on nsCore ($ARCH)"
  NSCORE_APPEND=stackcheck NSCORE_CMD='nscore-run-tests' TIMEOUT=1200 scripts/run.sh "$ARCH" > "$LOGDIR/nscore-user-tests.log" 2>&1
  rc=$?
  check_stack "$LOGDIR/nscore-user-tests.log" "$ARCH user tests"
  if grep -q '^== exit' "$LOGDIR/nscore-user-tests.log"; then
    count_programs "$LOGDIR/nscore-user-tests.log" nsCore
  else
    fail "user tests on nsCore" "no test ran (run.sh status $rc); see $LOGDIR/nscore-user-tests.log"
  fi
  grep -q 'kernel panic' "$LOGDIR/nscore-user-tests.log" && fail "user tests on nsCore" "the kernel panicked"

  echo "== busybox scenarios on nsCore ($ARCH)"
  # scenario NAME STATUS CMD REGEX...: runs CMD as `make run CMD=...` does.
  scenario() {
    local name=$1 want=$2 cmd=$3 log="$LOGDIR/scenario-$1.log"
    shift 3
    NSCORE_CMD="$cmd" TIMEOUT=300 scripts/run.sh "$ARCH" > "$log" 2>&1
    local rc=$?
    if [ "$rc" = "$want" ]; then pass "$name: exit status $rc"; else fail "$name" "exit status $rc, expected $want"; fi
    for regex in "$@"; do
      if grep -qE "$regex" "$log"; then pass "$name: output matches '$regex'"; else fail "$name" "no line matching '$regex'"; fi
    done
  }
  scenario ps-proc-meminfo 0 'ps; ls /proc/self/; cat /proc/meminfo | head -3' \
    '^PID +USER +(TIME +)?COMMAND' '^ +1 root .*init' '(^| )cmdline( |$)' '(^| )mountinfo( |$)' '^MemTotal: +[0-9]+ kB' '^MemFree: +[0-9]+ kB'
  scenario exit-status 3 'echo before; exit 3' '^before'
  scenario out-of-memory 0 'hog mem 700; echo status=$?; echo still-alive' 'out of memory: killing pid' '^status=137' '^still-alive'
  scenario mount-and-uptime 0 'mount; uptime; free' '^proc on /proc type proc' '^tmpfs on /tmp type tmpfs' 'load average' '^Mem:'

  echo "== namespace scenarios: nsCore against the reference Linux ($ARCH)"
  # same_as_linux NAME CMD REGEX...: runs CMD on nsCore and on Debian's
  # Linux in the same QEMU; the output between the markers must be the same
  # on both once namespace inode numbers are blanked, and match each REGEX.
  same_as_linux() {
    local name=$1 cmd=$2 out
    shift 2
    for kernel in nscore linux; do
      local flag=""; [ $kernel = linux ] && flag=--linux
      NSCORE_CMD="echo ==begin; $cmd; echo ==end" TIMEOUT=300 scripts/run.sh $flag "$ARCH" > "$LOGDIR/ns-$name-$kernel.log" 2>&1
      # CRs and terminal escapes go first; the marker may follow the
      # firmware's last line.
      tr -d '\r' < "$LOGDIR/ns-$name-$kernel.log" | sed -E 's/\x1b(\[[0-9;?]*[A-Za-z]|c)//g' \
        | sed -n '/==begin$/,/^==end$/p' | sed 's/.*==begin$/==begin/' \
        | sed -E 's/:\[[0-9]+\]/:[N]/g' > "$LOGDIR/ns-$name-$kernel.out"
    done
    out="$LOGDIR/ns-$name-nscore.out"
    if [ ! -s "$out" ]; then
      fail "$name" "no output on nsCore; see $LOGDIR/ns-$name-nscore.log"
    elif [ ! -s "$LOGDIR/ns-$name-linux.out" ]; then
      fail "$name" "no output on Linux; see $LOGDIR/ns-$name-linux.log"
    elif diff -u "$LOGDIR/ns-$name-linux.out" "$out" > "$LOGDIR/ns-$name.diff"; then
      pass "$name: same output as Linux"
    else
      fail "$name" "output differs from Linux:"; cat "$LOGDIR/ns-$name.diff"
    fi
    for regex in "$@"; do
      if grep -qE "$regex" "$out"; then pass "$name: output matches '$regex'"; else fail "$name" "no line matching '$regex'"; fi
    done
  }
  same_as_linux unshare-uts-pid "unshare -u -p -f --mount-proc sh -c 'hostname box; hostname; ps'; hostname" \
    '^box$' '^ +1 root +\{ps\} sh -c hostname box' '^nscore$'
  same_as_linux nsenter "unshare -u -p -f sh -c 'hostname inner; exec sleep 30' & sleep 1; \
nsenter -t \$(pidof sleep) -u -p sh -c 'hostname; echo pid=\$\$; readlink /proc/self/ns/pid | cut -c1-5'; kill %1; hostname" \
    '^inner$' '^pid=[23]$' '^pid:\[$' '^nscore$'
  # An interactive shell in a new PID namespace asks the terminal for job
  # control with numbers from its own namespace; without a controlling
  # terminal both kernels refuse (ENOTTY) the same way.
  same_as_linux shell-in-pid-ns "unshare -u -p -f --mount-proc sh -i -c 'hostname inside; hostname; echo pid=\$\$' < /dev/console 2>&1" \
    '^inside$' '^pid=1$' 'job control turned off'
  # A namespace kept by a bind mount of its nsfs file outlives its process.
  same_as_linux persistent-uts 'touch /tmp/uts; unshare --uts=/tmp/uts hostname kept; nsenter --uts=/tmp/uts hostname; hostname; umount /tmp/uts; nsenter --uts=/tmp/uts hostname 2>&1 | cut -d: -f1-2' \
    '^kept$' '^nscore$'
  same_as_linux initial-ns 'for f in uts pid mnt time; do readlink /proc/self/ns/$f; done; ls /proc/self/ns' \
    '^uts:\[N\]$' '^pid:\[N\]$'
  if tr -d '\r' < "$LOGDIR/ns-initial-ns-nscore.log" | grep -q '^uts:\[4026531838\]$'; then
    pass "initial-ns: the initial UTS namespace is uts:[4026531838], as on Linux"
  else
    fail "initial-ns" "no uts:[4026531838] line on nsCore"
  fi
fi

if [ -f "build/$ARCH/initramfs.cpio" ]; then
  echo "== the syscall fuzzer on nsCore ($ARCH)"
  fuzz_stage "$ARCH"
fi

if [ -n "${X86_64_PID:-}" ]; then
  wait "$X86_64_PID"
  grep -v '^x86_64 stages: ' "$LOGDIR/x86_64-stages.out"
  line=$(grep '^x86_64 stages: ' "$LOGDIR/x86_64-stages.out" | tail -n 1)
  if [ -z "$line" ]; then
    fail "x86_64 stages" "did not finish; see $LOGDIR/x86_64-stages.out"
  else
    p=${line#x86_64 stages: } p=${p%% passed*} f=${line#*passed, } f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
  fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
