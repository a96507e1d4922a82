@_spi(HostDouble) import AgentPluginKit
import CAgentABI
import Dispatch
import Synchronization

/// A plugin the ``TestHost`` loaded. Its registrations stay in the host's registry until
/// ``shutdown()``.
public final class LoadedPlugin: Sendable {
    /// The plugin's id (from its type or descriptor).
    public let id: String
    /// The plugin's version.
    public let version: String
    /// The toolchain string from its descriptor (`none` for runtime-free plugins).
    public let toolchain: String
    private let entry: PluginEntryPoints
    private let pluginState: Unchecked
    private let host: HostState
    private let isShutDown = Atomic<Bool>(false)

    init(entry: PluginEntryPoints, state: UnsafeMutableRawPointer?, host: HostState) {
        id = entry.id
        version = entry.version
        toolchain = entry.toolchain
        self.entry = entry
        self.pluginState = Unchecked(pointer: state)
        self.host = host
    }

    /// Shuts the plugin down as the agent does (in-flight requests cancelled, the plugin's own
    /// `shutdown` awaited) and removes its registrations. Idempotent.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        host.unregister(owner: id)
        // The SDK's shutdown blocks until the plugin's tasks ended: run it off the concurrency
        // pool, as the agent does, so it cannot starve them.
        let entry = entry
        let state = pluginState
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                entry.shutdown(state.pointer)
                c.resume()
            }
        }
    }

    /// The same, from a synchronous context that is not on the concurrency pool (a failed load).
    func shutdownBlocking() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        entry.shutdown(pluginState.pointer)
    }

    struct Unchecked: @unchecked Sendable { let pointer: UnsafeMutableRawPointer? }
}

/// The plugins a host loaded, in load order.
final class LoadedList: Sendable {
    private let plugins = Mutex<[LoadedPlugin]>([])

    func append(_ plugin: LoadedPlugin) { plugins.withLock { $0.append(plugin) } }

    func takeAll() -> [LoadedPlugin] {
        plugins.withLock { p in
            defer { p = [] }
            return p
        }
    }
}
