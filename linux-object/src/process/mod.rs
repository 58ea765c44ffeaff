//! Processes and threads.
//!
//! A [`Process`] is what Linux calls a thread group: an address space, open
//! files, credentials, limits, and one or more [`Thread`]s. Its PID is the TID
//! of its first thread. Each has a KoID (the kernel's own, never reused name)
//! separate from the PID user space sees, so that a later issue can give a
//! process one PID per PID-namespace level.
//!
//! Mirrors, in Linux: `struct task_struct`/`signal_struct` (include/linux/sched.h),
//! kernel/fork.c (`copy_process`), kernel/exit.c (`do_exit`, `do_group_exit`,
//! `forget_original_parent`, `wait_consider_task`), kernel/sys.c (setpgid,
//! setsid).
//!
//! Lock order: a process's `inner` before its children's `inner`; the global
//! `TABLE` lock is never held while taking a process lock.

pub mod creds;
pub mod elf;
pub mod pid;
pub mod rlimit;
pub mod script;
mod thread;
mod wait;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use crate::error::{Errno, Result};
use crate::fs::context::FsContext;
use crate::fs::fd_table::FdTable;
use crate::mm::VmSpace;
use crate::object::{KoId, new_koid};
use crate::signal::{self, PendingSignals, SigHandlers, SigInfo};
use crate::sync::{Mutex, WaitQueue};

pub use creds::Credentials;
pub use pid::Pid;
pub use rlimit::RLimits;
pub use thread::Thread;
pub use wait::{WaitOptions, WaitSelector, WaitStatus};

/// The PID of init, which adopts orphans.
pub const INIT_PID: Pid = 1;

/// Every live or zombie process and thread, by number.
struct Table {
    pids: pid::PidAllocator,
    processes: BTreeMap<Pid, Weak<Process>>,
    threads: BTreeMap<Pid, Weak<Thread>>,
}

/// Protected by its mutex; taken after any process lock is released.
static TABLE: Mutex<Table> =
    Mutex::new(Table { pids: pid::PidAllocator::new(), processes: BTreeMap::new(), threads: BTreeMap::new() });

/// The process with PID `pid`, if it exists (zombies included).
pub fn find_process(pid: Pid) -> Option<Arc<Process>> {
    TABLE.lock().processes.get(&pid)?.upgrade()
}

/// The thread with TID `tid`, if it is alive.
pub fn find_thread(tid: Pid) -> Option<Arc<Thread>> {
    TABLE.lock().threads.get(&tid)?.upgrade()
}

/// All processes, in PID order (for /proc and kill(-1)).
pub fn all_processes() -> Vec<Arc<Process>> {
    TABLE.lock().processes.values().filter_map(Weak::upgrade).collect()
}

/// Live threads whose process's real uid is `uid` (RLIMIT_NPROC).
pub fn threads_of_user(uid: creds::Uid) -> usize {
    all_processes()
        .iter()
        .filter(|p| !matches!(p.state(), ProcessState::Zombie(_)) && p.creds.lock().uid == uid)
        .map(|p| p.threads().len())
        .sum()
}

/// Number of processes, for sysinfo(2) `procs`.
pub fn process_count() -> usize {
    TABLE.lock().processes.len()
}

/// What a child shares with its parent (the CLONE_VM/FILES/FS flags).
#[derive(Clone, Copy, Debug, Default)]
pub struct ShareFlags {
    pub vm: bool,
    pub files: bool,
    pub fs: bool,
    pub sighand: bool,
}

/// The life cycle of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    Running,
    /// Stopped by a signal; `reported` once a waiter has seen it.
    Stopped { signal: u32, reported: bool },
    /// All threads have exited; the parent has not reaped it yet.
    Zombie(WaitStatus),
}

