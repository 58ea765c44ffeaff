//! Namespaces (namespaces(7)). For now only the UTS data exists, as the
//! single initial UTS namespace; the namespace issue adds `NsProxy`, the
//! registry, and the other kinds here, one file each.

pub mod uts;
