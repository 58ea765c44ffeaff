//! procfs: files whose contents are generated when read, per proc(5).
//!
//! Three kinds of node: [`ProcFile`] (text made by a closure), [`ProcLink`]
//! (a symlink whose target is computed), and [`ProcDir`] (children listed by
//! a closure). The root lists the processes; `pid.rs` builds a process's
//! directory; `system.rs` the system-wide files.

mod pid;
mod sysctl;
mod system;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use super::path::Path;
use super::vfs::{DirEntry, FileType, INode, Metadata};
use crate::namespace::pid::PidNamespace;
use crate::error::{Errno, Result};
use crate::hal::hal;
use crate::time::{self, TimeSpec};

pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;
/// procfs's device number (anonymous, major 0).
const PROC_DEV: u64 = 0x16;

/// Facts about the machine that /proc/cpuinfo and /proc/version print.
pub struct MachineInfo {
    pub cpuinfo: String,
    /// The kernel release (`uname -r`, /proc/sys/kernel/osrelease).
    pub release: String,
    /// The build string (`uname -v`, /proc/sys/kernel/version).
    pub build: String,
}

impl MachineInfo {
    /// /proc/version's line.
    pub fn version_line(&self) -> String {
        alloc::format!("Linux version {} (nscore@nscore) (rustc) {}\n", self.release, self.build)
    }
}

static MACHINE: crate::sync::Once<MachineInfo> = crate::sync::Once::new();

/// The kernel tells procfs about the machine once at boot.
pub fn init(info: MachineInfo) {
    MACHINE.call_once(|| info);
}

fn machine() -> &'static MachineInfo {
    MACHINE.call_once(|| MachineInfo { cpuinfo: String::new(), release: String::new(), build: String::new() })
}

type Generator = Box<dyn Fn() -> Result<Vec<u8>> + Send + Sync>;
type Writer = Box<dyn Fn(&[u8]) -> Result<usize> + Send + Sync>;
type LinkTarget = Box<dyn Fn() -> Result<String> + Send + Sync>;
type MagicTarget = Box<dyn Fn() -> Result<Path> + Send + Sync>;
/// A directory's entries: all of them (`None`), or only the one with the
/// name given, so a lookup builds one inode, not the whole directory.
type Lister = Box<dyn Fn(Option<&str>) -> Vec<(String, Arc<dyn INode>)> + Send + Sync>;

fn proc_metadata(ino: u64, kind: FileType, perm: u32, uid: u32, gid: u32) -> Metadata {
    let t = TimeSpec::from_ns(time::realtime_ns());
    Metadata {
        dev: PROC_DEV,
        ino,
        kind,
        perm,
        nlink: if kind == FileType::Directory { 2 } else { 1 },
        uid,
        gid,
        rdev: 0,
        size: 0,
        blksize: 1024,
        blocks: 0,
        atime: t,
        mtime: t,
        ctime: t,
    }
}

/// A file whose contents come from `generate` at every read; writable
/// when it has a `write` handler (each write is handled whole).
pub struct ProcFile {
    ino: u64,
    owner: (u32, u32),
    generate: Generator,
    write: Option<Writer>,
    /// Mode 0400 instead of 0444.
    private: bool,
    /// Mode 0200: writes only (`vm/drop_caches`).
    write_only: bool,
    /// What mmap(2) says: `ENODEV` (no `mmap` in the file's operations),
    /// or `EIO` for the system files made with `proc_create`
    /// (`proc_reg_mmap` without a `proc_mmap`).
    mmap_error: Errno,
}

