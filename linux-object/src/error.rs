//! Linux error numbers and the error type of every fallible kernel call.
//!
//! The numbers are Linux's generic ones (`include/uapi/asm-generic/errno-base.h`
//! and `errno.h`), the same on riscv64 and x86_64. A syscall returns `-errno`.

use core::fmt;

/// A Linux errno. The discriminant is the number user space sees.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Errno {
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    ENOEXEC = 8,
    EBADF = 9,
    ECHILD = 10,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    ENOTBLK = 15,
    EBUSY = 16,
    EEXIST = 17,
    EXDEV = 18,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    ETXTBSY = 26,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EMLINK = 31,
    EPIPE = 32,
    EDOM = 33,
    ERANGE = 34,
    EDEADLK = 35,
    ENAMETOOLONG = 36,
    ENOLCK = 37,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENODATA = 61,
    EOVERFLOW = 75,
    EILSEQ = 84,
    ENOTSOCK = 88,
    EDESTADDRREQ = 89,
    EMSGSIZE = 90,
    EPROTOTYPE = 91,
    ENOPROTOOPT = 92,
    EPROTONOSUPPORT = 93,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETUNREACH = 101,
    ECONNABORTED = 103,
    ECONNRESET = 104,
    ENOBUFS = 105,
    EISCONN = 106,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EALREADY = 114,
    EINPROGRESS = 115,
    /// Kernel-internal, never seen by user space: "restart the syscall if
    /// the signal that interrupted it has SA_RESTART (or no handler)".
    ERESTARTSYS = 512,
    /// Kernel-internal: "restart the syscall only if no handler ran"
    /// (pause, sigsuspend: a signal without a handler, such as SIGCONT,
    /// does not end them).
    ERESTARTNOHAND = 514,
    /// Kernel-internal: "if no handler ran, continue through
    /// restart_syscall(2)" with what the call left in the thread's
    /// restart block (nanosleep, poll and futex waits with a timeout, so
    /// that time already slept, stopped time included, is not slept again).
    #[allow(non_camel_case_types)] // Linux's name
    ERESTART_RESTARTBLOCK = 516,
}

impl Errno {
    /// The value a syscall returns for this error: `-errno`.
    pub fn as_syscall_return(self) -> isize {
        -(self as i32 as isize)
    }
}

/// An error with an optional explanation for the kernel log.
/// Mirrors Asterinas' `Error { errno, msg }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    pub errno: Errno,
    pub msg: Option<&'static str>,
}

impl Error {
    pub const fn new(errno: Errno) -> Self {
        Error { errno, msg: None }
    }
    pub const fn with_message(errno: Errno, msg: &'static str) -> Self {
        Error { errno, msg: Some(msg) }
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Self {
        Error::new(errno)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.msg {
            Some(msg) => write!(f, "{:?}: {}", self.errno, msg),
            None => write!(f, "{:?}", self.errno),
        }
    }
}

pub type Result<T> = core::result::Result<T, Error>;

/// `return_errno!(EINVAL)` returns `Err(Error::new(Errno::EINVAL))`.
#[macro_export]
macro_rules! return_errno {
    ($errno:ident) => {
        return Err($crate::error::Error::new($crate::error::Errno::$errno))
    };
}

/// `return_errno_with_message!(EINVAL, "flags are invalid")`.
#[macro_export]
macro_rules! return_errno_with_message {
    ($errno:ident, $msg:expr) => {
        return Err($crate::error::Error::with_message($crate::error::Errno::$errno, $msg))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails() -> Result<()> {
        return_errno_with_message!(EINVAL, "bad flags");
    }

    #[test]
    fn errno_numbers_match_linux() {
        assert_eq!(Errno::EPERM as i32, 1);
        assert_eq!(Errno::EFAULT as i32, 14);
        assert_eq!(Errno::ENOSYS as i32, 38);
        assert_eq!(Errno::EINPROGRESS as i32, 115);
        assert_eq!(Errno::EINVAL.as_syscall_return(), -22);
    }

    #[test]
    fn macro_carries_message() {
        let err = fails().unwrap_err();
        assert_eq!(err.errno, Errno::EINVAL);
        assert_eq!(std::format!("{err}"), "EINVAL: bad flags");
    }
}
