//! Typed user pointers: "allegations" about user memory that become data only
//! after one checked copy through the owning [`VmSpace`].
//!
//! This is the only path from user memory into the kernel: a syscall handler
//! receives raw `usize` arguments, wraps them as `UserPtr<T>`, and reads or
//! writes through here. A bad pointer is `EFAULT`, never a kernel fault.

use alloc::vec;
use alloc::vec::Vec;
use core::marker::PhantomData;

use super::VmSpace;
use crate::error::{Errno, Result};

/// Plain-old-data types that may be copied to and from user memory as bytes.
///
/// Implementations convert with explicit little-endian layout, which is what
/// both riscv64 and x86_64 use; no transmutes, so this crate stays safe.
pub trait Pod: Sized {
    const SIZE: usize;
    fn from_bytes(bytes: &[u8]) -> Self;
    fn to_bytes(&self, out: &mut [u8]);
}

macro_rules! impl_pod_int {
    ($($t:ty),*) => {$(
        impl Pod for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            fn from_bytes(bytes: &[u8]) -> Self {
                let mut raw = [0u8; core::mem::size_of::<$t>()];
                raw.copy_from_slice(&bytes[..Self::SIZE]);
                <$t>::from_le_bytes(raw)
            }
            fn to_bytes(&self, out: &mut [u8]) {
                out[..Self::SIZE].copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
impl_pod_int!(u8, i8, u16, i16, u32, i32, u64, i64, usize, isize);

/// A user-space address of a `T`.
pub struct UserPtr<T> {
    addr: usize,
    _t: PhantomData<T>,
}

impl<T> core::fmt::Debug for UserPtr<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "UserPtr({:#x})", self.addr)
    }
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> UserPtr<T> {
    pub fn new(addr: usize) -> Self {
        UserPtr { addr, _t: PhantomData }
    }
    pub fn addr(&self) -> usize {
        self.addr
    }
    pub fn is_null(&self) -> bool {
        self.addr == 0
    }
    /// The pointer `count` elements further on.
    pub fn add(&self, count: usize) -> Result<Self>
    where
        T: Pod,
    {
        let offset = count.checked_mul(T::SIZE).ok_or(Errno::EFAULT)?;
        Ok(UserPtr::new(self.addr.checked_add(offset).ok_or(Errno::EFAULT)?))
    }
}

impl<T: Pod> UserPtr<T> {
    pub fn read(&self, vm: &mut VmSpace) -> Result<T> {
        let mut buf = vec![0u8; T::SIZE];
        vm.read_bytes(self.addr, &mut buf)?;
        Ok(T::from_bytes(&buf))
    }

    pub fn write(&self, vm: &mut VmSpace, value: &T) -> Result<()> {
        let mut buf = vec![0u8; T::SIZE];
        value.to_bytes(&mut buf);
        vm.write_bytes(self.addr, &buf)
    }

    /// Reads a NULL-terminated array of pointers (argv, envp), at most `max`
    /// entries (`E2BIG` beyond).
    pub fn read_null_terminated(&self, vm: &mut VmSpace, max: usize) -> Result<Vec<T>>
    where
        T: PartialEq + Default,
    {
        let mut out = Vec::new();
        let mut ptr = *self;
        loop {
            let value = ptr.read(vm)?;
            if value == T::default() {
                return Ok(out);
            }
            if out.len() >= max {
                return Err(Errno::E2BIG.into());
            }
            out.push(value);
            ptr = ptr.add(1)?;
        }
    }
}

/// A user-space C string.
pub type UserCStr = UserPtr<u8>;

impl UserPtr<u8> {
    /// Reads a NUL-terminated string of at most `max` bytes.
    pub fn read_cstr(&self, vm: &mut VmSpace, max: usize) -> Result<Vec<u8>> {
        vm.read_cstr(self.addr, max)
    }

    /// Copies `len` bytes from user memory.
    pub fn read_bytes(&self, vm: &mut VmSpace, len: usize) -> Result<Vec<u8>> {
        let mut buf = super::zeroed_buffer(len)?;
        vm.read_bytes(self.addr, &mut buf)?;
        Ok(buf)
    }

    /// Copies `data` to user memory.
    pub fn write_bytes(&self, vm: &mut VmSpace, data: &[u8]) -> Result<()> {
        vm.write_bytes(self.addr, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::{Prot, VmaBacking};
    use alloc::string::String;

    #[test]
    fn typed_round_trip_and_arrays() {
        let mut vm = VmSpace::new();
        let va = vm
            .mmap(0, 4096, Prot::READ | Prot::WRITE, false, false, VmaBacking::Anonymous, String::new())
            .unwrap();
        let p = UserPtr::<u64>::new(va);
        p.write(&mut vm, &0x1122_3344_5566_7788).unwrap();
        assert_eq!(p.read(&mut vm).unwrap(), 0x1122_3344_5566_7788);
        p.add(1).unwrap().write(&mut vm, &7).unwrap();
        // [0x1122.., 7, 0] is a NULL-terminated array of two.
        assert_eq!(p.read_null_terminated(&mut vm, 10).unwrap().len(), 2);
        assert_eq!(p.read_null_terminated(&mut vm, 1).unwrap_err().errno, Errno::E2BIG);
        assert_eq!(UserPtr::<u32>::new(0).read(&mut vm).unwrap_err().errno, Errno::EFAULT);
        assert_eq!(UserPtr::<u32>::new(usize::MAX).add(1).unwrap_err().errno, Errno::EFAULT);
    }
}
