import ContainerEngineSupport
import DockerEngine

/// The plugin's `ContainerDriverProvider`: the shared wrapper over this engine's service.
typealias DockerContainerDriver = EngineContainerDriver<ContainerDriverService>