pub struct Process {
    koid: KoId,
    pid: Pid,
    /// The address space; shared with the parent after `CLONE_VM` (vfork),
    /// `None` once the process is a zombie. Protected by the mutex.
    vm: Mutex<Option<Arc<Mutex<VmSpace>>>>,
    pub creds: Mutex<Credentials>,
    pub rlimits: Mutex<RLimits>,
    /// Open files; the inner table is shared after CLONE_FILES.
    files: Mutex<Arc<Mutex<FdTable>>>,
    /// Root, cwd, umask; shared after CLONE_FS.
    fs: Mutex<Arc<Mutex<FsContext>>>,
    /// Signal dispositions; shared between threads and after CLONE_SIGHAND.
    sighand: Mutex<Arc<Mutex<SigHandlers>>>,
    /// Signals sent to the process as a whole (kill), any thread may take them.
    pending: Mutex<PendingSignals>,
    /// Set by SIGCONT on a stopped process until a waiter reports it
    /// (WCONTINUED).
    continued: core::sync::atomic::AtomicBool,
    inner: Mutex<ProcessInner>,
    /// Woken when a child changes state (exit, stop, continue): wait4 sleeps here.
    pub child_wait: WaitQueue,
    /// When the process was created, in ns of CLOCK_MONOTONIC (/proc starttime).
    start_ns: u64,
    /// Set when this process stops using its parent's memory after a
    /// CLONE_VFORK (it called execve or exited); the parent waits on
    /// `vfork_wait`. Mirrors Linux's `vfork_done` completion.
    vfork_done: core::sync::atomic::AtomicBool,
    pub vfork_wait: WaitQueue,
}

struct ProcessInner {
    parent: Weak<Process>,
    children: Vec<Arc<Process>>,
    threads: Vec<Arc<Thread>>,
    state: ProcessState,
    /// Set by exit_group: every thread leaves with this status.
    group_exit: Option<WaitStatus>,
    pgid: Pid,
    sid: Pid,
    /// The executable's path, for /proc/PID/exe.
    exe: String,
    /// argv of the last execve, for /proc/PID/cmdline.
    cmdline: Vec<Vec<u8>>,
    comm: String,
    /// The signal sent to the parent on exit (SIGCHLD, or clone's exit_signal).
    exit_signal: u32,
    is_child_subreaper: bool,
    /// Accumulated CPU time of reaped children, in ns (getrusage, times).
    children_time_ns: (u64, u64),
    /// CPU time of this process's threads that have exited.
    dead_threads_time_ns: (u64, u64),
}

impl Process {
    /// The first process (init) with its first thread; PID 1.
    pub fn new_init(vm: VmSpace, fs: FsContext, files: FdTable) -> Result<Arc<Thread>> {
        let process = Process::alloc(
            Weak::new(),
            Arc::new(Mutex::new(vm)),
            Credentials::root(),
            RLimits::init(),
            Arc::new(Mutex::new(files)),
            Arc::new(Mutex::new(fs)),
            Arc::new(Mutex::new(SigHandlers::default())),
            17,
        )?;
        Ok(Thread::new_leader(&process))
    }

