#!/usr/bin/env bash
# Boots nsCore (or, with --linux, Debian's Linux kernel) on the initramfs in
# QEMU and exits with the status of the command that ran.
#
#   scripts/run.sh [--linux] ARCH
#
# Environment: NSCORE_CMD (a shell command to run instead of the interactive
# shell), LOG (nsCore's log level), MEM, QEMU_ARGS, TIMEOUT (seconds, for
# non-interactive runs).
#
# The command travels as a second cpio archive appended to the initramfs
# (/etc/nscore/cmd), so no quoting survives the kernel command line.
set -euo pipefail
LINUX=0
if [ "${1:-}" = --linux ]; then LINUX=1; shift; fi
ARCH=${1:-riscv64}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/build/$ARCH
INITRD=$BUILD/initramfs.cpio
MEM=${MEM:-512M}
LOG=${LOG:-warn}

case "$ARCH" in
  riscv64)
    QEMU=(qemu-system-riscv64 -machine virt -bios default)
    KERNEL=$TOP/target/riscv64gc-unknown-none-elf/release/nscore
    CONSOLE=ttyS0 ;;
  x86_64)
    # QEMU's pc machine boots the ELF through PVH; isa-debug-exit lets the
    # kernel exit with a status (see kernel/src/arch/x86_64/power.rs).
    QEMU=(qemu-system-x86_64 -machine pc -cpu qemu64 -device isa-debug-exit,iobase=0xf4,iosize=0x04)
    KERNEL=$TOP/target/x86_64-unknown-none/release/nscore
    CONSOLE=ttyS0 ;;
  *) echo "run: unsupported ARCH '$ARCH': use ARCH=riscv64 or ARCH=x86_64" >&2; exit 2 ;;
esac
# decode_status RC: QEMU's exit status as the kernel's. On x86_64 a status
# v != 0 leaves QEMU through isa-debug-exit as (v << 1) | 1.
decode_status() {
  local rc=$1
  if [ "$ARCH" = x86_64 ] && [ $LINUX = 0 ] && [ $((rc % 2)) = 1 ] && [ "$rc" -gt 1 ] && [ "$rc" -lt 256 ]; then
    echo $(((rc - 1) / 2))
  else
    echo "$rc"
  fi
}
if [ $LINUX = 1 ]; then
  KERNEL=$TOP/.cache/$ARCH/linux-kernel
  APPEND="console=$CONSOLE rdinit=/init panic=-1 quiet"
else
  # NSCORE_APPEND: more kernel command-line words (e.g. stackcheck).
  APPEND="LOG=$LOG init=/init${NSCORE_APPEND:+ $NSCORE_APPEND}"
fi
[ -f "$KERNEL" ] || { echo "run: $KERNEL is missing: run 'make kernel' (or 'make setup' for the Linux one)" >&2; exit 2; }
[ -f "$INITRD" ] || { echo "run: $INITRD is missing: run 'make rootfs'" >&2; exit 2; }

RUN_INITRD=$INITRD
if [ -n "${NSCORE_CMD:-}" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  mkdir -p "$dir/root/etc/nscore"
  printf '%s\n' "$NSCORE_CMD" > "$dir/root/etc/nscore/cmd"
  (cd "$dir/root" && find etc | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) > "$dir/cmd.cpio"
  cat "$INITRD" "$dir/cmd.cpio" > "$dir/initramfs.cpio"
  RUN_INITRD=$dir/initramfs.cpio
fi

args=("${QEMU[@]}" -m "$MEM" -smp 1 -nographic -no-reboot -kernel "$KERNEL" -initrd "$RUN_INITRD" -append "$APPEND")
# shellcheck disable=SC2206
args+=(${QEMU_ARGS:-})
if [ -n "${NSCORE_CMD:-}" ]; then
  set +e
  timeout "${TIMEOUT:-600}" "${args[@]}" < /dev/null
  status=$?
  set -e
  [ $status = 124 ] && echo "run: timed out after ${TIMEOUT:-600} s" >&2
  exit "$(decode_status $status)"
fi
set +e
"${args[@]}"
exit "$(decode_status $?)"
