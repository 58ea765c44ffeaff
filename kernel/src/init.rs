//! Starting the first user process.

use alloc::string::String;
use alloc::vec::Vec;

use linux_object::mm::VmSpace;
use linux_object::process::elf::{self, AuxInfo};
use linux_object::process::Process;

use crate::arch::user::UserContext;

/// Loads `path` from `image` as PID 1 and queues it to run.
pub fn start_init(path: &str, image: &[u8], argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> linux_object::Result<()> {
    let mut vm = VmSpace::new();
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let aux = AuxInfo { uid: 0, euid: 0, gid: 0, egid: 0, secure: false, random, execfn: path.as_bytes().to_vec() };
    let loaded = elf::load(&mut vm, image, None, &argv, &envp, &aux, &crate::arch::elf_arch())?;
    let thread = Process::new_init(vm)?;
    thread.process().set_exec_info(String::from(path), argv);
    crate::task::spawn(thread, UserContext::new(loaded.entry, loaded.stack_pointer));
    Ok(())
}
