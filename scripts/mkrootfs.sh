#!/usr/bin/env bash
# Builds the root file system for ARCH: busybox with its applet links, the
# compiled user tests, a few /etc files; packs it as a cpio newc initramfs.
#
#   scripts/mkrootfs.sh ARCH TESTS_DIR OUT_DIR OUT_CPIO
set -euo pipefail
ARCH=$1 TESTS=$2 OUT=$3 CPIO=$4
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUSYBOX=$TOP/.cache/$ARCH/busybox
[ -x "$BUSYBOX" ] || { echo "mkrootfs: $BUSYBOX is missing: run scripts/setup.sh $ARCH" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root,mnt,usr/tests}
chmod 1777 "$OUT/tmp"
cp "$BUSYBOX" "$OUT/bin/busybox"

# One link per applet, where busybox itself says it belongs.
case "$ARCH" in
  riscv64) run_bb() { qemu-riscv64 "$BUSYBOX" "$@"; } ;;
  x86_64) run_bb() { "$BUSYBOX" "$@"; } ;;
esac
run_bb --list-full | while read -r path; do
  [ "$path" = bin/busybox ] && continue
  mkdir -p "$OUT/$(dirname "$path")"
  rel=$(dirname "$path" | sed 's|[^/]*|..|g')
  ln -sf "$rel/bin/busybox" "$OUT/$path"
done

cat > "$OUT/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$OUT/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo nscore > "$OUT/etc/hostname"
# Files kept in the repository (the init script).
cp -r "$TOP/rootfs-files/." "$OUT/"

if [ -d "$TESTS" ]; then
  cp -r "$TESTS"/. "$OUT/usr/tests/"
  rm -f "$OUT/usr/tests/.stamp"
fi
# Benchmarks (built beside the tests) go on the PATH.
if [ -d "$TESTS/../bench" ]; then
  cp "$TESTS"/../bench/* "$OUT/usr/bin/"
fi

mkdir -p "$(dirname "$CPIO")"
(cd "$OUT" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) > "$CPIO"
echo "mkrootfs: $CPIO ($(du -h "$CPIO" | cut -f1), $(find "$OUT" | wc -l) entries)"
