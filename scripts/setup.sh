#!/usr/bin/env bash
# One-command, idempotent setup for nsCore: installs what is missing, does
# nothing when everything is there. `make run` and `make test` call it.
#
#   scripts/setup.sh [riscv64|x86_64]
#
# What it provides:
#   - the Rust toolchain pinned in rust-toolchain.toml (rustup);
#   - QEMU >= 8 for riscv64 and x86_64, plus qemu-user (for `qemu-riscv64 -strace`),
#     from bookworm-backports;
#   - zig from PyPI, our musl C cross compiler (`python3 -m ziglang cc`);
#   - cpio, to pack the initramfs;
#   - Debian's static busybox for the target architecture (riscv64 from trixie,
#     amd64 from bookworm), unpacked under .cache/;
#   - Debian's Linux kernel for the target (the reference for `make run-linux`).
#
# Debian packages are fetched through a private apt state under .cache/apt/,
# built from the mirror the machine's own apt configuration names: the
# machine's sources are read, never changed.
set -euo pipefail

ARCH=${1:-riscv64}
TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NSCORE_CACHE:-$TOP/.cache}
ZIG_VERSION=0.17.1

die() { echo "setup: $*" >&2; exit 1; }
note() { echo "setup: $*" >&2; }

case "$ARCH" in
  riscv64) DEB_ARCH=riscv64; SUITE=trixie ;;
  x86_64) DEB_ARCH=amd64; SUITE=bookworm ;;
  *) die "unsupported ARCH '$ARCH': use ARCH=riscv64 or ARCH=x86_64" ;;
esac

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 is missing and installing it needs root: run 'sudo $0 $ARCH' once"
}

# ---------------------------------------------------------------- Debian mirror
# The first Debian archive URI in the machine's apt configuration (deb822
# *.sources files or one-line sources.list entries), security archives aside.
debian_mirror() {
  local files=() f uri
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 1
  uri=$( { awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "${files[@]}"
           awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; break } }' "${files[@]}"
         } 2>/dev/null | grep -E '/debian/?$' | grep -v security | head -n 1)
  [ -n "$uri" ] || return 1
  echo "${uri%/}"
}

