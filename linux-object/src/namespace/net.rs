//! The network namespace (network_namespaces(7)): devices, addresses,
//! routes, sockets. Mirrors `struct net` (include/net/net_namespace.h).
//! Only the initial namespace exists until the network issue; CLONE_NEWNET
//! is refused with EINVAL.

super::initial_only_namespace!(
    /// A network namespace (only the initial one for now).
    NetNamespace,
    Net,
    init_net_ns
);
