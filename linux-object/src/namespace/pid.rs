//! The PID namespace (pid_namespaces(7)): process numbers. Mirrors
//! `struct pid_namespace` (include/linux/pid_namespace.h),
//! kernel/pid_namespace.c, and `struct pid`/`alloc_pid` (kernel/pid.c).
//!
//! PID namespaces nest, up to [`MAX_PID_NS_LEVEL`] below the initial one.
//! A task has one number in its own namespace and one in each ancestor
//! ([`KernelPid`]); a process sees only the tasks of its namespace and its
//! descendants, under the numbers they have there. The first process in a
//! new namespace gets number 1 and is its init ("child reaper"): orphans in
//! the namespace are reparented to it, and when it dies every other process
//! in the namespace is killed and no new one may enter (`ENOMEM`).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use super::{NsCommon, NsKind, NsRef, UserNamespace, registry};
use crate::error::{Errno, Result};
use crate::process::Process;
use crate::process::pid::{Pid, PidAllocator};
use crate::sync::{Mutex, Once};

/// Linux's `MAX_PID_NS_LEVEL`: at most 32 namespaces below the initial one.
pub const MAX_PID_NS_LEVEL: u32 = 32;

pub struct PidNamespace {
    common: NsCommon,
    parent: Option<Arc<PidNamespace>>,
    level: u32,
    /// Protected by the mutex; taken before the process table's lock.
    inner: Mutex<PidNsInner>,
}

super::namespace_object!(PidNamespace);

struct PidNsInner {
    numbers: PidAllocator,
    /// Number in this namespace → number in the initial one (the key of
    /// the process table).
    global: BTreeMap<Pid, Pid>,
    /// Init of this namespace, once it exists.
    child_reaper: Weak<Process>,
    /// Set when init is created; stays set after it dies.
    had_init: bool,
    /// Cleared when init dies (Linux's `PIDNS_ADDING`): then no process may
    /// be added, and `alloc` fails with `ENOMEM` as fork(2) documents.
    adding: bool,
}

impl PidNamespace {
    fn create(common: NsCommon, parent: Option<Arc<PidNamespace>>, level: u32) -> Arc<Self> {
        let ns = Arc::new(PidNamespace {
            common,
            parent,
            level,
            inner: Mutex::new(PidNsInner {
                numbers: PidAllocator::new(),
                global: BTreeMap::new(),
                child_reaper: Weak::new(),
                had_init: false,
                adding: true,
            }),
        });
        registry::insert(&NsRef::Pid(ns.clone()));
        ns
    }

    /// `create_pid_namespace`: a child of `self` owned by `owner`;
    /// `ENOSPC` below [`MAX_PID_NS_LEVEL`].
    pub fn new_child(self: &Arc<Self>, owner: Arc<UserNamespace>) -> Result<Arc<Self>> {
        let level = self.level + 1;
        if level > MAX_PID_NS_LEVEL {
            return Err(Errno::ENOSPC.into());
        }
        Ok(Self::create(NsCommon::new(NsKind::Pid, Some(owner))?, Some(self.clone()), level))
    }

    pub fn level(&self) -> u32 {
        self.level
    }

    pub fn parent(&self) -> Option<&Arc<PidNamespace>> {
        self.parent.as_ref()
    }

    /// Whether `self` is `ancestor` or lies below it (a process in
    /// `ancestor` can see the processes of `self`).
    pub fn is_descendant_of(&self, ancestor: &PidNamespace) -> bool {
        let mut ns = self;
        while ns.level > ancestor.level {
            ns = ns.parent.as_ref().expect("a non-initial PID namespace has a parent");
        }
        core::ptr::eq(ns, ancestor)
    }

    /// The initial-namespace number of the task numbered `nr` here.
    pub fn to_global(&self, nr: Pid) -> Option<Pid> {
        self.inner.lock().global.get(&nr).copied()
    }

    /// The numbers from `from` on that this namespace has given out, in
    /// order, with their initial-namespace numbers (threads' included).
    pub fn numbers_from(&self, from: Pid, max: usize) -> Vec<(Pid, Pid)> {
        self.inner.lock().global.range(from..).take(max).map(|(&nr, &global)| (nr, global)).collect()
    }

    /// The init of this namespace, if it has one and it still exists.
    pub fn child_reaper(&self) -> Option<Arc<Process>> {
        self.inner.lock().child_reaper.upgrade()
    }

    pub fn set_child_reaper(&self, init: &Arc<Process>) {
        let mut inner = self.inner.lock();
        inner.child_reaper = Arc::downgrade(init);
        inner.had_init = true;
    }