impl ProcFile {
    /// A system-wide file at the top of /proc (meminfo, stat, …).
    pub fn system(ino: u64, generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner: (0, 0), generate: Box::new(generate), write: None, private: false, write_only: false, mmap_error: Errno::EIO })
    }

    pub fn new(ino: u64, generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner: (0, 0), generate: Box::new(generate), write: None, private: false, write_only: false, mmap_error: Errno::ENODEV })
    }

    pub fn owned(ino: u64, owner: (u32, u32), generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate), write: None, private: false, write_only: false, mmap_error: Errno::ENODEV })
    }

    /// A file only its owner may read (mode 0400), like /proc/PID/environ.
    pub fn private(ino: u64, owner: (u32, u32), generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate), write: None, private: true, write_only: false, mmap_error: Errno::ENODEV })
    }

    /// A file with mode 0644 whose writes go to `write`.
    pub fn writable(
        ino: u64,
        owner: (u32, u32),
        generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static,
        write: impl Fn(&[u8]) -> Result<usize> + Send + Sync + 'static,
    ) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate), write: Some(Box::new(write)), private: false, write_only: false, mmap_error: Errno::ENODEV })
    }

    /// A file with mode 0200 whose writes go to `write`; reads fail with
    /// `EACCES` even for root, as the sysctl permission check has it
    /// (`test_perm` in fs/proc/proc_sysctl.c).
    pub fn write_only(ino: u64, write: impl Fn(&[u8]) -> Result<usize> + Send + Sync + 'static) -> Arc<dyn INode> {
        let generate = || Err(Errno::EACCES.into());
        Arc::new(ProcFile { ino, owner: (0, 0), generate: Box::new(generate), write: Some(Box::new(write)), private: false, write_only: true, mmap_error: Errno::ENODEV })
    }
}