# apt_private NAME ARCH SUITES...: a private apt state for downloads, so the
# machine's sources are never touched. Prints the apt options to use.
apt_private() {
  local name=$1 arch=$2; shift 2
  local dir=$CACHE/apt/$name mirror suite
  mirror=$(debian_mirror) || die "no Debian mirror in /etc/apt/sources.list{,.d}: add one, or install the packages by hand"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc"
  : > "$dir/etc/sources.list"
  for suite in "$@"; do
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >> "$dir/etc/sources.list"
  done
  local opts="-o Dir::Etc::SourceList=$dir/etc/sources.list -o Dir::Etc::SourceParts=/nonexistent"
  opts+=" -o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir/cache -o APT::Sandbox::User=root"
  if [ "$arch" != host ]; then
    opts+=" -o APT::Architecture=$arch -o APT::Architectures::=$arch -o Dir::State::status=/dev/null"
  fi
  # Refresh the index at most once a day.
  if [ -z "$(find "$dir/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    # shellcheck disable=SC2086
    apt-get $opts -q update >&2 || die "apt-get update for $* failed (mirror $mirror): check the network and retry"
  fi
  echo "$opts"
}

# fetch_deb NAME ARCH SUITE PACKAGE DEST: downloads PACKAGE and unpacks it into DEST.
fetch_deb() {
  local name=$1 arch=$2 suite=$3 pkg=$4 dest=$5 opts
  opts=$(apt_private "$name" "$arch" "$suite")
  local tmp; tmp=$(mktemp -d)
  # shellcheck disable=SC2086
  (cd "$tmp" && apt-get $opts -q download "$pkg" >&2) || { rm -rf "$tmp"; die "could not download $pkg ($arch, $suite)"; }
  mkdir -p "$dest"
  dpkg-deb -x "$tmp"/*.deb "$dest" || { rm -rf "$tmp"; die "could not unpack $pkg"; }
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- Rust
setup_rust() {
  command -v rustup >/dev/null || die "rustup is missing: install it (https is not needed here: see your distribution's rustup package)"
  local channel
  channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$TOP/rust-toolchain.toml")
  local targets
  targets=$(rustup target list --installed --toolchain "$channel" 2>/dev/null || true)
  if echo "$targets" | grep -q riscv64gc-unknown-none-elf && echo "$targets" | grep -q x86_64-unknown-none \
     && rustup component list --installed --toolchain "$channel" 2>/dev/null | grep -q rust-src; then
    return
  fi
  note "installing Rust $channel"
  rustup toolchain install "$channel" --profile minimal -c rust-src -c llvm-tools \
    -t riscv64gc-unknown-none-elf -t x86_64-unknown-none >&2 || die "rustup could not install $channel"
}

# ---------------------------------------------------------------- QEMU
qemu_major() {
  "$1" --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'
}

setup_qemu() {
  local ok=1 q
  for q in qemu-system-riscv64 qemu-system-x86_64 qemu-riscv64; do
    local v; v=$(qemu_major "$q" || true)
    if ! command -v "$q" >/dev/null; then ok=0; elif [ "$q" != qemu-riscv64 ] && [ "${v:-0}" -lt 8 ]; then ok=0; fi
  done
  [ -f /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ] || ok=0
  [ $ok = 1 ] && return
  need_root "QEMU >= 8"
  note "installing QEMU from bookworm-backports"
  local opts
  opts=$(apt_private host-backports host bookworm bookworm-updates bookworm-backports)
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get $opts -q -y install --no-install-recommends \
    -t bookworm-backports qemu-system-misc qemu-system-x86 qemu-user opensbi >&2 \
    || die "could not install QEMU from bookworm-backports; install qemu-system-misc, qemu-system-x86 (>= 8) by hand"
}

# ---------------------------------------------------------------- host tools
setup_host_tools() {
  local missing=()
  command -v cpio >/dev/null || missing+=(cpio)
  command -v dpkg-deb >/dev/null || missing+=(dpkg)
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
  [ ${#missing[@]} = 0 ] && return
  need_root "${missing[*]}"
  note "installing ${missing[*]}"
  # Through the private apt state, which refreshes its own package lists
  # (a fresh machine may have none).
  local opts
  opts=$(apt_private host-backports host bookworm bookworm-updates bookworm-backports)
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get $opts -q -y install --no-install-recommends "${missing[@]}" >&2 \
    || die "could not install ${missing[*]} with apt-get"
}

setup_zig() {
  if python3 -c 'import ziglang' 2>/dev/null; then return; fi
  command -v python3 >/dev/null || die "python3 is missing: apt-get install python3 python3-pip"
  note "installing zig $ZIG_VERSION from PyPI (the musl cross compiler)"
  python3 -m pip install -q "ziglang==$ZIG_VERSION" >&2 \
    || python3 -m pip install -q --break-system-packages "ziglang==$ZIG_VERSION" >&2 \
    || die "pip could not install ziglang; run: python3 -m pip install ziglang==$ZIG_VERSION"
}

# ---------------------------------------------------------------- target files
setup_busybox() {
  local out=$CACHE/$ARCH/busybox
  [ -x "$out" ] && return
  note "fetching busybox-static:$DEB_ARCH from Debian $SUITE"
  local tmp=$CACHE/$ARCH/busybox-deb
  rm -rf "$tmp"
  fetch_deb "$SUITE-$DEB_ARCH" "$DEB_ARCH" "$SUITE" "busybox-static:$DEB_ARCH" "$tmp"
  local bin
  for bin in "$tmp/usr/bin/busybox" "$tmp/bin/busybox" ""; do [ -x "$bin" ] && break; done
  [ -n "$bin" ] || die "busybox-static:$DEB_ARCH has no busybox binary"
  cp "$bin" "$out"
  rm -rf "$tmp"
}

# The reference Linux kernel: Debian's linux-image-<arch> points at the real
# package through its dependency; we take the kernel image out of it.
setup_linux() {
  local out=$CACHE/$ARCH/linux-kernel
  [ -f "$out" ] && return
  local meta=linux-image-$DEB_ARCH opts pkg
  opts=$(apt_private "$SUITE-$DEB_ARCH" "$DEB_ARCH" "$SUITE")
  # shellcheck disable=SC2086
  pkg=$(apt-cache $opts show "$meta:$DEB_ARCH" 2>/dev/null | sed -n 's/^Depends: *\(linux-image-[^ ,]*\).*/\1/p' | head -n 1)
  [ -n "$pkg" ] || die "cannot resolve $meta in Debian $SUITE"
  note "fetching $pkg:$DEB_ARCH from Debian $SUITE (reference Linux kernel)"
  local tmp=$CACHE/$ARCH/linux-deb
  rm -rf "$tmp"
  fetch_deb "$SUITE-$DEB_ARCH" "$DEB_ARCH" "$SUITE" "$pkg:$DEB_ARCH" "$tmp"
  local image
  image=$(ls "$tmp"/boot/vmlinu[xz]-* 2>/dev/null | head -n 1)
  [ -n "$image" ] || die "$pkg has no kernel image under /boot"
  cp "$image" "$out"
  echo "${pkg#linux-image-}" > "$out.version"
  rm -rf "$tmp"
}

setup_host_tools
setup_rust
setup_qemu
setup_zig
mkdir -p "$CACHE/$ARCH"
setup_busybox
if [ "${NSCORE_NEED_LINUX:-0}" = 1 ]; then setup_linux; fi
exit 0
