//! Permission checks: `generic_permission` (fs/namei.c) for the initial user
//! namespace, where fsuid 0 has CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.

use super::vfs::{FileType, Metadata};
use crate::error::{Errno, Result};
use crate::process::Credentials;

pub const MAY_EXEC: u32 = 1;
pub const MAY_WRITE: u32 = 2;
pub const MAY_READ: u32 = 4;

/// `EACCES` unless `creds` may access the inode `meta` describes as `mask`.
pub fn check_access(meta: &Metadata, creds: &Credentials, mask: u32) -> Result<()> {
    if creds.fsuid == 0 {
        // "CAP_DAC_OVERRIDE ... bypass file read, write, and execute
        // permission checks", except that execute needs at least one x bit
        // on a non-directory - capabilities(7).
        if mask & MAY_EXEC != 0 && meta.kind != FileType::Directory && meta.perm & 0o111 == 0 {
            return Err(Errno::EACCES.into());
        }
        return Ok(());
    }
    let bits = if creds.fsuid == meta.uid {
        meta.perm >> 6
    } else if creds.in_group(meta.gid) {
        meta.perm >> 3
    } else {
        meta.perm
    } & 7;
    if bits & mask == mask { Ok(()) } else { Err(Errno::EACCES.into()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TimeSpec;

    fn meta(kind: FileType, perm: u32, uid: u32, gid: u32) -> Metadata {
        let t = TimeSpec { sec: 0, nsec: 0 };
        Metadata { dev: 1, ino: 1, kind, perm, nlink: 1, uid, gid, rdev: 0, size: 0, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t }
    }

    #[test]
    fn owner_group_other_and_root() {
        let root = Credentials::root();
        let mut user = Credentials::root();
        user.setresgid(100, 100, 100).unwrap();
        user.setresuid(1000, 1000, 1000).unwrap();
        let f = meta(FileType::Regular, 0o640, 1000, 0);
        assert!(check_access(&f, &user, MAY_READ | MAY_WRITE).is_ok());
        assert_eq!(check_access(&f, &user, MAY_EXEC).unwrap_err().errno, Errno::EACCES);
        let g = meta(FileType::Regular, 0o640, 0, 100);
        assert!(check_access(&g, &user, MAY_READ).is_ok());
        assert!(check_access(&g, &user, MAY_WRITE).is_err());
        let o = meta(FileType::Regular, 0o604, 0, 0);
        assert!(check_access(&o, &user, MAY_READ).is_ok());
        assert!(check_access(&meta(FileType::Regular, 0, 5, 5), &root, MAY_READ | MAY_WRITE).is_ok());
        assert!(check_access(&meta(FileType::Regular, 0o644, 5, 5), &root, MAY_EXEC).is_err());
        assert!(check_access(&meta(FileType::Directory, 0, 5, 5), &root, MAY_EXEC).is_ok());
    }
}
