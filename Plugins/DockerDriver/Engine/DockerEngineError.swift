import ContainerEngineSupport

/// The Docker driver's error: the container drivers' one error type (``ContainerEngineError``,
/// the protocol's codes of docs/container-driver.md), worded for Docker by ``EngineDialect/docker``.
public typealias DockerEngineError = ContainerEngineError

extension EngineDialect {
    /// Docker Engine's dialect: the normalized shapes are Docker's spelling already, and its error
    /// answers say what they are by their status.
    public static let docker = EngineDialect(name: "Docker engine")
}
