//! procfs: files whose contents are generated when read, per proc(5).
//!
//! Three kinds of node: [`ProcFile`] (text made by a closure), [`ProcLink`]
//! (a symlink whose target is computed), and [`ProcDir`] (children listed by
//! a closure). The root lists the processes; `pid.rs` builds a process's
//! directory; `system.rs` the system-wide files.

mod pid;
mod system;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use super::vfs::{DirEntry, FileType, INode, Metadata};
use crate::error::{Errno, Result};
use crate::hal::hal;
use crate::time::{self, TimeSpec};

pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;
/// procfs's device number (anonymous, major 0).
const PROC_DEV: u64 = 0x16;

/// Facts about the machine that /proc/cpuinfo and /proc/version print.
pub struct MachineInfo {
    pub cpuinfo: String,
    pub version: String,
}

static MACHINE: crate::sync::Once<MachineInfo> = crate::sync::Once::new();

/// The kernel tells procfs about the machine once at boot.
pub fn init(info: MachineInfo) {
    MACHINE.call_once(|| info);
}

fn machine() -> &'static MachineInfo {
    MACHINE.call_once(|| MachineInfo { cpuinfo: String::new(), version: String::new() })
}

type Generator = Box<dyn Fn() -> Result<Vec<u8>> + Send + Sync>;
type LinkTarget = Box<dyn Fn() -> Result<String> + Send + Sync>;
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

/// A file whose contents come from `generate` at every read.
pub struct ProcFile {
    ino: u64,
    owner: (u32, u32),
    generate: Generator,
}

impl ProcFile {
    pub fn new(ino: u64, generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner: (0, 0), generate: Box::new(generate) })
    }

    pub fn owned(ino: u64, owner: (u32, u32), generate: impl Fn() -> Result<Vec<u8>> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcFile { ino, owner, generate: Box::new(generate) })
    }
}

impl INode for ProcFile {
    fn metadata(&self) -> Metadata {
        proc_metadata(self.ino, FileType::Regular, 0o444, self.owner.0, self.owner.1)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let data = (self.generate)()?;
        let start = (offset.min(data.len() as u64)) as usize;
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }
    fn write_at(&self, _offset: u64, _data: &[u8]) -> Result<usize> {
        Err(Errno::EACCES.into())
    }
    fn truncate(&self, _len: u64) -> Result<()> {
        Err(Errno::EACCES.into())
    }
    fn fs_magic(&self) -> u64 {
        PROC_SUPER_MAGIC
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A symlink whose target is computed when read (`/proc/self`, `exe`, `fd/N`).
pub struct ProcLink {
    ino: u64,
    owner: (u32, u32),
    target: LinkTarget,
}

impl ProcLink {
    pub fn new(ino: u64, owner: (u32, u32), target: impl Fn() -> Result<String> + Send + Sync + 'static) -> Arc<dyn INode> {
        Arc::new(ProcLink { ino, owner, target: Box::new(target) })
    }
}

impl INode for ProcLink {
    fn metadata(&self) -> Metadata {
        proc_metadata(self.ino, FileType::Symlink, 0o777, self.owner.0, self.owner.1)
    }
    fn read_link(&self) -> Result<String> {
        (self.target)()
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
/// process.
pub fn new_root() -> Arc<dyn INode> {
    ProcDir::new(1, (0, 0), 0o555, || {
        let mut entries = system::entries();
        entries.push((
            "self".to_string(),
            ProcLink::new(2, (0, 0), || {
                let thread = hal().current_thread().ok_or(Errno::ENOENT)?;
                Ok(thread.process().pid().to_string())
            }),
        ));
        entries.push((
            "thread-self".to_string(),
            ProcLink::new(3, (0, 0), || {
                let thread = hal().current_thread().ok_or(Errno::ENOENT)?;
                Ok(alloc::format!("{}/task/{}", thread.process().pid(), thread.tid()))
            }),
        ));
        for process in crate::process::all_processes() {
            entries.push((process.pid().to_string(), pid::process_dir(&process)));
        }
        entries
    })
}