    #[allow(clippy::too_many_arguments)]
    fn alloc(
        parent: Weak<Process>,
        vm: Arc<Mutex<VmSpace>>,
        creds: Credentials,
        rlimits: RLimits,
        files: Arc<Mutex<FdTable>>,
        fs: Arc<Mutex<FsContext>>,
        sighand: Arc<Mutex<SigHandlers>>,
        exit_signal: u32,
    ) -> Result<Arc<Process>> {
        let (pgid, sid) = parent.upgrade().map_or((0, 0), |p| (p.pgid(), p.sid()));
        let pid = TABLE.lock().pids.alloc()?;
        let process = Arc::new(Process {
            koid: new_koid(),
            pid,
            vm: Mutex::new(Some(vm)),
            creds: Mutex::new(creds),
            rlimits: Mutex::new(rlimits),
            files: Mutex::new(files),
            fs: Mutex::new(fs),
            sighand: Mutex::new(sighand),
            pending: Mutex::new(PendingSignals::default()),
            continued: core::sync::atomic::AtomicBool::new(false),
            inner: Mutex::new(ProcessInner {
                parent,
                children: Vec::new(),
                threads: Vec::new(),
                state: ProcessState::Running,
                group_exit: None,
                pgid,
                sid,
                exe: String::new(),
                cmdline: Vec::new(),
                comm: String::new(),
                exit_signal,
                is_child_subreaper: false,
                children_time_ns: (0, 0),
                dead_threads_time_ns: (0, 0),
            }),
            child_wait: WaitQueue::new(),
            start_ns: crate::time::monotonic_ns(),
            vfork_done: core::sync::atomic::AtomicBool::new(false),
            vfork_wait: WaitQueue::new(),
        });
        if pgid == 0 {
            let mut inner = process.inner.lock();
            inner.pgid = pid;
            inner.sid = pid;
        }
        TABLE.lock().processes.insert(pid, Arc::downgrade(&process));
        Ok(process)
    }

    pub fn koid(&self) -> KoId {
        self.koid
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Creation time, ns since boot.
    pub fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// The parent's PID, 0 for init.
    pub fn ppid(&self) -> Pid {
        self.inner.lock().parent.upgrade().map_or(0, |p| p.pid)
    }

    pub fn parent(&self) -> Option<Arc<Process>> {
        self.inner.lock().parent.upgrade()
    }

    /// The open-file table.
    pub fn files(&self) -> Arc<Mutex<FdTable>> {
        self.files.lock().clone()
    }

    /// Root, cwd and umask.
    pub fn fs(&self) -> Arc<Mutex<FsContext>> {
        self.fs.lock().clone()
    }

    /// The signal dispositions.
    pub fn sighand(&self) -> Arc<Mutex<SigHandlers>> {
        self.sighand.lock().clone()
    }

    /// execve: a private copy of the dispositions with handlers reset.
    pub fn reset_sighand_for_exec(&self) {
        let mut sighand = self.sighand.lock();
        let mut copy = sighand.lock().clone();
        copy.reset_on_exec();
        *sighand = Arc::new(Mutex::new(copy));
    }

    /// Sends a signal to the process (kill(2) semantics, kernel/signal.c's
    /// `__send_signal` and `prepare_signal`): SIGCONT resumes a stopped
    /// process and cancels pending stops, a stop signal cancels pending
    /// SIGCONT, an ignored signal is dropped. Wakes the threads so one of
    /// them takes it. Returns whether it was queued.
    pub fn send_signal(self: &Arc<Self>, info: SigInfo) -> bool {
        let sig = info.signo;
        if matches!(self.state(), ProcessState::Zombie(_)) {
            return false;
        }
        if sig == signal::SIGCONT {
            self.pending.lock().discard_stops();
            for t in self.threads() {
                t.discard_pending_stops();
            }
            if matches!(self.state(), ProcessState::Stopped { .. }) {
                self.continued.store(true, core::sync::atomic::Ordering::Release);
                self.set_stopped(None);
            }
        } else if signal::is_stop_signal(sig) {
            self.pending.lock().discard(signal::SIGCONT);
        }
        if sig == signal::SIGKILL && matches!(self.state(), ProcessState::Stopped { .. }) {
            self.set_stopped(None);
        }
        let action = self.sighand().lock().get(sig);
        let blocked_everywhere = self.threads().iter().all(|t| t.signal_mask().contains(sig));
        let queued = if action.is_ignored(sig) && !blocked_everywhere && sig != signal::SIGKILL {
            false
        } else {
            self.pending.lock().push(info)
        };
        for thread in self.threads() {
            thread.wake();
        }
        queued
    }

    /// Takes a process-wide pending signal not in `blocked`.
    pub(crate) fn dequeue_shared_signal(&self, blocked: signal::SigSet) -> Option<SigInfo> {
        self.pending.lock().pop(blocked)
    }

    pub(crate) fn has_shared_signal(&self, blocked: signal::SigSet) -> bool {
        self.pending.lock().has_deliverable(blocked)
    }

    /// Process-wide pending signals (sigpending(2)).
    pub fn shared_pending(&self) -> signal::SigSet {
        self.pending.lock().set()
    }

    /// Whether a SIGCONT resumed the process and no waiter has reported it.
    pub fn is_continued(&self) -> bool {
        self.continued.load(core::sync::atomic::Ordering::Acquire)
    }

    /// Reports and clears "continued since last asked" (WCONTINUED).
    pub fn take_continued(&self) -> bool {
        self.continued.swap(false, core::sync::atomic::Ordering::AcqRel)
    }

    /// Whether the parent's SIGCHLD disposition means "no zombies"
    /// (SIG_IGN or SA_NOCLDWAIT).
    fn parent_reaps_automatically(parent: &Process) -> bool {
        let action = parent.sighand().lock().get(signal::SIGCHLD);
        action.handler == signal::SIG_IGN || action.flags & signal::SA_NOCLDWAIT != 0
    }

    /// unshare(CLONE_FILES) and execve: a private copy of the file table.
    pub fn unshare_files(&self) {
        let mut files = self.files.lock();
        let copy = files.lock().clone();
        *files = Arc::new(Mutex::new(copy));
    }

    /// unshare(CLONE_FS): a private copy of root/cwd/umask.
    pub fn unshare_fs(&self) {
        let mut fs = self.fs.lock();
        let copy = fs.lock().clone();
        *fs = Arc::new(Mutex::new(copy));
    }

    /// The address space; `ESRCH` for a zombie.
    pub fn vm(&self) -> Result<Arc<Mutex<VmSpace>>> {
        self.vm.lock().clone().ok_or(Errno::ESRCH.into())
    }

    /// Replaces the address space (execve).
    pub fn set_vm(&self, vm: VmSpace) {
        *self.vm.lock() = Some(Arc::new(Mutex::new(vm)));
    }

    pub fn state(&self) -> ProcessState {
        self.inner.lock().state
    }

    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.inner.lock().threads.clone()
    }

