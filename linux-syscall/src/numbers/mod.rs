//! Syscall numbers per architecture, generated from musl's headers.
//!
//! riscv64 uses Linux's generic table (`include/uapi/asm-generic/unistd.h`);
//! x86_64 has its own (`arch/x86/entry/syscalls/syscall_64.tbl`).

pub mod riscv64;
pub mod x86_64;

/// The architectures whose syscall ABI nsCore speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    Riscv64,
    X86_64,
}

impl Arch {
    fn table(self) -> &'static [(usize, &'static str)] {
        match self {
            Arch::Riscv64 => riscv64::SYSCALLS,
            Arch::X86_64 => x86_64::SYSCALLS,
        }
    }

    /// The Linux name of syscall `nr`, for log lines such as
    /// "unsupported syscall 435 (clone3)".
    pub fn syscall_name(self, nr: usize) -> Option<&'static str> {
        let table = self.table();
        table.binary_search_by_key(&nr, |&(n, _)| n).ok().map(|i| table[i].1)
    }

    /// The number of the syscall called `name`, if this architecture has it.
    pub fn syscall_number(self, name: &str) -> Option<usize> {
        self.table().iter().find(|&&(_, n)| n == name).map(|&(nr, _)| nr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for arch in [Arch::Riscv64, Arch::X86_64] {
            let t = arch.table();
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{arch:?}");
        }
    }

    #[test]
    fn well_known_numbers() {
        // From asm-generic/unistd.h and syscall_64.tbl.
        assert_eq!(Arch::Riscv64.syscall_name(64), Some("write"));
        assert_eq!(Arch::Riscv64.syscall_name(93), Some("exit"));
        assert_eq!(Arch::Riscv64.syscall_name(97), Some("unshare"));
        assert_eq!(Arch::Riscv64.syscall_name(435), Some("clone3"));
        assert_eq!(Arch::X86_64.syscall_name(1), Some("write"));
        assert_eq!(Arch::X86_64.syscall_name(272), Some("unshare"));
        assert_eq!(Arch::X86_64.syscall_number("setns"), Some(308));
        assert_eq!(Arch::Riscv64.syscall_number("setns"), Some(268));
        // The generic table has no open(2), only openat(2).
        assert_eq!(Arch::Riscv64.syscall_number("open"), None);
        assert_eq!(Arch::Riscv64.syscall_name(100_000), None);
    }
}
