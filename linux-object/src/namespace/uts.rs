//! The UTS namespace: host and domain name (uts_namespaces(7)). Mirrors
//! `struct uts_namespace` (include/linux/utsname.h) and kernel/utsname.c.
//!
//! Today there is only the initial namespace; the namespace issue gives
//! each task one through its NsProxy and adds `copy_utsname`.

use alloc::string::String;
use alloc::sync::Arc;

use crate::error::{Errno, Result};
use crate::sync::{Mutex, Once};

/// `__NEW_UTS_LEN`: names are at most 64 bytes.
pub const UTS_LEN: usize = 64;

pub struct UtsNamespace {
    /// Protected by the mutex: (nodename, domainname).
    names: Mutex<(String, String)>,
}

impl UtsNamespace {
    pub fn new(nodename: &str, domainname: &str) -> Arc<Self> {
        Arc::new(UtsNamespace { names: Mutex::new((String::from(nodename), String::from(domainname))) })
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
    INIT_UTS.call_once(|| UtsNamespace::new("(none)", "(none)")).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_limits() {
        let uts = UtsNamespace::new("a", "b");
        uts.set_nodename(b"box").unwrap();
        assert_eq!(uts.nodename(), "box");
        assert_eq!(uts.set_nodename(&[b'x'; 65]).unwrap_err().errno, Errno::EINVAL);
        uts.set_nodename(&[b'x'; 64]).unwrap();
        uts.set_domainname(b"").unwrap();
        assert_eq!(uts.domainname(), "");
    }
}
