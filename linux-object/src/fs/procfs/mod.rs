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
type Lister = Box<dyn Fn() -> Vec<(String, Arc<dyn INode>)> + Send + Sync>;

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
}

impl ProcFile {
    pub fn new(ino: u64, generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner: (0, 0), generate: Box::new(generate), write: None, private: false })
    }

    pub fn owned(ino: u64, owner: (u32, u32), generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate), write: None, private: false })
    }

    /// A file only its owner may read (mode 0400), like /proc/PID/environ.
    pub fn private(ino: u64, owner: (u32, u32), generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate), write: None, private: true })
    }

    /// A file with mode 0644 whose writes go to `write`.
    pub fn writable(
        ino: u64,
        owner: (u32, u32),
        generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static,
        write: impl Fn(&[u8]) -> Result<usize> + Send + Sync + 'static,
    ) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate), write: Some(Box::new(write)), private: false })
    }
}

impl INode for ProcFile {
    fn metadata(&self) -> Metadata {
        let perm = if self.private {
            0o400
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
        Arc::new(ProcDir { ino, owner, perm, list: Box::new(list) })
    }
}

impl INode for ProcDir {
    fn metadata(&self) -> Metadata {
        proc_metadata(self.ino, FileType::Directory, self.perm, self.owner.0, self.owner.1)
    }
    fn lookup(&self, name: &str) -> Result<Arc<dyn INode>> {
        (self.list)().into_iter().find(|(n, _)| n == name).map(|(_, node)| node).ok_or(Errno::ENOENT.into())
    }
    fn read_dir(&self, index: usize) -> Result<Option<DirEntry>> {
        Ok(match index {
            0 => Some(DirEntry { name: ".".to_string(), ino: self.ino, kind: FileType::Directory }),
            1 => Some(DirEntry { name: "..".to_string(), ino: 1, kind: FileType::Directory }),
            i => (self.list)().into_iter().nth(i - 2).map(|(name, node)| {
                let meta = node.metadata();
                DirEntry { name, ino: meta.ino, kind: meta.kind }
            }),
        })
    }
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
}

/// The root of a procfs mount: system files, `self`, and one directory per
/// process of PID namespace `ns` (the mounter's) and the namespaces below
/// it, named by their PIDs in `ns`.
pub fn new_root(ns: Arc<PidNamespace>) -> Arc<dyn INode> {
    ProcDir::new(1, (0, 0), 0o555, move || {
        let mut entries = system::entries();
        let self_ns = ns.clone();
        entries.push((
            "self".to_string(),
            ProcLink::new(2, (0, 0), move || {
                let thread = hal().current_thread().ok_or(Errno::ENOENT)?;
                match thread.process().pid_in(&self_ns) {
                    0 => Err(Errno::ENOENT.into()),
                    pid => Ok(pid.to_string()),
                }
            }),
        ));
        let thread_ns = ns.clone();
        entries.push((
            "thread-self".to_string(),
            ProcLink::new(3, (0, 0), move || {
                let thread = hal().current_thread().ok_or(Errno::ENOENT)?;
                match (thread.process().pid_in(&thread_ns), thread.tid_in(&thread_ns)) {
                    (0, _) | (_, 0) => Err(Errno::ENOENT.into()),
                    (pid, tid) => Ok(alloc::format!("{pid}/task/{tid}")),
                }
            }),
        ));
        for process in crate::process::processes_in(&ns) {
            entries.push((process.pid_in(&ns).to_string(), pid::process_dir(&process, &ns)));
        }
        entries
    })
}
