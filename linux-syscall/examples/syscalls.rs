//! Prints nsCore's syscall coverage: `make syscalls`.
//!
//! One row per implemented syscall with its numbers on riscv64 and x86_64
//! and whether it is complete; then the count of Linux syscalls not
//! implemented (they return ENOSYS with a log line naming them).

use linux_syscall::table::{Support, TABLE};
use linux_syscall::Arch;
use std::fmt::Write as _;
use std::io::Write as _;

fn main() {
    let mut out = String::new();
    let number = |arch: Arch, name: &str| arch.syscall_number(name).map_or("-".to_string(), |n| n.to_string());
    let _ = writeln!(out, "{:<22} {:>7} {:>6}  status", "syscall", "riscv64", "x86_64");
    let mut partial = 0;
    for entry in TABLE {
        let status = match entry.support {
            Support::Full => "full".to_string(),
            Support::Partial(note) => {
                partial += 1;
                format!("partial: {note}")
            }
        };
        let _ = writeln!(out, "{:<22} {:>7} {:>6}  {status}", entry.name, number(Arch::Riscv64, entry.name), number(Arch::X86_64, entry.name));
    }
    for (arch, label) in [(Arch::Riscv64, "riscv64"), (Arch::X86_64, "x86_64")] {
        let total = (0..1024).filter(|&nr| arch.syscall_name(nr).is_some()).count();
        let done = (0..1024).filter(|&nr| linux_syscall::table::lookup(arch, nr).is_some()).count();
        let _ = writeln!(out, "{label}: {done} of {total} Linux syscalls implemented ({partial} of the table partial)");
    }
    // A closed pipe (make syscalls | head) is not an error.
    let _ = std::io::stdout().write_all(out.as_bytes());
}
