import ContainerEngineSupport
import PodmanEngine

/// The plugin's `ContainerDriverProvider`: the shared wrapper over this engine's service.
typealias PodmanContainerDriver = EngineContainerDriver<ContainerDriverService>