    pub fn children(&self) -> Vec<Arc<Process>> {
        self.inner.lock().children.clone()
    }

    pub fn pgid(&self) -> Pid {
        self.inner.lock().pgid
    }

    pub fn sid(&self) -> Pid {
        self.inner.lock().sid
    }

    pub fn exe(&self) -> String {
        self.inner.lock().exe.clone()
    }

    pub fn cmdline(&self) -> Vec<Vec<u8>> {
        self.inner.lock().cmdline.clone()
    }

    /// Records what execve ran, for /proc.
    /// Records what execve ran: the resolved executable (for /proc/PID/exe),
    /// argv (cmdline), and the command name — the last component of the
    /// file name execve was given, as Linux's `__set_task_comm(kbasename(
    /// bprm->filename))` (so `/bin/sh`, a link to busybox, is "sh").
    pub fn set_exec_info_named(&self, exe: String, argv: Vec<Vec<u8>>, filename: &str) {
        self.set_exec_info(exe, argv);
        let name = filename.rsplit('/').next().unwrap_or("");
        self.set_comm(String::from(name));
    }

    pub fn set_exec_info(&self, exe: String, argv: Vec<Vec<u8>>) {
        let name = exe.rsplit('/').next().unwrap_or("");
        let comm = String::from(&name[..name.floor_char_boundary(15)]);
        let mut inner = self.inner.lock();
        inner.exe = exe;
        inner.cmdline = argv;
        inner.comm = comm;
    }

    /// The command name (`/proc/PID/comm`): set by execve to the program's
    /// file name, or by PR_SET_NAME; at most 15 bytes (TASK_COMM_LEN - 1).
    pub fn comm(&self) -> String {
        self.inner.lock().comm.clone()
    }

