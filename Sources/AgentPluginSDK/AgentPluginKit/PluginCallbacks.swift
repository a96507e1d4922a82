import CAgentABI
import AgentJSON
import AgentContracts
import Dispatch
import Synchronization

// The C functions behind every Swift plugin's descriptor and topic vtable. Each one catches
// everything: nothing thrown may cross the C boundary.

/// The C `init` of the descriptor in export slot `slot` (``ExportedPlugins``).
func initExported(
    _ slot: Int, _ hostAPI: UnsafePointer<agent_host_api>?, _ configBytes: agent_bytes,
    _ outState: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ outError: UnsafeMutablePointer<agent_owned_bytes>?
) -> Int32 {
    guard let exported = ExportedPlugins.shared.plugin(at: slot) else {
        let e = PluginError(status: Int32(AGENT_E_INTERNAL), code: "no_entry", message: "entry point was not called")
        outError?.pointee = Bytes.owned(e.json)
        return e.status
    }
    return initPlugin(
        hostAPI, config: Bytes.copy(configBytes), make: exported.make, id: exported.pluginID, outState: outState,
        outError: outError)
}

/// Builds a plugin instance for a host: checks the host API, parses the config, runs `make`,
/// and hands the retained ``PluginState`` back through `outState`. Shared by the exported C
/// `init` and by in-process host doubles (``PluginEntry``).
func initPlugin(
    _ hostAPI: UnsafePointer<agent_host_api>?, config configBytes: [UInt8],
    make: @Sendable (PluginHost, JSONObject) throws -> any AgentPlugin, id: String,
    outState: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, outError: UnsafeMutablePointer<agent_owned_bytes>?
) -> Int32 {
    func fail(_ e: PluginError) -> Int32 {
        outError?.pointee = Bytes.owned(e.json)
        return e.status
    }
    guard let hostAPI, let outState else {
        return fail(PluginError(status: Int32(AGENT_E_INVALID_ARGUMENT), code: "bad_call", message: "init without host or state"))
    }
    guard hostAPI.pointee.abi_major == UInt16(AGENT_ABI_MAJOR),
        Int(hostAPI.pointee.struct_size) >= MemoryLayout<agent_host_api>.size
    else {
        return fail(
            PluginError(
                status: Int32(AGENT_E_ABI_MISMATCH), code: "host_abi_mismatch",
                message: "host API \(hostAPI.pointee.abi_major).\(hostAPI.pointee.abi_minor) is older than this plugin needs"))
    }
    let config: JSONObject
    switch PluginConfigBytes.object(configBytes) {
    case .success(let object): config = object
    case .failure(let e): return fail(e)
    }
    let host = PluginHost(hostAPI)
    do {
        let plugin = try make(host, config)
        let state = PluginState(plugin: plugin, host: host, id: id)
        for box in state.topics { box.owner.withLock { $0 = state } }
        outState.pointee = Unmanaged.passRetained(state).toOpaque()
        return Int32(AGENT_OK)
    } catch {
        return fail(PluginError.from(error))
    }
}

let pluginRegister: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<agent_registrar>?) -> Int32 = {
    rawState, registrar in
    guard let rawState, let registrar else { return Int32(AGENT_E_INVALID_ARGUMENT) }
    let state = Unmanaged<PluginState>.fromOpaque(rawState).takeUnretainedValue()
    for box in state.topics {
        let contract = JSONWriter.bytes(box.topic.contract.json)
        let status: Int32 = contract.withUnsafeBufferPointer { c in
            AGENT_PROTOCOL_TOPIC_HANDLER.withCString { proto in
                box.topic.name.withCString { name in
                    topicVTable.withMemoryRebound(to: agent_vtable_header.self, capacity: 1) { header in
                        var reg = agent_protocol_registration(
                            struct_size: UInt32(MemoryLayout<agent_protocol_registration>.size),
                            protocol_id: proto,
                            name: name,
                            vtable: UnsafePointer(header),
                            instance: Unmanaged.passRetained(box).toOpaque(),
                            contract_json: agent_bytes(ptr: c.baseAddress, len: c.count),
                            flags: box.topic.addDefaults ? UInt64(AGENT_TOPIC_ADD_DEFAULTS) : 0
                        )
                        return registrar.pointee.register_protocol(registrar.pointee.registrar_ctx, &reg)
                    }
                }
            }
        }
        guard status == Int32(AGENT_OK) else { return status }
    }
    // The plugin's service protocols, each registered under the plugin id; the instance is
    // retained only when its registration is made.
    let services: [(protocolID: String, vtable: UnsafeRawPointer, instance: () -> UnsafeMutableRawPointer)] = [
        state.transport.map { box in (AGENT_PROTOCOL_TRANSPORT, UnsafeRawPointer(transportVTable), { Unmanaged.passRetained(box).toOpaque() }) },
        state.driver.map { box in (AGENT_PROTOCOL_CONTAINER_DRIVER, UnsafeRawPointer(driverVTable), { Unmanaged.passRetained(box).toOpaque() }) },
        state.netmon.map { box in (AGENT_PROTOCOL_NETMON, UnsafeRawPointer(netmonVTable), { Unmanaged.passRetained(box).toOpaque() }) },
        state.upgrader.map { box in (AGENT_PROTOCOL_UPGRADER, UnsafeRawPointer(upgraderVTable), { Unmanaged.passRetained(box).toOpaque() }) },
    ].compactMap { $0 }
    for service in services {
        let status = registerService(registrar, service.protocolID, name: state.id, vtable: service.vtable, instance: service.instance())
        guard status == Int32(AGENT_OK) else { return status }
    }
    return Int32(AGENT_OK)
}

