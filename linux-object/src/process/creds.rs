//! Task credentials. Mirrors `struct cred` (include/linux/cred.h) and the
//! rules of setuid(2), setreuid(2), setresuid(2) and their gid twins
//! (kernel/sys.c), as credentials(7) describes them.
//!
//! Capabilities are simplified to "effective uid 0 has all of them" until the
//! user-namespace issue brings real capability sets.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::error::{Errno, Result};
use crate::namespace::user::{UserNamespace, init_user_ns};

/// /proc/sys/kernel/overflowuid and overflowgid: the IDs shown for a
/// user or group that has no mapping in the reader's user namespace
/// (user_namespaces(7)); 65534 by default.
pub static OVERFLOW_UID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(65534);
pub static OVERFLOW_GID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(65534);
/// /proc/sys/fs/overflowuid and overflowgid: the IDs written by file
/// systems that store only 16 bits when the real one does not fit.
pub static FS_OVERFLOW_UID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(65534);
pub static FS_OVERFLOW_GID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(65534);

pub type Uid = u32;
pub type Gid = u32;

/// `(uid_t)-1`: "leave unchanged" in the set*id calls.
pub const KEEP: u32 = u32::MAX;
/// NGROUPS_MAX (include/uapi/linux/limits.h).
pub const NGROUPS_MAX: usize = 65536;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub uid: Uid,
    pub euid: Uid,
    pub suid: Uid,
    pub fsuid: Uid,
    pub gid: Gid,
    pub egid: Gid,
    pub sgid: Gid,
    pub fsgid: Gid,
    pub groups: Vec<Gid>,
    /// The user namespace the task lives in (`cred->user_ns`).
    pub user_ns: UserNsHandle,
}

/// A user namespace as a field of `Credentials`: compared by identity.
#[derive(Clone)]
pub struct UserNsHandle(pub Arc<UserNamespace>);

impl PartialEq for UserNsHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for UserNsHandle {}

impl core::fmt::Debug for UserNsHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "user:[{}]", crate::namespace::Namespace::common(&*self.0).inum())
    }
}

impl Credentials {
    /// The credentials of init: root everywhere.
    pub fn root() -> Self {
        Credentials {
            uid: 0,
            euid: 0,
            suid: 0,
            fsuid: 0,
            gid: 0,
            egid: 0,
            sgid: 0,
            fsgid: 0,
            groups: Vec::new(),
            user_ns: UserNsHandle(init_user_ns()),
        }
    }

    pub fn user_ns(&self) -> Arc<UserNamespace> {
        self.user_ns.0.clone()
    }

    /// CAP_SETUID / CAP_SETGID / CAP_SYS_ADMIN… in the initial user namespace.
    pub fn is_privileged(&self) -> bool {
        self.euid == 0
    }

    /// setresuid(2): "An unprivileged process may change its real UID,
    /// effective UID, and saved set-user-ID, each to one of: the current
    /// real UID, the current effective UID, or the current saved set-user-ID."
    pub fn setresuid(&mut self, ruid: Uid, euid: Uid, suid: Uid) -> Result<()> {
        let allowed = |id: Uid| id == KEEP || id == self.uid || id == self.euid || id == self.suid;
        if !self.is_privileged() && !(allowed(ruid) && allowed(euid) && allowed(suid)) {
            return Err(Errno::EPERM.into());
        }
        if ruid != KEEP {
            self.uid = ruid;
        }
        if euid != KEEP {
            self.euid = euid;
        }
        if suid != KEEP {
            self.suid = suid;
        }
        self.fsuid = self.euid;
        Ok(())
    }

    /// setreuid(2): the saved uid follows the new effective uid when the
    /// real uid is set or the effective uid differs from the old real uid.
    pub fn setreuid(&mut self, ruid: Uid, euid: Uid) -> Result<()> {
        let privileged = self.is_privileged();
        if ruid != KEEP && !privileged && ruid != self.uid && ruid != self.euid {
            return Err(Errno::EPERM.into());
        }
        if euid != KEEP && !privileged && euid != self.uid && euid != self.euid && euid != self.suid {
            return Err(Errno::EPERM.into());
        }
        let old_ruid = self.uid;
        if ruid != KEEP {
            self.uid = ruid;
        }
        if euid != KEEP {
            self.euid = euid;
        }
        if ruid != KEEP || (euid != KEEP && euid != old_ruid) {
            self.suid = self.euid;
        }
        self.fsuid = self.euid;
        Ok(())
    }

