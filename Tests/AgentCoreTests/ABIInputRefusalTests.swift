import AgentCore
import AgentJSON
import CAgentABI
import Foundation
import LabSupport
import Testing

/// Bytes that are not what the ABI header says are refused with a typed error, never read as a
/// default: a plugin config that is not a JSON object fails `init` (not `{}`), and a container
/// driver's event filter that is not a JSON object is refused (not "every event").
@Suite("ABI input refusals", .labThreads)
struct ABIInputRefusalTests {
    /// Calls the Swift example plugin's `init` directly with `config` as its config bytes and a
    /// host table that only logs (nothing), as the loader never passes anything but an object.
    static func initExample(config: String) throws -> (status: Int32, error: JSONObject?) {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift", as: "libexample-\(UUID().uuidString).so")
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { throw LabError("dlopen \(path) failed") }
        guard let symbol = dlsym(library, "agent_plugin_entry_v1") else { throw LabError("no entry symbol") }
        let entry = unsafeBitCast(symbol, to: agent_plugin_entry_v1_fn.self)
        guard let descriptor = entry(UInt32(AGENT_ABI_MAJOR), UInt32(AGENT_ABI_MINOR)), let initFn = descriptor.pointee.`init` else {
            throw LabError("no descriptor or init")
        }
        // The table lives until process exit, as the ABI requires (the plugin may keep it).
        let api = UnsafeMutablePointer<agent_host_api>.allocate(capacity: 1)
        api.initialize(to: agent_host_api())
        api.pointee.struct_size = UInt32(MemoryLayout<agent_host_api>.size)
        api.pointee.abi_major = UInt16(AGENT_ABI_MAJOR)
        api.pointee.abi_minor = UInt16(AGENT_ABI_MINOR)
        api.pointee.log = { _, _, _, _ in }
        var state: UnsafeMutableRawPointer? = nil
        var errorBody = agent_owned_none()
        let bytes = Array(config.utf8)
        let status = bytes.withUnsafeBufferPointer { b in
            initFn(UnsafePointer(api), agent_bytes(ptr: b.baseAddress, len: b.count), &state, &errorBody)
        }
        defer { agent_owned_release(errorBody) }
        guard let p = errorBody.ptr, errorBody.len > 0 else { return (status, nil) }
        let parsed = try JSONParser.parse(Array(UnsafeBufferPointer(start: p, count: errorBody.len)))
        return (status, parsed.objectValue)
    }

    @Test("a plugin config that is not JSON, or not an object, fails init with bad_config", arguments: ["not json", "[1, 2]", ""])
    func badPluginConfig(_ config: String) throws {
        let (status, error) = try Self.initExample(config: config)
        #expect(status == Int32(AGENT_E_INVALID_ARGUMENT))
        #expect(error?["code"] == "bad_config")
        #expect(error?["field"] == "config")
    }

    /// Subscribes to the Docker driver's events through its vtable with raw filter bytes.
    static func subscribe(_ driver: ProtocolRegistry.Entry, filter: String) -> (status: Int32, subscription: UInt64) {
        let vt = UnsafeRawPointer(driver.vtable).assumingMemoryBound(to: agent_container_driver_v1.self)
        var subscription: UInt64 = 0
        let bytes = Array(filter.utf8)
        let status = bytes.withUnsafeBufferPointer { b in
            vt.pointee.subscribe?(driver.instance, agent_bytes(ptr: b.baseAddress, len: b.count), { _, _, _ in }, nil, &subscription) ?? -1
        }
        return (status, subscription)
    }

    @Test("a driver event filter that is not a JSON object is refused, never read as every event")
    func malformedFilter() async throws {
        let lab = try PluginLab()
        let docker = try lab.install("agent-docker")
        // No engine behind the socket: a subscription only starts a reconnecting feed.
        let config = try lab.writeConfig([
            try lab.entry(id: "io.autonomy.docker", path: docker, config: ["socket": .string(lab.root + "/no-docker.sock")])
        ])
        let agent = try lab.agent(configPath: config)
        let driver = try #require(agent.services.registry.lookup(AGENT_PROTOCOL_CONTAINER_DRIVER))
        for bad in ["not json", #"["container"]"#, #""type=container""#, ""] {
            let (status, subscription) = Self.subscribe(driver, filter: bad)
            #expect(status == Int32(AGENT_E_INVALID_ARGUMENT), "filter \(bad.debugDescription)")
            #expect(subscription == 0)
        }
        // A filter the driver does not understand is refused the same way.
        #expect(Self.subscribe(driver, filter: #"{"type": "container"}"#).status == Int32(AGENT_E_INVALID_ARGUMENT))
        // {} is every event, explicitly.
        let all = Self.subscribe(driver, filter: "{}")
        #expect(all.status == Int32(AGENT_OK))
        #expect(all.subscription > 0)
        let vt = UnsafeRawPointer(driver.vtable).assumingMemoryBound(to: agent_container_driver_v1.self)
        vt.pointee.unsubscribe?(driver.instance, all.subscription)
        await agent.shutdown()
    }
}