/// Registers one non-topic protocol implementation (no contract) under `name`.
private func registerService(
    _ registrar: UnsafePointer<agent_registrar>, _ protocolID: String, name: String,
    vtable: UnsafeRawPointer, instance: UnsafeMutableRawPointer
) -> Int32 {
    protocolID.withCString { proto in
        name.withCString { name in
            var reg = agent_protocol_registration(
                struct_size: UInt32(MemoryLayout<agent_protocol_registration>.size),
                protocol_id: proto, name: name, vtable: vtable.assumingMemoryBound(to: agent_vtable_header.self),
                instance: instance, contract_json: agent_bytes(ptr: nil, len: 0), flags: 0)
            return registrar.pointee.register_protocol(registrar.pointee.registrar_ctx, &reg)
        }
    }
}

let pluginShutdown: @convention(c) (UnsafeMutableRawPointer?) -> Void = { rawState in
    guard let rawState else { return }
    let state = Unmanaged<PluginState>.fromOpaque(rawState).takeUnretainedValue()
    guard !state.isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
    let tasks = state.inFlight.withLock { Array($0.values) }
    for t in tasks { t.cancel() }
    // The ABI requires that no callback fires after shutdown returns: wait (bounded) for the
    // cancelled requests and the plugin's own shutdown. The host calls this off the Swift
    // concurrency pool, so blocking this thread cannot starve the tasks we wait for.
    let finished = DispatchSemaphore(value: 0)
    let plugin = state.plugin
    Task {
        for t in tasks { await t.wait() }
        await plugin.shutdown()
        finished.signal()
    }
    _ = finished.wait(timeout: .now() + .seconds(10))
}

let topicHandle:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { instance, id, topicBytes, messageBytes, done, doneCtx in
        guard let instance, let done else { return Int32(AGENT_E_INVALID_ARGUMENT) }
        let box = Unmanaged<TopicBox>.fromOpaque(instance).takeUnretainedValue()
        guard let state = box.owner.withLock({ $0 }), !state.isShutDown.load(ordering: .acquiring) else {
            return Int32(AGENT_E_CANCELLED)
        }
        // The host validated the message against the contract; parse our own copy.
        // handled: bytes that are not a JSON object are refused with invalid_argument.
        guard let message = (try? JSONParser.parse(Bytes.copy(messageBytes)))?.objectValue else {
            return Int32(AGENT_E_INVALID_ARGUMENT)
        }
        let request = TopicRequest(id: id, topic: box.topic.name, message: message, host: state.host)
        let completion = Completion(done: done, ctx: doneCtx)
        let handler = box.topic.handler
        let entry = InFlightRequest()
        state.inFlight.withLock { $0[id] = entry }
        // `Task.immediate` runs the handler on this thread until it first suspends, so a handler
        // that answers without suspending costs no thread hop (the ABI allows the completion to
        // fire before `handle` returns).
        let task = Task.immediate {
            do {
                let result = try await handler(request)
                completion.fire(Int32(AGENT_OK), .object(result))
            } catch {
                let e = PluginError.from(error)
                completion.fire(e.status, e.json)
            }
            _ = state.inFlight.withLock { $0.removeValue(forKey: id) }
        }
        entry.attach(task)
        return Int32(AGENT_OK)
    }

let topicCancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { instance, id in
    guard let instance else { return }
    let box = Unmanaged<TopicBox>.fromOpaque(instance).takeUnretainedValue()
    guard let state = box.owner.withLock({ $0 }) else { return }
    state.inFlight.withLock { $0[id] }?.cancel()
}
