import ContainerEngineSupport

/// The shared parameter reader, failing with this driver's error.
typealias Params = DriverParams<DockerEngineError>
/// The shared call deadline, failing with this driver's error.
typealias Deadline = CallDeadline<DockerEngineError>