impl INode for ProcFile {
    fn mmap_allowed(&self) -> Result<()> {
        Err(self.mmap_error.into())
    }
    fn metadata(&self) -> Metadata {
        let perm = if self.private {
            0o400
        } else if self.write_only {
            0o200
        } else if self.write.is_some() {
            0o644
        } else {
            0o444
        };
        proc_metadata(self.ino, FileType::Regular, perm, self.owner.0, self.owner.1)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let data = (self.generate)()?;
        let start = (offset.min(data.len() as u64)) as usize;
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }
    fn write_at(&self, _offset: u64, data: &[u8]) -> Result<usize> {
        match &self.write {
            Some(write) => write(data),
            None => Err(Errno::EACCES.into()),
        }
    }
    fn truncate(&self, _len: u64) -> Result<()> {
        // O_TRUNC on a writable proc file is accepted and ignored, as Linux does.
        if self.write.is_some() { Ok(()) } else { Err(Errno::EACCES.into()) }
    }
    fn fs_magic(&self) -> u64 {
        PROC_SUPER_MAGIC
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A symlink whose target is computed when read (`/proc/self`, `exe`,
/// `fd/N`). A "magic" one (`ns/*`) leads, when followed, to the object
/// `magic` gives rather than to the path its text names.
pub struct ProcLink {
    ino: u64,
    owner: (u32, u32),
    target: LinkTarget,
    magic: Option<MagicTarget>,
}

impl ProcLink {
    pub fn new(ino: u64, owner: (u32, u32), target: impl Fn() -> Result<String> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcLink { ino, owner, target: Box::new(target), magic: None })
    }

    pub fn magic(
        ino: u64,
        owner: (u32, u32),
        target: impl Fn() -> Result<String> + Send + Sync + 'static,
        magic: impl Fn() -> Result<Path> + Send + Sync + 'static,
    ) -> Arc<dyn INode> {
        Arc::new(ProcLink { ino, owner, target: Box::new(target), magic: Some(Box::new(magic)) })
    }
}

impl INode for ProcLink {
    fn metadata(&self) -> Metadata {
        proc_metadata(self.ino, FileType::Symlink, 0o777, self.owner.0, self.owner.1)
    }
    fn read_link(&self) -> Result<String> {
        (self.target)()
    }
    fn magic_target(&self) -> Option<Result<Path>> {
        self.magic.as_ref().map(|magic| magic())
    }
    fn fs_magic(&self) -> u64 {
        PROC_SUPER_MAGIC
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A directory whose entries `list` produces on demand.
pub struct ProcDir {
    ino: u64,
    owner: (u32, u32),
    perm: u32,
    list: Lister,
}

impl ProcDir {
    pub fn new(ino: u64, owner: (u32, u32), perm: u32, list: impl Fn() -> Vec<(String, Arc<dyn INode>)> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcDir { ino, owner, perm, list: Box::new(move |_| list()) })
    }

    /// A directory whose `list` builds only the entry asked for when given
    /// a name (the per-process directories, looked up on every /proc/PID/…
    /// path walk).
    pub fn selective(
        ino: u64,
        owner: (u32, u32),
        perm: u32,
        list: impl Fn(Option<&str>) -> Vec<(String, Arc<dyn INode>)> + Send + Sync + 'static,
    ) -> Arc<dyn INode> {
        Arc::new(ProcDir { ino, owner, perm, list: Box::new(list) })
    }
}

/// What every procfs directory answers the same way: nothing can be
/// created or removed in it (`EACCES`), and its file system is procfs.
macro_rules! proc_dir_methods {
    () => {
        fn create(&self, _: &str, _: FileType, _: u32, _: u32, _: u32, _: u64) -> Result<Arc<dyn INode>> {
            Err(Errno::EACCES.into())
        }
        fn unlink(&self, _name: &str) -> Result<()> {
            Err(Errno::EACCES.into())
        }
        fn fs_magic(&self) -> u64 {
            PROC_SUPER_MAGIC
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    };
}

impl INode for ProcDir {
    fn metadata(&self) -> Metadata {
        proc_metadata(self.ino, FileType::Directory, self.perm, self.owner.0, self.owner.1)
    }
    fn lookup(&self, name: &str) -> Result<Arc<dyn INode>> {
        (self.list)(Some(name)).into_iter().find(|(n, _)| n == name).map(|(_, node)| node).ok_or(Errno::ENOENT.into())
    }
    fn read_dir(&self, index: usize) -> Result<Option<DirEntry>> {
        Ok(match index {
            0 => Some(DirEntry { name: ".".to_string(), ino: self.ino, kind: FileType::Directory }),
            1 => Some(DirEntry { name: "..".to_string(), ino: 1, kind: FileType::Directory }),
            i => (self.list)(None).into_iter().nth(i - 2).map(|(name, node)| {
                let meta = node.metadata();
                DirEntry { name, ino: meta.ino, kind: meta.kind }
            }),
        })
    }
    proc_dir_methods!();
}

/// The root of a procfs mount: system files, `self`, and one directory per
/// process of PID namespace `ns` (the mounter's) and the namespaces below
/// it, named by their PIDs in `ns`.
pub fn new_root(ns: Arc<PidNamespace>) -> Arc<dyn INode> {
    Arc::new(ProcRoot { ns })
}

/// The procfs root. Its process directories are never listed all at once:
/// a lookup finds the one process by number, and readdir walks the
/// namespace's numbers in order from a cursor (`proc_pid_lookup`,
/// `proc_pid_readdir` with its `TGID_OFFSET`, fs/proc/base.c), so a /proc
/// scan costs O(N log N) for N processes, not O(N²).
struct ProcRoot {
    ns: Arc<PidNamespace>,
}

/// Directory positions from here on are `PID_CURSOR + pid`.
const PID_CURSOR: u64 = 1 << 32;

impl ProcRoot {
    /// The entries that are not processes: system files, `self`,
    /// `thread-self`.
    fn fixed_entries(&self) -> Vec<(String, Arc<dyn INode>)> {
        let mut entries = system::entries();
        entries.push(("self".to_string(), self.self_link()));
        entries.push(("thread-self".to_string(), self.thread_self_link()));
        entries
    }

    /// `/proc/self`: the reader's PID in this namespace.
    fn self_link(&self) -> Arc<dyn INode> {
        let ns = self.ns.clone();
        ProcLink::new(2, (0, 0), move || {
            let thread = hal().current_thread().ok_or(Errno::ENOENT)?;
            match thread.process().pid_in(&ns) {
                0 => Err(Errno::ENOENT.into()),
                pid => Ok(pid.to_string()),
            }
        })
    }

    /// `/proc/thread-self`: "PID/task/TID" of the reader.
    fn thread_self_link(&self) -> Arc<dyn INode> {
        let ns = self.ns.clone();
        ProcLink::new(3, (0, 0), move || {
            let thread = hal().current_thread().ok_or(Errno::ENOENT)?;
            match (thread.process().pid_in(&ns), thread.tid_in(&ns)) {
                (0, _) | (_, 0) => Err(Errno::ENOENT.into()),
                (pid, tid) => Ok(alloc::format!("{pid}/task/{tid}")),
            }
        })
    }

    /// The first process whose number in `ns` is `from` or more.
    fn next_process(&self, mut from: u32) -> Option<(u32, Arc<crate::process::Process>)> {
        loop {
            let batch = self.ns.numbers_from(from, 64);
            let last = batch.last()?.0;
            for (nr, global) in batch {
                // The number may be a thread's; only a leader's names a process.
                if let Some(process) = crate::process::find_process(global) {
                    if process.pid_in(&self.ns) == nr && !process.is_reaped() {
                        return Some((nr, process));
                    }
                }
            }
            from = last.checked_add(1)?;
        }
    }
}

impl INode for ProcRoot {
    fn metadata(&self) -> Metadata {
        proc_metadata(1, FileType::Directory, 0o555, 0, 0)
    }
    fn lookup(&self, name: &str) -> Result<Arc<dyn INode>> {
        // A process directory: its PID in decimal, without leading zeros.
        // (Looked up first: every /proc/self/… walk comes here.)
        let Ok(nr) = name.parse::<u32>() else {
            return match name {
                "self" => Ok(self.self_link()),
                "thread-self" => Ok(self.thread_self_link()),
                _ => self.fixed_entries().into_iter().find(|(n, _)| n == name).map(|(_, node)| node).ok_or(Errno::ENOENT.into()),
            };
        };
        if nr.to_string() != name {
            return Err(Errno::ENOENT.into());
        }
        let process = crate::process::find_process_in(&self.ns, nr).ok_or(Errno::ENOENT)?;
        Ok(pid::process_dir(&process, &self.ns))
    }
    fn read_dir(&self, index: usize) -> Result<Option<DirEntry>> {
        Ok(self.read_dir_at(index as u64)?.map(|(entry, _)| entry))
    }
    fn read_dir_at(&self, pos: u64) -> Result<Option<(DirEntry, u64)>> {
        match pos {
            0 => return Ok(Some((DirEntry { name: ".".to_string(), ino: 1, kind: FileType::Directory }, 1))),
            1 => return Ok(Some((DirEntry { name: "..".to_string(), ino: 1, kind: FileType::Directory }, 2))),
            _ => {}
        }
        if pos < PID_CURSOR {
            if let Some((name, node)) = self.fixed_entries().into_iter().nth(pos as usize - 2) {
                let meta = node.metadata();
                return Ok(Some((DirEntry { name, ino: meta.ino, kind: meta.kind }, pos + 1)));
            }
        }
        let from = pos.saturating_sub(PID_CURSOR).min(u32::MAX as u64) as u32;
        Ok(self.next_process(from.max(1)).map(|(nr, process)| {
            let ino = pid::process_dir_ino(&process);
            (DirEntry { name: nr.to_string(), ino, kind: FileType::Directory }, PID_CURSOR + nr as u64 + 1)
        }))
    }
    proc_dir_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::context::FsContext;
    use crate::fs::fd_table::FdTable;
    use crate::fs::mount::MountTree;
    use crate::fs::ramfs::{RAMFS_MAGIC, RamFs};
    use crate::mm::VmSpace;
    use crate::process::{ChildNamespaces, Process, ShareFlags, WaitOptions, WaitSelector, WaitStatus};

    /// Every name a full readdir pass from position 0 gives, following
    /// the cursor the way getdents64 does.
    fn names(root: &Arc<dyn INode>) -> Vec<String> {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some((entry, next)) = root.read_dir_at(pos).unwrap() {
            assert!(next > pos, "the cursor moves forward");
            out.push(entry.name);
            pos = next;
        }
        out
    }

    #[test]
    fn the_root_lists_each_live_process_once_in_pid_order() {
        let fs = RamFs::new(RAMFS_MAGIC, 0o755);
        let init = Process::new_init(VmSpace::new(), FsContext::new(MountTree::new(fs.root(), "ramfs", "none")), FdTable::new()).unwrap();
        let parent = init.process().clone();
        let kids: Vec<_> = (0..3).map(|_| parent.fork(ShareFlags::default(), 17, ChildNamespaces::inherit(&parent)).unwrap()).collect();
        let gone = kids[1].process().pid();
        kids[1].exit(WaitStatus::Exited(0));
        parent.try_wait(WaitSelector::Pid(gone), WaitOptions::WEXITED).unwrap();
        let root = new_root(parent.pid_ns().clone());
        let listed = names(&root);
        let pids: Vec<u32> = listed.iter().filter_map(|n| n.parse().ok()).collect();
        let mut sorted = pids.clone();
        sorted.dedup();
        assert_eq!(pids, sorted, "in order, no duplicates");
        for kid in [&kids[0], &kids[2]] {
            assert!(pids.contains(&kid.process().pid()));
        }
        assert!(!pids.contains(&gone), "a reaped process is not listed");
        assert!(listed.iter().any(|n| n == "self") && listed[..2] == [".", ".."]);
        let name = kids[0].process().pid().to_string();
        assert!(root.lookup(&name).is_ok());
        assert!(root.lookup(&alloc::format!("0{name}")).is_err(), "no leading zeros");
        assert!(root.lookup(&gone.to_string()).is_err());
    }
}
