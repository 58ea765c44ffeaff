//! The cgroup namespace (cgroup_namespaces(7)): the root of the cgroup
//! hierarchy a process sees. Mirrors `struct cgroup_namespace`
//! (include/linux/cgroup.h). Only the initial namespace exists until the
//! cgroup issue; CLONE_NEWCGROUP is refused with EINVAL.

super::initial_only_namespace!(
    /// A cgroup namespace (only the initial one for now).
    CgroupNamespace,
    Cgroup,
    init_cgroup_ns
);
