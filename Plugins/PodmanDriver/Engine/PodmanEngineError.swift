import ContainerEngineSupport

/// The Podman driver's error: the container drivers' one error type (``ContainerEngineError``,
/// the protocol's codes of docs/container-driver.md, the same as the Docker driver's), worded
/// for Podman by ``EngineDialect/podman``.
public typealias PodmanEngineError = ContainerEngineError

/// The shared parameter reader, failing with this driver's error.
typealias Params = DriverParams<PodmanEngineError>
/// The shared call deadline, failing with this driver's error.
typealias Deadline = CallDeadline<PodmanEngineError>

extension EngineDialect {
    /// Podman's dialect (libpod, seen on Podman 4.3): capabilities with `CAP_`, ulimit names as
    /// `RLIMIT_…`, bare image ids, an unset entrypoint written as `""`, and refusals answered
    /// with HTTP 500 that say what they are in `cause` (its error sentinels), given the code
    /// Docker's status would give.
    public static let podman = EngineDialect(
        name: "Podman service",
        causes: [
            "network not found": .engineNotFound, "no such container": .engineNotFound, "no such network": .engineNotFound,
            "image not known": .engineNotFound, "network is being used": .engineForbidden,
            "network already exists": .engineConflict, "that name is already in use": .engineConflict,
        ],
        capability: { $0.hasPrefix("CAP_") ? String($0.dropFirst(4)) : $0 },
        ulimitName: { ($0.hasPrefix("RLIMIT_") ? String($0.dropFirst(7)) : $0).lowercased() },
        imageID: { $0.isEmpty || $0.hasPrefix("sha256:") ? $0 : "sha256:" + $0 },
        emptyCommandIsUnset: true)
}
