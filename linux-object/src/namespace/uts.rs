//! The UTS namespace: host and domain name (uts_namespaces(7)). Mirrors
//! `struct uts_namespace` (include/linux/utsname.h) and kernel/utsname.c.
//!
//! A task reaches its UTS namespace through its `NsProxy`; `unshare` and
//! `clone(CLONE_NEWUTS)` make a copy ([`UtsNamespace::copy`], Linux's
//! `copy_utsname`/`clone_uts_ns`) that starts with the creator's names.

use alloc::string::String;
use alloc::sync::Arc;

use super::{NsCommon, NsKind, NsRef, UserNamespace, registry};
use crate::error::{Errno, Result};
use crate::sync::{Mutex, Once};

/// `__NEW_UTS_LEN`: names are at most 64 bytes.
pub const UTS_LEN: usize = 64;

pub struct UtsNamespace {
    common: NsCommon,
    /// Protected by the mutex: (nodename, domainname).
    names: Mutex<(String, String)>,
}

super::namespace_object!(UtsNamespace);

impl UtsNamespace {
    fn create(common: NsCommon, nodename: &str, domainname: &str) -> Arc<Self> {
        let ns = Arc::new(UtsNamespace { common, names: Mutex::new((String::from(nodename), String::from(domainname))) });
        registry::insert(&NsRef::Uts(ns.clone()));
        ns
    }

    /// A new namespace owned by `owner` with these names (tests, and
    /// [`copy`](Self::copy)).
    pub fn new(nodename: &str, domainname: &str) -> Result<Arc<Self>> {
        Ok(Self::create(NsCommon::new(NsKind::Uts, Some(super::user::init_user_ns()))?, nodename, domainname))
    }

    /// `clone_uts_ns`: a new namespace owned by `owner`, starting with a
    /// copy of this one's names.
    pub fn copy(&self, owner: Arc<UserNamespace>) -> Result<Arc<Self>> {
        let (node, domain) = self.names.lock().clone();
        Ok(Self::create(NsCommon::new(NsKind::Uts, Some(owner))?, &node, &domain))
    }

    pub fn nodename(&self) -> String {
        self.names.lock().0.clone()
    }

    pub fn domainname(&self) -> String {
        self.names.lock().1.clone()
    }

    /// sethostname(2): `EINVAL` if longer than 64 bytes. The caller checks
    /// CAP_SYS_ADMIN.
    pub fn set_nodename(&self, name: &[u8]) -> Result<()> {
        self.names.lock().0 = check(name)?;
        Ok(())
    }

    pub fn set_domainname(&self, name: &[u8]) -> Result<()> {
        self.names.lock().1 = check(name)?;
        Ok(())
    }
}

fn check(name: &[u8]) -> Result<String> {
    if name.len() > UTS_LEN {
        return Err(Errno::EINVAL.into());
    }
    Ok(String::from_utf8_lossy(name).into_owned())
}

static INIT_UTS: Once<Arc<UtsNamespace>> = Once::new();

/// The initial UTS namespace: nodename "(none)" until init sets one, as on
/// Linux with no hostname configured.
pub fn init_uts() -> Arc<UtsNamespace> {
    INIT_UTS
        .call_once(|| {
            UtsNamespace::create(NsCommon::initial(NsKind::Uts, Some(super::user::init_user_ns())), "(none)", "(none)")
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::Namespace;

    #[test]
    fn names_and_limits() {
        let uts = UtsNamespace::new("a", "b").unwrap();
        uts.set_nodename(b"box").unwrap();
        assert_eq!(uts.nodename(), "box");
        assert_eq!(uts.set_nodename(&[b'x'; 65]).unwrap_err().errno, Errno::EINVAL);
        uts.set_nodename(&[b'x'; 64]).unwrap();
        uts.set_domainname(b"").unwrap();
        assert_eq!(uts.domainname(), "");
    }

    #[test]
    fn a_copy_starts_equal_and_is_independent() {
        let a = UtsNamespace::new("host", "dom").unwrap();
        let b = a.copy(crate::namespace::user::init_user_ns()).unwrap();
        assert_eq!(b.nodename(), "host");
        b.set_nodename(b"box").unwrap();
        assert_eq!(a.nodename(), "host");
        assert_ne!(a.common().inum(), b.common().inum());
        assert_ne!(a.common().koid(), b.common().koid());
    }
}
