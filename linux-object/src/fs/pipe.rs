//! Pipes and FIFOs. Mirrors fs/pipe.c per pipe(7) and fifo(7): a 64 KiB
//! buffer, reads return what is there (0 at end of file once every writer
//! is gone), writes of at most PIPE_BUF bytes are atomic, writing with no
//! reader is EPIPE (the caller sends SIGPIPE). Operations that would block
//! return EAGAIN; the caller waits on the pipe's queue.
//!
//! A FIFO is a pipe reached through a file-system node: every open of the
//! node shares one [`Pipe`] ([`fifo_of`]), which lives while an end is open.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Waker;

use super::file::{FileLike, OpenFlags, PollEvents};
use super::path::Path;
use super::vfs::{FileType, INode, Metadata};
use crate::error::{Errno, Result};
use crate::sync::{Mutex, WaitQueue};


pub const PIPE_CAPACITY: usize = 65536;
pub const PIPE_BUF: usize = 4096;

static NEXT_PIPE_INO: AtomicU64 = AtomicU64::new(1);

struct Buffer {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
    /// Opens of each end ever made (Linux's r_counter/w_counter): a FIFO
    /// open waits for the other counter to move.
    reader_opens: u64,
    writer_opens: u64,
}

/// The shared part of a pipe.
pub struct Pipe {
    ino: u64,
    /// Protected by the mutex.
    buffer: Mutex<Buffer>,
    /// Woken on every change: data, space, an end closing.
    pub wait: WaitQueue,
}

/// An open pipe or FIFO: the read end, the write end, or (a FIFO opened
/// O_RDWR) both. Dropping it closes what it holds.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    readable: bool,
    writable: bool,
    flags: Mutex<OpenFlags>,
    /// The FIFO's node, for fstat and /proc/PID/fd; `None` for pipe(2).
    path: Option<Path>,
    owner: crate::fs::owner::FileOwner,
}

impl Pipe {
    fn new() -> Arc<Pipe> {
        Arc::new(Pipe {
            ino: NEXT_PIPE_INO.fetch_add(1, Ordering::Relaxed),
            buffer: Mutex::new(Buffer { data: VecDeque::new(), readers: 0, writers: 0, reader_opens: 0, writer_opens: 0 }),
            wait: WaitQueue::new(),
        })
    }

    /// Opens an end (or both): counts it and wakes FIFO opens waiting for it.
    pub fn open_end(self: &Arc<Self>, readable: bool, writable: bool, flags: OpenFlags, path: Option<Path>) -> Arc<PipeEnd> {
        {
            let mut b = self.buffer.lock();
            if readable {
                b.readers += 1;
                b.reader_opens += 1;
            }
            if writable {
                b.writers += 1;
                b.writer_opens += 1;
            }
        }
        self.wait.wake_all();
        let access = match (readable, writable) {
            (true, true) => OpenFlags::RDWR,
            (false, true) => OpenFlags::WRONLY,
            _ => OpenFlags::empty(),
        };
        Arc::new(PipeEnd { pipe: self.clone(), readable, writable, flags: Mutex::new(flags | access), path, owner: Default::default() })
    }

    /// (readers, writers) open now, and how many opens of each were ever made.
    pub fn ends(&self) -> ((usize, usize), (u64, u64)) {
        let b = self.buffer.lock();
        ((b.readers, b.writers), (b.reader_opens, b.writer_opens))
    }
}

/// A new pipe: (read end, write end).
pub fn new_pipe(flags: OpenFlags) -> (Arc<PipeEnd>, Arc<PipeEnd>) {
    let pipe = Pipe::new();
    let status = flags & OpenFlags::NONBLOCK;
    (pipe.open_end(true, false, status, None), pipe.open_end(false, true, status, None))
}

/// FIFOs with an open end, by the identity of their node.
static FIFOS: Mutex<alloc::collections::BTreeMap<(u64, u64), alloc::sync::Weak<Pipe>>> =
    Mutex::new(alloc::collections::BTreeMap::new());

/// The pipe behind FIFO node `inode`, made at its first open; every open
/// of the node shares it while any end is open.
pub fn fifo_of(inode: &Arc<dyn INode>) -> Arc<Pipe> {
    let key = inode.identity();
    let mut fifos = FIFOS.lock();
    if let Some(pipe) = fifos.get(&key).and_then(alloc::sync::Weak::upgrade) {
        return pipe;
    }
    fifos.retain(|_, w| w.strong_count() > 0);
    let pipe = Pipe::new();
    fifos.insert(key, Arc::downgrade(&pipe));
    pipe
}

impl PipeEnd {
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }
}

