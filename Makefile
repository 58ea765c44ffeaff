# nsCore — `make run` boots the kernel in QEMU, `make test` runs every test.
#
#   make run  [ARCH=riscv64] [CMD='shell command'] [LOG=warn] [MEM=512M] [QEMU_ARGS=...]
#   make run-linux [ARCH=riscv64] [CMD=...]   (the same rootfs on Debian's Linux)
#   make test [ARCH=riscv64]
#   make test-repeat [ARCH=riscv64] [N=5]     (guest stages N times: flaky checks)
#   make debug [ARCH=riscv64]                 (QEMU waits for gdb)
#   make fuzz [ARCH=riscv64] [SECONDS=60] [SEED=..] [MODE=all|generic|ns|signal|mem]
#   make kernel | rootfs | user-tests | setup | clean
#
# Every target that needs tools calls scripts/setup.sh first, which installs
# what is missing and does nothing otherwise.

ARCH ?= riscv64
LOG ?= warn
MEM ?= 512M

SUPPORTED_ARCHS := riscv64 x86_64
ifeq ($(filter $(ARCH),$(SUPPORTED_ARCHS)),)
$(error unsupported ARCH '$(ARCH)': use ARCH=riscv64 (or ARCH=x86_64))
endif

TOP := $(abspath .)
BUILD := build/$(ARCH)
ROOTFS := rootfs/$(ARCH)
INITRD := $(BUILD)/initramfs.cpio

ifeq ($(ARCH),riscv64)
RUST_TARGET := riscv64gc-unknown-none-elf
endif
ifeq ($(ARCH),x86_64)
RUST_TARGET := x86_64-unknown-none
endif
KERNEL := target/$(RUST_TARGET)/release/nscore

# The musl cross compiler (zig from PyPI); the same sources build for the
# host's Linux (reference run) and for nsCore.
ZIGCC = python3 -m ziglang cc -static -O2 -g0 -Wall -Wextra -Wno-unused-parameter -Iuser-tests/include
# user-tests/bench holds benchmarks and user-tests/fuzz the fuzzer, not
# tests: they go to /usr/bin of the rootfs. The fuzzer is never among the
# tests the host's Linux runs (it would fuzz the host).
USER_TEST_SRCS := $(sort $(filter-out user-tests/bench/% user-tests/fuzz/%,$(wildcard user-tests/*/*.c)))
BENCH_SRCS := $(sort $(wildcard user-tests/bench/*.c user-tests/fuzz/*.c))
USER_TEST_SCRIPTS := $(sort $(wildcard user-tests/*/*.sh))
user_test_bins = $(patsubst user-tests/%.c,build/$(1)/user-tests/%,$(USER_TEST_SRCS))

.PHONY: all setup kernel rootfs user-tests run run-linux test test-repeat fuzz debug bench syscalls clean

all: kernel

setup:
	@scripts/setup.sh $(ARCH)

kernel: setup
	cargo build -p nscore-kernel --target $(RUST_TARGET) --release

build/%/user-tests/.stamp: $(USER_TEST_SRCS) $(BENCH_SRCS) $(USER_TEST_SCRIPTS) $(wildcard user-tests/include/*.h user-tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	@set -e; for src in $(USER_TEST_SRCS); do \
	  out=build/$*/user-tests/$${src#user-tests/}; out=$${out%.c}; mkdir -p $$(dirname $$out); \
	  echo "  CC [$*] $$src"; $(ZIGCC) -target $*-linux-musl $$src -o $$out; done
	@set -e; for src in $(BENCH_SRCS); do \
	  out=build/$*/bench/$$(basename $${src%.c}); mkdir -p $$(dirname $$out); \
	  echo "  CC [$*] $$src"; $(ZIGCC) -target $*-linux-musl $$src -o $$out; done
	@set -e; for src in $(USER_TEST_SCRIPTS); do \
	  out=build/$*/user-tests/$${src#user-tests/}; mkdir -p $$(dirname $$out); install -m 755 $$src $$out; done
	@touch $@

user-tests: setup build/$(ARCH)/user-tests/.stamp

$(INITRD): build/$(ARCH)/user-tests/.stamp $(wildcard .cache/$(ARCH)/busybox) scripts/mkrootfs.sh $(wildcard rootfs-files/* rootfs-files/*/*)
	@scripts/mkrootfs.sh $(ARCH) build/$(ARCH)/user-tests $(ROOTFS) $@

rootfs: setup
	@$(MAKE) --no-print-directory $(INITRD)

# The command travels in the environment, unexpanded, so any quoting works.
run run-linux: export NSCORE_CMD := $(value CMD)
run run-linux: export LOG := $(LOG)
run run-linux: export MEM := $(MEM)
run run-linux: export QEMU_ARGS := $(QEMU_ARGS)

run: kernel rootfs
	@scripts/run.sh $(ARCH)

run-linux: rootfs
	@NSCORE_NEED_LINUX=1 scripts/setup.sh $(ARCH)
	@scripts/run.sh --linux $(ARCH)

# The namespace scenarios compare nsCore with Debian's Linux kernel.
test: setup
	@NSCORE_NEED_LINUX=1 scripts/setup.sh $(ARCH)
	@scripts/test.sh $(ARCH)

# The guest stages of `make test`, N times; reports any check that ever
# failed (flaky tests). The host should be busy for this to mean much.
N ?= 5
test-repeat: setup
	@NSCORE_NEED_LINUX=1 scripts/setup.sh $(ARCH)
	@scripts/setup.sh x86_64 > /dev/null
	@scripts/test-repeat.sh $(ARCH) $(N)

# The syscall fuzzer in QEMU (as root, then as uid 65534); fails on a
# panic, a soft lockup, a hang or a failed health check.
SECONDS ?= 60
MODE ?= all
fuzz: kernel rootfs
	@scripts/fuzz.sh $(ARCH) $(SECONDS) "$(SEED)" $(MODE)

# QEMU waits for gdb on 127.0.0.1:1234 before the first instruction; the
# printed command attaches with the kernel's symbols (gdb-multiarch for
# riscv64, Debian's gdb-multiarch package).
GDB := $(if $(filter riscv64,$(ARCH)),gdb-multiarch,gdb)
debug: kernel rootfs
	@command -v $(GDB) > /dev/null || echo "debug: $(GDB) is not installed (apt-get install $(if $(filter riscv64,$(ARCH)),gdb-multiarch,gdb))"
	@echo "debug: QEMU waits for gdb. In another terminal:"
	@echo "  $(GDB) -q $(KERNEL) -ex 'target remote 127.0.0.1:1234'"
	@QEMU_ARGS="-gdb tcp:127.0.0.1:1234 -S $(QEMU_ARGS)" LOG=$(LOG) MEM=$(MEM) scripts/run.sh $(ARCH)

# The syscall coverage table (linux-syscall/src/table.rs), for both archs.
syscalls:
	@cargo run -q -p linux-syscall --example syscalls

# nsCore and the reference Linux in the same QEMU, side by side.
bench: kernel rootfs
	@NSCORE_NEED_LINUX=1 scripts/setup.sh $(ARCH)
	@scripts/bench.sh $(ARCH)

clean:
	cargo clean
	rm -rf build rootfs
