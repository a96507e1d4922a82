import AgentJSON

extension PluginRecord {
    /// The record as JSON (`plugins list --json`, `get_agent_config`): id, path, version, abi,
    /// sha256 (of the file as loaded), state (`loaded`, `refused`, `failed` with `reason` and
    /// `message`), registrations and load time.
    public var inventoryJSON: JSONObject {
        var o = JSONObject()
        o["id"] = .string(id)
        o["path"] = .string(path)
        o["version"] = version.map { .string($0) } ?? .null
        o["abi"] = abi.map { .string($0) } ?? .null
        o["sha256"] = sha256.map { .string($0) } ?? .null
        switch state {
        case .loaded: o["state"] = "loaded"
        case .refused(let r):
            o["state"] = "refused"
            o["reason"] = .string(r.code.rawValue)
            o["message"] = .string(r.message)
        case .failed(let r):
            o["state"] = "failed"
            o["reason"] = .string(r.code.rawValue)
            o["message"] = .string(r.message)
        }
        o["registrations"] = .array(registrations.map { .string($0) })
        o["load_us"] = loadMicroseconds.map { .number(Double($0)) } ?? .null
        return o
    }
}