impl FileLike for PipeEnd {
    fn owner(&self) -> &crate::fs::owner::FileOwner {
        &self.owner
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if !self.readable {
            return Err(Errno::EBADF.into());
        }
        let mut b = self.pipe.buffer.lock();
        if b.data.is_empty() {
            return if b.writers == 0 || buf.is_empty() { Ok(0) } else { Err(Errno::EAGAIN.into()) };
        }
        let n = buf.len().min(b.data.len());
        for (slot, byte) in buf.iter_mut().zip(b.data.drain(..n)) {
            *slot = byte;
        }
        drop(b);
        self.pipe.wait.wake_all();
        Ok(n)
    }

    fn write(&self, data: &[u8]) -> Result<usize> {
        if !self.writable {
            return Err(Errno::EBADF.into());
        }
        let mut b = self.pipe.buffer.lock();
        if b.readers == 0 {
            return Err(Errno::EPIPE.into());
        }
        let space = PIPE_CAPACITY - b.data.len();
        if data.is_empty() {
            return Ok(0);
        }
        // "If n <= PIPE_BUF bytes: all n bytes are written or none."
        if space == 0 || (data.len() <= PIPE_BUF && space < data.len()) {
            return Err(Errno::EAGAIN.into());
        }
        let n = data.len().min(space);
        b.data.extend(&data[..n]);
        drop(b);
        self.pipe.wait.wake_all();
        Ok(n)
    }

    fn poll(&self, waker: Option<&Waker>) -> PollEvents {
        if let Some(waker) = waker {
            self.pipe.wait.register(waker);
        }
        let b = self.pipe.buffer.lock();
        let mut events = PollEvents::empty();
        if self.writable {
            if b.readers == 0 {
                events |= PollEvents::ERR;
            } else if PIPE_CAPACITY - b.data.len() >= PIPE_BUF {
                events |= PollEvents::OUT | PollEvents::WRNORM;
            }
        }
        if self.readable {
            if !b.data.is_empty() {
                events |= PollEvents::IN | PollEvents::RDNORM;
            }
            if b.writers == 0 && !self.writable {
                events |= PollEvents::HUP;
            }
        }
        events
    }

    fn ioctl(&self, request: u32, arg: usize, vm: &mut crate::mm::VmSpace) -> Result<usize> {
        const FIONREAD: u32 = 0x541B;
        match request {
            FIONREAD => {
                let count = self.pipe.buffer.lock().data.len() as i32;
                crate::mm::user::UserPtr::<i32>::new(arg).write(vm, &count)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY.into()),
        }
    }

    fn metadata(&self) -> Result<Metadata> {
        match &self.path {
            Some(path) => Ok(path.inode().metadata()),
            None => Ok(Metadata::synthetic(0xc, self.pipe.ino, FileType::Fifo, 0o600)),
        }
    }

    fn path(&self) -> Option<Path> {
        self.path.clone()
    }

    fn status_flags(&self) -> OpenFlags {
        *self.flags.lock()
    }

    fn set_status_flags(&self, flags: OpenFlags) {
        let mut current = self.flags.lock();
        *current = (*current - OpenFlags::settable()) | (flags & OpenFlags::settable());
    }

    fn anon_name(&self) -> String {
        format!("pipe:[{}]", self.pipe.ino)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        {
            let mut b = self.pipe.buffer.lock();
            if self.writable {
                b.writers -= 1;
            }
            if self.readable {
                b.readers -= 1;
            }
        }
        self.pipe.wait.wake_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicUsize;
    use std::task::Wake;
    use std::vec;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn data_eof_epipe_and_atomicity() {
        let (r, w) = new_pipe(OpenFlags::empty());
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap_err().errno, Errno::EAGAIN);
        assert_eq!(w.write(b"hello").unwrap(), 5);
        assert_eq!(r.read(&mut buf[..3]).unwrap(), 3);
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"lo");
        let big = vec![1u8; PIPE_CAPACITY - 10];
        assert_eq!(w.write(&big).unwrap(), PIPE_CAPACITY - 10);
        assert_eq!(w.write(&[0u8; 100]).unwrap_err().errno, Errno::EAGAIN, "small writes are all or nothing");
        assert_eq!(w.write(&vec![0u8; 5000]).unwrap(), 10, "big writes may be partial");
        assert!(!w.poll(None).contains(PollEvents::OUT));
        drop(w);
        let mut sink = vec![0u8; PIPE_CAPACITY];
        assert_eq!(r.read(&mut sink).unwrap(), PIPE_CAPACITY);
        assert_eq!(r.read(&mut sink).unwrap(), 0, "EOF once writers are gone");
        assert!(r.poll(None).contains(PollEvents::HUP));
        let (r2, w2) = new_pipe(OpenFlags::empty());
        drop(r2);
        assert_eq!(w2.write(b"x").unwrap_err().errno, Errno::EPIPE);
        assert!(w2.poll(None).contains(PollEvents::ERR));
    }

    #[test]
    fn waiters_are_woken_by_data_and_close() {
        let (r, w) = new_pipe(OpenFlags::empty());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        assert!(r.poll(Some(&waker)).is_empty());
        w.write(b"x").unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        r.poll(Some(&waker));
        drop(w);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }
}
