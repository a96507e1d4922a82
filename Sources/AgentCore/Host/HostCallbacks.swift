import AgentJSON
import AgentStore
import CAgentABI
import Logging
#if canImport(Glibc)
import Glibc
#endif

// The C functions of `agent_host_api`. Each recovers the plugin's HostContext from host_ctx,
// never throws across the boundary, and follows the header's buffer rules.

private let ok = Int32(AGENT_OK)
private let invalid = Int32(AGENT_E_INVALID_ARGUMENT)
private let notFound = Int32(AGENT_E_NOT_FOUND)
private let ioError = Int32(AGENT_E_IO)

let hostLog: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_bytes, agent_bytes) -> Void = {
    raw, level, message, metadata in
    guard let ctx = HostContext.from(raw) else { return }
    let lvl: Logger.Level =
        switch level {
        case ...0: .trace
        case 1: .debug
        case 2: .info
        case 3: .notice
        case 4: .warning
        case 5: .error
        default: .critical
        }
    var meta: Logger.Metadata = [:]
    if let obj = HostBytes.parse(metadata)?.objectValue {
        for (k, v) in obj.entries { meta[k] = .string(v.stringValue ?? JSONWriter.string(v)) }
    }
    ctx.logger.log(level: lvl, "\(HostBytes.string(message))", metadata: meta)
}

let hostEmitEvent: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Int32 = { raw, topic, payload in
    guard let ctx = HostContext.from(raw) else { return invalid }
    let name = HostBytes.string(topic)
    guard !name.isEmpty, let obj = HostBytes.parse(payload)?.objectValue else { return invalid }
    return ctx.services.events.emit(topic: name, payload: obj)
}

let hostConfigGet:
    @convention(c) (UnsafeMutableRawPointer?, agent_bytes, UnsafeMutablePointer<agent_owned_bytes>?) -> Int32 = {
        raw, key, out in
        guard let ctx = HostContext.from(raw), let out else { return invalid }
        guard let value = ctx.configValue(HostBytes.string(key)) else { return notFound }
        out.pointee = HostBytes.owned(value)
        return ok
    }

let hostFeatureEnabled: @convention(c) (UnsafeMutableRawPointer?, agent_bytes) -> Int32 = { raw, name in
    guard let ctx = HostContext.from(raw) else { return 0 }
    return ctx.services.config.config.isFeatureEnabled(HostBytes.string(name)) ? 1 : 0
}

let hostLookupProtocol:
    @convention(c) (
        UnsafeMutableRawPointer?, agent_bytes, agent_bytes, UnsafeMutablePointer<UnsafePointer<agent_vtable_header>?>?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Int32 = { raw, proto, name, outVTable, outInstance in
        guard let ctx = HostContext.from(raw), let outVTable, let outInstance else { return invalid }
        guard let entry = ctx.services.registry.lookup(HostBytes.string(proto), name: HostBytes.string(name)) else {
            return notFound
        }
        outVTable.pointee = entry.vtable
        outInstance.pointee = entry.instance
        return ok
    }

let hostMonotonicNow: @convention(c) (UnsafeMutableRawPointer?) -> UInt64 = { _ in
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Maps a store failure onto a status (and logs it against the plugin).
private func storeFailure(_ ctx: HostContext, _ error: StoreError) -> Int32 {
    ctx.logger.warning("store call failed: \(error)")
    switch error.kind {
    case .invalidInput: return invalid
    case .conflict: return Int32(AGENT_E_BUSY)
    case .system: return Int32(AGENT_E_IO)
    }
}

let hostStoreGet:
    @convention(c) (UnsafeMutableRawPointer?, agent_bytes, UnsafeMutablePointer<agent_owned_bytes>?) -> Int32 = {
        raw, key, out in
        guard let ctx = HostContext.from(raw), let out, let key = HostBytes.validString(key) else { return invalid }
        do throws(StoreError) {
            guard let value = try ctx.services.store.get(ctx.pluginID, key) else { return notFound }
            out.pointee = HostBytes.owned(value)
            return ok
        } catch { return storeFailure(ctx, error) }
    }

let hostStorePut: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Int32 = { raw, key, value in
    guard let ctx = HostContext.from(raw), let key = HostBytes.validString(key) else { return invalid }
    guard let json = HostBytes.parse(value) else { return invalid }
    do throws(StoreError) {
        try ctx.services.store.put(ctx.pluginID, key, json)
        return ok
    } catch { return storeFailure(ctx, error) }
}

let hostStoreDelete: @convention(c) (UnsafeMutableRawPointer?, agent_bytes) -> Int32 = { raw, key in
    guard let ctx = HostContext.from(raw), let key = HostBytes.validString(key) else { return invalid }
    do throws(StoreError) {
        try ctx.services.store.delete(ctx.pluginID, key)
        return ok
    } catch { return storeFailure(ctx, error) }
}

let hostStoreList:
    @convention(c) (UnsafeMutableRawPointer?, agent_bytes, UnsafeMutablePointer<agent_owned_bytes>?) -> Int32 = {
        raw, prefix, out in
        guard let ctx = HostContext.from(raw), let out, let prefix = HostBytes.validString(prefix) else { return invalid }
        do throws(StoreError) {
            let keys = try ctx.services.store.list(ctx.pluginID, prefix: prefix)
            out.pointee = HostBytes.owned(.array(keys.map { .string($0) }))
            return ok
        } catch { return storeFailure(ctx, error) }
    }

let hostStoreApply: @convention(c) (UnsafeMutableRawPointer?, agent_bytes) -> Int32 = { raw, opsBytes in
    guard let ctx = HostContext.from(raw), let json = HostBytes.parse(opsBytes) else { return invalid }
    do throws(StoreError) {
        let ops = try StoreOp.parse(json)
        try ctx.services.store.apply(ctx.pluginID, ops)
        return ok
    } catch { return storeFailure(ctx, error) }
}