    /// setuid(2): privileged → all three ids; else only the effective one,
    /// to the real or saved uid.
    pub fn setuid(&mut self, uid: Uid) -> Result<()> {
        if uid == KEEP {
            return Err(Errno::EINVAL.into());
        }
        if self.is_privileged() {
            self.uid = uid;
            self.suid = uid;
        } else if uid != self.uid && uid != self.suid {
            return Err(Errno::EPERM.into());
        }
        self.euid = uid;
        self.fsuid = uid;
        Ok(())
    }

    pub fn setresgid(&mut self, rgid: Gid, egid: Gid, sgid: Gid) -> Result<()> {
        let allowed = |id: Gid| id == KEEP || id == self.gid || id == self.egid || id == self.sgid;
        if !self.is_privileged() && !(allowed(rgid) && allowed(egid) && allowed(sgid)) {
            return Err(Errno::EPERM.into());
        }
        if rgid != KEEP {
            self.gid = rgid;
        }
        if egid != KEEP {
            self.egid = egid;
        }
        if sgid != KEEP {
            self.sgid = sgid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    pub fn setregid(&mut self, rgid: Gid, egid: Gid) -> Result<()> {
        let privileged = self.is_privileged();
        if rgid != KEEP && !privileged && rgid != self.gid && rgid != self.egid {
            return Err(Errno::EPERM.into());
        }
        if egid != KEEP && !privileged && egid != self.gid && egid != self.egid && egid != self.sgid {
            return Err(Errno::EPERM.into());
        }
        let old_rgid = self.gid;
        if rgid != KEEP {
            self.gid = rgid;
        }
        if egid != KEEP {
            self.egid = egid;
        }
        if rgid != KEEP || (egid != KEEP && egid != old_rgid) {
            self.sgid = self.egid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    pub fn setgid(&mut self, gid: Gid) -> Result<()> {
        if gid == KEEP {
            return Err(Errno::EINVAL.into());
        }
        if self.is_privileged() {
            self.gid = gid;
            self.sgid = gid;
        } else if gid != self.gid && gid != self.sgid {
            return Err(Errno::EPERM.into());
        }
        self.egid = gid;
        self.fsgid = gid;
        Ok(())
    }

    /// setgroups(2): needs privilege; at most NGROUPS_MAX entries.
    pub fn setgroups(&mut self, groups: Vec<Gid>) -> Result<()> {
        if groups.len() > NGROUPS_MAX {
            return Err(Errno::EINVAL.into());
        }
        if !self.is_privileged() {
            return Err(Errno::EPERM.into());
        }
        self.groups = groups;
        Ok(())
    }

    pub fn in_group(&self, gid: Gid) -> bool {
        self.fsgid == gid || self.groups.contains(&gid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_root_is_one_way() {
        let mut c = Credentials::root();
        c.setresuid(1000, 1000, 1000).unwrap();
        assert_eq!(c.setuid(0).unwrap_err().errno, Errno::EPERM);
        assert_eq!(c.setresuid(0, KEEP, KEEP).unwrap_err().errno, Errno::EPERM);
        assert_eq!(c.setgroups(Vec::new()).unwrap_err().errno, Errno::EPERM);
    }

    #[test]
    fn saved_uid_allows_switching_back() {
        let mut c = Credentials::root();
        c.setresuid(1000, 1000, 0).unwrap();
        c.setresuid(KEEP, 0, KEEP).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (1000, 0, 0, 0));
        c.setuid(1000).unwrap();
        // Privileged setuid sets all three.
        assert_eq!((c.uid, c.euid, c.suid), (1000, 1000, 1000));
        assert_eq!(c.setuid(KEEP).unwrap_err().errno, Errno::EINVAL);
    }

    #[test]
    fn setreuid_updates_saved_uid() {
        let mut c = Credentials::root();
        c.setreuid(1000, 2000).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (1000, 2000, 2000));
        assert_eq!(c.setreuid(3000, KEEP).unwrap_err().errno, Errno::EPERM);
    }
}