    /// Whether the namespace's init has been created (until then
    /// `/proc/PID/ns/pid_for_children` cannot be opened: Linux's
    /// `pidns_for_children_get` returns ENOENT without a child reaper).
    pub fn has_had_init(&self) -> bool {
        self.inner.lock().had_init
    }

    /// Whether init has died (no process can be added any more).
    pub fn is_dying(&self) -> bool {
        !self.inner.lock().adding
    }

    /// Init died: refuse new processes (the caller kills the others,
    /// Linux's `zap_pid_namespace`).
    pub fn stop_adding(&self) {
        self.inner.lock().adding = false;
    }

    /// The last PID handed out here (`/proc/sys/kernel/ns_last_pid`).
    pub fn last_pid(&self) -> Pid {
        self.inner.lock().numbers.last()
    }

    /// Writing `ns_last_pid`: the next PID will be searched from `last + 1`
    /// (CRIU restores processes this way). `EINVAL` outside [0, pid_max).
    pub fn set_last_pid(&self, last: Pid) -> Result<()> {
        if last >= crate::process::pid::PID_MAX {
            return Err(Errno::EINVAL.into());
        }
        self.inner.lock().numbers.set_last(last);
        Ok(())
    }

    /// Numbers in use in this namespace (threads included).
    pub fn count(&self) -> usize {
        self.inner.lock().numbers.count()
    }
}

static INIT_PID_NS: Once<Arc<PidNamespace>> = Once::new();

/// The initial PID namespace (`init_pid_ns`).
pub fn init_pid_ns() -> Arc<PidNamespace> {
    INIT_PID_NS
        .call_once(|| PidNamespace::create(NsCommon::initial(NsKind::Pid, Some(super::user::init_user_ns())), None, 0))
        .clone()
}

/// One task's PID: its number in every namespace from the initial one
/// (index 0) down to its own (Linux's `struct pid` with its `upid`
/// array). Shared by the thread it names and, for a process or group
/// leader, by the process's group and session references, so a number
/// stays taken while anything refers to it. Dropping the last reference
/// frees the numbers.
pub struct KernelPid {
    numbers: Vec<(Arc<PidNamespace>, Pid)>,
}

impl KernelPid {
    /// `alloc_pid`: a number in `ns` and in each of its ancestors.
    /// `set_tid` (clone3) chooses numbers from `ns` outwards; a new
    /// namespace's first number must be 1 (`EINVAL` otherwise). `ENOMEM`
    /// if a namespace on the way has lost its init.
    pub fn alloc(ns: &Arc<PidNamespace>, set_tid: &[Pid]) -> Result<Arc<KernelPid>> {
        if set_tid.len() > ns.level as usize + 1 {
            return Err(Errno::EINVAL.into());
        }
        let mut chain: Vec<Arc<PidNamespace>> = Vec::with_capacity(ns.level as usize + 1);
        let mut cursor = Some(ns.clone());
        while let Some(n) = cursor {
            cursor = n.parent.clone();
            chain.push(n);
        }
        // chain[0] is `ns`, the last is the initial namespace.
        let mut taken: Vec<(Arc<PidNamespace>, Pid)> = Vec::with_capacity(chain.len());
        let result = (|| {
            for (i, n) in chain.iter().enumerate() {
                let mut inner = n.inner.lock();
                if !inner.adding {
                    return Err(Errno::ENOMEM.into());
                }
                let nr = match set_tid.get(i) {
                    Some(&want) => {
                        if want != 1 && inner.child_reaper.upgrade().is_none() && inner.numbers.count() == 0 {
                            return Err(Errno::EINVAL.into());
                        }
                        inner.numbers.alloc_specific(want)?
                    }
                    None => inner.numbers.alloc()?,
                };
                drop(inner);
                taken.push((n.clone(), nr));
            }
            Ok(())
        })();
        let global = taken.last().map(|t| t.1);
        if let Err(e) = result {
            for (n, nr) in &taken {
                n.inner.lock().numbers.free(*nr);
            }
            return Err(e);
        }
        let global = global.expect("the initial namespace is in every chain");
        for (n, nr) in &taken {
            n.inner.lock().global.insert(*nr, global);
        }
        taken.reverse();
        Ok(Arc::new(KernelPid { numbers: taken }))
    }

    /// The number in the initial namespace: the kernel's key for the task.
    pub fn global(&self) -> Pid {
        self.numbers[0].1
    }

    /// The task's own (deepest) PID namespace.
    pub fn ns(&self) -> &Arc<PidNamespace> {
        &self.numbers[self.numbers.len() - 1].0
    }

    /// The number in the task's own namespace.
    pub fn local(&self) -> Pid {
        self.numbers[self.numbers.len() - 1].1
    }

