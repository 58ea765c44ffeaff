//! Processes and threads.
//!
//! A [`Process`] is what Linux calls a thread group: an address space, open
//! files, credentials, limits, namespaces, and one or more [`Thread`]s. Its
//! PID is the TID of its first thread. Each has a KoID (the kernel's own,
//! never reused name) separate from the PIDs user space sees: a process has
//! one PID per PID-namespace level ([`KernelPid`]); [`Process::pid`] is the
//! one in the initial namespace, the key of the process table, and
//! [`Process::pid_in`] translates for a caller in another namespace.
//!
//! Mirrors, in Linux: `struct task_struct`/`signal_struct` (include/linux/sched.h),
//! kernel/fork.c (`copy_process`), kernel/exit.c (`do_exit`, `do_group_exit`,
//! `forget_original_parent`, `wait_consider_task`), kernel/sys.c (setpgid,
//! setsid).
//!
//! Lock order: a process's `inner` before its children's `inner`; the global
//! `TABLE` lock is never held while taking a process lock.

pub mod creds;
pub mod oom;
mod job_control;
pub mod elf;
pub mod itimer;
pub mod loadavg;
pub mod pid;
pub mod pidfd;
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
use crate::namespace::NsProxy;
use crate::namespace::mnt::MountMap;
use crate::namespace::pid::PidNamespace;
use crate::object::{KoId, new_koid};
use crate::signal::{self, PendingSignals, SigHandlers, SigInfo};
use crate::sync::{Mutex, WaitQueue};

pub use crate::namespace::pid::KernelPid;
pub use creds::Credentials;
pub use pid::Pid;
pub use rlimit::RLimits;
pub use thread::Thread;
pub use wait::{WaitOptions, WaitSelector, WaitStatus};

/// The PID of init, which adopts orphans.
pub const INIT_PID: Pid = 1;

/// Every live or zombie process and thread, by its number in the initial
/// PID namespace.
struct Table {
    processes: BTreeMap<Pid, Weak<Process>>,
    threads: BTreeMap<Pid, Weak<Thread>>,
}

/// Protected by its mutex; taken after any process lock is released.
static TABLE: Mutex<Table> = Mutex::new(Table { processes: BTreeMap::new(), threads: BTreeMap::new() });

/// The process with PID `pid` in the initial namespace, if it exists
/// (zombies included).
pub fn find_process(pid: Pid) -> Option<Arc<Process>> {
    TABLE.lock().processes.get(&pid)?.upgrade()
}

/// The thread with TID `tid` in the initial namespace, if it is alive.
pub fn find_thread(tid: Pid) -> Option<Arc<Thread>> {
    TABLE.lock().threads.get(&tid)?.upgrade()
}

/// The process numbered `nr` in PID namespace `ns` (`find_task_by_pid_ns`).
pub fn find_process_in(ns: &PidNamespace, nr: Pid) -> Option<Arc<Process>> {
    let process = find_process(ns.to_global(nr)?)?;
    // The number may name a thread; only a leader's number names a process.
    (process.pid_in(ns) == nr && !process.is_reaped()).then_some(process)
}

/// The thread numbered `nr` in PID namespace `ns`.
pub fn find_thread_in(ns: &PidNamespace, nr: Pid) -> Option<Arc<Thread>> {
    find_thread(ns.to_global(nr)?)
}

/// The processes visible from `ns` (its own and its descendants'), in
/// initial-namespace PID order.
pub fn processes_in(ns: &PidNamespace) -> Vec<Arc<Process>> {
    all_processes().into_iter().filter(|p| p.pid_in(ns) != 0).collect()
}

/// All processes, in PID order (for /proc and kill(-1)).
pub fn all_processes() -> Vec<Arc<Process>> {
    TABLE.lock().processes.values().filter_map(Weak::upgrade).collect()
}

/// The number PID namespace `ns` gives process group `pgid` (named by its
/// initial-namespace number), 0 if the group's leader is invisible there.
pub fn pgid_in(pgid: Pid, ns: &PidNamespace) -> Pid {
    all_processes().iter().find(|p| p.pgid() == pgid).map_or(0, |p| p.pgid_ref().nr_in(ns))
}