    pub fn set_comm(&self, name: String) {
        let cut = name.floor_char_boundary(15);
        self.inner.lock().comm = String::from(&name[..cut]);
    }

    /// The status every thread leaves with after exit_group, if one ran.
    pub fn group_exit_status(&self) -> Option<WaitStatus> {
        self.inner.lock().group_exit
    }

    /// exit_group(2): the first caller sets the status; every thread then
    /// leaves when it next enters the kernel (the caller wakes them).
    pub fn start_group_exit(&self, status: WaitStatus) {
        let mut inner = self.inner.lock();
        if inner.group_exit.is_none() {
            inner.group_exit = Some(status);
        }
    }

    /// The process no longer borrows its parent's memory (execve or exit):
    /// a parent blocked in vfork(2) may go on.
    pub fn release_vfork(&self) {
        self.vfork_done.store(true, core::sync::atomic::Ordering::Release);
        self.vfork_wait.wake_all();
    }

    pub fn is_vfork_released(&self) -> bool {
        self.vfork_done.load(core::sync::atomic::Ordering::Acquire)
    }

    pub fn set_child_subreaper(&self, on: bool) {
        self.inner.lock().is_child_subreaper = on;
    }

    pub fn is_child_subreaper(&self) -> bool {
        self.inner.lock().is_child_subreaper
    }

    /// fork(2)/clone(2) without CLONE_THREAD: a child process with a copy
    /// of the address space, file table and fs context — or the same ones
    /// when `share` says so (CLONE_VM, CLONE_FILES, CLONE_FS) — and the same
    /// credentials, limits, process group and session. Returns its first thread.
    pub fn fork(self: &Arc<Self>, share: ShareFlags, exit_signal: u32) -> Result<Arc<Thread>> {
        let vm = self.vm()?;
        let child_vm = if share.vm { vm } else { Arc::new(Mutex::new(vm.lock().fork()?)) };
        let files = self.files();
        let child_files = if share.files { files } else { Arc::new(Mutex::new(files.lock().clone())) };
        let fs = self.fs();
        let child_fs = if share.fs { fs } else { Arc::new(Mutex::new(fs.lock().clone())) };
        let sighand = self.sighand();
        let child_sighand = if share.sighand { sighand } else { Arc::new(Mutex::new(sighand.lock().clone())) };
        let (exe, cmdline, comm) = {
            let inner = self.inner.lock();
            (inner.exe.clone(), inner.cmdline.clone(), inner.comm.clone())
        };
        let child = Process::alloc(
            Arc::downgrade(self),
            child_vm,
            self.creds.lock().clone(),
            self.rlimits.lock().clone(),
            child_files,
            child_fs,
            child_sighand,
            exit_signal,
        )?;
        child.set_exec_info(exe, cmdline);
        child.set_comm(comm);
        self.inner.lock().children.push(child.clone());
        Ok(Thread::new_leader(&child))
    }

    /// Called by the last thread to exit: the process becomes a zombie, its
    /// memory goes, its children go to the reaper, its parent is told.
    /// Mirrors `do_exit` → `exit_notify` (kernel/exit.c). Returns the parent
    /// and the signal to send it (the caller sends it: signals live above).
    fn become_zombie(self: &Arc<Self>, status: WaitStatus) -> Option<(Arc<Process>, u32)> {
        self.vm.lock().take();
        // Close every file now, as do_exit's exit_files does: pipe readers
        // must see EOF before the parent reaps us.
        *self.files.lock() = Arc::new(Mutex::new(FdTable::new()));
        self.release_vfork();
        let (children, parent, exit_signal) = {
            let mut inner = self.inner.lock();
            inner.state = ProcessState::Zombie(status);
            (core::mem::take(&mut inner.children), inner.parent.upgrade(), inner.exit_signal)
        };
        if !children.is_empty() {
            let reaper = self.find_reaper();
            match reaper {
                Some(reaper) => {
                    let has_zombie = children.iter().any(|c| matches!(c.state(), ProcessState::Zombie(_)));
                    for child in &children {
                        child.inner.lock().parent = Arc::downgrade(&reaper);
                    }
                    reaper.inner.lock().children.extend(children);
                    if has_zombie {
                        reaper.child_wait.wake_all();
                    }
                }
                None => children.into_iter().for_each(|c| c.inner.lock().parent = Weak::new()),
            }
        }
        match parent {
            Some(parent) => {
                if Self::parent_reaps_automatically(&parent) {
                    // "children that terminate do not become zombies" -
                    // sigaction(2): reap at once.
                    parent.inner.lock().children.retain(|c| c.pid != self.pid);
                }
                parent.child_wait.wake_all();
                Some((parent, exit_signal))
            }
            None => None,
        }
    }

