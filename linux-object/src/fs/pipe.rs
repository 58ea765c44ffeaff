//! Pipes. Mirrors fs/pipe.c per pipe(7): a 64 KiB buffer, reads return what
//! is there (0 at end of file once every writer is gone), writes of at most
//! PIPE_BUF bytes are atomic, writing with no reader is EPIPE (the caller
//! sends SIGPIPE). Operations that would block return EAGAIN; the caller
//! waits on the pipe's queue.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::Waker;

use super::file::{FileLike, OpenFlags, PollEvents};
use super::vfs::{FileType, Metadata};
use crate::error::{Errno, Result};
use crate::sync::{Mutex, WaitQueue};


pub const PIPE_CAPACITY: usize = 65536;
pub const PIPE_BUF: usize = 4096;

static NEXT_PIPE_INO: AtomicU64 = AtomicU64::new(1);

struct Buffer {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

/// The shared part of a pipe.
pub struct Pipe {
    ino: u64,
    /// Protected by the mutex.
    buffer: Mutex<Buffer>,
    /// Woken on every change: data, space, an end closing.
    pub wait: WaitQueue,
}

/// One end of a pipe; dropping it closes that end.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    is_writer: bool,
    flags: Mutex<OpenFlags>,
}

/// A new pipe: (read end, write end).
pub fn new_pipe(flags: OpenFlags) -> (Arc<PipeEnd>, Arc<PipeEnd>) {
    let pipe = Arc::new(Pipe {
        ino: NEXT_PIPE_INO.fetch_add(1, Ordering::Relaxed),
        buffer: Mutex::new(Buffer { data: VecDeque::new(), readers: 1, writers: 1 }),
        wait: WaitQueue::new(),
    });
    let status = flags & OpenFlags::NONBLOCK;
    let reader = Arc::new(PipeEnd { pipe: pipe.clone(), is_writer: false, flags: Mutex::new(status) });
    let writer = Arc::new(PipeEnd { pipe, is_writer: true, flags: Mutex::new(status | OpenFlags::WRONLY) });
    (reader, writer)
}

impl PipeEnd {
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }
}

impl FileLike for PipeEnd {
    fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if self.is_writer {
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
        if !self.is_writer {
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
        if self.is_writer {
            if b.readers == 0 {
                events |= PollEvents::ERR;
            } else if PIPE_CAPACITY - b.data.len() >= PIPE_BUF {
                events |= PollEvents::OUT | PollEvents::WRNORM;
            }
        } else {
            if !b.data.is_empty() {
                events |= PollEvents::IN | PollEvents::RDNORM;
            }
            if b.writers == 0 {
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
        Ok(Metadata::synthetic(0xc, self.pipe.ino, FileType::Fifo, 0o600))
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
            if self.is_writer {
                b.writers -= 1;
            } else {
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
