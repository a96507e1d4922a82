import CAgentABI
import AgentJSON
import Synchronization

/// The live state of a loaded plugin: the author's instance, the host, in-flight requests.
/// Passed to the host as the opaque `plugin_state` (retained once, released never: the library
/// stays mapped and the host may hold the pointer until exit).
final class PluginState: Sendable {
    let plugin: any AgentPlugin
    let id: String
    let host: PluginHost
    let topics: [TopicBox]
    let transport: TransportBox?
    let driver: DriverBox?
    let netmon: NetmonBox?
    let upgrader: UpgraderBox?
    /// In-flight requests by id, so `cancel` and `shutdown` can reach their tasks. The lock is
    /// held only to insert or remove an entry, never while a task is created or run.
    let inFlight = Mutex<[UInt64: InFlightRequest]>([:])
    let isShutDown = Atomic<Bool>(false)

    init(plugin: any AgentPlugin, host: PluginHost, id: String) {
        self.id = id
        self.plugin = plugin
        self.host = host
        self.topics = plugin.topics.map { TopicBox(topic: $0) }
        self.transport = plugin.transport.map { TransportBox($0) }
        self.driver = plugin.containerDriver.map { DriverBox($0) }
        self.netmon = plugin.netmon.map { NetmonBox($0) }
        self.upgrader = plugin.upgrader.map { UpgraderBox($0) }
    }
}

/// One registered topic: the C instance pointer of the topic vtable points at this box.
final class TopicBox: Sendable {
    let topic: Topic
    /// Set once at registration; weak-free back reference to the plugin state.
    let owner = Mutex<PluginState?>(nil)

    init(topic: Topic) { self.topic = topic }
}

/// The host's completion callback for one request. Not Sendable in C terms; the ABI allows it
/// to be called from any thread exactly once, which `fire` guarantees.
final class Completion: @unchecked Sendable {
    let done: agent_completion_fn
    let ctx: UnsafeMutableRawPointer?
    let fired = Atomic<Bool>(false)

    init(done: agent_completion_fn, ctx: UnsafeMutableRawPointer?) {
        self.done = done
        self.ctx = ctx
    }

    func fire(_ status: Int32, _ body: JSONValue) {
        guard !fired.exchange(true, ordering: .acquiringAndReleasing) else { return }
        done(ctx, status, Bytes.owned(body))
    }
}

/// One request in flight: its task (attached right after creation) and whether cancellation was
/// asked before the task existed.
final class InFlightRequest: Sendable {
    private let state = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func attach(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { s -> Bool in
            s.task = task
            return s.cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.cancelled = true
            return s.task
        }
        task?.cancel()
    }

    /// Waits for the task, if one was attached.
    func wait() async {
        if let task = state.withLock({ $0.task }) { await task.value }
    }
}
