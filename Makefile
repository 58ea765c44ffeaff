# nsCore — `make run` boots the kernel in QEMU, `make test` runs every test.
#
#   make run  [ARCH=riscv64] [LOG=info] [QEMU_ARGS=...]
#   make test [ARCH=riscv64]
#   make kernel | rootfs | user-tests | setup | clean
#
# Every target that needs tools calls scripts/setup.sh first, which installs
# what is missing and does nothing otherwise.

ARCH ?= riscv64
LOG ?= info
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
QEMU := qemu-system-riscv64 -machine virt -bios default
endif
ifeq ($(ARCH),x86_64)
RUST_TARGET := x86_64-unknown-none
QEMU := qemu-system-x86_64
endif
KERNEL := target/$(RUST_TARGET)/release/nscore
QEMU_CMD = $(QEMU) -m $(MEM) -smp 1 -nographic -no-reboot \
	-kernel $(KERNEL) -initrd $(INITRD) -append "LOG=$(LOG) $(APPEND)" $(QEMU_ARGS)

# The musl cross compiler (zig from PyPI); the same sources build for the
# host's Linux (reference run) and for nsCore.
ZIGCC = python3 -m ziglang cc -static -O2 -g0 -Wall -Wextra -Wno-unused-parameter -Iuser-tests/include
USER_TEST_SRCS := $(sort $(wildcard user-tests/*/*.c))
user_test_bins = $(patsubst user-tests/%.c,build/$(1)/user-tests/%,$(USER_TEST_SRCS))

.PHONY: all setup kernel rootfs user-tests run test clean check-arch-boots

all: kernel

setup:
	@scripts/setup.sh $(ARCH)

check-arch-boots:
	@if [ "$(ARCH)" = x86_64 ]; then \
	  echo "make: ARCH=x86_64 does not boot yet (a later issue adds it); use ARCH=riscv64" >&2; exit 2; fi

kernel: setup check-arch-boots
	cargo build -p nscore-kernel --target $(RUST_TARGET) --release

build/%/user-tests/.stamp: $(USER_TEST_SRCS) user-tests/include/nstest.h
	@mkdir -p $(dir $@)
	@set -e; for src in $(USER_TEST_SRCS); do \
	  out=build/$*/user-tests/$${src#user-tests/}; out=$${out%.c}; mkdir -p $$(dirname $$out); \
	  echo "  CC [$*] $$src"; $(ZIGCC) -target $*-linux-musl $$src -o $$out; done
	@touch $@

user-tests: setup build/$(ARCH)/user-tests/.stamp

$(INITRD): build/$(ARCH)/user-tests/.stamp $(wildcard .cache/$(ARCH)/busybox) scripts/mkrootfs.sh
	@scripts/mkrootfs.sh $(ARCH) build/$(ARCH)/user-tests $(ROOTFS) $@

rootfs: setup
	@$(MAKE) --no-print-directory $(INITRD)

run: kernel rootfs
	$(QEMU_CMD)

test: setup
	@scripts/test.sh $(ARCH)

clean:
	cargo clean
	rm -rf build rootfs
