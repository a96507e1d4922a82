import AgentJSON
import AgentPluginKit
import Logging
import NetmonCache
import NetmonProtocol
import Synchronization

/// What the listener knows and who listens: the interface cache, event counters, the
/// subscribers and the start-up gate. Fed by the ``NetmonClient``'s signals (on its event loop,
/// in order); read by the provider methods and the topic from any thread.
final class NetworkState: Sendable {
    let hub = SubscriberHub()
    let gate = StartupGate()
    private let host: PluginHost
    private let logger: Logger
    private let table = Mutex(Table())

    private struct Table: Sendable {
        var cache = InterfaceCache()
        var devices = SerialDeviceCache()
        var events = 0
        var lastEventAt: String?
        var reconnectRequests = 0
    }

    init(host: PluginHost, logger: Logger) {
        self.host = host
        self.logger = logger
    }

    /// A copy of the interface cache.
    var cache: InterfaceCache { table.withLock { $0.cache } }

    /// A copy of the serial-device table.
    var devices: SerialDeviceCache { table.withLock { $0.devices } }

    /// Counters for `status`: events received, time of the last one, reconnect requests made.
    var counters: (events: Int, lastEventAt: String?, reconnectRequests: Int) {
        table.withLock { ($0.events, $0.lastEventAt, $0.reconnectRequests) }
    }

    /// Applies one client signal: cache first, then subscribers, then the transport hook.
    func handle(_ signal: ClientSignal) {
        switch signal {
        case .connected:
            hub.publish("netmon.connected", [:])
        case .disconnected:
            gate.open()
            hub.publish("netmon.disconnected", [:])
        case .unreachable:
            gate.open()
        case .event(let type, let data):
            let (deltas, nudge) = table.withLock { t in
                t.events += 1
                t.lastEventAt = WireTime.now()
                let deltas = t.cache.apply(type: type, data: data)
                t.devices.apply(type: type, data: data)
                let nudge = ReconnectPolicy.warrantsReconnect(deltas)
                if nudge { t.reconnectRequests += 1 }
                return (deltas, nudge)
            }
            if type == NetmonWire.Event.networkDiscovery { gate.open() }
            hub.publish(type, data)
            if nudge { nudgeTransport(deltas.filter(ReconnectPolicy.warrantsReconnect).map(\.name)) }
        }
    }

    /// Asks the cloud transport to skip its back-off: a link lost on a network move is retried
    /// at once instead of after up to a minute of back-off.
    private func nudgeTransport(_ interfaces: [String]) {
        guard let transport = host.lookup("agent.transport") else {
            logger.debug("network changed, but no transport is loaded", metadata: ["interfaces": "\(interfaces)"])
            return
        }
        do {
            try transport.reconnectNow()
            logger.info("network changed: asked the transport to reconnect now", metadata: ["interfaces": "\(interfaces)"])
        } catch {
            logger.warning("the transport refused reconnect_now: \(error.message)")
        }
    }
}