    /// The closest ancestor that is a child subreaper, else init —
    /// "orphaned processes are reparented to … the nearest still living
    /// ancestor subreaper" - prctl(2).
    fn find_reaper(&self) -> Option<Arc<Process>> {
        let mut ancestor = self.parent();
        while let Some(process) = ancestor {
            if process.is_child_subreaper() && !matches!(process.state(), ProcessState::Zombie(_)) {
                return Some(process);
            }
            ancestor = process.parent();
        }
        find_process(INIT_PID).filter(|init| init.pid != self.pid)
    }

    /// setpgid(2) on `self` as seen by `caller`: `ESRCH` if it is neither
    /// the caller nor its child, `EPERM` across sessions or for a session
    /// leader, `EACCES` for a child that has already execve'd (not tracked
    /// yet), `EPERM` if the target group does not exist in the session.
    pub fn setpgid(self: &Arc<Self>, caller: &Arc<Process>, pgid: Pid) -> Result<()> {
        let is_self = Arc::ptr_eq(self, caller);
        let is_child = self.parent().is_some_and(|p| Arc::ptr_eq(&p, caller));
        if !is_self && !is_child {
            return Err(Errno::ESRCH.into());
        }
        if self.sid() == self.pid || self.sid() != caller.sid() {
            return Err(Errno::EPERM.into());
        }
        let pgid = if pgid == 0 { self.pid } else { pgid };
        if pgid != self.pid && !all_processes().iter().any(|p| p.pgid() == pgid && p.sid() == self.sid()) {
            return Err(Errno::EPERM.into());
        }
        self.inner.lock().pgid = pgid;
        Ok(())
    }

    /// setsid(2): `EPERM` if the caller already leads a process group.
    pub fn setsid(&self) -> Result<Pid> {
        if all_processes().iter().any(|p| p.pgid() == self.pid) {
            return Err(Errno::EPERM.into());
        }
        let mut inner = self.inner.lock();
        inner.sid = self.pid;
        inner.pgid = self.pid;
        Ok(self.pid)
    }

    /// Stops or continues the process (job control); wakes the parent's waiters.
    pub fn set_stopped(&self, signal: Option<u32>) {
        {
            let mut inner = self.inner.lock();
            inner.state = match (inner.state, signal) {
                (ProcessState::Zombie(s), _) => ProcessState::Zombie(s),
                (_, Some(signal)) => ProcessState::Stopped { signal, reported: false },
                (_, None) => ProcessState::Running,
            };
        }
        if let Some(parent) = self.parent() {
            parent.child_wait.wake_all();
        }
    }

    pub fn children_time_ns(&self) -> (u64, u64) {
        self.inner.lock().children_time_ns
    }

    /// (user, system) CPU time of all threads, living and dead, in ns.
    pub fn cpu_time_ns(&self) -> (u64, u64) {
        let inner = self.inner.lock();
        inner.threads.iter().map(|t| t.cpu_time_ns()).fold(inner.dead_threads_time_ns, |a, b| (a.0 + b.0, a.1 + b.1))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let mut table = TABLE.lock();
        table.processes.remove(&self.pid);
        table.pids.free(self.pid);
    }
}
