import Synchronization
@_spi(HostDouble) import AgentPluginKit
import AgentJSON
import AgentStore
import CAgentABI
#if canImport(Glibc)
import Glibc
#endif

/// What one loaded plugin's host API table points at: its id, its own config and the host.
final class PluginContext: Sendable {
    let pluginID: String
    let pluginConfig: JSONObject
    let host: HostState

    init(pluginID: String, pluginConfig: JSONObject, host: HostState) {
        self.pluginID = pluginID
        self.pluginConfig = pluginConfig
        self.host = host
    }

    static func from(_ raw: UnsafeMutableRawPointer?) -> PluginContext? {
        raw.map { Unmanaged<PluginContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// A fresh `agent_host_api` for this plugin. The table and the context it points at live
    /// until process exit, as the ABI promises plugins (a few hundred bytes per load).
    func makeTable() -> UnsafePointer<agent_host_api> {
        let table = UnsafeMutablePointer<agent_host_api>.allocate(capacity: 1)
        table.initialize(
            to: agent_host_api(
                struct_size: UInt32(MemoryLayout<agent_host_api>.size), abi_major: UInt16(AGENT_ABI_MAJOR),
                abi_minor: UInt16(AGENT_ABI_MINOR), host_ctx: Unmanaged.passRetained(self).toOpaque(),
                log: testLog, emit_event: testEmit, config_get: testConfigGet, feature_enabled: testFeature,
                lookup_protocol: testLookup, monotonic_now_ns: testMonotonic, store_get: testStoreGet,
                store_put: testStorePut, store_delete: testStoreDelete, store_list: testStoreList,
                store_apply: testStoreApply))
        return UnsafePointer(table)
    }
}

// The C functions of the table: the same rules as the agent's (borrowed inputs, malloc'ed owned
// outputs released by `release`, statuses from the header), over ``HostState``.

private let ok = Int32(AGENT_OK)
private let invalid = Int32(AGENT_E_INVALID_ARGUMENT)
private let notFound = Int32(AGENT_E_NOT_FOUND)

private func text(_ b: agent_bytes) -> String { Bytes.string(b) }

private func validText(_ b: agent_bytes) -> String? { Bytes.validString(b) }

private func json(_ b: agent_bytes) -> JSONValue? {
    guard b.len > 0 else { return nil }
    // handled: bytes that do not parse are refused by every caller with invalid_argument
    return try? JSONParser.parse(Bytes.copy(b))
}

private func owned(_ value: JSONValue) -> agent_owned_bytes { Bytes.owned(value) }

private func storeStatus(_ error: StoreError) -> Int32 {
    switch error.kind {
    case .invalidInput: return invalid
    case .conflict: return Int32(AGENT_E_BUSY)
    case .system: return Int32(AGENT_E_IO)
    }
}

private let testLog: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_bytes, agent_bytes) -> Void = {
    raw, level, message, metadata in
    guard let ctx = PluginContext.from(raw) else { return }
    let line = LoggedLine(
        plugin: ctx.pluginID, level: level, message: text(message), metadata: json(metadata)?.objectValue ?? [:])
    ctx.host.state.withLock { $0.logs.append(line) }
}

private let testEmit: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Int32 = { raw, topic, payload in
    guard let ctx = PluginContext.from(raw) else { return invalid }
    let name = text(topic)
    guard !name.isEmpty, let object = json(payload)?.objectValue else { return invalid }
    ctx.host.state.withLock { $0.events.append(EmittedEvent(plugin: ctx.pluginID, topic: name, payload: object)) }
    // As the agent: cloud events go on through a registered transport (queued while it is down).
    if !name.hasPrefix("local."), let transport = ctx.host.lookup(AGENT_PROTOCOL_TRANSPORT, name: "") {
        let vt = UnsafeRawPointer(transport.vtable).assumingMemoryBound(to: agent_transport_v1.self)
        let bytes = JSONWriter.bytes(.object(object))
        return bytes.withUnsafeBufferPointer { p in
            vt.pointee.send(
                transport.instance, topic, agent_bytes(ptr: p.baseAddress, len: p.count), UInt64(AGENT_SEND_QUEUE), nil, nil)
        }
    }
    return ok
}

private let testConfigGet: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, UnsafeMutablePointer<agent_owned_bytes>?)
    -> Int32 = { raw, key, out in
        guard let ctx = PluginContext.from(raw), let out else { return invalid }
        guard let value = ctx.host.configValue(text(key), pluginConfig: ctx.pluginConfig) else { return notFound }
        out.pointee = owned(value)
        return ok
    }

private let testFeature: @convention(c) (UnsafeMutableRawPointer?, agent_bytes) -> Int32 = { raw, name in
    guard let ctx = PluginContext.from(raw) else { return 0 }
    return ctx.host.state.withLock { $0.features[text(name)] ?? false } ? 1 : 0
}

private let testLookup:
    @convention(c) (
        UnsafeMutableRawPointer?, agent_bytes, agent_bytes, UnsafeMutablePointer<UnsafePointer<agent_vtable_header>?>?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Int32 = { raw, proto, name, outVTable, outInstance in
        guard let ctx = PluginContext.from(raw), let outVTable, let outInstance else { return invalid }
        guard let entry = ctx.host.lookup(text(proto), name: text(name)) else { return notFound }
        outVTable.pointee = entry.vtable
        outInstance.pointee = entry.instance
        return ok
    }

private let testMonotonic: @convention(c) (UnsafeMutableRawPointer?) -> UInt64 = { raw in
    PluginContext.from(raw)?.host.monotonicNanoseconds() ?? 0
}

private let testStoreGet: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, UnsafeMutablePointer<agent_owned_bytes>?)
    -> Int32 = { raw, key, out in
        guard let ctx = PluginContext.from(raw), let out, let key = validText(key) else { return invalid }
        do throws(StoreError) {
            guard let value = try ctx.host.store.get(ctx.pluginID, key) else { return notFound }
            out.pointee = owned(value)
            return ok
        } catch { return storeStatus(error) }
    }

private let testStorePut: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Int32 = { raw, key, value in
    guard let ctx = PluginContext.from(raw), let key = validText(key), let value = json(value) else { return invalid }
    do throws(StoreError) {
        try ctx.host.store.put(ctx.pluginID, key, value)
        return ok
    } catch { return storeStatus(error) }
}

private let testStoreDelete: @convention(c) (UnsafeMutableRawPointer?, agent_bytes) -> Int32 = { raw, key in
    guard let ctx = PluginContext.from(raw), let key = validText(key) else { return invalid }
    do throws(StoreError) {
        try ctx.host.store.delete(ctx.pluginID, key)
        return ok
    } catch { return storeStatus(error) }
}

private let testStoreList: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, UnsafeMutablePointer<agent_owned_bytes>?)
    -> Int32 = { raw, prefix, out in
        guard let ctx = PluginContext.from(raw), let out, let prefix = validText(prefix) else { return invalid }
        do throws(StoreError) {
            out.pointee = owned(.array(try ctx.host.store.list(ctx.pluginID, prefix: prefix).map { .string($0) }))
            return ok
        } catch { return storeStatus(error) }
    }

private let testStoreApply: @convention(c) (UnsafeMutableRawPointer?, agent_bytes) -> Int32 = { raw, opsBytes in
    guard let ctx = PluginContext.from(raw), let ops = json(opsBytes) else { return invalid }
    do throws(StoreError) {
        try ctx.host.store.apply(ctx.pluginID, try StoreOp.parse(ops))
        return ok
    } catch { return storeStatus(error) }
}