/// The same for a session.
pub fn sid_in(sid: Pid, ns: &PidNamespace) -> Pid {
    all_processes().iter().find(|p| p.sid() == sid).map_or(0, |p| p.sid_ref().nr_in(ns))
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

/// The namespaces a child of fork/clone gets (computed by the syscall layer
/// from the `CLONE_NEW*` flags).
pub struct ChildNamespaces {
    pub proxy: Arc<NsProxy>,
    /// Set when the child gets a new mount namespace: its root and cwd move
    /// into the copied tree.
    pub mounts: Option<MountMap>,
    /// clone3's `set_tid`: chosen PIDs from the child's namespace outwards.
    pub set_tid: Vec<Pid>,
}

impl ChildNamespaces {
    /// A plain fork's: the parent's namespaces (entering its
    /// `time_for_children`).
    pub fn inherit(parent: &Process) -> ChildNamespaces {
        ChildNamespaces { proxy: parent.nsproxy().for_child(), mounts: None, set_tid: Vec::new() }
    }
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
    /// The PID in the initial namespace (`kpid.global()`).
    pid: Pid,
    /// The PID at every level of the process's PID namespace.
    kpid: Arc<KernelPid>,
    /// The namespaces; replaced, never changed in place.
    nsproxy: Mutex<Arc<NsProxy>>,
    /// The address space; shared with the parent after `CLONE_VM` (vfork),
    /// `None` once the process is a zombie. Protected by the mutex.
    vm: Mutex<Option<Arc<Mutex<VmSpace>>>>,
    /// The page-table token of `vm` (0 when it is gone), for the trap loop
    /// to switch to without taking two locks on every return to user mode.
    vm_token: core::sync::atomic::AtomicUsize,
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
    /// The process half of `Thread::signal_events`: a process-wide signal
    /// queued, a stop or continue, a group exit.
    signal_events: core::sync::atomic::AtomicU64,
    inner: Mutex<ProcessInner>,
    /// Woken when a child changes state (exit, stop, continue): wait4 sleeps here.
    pub child_wait: WaitQueue,
    /// Woken when this process becomes a zombie (pidfd poll sleeps here).
    pub exit_wait: WaitQueue,
    /// Set once the zombie is reaped: the process is gone for user space
    /// even while kernel references keep the object.
    reaped: core::sync::atomic::AtomicBool,
    /// The ITIMER_REAL timer (setitimer, alarm); see `itimer`.
    real_timer: Mutex<Option<itimer::RealTimer>>,
    /// Where the current program's environment strings are in its memory
    /// (/proc/PID/environ reads them there, as Linux does).
    env_range: Mutex<(usize, usize)>,
    /// The nice value, -20 (favoured) to 19 (setpriority(2)); inherited by
    /// children; the scheduler weighs CPU time by it.
    nice: core::sync::atomic::AtomicI32,
    /// `oom_score_adj` and its floor (see `oom`).
    oom: Mutex<oom::OomAdj>,
    /// The execution domain and its flags (personality(2)); inherited.
    personality: core::sync::atomic::AtomicU32,
    /// PR_SET_PDEATHSIG: sent when the parent exits; 0 for none. Not
    /// inherited by fork, cleared by a set-ID execve and by changes of the
    /// effective IDs.
    pdeath_signal: core::sync::atomic::AtomicU32,
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
    /// The process group and session, as the PIDs of their leaders (held,
    /// as Linux holds `struct pid`, so the numbers stay taken).
    pgid: Arc<KernelPid>,
    sid: Arc<KernelPid>,
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
    /// The first process (init) with its first thread; PID 1 of the
    /// initial PID namespace, in the initial namespaces of every kind.
    pub fn new_init(vm: VmSpace, fs: FsContext, files: FdTable) -> Result<Arc<Thread>> {
        // The initial mount namespace is init's tree (a no-op if the kernel
        // installed it already).
        crate::fs::context::init_root_tree(fs.tree.clone());
        let process = Process::alloc(
            Weak::new(),
            vm.into_shared(),
            Credentials::root(),
            RLimits::init(),
            Arc::new(Mutex::new(files)),
            Arc::new(Mutex::new(fs)),
            Arc::new(Mutex::new(SigHandlers::default())),
            17,
            ChildNamespaces { proxy: NsProxy::initial(), mounts: None, set_tid: Vec::new() },
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
        ns: ChildNamespaces,
    ) -> Result<Arc<Process>> {
        let pid_ns = ns.proxy.pid_for_children.clone();
        let parent_nice = parent.upgrade().map_or(0, |p| p.nice());
        let parent_oom = parent.upgrade().map_or(oom::OomAdj::default(), |p| p.oom_adj());
        let parent_persona = parent.upgrade().map_or(0, |p| p.personality());
        let kpid = KernelPid::alloc(&pid_ns, &ns.set_tid)?;
        let pid = kpid.global();
        let (pgid, sid) = parent.upgrade().map_or((kpid.clone(), kpid.clone()), |p| (p.pgid_ref(), p.sid_ref()));
        ns.proxy.time.freeze();
        let vm_token = vm.lock().page_table_token();
        let process = Arc::new(Process {
            koid: new_koid(),
            pid,
            kpid: kpid.clone(),
            nsproxy: Mutex::new(ns.proxy),
            vm_token: core::sync::atomic::AtomicUsize::new(vm_token),
            vm: Mutex::new(Some(vm)),
            creds: Mutex::new(creds),
            rlimits: Mutex::new(rlimits),
            files: Mutex::new(files),
            fs: Mutex::new(fs),
            sighand: Mutex::new(sighand),
            pending: Mutex::new(PendingSignals::default()),
            continued: core::sync::atomic::AtomicBool::new(false),
            signal_events: core::sync::atomic::AtomicU64::new(0),
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
            exit_wait: WaitQueue::new(),
            reaped: core::sync::atomic::AtomicBool::new(false),
            real_timer: Mutex::new(None),
            env_range: Mutex::new((0, 0)),
            nice: core::sync::atomic::AtomicI32::new(parent_nice),
            oom: Mutex::new(parent_oom),
            personality: core::sync::atomic::AtomicU32::new(parent_persona),
            pdeath_signal: core::sync::atomic::AtomicU32::new(0),
            start_ns: crate::time::monotonic_ns(),
            vfork_done: core::sync::atomic::AtomicBool::new(false),
            vfork_wait: WaitQueue::new(),
        });
        if kpid.local() == INIT_PID {
            // The first process of a PID namespace is its init
            // (`is_child_reaper` in copy_process).
            pid_ns.set_child_reaper(&process);
        }
        TABLE.lock().processes.insert(pid, Arc::downgrade(&process));
        // A namespace on the way lost its init while this process was being
        // made: the zap that killed the others enumerated the table before
        // we were in it, so we take our SIGKILL here (Linux's
        // `zap_pid_namespace` waits for such late arrivals instead).
        if process.kpid.in_dying_namespace() {
            process.send_signal(SigInfo::new(signal::SIGKILL, signal::SI_KERNEL));
        }
        Ok(process)
    }

    pub fn koid(&self) -> KoId {
        self.koid
    }

    /// The environment block of the current program: (start, end) in its memory.
    pub fn env_range(&self) -> (usize, usize) {
        *self.env_range.lock()
    }

    pub fn set_env_range(&self, range: (usize, usize)) {
        *self.env_range.lock() = range;
    }

    /// The nice value (-20..=19).
    pub fn nice(&self) -> i32 {
        self.nice.load(core::sync::atomic::Ordering::Relaxed)
    }

    pub fn oom_adj(&self) -> oom::OomAdj {
        *self.oom.lock()
    }

    /// A write to /proc/PID/oom_score_adj (`oom::OomAdj::set`).
    pub fn set_oom_score_adj(&self, value: i32, privileged: bool) -> Result<()> {
        self.oom.lock().set(value, privileged)
    }

    /// The personality(2) value: persona in the low byte, flags above.
    pub fn personality(&self) -> u32 {
        self.personality.load(core::sync::atomic::Ordering::Relaxed)
    }

    /// Sets the personality; returns the old one.
    pub fn set_personality(&self, persona: u32) -> u32 {
        self.personality.swap(persona, core::sync::atomic::Ordering::Relaxed)
    }

    pub fn pdeath_signal(&self) -> u32 {
        self.pdeath_signal.load(core::sync::atomic::Ordering::Relaxed)
    }

    pub fn set_pdeath_signal(&self, sig: u32) {
        self.pdeath_signal.store(sig, core::sync::atomic::Ordering::Relaxed);
    }

    /// Sets the nice value, clamped to -20..=19 as setpriority(2) does.
    pub fn set_nice(&self, nice: i32) {
        self.nice.store(nice.clamp(-20, 19), core::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the zombie has been reaped (wait, or automatic reaping).
    pub fn is_reaped(&self) -> bool {
        self.reaped.load(core::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn mark_reaped(&self) {
        self.reaped.store(true, core::sync::atomic::Ordering::Release);
        self.exit_wait.wake_all();
    }

    /// The PID in the initial namespace: the kernel's key for the process.
    /// System calls show [`pid_in`](Self::pid_in) the caller's namespace.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The PID as a process in `ns` sees it, 0 if invisible there.
    pub fn pid_in(&self, ns: &PidNamespace) -> Pid {
        self.kpid.nr_in(ns)
    }

    pub fn kpid(&self) -> &Arc<KernelPid> {
        &self.kpid
    }

    /// The PID namespace the process is in (`task_active_pid_ns`).
    pub fn pid_ns(&self) -> &Arc<PidNamespace> {
        self.kpid.ns()
    }

    /// Whether this process is the init of its (non-initial or initial)
    /// PID namespace.
    pub fn is_ns_init(&self) -> bool {
        self.kpid.local() == INIT_PID
    }

    pub fn nsproxy(&self) -> Arc<NsProxy> {
        self.nsproxy.lock().clone()
    }

    /// Installs a changed set of namespaces (unshare, setns).
    pub fn set_nsproxy(&self, proxy: Arc<NsProxy>) {
        *self.nsproxy.lock() = proxy;
    }

    /// Creation time, ns since boot.
    pub fn start_ns(&self) -> u64 {
        self.start_ns
    }

    /// The parent's PID (initial namespace), 0 for init.
    pub fn ppid(&self) -> Pid {
        self.inner.lock().parent.upgrade().map_or(0, |p| p.pid)
    }

    /// The parent's PID as seen from `ns`: 0 when the parent is outside it
    /// (getppid(2) in a namespace's init).
    pub fn ppid_in(&self, ns: &PidNamespace) -> Pid {
        self.inner.lock().parent.upgrade().map_or(0, |p| p.pid_in(ns))
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
    ///
    /// A signal the kernel makes (`SI_KERNEL`) is "forced" in Linux's sense;
    /// signals from processes go through [`send_signal_forced`](Self::send_signal_forced).
    pub fn send_signal(self: &Arc<Self>, info: SigInfo) -> bool {
        let force = info.code == signal::SI_KERNEL;
        self.send_signal_forced(info, force)
    }

    /// [`send_signal`](Self::send_signal) with Linux's `force`: true for
    /// kernel-made signals and for signals from an ancestor PID namespace
    /// (`send_signal_locked`), which is what lets SIGKILL and SIGSTOP reach
    /// a namespace's init.
    pub fn send_signal_forced(self: &Arc<Self>, info: SigInfo, force: bool) -> bool {
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
        // "Blocked signals are never ignored, since the signal handler may
        // change by the time it is unblocked" (kernel/signal.c, sig_ignored).
        let ignored = (action.is_ignored(sig) && sig != signal::SIGKILL) || self.init_ignores(sig, action.handler, force);
        let queued = if ignored && !blocked_everywhere {
            false
        } else {
            self.pending.lock().push(info)
        };
        self.note_signal_event();
        for thread in self.threads() {
            thread.wake();
        }
        queued
    }

    /// Whether this process, as the init of its PID namespace, drops `sig`
    /// whose handler is `handler` (Linux's `sig_task_ignored` for a
    /// SIGNAL_UNKILLABLE task): "the only signals that can be sent to the
    /// namespace init process are those for which the init process has
    /// established a signal handler", except that SIGKILL and SIGSTOP
    /// "are forcibly delivered when sent from an ancestor PID namespace"
    /// - pid_namespaces(7). The initial namespace's init never takes
    /// SIGKILL or SIGSTOP at all.
    pub fn init_ignores(&self, sig: signal::Signal, handler: usize, force: bool) -> bool {
        if !self.is_ns_init() || sig == 0 {
            return false;
        }
        let kernel_only = sig == signal::SIGKILL || sig == signal::SIGSTOP;
        if kernel_only && self.pid_ns().level() == 0 {
            return true;
        }
        handler == signal::SIG_DFL && !(force && kernel_only)
    }

    /// Tells `parent` that this child changed state: SIGCHLD (or the exit
    /// signal) with a CLD_* code, unless the parent asked not to hear about
    /// stops (SA_NOCLDSTOP). Mirrors `do_notify_parent` and
    /// `do_notify_parent_cldstop` (kernel/signal.c).
    pub fn notify_parent(&self, parent: &Arc<Process>, sig: signal::Signal, status: WaitStatus) {
        if sig == 0 {
            return;
        }
        if matches!(status, WaitStatus::Stopped(_) | WaitStatus::Continued)
            && parent.sighand().lock().get(signal::SIGCHLD).flags & signal::SA_NOCLDSTOP != 0
        {
            return;
        }
        let (code, value) = status.siginfo_code_status();
        let mut info = SigInfo::user(sig, code, self.pid_in(parent.pid_ns()), self.creds.lock().uid);
        info.status = value as i64;
        let (user, system) = self.cpu_time_ns();
        info.utime = user / 10_000_000;
        info.stime = system / 10_000_000;
        parent.send_signal(info);
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
        let token = vm.page_table_token();
        *self.vm.lock() = Some(vm.into_shared());
        self.vm_token.store(token, core::sync::atomic::Ordering::Release);
    }

    /// What the MMU must run on for this process (`VmSpace::page_table_token`),
    /// or 0 once its memory is gone.
    pub fn vm_token(&self) -> usize {
        self.vm_token.load(core::sync::atomic::Ordering::Acquire)
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

    /// The signal the parent gets when this process exits.
    pub fn exit_signal(&self) -> u32 {
        self.inner.lock().exit_signal
    }

    /// The process group, as its leader's initial-namespace PID.
    pub fn pgid(&self) -> Pid {
        self.inner.lock().pgid.global()
    }

    /// The session, as its leader's initial-namespace PID.
    pub fn sid(&self) -> Pid {
        self.inner.lock().sid.global()
    }

    pub fn pgid_ref(&self) -> Arc<KernelPid> {
        self.inner.lock().pgid.clone()
    }

    pub fn sid_ref(&self) -> Arc<KernelPid> {
        self.inner.lock().sid.clone()
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

    /// The command name without waiting for a lock (the panic path).
    pub fn try_comm(&self) -> Option<String> {
        self.inner.try_lock().map(|inner| inner.comm.clone())
    }

    /// The status every thread leaves with after exit_group, if one ran.
    pub fn group_exit_status(&self) -> Option<WaitStatus> {
        self.inner.lock().group_exit
    }

    /// exit_group(2): the first caller sets the status; every thread then
    /// leaves when it next enters the kernel (the caller wakes them).
    pub fn start_group_exit(&self, status: WaitStatus) {
        {
            let mut inner = self.inner.lock();
            if inner.group_exit.is_none() {
                inner.group_exit = Some(status);
            }
        }
        self.note_signal_event();
    }

    /// See `Thread::signal_events`.
    pub fn signal_events(&self) -> u64 {
        self.signal_events.load(core::sync::atomic::Ordering::Acquire)
    }

    fn note_signal_event(&self) {
        self.signal_events.fetch_add(1, core::sync::atomic::Ordering::AcqRel);
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
    /// `ns` gives the child's namespaces (the parent's, or new ones).
    pub fn fork(self: &Arc<Self>, share: ShareFlags, exit_signal: u32, ns: ChildNamespaces) -> Result<Arc<Thread>> {
        let vm = self.vm()?;
        let child_vm = if share.vm {
            vm
        } else {
            let copy = vm.lock().fork()?;
            copy.into_shared() // not under the parent's lock: the registry comes after it
        };
        let files = self.files();
        let child_files = if share.files { files } else { Arc::new(Mutex::new(files.lock().clone())) };
        let fs = self.fs();
        let child_fs = if share.fs { fs } else { Arc::new(Mutex::new(fs.lock().clone())) };
        if let Some(map) = &ns.mounts {
            let tree = ns.proxy.mnt.tree().clone();
            child_fs.lock().move_to_tree(tree, map);
        }
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
            ns,
        )?;
        child.set_exec_info(exe, cmdline);
        // The child's memory is a copy (or the same): so is the environment's place.
        child.set_env_range(self.env_range());
        child.set_comm(comm);
        self.inner.lock().children.push(child.clone());
        Ok(Thread::new_leader(&child))
    }

    /// Called by the last thread to exit: the process becomes a zombie, its
    /// memory goes, its children go to the reaper, its parent is told.
    /// Mirrors `do_exit` → `exit_notify` (kernel/exit.c). Returns the parent
    /// and the signal to send it (the caller sends it: signals live above).
    fn become_zombie(self: &Arc<Self>, status: WaitStatus) -> Option<(Arc<Process>, u32)> {
        self.vm_token.store(0, core::sync::atomic::Ordering::Release);
        self.vm.lock().take();
        // Close every file now, as do_exit's exit_files does: pipe readers
        // must see EOF before the parent reaps us.
        *self.files.lock() = Arc::new(Mutex::new(FdTable::new()));
        self.release_vfork();
        let ns_init_dies = self.is_ns_init() && self.pid_ns().level() > 0;
        let (children, parent, exit_signal) = {
            let mut inner = self.inner.lock();
            inner.state = ProcessState::Zombie(status);
            // A dying namespace init keeps its children: they are killed
            // below and reaped automatically when they die, and only then
            // can the init itself be waited for (Linux's
            // `zap_pid_namespace` waits for them the same way).
            let children = if ns_init_dies {
                // Children that are zombies already are reaped now: nobody
                // else ever will (zap_pid_namespace's own wait reaps them).
                inner.children.retain(|child| {
                    let dead = matches!(child.state(), ProcessState::Zombie(_));
                    if dead {
                        child.mark_reaped();
                    }
                    !dead
                });
                Vec::new()
            } else {
                core::mem::take(&mut inner.children)
            };
            (children, inner.parent.upgrade(), inner.exit_signal)
        };
        self.exit_wait.wake_all();
        itimer::cancel(self);
        // "the locks are released when the process terminates" - fcntl(2).
        crate::fs::lock::release_records(None, crate::fs::lock::LockOwner::Process(self.pid));
        if ns_init_dies {
            self.zap_pid_namespace();
        }
        if !children.is_empty() {
            let reaper = self.find_reaper();
            match reaper {
                Some(reaper) if matches!(reaper.state(), ProcessState::Zombie(_)) => {
                    // The reaper is a dying namespace init: it waits for
                    // no one, so zombies are reaped here and only the
                    // living join it (they are reaped when they die).
                    let mut live = Vec::new();
                    for child in children {
                        if matches!(child.state(), ProcessState::Zombie(_)) {
                            child.mark_reaped();
                        } else {
                            child.inner.lock().parent = Arc::downgrade(&reaper);
                            live.push(child);
                        }
                    }
                    reaper.inner.lock().children.extend(live);
                    if let Some(grandparent) = reaper.parent() {
                        grandparent.child_wait.wake_all();
                    }
                }
                Some(reaper) => {
                    // Linux's `reparent_leader`: "We don't want people
                    // slaying init" - an orphan's exit signal becomes
                    // SIGCHLD, and a zombie tells its new parent at once
                    // (reaped there and then if the reaper wants no zombies).
                    let auto_reap = Self::parent_reaps_automatically(&reaper);
                    let mut zombies = Vec::new();
                    let mut kept = Vec::new();
                    for child in children {
                        {
                            let mut inner = child.inner.lock();
                            inner.parent = Arc::downgrade(&reaper);
                            inner.exit_signal = signal::SIGCHLD;
                        }
                        match child.state() {
                            ProcessState::Zombie(status) => {
                                zombies.push((child.clone(), status));
                                if auto_reap {
                                    child.mark_reaped();
                                    continue;
                                }
                            }
                            _ => {}
                        }
                        kept.push(child);
                    }
                    reaper.inner.lock().children.extend(kept.iter().cloned());
                    for child in &kept {
                        // forget_original_parent: the parent-death signal, as
                        // if sent by the dying parent (SEND_SIG_NOINFO).
                        let sig = child.pdeath_signal();
                        if sig != 0 {
                            let info = SigInfo::user(sig, signal::SI_USER, self.pid_in(child.pid_ns()), self.creds.lock().uid);
                            child.send_signal_forced(info, self.pid_in(child.pid_ns()) == 0);
                        }
                        job_control::kill_orphaned_pgrp(child, Some(self));
                    }
                    for (zombie, status) in &zombies {
                        zombie.notify_parent(&reaper, signal::SIGCHLD, *status);
                    }
                    if !zombies.is_empty() {
                        reaper.child_wait.wake_all();
                    }
                }
                None => children.into_iter().for_each(|c| c.inner.lock().parent = Weak::new()),
            }
        }
        if !ns_init_dies {
            job_control::kill_orphaned_pgrp(self, None);
        }
        match parent {
            Some(parent) if matches!(parent.state(), ProcessState::Zombie(_)) => {
                // The parent is a dying namespace init that kept its
                // children: reap at once, and let the init's own parent
                // re-check whether the init can be reaped now.
                parent.inner.lock().children.retain(|c| c.pid != self.pid);
                self.mark_reaped();
                if let Some(grandparent) = parent.parent() {
                    grandparent.child_wait.wake_all();
                }
                None
            }
            Some(parent) => {
                if Self::parent_reaps_automatically(&parent) {
                    // "children that terminate do not become zombies" -
                    // sigaction(2): reap at once.
                    parent.inner.lock().children.retain(|c| c.pid != self.pid);
                    self.mark_reaped();
                }
                parent.child_wait.wake_all();
                Some((parent, exit_signal))
            }
            None => None,
        }
    }

    /// The closest ancestor in the same PID namespace that is a child
    /// subreaper, else the namespace's init — "orphaned processes are
    /// reparented to … the nearest still living ancestor subreaper"
    /// - prctl(2); "the init process of the namespace … becomes the parent
    /// of orphaned child processes" - pid_namespaces(7). Mirrors
    /// `find_new_reaper` (kernel/exit.c).
    fn find_reaper(&self) -> Option<Arc<Process>> {
        let ns = self.pid_ns();
        let mut ancestor = self.parent();
        while let Some(process) = ancestor {
            if !Arc::ptr_eq(process.pid_ns(), ns) {
                break;
            }
            if process.is_child_subreaper() && !matches!(process.state(), ProcessState::Zombie(_)) {
                return Some(process);
            }
            ancestor = process.parent();
        }
        ns.child_reaper().filter(|init| init.pid != self.pid)
    }

    /// The init of a PID namespace died: no process may enter any more, and
    /// every other process in it (and in namespaces below) gets SIGKILL
    /// ("If the init process of a PID namespace terminates, the kernel
    /// terminates all of the processes in the namespace via a SIGKILL
    /// signal" - pid_namespaces(7)).
    fn zap_pid_namespace(&self) {
        let ns = self.pid_ns().clone();
        ns.stop_adding();
        for process in processes_in(&ns) {
            if process.pid != self.pid {
                process.send_signal(SigInfo::new(signal::SIGKILL, signal::SI_KERNEL));
            }
        }
    }

    /// Whether this zombie must not be reaped yet: a namespace init whose
    /// killed children have not all died.
    pub(crate) fn is_waiting_for_namespace(&self) -> bool {
        self.is_ns_init() && self.pid_ns().level() > 0 && !self.inner.lock().children.is_empty()
    }

    /// setpgid(2) on `self` as seen by `caller`: `ESRCH` if it is neither
    /// the caller nor its child, `EPERM` across sessions or for a session
    /// leader, `EACCES` for a child that has already execve'd (not tracked
    /// yet), `EPERM` if the target group does not exist in the session.
    ///
    /// `pgid` is a number in the caller's PID namespace (0: the target's own).
    pub fn setpgid(self: &Arc<Self>, caller: &Arc<Process>, pgid: Pid) -> Result<()> {
        let is_self = Arc::ptr_eq(self, caller);
        let is_child = self.parent().is_some_and(|p| Arc::ptr_eq(&p, caller));
        if !is_self && !is_child {
            return Err(Errno::ESRCH.into());
        }
        if self.sid() == self.pid || self.sid() != caller.sid() {
            return Err(Errno::EPERM.into());
        }
        let group = if pgid == 0 || pgid == self.pid_in(caller.pid_ns()) {
            self.kpid.clone()
        } else {
            // An existing group of the same session, named in the caller's
            // namespace.
            let global = caller.pid_ns().to_global(pgid).ok_or(Errno::EPERM)?;
            all_processes()
                .into_iter()
                .find(|p| p.pgid() == global && p.sid() == self.sid())
                .map(|p| p.pgid_ref())
                .ok_or(Errno::EPERM)?
        };
        self.inner.lock().pgid = group;
        Ok(())
    }

    /// setsid(2): `EPERM` if the caller already leads a process group.
    /// Returns the new session id in the caller's namespace.
    pub fn setsid(&self) -> Result<Pid> {
        if all_processes().iter().any(|p| p.pgid() == self.pid) {
            return Err(Errno::EPERM.into());
        }
        let mut inner = self.inner.lock();
        inner.sid = self.kpid.clone();
        inner.pgid = self.kpid.clone();
        Ok(self.kpid.local())
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
        self.note_signal_event();
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
        TABLE.lock().processes.remove(&self.pid);
    }
}
