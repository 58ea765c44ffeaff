//! pidfds: file descriptors that refer to a process (pidfd_open(2),
//! clone(2)'s CLONE_PIDFD). Mirrors fs/pidfs.c and kernel/pid.c's
//! `pidfd_create`: the file holds the process's PID (so its number is not
//! reused while the file is open) but not the process itself; it polls
//! readable once the process has terminated.

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use core::any::Any;
use core::task::Waker;

use super::{KernelPid, Process, ProcessState};
use crate::error::{Errno, Result};
use crate::fs::file::{FileLike, OpenFlags, PollEvents};
use crate::fs::vfs::{FileType, Metadata};
use crate::sync::Mutex;

/// The anonymous-inode device (Linux's anon_inodefs is 0:14 on most boots).
const ANON_INODE_DEV: u64 = 0xe;

pub struct PidFd {
    process: Weak<Process>,
    kpid: Arc<KernelPid>,
    /// O_NONBLOCK (PIDFD_NONBLOCK) and the access mode.
    flags: Mutex<OpenFlags>,
    owner: crate::fs::owner::FileOwner,
}

impl PidFd {
    pub fn new(process: &Arc<Process>, nonblock: bool) -> Arc<PidFd> {
        let mut flags = OpenFlags::RDWR;
        if nonblock {
            flags |= OpenFlags::NONBLOCK;
        }
        Arc::new(PidFd { process: Arc::downgrade(process), kpid: process.kpid().clone(), flags: Mutex::new(flags), owner: Default::default() })
    }

    /// The process, while it exists (zombies included); `ESRCH` once reaped.
    pub fn process(&self) -> Result<Arc<Process>> {
        self.process.upgrade().filter(|p| !p.is_reaped()).ok_or(Errno::ESRCH.into())
    }

    /// The PID the file refers to.
    pub fn kpid(&self) -> &Arc<KernelPid> {
        &self.kpid
    }
}

impl FileLike for PidFd {
    fn owner(&self) -> &crate::fs::owner::FileOwner {
        &self.owner
    }

    /// Readable once the process has terminated (zombie or reaped).
    fn poll(&self, waker: Option<&Waker>) -> PollEvents {
        match self.process.upgrade().filter(|p| !p.is_reaped()) {
            Some(process) => {
                if let Some(waker) = waker {
                    process.exit_wait.register(waker);
                }
                if matches!(process.state(), ProcessState::Zombie(_)) {
                    PollEvents::IN | PollEvents::RDNORM
                } else {
                    PollEvents::empty()
                }
            }
            None => PollEvents::IN | PollEvents::RDNORM | PollEvents::HUP,
        }
    }
    fn metadata(&self) -> Result<Metadata> {
        Ok(Metadata::synthetic(ANON_INODE_DEV, 1, FileType::Regular, 0o600))
    }
    fn status_flags(&self) -> OpenFlags {
        *self.flags.lock()
    }
    fn set_status_flags(&self, flags: OpenFlags) {
        let mut current = self.flags.lock();
        *current = (*current - OpenFlags::settable()) | (flags & OpenFlags::settable());
    }
    fn anon_name(&self) -> String {
        String::from("anon_inode:[pidfd]")
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
