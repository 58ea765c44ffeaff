//! Reader for the cpio `newc` format, the format of Linux's initramfs.
//!
//! The format, as Linux's `Documentation/driver-api/early-userspace/buffer-format.rst`
//! describes it: every member is a 110-byte ASCII header, the NUL-terminated
//! file name, padding to a multiple of 4 bytes, then the file data, padded to
//! a multiple of 4 again. The header is the magic `070701` (or `070702`, which
//! adds a checksum we do not verify) followed by 13 fields of 8 hex digits.
//! The archive ends with a member named `TRAILER!!!`. Like Linux's
//! `unpack_to_rootfs`, we accept several archives one after another, with NUL
//! padding between them (that is how `make run CMD=...` adds its command
//! file to the root file system).
//!
//! The archive comes from outside the kernel, so every length is checked
//! against what is left of the buffer: a malformed archive yields an error,
//! never a panic.

use crate::error::{Errno, Error, Result};

const HEADER_LEN: usize = 110;
const TRAILER: &str = "TRAILER!!!";

/// The file type bits of `mode` (`S_IFMT` and friends, from `stat(2)`).
pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;

/// One member of the archive, borrowing its name and data from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path relative to the archive root, without a leading `./` or `/`.
    pub name: &'a str,
    /// `st_mode`: file type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    /// The file's contents; for a symlink, its target.
    pub data: &'a [u8],
    pub rdev_major: u32,
    pub rdev_minor: u32,
}

impl Entry<'_> {
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
}

/// Iterates over the members of a `newc` archive up to its trailer.
///
/// After the first error the iterator is exhausted: a broken archive cannot
/// be resynchronised.
pub struct Reader<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> Reader<'a> {
    pub fn new(archive: &'a [u8]) -> Self {
        Reader { rest: archive, done: false }
    }

    fn parse_one(&mut self) -> Result<Option<Entry<'a>>> {
        let buf = self.rest;
        if buf.len() < HEADER_LEN {
            return Err(Error::with_message(Errno::EINVAL, "cpio: truncated header"));
        }
        let magic = &buf[..6];
        if magic != b"070701" && magic != b"070702" {
            return Err(Error::with_message(Errno::EINVAL, "cpio: bad magic (not newc)"));
        }
        let field = |i: usize| hex_field(&buf[6 + 8 * i..6 + 8 * (i + 1)]);
        let mode = field(1)?;
        let uid = field(2)?;
        let gid = field(3)?;
        let nlink = field(4)?;
        let mtime = field(5)?;
        let file_size = field(6)? as usize;
        let rdev_major = field(9)?;
        let rdev_minor = field(10)?;
        let name_size = field(11)? as usize;

        // The name includes its terminating NUL.
        let name_end = HEADER_LEN
            .checked_add(name_size)
            .filter(|&end| name_size > 0 && end <= buf.len())
            .ok_or(Error::with_message(Errno::EINVAL, "cpio: name runs past the end"))?;
        let raw_name = &buf[HEADER_LEN..name_end - 1];
        if buf[name_end - 1] != 0 {
            return Err(Error::with_message(Errno::EINVAL, "cpio: name not NUL-terminated"));
        }
        let name = core::str::from_utf8(raw_name)
            .map_err(|_| Error::with_message(Errno::EILSEQ, "cpio: name is not UTF-8"))?;

        let data_start = align4(name_end);
        let data_end = data_start
            .checked_add(file_size)
            .filter(|&end| end <= buf.len())
            .ok_or(Error::with_message(Errno::EINVAL, "cpio: data runs past the end"))?;
        self.rest = &buf[align4(data_end).min(buf.len())..];

        if name == TRAILER {
            // Another archive may follow, after NUL padding.
            let next = self.rest.iter().position(|&b| b != 0).unwrap_or(self.rest.len());
            if self.rest[next..].starts_with(b"0707") {
                self.rest = &self.rest[next..];
                return self.parse_one();
            }
            return Ok(None);
        }
        Ok(Some(Entry {
            name: strip_root(name),
            mode,
            uid,
            gid,
            nlink,
            mtime,
            data: &buf[data_start..data_end],
            rdev_major,
            rdev_minor,
        }))
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Entry<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.parse_one() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                self.done = true;
                Some(Err(err))
            }
        }
    }
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// `./bin/sh` and `/bin/sh` both name `bin/sh`; `.` names the root itself.
fn strip_root(name: &str) -> &str {
    let name = name.trim_start_matches("./").trim_start_matches('/');
    if name == "." { "" } else { name }
}