    /// The number as seen from `ns` (`pid_nr_ns`): 0 if the task is not
    /// visible there (it lives in an ancestor or unrelated namespace).
    pub fn nr_in(&self, ns: &PidNamespace) -> Pid {
        match self.numbers.get(ns.level as usize) {
            Some((n, nr)) if core::ptr::eq(&**n, ns) => *nr,
            _ => 0,
        }
    }

    /// Whether any namespace the task is numbered in has lost its init.
    pub fn in_dying_namespace(&self) -> bool {
        self.numbers.iter().any(|(ns, _)| ns.is_dying())
    }

    /// The numbers from `ns`'s level down to the task's own, for the
    /// `NSpid:` lines of /proc/PID/status. Empty if not visible from `ns`.
    pub fn numbers_from(&self, ns: &PidNamespace) -> Vec<Pid> {
        if self.nr_in(ns) == 0 {
            return Vec::new();
        }
        self.numbers[ns.level as usize..].iter().map(|(_, nr)| *nr).collect()
    }

    /// The task's namespaces from `ns`'s level down to its own (the
    /// columns of `NSpgid:` and `NSsid:`, where a group is shown as each of
    /// these namespaces numbers it).
    pub fn namespaces_from(&self, ns: &PidNamespace) -> Vec<Arc<PidNamespace>> {
        if self.nr_in(ns) == 0 {
            return Vec::new();
        }
        self.numbers[ns.level as usize..].iter().map(|(n, _)| n.clone()).collect()
    }
}

impl Drop for KernelPid {
    fn drop(&mut self) {
        for (ns, nr) in &self.numbers {
            let mut inner = ns.inner.lock();
            inner.numbers.free(*nr);
            inner.global.remove(nr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::user::init_user_ns;

    #[test]
    fn a_task_has_one_number_per_level() {
        let root = PidNamespace::create(NsCommon::new(NsKind::Pid, None).unwrap(), None, 0);
        let a = KernelPid::alloc(&root, &[]).unwrap();
        assert_eq!((a.global(), a.local()), (1, 1));
        let child = root.new_child(init_user_ns()).unwrap();
        let b = KernelPid::alloc(&child, &[]).unwrap();
        assert_eq!(b.global(), 2);
        assert_eq!(b.local(), 1, "the first task of a new namespace is its PID 1");
        assert_eq!(b.nr_in(&root), 2);
        assert_eq!(b.nr_in(&child), 1);
        assert_eq!(a.nr_in(&child), 0, "the parent namespace is invisible from the child");
        assert_eq!(b.numbers_from(&root), [2, 1]);
        assert_eq!(child.to_global(1), Some(2));
        assert!(child.is_descendant_of(&root) && !root.is_descendant_of(&child));
        drop(b);
        assert_eq!(child.to_global(1), None, "numbers are freed with the last reference");
        assert_eq!(root.count(), 1);
    }

    #[test]
    fn nesting_stops_at_32_levels() {
        let mut ns = PidNamespace::create(NsCommon::new(NsKind::Pid, None).unwrap(), None, 0);
        for _ in 0..MAX_PID_NS_LEVEL {
            ns = ns.new_child(init_user_ns()).unwrap();
        }
        assert_eq!(ns.level(), 32);
        assert_eq!(ns.new_child(init_user_ns()).err().unwrap().errno, Errno::ENOSPC);
        let deep = KernelPid::alloc(&ns, &[]).unwrap();
        assert_eq!(deep.numbers_from(&ns), [1]);
    }

    #[test]
    fn set_tid_and_a_dying_namespace() {
        let root = PidNamespace::create(NsCommon::new(NsKind::Pid, None).unwrap(), None, 0);
        let _init = KernelPid::alloc(&root, &[]).unwrap();
        let child = root.new_child(init_user_ns()).unwrap();
        assert_eq!(KernelPid::alloc(&child, &[5]).err().unwrap().errno, Errno::EINVAL, "a new namespace starts at 1");
        let first = KernelPid::alloc(&child, &[1, 300]).unwrap();
        assert_eq!((first.local(), first.global()), (1, 300));
        assert_eq!(KernelPid::alloc(&root, &[300]).err().unwrap().errno, Errno::EEXIST);
        assert_eq!(KernelPid::alloc(&child, &[1, 2, 3]).err().unwrap().errno, Errno::EINVAL, "longer than the nesting");
        child.stop_adding();
        assert_eq!(KernelPid::alloc(&child, &[]).err().unwrap().errno, Errno::ENOMEM);
        assert_eq!(root.count(), 2, "a failed allocation gives its numbers back");
    }
}
