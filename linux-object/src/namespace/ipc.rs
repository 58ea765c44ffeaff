//! The IPC namespace (ipc_namespaces(7)): System V IPC objects and POSIX
//! message queues. Mirrors `struct ipc_namespace` (include/linux/ipc_namespace.h).
//! Only the initial namespace exists until the IPC issue; CLONE_NEWIPC is
//! refused with EINVAL.

super::initial_only_namespace!(
    /// An IPC namespace (only the initial one for now).
    IpcNamespace,
    Ipc,
    init_ipc_ns
);