fn hex_field(digits: &[u8]) -> Result<u32> {
    digits.iter().try_fold(0u32, |acc, &c| {
        let d = (c as char)
            .to_digit(16)
            .ok_or(Error::with_message(Errno::EINVAL, "cpio: header field is not hex"))?;
        Ok((acc << 4) | d)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::format;
    use std::vec::Vec;

    /// Builds a newc member the way `cpio -o -H newc` does (also used by
    /// the ramfs tests).
    pub(crate) fn member(out: &mut Vec<u8>, name: &str, mode: u32, data: &[u8]) {
        member_with(out, name, mode, data, 0, (0, 0));
    }

    /// A member with a modification time and a device number.
    pub(crate) fn member_with(out: &mut Vec<u8>, name: &str, mode: u32, data: &[u8], mtime: u32, rdev: (u32, u32)) {
        let header = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1, mode, 0, 0, 1, mtime, data.len(), 0, 0, rdev.0, rdev.1, name.len() + 1, 0
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }

    fn sample() -> Vec<u8> {
        let mut a = Vec::new();
        member(&mut a, ".", S_IFDIR | 0o755, b"");
        member(&mut a, "bin", S_IFDIR | 0o755, b"");
        member(&mut a, "bin/busybox", S_IFREG | 0o755, b"\x7fELF12345");
        member(&mut a, "bin/sh", S_IFLNK | 0o777, b"busybox");
        member(&mut a, TRAILER, 0, b"");
        a
    }

    #[test]
    fn reads_every_member_up_to_the_trailer() {
        let archive = sample();
        let entries: Vec<_> = Reader::new(&archive).collect::<Result<_>>().unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].name, "");
        assert!(entries[1].is_dir());
        assert_eq!(entries[2].name, "bin/busybox");
        assert!(entries[2].is_file());
        assert_eq!(entries[2].data, b"\x7fELF12345");
        assert!(entries[3].is_symlink());
        assert_eq!(entries[3].data, b"busybox");
    }

    #[test]
    fn stops_at_trailer_even_with_garbage_after() {
        let mut archive = sample();
        archive.extend_from_slice(&[0xff; 64]);
        assert_eq!(Reader::new(&archive).count(), 4);
    }

    #[test]
    fn reads_concatenated_archives() {
        let mut archive = sample();
        archive.extend_from_slice(&[0; 512]);
        let mut second = Vec::new();
        member(&mut second, "etc/cmd", S_IFREG | 0o644, b"ls /\n");
        member(&mut second, TRAILER, 0, b"");
        archive.extend_from_slice(&second);
        let names: Vec<_> = Reader::new(&archive).map(|e| e.unwrap().name).collect();
        assert_eq!(names, ["", "bin", "bin/busybox", "bin/sh", "etc/cmd"]);
    }

    #[test]
    fn rejects_bad_magic() {
        let mut archive = sample();
        archive[0] = b'1';
        let first = Reader::new(&archive).next().unwrap();
        assert_eq!(first.unwrap_err().errno, Errno::EINVAL);
    }

    #[test]
    fn truncation_anywhere_is_an_error_not_a_panic() {
        let archive = sample();
        for len in 0..archive.len() - 1 {
            // Every prefix either ends in an error or (cut exactly between
            // members) in a missing trailer, which is also an error.
            let results: Vec<_> = Reader::new(&archive[..len]).collect();
            assert!(results.last().is_some_and(|r| r.is_err()), "prefix {len}");
        }
    }

    #[test]
    fn rejects_non_hex_and_oversized_fields() {
        let mut archive = sample();
        archive[6 + 8 * 6] = b'z'; // file size of the first member
        assert!(Reader::new(&archive).next().unwrap().is_err());

        let mut archive = sample();
        // name size of the first member: ffffffff
        archive[6 + 8 * 11..6 + 8 * 12].copy_from_slice(b"ffffffff");
        assert!(Reader::new(&archive).next().unwrap().is_err());
    }
}
